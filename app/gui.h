#pragma once

namespace parlab {

// `parlab` with no command, or `parlab gui [--preset NAME] [--autorun]`: the desktop window.
int runGui(int argc, char* argv[]);

} // namespace parlab

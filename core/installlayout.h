#pragma once

#include <QString>

namespace parlab {

// Where ParLab's helpers lie, relative to the running program. The build tree mirrors the install layout
// (bin/, libexec/parlab/, lib/parlab/ — the folders GNUInstallDirs chose at configure time), so one
// relative path finds a helper from build/bin, from /usr/bin and from any prefix an install was moved to,
// and an installed ParLab never reaches back into its build folder.
enum class Helper {
    Worker, // `parlab` itself, started as `parlab worker` by the process backends, as `parlab engine` by a Runner
    MpiWorker, // parlab-mpi-worker, the mpi backend's rank program
    KernelLibrary, // libparlab_kernels.so, the C ABI the python-* backends load through ctypes
    Examples, // the folder of examples/ (share/doc/parlab/examples), which presets and lessons name as {examples}
    ExampleLibraries, // the examples' built libraries (lib/parlab/examples), {example-libraries} in presets
};

// The helper's path: $PARLAB_WORKER_EXECUTABLE, $PARLAB_MPI_WORKER, $PARLAB_KERNEL_LIBRARY, $PARLAB_EXAMPLES or
// $PARLAB_EXAMPLE_LIBRARIES when set (for tests and unusual installs), otherwise its place relative to this program's
// folder. The file need not exist.
QString helperPath(Helper helper);

} // namespace parlab

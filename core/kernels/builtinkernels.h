#pragma once

#include <memory>

namespace parlab {

class Kernel;

// One factory per built-in kernel, each defined in its own file (fib.cpp, spin.cpp, ...).
std::unique_ptr<Kernel> makeFibKernel();
std::unique_ptr<Kernel> makeSleepKernel();
std::unique_ptr<Kernel> makeSpinKernel();
std::unique_ptr<Kernel> makeSpinUsKernel();
std::unique_ptr<Kernel> makePrimesKernel();
std::unique_ptr<Kernel> makeMandelbrotKernel();
std::unique_ptr<Kernel> makeSha256Kernel();
std::unique_ptr<Kernel> makeStreamKernel();
std::unique_ptr<Kernel> makeNoopKernel();
std::unique_ptr<Kernel> makeCommandKernel();

} // namespace parlab

#pragma once

// The C ABI of libparlab_kernels.so: ParLab's kernels for programs that are not ParLab, above all CPython
// through ctypes (the python-* backends with python_native). A foreign call through ctypes.CDLL releases the
// GIL until it returns, as a C extension does between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS, so
// Python threads calling this run in parallel.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Runs `kernel` (a name from `parlab list kernels`) on `input` and returns its checksum, the same one every
// ParLab backend computes. On failure (unknown kernel, input out of range, the kernel's own error) returns 0
// and writes a NUL-terminated message into `error` (truncated to `errorSize` bytes); on success error[0] is
// 0. Thread-safe: any number of threads may call it at once. Kernels that need settings (command) are refused.
__attribute__((visibility("default"))) uint64_t parlab_run_kernel(
    const char* kernel, int64_t input, char* error, size_t errorSize);

#ifdef __cplusplus
}
#endif

/* ParLab's C ABI for your own kernel: a function of one integer that ParLab runs on every backend.
 *
 *   #include <parlab/kernel_abi.h>
 *   PARLAB_KERNEL uint64_t collatz(int64_t input) { ... return checksum; }
 *
 * Build it as a shared library and run it (ParLab installs this header in <prefix>/include/parlab; under /usr
 * the -I is not needed):
 *
 *   cc -O2 -shared -fPIC -I<prefix>/include collatz.c -o libcollatz.so
 *   parlab run --kernel lib:./libcollatz.so:collatz --inputs 1..64 --backends sequential,threads,processes
 *   parlab run --kernel lib:./libcollatz.so:collatz --inputs 1..64 --backends gil-threads --release-gil
 *
 * The contract:
 * - The function takes the task's input and returns a checksum of what it computed. Every backend must get the
 *   same checksum for the same input; ParLab compares them task by task with sequential's, so a function that
 *   races or reads the clock is reported as not deterministic.
 * - It may be called from many threads at once (threads, qtconcurrent, gil-threads, python-threads), and in
 *   many processes (processes, process-per-task, mpi, python-processes: each loads the library itself).
 * - ParLab cannot stop it halfway: a cancel or a task timeout takes effect when it returns on the thread
 *   backends, and by ending the worker process on the process backends.
 * - A crash (segmentation fault, abort) in it fails the run with the backend, the input and the signal named.
 */
#ifndef PARLAB_KERNEL_ABI_H
#define PARLAB_KERNEL_ABI_H

#include <stdint.h>

/* Bumped when the signature below changes. */
#define PARLAB_KERNEL_ABI_VERSION 1

/* Unmangled (C linkage, also from C++) and exported even under -fvisibility=hidden. */
#ifdef __cplusplus
#define PARLAB_KERNEL extern "C" __attribute__((visibility("default")))
#else
#define PARLAB_KERNEL __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The type of every kernel function: `--kernel lib:PATH:SYMBOL` names one. */
typedef uint64_t (*parlab_kernel_fn)(int64_t input);

#ifdef __cplusplus
}
#endif

#endif /* PARLAB_KERNEL_ABI_H */

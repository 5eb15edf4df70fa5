"""ParLab's CPython worker: runs ParLab's kernels in real CPython for the python-* backends.

One long-lived interpreter per backend, started by core/backends/pythonbackend.cpp as

    python3 -u parlab_worker.py --mode sequential|threads|processes --workers N
                                [--native LIBRARY] [--switch-interval SECONDS]

It runs each batch of inputs the way a Python programmer would: a plain loop, ThreadPoolExecutor.map, or
multiprocessing.Pool.map, and times every task with time.monotonic_ns() (CLOCK_MONOTONIC, the clock ParLab
uses) in the thread or process that ran it. There it also samples, as ParLab's C++ workers do (core/taskclock.h),
what the task cost its thread: CPU time (time.thread_time_ns()) and run-queue delay (wall minus CPU for a task
that never blocked, else the growth of field 2 of the thread's own /proc/thread-self/schedstat), at most once per
SAMPLE_INTERVAL_NS per thread, so that tasks of a few microseconds do not pay for it; a task that was not sampled
reports -1 for both.

The protocol, one JSON object per line:
  parent -> worker  {"kernel": "fib", "inputs": [27, 26], "chunksize": 1}     run one batch
  worker -> parent  {"ready": PID, "threads": [TID, ...]}  once, when the executor or pool is up; in threads mode
                                                            every executor thread is started by then, and
                                                            "threads" gives their native (Linux) thread ids, of
                                                            worker 0, 1, ...: ParLab samples their states from
                                                            /proc (absent where Python has no
                                                            threading.get_native_id, before 3.8)
                    {"done": INDEX, "worker": W, "pid": P, "start": NS, "end": NS, "checksum": "HEX",
                     "cpu": NS, "wait": NS}                 one per task, after the batch's map returned; cpu and
                                                            wait are -1 where the task was not sampled
                    {"failed": INDEX, "pid": P, "error": TRACEBACK}   the first failed task, instead
                    {"end": COUNT}                          the batch is complete
                    {"fatal": MESSAGE}                      the worker cannot go on; it exits with code 2
End of stdin tells the worker to exit.

The kernels return the same checksums as ParLab's C++ kernels (core/kernels/*.cpp), bit for bit:
64-bit unsigned arithmetic is done with masks. With --native the task calls ParLab's own C++ kernel
through ctypes instead (libparlab_kernels.so), and ctypes releases the GIL during the call, as a C
extension does between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS.
Needs Python 3.7 or newer (time.thread_time_ns, time.monotonic_ns).
"""

import argparse
import json
import multiprocessing
import os
import resource
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

MASK = (1 << 64) - 1


def mix64(x):
    """SplitMix64's finaliser, as parlab::mix64 in core/clock.h."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def fib(n):
    """Naive recursion on purpose: the classic CPU-bound example."""
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def kernel_fib(n):
    return fib(n) & MASK


def kernel_sleep(ms):
    """I/O-bound: time.sleep releases the GIL while it waits."""
    time.sleep(ms / 1000.0)
    return mix64(ms & MASK)


def kernel_spin(ms):
    """Burns ms milliseconds of this thread's CPU time. A thread waiting for the GIL uses none, so under the
    GIL spinning threads take turns: N tasks take N times as long in wall time, never less work."""
    deadline = time.thread_time_ns() + ms * 1000000
    x = ms & MASK
    while time.thread_time_ns() < deadline:
        for _ in range(256):
            x = (x * 6364136223846793005 + 1442695040888963407) & MASK
    # The loop count depends on timing, so the checksum comes from the input alone.
    return mix64(ms & MASK)


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def kernel_primes(n):
    """Counts the primes below n by trial division."""
    count = 0
    for k in range(2, n):
        if is_prime(k):
            count += 1
    return count


KERNELS = {
    "fib": kernel_fib,
    "sleep": kernel_sleep,
    "spin": kernel_spin,
    "primes": kernel_primes,
}

# This process's handle on the C++ kernels, loaded on first use (each pool process loads its own).
_native = None


def load_native(path):
    global _native
    if _native is None:
        import ctypes

        library = ctypes.CDLL(path)
        function = library.parlab_run_kernel
        function.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, ctypes.c_size_t]
        function.restype = ctypes.c_uint64
        _native = (ctypes, function)
    return _native


def run_native(path, kernel, n):
    ctypes, function = load_native(path)
    error = ctypes.create_string_buffer(1024)
    # A CDLL call releases the GIL until it returns: other threads run Python meanwhile.
    checksum = function(kernel.encode("utf-8"), n, error, len(error))
    if error.value:
        raise RuntimeError(error.value.decode("utf-8", "replace"))
    return checksum


# A thread samples its counters at most this often (core/taskclock.h: kSampleIntervalNs): reading them costs a
# few microseconds, as much as a short task.
SAMPLE_INTERVAL_NS = 1000000


class SchedstatFile:
    """One thread's /proc/thread-self/schedstat, open while the thread lives: its __del__ closes the file when the
    thread ends and its threading.local goes with it."""

    def __init__(self):
        self.pid = os.getpid()
        try:
            self.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            self.fd = -1  # a kernel without CONFIG_SCHED_INFO

    def wait_ns(self):
        """The thread's run-queue delay so far in ns (schedstat field 2), or -1 where the kernel does not keep it."""
        if self.fd < 0:
            return -1
        try:
            return int(os.pread(self.fd, 96, 0).split()[1])
        except (OSError, ValueError, IndexError):
            return -1

    def __del__(self, close=os.close):
        # os.close bound early: at interpreter exit the module's globals may already be gone.
        if self.fd >= 0:
            close(self.fd)


class ThreadCounters(threading.local):
    """Per thread: its schedstat file and when it last sampled a task."""

    def __init__(self):
        self.file = None
        self.last_sample = None

    def wait_ns(self):
        if self.file is None or self.file.pid != os.getpid():
            # First use, or a pool process forked from a thread that had its file open: that is the parent's.
            self.file = SchedstatFile()
        return self.file.wait_ns()


_counters = ThreadCounters()


def voluntary_switches():
    """How often this thread has blocked (slept, waited for I/O or a lock) so far."""
    return resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw


def sample_begin(start):
    """At a task's start: this thread's counters when the task is to be sampled, else None."""
    counters = _counters
    if counters.last_sample is not None and start - counters.last_sample < SAMPLE_INTERVAL_NS:
        return None
    counters.last_sample = start
    switches = voluntary_switches()
    wait = counters.wait_ns()
    return (time.monotonic_ns(), time.thread_time_ns(), wait, switches)


def sample_since(begun):
    """At a task's end: (cpu, wait) in ns since sample_begin, -1 for what was not measured. As in ParLab's C++
    workers (core/taskclock.h): a task that never blocked was runnable whenever it was not running, so its wait is
    its wall time minus its CPU time; one that blocked reports the growth of its schedstat run-queue delay."""
    if begun is None:
        return (-1, -1)
    cpu = time.thread_time_ns() - begun[1]
    wall = time.monotonic_ns() - begun[0]
    if voluntary_switches() == begun[3]:
        return (cpu, max(0, wall - cpu))
    wait = _counters.wait_ns() if begun[2] >= 0 else -1
    return (cpu, -1 if wait < 0 else wait - begun[2])


def run_task(job):
    """One task, timed where it runs. Returns a tuple (picklable, for Pool.map); never raises."""
    index, kernel, n, native = job
    start = time.monotonic_ns()
    begun = sample_begin(start)
    try:
        checksum = run_native(native, kernel, n) if native else KERNELS[kernel](n)
    except Exception:
        failure = traceback.format_exc()
        return (index, os.getpid(), threading.get_ident(), start, time.monotonic_ns(), 0, failure, -1, -1)
    cpu, wait = sample_since(begun)
    return (index, os.getpid(), threading.get_ident(), start, time.monotonic_ns(), checksum & MASK, None, cpu, wait)


def die_with_parent(parent):
    """Pool initializer: a pool process dies with the interpreter that started it (Linux's parent-death signal),
    as every process ParLab starts does, so that a killed run leaves none behind."""
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    except (OSError, AttributeError):
        return  # not Linux: ParLab's watchdog still ends it
    if os.getppid() != parent:
        os._exit(1)  # the interpreter died before the signal was set


class Worker:
    def __init__(self, mode, workers, native):
        self.mode = mode
        self.native = native
        self.executor = None
        self.pool = None
        # Stable, dense worker numbers: (pid, thread) in order of first appearance (threads: start order).
        self.worker_ids = {}
        self.native_ids = []  # threads mode: each worker's native thread id
        if mode == "threads":
            self.executor = ThreadPoolExecutor(max_workers=workers)
            for ident, native_id in self.start_threads(workers):
                self.worker_id(os.getpid(), ident)
                self.native_ids.append(native_id)
        elif mode == "processes":
            self.pool = multiprocessing.Pool(processes=workers, initializer=die_with_parent, initargs=(os.getpid(),))

    def start_threads(self, workers):
        """Starts all the executor's threads now, as multiprocessing.Pool starts its processes, and returns their
        (ident, native id) in start order: each of `workers` calls waits at a barrier until all have arrived, so
        the executor must give every call a thread of its own. Thread k is then worker k, and ParLab knows every
        worker's thread before the first batch."""
        barrier = threading.Barrier(workers)
        native_id = getattr(threading, "get_native_id", lambda: 0)

        def hello(_):
            barrier.wait(timeout=60)
            return (threading.get_ident(), native_id())

        return list(self.executor.map(hello, range(workers)))

    def worker_id(self, pid, thread):
        key = (pid, thread)
        if key not in self.worker_ids:
            self.worker_ids[key] = len(self.worker_ids)
        return self.worker_ids[key]

    def run(self, kernel, inputs, chunksize):
        jobs = [(index, kernel, n, self.native) for index, n in enumerate(inputs)]
        if self.mode == "sequential":
            return [run_task(job) for job in jobs]
        if self.mode == "threads":
            return list(self.executor.map(run_task, jobs))
        # Pool.map, watched: Pool replaces a worker that dies and then waits forever for the task it held, so
        # the batch keeps the processes it started with and says so when one of them dies.
        processes = list(getattr(self.pool, "_pool", []))
        pending = self.pool.map_async(run_task, jobs, chunksize)
        while not pending.ready():
            pending.wait(0.1)
            dead = [p for p in processes if p.exitcode is not None]
            if dead and not pending.ready():
                p = dead[0]
                how = "was killed by signal %d" % -p.exitcode if p.exitcode < 0 else "exited with code %d" % p.exitcode
                raise PoolWorkerDied(
                    "pool worker pid %d %s during the batch; multiprocessing.Pool would wait for its task forever"
                    % (p.pid, how)
                )
        return pending.get()

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=False)
        if self.pool is not None:
            self.pool.terminate()


class PoolWorkerDied(Exception):
    pass


def watch_parent(parent):
    """Ends this interpreter (and with it, by their parent-death signal, its pool processes) within 0.2 s of
    ParLab's death, should ParLab's watchdog not have done so already. ParLab cannot give the interpreter a
    parent-death signal: it outlives the thread that starts it."""

    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="parlab-parent-watch", daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description="ParLab's CPython worker (started by ParLab).")
    parser.add_argument("--mode", choices=["sequential", "threads", "processes"], required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--native", default="")
    parser.add_argument("--switch-interval", type=float, default=0.0)
    args = parser.parse_args()

    # The protocol gets its own copy of stdout; anything else printed (by a library, a pool worker) goes to
    # stderr, where ParLab keeps it for error messages, instead of corrupting the protocol.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(message):
        protocol.write(json.dumps(message, separators=(",", ":")) + "\n")
        protocol.flush()

    if args.switch_interval > 0:
        sys.setswitchinterval(args.switch_interval)
    watch_parent(os.getppid())
    try:
        if args.native:
            load_native(args.native)
        worker = Worker(args.mode, max(1, args.workers), args.native)
    except Exception as e:
        what = "cannot load the ParLab kernel library %r" % args.native if args.native else "cannot start"
        send({"fatal": "%s: %s: %s" % (what, type(e).__name__, e)})
        sys.exit(2)
    ready = {"ready": os.getpid()}
    if worker.native_ids and all(worker.native_ids):
        ready["threads"] = worker.native_ids
    send(ready)

    try:
        for line in iter(sys.stdin.readline, ""):
            if not line.strip():
                continue
            try:
                batch = json.loads(line)
                kernel = batch["kernel"]
                inputs = [int(n) for n in batch["inputs"]]
                chunksize = max(1, int(batch.get("chunksize", 1)))
            except (ValueError, KeyError, TypeError) as e:
                send({"fatal": "malformed batch %r: %s" % (line[:200], e)})
                sys.exit(2)
            if not args.native and kernel not in KERNELS:
                send({"fatal": "the kernel %r has no Python version (known: %s)" % (kernel, ", ".join(KERNELS))})
                sys.exit(2)
            try:
                results = worker.run(kernel, inputs, chunksize)
            except PoolWorkerDied as e:
                send({"fatal": str(e)})
                sys.exit(2)
            failures = [r for r in results if r[6] is not None]
            if failures:
                index, pid = failures[0][0], failures[0][1]
                send({"failed": index, "pid": pid, "error": failures[0][6]})
                continue
            for index, pid, thread, start, end, checksum, _, cpu, wait in results:
                send(
                    {
                        "done": index,
                        "worker": worker.worker_id(pid, thread),
                        "pid": pid,
                        "start": start,
                        "end": end,
                        "checksum": "%x" % checksum,
                        "cpu": cpu,
                        "wait": wait,
                    }
                )
            send({"end": len(results)})
    finally:
        worker.close()


if __name__ == "__main__":
    main()

"""ParLab's CPython worker: runs ParLab's kernels in real CPython for the python-* backends.

One long-lived interpreter per backend, started by core/backends/pythonbackend.cpp as

    python3 -u parlab_worker.py --mode sequential|threads|processes --workers N
                                [--native LIBRARY] [--switch-interval SECONDS] [--task-timeout SECONDS]
    python3 parlab_worker.py --check CALL        checks a user's function before a run (below)
    python3 parlab_worker.py --list WHERE        lists the functions in a user's file or module (below)

It runs each batch of inputs the way a Python programmer would: a plain loop, ThreadPoolExecutor.map, or
multiprocessing.Pool.map, and times every task with time.monotonic_ns() (CLOCK_MONOTONIC, the clock ParLab
uses) in the thread or process that ran it. There it also samples, as ParLab's C++ workers do (core/taskclock.h),
what the task cost its thread: CPU time (time.thread_time_ns()) and run-queue delay (wall minus CPU for a task
that never blocked, else the growth of field 2 of the thread's own /proc/thread-self/schedstat), at most once per
SAMPLE_INTERVAL_NS per thread, so that tasks of a few microseconds do not pay for it; a task that was not sampled
reports -1 for both.

The protocol, one JSON object per line:
  parent -> worker  {"kernel": "fib", "inputs": [27, 26], "chunksize": 1}     run one batch
                    {"kernel": "py:/p/cpu.py:steps", "call": CALL, ...}   the same with the user's function
  worker -> parent  {"ready": PID, "threads": [TID, ...]}  once, when the executor or pool is up; in threads mode
                                                            every executor thread is started by then, and
                                                            "threads" gives their native (Linux) thread ids, of
                                                            worker 0, 1, ...: ParLab samples their states from
                                                            /proc (absent where Python has no
                                                            threading.get_native_id, before 3.8); in processes
                                                            mode "processes" gives the pool's process ids, of
                                                            worker 0, 1, ... (ParLab pins both with option pin)
                    {"done": INDEX, "worker": W, "pid": P, "start": NS, "end": NS, "checksum": "HEX",
                     "cpu": NS, "wait": NS, "on": CPU}      one per task, after the batch's map returned; cpu and
                                                            wait are -1 where the task was not sampled; on is
                                                            the CPU the task ended on (sched_getcpu), -1 where
                                                            the C library has no sched_getcpu
                    {"failed": INDEX, "pid": P, "error": TRACEBACK}   the first failed task, instead
                    {"timeout": INDEX, "pid": P, "seconds": S}   with --task-timeout, at once: a task has run
                                                            longer (ParLab then ends the interpreter)
                    {"end": COUNT}                          the batch is complete
                    {"fatal": MESSAGE}                      the worker cannot go on; it exits with code 2
End of stdin tells the worker to exit.

The user's own function (ParLab's py: kernels): CALL is {"file": "/abs/path.py", "function": "f"} or
{"module": "package.module", "function": "f"} (a module found on sys.path, PYTHONPATH included); a user's C
function (lib: kernels) is {"library": "/abs/libk.so", "symbol": "k"}, called through ctypes with ParLab's kernel
ABI (uint64_t k(int64_t)), its result the task's checksum as is. Each process
loads it once, before its first task's clock starts (load_function; pool processes load it themselves, by path),
calls f(n) and hashes what it returns into the task's checksum (checksum_of: BLAKE2b over a canonical encoding,
the same in every process and run, unlike hash()). An exception in f fails the task with the end of its
traceback. --check CALL loads it the same way and prints one JSON line: {"ok": true, "file": PATH,
"functions": [...]} (the module's file and its top-level functions), or {"error": MESSAGE} naming what is
wrong: no file, a syntax error and its line, an import that failed, no such function, not callable, or a
function that cannot be called with one argument. --list WHERE (CALL without "function") reads the file, or the
module's file, with ast, running nothing of it, and prints {"ok": true, "file": PATH, "functions": [{"name": F,
"line": L, "parameters": "(n)"}, ...]} (the top-level functions not named _private, in the order of the file;
one that F(n) cannot call has "why_not": MESSAGE, the words --check gives), or {"error": MESSAGE}: no file or
module, a syntax error and its line.

The kernels return the same checksums as ParLab's C++ kernels (core/kernels/*.cpp), bit for bit:
64-bit unsigned arithmetic is done with masks. With --native the task calls ParLab's own C++ kernel
through ctypes instead (libparlab_kernels.so), and ctypes releases the GIL during the call, as a C
extension does between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS.
Needs Python 3.7 or newer (time.thread_time_ns, time.monotonic_ns).
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import struct
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


def spin_for(n, unit_ns, steps):
    """Burns n units of this thread's CPU time, reading the clock every `steps` steps. A thread waiting for the
    GIL uses none, so under the GIL spinning threads take turns: N tasks take N times as long in wall time, never
    less work."""
    deadline = time.thread_time_ns() + n * unit_ns
    x = n & MASK
    while time.thread_time_ns() < deadline:
        for _ in range(steps):
            x = (x * 6364136223846793005 + 1442695040888963407) & MASK
    # The loop count depends on timing, so the checksum comes from the input alone.
    return mix64(n & MASK)


def kernel_spin(ms):
    return spin_for(ms, 1000000, 256)


def kernel_spin_us(us):
    # A step of Python arithmetic takes tens of nanoseconds: 16 between reads let a 10 us task overrun by little.
    return spin_for(us, 1000, 16)


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
    "spin-us": kernel_spin_us,
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


# --- The user's own function -------------------------------------------------------------------------------------


class UserCodeError(Exception):
    """The user's code cannot be loaded or called as a kernel; the message says why, for the user."""


def check_file(path):
    """Raises UserCodeError when `path` is not a file to read."""
    if not os.path.isfile(path):
        raise UserCodeError("the file %s does not exist" % path if not os.path.exists(path) else "%s is not a file" % path)


def syntax_error_text(error, path):
    """A syntax error in the user's code as the user needs it, its file and line first: the same words whether an
    import (a run, --check) or the parser (--list) found it."""
    where = "%s line %s" % (error.filename or path, error.lineno) if error.lineno else (error.filename or path)
    text = (error.text or "").strip()
    return "syntax error in %s: %s%s" % (where, error.msg, "\n    " + text if text else "")


def import_file(path):
    """Imports the .py file at `path` as a module of its own. Its folder goes on sys.path (at the end, so that it
    cannot shadow what this worker imports later), so that it can import its neighbours."""
    import importlib.util  # here, not above: a worker for ParLab's own kernels stays as small as it was

    check_file(path)
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.append(folder)
    stem = os.path.splitext(os.path.basename(path))[0]
    # Registered under its own name where that is free, so that what it defines (classes, functions) has a
    # module pickle can find; where that name is taken (a file called json.py), under a private one.
    name = stem if stem.isidentifier() and stem not in sys.modules else "parlab_user_%d_%s" % (len(sys.modules), stem)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserCodeError("%s cannot be imported as a Python module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        del sys.modules[name]
        raise UserCodeError(syntax_error_text(e, path))
    except BaseException as e:
        del sys.modules[name]
        raise UserCodeError("importing %s raised %s" % (path, traceback_end(e)))
    return module


def import_module(name):
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and (name == e.name or name.startswith(e.name + ".")):
            raise UserCodeError(
                "no module named %r on the Python path (PYTHONPATH=%s)" % (name, os.environ.get("PYTHONPATH", ""))
            )
        raise UserCodeError("importing %s raised %s" % (name, traceback_end(e)))
    except SyntaxError as e:
        raise UserCodeError(syntax_error_text(e, name))
    except BaseException as e:
        raise UserCodeError("importing %s raised %s" % (name, traceback_end(e)))


def top_level_functions(module):
    """The functions the module itself defines (not those it imports), in their order in the file."""
    import inspect

    found = [
        (getattr(getattr(value, "__code__", None), "co_firstlineno", 0), key)
        for key, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not key.startswith("_")
    ]
    return [key for _, key in sorted(found)]


def import_library_function(path, symbol):
    """The user's C function `symbol` in the shared library at `path` (ParLab's lib: kernels), as a ctypes function
    of ParLab's kernel ABI (include/parlab/kernel_abi.h): uint64_t symbol(int64_t). ParLab checked the library
    before the run (its architecture, its dependencies, the symbol, with a "did you mean"); this says what still
    goes wrong in this interpreter, such as a library that needs a runtime a plain python3 lacks."""
    import ctypes

    try:
        library = ctypes.CDLL(path)
    except OSError as e:
        raise UserCodeError("the library %s cannot be loaded into %s: %s" % (path, sys.executable, e))
    try:
        function = getattr(library, symbol)
    except AttributeError:
        raise UserCodeError("the library %s has no function %r" % (path, symbol))
    function.argtypes = [ctypes.c_int64]
    function.restype = ctypes.c_uint64
    return function


def import_function(call):
    """The user's callable for `call` (a tuple: ("file", path, function), ("module", name, function) or
    ("library", path, symbol)), checked that it can be called as function(n); raises UserCodeError naming what is
    wrong."""
    kind, where, name = call
    if kind == "library":
        return import_library_function(where, name)

    import difflib
    import inspect

    module = import_file(where) if kind == "file" else import_module(where)
    source = where if kind == "file" else "module %s" % where
    if not hasattr(module, name):
        functions = top_level_functions(module)
        close = difflib.get_close_matches(name, functions, n=1)
        hint = "did you mean %r? " % close[0] if close else ""
        known = "its functions: %s" % ", ".join(functions) if functions else "it defines no functions"
        raise UserCodeError("%s has no function %r (%s%s)" % (source, name, hint, known))
    function = getattr(module, name)
    if not callable(function):
        raise UserCodeError("%r in %s is a value of type %s, not a function" % (name, source, type(function).__name__))
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return function  # a builtin without a signature: its call says
    try:
        signature.bind(0)
    except TypeError:
        raise UserCodeError(not_one_argument(name, str(signature)))
    return function


def not_one_argument(name, parameters):
    """Why a function with these parameters ("(a, b)") cannot be a kernel: the same words from --check and --list."""
    return "%s%s does not take exactly one positional argument: ParLab calls %s(n) with each input" % (
        name,
        parameters,
        name,
    )


_functions = {}
_functions_lock = threading.Lock()


def load_function(call):
    """The user's callable, loaded once per process (each pool process loads its own, by path): the first task of a
    process pays for the import before its clock starts."""
    function = _functions.get(call)
    if function is None:
        with _functions_lock:
            function = _functions.get(call)
            if function is None:
                function = _functions[call] = import_function(call)
    return function


def call_of(message):
    """The batch's CALL object as load_function's key: ("file", path, function), ("module", name, function) or
    ("library", path, symbol)."""
    if not message:
        return None
    if "library" in message:
        return ("library", str(message["library"]), str(message["symbol"]))
    if "file" in message:
        return ("file", str(message["file"]), str(message["function"]))
    return ("module", str(message["module"]), str(message["function"]))


def traceback_end(error, lines=12):
    """The end of `error`'s traceback as the user needs it: the frames of their code (not this worker's, nor
    importlib's), then the exception line; at most `lines` lines after the header."""
    here = os.path.abspath(__file__)
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(f.filename) != here and not f.filename.startswith("<frozen importlib")
    ]
    text = ["Traceback (most recent call last):"] if frames else []
    text += "".join(traceback.format_list(frames) + traceback.format_exception_only(type(error), error)).rstrip(
        "\n"
    ).split("\n")
    if len(text) > lines + 1:
        text = [text[0], "  ..."] + text[-lines:]
    return "\n".join(text)


def _encode(value, h):
    """Feeds `value` into the BLAKE2b `h` in a canonical, typed encoding (checksum_of says which)."""
    if value is None:
        h.update(b"N")
    elif value is True or value is False:
        h.update(b"T" if value else b"F")
    elif isinstance(value, int):
        text = str(int(value)).encode()
        h.update(b"i%d:" % len(text) + text)
    elif isinstance(value, float):
        text = repr(float(value)).encode()
        h.update(b"f%d:" % len(text) + text)
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"s%d:" % len(data))
        h.update(data)
    elif isinstance(value, (bytes, bytearray)):
        h.update(b"b%d:" % len(value))
        h.update(value)
    elif isinstance(value, (tuple, list)):
        h.update((b"t%d:" if isinstance(value, tuple) else b"l%d:") % len(value))
        for item in value:
            _encode(item, h)
    elif isinstance(value, dict):
        # Sorted by the items' own digests: any keys, comparable or not, in any insertion order.
        h.update(b"d%d:" % len(value))
        for digest in sorted(_digest((k, v)) for k, v in value.items()):
            h.update(digest)
    elif isinstance(value, (set, frozenset)):
        h.update(b"e%d:" % len(value))
        for digest in sorted(_digest(item) for item in value):
            h.update(digest)
    else:
        try:
            view = memoryview(value)  # numpy arrays, array.array, memoryview: their bytes, shape and type
        except TypeError:
            view = None
        if view is not None:
            data = view.tobytes()
            h.update(b"m%s:%r:%d:" % (view.format.encode(), view.shape, len(data)))
            h.update(data)
        else:
            text = repr(value).encode("utf-8", "surrogatepass")
            h.update(b"r%d:" % len(text) + text)


def _digest(value):
    h = hashlib.blake2b(digest_size=16)
    _encode(value, h)
    return h.digest()


def checksum_of(value):
    """A 64-bit checksum of what the user's function returned, the same in every process, thread and run (Python's
    hash() is salted per process). Encoded by type: None, bool, int (in decimal), float (repr), str (UTF-8),
    bytes and bytearray, tuple and list item by item, dict and set/frozenset independent of their order, objects
    with the buffer protocol (numpy arrays) by their bytes, shape and format; anything else by its repr(), so an
    object whose repr shows its address (<Foo object at 0x...>) differs between processes and runs: return values,
    not objects."""
    h = hashlib.blake2b(digest_size=8)
    _encode(value, h)
    return struct.unpack("<Q", h.digest())[0]


def check(call_json):
    """--check: loads the user's function as a run would and says what is wrong, as one JSON line on stdout."""

    def loaded():
        call = call_of(json.loads(call_json))
        function = import_function(call)
        if call[0] == "library":
            # ParLab lists a library's functions itself (core/kernels/elffile.h).
            return {"file": call[1], "functions": []}
        module = sys.modules.get(getattr(function, "__module__", None) or "")
        path = getattr(module, "__file__", None) if module is not None else None
        return {"file": os.path.abspath(path) if path else "", "functions": top_level_functions(module) if module else []}

    return answer("checking %s" % call_json, loaded)


def answer(what, work):
    """Prints as one JSON line on stdout what work() found, {"ok": true, ...}, or what it found wrong: the
    UserCodeError it raised, {"error": MESSAGE}, or anything else it raised, named with `what` ("checking ...")."""
    try:
        result = dict(work(), ok=True)
    except UserCodeError as e:
        result = {"error": str(e)}
    except BaseException as e:
        result = {"error": "%s raised %s" % (what, traceback_end(e))}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


def module_source(name):
    """The .py file of the module `name` on sys.path, found without running it (for a dotted name Python imports the
    packages above it, as it must to find it)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        spec = None
    except BaseException as e:
        raise UserCodeError("importing %s raised %s" % (name, traceback_end(e)))
    if spec is None:
        raise UserCodeError(
            "no module named %r on the Python path (PYTHONPATH=%s)" % (name, os.environ.get("PYTHONPATH", ""))
        )
    if not spec.origin or not spec.origin.endswith(".py"):
        raise UserCodeError("the module %s has no Python source to read (%s)" % (name, spec.origin or "a namespace"))
    return spec.origin


def parameters_text(args):
    """A function's parameters as written, defaults elided: "(n)", "(data, rounds=..., *rest)"."""
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    first_default = len(positional) - len(args.defaults)
    words = [a.arg + ("=..." if i >= first_default else "") for i, a in enumerate(positional)]
    if args.vararg is not None:
        words.append("*" + args.vararg.arg)
    elif args.kwonlyargs:
        words.append("*")
    words += [a.arg + ("" if d is None else "=...") for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg is not None:
        words.append("**" + args.kwarg.arg)
    return "(%s)" % ", ".join(words)


def takes_one_argument(args):
    """Whether a function with these parameters can be called as f(n): inspect's signature.bind(0), which --check
    and a run ask, read from the source instead."""
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    required = len(positional) - len(args.defaults)
    if any(default is None for default in args.kw_defaults):
        return False  # a keyword-only parameter without a default
    return required <= 1 and (len(positional) >= 1 or args.vararg is not None)


def list_functions(where_json):
    """--list: the top-level functions of the user's file or module, read with ast (nothing in it runs), as one JSON
    line on stdout, in the order of the file (a name defined twice where it is defined last)."""
    import ast

    def listed():
        where = json.loads(where_json)
        path = str(where["file"]) if "file" in where else module_source(str(where["module"]))
        check_file(path)
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read(), filename=path)
        except SyntaxError as e:
            raise UserCodeError(syntax_error_text(e, path))
        except ValueError as e:  # a null byte: not Python source at all
            raise UserCodeError("%s is not Python source: %s" % (path, e))
        except OSError as e:
            raise UserCodeError("%s cannot be read: %s" % (path, e.strerror))
        found = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found.pop(node.name, None)
                parameters = parameters_text(node.args)
                found[node.name] = {"name": node.name, "line": node.lineno, "parameters": parameters}
                if not takes_one_argument(node.args):
                    found[node.name]["why_not"] = not_one_argument(node.name, parameters)
        return {"file": os.path.abspath(path), "functions": list(found.values())}

    return answer("listing the functions of %s" % where_json, listed)


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


def sched_getcpu():
    """glibc's sched_getcpu through ctypes (a vDSO call: a microsecond with ctypes' overhead), or a function that
    says -1 where there is none. Python itself has no os.sched_getcpu. Through PyDLL, which keeps the GIL during the
    call: CDLL's release and retake at every task's end would add lock hand-overs to python-threads' picture."""
    try:
        import ctypes

        function = ctypes.PyDLL(None).sched_getcpu
        function.restype = ctypes.c_int
        function.argtypes = []
        return function
    except (OSError, AttributeError):
        return lambda: -1


_sched_getcpu = None


def current_cpu():
    """The CPU this thread runs on now; loaded on first use, in each process (a forked pool process inherits it)."""
    global _sched_getcpu
    if _sched_getcpu is None:
        _sched_getcpu = sched_getcpu()
    return _sched_getcpu()


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


class TaskWatch:
    """--task-timeout, in each process that runs tasks: the tasks running now, and a thread that reports the first
    one that runs longer than the timeout, once (ParLab then kills the interpreter and its pool). It needs the GIL
    to look, which pure Python gives up every switch interval: a call into C code that keeps the GIL is caught when
    it returns, or stopped by a cancel."""

    def __init__(self):
        self.timeout_ns = 0
        self.report = None  # report(index, seconds)
        self.running = {}  # index -> start (ns)
        self.pid = None  # the process whose thread watches: a forked pool process starts its own

    def arm(self, timeout_s, report):
        self.timeout_ns = int(timeout_s * 1e9)
        self.report = report

    def started(self, index, start):
        if self.pid != os.getpid():
            self.pid = os.getpid()
            self.running = {}
            threading.Thread(target=self.watch, name="parlab-task-watch", daemon=True).start()
        self.running[index] = start

    def ended(self, index):
        self.running.pop(index, None)

    def watch(self):
        period = min(0.05, self.timeout_ns / 4e9)
        while True:
            time.sleep(period)
            now = time.monotonic_ns()
            for index, start in list(self.running.items()):
                if now - start > self.timeout_ns:
                    self.report(index, (now - start) / 1e9)
                    return


_watch = TaskWatch()


def run_task(job):
    """One task, timed where it runs. Returns a tuple (picklable, for Pool.map); never raises."""
    try:
        return run_timed(job)
    finally:
        if _watch.timeout_ns:
            _watch.ended(job[0])


def run_timed(job):
    index, kernel, n, native, call = job
    start = None
    try:
        # The user's function is loaded before the clock starts: once per process, not part of any task.
        function = load_function(call) if call else None
        start = time.monotonic_ns()
        if _watch.timeout_ns:
            _watch.started(index, start)
        begun = sample_begin(start)
        if call and call[0] == "library":
            # A C function's result is its checksum, as on ParLab's own backends. ctypes lets the GIL go during
            # the call, as a C extension between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS does.
            checksum = function(n)
        elif function is not None:
            checksum = checksum_of(function(n))
        else:
            checksum = run_native(native, kernel, n) if native else KERNELS[kernel](n)
    except BaseException as e:  # the user's function may raise anything, SystemExit included
        if isinstance(e, UserCodeError):
            failure = str(e)
        elif call:
            failure = "%s(%d) raised %s" % (call[2], n, traceback_end(e))
        else:
            failure = traceback.format_exc()
        start = time.monotonic_ns() if start is None else start
        return (index, os.getpid(), threading.get_ident(), start, time.monotonic_ns(), 0, failure, -1, -1, -1)
    cpu, wait = sample_since(begun)
    end = time.monotonic_ns()
    return (index, os.getpid(), threading.get_ident(), start, end, checksum & MASK, None, cpu, wait, current_cpu())


def start_pool_process(parent, timeouts, timeout_s):
    """Pool initializer: dies with the parent, and with --task-timeout reports a task that runs too long on the
    `timeouts` queue, which the interpreter's main thread reads while it waits for the batch."""
    die_with_parent(parent)
    if timeout_s > 0:
        _watch.arm(timeout_s, lambda index, seconds: timeouts.put((index, os.getpid(), seconds)))


def die_with_parent(parent):
    """A pool process dies with the interpreter that started it (Linux's parent-death signal), as every process
    ParLab starts does, so that a killed run leaves none behind."""
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
    def __init__(self, mode, workers, native, timeout_s):
        self.mode = mode
        self.native = native
        self.executor = None
        self.pool = None
        self.timeouts = None  # processes mode with --task-timeout: (index, pid, seconds) from the pool processes
        # Stable, dense worker numbers: (pid, thread) in order of first appearance (threads: start order;
        # processes: the pool's order, one thread each, so the pid alone).
        self.worker_ids = {}
        self.native_ids = []  # threads mode: each worker's native thread id
        self.process_ids = []  # processes mode: each worker's pid
        if mode == "threads":
            self.executor = ThreadPoolExecutor(max_workers=workers)
            for ident, native_id in self.start_threads(workers):
                self.worker_id(os.getpid(), ident)
                self.native_ids.append(native_id)
        elif mode == "processes":
            self.timeouts = multiprocessing.SimpleQueue() if timeout_s > 0 else None
            self.pool = multiprocessing.Pool(
                processes=workers, initializer=start_pool_process, initargs=(os.getpid(), self.timeouts, timeout_s)
            )
            for process in getattr(self.pool, "_pool", []):
                self.worker_id(process.pid, None)
                self.process_ids.append(process.pid)

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
        key = pid if self.mode == "processes" else (pid, thread)
        if key not in self.worker_ids:
            self.worker_ids[key] = len(self.worker_ids)
        return self.worker_ids[key]

    def run(self, kernel, inputs, chunksize, call):
        jobs = [(index, kernel, n, self.native, call) for index, n in enumerate(inputs)]
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
            if self.timeouts is not None and not self.timeouts.empty():
                raise TaskTimedOut(*self.timeouts.get())
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


class TaskTimedOut(Exception):
    """A pool process's task ran longer than --task-timeout: (index, pid, seconds)."""


def timed_out(index, pid, seconds):
    return {"timeout": index, "pid": pid, "seconds": seconds}


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
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        return list_functions(sys.argv[2])
    parser = argparse.ArgumentParser(description="ParLab's CPython worker (started by ParLab).")
    parser.add_argument("--mode", choices=["sequential", "threads", "processes"], required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--native", default="")
    parser.add_argument("--switch-interval", type=float, default=0.0)
    parser.add_argument("--task-timeout", type=float, default=0.0)
    args = parser.parse_args()

    # The protocol gets its own copy of stdout; anything else printed (by a library, a pool worker) goes to
    # stderr, where ParLab keeps it for error messages, instead of corrupting the protocol.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # The same for stdin: a user's function that reads it (input()) reads nothing, instead of the next batch.
    batches = os.fdopen(os.dup(0), "r", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdin = open(os.devnull, "r")

    sending = threading.Lock()  # the task watch reports from a thread of its own

    def send(message):
        with sending:
            protocol.write(json.dumps(message, separators=(",", ":")) + "\n")
            protocol.flush()

    if args.switch_interval > 0:
        sys.setswitchinterval(args.switch_interval)
    watch_parent(os.getppid())
    try:
        if args.native:
            load_native(args.native)
        if args.task_timeout > 0:
            _watch.arm(args.task_timeout, lambda index, seconds: send(timed_out(index, os.getpid(), seconds)))
        worker = Worker(args.mode, max(1, args.workers), args.native, args.task_timeout)
    except Exception as e:
        what = "cannot load the ParLab kernel library %r" % args.native if args.native else "cannot start"
        send({"fatal": "%s: %s: %s" % (what, type(e).__name__, e)})
        sys.exit(2)
    ready = {"ready": os.getpid()}
    if worker.native_ids and all(worker.native_ids):
        ready["threads"] = worker.native_ids
    if worker.process_ids:
        ready["processes"] = worker.process_ids
    send(ready)

    try:
        for line in iter(batches.readline, ""):
            if not line.strip():
                continue
            try:
                batch = json.loads(line)
                kernel = batch["kernel"]
                inputs = [int(n) for n in batch["inputs"]]
                chunksize = max(1, int(batch.get("chunksize", 1)))
                call = call_of(batch.get("call"))
            except (ValueError, KeyError, TypeError) as e:
                send({"fatal": "malformed batch %r: %s" % (line[:200], e)})
                sys.exit(2)
            if not call and not args.native and kernel not in KERNELS:
                send({"fatal": "the kernel %r has no Python version (known: %s)" % (kernel, ", ".join(KERNELS))})
                sys.exit(2)
            try:
                results = worker.run(kernel, inputs, chunksize, call)
            except PoolWorkerDied as e:
                send({"fatal": str(e)})
                sys.exit(2)
            except TaskTimedOut as e:
                send(timed_out(*e.args))
                continue  # ParLab ends this interpreter and its pool now
            failures = [r for r in results if r[6] is not None]
            if failures:
                index, pid = failures[0][0], failures[0][1]
                send({"failed": index, "pid": pid, "error": failures[0][6]})
                continue
            for index, pid, thread, start, end, checksum, _, cpu, wait, on in results:
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
                        "on": on,
                    }
                )
            send({"end": len(results)})
    finally:
        worker.close()


if __name__ == "__main__":
    sys.exit(main())

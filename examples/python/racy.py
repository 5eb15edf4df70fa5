"""A function that races: ParLab's checksum check catches it.

    parlab run --kernel py:examples/python/racy.py:total --inputs 100x8 \
               --backends python-sequential,python-threads --workers 2

total(n) collects 1..n in a module-global list, then sums it: scratch space that should have been a local
variable. Between two appends it sleeps for a tenth of a millisecond, as code waiting for I/O would, and gives up
the global interpreter lock meanwhile. One call after another, the list holds one call's numbers and the result is
always n(n+1)/2. On python-threads every thread of the interpreter shares that one list: a call clears what
another is still filling and sums the other's numbers too, so what it returns depends on the timing. ParLab
compares each task's result with python-sequential's and reports "your function is not deterministic, or races"
with the inputs that differed. The GIL does not make such code safe: it makes single bytecodes atomic, not a
function's steps. python-processes gets it right by accident, each process having a list of its own.
"""

import time

_parts = []  # one list for every thread of the process: the bug


def total(n):
    """The sum of 1..n, gathered in the shared list."""
    _parts.clear()
    for i in range(1, n + 1):
        _parts.append(i)
        time.sleep(0.0001)  # other threads run here
    return sum(_parts)

"""A pure-Python CPU-bound function: the GIL lesson with your own code.

    parlab run --kernel py:examples/python/cpu.py:collatz --inputs 20x8 \
               --backends python-sequential,python-threads,python-processes --workers 1,2

collatz(n) runs nothing but Python bytecode, so only the thread holding the global interpreter lock makes
progress: python-threads take turns and gain nothing, while python-processes (an interpreter and a lock each)
scale with the cores. Every backend must return the same result for each input, and ParLab checks that they do.
"""


def collatz(n):
    """The total number of Collatz steps of every number below n * 1000 (n = 10: about 0.1 s)."""
    total = 0
    for start in range(1, n * 1000):
        x = start
        while x != 1:
            x = x // 2 if x % 2 == 0 else 3 * x + 1
            total += 1
    return total

"""Python's own C code that releases the GIL: python-threads scale on it.

    parlab run --kernel py:examples/python/hashing.py:digest --inputs 4x16 \
               --backends python-sequential,python-threads,python-processes --workers 1,2

digest(n) does n rounds of hashlib.sha256 over a 4 MiB buffer and zlib.compress of it. Both are C code in the
standard library that let go of the global interpreter lock while they work on a big buffer (hashlib above 2 KiB,
zlib always), so while one thread hashes, another can compress: python-threads run them in parallel nearly as
well as python-processes, with no processes to start and no data to copy. The pure-Python loop in cpu.py is the
contrast: there threads take turns.
"""

import hashlib
import random
import zlib

SIZE = 4 << 20
# The same 4 MiB in every process (python-processes' pool processes build their own): a fixed seed.
_rng = random.Random(16)
# Half random bytes, half a repeating text: zlib has real work on both kinds.
_BUFFER = _rng.getrandbits(8 * (SIZE // 2)).to_bytes(SIZE // 2, "little") + (
    b"ParLab measures speedup. " * (SIZE // 2 // 25 + 1)
)[: SIZE // 2]


def digest(n):
    """n rounds of SHA-256 and zlib over 4 MiB; returns the last digest and the compressed sizes."""
    state = b""
    sizes = []
    for _ in range(n):
        h = hashlib.sha256(state)
        h.update(_BUFFER)  # C code, GIL released
        state = h.digest()
        sizes.append(len(zlib.compress(_BUFFER, 1)))  # C code, GIL released
    return state.hex(), sizes

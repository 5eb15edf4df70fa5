/* A CPU-bound kernel of your own for ParLab: the total number of Collatz steps of 1, 2, ..., input.
 *
 * Build it and run it on every backend (<prefix> is where ParLab is installed; under /usr drop the -I):
 *
 *   cc -O2 -shared -fPIC -I<prefix>/include collatz.c -o libcollatz.so
 *   parlab run --kernel lib:./libcollatz.so:collatz --inputs 300000x8 \
 *              --backends sequential,threads,processes,gil-threads --workers 1,2,4
 *
 * Threads scale on it; gil-threads do not, since the call holds the simulated GIL as a C extension that does not
 * release it would (add --release-gil to see the other kind). The checksum is the step count: every backend must
 * get the same one for the same input.
 */
#include <parlab/kernel_abi.h>

/* Steps from n to 1: n/2 when n is even, 3n+1 when odd (for inputs in the millions n stays far below 2^64). */
static uint64_t steps(uint64_t n)
{
    uint64_t count = 0;
    while (n != 1) {
        n = (n & 1) ? 3 * n + 1 : n / 2;
        ++count;
    }
    return count;
}

PARLAB_KERNEL uint64_t collatz(int64_t input)
{
    uint64_t total = 0;
    for (int64_t k = 1; k <= input; ++k)
        total += steps((uint64_t)k);
    return total;
}

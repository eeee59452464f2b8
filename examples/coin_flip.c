/*
 * coin_flip — the program behind the coin-flip caller contract
 * (contracts/examples/coinflip.c): prints "Heads" or "Tails", chosen by one
 * random bit. Its input is ignored.
 *
 * On OutLayer the randomness comes from the worker (WASI random_get); the
 * contract only sees the answer. `outlayer dev` deploys coinflip.test.near
 * with this program as its code source.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 coin_flip.c -o coin_flip.wasm
 *   run:    outlayer run coin_flip.wasm
 *   output: Heads   (or Tails)
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    unsigned char bit;
    if (getentropy(&bit, 1) != 0) {
        fputs("coin_flip: no randomness available\n", stderr);
        return 1;
    }
    fputs(bit & 1 ? "Heads" : "Tails", stdout);
    return 0;
}

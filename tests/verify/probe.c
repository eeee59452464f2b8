/*
 * probe.c — a program that prints everything a run could see that might
 * differ between two machines or two runs: its whole environment, the
 * clocks, random bytes, a sleep, NaN bit patterns of float operations, and
 * a checksum of the input; with input "spin" it then loops until stopped.
 * `outlayer verify` must reproduce its output
 * exactly (tests/verify/run.sh); tests/verify/determinism.sh runs it under
 * different host settings.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int main(void)
{
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    struct timespec rt, mono, cpu;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("realtime %lld.%09ld\nmonotonic %lld.%09ld\ncputime %lld.%09ld\n", (long long)rt.tv_sec, rt.tv_nsec,
           (long long)mono.tv_sec, mono.tv_nsec, (long long)cpu.tv_sec, cpu.tv_nsec);
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
    printf("localtime %s\n", when);
    usleep(250000);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    printf("after sleep %lld.%09ld\n", (long long)mono.tv_sec, mono.tv_nsec);
    unsigned char r[24];
    arc4random_buf(r, sizeof r);
    printf("random ");
    for (size_t i = 0; i < sizeof r; i++)
        printf("%02x", r[i]);
    printf("\nrand %d %d\n", rand(), rand());
    volatile double zero = 0.0, neg = -1.0, inf = INFINITY;
    printf("nan 0/0 %016llx sqrt(-1) %016llx inf-inf %016llx nan+1 %016llx\n", (unsigned long long)bits(zero / zero),
           (unsigned long long)bits(sqrt(neg)), (unsigned long long)bits(inf - inf),
           (unsigned long long)bits(zero / zero + 1.0));
    volatile float fz = 0.0f;
    float fn = fz / fz;
    uint32_t fb;
    memcpy(&fb, &fn, 4);
    printf("nanf %08x\n", fb);
    unsigned long sum = 0;
    int c;
    while ((c = getchar()) != EOF)
        sum = sum * 31 + (unsigned char)c;
    printf("input %lu\n", sum);
    if (sum == 3536962) { /* input "spin": run until the wall-clock limit */
        fflush(stdout);
        for (volatile unsigned long i = 0;; i++) {
        }
    }
    return 0;
}

/* probe.c — the worker tests' guest program. Its stdin says what to do:
 *   echo:<text>   print <text>           env         print NEAR_* + SECRET_* vars
 *   spin          loop forever (fuel)    wait        loop on the clock (time limit)
 *   alloc         grow memory forever    exit3       "bad input" on stderr, exit 3
 *   flood:<n>     print n bytes of 'x'   json        print a JSON object
 *   bytes         print bytes 0..255     badjson     print text that is not JSON
 *   envrev:<NAME> print the value of NAME reversed ("(unset)" without it): the
 *                 secrets test checks the value arrived without putting it on chain
 *   (anything else is echoed back with a prefix) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

int main(void)
{
    static char in[65536];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    if (strncmp(in, "echo:", 5) == 0) {
        fputs(in + 5, stdout);
    } else if (strcmp(in, "env") == 0) {
        for (char **e = environ; *e; e++)
            if (strncmp(*e, "NEAR_", 5) == 0 || strncmp(*e, "SECRET_", 7) == 0)
                printf("%s\n", *e);
    } else if (strncmp(in, "envrev:", 7) == 0) {
        const char *v = getenv(in + 7);
        if (!v)
            fputs("(unset)", stdout);
        for (size_t i = v ? strlen(v) : 0; i > 0; i--)
            putchar(v[i - 1]);
    } else if (strcmp(in, "spin") == 0) {
        volatile unsigned long i = 0;
        for (;;)
            i++;
    } else if (strcmp(in, "wait") == 0) {
        time_t t0 = time(NULL);
        volatile unsigned long i = 0;
        while (time(NULL) - t0 < 1000)
            i++;
    } else if (strcmp(in, "alloc") == 0) {
        /* keep every block reachable so the compiler cannot drop the loop */
        static char *volatile blocks[4096];
        for (int i = 0; i < 4096; i++) {
            blocks[i] = malloc(1 << 20);
            if (!blocks[i]) {
                puts("malloc failed");
                return 0;
            }
            blocks[i][0] = 1;
        }
    } else if (strcmp(in, "exit3") == 0) {
        fputs("bad input\n", stderr);
        return 3;
    } else if (strncmp(in, "flood:", 6) == 0) {
        long k = atol(in + 6);
        for (long i = 0; i < k; i++)
            putchar('x');
    } else if (strcmp(in, "json") == 0) {
        printf("{\"answer\": 42, \"list\": [1, 2]}\n");
    } else if (strcmp(in, "bytes") == 0) {
        for (int i = 0; i < 256; i++)
            putchar(i);
    } else if (strcmp(in, "badjson") == 0) {
        printf("not json {");
    } else {
        printf("got: %s", in);
    }
    return 0;
}

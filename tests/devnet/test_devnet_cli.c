/*
 * test_devnet_cli.c — outlayer-devnet's command line: --help, bad flags and
 * environment values give exit status 2 with a message, a busy port or an
 * unusable home give exit status 1 with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "devnet_harness.h"

/* Runs the devnet with a shell command line; returns its exit status and
 * its combined output in out. */
static int run(const char *args, char *out, size_t cap)
{
    const char *bin = getenv("DEVNET_BIN") ? getenv("DEVNET_BIN") : "build/bin/outlayer-devnet";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_help_and_bad_flags(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: outlayer-devnet"));
    assert_non_null(strstr(out, "--block-ms"));
    assert_int_equal(run("--block-ms 0", out, sizeof out), 2);
    assert_non_null(strstr(out, "--block-ms must be an integer"));
    assert_int_equal(run("--port 70000", out, sizeof out), 2);
    assert_non_null(strstr(out, "--port"));
    assert_int_equal(run("--frobnicate", out, sizeof out), 2);
    assert_non_null(strstr(out, "unknown option '--frobnicate'"));
    assert_int_equal(run("--home", out, sizeof out), 2);
    setenv("DEVNET_BLOCK_MS", "abc", 1);
    assert_int_equal(run("--help", out, sizeof out), 2);
    assert_non_null(strstr(out, "DEVNET_BLOCK_MS must be an integer"));
    unsetenv("DEVNET_BLOCK_MS");
    /* A home path that does not fit is refused, not cut short. */
    char long_home[5000];
    memset(long_home, 'h', sizeof long_home - 1);
    long_home[sizeof long_home - 1] = 0;
    setenv("DEVNET_HOME", long_home, 1);
    assert_int_equal(run("--help", out, sizeof out), 2);
    assert_non_null(strstr(out, "home directory path is too long"));
    unsetenv("DEVNET_HOME");
}

static void test_busy_port_and_bad_home(void **state)
{
    (void)state;
    dn_node n;
    assert_int_equal(dn_start(&n, 50, NULL), 0);
    char out[4096], args[512];
    snprintf(args, sizeof args, "--home %s-second --port %d", n.home, n.port);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot listen"));
    /* The same home while it runs: refused (one devnet per home). */
    snprintf(args, sizeof args, "--home %s --port 0", n.home);
    assert_int_equal(run(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "is in use by another outlayer-devnet"));
    snprintf(args, sizeof args, "rm -rf '%s-second'", n.home);
    assert_int_equal(system(args), 0);
    assert_int_equal(run("--home /proc/outlayer-devnet-no-such-dir --port 1", out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot create home directory"));
    assert_int_equal(dn_stop(&n, false), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_bad_flags),
        cmocka_unit_test(test_busy_port_and_bad_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

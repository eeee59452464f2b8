/*
 * test_worker_compile.c — git sources and the build sandbox, against a real
 * `git daemon` on 127.0.0.1: a commit and a branch are fetched and built
 * (outlayer.json convention), the same commit built in two directories
 * gives the same bytes, and the result runs. Builds that reach for host
 * files (#include "/etc/passwd", a key file) fail, the sandbox has no
 * network, compile errors come back as text, unknown repos fail with clear
 * messages. Rust (examples/rust_echo with Debian's cargo for wasm32-wasi):
 * built reproducibly in two directories and run; a compile error, a
 * registry dependency, several bins, a missing toolchain, a toolchain
 * without the wasm std and the time limit each fail with a message saying
 * so; a path dependency and outlayer.json's "bin" build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include "worker/worker.h"

static char root[256]; /* repos live in root/repos/OWNER/REPO */
static pid_t daemon_pid;
static int daemon_port;
static wk_worker W;
static char head_commit[41], evil_commit[41], rust_commit[41];

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void read_line(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (p && fgets(out, (int)cap, p))
        out[strcspn(out, "\n")] = 0;
    if (p)
        pclose(p);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f) ? -1 : 0;
}

#define GIT "git -c user.name=t -c user.email=t@t -c init.defaultBranch=main -c commit.gpgsign=false"

static int setup(void **state)
{
    snprintf(root, sizeof root, "/tmp/wk-compile-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    /* alice/flip: main = a good program; branch evil = host file include;
     * branch broken = compile error; branch rust = Cargo.toml only. */
    if (sh("set -e; d=%s/repos/alice/flip; mkdir -p $d/src; cd $d; " GIT " init -q .;"
           "printf '#include <stdio.h>\\n#include \"flip.h\"\\nint main(void){ fputs(FLIP, stdout); return 0; }\\n' > src/main.c;"
           "mkdir include; printf '#define FLIP \"Heads\"\\n' > include/flip.h;"
           "printf '{\"language\":\"c\",\"sources\":[\"src/main.c\"],\"include_dirs\":[\"include\"],\"opt\":\"Oz\"}' > outlayer.json;" GIT
           " add -A; " GIT " commit -qm good;" GIT
           " checkout -qb evil; printf '#include \"/etc/passwd\"\\nint main(void){return 0;}\\n' > src/main.c;" GIT
           " commit -qam evil;" GIT
           " checkout -qb keyfile main; printf '#include \"%s/operator.key\"\\nint main(void){return 0;}\\n' > src/main.c;" GIT
           " commit -qam keyfile;" GIT
           " checkout -qb broken main; printf 'int main(void){ return undefined_name; }\\n' > src/main.c;" GIT
           " commit -qam broken;" GIT
           " checkout -qb rust main; rm outlayer.json; printf '[package]\\nname=\"x\"\\n' > Cargo.toml;" GIT
           " add -A; " GIT " commit -qm rust; " GIT " checkout -q main;"
           "echo 'ed25519:secret' > %s/operator.key",
           root, root, root))
        return -1;
    /* bob/echo: main = examples/rust_echo; broken = a type error; deps = a
     * crates.io dependency; twobins = two bin targets; picked = the same
     * with outlayer.json naming one. */
    char d[300];
    snprintf(d, sizeof d, "%s/repos/bob/echo", root);
    if (sh("set -e; mkdir -p %s; cp -R examples/rust_echo/. %s/; cd %s; " GIT " init -q .; " GIT " add -A; " GIT
           " commit -qm echo; " GIT " checkout -qb broken",
           d, d, d) ||
        write_file(d, "src/main.rs", "fn main() { let x: u32 = \"text\"; }\n") ||
        sh("set -e; cd %s; " GIT " commit -qam broken; " GIT " checkout -qb deps main; rm Cargo.lock", d) ||
        write_file(d, "Cargo.toml",
                   "[package]\nname = \"rust_echo\"\nversion = \"0.1.0\"\n\n[dependencies]\n"
                   "serde = \"1\"\n") ||
        sh("set -e; cd %s; " GIT " commit -qam deps; " GIT " checkout -qb twobins main; mkdir -p src/bin", d) ||
        write_file(d, "src/bin/b.rs", "fn main() { print!(\"from b\"); }\n") ||
        sh("set -e; cd %s; " GIT " add -A; " GIT " commit -qm twobins; " GIT " checkout -qb picked", d) ||
        write_file(d, "outlayer.json", "{\"language\": \"rust\", \"bin\": \"b\"}") ||
        sh("set -e; cd %s; " GIT " add -A; " GIT " commit -qm picked; " GIT " checkout -qb pathdep main;"
           "rm Cargo.lock; mkdir -p greet/src",
           d) ||
        write_file(d, "Cargo.toml",
                   "[package]\nname = \"rust_echo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                   "[dependencies]\ngreet = { path = \"greet\" }\n") ||
        write_file(d, "greet/Cargo.toml", "[package]\nname = \"greet\"\nversion = \"0.1.0\"\nedition = \"2021\"\n") ||
        write_file(d, "greet/src/lib.rs", "pub fn hello() -> &'static str { \"hello from a path dependency\" }\n") ||
        write_file(d, "src/main.rs", "fn main() { print!(\"{}\", greet::hello()); }\n") ||
        sh("set -e; cd %s; " GIT " add -A; " GIT " commit -qm pathdep; " GIT " checkout -q main", d))
        return -1;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "git -C %s/repos/bob/echo rev-parse main", root);
    read_line(cmd, rust_commit, sizeof rust_commit);
    snprintf(cmd, sizeof cmd, "git -C %s/repos/alice/flip rev-parse main", root);
    read_line(cmd, head_commit, sizeof head_commit);
    snprintf(cmd, sizeof cmd, "git -C %s/repos/alice/flip rev-parse evil", root);
    read_line(cmd, evil_commit, sizeof evil_commit);
    daemon_port = free_port();
    daemon_pid = fork();
    if (daemon_pid == 0) {
        char base[300], port[32];
        snprintf(base, sizeof base, "--base-path=%s/repos", root);
        snprintf(port, sizeof port, "--port=%d", daemon_port);
        execlp("git", "git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", port, base,
               "--informative-errors", NULL);
        _exit(127);
    }
    /* Wait until it serves. */
    for (int i = 0; i < 100; i++) {
        if (sh("git ls-remote git://127.0.0.1:%d/alice/flip >/dev/null 2>&1", daemon_port) == 0)
            break;
        usleep(100 * 1000);
    }
    static char base_url[64];
    snprintf(base_url, sizeof base_url, "git://127.0.0.1:%d", daemon_port);
    W.cfg.git_base_url = base_url;
    W.cfg.build_dir = root;
    W.cfg.compile_timeout_ms = 60000;
    W.cfg.compile_memory_bytes = INT64_C(2) << 30;
    W.cfg.max_wasm_bytes = 10 << 20;
    return 0;
}

static int teardown(void **state)
{
    if (daemon_pid > 0) {
        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, NULL, 0);
    }
    sh("rm -rf %s", root);
    return 0;
}

static int compile(const char *repo, const char *commit, uint8_t **out, size_t *len, char *err)
{
    wk_request r = {0};
    r.request_id = 1;
    r.source.is_git = true;
    r.source.repo = (char *)repo;
    r.source.commit = (char *)commit;
    r.source.build_target = "wasm32-wasip1";
    char commit_id[41];
    return wk_compile_source(&W, &r, out, len, commit_id, err, WK_ERR);
}

static void test_build_commit_and_branch_reproducibly(void **state)
{
    uint8_t *a, *b;
    size_t al, bl;
    char err[WK_ERR] = "";
    if (compile("https://github.com/alice/flip", head_commit, &a, &al, err))
        fail_msg("%s", err);
    /* By branch, in another build directory. */
    char other[300];
    snprintf(other, sizeof other, "%s/second", root);
    sh("mkdir -p %s", other);
    W.cfg.build_dir = other;
    if (compile("github.com/alice/flip", "main", &b, &bl, err))
        fail_msg("%s", err);
    W.cfg.build_dir = root;
    assert_int_equal(al, bl);
    assert_memory_equal(a, b, al);
    /* ...and it runs. */
    wk_request r = {0};
    r.input = "";
    r.max_instructions = 100000000;
    r.max_memory_mb = 16;
    r.max_execution_seconds = 10;
    r.format = WK_FMT_TEXT;
    r.source.build_target = "wasm32-wasip1";
    wk_result res;
    wk_execute(&r, a, al, NULL, NULL, &res);
    assert_true(res.success);
    assert_string_equal(json_string_value(json_object_get(res.output, "Text")), "Heads");
    wk_result_free(&res);
    free(a);
    free(b);
    /* Nothing is left behind in the build directory. */
    char cmd[400], line[64];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c outlayer-build || true", root);
    /* (a stopped worker's leftovers are another matter: see wk_clean_build_dirs) */
    read_line(cmd, line, sizeof line);
    assert_string_equal(line, "0");
}

static void test_host_files_are_invisible(void **state)
{
    uint8_t *a;
    size_t al;
    char err[WK_ERR] = "";
    assert_int_equal(compile("https://github.com/alice/flip", evil_commit, &a, &al, err), -1);
    assert_non_null(strstr(err, "Compilation failed"));
    assert_non_null(strstr(err, "'/etc/passwd' file not found"));
    assert_null(strstr(err, "root:")); /* no content of the file */
    assert_int_equal(compile("https://github.com/alice/flip", "keyfile", &a, &al, err), -1);
    assert_non_null(strstr(err, "operator.key' file not found"));
    assert_null(strstr(err, "ed25519:secret"));
}

static void test_sandbox_has_no_network(void **state)
{
    char src[300], out[300];
    snprintf(src, sizeof src, "%s/repos", root);
    snprintf(out, sizeof out, "%s/netout", root);
    sh("mkdir -p %s", out);
    /* The git daemon is listening on loopback; from inside it is unreachable. */
    char url[64];
    snprintf(url, sizeof url, "git://127.0.0.1:%d/alice/flip", daemon_port);
    char *cmd[] = {"git", "ls-remote", url, NULL};
    wk_run_limits lim = {.wall_ms = 20000};
    char text[4096];
    int rc = wk_sandbox_run(src, out, cmd, &lim, text, sizeof text);
    assert_int_not_equal(rc, 0);
    /* The same command outside the sandbox works (the test is meaningful). */
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    assert_int_equal(wk_run_capture(cmd, env, root, &lim, text, sizeof text), 0);
    /* And /etc of the host is not there at all. */
    char *ls[] = {"ls", "/etc", "/root", "/work", NULL};
    rc = wk_sandbox_run(src, out, ls, &lim, text, sizeof text);
    assert_int_not_equal(rc, 0);
}

static void test_clear_failures(void **state)
{
    uint8_t *a;
    size_t al;
    char err[WK_ERR] = "";
    assert_int_equal(compile("https://github.com/alice/flip", "broken", &a, &al, err), -1);
    assert_non_null(strstr(err, "Compilation failed"));
    assert_non_null(strstr(err, "undefined_name"));
    W.cfg.cargo = "/nonexistent/bin/cargo"; /* as on a machine without Rust */
    assert_int_equal(compile("https://github.com/alice/flip", "rust", &a, &al, err), -1);
    W.cfg.cargo = NULL;
    assert_non_null(strstr(err, "Rust projects (Cargo.toml) cannot be built on this worker"));
    assert_non_null(strstr(err, "no Rust toolchain"));
    assert_int_equal(compile("https://github.com/alice/nope", "main", &a, &al, err), -1);
    assert_non_null(strstr(err, "Git operation failed"));
    assert_int_equal(compile("https://github.com/alice/flip", "no-such-branch", &a, &al, err), -1);
    assert_non_null(strstr(err, "not found"));
    assert_int_equal(compile("file:///etc", "main", &a, &al, err), -1);
    assert_non_null(strstr(err, "Unsupported repository URL"));
    assert_int_equal(compile("https://github.com/alice/flip", "--upload-pack=touch /tmp/x", &a, &al, err), -1);
    assert_non_null(strstr(err, "Invalid commit or branch name"));
}

static void test_rust_build_reproducibly_and_run(void **state)
{
    uint8_t *a, *b;
    size_t al, bl;
    char err[WK_ERR] = "";
    if (compile("https://github.com/bob/echo", rust_commit, &a, &al, err))
        fail_msg("%s", err);
    char other[300];
    snprintf(other, sizeof other, "%s/rust-second", root);
    sh("mkdir -p %s", other);
    W.cfg.build_dir = other;
    int rc = compile("github.com/bob/echo", "main", &b, &bl, err);
    W.cfg.build_dir = root;
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(al, bl);
    assert_memory_equal(a, b, al);
    assert_true(al > 1000 && al < (1 << 20)); /* std's DWARF is stripped (5 MB with it) */
    wk_request r = {0};
    r.input = "ping";
    r.input_len = 4;
    r.max_instructions = 100000000;
    r.max_memory_mb = 32;
    r.max_execution_seconds = 10;
    r.format = WK_FMT_TEXT;
    r.source.build_target = "wasm32-wasip1";
    wk_result res;
    wk_execute(&r, a, al, NULL, NULL, &res);
    assert_true(res.success);
    assert_string_equal(json_string_value(json_object_get(res.output, "Text")), "someone said: ping");
    wk_result_free(&res);
    free(a);
    free(b);
}

static void test_rust_failures(void **state)
{
    uint8_t *a = NULL;
    size_t al;
    char err[WK_ERR] = "";
    assert_int_equal(compile("https://github.com/bob/echo", "broken", &a, &al, err), -1);
    assert_non_null(strstr(err, "Compilation failed"));
    if (!strstr(err, "mismatched types"))
        fail_msg("%s", err);
    assert_int_equal(compile("https://github.com/bob/echo", "deps", &a, &al, err), -1);
    assert_non_null(strstr(err, "dependencies that are not in the repository"));
    assert_non_null(strstr(err, "serde"));
    assert_int_equal(compile("https://github.com/bob/echo", "twobins", &a, &al, err), -1);
    assert_non_null(strstr(err, "several .wasm files"));
    assert_non_null(strstr(err, "\"bin\""));
    /* ...which outlayer.json resolves. */
    if (compile("https://github.com/bob/echo", "picked", &a, &al, err))
        fail_msg("%s", err);
    wk_request r = {.input = "", .max_instructions = 100000000, .max_memory_mb = 32, .max_execution_seconds = 10};
    r.format = WK_FMT_TEXT;
    wk_result res;
    wk_execute(&r, a, al, NULL, NULL, &res);
    assert_true(res.success);
    assert_string_equal(json_string_value(json_object_get(res.output, "Text")), "from b");
    wk_result_free(&res);
    free(a);
    /* A dependency inside the repository (path) builds, without Cargo.lock. */
    if (compile("https://github.com/bob/echo", "pathdep", &a, &al, err))
        fail_msg("%s", err);
    wk_execute(&r, a, al, NULL, NULL, &res);
    assert_true(res.success);
    assert_string_equal(json_string_value(json_object_get(res.output, "Text")), "hello from a path dependency");
    wk_result_free(&res);
    free(a);
    /* The build's wall-clock limit holds for cargo too. */
    int64_t saved = W.cfg.compile_timeout_ms;
    W.cfg.compile_timeout_ms = 200;
    int rc = compile("https://github.com/bob/echo", "main", &a, &al, err);
    W.cfg.compile_timeout_ms = saved;
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "Compilation timeout exceeded: 200 ms"));
}

/* Detection: a toolchain whose rustc knows no WASI target, and one that
 * knows wasm32-wasip1 without its std installed, are refused. */
static void test_rust_detection(void **state)
{
    char t[300], err[512];
    snprintf(t, sizeof t, "%s/fake-rust", root);
    char bin[320], script[1200];
    snprintf(bin, sizeof bin, "%s/bin", t);
    assert_int_equal(sh("mkdir -p %s/bin %s/lib/rustlib/x86_64-unknown-linux-gnu/lib", t, t), 0);
    assert_int_equal(write_file(bin, "cargo", "#!/bin/sh\necho cargo 9.9.9\n"), 0);
    assert_int_equal(write_file(bin, "rust-lld", "#!/bin/sh\n"), 0);
    snprintf(script, sizeof script,
             "#!/bin/sh\ncase \"$*\" in\n--version) echo rustc 9.9.9;;\n\"--print sysroot\") echo %s;;\n"
             "\"--print target-list\") cat %s/targets;;\nesac\n",
             t, t);
    assert_int_equal(write_file(bin, "rustc", script), 0);
    assert_int_equal(
        sh("chmod +x %s/cargo %s/rustc %s/rust-lld; echo x86_64-unknown-linux-gnu > %s/targets", bin, bin, bin, t), 0);
    char cargo[320];
    snprintf(cargo, sizeof cargo, "%s/bin/cargo", t);
    bld_rust rt;
    assert_int_equal(bld_rust_detect(cargo, &rt, err, sizeof err), -1);
    if (!strstr(err, "knows neither wasm32-wasip1 nor wasm32-wasi"))
        fail_msg("%s", err);
    sh("printf 'x86_64-unknown-linux-gnu\\nwasm32-wasip1\\n' > %s/targets", t);
    assert_int_equal(bld_rust_detect(cargo, &rt, err, sizeof err), -1);
    assert_non_null(strstr(err, "wasm32-wasip1 but its std is not installed"));
    /* With the std directory it is accepted, and named wasm32-wasip1. */
    sh("mkdir -p %s/lib/rustlib/wasm32-wasip1/lib", t);
    assert_int_equal(bld_rust_detect(cargo, &rt, err, sizeof err), 0);
    assert_string_equal(rt.target, "wasm32-wasip1");
    assert_non_null(strstr(rt.version, "rustc 9.9.9, cargo 9.9.9"));
    /* Debian's: rustc 1.63 calls the target wasm32-wasi. */
    assert_int_equal(bld_rust_detect(NULL, &rt, err, sizeof err), 0);
    assert_string_equal(rt.target, "wasm32-wasi");
    assert_string_equal(rt.sysroot, "/usr");
    /* A relative or missing cargo. */
    assert_int_equal(bld_rust_detect("cargo", &rt, err, sizeof err), -1);
    assert_int_equal(bld_rust_detect("/nonexistent/cargo", &rt, err, sizeof err), -1);
    assert_non_null(strstr(err, "no Rust toolchain"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_commit_and_branch_reproducibly),
        cmocka_unit_test(test_host_files_are_invisible),
        cmocka_unit_test(test_sandbox_has_no_network),
        cmocka_unit_test(test_clear_failures),
        cmocka_unit_test(test_rust_build_reproducibly_and_run),
        cmocka_unit_test(test_rust_failures),
        cmocka_unit_test(test_rust_detection),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

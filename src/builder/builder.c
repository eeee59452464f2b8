/*
 * builder.c — GitHub-style sources: fetch exactly one commit with git, then
 * build it with clang-19 for wasm32-wasi inside bubblewrap (builder.h).
 *
 * The build: `outlayer.json` at the repository root names the sources (the
 * project convention, docs/worker.md):
 *   {"language": "c", "sources": ["main.c", "lib/x.c"],
 *    "include_dirs": ["include"], "defines": ["NAME=1"], "opt": "O2", "std": "gnu17"}
 * The compiler runs in bwrap with every namespace unshared (no network),
 * only /usr visible (read-only), the checkout read-only at /src, an empty
 * /tmp and a writable /out, no environment but PATH, LC_ALL=C and
 * SOURCE_DATE_EPOCH=0, and CPU / memory / file-size / wall-time limits.
 * Flags are fixed, and paths inside the sandbox are the same on every
 * machine, so the same commit gives the same bytes wherever it is built
 * with the same toolchain. Rust (Cargo.toml) is rust.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "builder/builder.h"
#include "near/utf8.h"

#define OUTPUT_CAP 8192
#define MANIFEST_MAX 65536
#define CHECKOUT_MAX_BYTES (INT64_C(64) << 20)

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs argv (PATH lookup) with env, in cwd, under limits; stdout+stderr
 * captured into out (cap bytes, NUL-terminated). Returns the exit status
 * (0..255), 124 on timeout, -1 when it could not start. */
int bld_run_capture(char *const argv[], char *const env[], const char *cwd, const bld_limits *lim, char *out,
                    size_t cap)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC))
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        if (cwd && chdir(cwd))
            _exit(127);
        struct rlimit rl;
        if (lim->memory_bytes) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->memory_bytes;
            setrlimit(RLIMIT_AS, &rl);
        }
        if (lim->cpu_seconds) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->cpu_seconds;
            setrlimit(RLIMIT_CPU, &rl);
        }
        if (lim->file_bytes) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->file_bytes;
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvpe(argv[0], argv, env);
        _exit(127);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    size_t n = 0;
    uint64_t deadline = now_ms() + (lim->wall_ms ? lim->wall_ms : 60000);
    int status = 0;
    bool timed_out = false, exited = false;
    for (;;) {
        char buf[4096];
        ssize_t k = read(fds[0], buf, sizeof buf);
        if (k > 0) {
            size_t take = n + (size_t)k < cap - 1 ? (size_t)k : cap - 1 - n;
            memcpy(out + n, buf, take);
            n += take;
            continue;
        }
        if (!exited && waitpid(pid, &status, WNOHANG) == pid)
            exited = true;
        if (k == 0 && exited)
            break;
        if (exited && k < 0 && errno == EAGAIN)
            break; /* a grandchild may hold the pipe */
        if (!timed_out && now_ms() > deadline) {
            timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        usleep(5000);
    }
    close(fds[0]);
    if (!exited)
        waitpid(pid, &status, 0);
    out[n] = 0;
    if (timed_out)
        return 124;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static __thread int64_t tree_bytes; /* per thread: a worker builds on several */
static int add_size(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    if (flag == FTW_F)
        tree_bytes += st->st_size;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f) { return remove(path); }

static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static bool is_hex40(const char *s)
{
    if (strlen(s) != 40)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* Names that reach a command line: a conservative character set. */
static bool safe_name(const char *s, const char *extra)
{
    if (!s[0] || s[0] == '-')
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(extra, *p)))
            return false;
    return true;
}

static bool safe_rel_path(const char *s)
{
    return safe_name(s, "._/-") && s[0] != '/' && !strstr(s, "..") && strlen(s) < 256;
}

int bld_repo_url(const char *repo, const char *git_base_url, char *out, size_t cap, char *err, size_t errlen)
{
    const char *p = repo;
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    if (strncmp(p, "github.com/", 11) == 0) {
        const char *path = p + 11;
        if (!safe_name(path, "._/-") || strstr(path, "..")) {
            snprintf(err, errlen, "Invalid repository: %.200s", repo);
            return -1;
        }
        if (git_base_url && git_base_url[0])
            snprintf(out, cap, "%s/%s", git_base_url, path);
        else
            snprintf(out, cap, "https://github.com/%s", path);
        return 0;
    }
    if (strncmp(repo, "https://", 8) == 0 || strncmp(repo, "http://", 7) == 0 || strncmp(repo, "git://", 6) == 0) {
        if (strchr(repo, ' ') || strchr(repo, '\n')) {
            snprintf(err, errlen, "Invalid repository URL");
            return -1;
        }
        snprintf(out, cap, "%s", repo);
        return 0;
    }
    snprintf(err, errlen, "Unsupported repository URL (use https://github.com/OWNER/REPO): %.200s", repo);
    return -1;
}

static char *const *git_env(const char *home)
{
    static __thread char h[4200];
    static __thread char *env[8];
    snprintf(h, sizeof h, "HOME=%s", home);
    env[0] = "PATH=/usr/bin:/bin";
    env[1] = h;
    env[2] = "GIT_CONFIG_NOSYSTEM=1";
    env[3] = "GIT_TERMINAL_PROMPT=0";
    env[4] = "GIT_ALLOW_PROTOCOL=git:http:https";
    env[5] = "LC_ALL=C";
    env[6] = NULL;
    return env;
}

#define GIT_C "-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=false", "-c", "protocol.file.allow=never"

/* Branch (or tag) -> commit id via ls-remote. */
int bld_resolve_commit(const char *url, const char *ref, const char *home, char commit[41], char *err, size_t errlen)
{
    if (is_hex40(ref)) {
        memcpy(commit, ref, 41);
        return 0;
    }
    if (!safe_name(ref, "._/-")) {
        snprintf(err, errlen, "Invalid commit or branch name");
        return -1;
    }
    char heads[300], tags[300];
    snprintf(heads, sizeof heads, "refs/heads/%s", ref);
    snprintf(tags, sizeof tags, "refs/tags/%s", ref);
    char *argv[] = {"git", GIT_C, "ls-remote", "--", (char *)url, heads, tags, NULL};
    char out[OUTPUT_CAP];
    bld_limits lim = {.wall_ms = 30000};
    int rc = bld_run_capture(argv, git_env(home), home, &lim, out, sizeof out);
    if (rc != 0) {
        snprintf(err, errlen, "Git operation failed: cannot list the repository's branches (%s)",
                 rc == 124 ? "timeout" : "repository not found or not reachable");
        return -1;
    }
    if (strlen(out) < 41 || out[40] != '\t') {
        snprintf(err, errlen, "Branch or tag '%.100s' not found in the repository", ref);
        return -1;
    }
    memcpy(commit, out, 40);
    commit[40] = 0;
    if (!is_hex40(commit)) {
        snprintf(err, errlen, "Git operation failed: unexpected ls-remote output");
        return -1;
    }
    return 0;
}

int bld_fetch_commit(const char *url, const char *commit, const char *dir, const char *home, char *err, size_t errlen)
{
    char out[OUTPUT_CAP];
    bld_limits lim = {.wall_ms = 120000, .file_bytes = CHECKOUT_MAX_BYTES};
    char *init[] = {"git", GIT_C, "init", "-q", (char *)dir, NULL};
    char *fetch[] = {"git", GIT_C,       "-C", (char *)dir, "fetch",        "-q", "--depth",
                     "1",   "--no-tags", "--", (char *)url, (char *)commit, NULL};
    char *checkout[] = {"git",      GIT_C, "-C",       (char *)dir,  "-c", "advice.detachedHead=false",
                        "checkout", "-q",  "--detach", "FETCH_HEAD", NULL};
    if (bld_run_capture(init, git_env(home), home, &lim, out, sizeof out) != 0) {
        snprintf(err, errlen, "Git operation failed: init");
        return -1;
    }
    int rc = bld_run_capture(fetch, git_env(home), home, &lim, out, sizeof out);
    if (rc != 0) {
        snprintf(err, errlen, "Git operation failed: cannot fetch commit %s (%s)", commit,
                 rc == 124 ? "timeout"
                 : strstr(out, "not our ref") || strstr(out, "no such")
                     ? "commit not found"
                     : "repository not reachable or commit not found");
        return -1;
    }
    if (bld_run_capture(checkout, git_env(home), home, &lim, out, sizeof out) != 0) {
        snprintf(err, errlen, "Git operation failed: checkout of %s", commit);
        return -1;
    }
    tree_bytes = 0;
    nftw(dir, add_size, 16, FTW_PHYS);
    if (tree_bytes > CHECKOUT_MAX_BYTES) {
        snprintf(err, errlen, "Repository too large: %" PRId64 " bytes checked out (max %" PRId64 ")", tree_bytes,
                 CHECKOUT_MAX_BYTES);
        return -1;
    }
    return 0;
}

static bool regular_file(const char *dir, const char *rel, off_t *size)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    struct stat st;
    if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    if (size)
        *size = st.st_size;
    return true;
}

/* Builds argv for the sandboxed compiler from the manifest. */
static int build_argv(json_t *m, const char *src, char **argv, size_t cap, char *err, size_t errlen)
{
    size_t n = 0;
    const char *lang = json_string_value(json_object_get(m, "language"));
    if (!lang || strcmp(lang, "c") != 0) {
        snprintf(err, errlen, "outlayer.json: language must be \"c\" or \"rust\"");
        return -1;
    }
    const char *opt = json_string_value(json_object_get(m, "opt"));
    const char *std = json_string_value(json_object_get(m, "std"));
    static const char *opts[] = {"O0", "O1", "O2", "O3", "Os", "Oz"};
    static const char *stds[] = {"c99", "c11", "c17", "gnu99", "gnu11", "gnu17"};
    bool ok_opt = !opt, ok_std = !std;
    for (size_t i = 0; i < 6; i++)
        ok_opt |= opt && strcmp(opt, opts[i]) == 0;
    for (size_t i = 0; i < 6; i++)
        ok_std |= std && strcmp(std, stds[i]) == 0;
    if (!ok_opt || !ok_std) {
        snprintf(err, errlen,
                 "outlayer.json: opt must be one of O0..O3, Os, Oz and std one of c99, c11, c17, gnu99, gnu11, gnu17");
        return -1;
    }
    char flag[300];
#define PUSH(s)                \
    do {                       \
        if (n + 2 >= cap)      \
            goto too_many;     \
        argv[n++] = strdup(s); \
    } while (0)
    PUSH("clang-19");
    PUSH("--target=wasm32-wasi");
    snprintf(flag, sizeof flag, "-%s", opt ? opt : "O2");
    PUSH(flag);
    snprintf(flag, sizeof flag, "-std=%s", std ? std : "gnu17");
    PUSH(flag);
    PUSH("-ffile-prefix-map=/src=.");
    PUSH("-Wl,--strip-debug");
    PUSH("-fno-color-diagnostics");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m, "include_dirs"), i, v)
    {
        const char *d = json_string_value(v);
        if (!d || !safe_rel_path(d)) {
            snprintf(err, errlen, "outlayer.json: include_dirs[%zu] must be a relative path inside the repository", i);
            return -1;
        }
        snprintf(flag, sizeof flag, "-I%s", d);
        PUSH(flag);
    }
    json_array_foreach(json_object_get(m, "defines"), i, v)
    {
        const char *d = json_string_value(v);
        if (!d || !safe_name(d, "_=.-") || d[0] == '=' || (d[0] >= '0' && d[0] <= '9')) {
            snprintf(err, errlen, "outlayer.json: defines[%zu] must look like NAME or NAME=value", i);
            return -1;
        }
        snprintf(flag, sizeof flag, "-D%s", d);
        PUSH(flag);
    }
    json_t *sources = json_object_get(m, "sources");
    if (!json_is_array(sources) || json_array_size(sources) == 0 || json_array_size(sources) > 256) {
        snprintf(err, errlen, "outlayer.json: sources must list 1 to 256 .c files");
        return -1;
    }
    json_array_foreach(sources, i, v)
    {
        const char *s = json_string_value(v);
        size_t l = s ? strlen(s) : 0;
        if (!s || !safe_rel_path(s) || l < 3 || strcmp(s + l - 2, ".c") != 0) {
            snprintf(err, errlen, "outlayer.json: sources[%zu] must be a relative .c path inside the repository", i);
            return -1;
        }
        if (!regular_file(src, s, NULL)) {
            snprintf(err, errlen, "outlayer.json: source %s is not a file in the repository", s);
            return -1;
        }
        PUSH(s);
    }
    PUSH("-o");
    PUSH("/out/program.wasm");
    argv[n] = NULL;
    return 0;
too_many:
    snprintf(err, errlen, "outlayer.json: too many entries");
    return -1;
#undef PUSH
}

int bld_sandbox_run_ex(const char *src, const char *outdir, const char *ro_bind, char *const env[], uint64_t tmp_bytes,
                       char *const cmd[], const bld_limits *lim, char *out, size_t cap)
{
    char *argv[400];
    size_t n = 0;
    const char *fixed[] = {"bwrap",  "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/usr",
                           "/usr",   "--symlink",     "usr/lib",           "/lib",          "--symlink", "usr/lib64",
                           "/lib64", "--symlink",     "usr/bin",           "/bin",          "--proc",    "/proc",
                           "--dev",  "/dev"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = (char *)fixed[i];
    char size[32];
    if (tmp_bytes) {
        snprintf(size, sizeof size, "%" PRIu64, tmp_bytes);
        argv[n++] = "--size";
        argv[n++] = size;
    }
    const char *mounts[] = {
        "--tmpfs", "/tmp",     "--ro-bind",         src,        "/src", "--bind",   outdir,     "/out",
        "--chdir", "/src",     "--clearenv",        "--setenv", "PATH", "/usr/bin", "--setenv", "LC_ALL",
        "C",       "--setenv", "SOURCE_DATE_EPOCH", "0"};
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++)
        argv[n++] = (char *)mounts[i];
    if (ro_bind) {
        argv[n++] = "--ro-bind";
        argv[n++] = (char *)ro_bind;
        argv[n++] = (char *)ro_bind;
    }
    static __thread char names[16][64];
    for (size_t i = 0, k = 0; env && env[i] && k < 16 && n < 380; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || (size_t)(eq - env[i]) >= sizeof names[0])
            continue;
        memcpy(names[k], env[i], (size_t)(eq - env[i]));
        names[k][eq - env[i]] = 0;
        argv[n++] = "--setenv";
        argv[n++] = names[k++];
        argv[n++] = (char *)eq + 1;
    }
    argv[n++] = "--";
    for (size_t i = 0; cmd[i] && n < 398; i++)
        argv[n++] = cmd[i];
    argv[n] = NULL;
    char *host_env[] = {"PATH=/usr/bin:/bin", NULL};
    return bld_run_capture(argv, host_env, outdir, lim, out, cap);
}

int bld_sandbox_run(const char *src, const char *outdir, char *const cmd[], const bld_limits *lim, char *out,
                    size_t cap)
{
    return bld_sandbox_run_ex(src, outdir, NULL, NULL, 0, cmd, lim, out, cap);
}

int bld_read_wasm(const char *path, size_t max_wasm, uint8_t **wasm, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "Compilation failed: the build produced no program.wasm");
        return -1;
    }
    if ((size_t)st.st_size > max_wasm) {
        close(fd);
        snprintf(err, errlen, "Compilation failed: program.wasm is %lld bytes (max %zu)", (long long)st.st_size,
                 max_wasm);
        return -1;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size) {
        free(buf);
        snprintf(err, errlen, "Compilation failed: cannot read program.wasm");
        return -1;
    }
    *wasm = buf;
    *len = (size_t)st.st_size;
    return 0;
}

int bld_build_c(const char *src, const char *outdir, const bld_limits *lim, uint8_t **wasm, size_t *len,
                size_t max_wasm, char *err, size_t errlen)
{
    *wasm = NULL;
    *len = 0;
    off_t msize = 0;
    if (!regular_file(src, "outlayer.json", &msize)) {
        if (regular_file(src, "Cargo.toml", NULL))
            snprintf(err, errlen,
                     "Compilation failed: Rust projects (Cargo.toml) cannot be built on this worker: no "
                     "Rust toolchain with the wasm32-wasip1 target is installed");
        else
            snprintf(err, errlen,
                     "Compilation failed: no outlayer.json build manifest at the repository root "
                     "(see docs/worker.md)");
        return -1;
    }
    if (msize > MANIFEST_MAX) {
        snprintf(err, errlen, "Compilation failed: outlayer.json is larger than 64 KiB");
        return -1;
    }
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/outlayer.json", src);
    json_error_t je;
    json_t *m = json_load_file(mpath, 0, &je);
    if (!json_is_object(m)) {
        snprintf(err, errlen, "Compilation failed: outlayer.json is not a JSON object (line %d: %s)", je.line, je.text);
        json_decref(m);
        return -1;
    }
    char *cc[300] = {0};
    char merr[256];
    if (build_argv(m, src, cc, 300, merr, sizeof merr)) {
        snprintf(err, errlen, "Compilation failed: %s", merr);
        json_decref(m);
        for (size_t i = 0; cc[i]; i++)
            free(cc[i]);
        return -1;
    }
    json_decref(m);
    char out[OUTPUT_CAP];
    int rc = bld_sandbox_run(src, outdir, cc, lim, out, sizeof out);
    for (size_t i = 0; cc[i]; i++)
        free(cc[i]);
    if (rc != 0) {
        /* One readable block of compiler output, cut at a character boundary. */
        near_utf8_truncate(out, 1500);
        if (rc == 124)
            snprintf(err, errlen, "Compilation timeout exceeded: %" PRIu64 " ms", lim->wall_ms);
        else if (rc >= 128)
            snprintf(err, errlen, "Compilation failed: the compiler was killed (signal %d, limit reached)", rc - 128);
        else
            snprintf(err, errlen, "Compilation failed: %s", out[0] ? out : "the compiler exited with an error");
        return -1;
    }
    char wpath[1200];
    snprintf(wpath, sizeof wpath, "%s/program.wasm", outdir);
    return bld_read_wasm(wpath, max_wasm, wasm, len, err, errlen);
}

int bld_build_dir(const bld_options *o, const char *src, const char *outdir, const bld_limits *lim, uint8_t **wasm,
                  size_t *len, size_t max_wasm, char *err, size_t errlen)
{
    *wasm = NULL;
    *len = 0;
    off_t msize = 0;
    bool has_manifest = regular_file(src, "outlayer.json", &msize);
    bool has_cargo = regular_file(src, "Cargo.toml", NULL);
    bool rust = has_cargo && !has_manifest;
    char bin[128] = "";
    if (has_manifest && msize <= MANIFEST_MAX) {
        /* Only the language (and a Rust bin) is read here; bld_build_c
         * reports everything else that is wrong with a C manifest. */
        char mpath[1200];
        snprintf(mpath, sizeof mpath, "%s/outlayer.json", src);
        json_t *m = json_load_file(mpath, 0, NULL);
        const char *lang = json_string_value(json_object_get(m, "language"));
        if (lang && strcmp(lang, "rust") == 0) {
            rust = true;
            json_t *b = json_object_get(m, "bin");
            const char *s = json_string_value(b);
            if (b && (!s || strlen(s) >= sizeof bin || !safe_name(s, "_-"))) {
                snprintf(err, errlen, "Compilation failed: outlayer.json: bin must be the name of a bin target");
                json_decref(m);
                return -1;
            }
            if (s)
                snprintf(bin, sizeof bin, "%s", s);
        }
        json_decref(m);
    }
    if (!rust)
        return bld_build_c(src, outdir, lim, wasm, len, max_wasm, err, errlen);
    if (!has_cargo) {
        snprintf(err, errlen,
                 "Compilation failed: outlayer.json says \"rust\" but there is no Cargo.toml at the "
                 "repository root");
        return -1;
    }
    bld_rust rt;
    char why[600];
    if (bld_rust_detect(o->cargo, &rt, why, sizeof why)) {
        snprintf(err, errlen, "Compilation failed: Rust projects (Cargo.toml) cannot be built on this worker: %s", why);
        return -1;
    }
    return bld_build_rust(&rt, src, outdir, bin[0] ? bin : NULL, lim, wasm, len, max_wasm, err, errlen);
}

int bld_clean_build_dirs(const char *build_dir)
{
    /* Directories are named outlayer-build-<pid>-XXXXXX: those of a worker
     * that no longer runs (killed mid-build) are removed. Other workers'
     * directories on the same machine are left alone. */
    DIR *d = opendir(build_dir ? build_dir : "/tmp");
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        char rest[64];
        if (sscanf(e->d_name, "outlayer-build-%ld-%63s", &pid, rest) != 2 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", build_dir ? build_dir : "/tmp", e->d_name);
        rm_tree(path);
        removed++;
    }
    closedir(d);
    return removed;
}

int bld_check_tools(char *err, size_t errlen)
{
    static const char *const tools[] = {"/usr/bin/bwrap", "/usr/bin/clang-19", "/usr/bin/git"};
    for (size_t i = 0; i < 3; i++) {
        if (access(tools[i], X_OK) != 0) {
            snprintf(err, errlen, "Compilation failed: this machine cannot build (%s is not installed)", tools[i]);
            return -1;
        }
    }
    return 0;
}

static int work_dir(const bld_options *o, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s/outlayer-build-%ld-XXXXXX", o->build_dir ? o->build_dir : "/tmp", (long)getpid());
    return mkdtemp(dir) ? 0 : -1;
}

int bld_source_commit(const bld_options *o, const char *repo, const char *ref, char commit[41], char *err,
                      size_t errlen)
{
    char url[1200];
    if (bld_repo_url(repo, o->git_base_url, url, sizeof url, err, errlen))
        return -1;
    if (is_hex40(ref)) {
        memcpy(commit, ref, 41);
        return 0;
    }
    char home[4096];
    if (work_dir(o, home, sizeof home)) {
        snprintf(err, errlen, "Compilation failed: cannot create a work directory");
        return -1;
    }
    int rc = bld_resolve_commit(url, ref, home, commit, err, errlen);
    rm_tree(home);
    return rc;
}

int bld_build_git(const bld_options *o, const char *repo, const char *ref, uint8_t **out, size_t *len,
                  char commit_out[41], char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    commit_out[0] = 0;
    if (bld_check_tools(err, errlen))
        return -1;
    char url[1200];
    if (bld_repo_url(repo, o->git_base_url, url, sizeof url, err, errlen))
        return -1;
    char dir[4096];
    if (work_dir(o, dir, sizeof dir)) {
        snprintf(err, errlen, "Compilation failed: cannot create a build directory");
        return -1;
    }
    char src[4120], outdir[4120];
    snprintf(src, sizeof src, "%s/src", dir);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    int rc = -1;
    char commit[41];
    uint64_t timeout = o->timeout_ms ? o->timeout_ms : BLD_DEFAULT_TIMEOUT_MS;
    size_t max_wasm = o->max_wasm ? o->max_wasm : BLD_DEFAULT_MAX_WASM;
    if (mkdir(outdir, 0755) == 0 && bld_resolve_commit(url, ref, dir, commit, err, errlen) == 0 &&
        bld_fetch_commit(url, commit, src, dir, err, errlen) == 0) {
        bld_limits lim = {.wall_ms = timeout,
                          .cpu_seconds = timeout / 1000 + 1,
                          .memory_bytes = o->memory_bytes ? o->memory_bytes : BLD_DEFAULT_MEMORY_BYTES,
                          .file_bytes = (uint64_t)max_wasm + (1u << 20)};
        rc = bld_build_dir(o, src, outdir, &lim, out, len, max_wasm, err, errlen);
        if (rc == 0)
            memcpy(commit_out, commit, 41);
    }
    rm_tree(dir);
    return rc;
}

/* The installed version of a Debian package ("?" when unknown). */
static void pkg_version(const char *pkg, char *out, size_t cap)
{
    char *argv[] = {"dpkg-query", "-W", "-f=${Version}", (char *)pkg, NULL};
    char *env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    bld_limits lim = {.wall_ms = 10000};
    char text[256];
    int rc = bld_run_capture(argv, env, "/", &lim, text, sizeof text);
    const char *v = rc == 0 && text[0] && !strchr(text, '\n') ? text : "?";
    size_t n = strlen(v) < cap - 1 ? strlen(v) : cap - 1;
    memcpy(out, v, n);
    out[n] = 0;
}

int bld_toolchain(char *out, size_t cap)
{
    char clang[128], lld[128], libc[128], rt[128];
    pkg_version("clang-19", clang, sizeof clang);
    pkg_version("lld-19", lld, sizeof lld);
    pkg_version("wasi-libc", libc, sizeof libc);
    pkg_version("libclang-rt-19-dev-wasm32", rt, sizeof rt);
    snprintf(out, cap, "clang-19 %s, lld-19 %s, wasi-libc %s, libclang-rt-19-dev-wasm32 %s", clang, lld, libc, rt);
    return strcmp(clang, "?") == 0 ? -1 : 0;
}

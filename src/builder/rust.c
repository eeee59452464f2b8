/*
 * rust.c — Rust sources (Cargo.toml): find a cargo + rustc that can build
 * for a wasm32 WASI target, and build a checkout with it inside the same
 * bubblewrap sandbox as the C builds (builder.h, docs/worker.md "Rust").
 *
 * The sandbox has no network, so only crates whose dependencies are in the
 * repository (path dependencies, or `cargo vendor` output with a
 * .cargo/config.toml source replacement) build: cargo runs --offline, with
 * --locked when the repository has a Cargo.lock (without one, cargo writes
 * it in the tmpfs copy; that only works for crates without registry
 * dependencies, which is what the refusal message says). The checkout is
 * copied to /tmp/w (a tmpfs), CARGO_HOME and the target directory are in
 * the same tmpfs, and every path and flag is fixed, so the bytes depend
 * only on the commit and the toolchain.
 */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/builder.h"

#define RUST_OUTPUT_CAP 8192
#define RUST_TMP_BYTES (UINT64_C(1) << 30)    /* the sandbox's /tmp: checkout copy, CARGO_HOME, target dir */
#define RUST_FILE_BYTES (UINT64_C(256) << 20) /* rlibs and objects are larger than the final .wasm */

/* The WASI targets, newest name first: rustc 1.78 renamed wasm32-wasi. */
static const char *const wasi_targets[] = {"wasm32-wasip1", "wasm32-wasi"};

/* Runs a toolchain command outside the sandbox (detection only); its
 * trimmed first line into out. 0, or -1. */
static int tool_output(const char *dir, char *const argv[], char *out, size_t cap)
{
    char path[1200], home[1200];
    snprintf(path, sizeof path, "PATH=%s:/usr/bin:/bin", dir);
    const char *h = getenv("HOME"); /* a rustup proxy finds its toolchains through it */
    snprintf(home, sizeof home, "HOME=%s", h ? h : "/nonexistent");
    char *env[] = {path, home, "LC_ALL=C", NULL};
    bld_limits lim = {.wall_ms = 20000};
    int rc = bld_run_capture(argv, env, "/", &lim, out, cap);
    return rc == 0 ? 0 : -1;
}

static void first_line(char *s) { s[strcspn(s, "\r\n")] = 0; }

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += n)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\r' || p[n] == 0))
            return true;
    return false;
}

static int detect(const char *cargo, bld_rust *rt, char *err, size_t errlen);

/* Detection runs four toolchain commands (~0.3 s, mostly cargo's start):
 * a toolchain found once is remembered for the process (per cargo path);
 * a failure is not, so installing Rust needs no restart. */
static pthread_mutex_t detected_mu = PTHREAD_MUTEX_INITIALIZER;
static bld_rust detected;

int bld_rust_detect(const char *cargo, bld_rust *rt, char *err, size_t errlen)
{
    if (!cargo || !cargo[0])
        cargo = getenv("CARGO_PATH");
    if (!cargo || !cargo[0])
        cargo = "/usr/bin/cargo";
    pthread_mutex_lock(&detected_mu);
    bool hit = detected.target[0] && strcmp(detected.cargo, cargo) == 0;
    if (hit)
        *rt = detected;
    pthread_mutex_unlock(&detected_mu);
    if (hit)
        return 0;
    if (detect(cargo, rt, err, errlen))
        return -1;
    pthread_mutex_lock(&detected_mu);
    detected = *rt;
    pthread_mutex_unlock(&detected_mu);
    return 0;
}

static int detect(const char *cargo, bld_rust *rt, char *err, size_t errlen)
{
    memset(rt, 0, sizeof *rt);
    if (cargo[0] != '/' || strlen(cargo) >= sizeof rt->cargo - 8) {
        snprintf(err, errlen, "the cargo path must be absolute: %.200s", cargo);
        return -1;
    }
    if (access(cargo, X_OK) != 0) {
        snprintf(err, errlen, "no Rust toolchain: %.200s is not installed", cargo);
        return -1;
    }
    snprintf(rt->cargo, sizeof rt->cargo, "%s", cargo);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", cargo);
    *strrchr(dir, '/') = 0;
    if (snprintf(rt->rustc, sizeof rt->rustc, "%s/rustc", dir) >= (int)sizeof rt->rustc ||
        access(rt->rustc, X_OK) != 0) {
        snprintf(err, errlen, "no Rust toolchain: no rustc next to %.200s", cargo);
        return -1;
    }
    char rv[200], cv[200];
    char *rustc_version[] = {rt->rustc, "--version", NULL};
    char *cargo_version[] = {rt->cargo, "--version", NULL};
    char *sysroot[] = {rt->rustc, "--print", "sysroot", NULL};
    char *targets[] = {rt->rustc, "--print", "target-list", NULL};
    if (tool_output(dir, rustc_version, rv, sizeof rv) || tool_output(dir, cargo_version, cv, sizeof cv) ||
        tool_output(dir, sysroot, rt->sysroot, sizeof rt->sysroot)) {
        snprintf(err, errlen, "no Rust toolchain: %.200s or the rustc next to it does not run", cargo);
        return -1;
    }
    first_line(rv);
    first_line(cv);
    first_line(rt->sysroot);
    /* Inside the sandbox only /usr and the sysroot are visible: the real
     * cargo and rustc must be in one of them (a rustup proxy is not). */
    char real_cargo[PATH_MAX], real_rustc[PATH_MAX], real_sysroot[PATH_MAX];
    if (!realpath(rt->cargo, real_cargo) || !realpath(rt->rustc, real_rustc) || !realpath(rt->sysroot, real_sysroot)) {
        snprintf(err, errlen, "no Rust toolchain: cannot resolve the paths of %.200s", cargo);
        return -1;
    }
    if (snprintf(rt->sysroot, sizeof rt->sysroot, "%s", real_sysroot) >= (int)sizeof rt->sysroot) {
        snprintf(err, errlen, "no usable Rust toolchain: its sysroot path is too long");
        return -1;
    }
    bool visible = (under(real_cargo, "/usr") || under(real_cargo, real_sysroot)) &&
                   (under(real_rustc, "/usr") || under(real_rustc, real_sysroot));
    if (!visible || strcmp(real_sysroot, "/") == 0) {
        snprintf(err, errlen,
                 "no usable Rust toolchain: %.200s is not inside /usr or its rustc sysroot %.200s (a rustup "
                 "proxy? give the toolchain's own bin/cargo)",
                 cargo, rt->sysroot);
        return -1;
    }
    size_t text_cap = 65536; /* some 250 target names */
    char *text = malloc(text_cap);
    if (!text || tool_output(dir, targets, text, text_cap)) {
        free(text);
        snprintf(err, errlen, "no Rust toolchain: rustc --print target-list failed");
        return -1;
    }
    /* wasm32 WASI links with rust-lld: next to rustc (Debian: a link to
     * lld-14, a mere Recommends of the std package) or in the sysroot (rustup). */
    char lld[1100], pattern[1100];
    snprintf(lld, sizeof lld, "%s/rust-lld", dir);
    snprintf(pattern, sizeof pattern, "%s/lib/rustlib/*/bin/rust-lld", rt->sysroot);
    glob_t g = {0};
    bool linker = access(lld, X_OK) == 0 || glob(pattern, 0, NULL, &g) == 0;
    globfree(&g);
    if (!linker) {
        free(text);
        snprintf(err, errlen, "no usable Rust toolchain: rust-lld (the wasm linker) is not installed (Debian: lld-14)");
        return -1;
    }
    const char *known = NULL;
    for (size_t i = 0; i < sizeof wasi_targets / sizeof *wasi_targets; i++) {
        if (!has_line(text, wasi_targets[i]))
            continue;
        known = known ? known : wasi_targets[i];
        char std[1400];
        struct stat st;
        snprintf(std, sizeof std, "%s/lib/rustlib/%s/lib", rt->sysroot, wasi_targets[i]);
        if (stat(std, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(rt->target, sizeof rt->target, "%s", wasi_targets[i]);
            snprintf(rt->version, sizeof rt->version, "%s, %s, target %s", rv, cv, rt->target);
            free(text);
            return 0;
        }
    }
    free(text);
    if (known)
        snprintf(err, errlen,
                 "no Rust toolchain with a wasm32 WASI target: %s knows %s but its std is not installed in %s "
                 "(Debian: libstd-rust-dev-wasm32; rustup: rustup target add %s)",
                 rv, known, rt->sysroot, known);
    else
        snprintf(err, errlen,
                 "no Rust toolchain with a wasm32 WASI target: %s knows neither wasm32-wasip1 nor wasm32-wasi", rv);
    return -1;
}

/* Runs inside the sandbox: copy the read-only checkout into the tmpfs,
 * build ("$@" is the cargo command), then copy the one .wasm to /out. */
static const char build_script[] =
    "cp -R /src /tmp/w && cd /tmp/w || exit 97\n"
    "\"$@\" || exit $?\n"
    "d=/tmp/target/$OUTLAYER_TARGET/release\n"
    "if [ -n \"$OUTLAYER_BIN\" ]; then f=$d/$OUTLAYER_BIN.wasm; else\n"
    "  n=0; for g in $d/*.wasm; do [ -f \"$g\" ] && { n=$((n+1)); f=$g; }; done\n"
    "  if [ $n -gt 1 ]; then echo \"outlayer: several .wasm files were built ($(cd $d && echo *.wasm)): name the "
    "bin to run with {\\\"language\\\": \\\"rust\\\", \\\"bin\\\": \\\"NAME\\\"} in outlayer.json\"; exit 98; fi\n"
    "fi\n"
    "[ -f \"$f\" ] || { echo \"outlayer: the build produced no ${OUTLAYER_BIN:-bin target} .wasm (a Rust "
    "program needs a [[bin]] target, src/main.rs)\"; exit 99; }\n"
    "cp \"$f\" /out/program.wasm\n";

static bool regular(const char *dir, const char *rel)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    struct stat st;
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int bld_build_rust(const bld_rust *rt, const char *src, const char *outdir, const char *bin, const bld_limits *lim,
                   uint8_t **wasm, size_t *len, size_t max_wasm, char *err, size_t errlen)
{
    *wasm = NULL;
    *len = 0;
    char path[1200], rustc[1100], target_env[64], bin_env[160];
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", rt->cargo);
    *strrchr(dir, '/') = 0;
    snprintf(path, sizeof path, "PATH=%s:/usr/bin", dir);
    snprintf(rustc, sizeof rustc, "RUSTC=%s", rt->rustc);
    snprintf(target_env, sizeof target_env, "OUTLAYER_TARGET=%s", rt->target);
    snprintf(bin_env, sizeof bin_env, "OUTLAYER_BIN=%s", bin ? bin : "");
    /* Fixed for every build: these override the repository's Cargo.toml
     * profile and .cargo/config.toml rustflags, so the same commit gives
     * the same bytes on every worker with the same toolchain. */
    char *env[] = {path,
                   rustc,
                   "HOME=/tmp",
                   "CARGO_HOME=/tmp/cargo-home",
                   "CARGO_TARGET_DIR=/tmp/target",
                   "CARGO_NET_OFFLINE=true",
                   "CARGO_TERM_COLOR=never",
                   "CARGO_INCREMENTAL=0",
                   "CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1",
                   "CARGO_PROFILE_RELEASE_DEBUG=false",
                   "CARGO_PROFILE_RELEASE_STRIP=debuginfo",
                   "RUSTFLAGS=--remap-path-prefix=/tmp/w=. --remap-path-prefix=/tmp/cargo-home=/cargo",
                   target_env,
                   bin_env,
                   NULL};
    char *cmd[24];
    size_t n = 0;
    cmd[n++] = "/bin/sh";
    cmd[n++] = "-c";
    cmd[n++] = (char *)build_script;
    cmd[n++] = "sh";
    cmd[n++] = (char *)rt->cargo;
    cmd[n++] = "build";
    cmd[n++] = "--quiet";
    cmd[n++] = "--release";
    cmd[n++] = "--offline";
    if (regular(src, "Cargo.lock"))
        cmd[n++] = "--locked";
    cmd[n++] = "--target";
    cmd[n++] = (char *)rt->target;
    if (bin) {
        cmd[n++] = "--bin";
        cmd[n++] = (char *)bin;
    }
    cmd[n] = NULL;
    bld_limits l = *lim;
    if (l.file_bytes && l.file_bytes < RUST_FILE_BYTES)
        l.file_bytes = RUST_FILE_BYTES;
    bool usr = strncmp(rt->sysroot, "/usr", 4) == 0 && (rt->sysroot[4] == 0 || rt->sysroot[4] == '/');
    char out[RUST_OUTPUT_CAP];
    int rc = bld_sandbox_run_ex(src, outdir, usr ? NULL : rt->sysroot, env, RUST_TMP_BYTES, cmd, &l, out, sizeof out);
    if (rc != 0) {
        /* One readable block of cargo's output, cut at a character boundary. */
        size_t max = 1500;
        if (strlen(out) > max) {
            while (max > 0 && ((unsigned char)out[max] & 0xC0) == 0x80)
                max--;
            out[max] = 0;
        }
        if (rc == 124)
            snprintf(err, errlen, "Compilation timeout exceeded: %" PRIu64 " ms", lim->wall_ms);
        else if (rc >= 128)
            snprintf(err, errlen, "Compilation failed: cargo was killed (signal %d, limit reached)", rc - 128);
        else if (strstr(out, "--offline")) /* cargo: "offline mode (--offline)", "--offline was specified" */
            snprintf(err, errlen,
                     "Compilation failed: the crate needs dependencies that are not in the repository, and builds "
                     "have no network: vendor them (cargo vendor, with .cargo/config.toml pointing at vendor/) and "
                     "commit Cargo.lock. cargo said: %s",
                     out);
        else if (rc == 97)
            snprintf(err, errlen, "Compilation failed: cannot copy the checkout into the build sandbox");
        else
            snprintf(err, errlen, "Compilation failed: %s",
                     out[0] ? (strncmp(out, "outlayer: ", 10) == 0 ? out + 10 : out) : "cargo exited with an error");
        return -1;
    }
    char wpath[1200];
    snprintf(wpath, sizeof wpath, "%s/program.wasm", outdir);
    return bld_read_wasm(wpath, max_wasm, wasm, len, err, errlen);
}

/* The installed version of a Debian package ("?" when unknown). */
static void deb_version(const char *pkg, char *out, size_t cap)
{
    char *argv[] = {"dpkg-query", "-W", "-f=${Version}", (char *)pkg, NULL};
    char *env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    bld_limits lim = {.wall_ms = 10000};
    char text[256];
    int rc = bld_run_capture(argv, env, "/", &lim, text, sizeof text);
    snprintf(out, cap, "%s", rc == 0 && text[0] && !strchr(text, '\n') ? text : "?");
}

int bld_toolchain_rust(const char *cargo, char *out, size_t cap)
{
    bld_rust rt;
    char why[512];
    if (bld_rust_detect(cargo, &rt, why, sizeof why)) {
        snprintf(out, cap, "rust: none (%s)", why);
        return -1;
    }
    if (strncmp(rt.sysroot, "/usr", 4) != 0) {
        snprintf(out, cap, "rust: %s (sysroot %s)", rt.version, rt.sysroot);
        return 0;
    }
    char rustc[256], cargo_v[256], std[256], lld[256];
    deb_version("rustc", rustc, sizeof rustc);
    deb_version("cargo", cargo_v, sizeof cargo_v);
    deb_version("libstd-rust-dev-wasm32", std, sizeof std);
    deb_version("lld-14", lld, sizeof lld);
    snprintf(out, cap, "rust: %s (Debian rustc %s, cargo %s, libstd-rust-dev-wasm32 %s, lld-14 %s)", rt.version, rustc,
             cargo_v, std, lld);
    return 0;
}

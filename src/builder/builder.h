/*
 * builder.h — reproducible builds of a git commit to wasm32-wasip1, the one
 * implementation shared by the worker (src/worker/compile.c) and
 * `outlayer build` / `outlayer verify` (src/cli/), so that a user rebuilds a
 * program exactly as the worker that ran it did.
 *
 * A build: resolve a branch or tag to a commit (git ls-remote), fetch only
 * that commit (depth 1, hooks off, no symlinks, no system/user git config,
 * only the git/http/https transports, limits), then compile the sources
 * that `outlayer.json` names with clang-19 inside bubblewrap (no network,
 * /usr read-only, the checkout read-only at /src, fixed flags and paths).
 * The output bytes depend only on the commit and on the toolchain
 * (bld_toolchain reports which versions; docs/verify.md).
 */
#ifndef OUTLAYER_BUILDER_H
#define OUTLAYER_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits for a child process (0 = none; wall_ms 0 = 60 s). */
typedef struct bld_limits {
    uint64_t wall_ms, cpu_seconds, memory_bytes, file_bytes;
} bld_limits;

/* Defaults of the worker's --compile-timeout / --compile-memory / --max-wasm-size. */
#define BLD_DEFAULT_TIMEOUT_MS UINT64_C(120000)
#define BLD_DEFAULT_MEMORY_BYTES (UINT64_C(2) << 30)
#define BLD_DEFAULT_MAX_WASM ((size_t)10 << 20)

typedef struct bld_options {
    const char *git_base_url; /* github.com/OWNER/REPO fetched from BASE/OWNER/REPO; NULL = github.com */
    const char *build_dir;    /* where checkouts are made (NULL = /tmp); each removed afterwards */
    uint64_t timeout_ms;      /* compiler wall-clock and CPU limit (0 = default) */
    uint64_t memory_bytes;    /* compiler address-space limit (0 = default) */
    size_t max_wasm;          /* largest output (0 = default) */
    const char *cargo;        /* Rust: cargo to use (NULL = $CARGO_PATH, else /usr/bin/cargo) */
} bld_options;

/* A Rust toolchain that can build for a wasm32 WASI target (src/builder/rust.c). */
typedef struct bld_rust {
    char cargo[1024], rustc[1024]; /* absolute paths; rustc is the one next to cargo */
    char sysroot[1024];            /* rustc --print sysroot; bound read-only in the sandbox when not under /usr */
    char target[32];               /* "wasm32-wasip1" (rustc >= 1.78) or "wasm32-wasi" (older) */
    char version[512];             /* "rustc 1.63.0, cargo 1.65.0, target wasm32-wasi" */
} bld_rust;

/* Runs argv (PATH lookup) with env in cwd under lim, stdout+stderr captured
 * (cap bytes, NUL-terminated). The exit status, 124 on timeout, 128+signal,
 * or -1 when it could not start. */
int bld_run_capture(char *const argv[], char *const env[], const char *cwd, const bld_limits *lim, char *out,
                    size_t cap);
/* Maps github.com/OWNER/REPO to git_base_url (if set); other http(s)/git URLs pass. 0, or -1 with err. */
int bld_repo_url(const char *repo, const char *git_base_url, char *out, size_t cap, char *err, size_t errlen);
/* A branch or tag -> commit id (ls-remote in home); a 40-hex id is returned as is. */
int bld_resolve_commit(const char *url, const char *ref, const char *home, char commit[41], char *err, size_t errlen);
/* Fetches exactly `commit` into dir (a new directory) and checks it out. */
int bld_fetch_commit(const char *url, const char *commit, const char *dir, const char *home, char *err, size_t errlen);
/* Runs cmd in the build sandbox: bubblewrap, all namespaces unshared (no
 * network), /usr read-only, src read-only at /src, outdir writable at /out. */
int bld_sandbox_run(const char *src, const char *outdir, char *const cmd[], const bld_limits *lim, char *out,
                    size_t cap);
/* Reads the built WASM at path (at most max_wasm bytes, malloc'd); 0, or -1 with the reason. */
int bld_read_wasm(const char *path, size_t max_wasm, uint8_t **wasm, size_t *len, char *err, size_t errlen);
/* Builds the checkout at src (outlayer.json manifest) in bubblewrap into outdir. */
int bld_build_c(const char *src, const char *outdir, const bld_limits *lim, uint8_t **wasm, size_t *len,
                size_t max_wasm, char *err, size_t errlen);

/* Finds cargo (NULL = $CARGO_PATH, else /usr/bin/cargo) and the rustc next
 * to it, and a wasm32 WASI target rustc knows (wasm32-wasip1, then
 * wasm32-wasi) whose std is installed (<sysroot>/lib/rustlib/<target>/lib).
 * 0 with rt filled, or -1 with the reason. */
int bld_rust_detect(const char *cargo, bld_rust *rt, char *err, size_t errlen);
/* Builds the Cargo project at src (read-only) with rt in bubblewrap (cargo
 * build --release --offline [--locked] in a tmpfs copy, fixed flags) into
 * outdir; like bld_build_c. bin: which bin target (NULL = the only one). */
int bld_build_rust(const bld_rust *rt, const char *src, const char *outdir, const char *bin, const bld_limits *lim,
                   uint8_t **wasm, size_t *len, size_t max_wasm, char *err, size_t errlen);
/* Builds a checkout: outlayer.json with "language": "c" -> bld_build_c;
 * "language": "rust", or a Cargo.toml and no outlayer.json -> Rust (the
 * toolchain of o->cargo, refused with a clear message when absent). */
int bld_build_dir(const bld_options *o, const char *src, const char *outdir, const bld_limits *lim, uint8_t **wasm,
                  size_t *len, size_t max_wasm, char *err, size_t errlen);
/* The Rust part of the toolchain line (rustc, cargo, target, Debian package
 * versions of rustc, cargo and libstd-rust-dev-wasm32); -1 when none. */
int bld_toolchain_rust(const char *cargo, char *out, size_t cap);
/* Like bld_sandbox_run with more: ro_bind (NULL or a host directory bound
 * read-only at the same path), env (NULL or NAME=VALUE strings, NULL-ended)
 * set inside, tmp_bytes (0 = unlimited) the size of the sandbox's /tmp. */
int bld_sandbox_run_ex(const char *src, const char *outdir, const char *ro_bind, char *const env[], uint64_t tmp_bytes,
                       char *const cmd[], const bld_limits *lim, char *out, size_t cap);

/* 0 when bwrap, clang-19 and git are installed, else -1 naming the missing one. */
int bld_check_tools(char *err, size_t errlen);
/* The commit a ref names (ls-remote for a branch or tag). */
int bld_source_commit(const bld_options *o, const char *repo, const char *ref, char commit[41], char *err,
                      size_t errlen);
/* The whole build of repo at ref: 0 with the WASM (malloc'd) and the commit
 * id built, or -1 with the user-facing reason (the texts the worker puts on
 * chain). */
int bld_build_git(const bld_options *o, const char *repo, const char *ref, uint8_t **wasm, size_t *len,
                  char commit_out[41], char *err, size_t errlen);
/* Removes build directories of processes that no longer run; how many. */
int bld_clean_build_dirs(const char *build_dir);
/* One line naming the versions a build's bytes depend on (clang, lld,
 * wasi-libc package versions) into out; 0, or -1 when they cannot be read. */
int bld_toolchain(char *out, size_t cap);

#endif

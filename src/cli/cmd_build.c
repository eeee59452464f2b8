/*
 * cmd_build.c — `outlayer build REPO@COMMIT`: builds a git commit exactly as
 * a worker does (src/builder/, the same code the worker links) and prints
 * the SHA-256 of the WASM, the hash the coordinator caches it under and the
 * attestation records. `outlayer verify` uses the same build for git
 * sources.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "builder/builder.h"
#include "cli/cli.h"

void cmd_build_help(FILE *out)
{
    fprintf(out,
            "usage: outlayer build REPO@COMMIT [options]\n"
            "\n"
            "Builds a git commit to wasm32-wasip1 exactly as an OutLayer worker does (the same code:\n"
            "git fetch of that one commit, clang-19 with fixed flags in bubblewrap, outlayer.json at the\n"
            "repository root; for a Rust repository (Cargo.toml), cargo build --release --offline\n"
            "for wasm32-wasip1 / wasm32-wasi in the same sandbox) and prints the SHA-256 of the WASM\n"
            "on stdout. COMMIT is a commit id, a branch or a tag (resolved to a commit first). The hash\n"
            "depends only on the commit and the toolchain, which is printed on stderr (docs/verify.md).\n"
            "\n"
            "options:\n"
            "  --out FILE            also write the WASM to FILE\n"
            "  --git-base-url U      fetch github.com/OWNER/REPO from U/OWNER/REPO (env GIT_BASE_URL)\n"
            "  --build-dir D         where the checkout is made, removed afterwards (env BUILD_DIR, default /tmp)\n"
            "  --timeout S           compiler time limit in seconds (default 120)\n"
            "  --cargo PATH          cargo for Rust repositories (env CARGO_PATH, default /usr/bin/cargo)\n"
            "  --json                print {\"wasm_hash\",\"commit\",\"size\",\"toolchain\"} instead\n"
            "\n"
            "Exit status: 0 built, 1 the build failed (the reason is printed), 64 usage, 73 output file.\n");
}

/* REPO@COMMIT at the last '@' (a URL may hold one before the host). */
int cli_split_repo_commit(const char *arg, char *repo, size_t rcap, char *commit, size_t ccap)
{
    const char *at = strrchr(arg, '@');
    if (!at || at == arg || !at[1] || (size_t)(at - arg) >= rcap || strlen(at + 1) >= ccap)
        return -1;
    memcpy(repo, arg, (size_t)(at - arg));
    repo[at - arg] = 0;
    snprintf(commit, ccap, "%s", at + 1);
    return 0;
}

int cmd_build(int argc, char **argv)
{
    const char *out_file = NULL, *base = getenv("GIT_BASE_URL"), *build_dir = getenv("BUILD_DIR"), *cargo = NULL;
    uint64_t timeout_s = BLD_DEFAULT_TIMEOUT_MS / 1000;
    bool json_out = false;
    static const struct option longs[] = {
        {"out", 1, 0, 'o'},  {"git-base-url", 1, 0, 'g'}, {"build-dir", 1, 0, 'b'}, {"timeout", 1, 0, 't'},
        {"json", 0, 0, 'j'}, {"cargo", 1, 0, 'c'},        {"help", 0, 0, 'h'},      {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_file = optarg; break;
        case 'g': base = optarg; break;
        case 'b': build_dir = optarg; break;
        case 't':
            if (!cli_parse_u64(optarg, 1, 3600, &timeout_s)) {
                cli_error("--timeout: seconds, 1..3600");
                return CLI_EXIT_USAGE;
            }
            break;
        case 'j': json_out = true; break;
        case 'c': cargo = optarg; break;
        case 'h': cmd_build_help(stdout); return CLI_EXIT_OK;
        default: return CLI_EXIT_USAGE;
        }
    }
    char repo[1024], commit[256];
    if (optind != argc - 1 || cli_split_repo_commit(argv[optind], repo, sizeof repo, commit, sizeof commit)) {
        cli_error("give one REPO@COMMIT, e.g. https://github.com/alice/flip@main (see `outlayer help build`)");
        return CLI_EXIT_USAGE;
    }
    if (sodium_init() < 0)
        return CLI_EXIT_INTERNAL;
    bld_options o = {.git_base_url = base && *base ? base : NULL,
                     .build_dir = build_dir && *build_dir ? build_dir : NULL,
                     .timeout_ms = timeout_s * 1000,
                     .cargo = cargo};
    uint8_t *wasm = NULL;
    size_t len = 0;
    char built[41], err[2048], toolchain[2000], rust[1200];
    bld_toolchain(toolchain, sizeof toolchain);
    /* The Rust part only matters for Rust repositories; it is always named
     * so that one line says everything a hash may depend on. */
    bld_toolchain_rust(cargo, rust, sizeof rust);
    size_t tl = strlen(toolchain);
    snprintf(toolchain + tl, sizeof toolchain - tl, "; %s", rust);
    if (bld_build_git(&o, repo, commit, &wasm, &len, built, err, sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, wasm, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    int rc = CLI_EXIT_OK;
    if (out_file) {
        FILE *f = fopen(out_file, "wb");
        if (!f || fwrite(wasm, 1, len, f) != len || fclose(f)) {
            cli_error("cannot write %s", out_file);
            rc = 73;
        }
    }
    if (json_out) {
        printf("{\"wasm_hash\":\"%s\",\"commit\":\"%s\",\"size\":%zu,\"toolchain\":\"%s\"}\n", hex, built, len,
               toolchain);
    } else {
        printf("%s\n", hex);
        fprintf(stderr, "built %s at %s: %zu bytes\ntoolchain: %s\n", repo, built, len, toolchain);
    }
    free(wasm);
    return rc;
}

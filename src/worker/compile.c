/*
 * compile.c — GitHub-style sources for the worker: the build itself is
 * src/builder/ (shared with `outlayer build` and `outlayer verify`, so a
 * user rebuilds exactly what a worker built); here are the worker's
 * settings, its log lines and the names its tests use.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "worker/worker.h"

int wk_run_capture(char *const argv[], char *const env[], const char *cwd, const wk_run_limits *lim, char *out,
                   size_t cap)
{
    return bld_run_capture(argv, env, cwd, lim, out, cap);
}

int wk_repo_url(const char *repo, const char *git_base_url, char *out, size_t cap, char *err, size_t errlen)
{
    return bld_repo_url(repo, git_base_url, out, cap, err, errlen);
}

int wk_sandbox_run(const char *src, const char *outdir, char *const cmd[], const wk_run_limits *lim, char *out,
                   size_t cap)
{
    return bld_sandbox_run(src, outdir, cmd, lim, out, cap);
}

int wk_build_c(const char *src, const char *outdir, const wk_run_limits *lim, uint8_t **wasm, size_t *len,
               size_t max_wasm, char *err, size_t errlen)
{
    return bld_build_c(src, outdir, lim, wasm, len, max_wasm, err, errlen);
}

int wk_clean_build_dirs(const char *build_dir) { return bld_clean_build_dirs(build_dir); }

static bld_options build_options(const wk_worker *w)
{
    return (bld_options){.git_base_url = w->cfg.git_base_url,
                         .build_dir = w->cfg.build_dir,
                         .timeout_ms = (uint64_t)w->cfg.compile_timeout_ms,
                         .memory_bytes = (uint64_t)w->cfg.compile_memory_bytes,
                         .max_wasm = (size_t)w->cfg.max_wasm_bytes,
                         .cargo = w->cfg.cargo};
}

int wk_source_commit(wk_worker *w, const wk_request *r, char commit[41], char *err, size_t errlen)
{
    bld_options o = build_options(w);
    return bld_source_commit(&o, r->source.repo, r->source.commit, commit, err, errlen);
}

int wk_compile_source(wk_worker *w, const wk_request *r, uint8_t **out, size_t *len, char commit_out[41], char *err,
                      size_t errlen)
{
    *out = NULL;
    *len = 0;
    commit_out[0] = 0;
    if (bld_check_tools(err, errlen))
        return -1;
    const char *t = r->source.build_target;
    if (strcmp(t, "wasm32-wasi") != 0 && strcmp(t, "wasm32-wasip1") != 0) {
        snprintf(err, errlen, "Compilation failed: unsupported build target %.60s (this worker builds wasm32-wasip1)",
                 t);
        return -1;
    }
    bld_options o = build_options(w);
    WK_INFO("request %" PRIu64 ": building %s at %s", r->request_id, r->source.repo, r->source.commit);
    int rc = bld_build_git(&o, r->source.repo, r->source.commit, out, len, commit_out, err, errlen);
    if (rc == 0)
        WK_INFO("request %" PRIu64 ": built %s at %s (%zu bytes)", r->request_id, r->source.repo, commit_out, *len);
    return rc;
}

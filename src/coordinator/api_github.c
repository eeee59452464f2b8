/* api_github.c — GET /github/resolve-branch (spec §11): which branch a
 * commit belongs to, for branch-scoped secrets. Answers are cached in the
 * database for 7 days (a commit never leaves the branches that contain it
 * in the common case; a null answer is not cached).
 *
 * Differences from the reference: GitHub's compare/BASE...HEAD says "ahead"
 * when HEAD (the branch) contains BASE (the commit), so "ahead" and
 * "identical" count as containing (the reference accepted "behind", which
 * is inverted); the calls have a 10 s timeout; at most 20 branches are
 * compared; GITHUB_TOKEN, when set, lifts GitHub's 60 requests/hour limit. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http_client.h"
#include "base/log.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"

#define BRANCH_TTL_MS (7LL * 24 * 3600 * 1000)
#define MAX_COMPARES 20

static int is_sha(const char *c) { return cr_is_hex(c, 40) || cr_is_hex(c, 7) || cr_is_hex(c, 8); }

static int safe_name(const char *s)
{
    if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._-", *s)))
            return 0;
    return 1;
}

/* GET; 0 and *out (JSON or NULL) with *status, or -1 with err. */
static int gh_get(coord *c, const char *path, long *status, json_t **out, char *err, size_t n)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", c->cfg.github_api_url, path);
    const char *hdr[] = {"User-Agent: outlayer-coordinator", "Accept: application/vnd.github.v3+json", NULL};
    hc_options o = {.timeout_ms = 10000, .max_response = 4 << 20, .bearer = c->cfg.github_token, .headers = hdr};
    return hc_get_json(url, &o, status, out, err, n);
}

static const char *pick(json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *nm = json_string_value(json_object_get(v, "name"));
        if (nm && (strcmp(nm, "main") == 0 || strcmp(nm, "master") == 0))
            return nm;
    }
    return json_string_value(json_object_get(json_array_get(arr, 0), "name"));
}

/* 0 with *branch (malloc'd or NULL = not found), or -1 with err. */
static int lookup(coord *c, const char *norm, const char *commit, char **branch, char *err, size_t n)
{
    *branch = NULL;
    char host[256], owner[256], repo[256];
    if (sscanf(norm, "%255[^/]/%255[^/]/%255s", host, owner, repo) != 3 || strcmp(host, "github.com") != 0) {
        snprintf(err, n, "only github.com repositories can be resolved");
        return -1;
    }
    if (!safe_name(owner) || !safe_name(repo)) {
        snprintf(err, n, "unexpected characters in owner or repository name");
        return -1;
    }
    char path[1024];
    long st;
    json_t *j = NULL;
    snprintf(path, sizeof path, "/repos/%s/%s/commits/%s/branches-where-head?per_page=100", owner, repo, commit);
    if (gh_get(c, path, &st, &j, err, n))
        return -1;
    if (st == 404) {
        json_decref(j);
        return 0;
    }
    if (st < 200 || st > 299 || !json_is_array(j)) {
        snprintf(err, n, "GitHub API error %ld", st);
        json_decref(j);
        return -1;
    }
    if (json_array_size(j)) {
        const char *b = pick(j);
        *branch = b ? strdup(b) : NULL;
        json_decref(j);
        return 0;
    }
    json_decref(j);
    j = NULL;
    snprintf(path, sizeof path, "/repos/%s/%s/branches?per_page=100", owner, repo);
    if (gh_get(c, path, &st, &j, err, n) || st < 200 || st > 299 || !json_is_array(j)) {
        json_decref(j);
        *branch = strdup("main");
        return 0;
    }
    int compares = 0;
    for (int pass = 0; pass < 2 && !*branch; pass++) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            const char *nm = json_string_value(json_object_get(v, "name"));
            if (!nm || compares >= MAX_COMPARES)
                continue;
            int primary = strcmp(nm, "main") == 0 || strcmp(nm, "master") == 0;
            if (primary != (pass == 0))
                continue;
            char *esc = curl_easy_escape(NULL, nm, 0);
            if (!esc)
                continue;
            snprintf(path, sizeof path, "/repos/%s/%s/compare/%s...%s", owner, repo, commit, esc);
            curl_free(esc);
            compares++;
            json_t *cmp = NULL;
            long cs;
            char e2[256];
            if (gh_get(c, path, &cs, &cmp, e2, sizeof e2) == 0 && cs >= 200 && cs <= 299) {
                const char *status = json_string_value(json_object_get(cmp, "status"));
                if (status && (strcmp(status, "ahead") == 0 || strcmp(status, "identical") == 0))
                    *branch = strdup(nm);
            }
            json_decref(cmp);
            if (*branch)
                break;
        }
    }
    json_decref(j);
    if (!*branch)
        *branch = strdup("main");
    return 0;
}

void api_resolve_branch(hs_request *req, void *ctx)
{
    coord *c = ctx;
    const char *repo = hs_query(req, "repo"), *commit = hs_query(req, "commit");
    if (!repo || !*repo || !commit || !*commit) {
        hs_reply_error(req, 400, "query parameters 'repo' and 'commit' are required");
        return;
    }
    char norm[1300];
    if (cr_parse_github_repo(repo, norm, sizeof norm)) {
        hs_reply_error(req, 400, "Invalid repo format: Invalid repository format: %.200s", repo);
        return;
    }
    char cached[256];
    if (store_branch_get(c->st, norm, commit, cached, sizeof cached) == ST_OK) {
        hs_reply_json(req, 200, json_pack("{s:s, s:s, s:b}", "branch", cached, "repo_normalized", norm, "cached", 1));
        return;
    }
    char *branch = NULL;
    if (!is_sha(commit)) {
        branch = strdup(commit); /* already a branch name */
    } else {
        char err[256];
        if (lookup(c, norm, commit, &branch, err, sizeof err)) {
            log_warn("github", "resolve %s@%s: %s", norm, commit, err);
            hs_reply_error(req, 404, "Failed to resolve branch: %s", err);
            return;
        }
    }
    if (branch)
        store_branch_put(c->st, norm, commit, branch, BRANCH_TTL_MS);
    json_t *o = json_pack("{s:s?, s:s, s:b}", "branch", branch, "repo_normalized", norm, "cached", 0);
    if (!branch)
        json_object_set_new(o, "branch", json_null());
    free(branch);
    hs_reply_json(req, 200, o);
}

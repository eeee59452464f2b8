/*
 * storage.c — whose persistent store a request's program gets
 * (docs/program-api.md, "Whose store"):
 *
 *   owner   = the account that asked (user_account_id, the request's
 *             sender_id; else the context's sender_id)
 *   project = the program's source identity:
 *             git:      "github.com/alice/project" (the repository, any
 *                       commit: new versions keep the data)
 *             WasmUrl:  "wasm:<sha256>" (the exact bytes: a new build is
 *                       a new project)
 *
 * So a caller's data is theirs alone (no one else's request can read or
 * change it), and a program cannot read the store of another program.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "near/account_id.h"
#include "worker/worker.h"

/* "https://github.com/Alice/Project.git/" -> "github.com/alice/project" */
static void repo_identity(const char *repo, char *out, size_t size)
{
    const char *p = repo;
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncmp(p, "git://", 6) == 0)
        p += 6;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n > 4 && strncmp(p + n - 4, ".git", 4) == 0)
        n -= 4;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if ((unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f)
            out[o++] = (char)tolower((unsigned char)p[i]);
    out[o] = 0;
}

int wk_storage_identity(const wk_request *req, char *owner, size_t owner_size, char *project, size_t project_size)
{
    const char *who = req->user_account_id;
    if (!who || !near_account_id_valid(who, NULL, 0))
        who = json_string_value(json_object_get(req->context, "sender_id"));
    if (!who || !near_account_id_valid(who, NULL, 0) || strlen(who) >= owner_size)
        return -1;
    snprintf(owner, owner_size, "%s", who);
    if (req->source.is_git && req->source.repo)
        repo_identity(req->source.repo, project, project_size);
    else if (!req->source.is_git && req->source.hash && strlen(req->source.hash) == 64) {
        snprintf(project, project_size, "wasm:%s", req->source.hash);
        for (char *c = project; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    } else
        return -1;
    return project[0] ? 0 : -1;
}

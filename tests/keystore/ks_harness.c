/* ks_harness.c — see ks_harness.h. */
#include "ks_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "secrets/blob.h"
#include "secrets/kdf.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = malloc((size_t)n + 1);
    if (t && fread(t, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    if (t)
        t[n] = 0;
    fclose(f);
    return t;
}

int ks_start(ks_node *k, const char *dir, const char *const *args, const char *const *env)
{
    memset(k, 0, sizeof *k);
    hc_global_init();
    if (dir) {
        snprintf(k->dir, sizeof k->dir, "%s", dir);
    } else {
        snprintf(k->dir, sizeof k->dir, "/tmp/outlayer-keystore-test-XXXXXX");
        if (!mkdtemp(k->dir))
            return -1;
    }
    snprintf(k->log, sizeof k->log, "%s.log", k->dir);
    unlink(k->log);
    const char *bin = getenv("KEYSTORE_BIN") ? getenv("KEYSTORE_BIN") : "build/bin/outlayer-keystore";
    const char *argv[40] = {bin, "--port", "0", "--data-dir", k->dir};
    int argc = 5;
    for (size_t i = 0; args && args[i] && argc < 38; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(k->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        /* a failed assertion longjmps past ks_stop: never leave an orphan */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        setenv("KEYSTORE_AUTH_TOKEN", KS_TEST_TOKEN, 1);
        setenv("LOG_LEVEL", "debug", 1);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    k->pid = pid;
    const char *marker = "listening on http://127.0.0.1:";
    for (int i = 0; i < 5000 && k->port == 0; i++) {
        char *text = slurp(k->log);
        const char *p = text ? strstr(text, marker) : NULL;
        if (p)
            k->port = atoi(p + strlen(marker));
        free(text);
        int status;
        if (k->port == 0 && waitpid(pid, &status, WNOHANG) == pid) {
            k->pid = 0;
            return -1; /* exited early: the caller may read k->log */
        }
        if (k->port == 0)
            nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    if (k->port <= 0)
        return -1;
    snprintf(k->url, sizeof k->url, "http://127.0.0.1:%d", k->port);
    return 0;
}

int ks_stop(ks_node *k)
{
    int problems = 0;
    if (k->pid > 0) {
        kill(k->pid, SIGTERM);
        int status;
        waitpid(k->pid, &status, 0);
        k->pid = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "keystore did not exit cleanly (status %d); see %s\n", status, k->log);
            problems++;
        }
    }
    char *text = slurp(k->log);
    if (text && (strstr(text, "ERROR: AddressSanitizer") || strstr(text, "ERROR: LeakSanitizer") ||
                 strstr(text, "runtime error:"))) {
        fprintf(stderr, "sanitizer report in %s:\n%s\n", k->log, text);
        problems++;
    }
    free(text);
    return problems;
}

int ks_post(ks_node *k, const char *path, const char *token, json_t *body, json_t **out)
{
    char url[256], err[256];
    long status = -1;
    snprintf(url, sizeof url, "%s%s", k->url, path);
    hc_options o = {.timeout_ms = 60000, .bearer = token};
    *out = NULL;
    int r = hc_post_json(url, body, &o, &status, out, err, sizeof err);
    json_decref(body);
    if (r != 0)
        fprintf(stderr, "POST %s: %s\n", path, err);
    return r == 0 ? (int)status : -1;
}

int ks_get(ks_node *k, const char *path, json_t **out)
{
    char url[256], err[256];
    long status = -1;
    snprintf(url, sizeof url, "%s%s", k->url, path);
    hc_options o = {.timeout_ms = 30000};
    *out = NULL;
    return hc_get_json(url, &o, &status, out, err, sizeof err) == 0 ? (int)status : -1;
}

char *ks_seal(ks_node *k, const char *seed, const char *plaintext)
{
    json_t *out = NULL;
    int st = ks_post(k, "/pubkey", KS_TEST_TOKEN, json_pack("{s:s}", "seed", seed), &out);
    const char *hex = json_string_value(json_object_get(out, "pubkey"));
    uint8_t pk[32];
    char err[256];
    char *blob = NULL;
    if (st == 200 && hex && sec_unhex(hex, pk, sizeof pk) == 0) {
        blob = sec_blob_seal(pk, (const uint8_t *)plaintext, strlen(plaintext), err, sizeof err);
        if (!blob)
            fprintf(stderr, "seal for %s: %s\n", seed, err);
    } else {
        fprintf(stderr, "/pubkey for %s: status %d\n", seed, st);
    }
    json_decref(out);
    return blob;
}

void ks_cleanup(ks_node *k)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", k->dir, k->log);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", k->dir);
}

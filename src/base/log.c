/* log.c — see log.h. */
#include "base/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static _Atomic int g_level = LOG_INFO;
static _Atomic int g_fd = 2;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, LEVEL_NAMES[i]) == 0)
            return i;
    if (strcasecmp(name, "warning") == 0)
        return LOG_WARN;
    return -1;
}

void log_init_from_env(void)
{
    int lvl = log_parse_level(getenv("LOG_LEVEL"));
    if (lvl >= 0)
        g_level = lvl;
}

void log_set_level(log_level level) { g_level = (int)level; }
log_level log_get_level(void) { return (log_level)g_level; }
int log_enabled(log_level level) { return (int)level >= g_level; }
void log_set_fd(int fd) { g_fd = fd; }

void log_msg(log_level level, const char *component, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char line[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                     LEVEL_NAMES[level < 0 || level > 3 ? 1 : level], component ? component : "-");
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    /* One event, one line: newlines inside a message would let input forge
     * extra log lines, so they become spaces. */
    for (size_t i = (size_t)n; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    ssize_t w = write(g_fd, line, len);
    (void)w;
}

static int is_token_end(char c)
{
    return c == '\0' || isspace((unsigned char)c) || c == '"' || c == '\'' || c == ',' || c == '&' || c == ';';
}

static const char *const SECRET_PARAMS[] = {"token=", "access_token=", "api_key=", "key="};

void log_redact_bearer(const char *in, char *out, size_t out_size)
{
    if (!out || out_size == 0)
        return;
    size_t o = 0;
    const char *p = in ? in : "";
    while (*p && o + 1 < out_size) {
        size_t skip = 0;
        if (strncasecmp(p, "bearer ", 7) == 0) {
            skip = 7;
        } else if (p == in || p[-1] == '?' || p[-1] == '&') {
            for (size_t i = 0; i < sizeof SECRET_PARAMS / sizeof *SECRET_PARAMS; i++) {
                size_t l = strlen(SECRET_PARAMS[i]);
                if (strncasecmp(p, SECRET_PARAMS[i], l) == 0) {
                    skip = l;
                    break;
                }
            }
        }
        if (skip) {
            for (size_t i = 0; i < skip && o + 1 < out_size; i++)
                out[o++] = p[i];
            p += skip;
            while (*p == ' ')
                p++;
            if (!is_token_end(*p)) {
                const char *r = "[redacted]";
                for (size_t i = 0; r[i] && o + 1 < out_size; i++)
                    out[o++] = r[i];
                while (!is_token_end(*p))
                    p++;
            }
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

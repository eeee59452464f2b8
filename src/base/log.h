/* log.h — one line per event: timestamp, level, component, message.
 *
 * The level comes from the environment (LOG_LEVEL=debug|info|warn|error,
 * default info) or from log_set_level(). Lines go to stderr, written with one
 * write() each so lines from different threads never interleave.
 *
 * Secrets never belong in a log line; keeping them out is the caller's job.
 * log_redact_bearer() helps with the most common leak: an Authorization
 * header or a URL that carries a token. */
#ifndef OUTLAYER_BASE_LOG_H
#define OUTLAYER_BASE_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

/* Reads LOG_LEVEL from the environment (unknown values keep the default). */
void log_init_from_env(void);
void log_set_level(log_level level);
log_level log_get_level(void);
/* "debug" | "info" | "warn" | "error" -> level; returns -1 when unknown. */
int log_parse_level(const char *name);
int log_enabled(log_level level);

/* Redirects lines to fd (default 2). For tests. */
void log_set_fd(int fd);

void log_msg(log_level level, const char *component, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(comp, ...)                       \
    do {                                           \
        if (log_enabled(LOG_DEBUG))                \
            log_msg(LOG_DEBUG, comp, __VA_ARGS__); \
    } while (0)
#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)

/* Copies `in` to `out` (always NUL-terminated, truncated to out_size) with
 * every bearer token replaced by "[redacted]": the text after "Bearer "
 * (any case) up to the next whitespace, quote or comma, and the value of
 * query parameters named token, access_token, api_key or key. */
void log_redact_bearer(const char *in, char *out, size_t out_size);

#endif

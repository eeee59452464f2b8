/* config.h — typed options from environment variables with --flag overrides.
 *
 * A program describes its options once, in a table; cfg_parse() fills the
 * targets from (in increasing priority) the default, the environment variable
 * and the command-line flag, and cfg_print_help() prints the same table as
 * --help text. Bad values are refused with an error that names the option,
 * where the value came from and what was expected (values of CFG_SECRET
 * options are never echoed).
 *
 * Flags: --name=value or --name value; a CFG_BOOL flag alone means true.
 * Parsing stops at the first argument that does not start with "--" (a
 * subcommand) or after "--"; its index is returned through *next_arg. */
#ifndef OUTLAYER_BASE_CONFIG_H
#define OUTLAYER_BASE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    CFG_STRING,   /* char **target (malloc'd; NULL when unset and no default) */
    CFG_SECRET,   /* like CFG_STRING, but the value is never printed */
    CFG_URL,      /* char **: http(s)://host[:port][/path], or a scheme listed in url_schemes */
    CFG_INT,      /* int64_t *target, within [min, max] */
    CFG_PORT,     /* int *target, 0..65535 (0 = let the OS choose) */
    CFG_SIZE,     /* int64_t *target in bytes; suffixes B, K/KB/KiB, M/MB/MiB, G/GB/GiB (all
                     binary); a bare number is multiplied by `scale` (e.g. 1<<20 for "MB" options) */
    CFG_DURATION, /* int64_t *target in milliseconds; suffixes ms, s, m, h; a bare number is
                     multiplied by `scale` (1000 for options counted in seconds) */
    CFG_BOOL,     /* int *target: true/false/1/0/yes/no/on/off */
} cfg_type;

typedef struct {
    const char *name; /* flag name without the leading "--" */
    const char *env;  /* environment variable, or NULL */
    const char *def;  /* default as text, or NULL (unset) */
    const char *help; /* one-line description */
    cfg_type type;
    void *target;
    int64_t min, max;        /* CFG_INT / CFG_SIZE / CFG_DURATION bounds; both 0 = unbounded */
    int64_t scale;           /* CFG_SIZE / CFG_DURATION: unit of a bare number; 0 = 1 (bytes) or 1000 (s) */
    const char *url_schemes; /* CFG_URL: extra accepted schemes, comma-separated ("sqlite,postgres") */
} cfg_option;

enum { CFG_OK = 0, CFG_HELP = 1, CFG_ERROR = -1 };

/* Returns CFG_OK, CFG_HELP (--help or -h seen; nothing else reported) or
 * CFG_ERROR with err filled. next_arg (may be NULL) receives the index of the
 * first argument that is not an option. */
int cfg_parse(const cfg_option *opts, size_t n, int argc, char **argv, int *next_arg, char *err, size_t err_size);

/* Frees the strings cfg_parse stored in CFG_STRING/CFG_SECRET/CFG_URL targets. */
void cfg_free(const cfg_option *opts, size_t n);

void cfg_print_help(FILE *out, const char *usage, const cfg_option *opts, size_t n);

/* The individual value parsers (also used by tests). Each returns 0 or -1. */
int cfg_parse_int(const char *s, int64_t *out);
int cfg_parse_size(const char *s, int64_t scale, int64_t *out);
int cfg_parse_duration(const char *s, int64_t scale, int64_t *out);
int cfg_parse_bool(const char *s, int *out);
int cfg_check_url(const char *s, const char *extra_schemes);

#endif

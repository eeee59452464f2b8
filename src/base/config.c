/* config.c — see config.h. */
#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cfg_parse_int(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || isspace((unsigned char)*s))
        return -1;
    *out = v;
    return 0;
}

/* Number followed by an optional suffix; suffix matched case-insensitively. */
static int split_number(const char *s, double *num, const char **suffix)
{
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || v != v)
        return -1;
    *num = v;
    *suffix = end;
    return 0;
}

static int scaled(double v, double mult, int64_t *out)
{
    double r = v * mult;
    if (r > 9.2e18)
        return -1;
    *out = (int64_t)(r + 0.5);
    return 0;
}

int cfg_parse_size(const char *s, int64_t scale, int64_t *out)
{
    double v;
    const char *suf;
    if (split_number(s, &v, &suf))
        return -1;
    double mult;
    if (!*suf)
        mult = (double)(scale ? scale : 1);
    else if (!strcasecmp(suf, "b"))
        mult = 1;
    else if (!strcasecmp(suf, "k") || !strcasecmp(suf, "kb") || !strcasecmp(suf, "kib"))
        mult = 1024.0;
    else if (!strcasecmp(suf, "m") || !strcasecmp(suf, "mb") || !strcasecmp(suf, "mib"))
        mult = 1048576.0;
    else if (!strcasecmp(suf, "g") || !strcasecmp(suf, "gb") || !strcasecmp(suf, "gib"))
        mult = 1073741824.0;
    else
        return -1;
    return scaled(v, mult, out);
}

int cfg_parse_duration(const char *s, int64_t scale, int64_t *out)
{
    double v;
    const char *suf;
    if (split_number(s, &v, &suf))
        return -1;
    double mult;
    if (!*suf)
        mult = (double)(scale ? scale : 1000);
    else if (!strcmp(suf, "ms"))
        mult = 1;
    else if (!strcmp(suf, "s"))
        mult = 1000;
    else if (!strcmp(suf, "m"))
        mult = 60000;
    else if (!strcmp(suf, "h"))
        mult = 3600000;
    else
        return -1;
    return scaled(v, mult, out);
}

int cfg_parse_bool(const char *s, int *out)
{
    if (!s)
        return -1;
    static const char *const T[] = {"true", "1", "yes", "on"}, *const F[] = {"false", "0", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, T[i])) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(s, F[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int scheme_listed(const char *scheme, size_t len, const char *list)
{
    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t l = comma ? (size_t)(comma - list) : strlen(list);
        if (l == len && strncasecmp(list, scheme, len) == 0)
            return 1;
        list = comma ? comma + 1 : NULL;
    }
    return 0;
}

int cfg_check_url(const char *s, const char *extra_schemes)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return -1;
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return -1;
    size_t slen = (size_t)(colon - s);
    if (scheme_listed(s, slen, extra_schemes))
        return 0;
    if (!((slen == 4 && !strncasecmp(s, "http", 4)) || (slen == 5 && !strncasecmp(s, "https", 5))))
        return -1;
    if (strncmp(colon, "://", 3) != 0)
        return -1;
    const char *host = colon + 3;
    size_t hlen = strcspn(host, ":/?#");
    if (hlen == 0)
        return -1;
    if (host[hlen] == ':') {
        const char *port = host + hlen + 1;
        size_t plen = strspn(port, "0123456789");
        if (plen == 0 || plen > 5 || atoi(port) > 65535 || (port[plen] && !strchr("/?#", port[plen])))
            return -1;
    }
    return 0;
}

static void set_err(char *err, size_t err_size, const cfg_option *o, const char *origin, const char *value,
                    const char *expected)
{
    if (!err || !err_size)
        return;
    int secret = o->type == CFG_SECRET;
    /* URLs may carry a password (postgres://user:pass@host): drop the userinfo */
    char shown[512];
    const char *sep = value ? strstr(value, "://") : NULL;
    const char *at = sep ? strchr(sep + 3, '@') : NULL;
    if (o->type == CFG_URL && at && (!strchr(sep + 3, '/') || at < strchr(sep + 3, '/'))) {
        snprintf(shown, sizeof shown, "%.*s***%s", (int)(sep + 3 - value), value, at);
        value = shown;
    }
    snprintf(err, err_size, "invalid value %s%s%s for %s (from %s): expected %s", secret ? "" : "'",
             secret ? "(hidden)" : value, secret ? "" : "'", o->name, origin, expected);
}

static int apply(const cfg_option *o, const char *value, const char *origin, char *err, size_t err_size)
{
    int64_t v64;
    int vi;
    switch (o->type) {
    case CFG_STRING:
    case CFG_SECRET:
    case CFG_URL: {
        if (o->type == CFG_URL && value && *value && cfg_check_url(value, o->url_schemes)) {
            char exp[160];
            snprintf(exp, sizeof exp, "a URL such as http://host:port%s%s", o->url_schemes ? " or scheme " : "",
                     o->url_schemes ? o->url_schemes : "");
            set_err(err, err_size, o, origin, value, exp);
            return -1;
        }
        char **t = o->target;
        free(*t);
        *t = value ? strdup(value) : NULL;
        return 0;
    }
    case CFG_INT:
        if (cfg_parse_int(value, &v64) || ((o->min || o->max) && (v64 < o->min || v64 > o->max))) {
            char exp[96];
            if (o->min || o->max)
                snprintf(exp, sizeof exp, "an integer from %lld to %lld", (long long)o->min, (long long)o->max);
            else
                snprintf(exp, sizeof exp, "an integer");
            set_err(err, err_size, o, origin, value, exp);
            return -1;
        }
        *(int64_t *)o->target = v64;
        return 0;
    case CFG_PORT:
        if (cfg_parse_int(value, &v64) || v64 < 0 || v64 > 65535) {
            set_err(err, err_size, o, origin, value, "a TCP port from 0 to 65535");
            return -1;
        }
        *(int *)o->target = (int)v64;
        return 0;
    case CFG_SIZE:
        if (cfg_parse_size(value, o->scale, &v64) || ((o->min || o->max) && (v64 < o->min || v64 > o->max))) {
            set_err(err, err_size, o, origin, value, "a size such as 64MB, 1GiB or 512K (within range)");
            return -1;
        }
        *(int64_t *)o->target = v64;
        return 0;
    case CFG_DURATION:
        if (cfg_parse_duration(value, o->scale, &v64) || ((o->min || o->max) && (v64 < o->min || v64 > o->max))) {
            set_err(err, err_size, o, origin, value, "a duration such as 30s, 500ms, 5m or 1h (within range)");
            return -1;
        }
        *(int64_t *)o->target = v64;
        return 0;
    case CFG_BOOL:
        if (cfg_parse_bool(value, &vi)) {
            set_err(err, err_size, o, origin, value, "true or false");
            return -1;
        }
        *(int *)o->target = vi;
        return 0;
    }
    return -1;
}

static const cfg_option *find_flag(const cfg_option *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

int cfg_parse(const cfg_option *opts, size_t n, int argc, char **argv, int *next_arg, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = '\0';
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return CFG_HELP;
        else if (!strcmp(argv[i], "--"))
            break;

    for (size_t i = 0; i < n; i++) {
        const cfg_option *o = &opts[i];
        if (o->type == CFG_STRING || o->type == CFG_SECRET || o->type == CFG_URL)
            *(char **)o->target = NULL;
        if (o->def && apply(o, o->def, "default", err, err_size))
            return CFG_ERROR;
        const char *ev = o->env ? getenv(o->env) : NULL;
        if (ev) {
            char origin[128];
            snprintf(origin, sizeof origin, "environment variable %s", o->env);
            if (apply(o, ev, origin, err, err_size))
                return CFG_ERROR;
        }
    }
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) != 0)
            break;
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cfg_option *o = find_flag(opts, n, name, len);
        if (!o) {
            snprintf(err, err_size, "unknown option --%.*s (see --help)", (int)len, name);
            return CFG_ERROR;
        }
        const char *value;
        if (eq)
            value = eq + 1;
        else if (o->type == CFG_BOOL && (i + 1 >= argc || cfg_parse_bool(argv[i + 1], &(int){0}) != 0))
            value = "true";
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            snprintf(err, err_size, "option --%s needs a value", o->name);
            return CFG_ERROR;
        }
        char origin[128];
        snprintf(origin, sizeof origin, "flag --%s", o->name);
        if (apply(o, value, origin, err, err_size))
            return CFG_ERROR;
    }
    if (next_arg)
        *next_arg = i;
    return CFG_OK;
}

void cfg_free(const cfg_option *opts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (opts[i].type == CFG_STRING || opts[i].type == CFG_SECRET || opts[i].type == CFG_URL) {
            free(*(char **)opts[i].target);
            *(char **)opts[i].target = NULL;
        }
}

static const char *type_hint(cfg_type t)
{
    switch (t) {
    case CFG_STRING: return "TEXT";
    case CFG_SECRET: return "SECRET";
    case CFG_URL: return "URL";
    case CFG_INT: return "N";
    case CFG_PORT: return "PORT";
    case CFG_SIZE: return "SIZE";
    case CFG_DURATION: return "DURATION";
    case CFG_BOOL: return "BOOL";
    }
    return "VALUE";
}

void cfg_print_help(FILE *out, const char *usage, const cfg_option *opts, size_t n)
{
    if (usage)
        fprintf(out, "%s\n\n", usage);
    fprintf(out, "Options (flag / environment variable / default):\n");
    for (size_t i = 0; i < n; i++) {
        const cfg_option *o = &opts[i];
        char flag[96];
        snprintf(flag, sizeof flag, "--%s %s", o->name, type_hint(o->type));
        fprintf(out, "  %-34s %s\n", flag, o->help ? o->help : "");
        fprintf(out, "  %-34s env %s, default %s\n", "", o->env ? o->env : "(none)",
                o->def ? (o->type == CFG_SECRET ? "(set)" : (*o->def ? o->def : "\"\"")) : "(unset)");
    }
    fprintf(out, "  %-34s %s\n", "--help", "print this text");
}

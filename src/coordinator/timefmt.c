/* timefmt.c — see timefmt.h. */
#include "coordinator/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void split(int64_t ms, struct tm *tm, int *frac)
{
    time_t secs = (time_t)(ms / 1000);
    *frac = (int)(ms % 1000);
    gmtime_r(&secs, tm);
}

void tf_f1(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    int f;
    split(ms, &tm, &f);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, f);
}

void tf_f2(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    int f;
    split(ms, &tm, &f);
    if (f)
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, f);
    else
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void tf_f3(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    int f;
    split(ms, &tm, &f);
    char frac[8] = "";
    if (f) {
        snprintf(frac, sizeof frac, ".%03d", f);
        size_t l = strlen(frac);
        while (l > 1 && frac[l - 1] == '0')
            frac[--l] = 0;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
}

/*
 * Times of the record in the meeting's time zone. libical reads the zone from
 * the system's zoneinfo (Debian's tzdata) and answers the two questions the
 * record asks: what is the UTC offset at a given instant, and which instant is
 * a local wall-clock time of the definition. Formatting is done here from the
 * broken-down UTC time plus that offset, so that nothing depends on the
 * process's TZ variable or locale.
 *
 * libical keeps its zones in a process-wide cache that is not freed; the
 * report is built on one thread at a time.
 */
#include "report/report_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int gv__zone_find(const char *name, icaltimezone **zone, gv_error *err)
{
    *zone = NULL;
    if (!name || !*name)
        return gv_error_set(err, GV_EINVAL, "the meeting has no time zone");
    icaltimezone *z = icaltimezone_get_builtin_timezone(name);
    if (!z)
        return gv_error_set(err, GV_EINVAL,
                            "time zone \"%s\" is not in this system's zoneinfo database "
                            "(install the tzdata package)",
                            name);
    *zone = z;
    return 0;
}

/* Offset of local time from UTC at the instant `secs`, in seconds. */
static int offset_at(icaltimezone *zone, time_t secs)
{
    struct icaltimetype utc =
        icaltime_from_timet_with_zone(secs, 0, icaltimezone_get_utc_timezone());
    return icaltimezone_get_utc_offset_of_utc_time(zone, &utc, NULL);
}

static void iso(char *out, size_t size, time_t secs, int frac_ms, const char *suffix)
{
    struct tm tm;
    gmtime_r(&secs, &tm);
    char frac[8] = "";
    if (frac_ms)
        snprintf(frac, sizeof frac, ".%03d", frac_ms);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, suffix);
}

json_t *gv__time_json(icaltimezone *zone, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    int frac = (int)(ms % 1000);
    if (frac < 0) {
        secs -= 1;
        frac += 1000;
    }
    int off = offset_at(zone, secs);
    char utc[128], local[128], suffix[32]; /* room for any int the fields could hold */
    iso(utc, sizeof utc, secs, frac, "Z");
    /* RFC 3339 offsets have no seconds; zones have had none since the 1970s. */
    int aoff = off < 0 ? -off : off;
    snprintf(suffix, sizeof suffix, "%c%02d:%02d", off < 0 ? '-' : '+', aoff / 3600,
             aoff / 60 % 60);
    iso(local, sizeof local, secs + off, frac, suffix);
    return json_pack("{s:I, s:s, s:s}", "ms", (json_int_t)ms, "utc", utc, "local", local);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int gv__local_to_ms(icaltimezone *zone, const char *local, int64_t *ms, gv_error *err)
{
    int y, mo, d, h, mi;
    if (!local || strlen(local) != 16 || local[4] != '-' || local[7] != '-' || local[10] != 'T' ||
        local[13] != ':' || !digits(local, 4, &y) || !digits(local + 5, 2, &mo) ||
        !digits(local + 8, 2, &d) || !digits(local + 11, 2, &h) || !digits(local + 14, 2, &mi) ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
        return gv_error_set(err, GV_EINVAL, "\"%s\" is not a local time YYYY-MM-DDTHH:MM",
                            local ? local : "(none)");
    struct icaltimetype t = icaltime_null_time();
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = h;
    t.minute = mi;
    t.second = 0;
    t.is_date = 0;
    *ms = (int64_t)icaltime_as_timet_with_zone(t, zone) * 1000;
    return 0;
}

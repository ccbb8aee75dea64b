/*
 * The definition validator: one walk over the JSON definition that reports
 * every problem, and that can fill in a meeting as it goes.
 *
 * When checking (w->out == NULL) the walk only reports problems; when loading
 * (definition.c) it also copies each value into a staging meeting as it
 * passes. Checking and building in the same code keeps them from drifting
 * apart: whatever passes `gavel validate` is exactly what a meeting loads.
 *
 * Every problem is reported with the JSON node it concerns (gv_def_problem)
 * and the JSON path kept in w->path during the walk, so that the YAML reader
 * can point at a line and column and the JSON loader at "people[3].group".
 * The walk goes on after a problem, so that one run reports all of them.
 *
 * The walk order is meeting, documents, guiding_questions, people, agenda:
 * people come before the agenda because items name their planned speakers by
 * person id.
 *
 * Durations are written in minutes (decimals allowed) and kept in
 * milliseconds, rounded to the second.
 */
#include "core/definition.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/definition_internal.h"
#include "core/meeting_internal.h"

/* Longest BCP 47 language tag accepted (RFC 5646 recommends supporting 35). */
#define LANGUAGE_MAX_BYTES 35

/* ---- the walker ---------------------------------------------------------------------------- */

typedef struct walker {
    gv_def_report_fn report;
    void *ud;
    gv_zone_fn zone_exists;
    void *zone_ud;
    int problems;
    bool nomem;
    char path[256]; /** JSON path of the node being walked */
    size_t plen;
    gv_meeting *out;    /** staging meeting to fill; NULL when only checking */
    json_t *person_ids; /** person id -> index of the first person with it */
    bool people_listed; /** the people list could be read: speakers can be checked */
    bool roles_unread;  /** someone's roles could not be read: who presides is unknown */
} walker;

/* A value's place: parent[key] for an object, parent[index] for an array. */
typedef struct loc {
    const json_t *parent;
    const char *key;
    size_t index;
} loc;

#define IN_OBJECT(obj, k) ((loc){(obj), (k), 0})
#define IN_ARRAY(arr, i)  ((loc){(arr), NULL, (i)})

static size_t path_push(walker *w, const char *key, size_t index)
{
    size_t mark = w->plen, room = sizeof w->path - w->plen;
    int n = key ? snprintf(w->path + w->plen, room, "%s%s", w->plen ? "." : "", key)
                : snprintf(w->path + w->plen, room, "[%zu]", index);
    if (n > 0)
        w->plen += (size_t)n < room ? (size_t)n : room - 1;
    return mark;
}

static void path_pop(walker *w, size_t mark)
{
    w->plen = mark;
    w->path[mark] = '\0';
}

bool gv__def_problem_vformat(int count, char *msg, size_t size, const char *fmt, va_list ap)
{
    if (count > GV_DEF_PROBLEMS_MAX)
        return false;
    if (count == GV_DEF_PROBLEMS_MAX)
        snprintf(msg, size, "more problems follow; fix the first %d and check again",
                 GV_DEF_PROBLEMS_MAX - 1);
    else
        vsnprintf(msg, size, fmt, ap);
    return true;
}

void gv__def_problem_text(const gv_def_problem *p, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", p->path, *p->path ? ": " : "", p->msg);
}

static void vproblem(walker *w, int code, gv_def_at at, const json_t *node, const char *key,
                     size_t index, const char *fmt, va_list ap)
{
    char msg[640];
    w->problems++;
    if (!w->report || !gv__def_problem_vformat(w->problems, msg, sizeof msg, fmt, ap))
        return;
    size_t mark = w->plen;
    if (at == GV_DEF_AT_VALUE)
        path_push(w, key, index);
    gv_def_problem p = {.code = code,
                        .at = at,
                        .node = node,
                        .key = key,
                        .index = index,
                        .path = w->path,
                        .msg = msg};
    w->report(&p, w->ud);
    path_pop(w, mark);
}

static void problem(walker *w, int code, gv_def_at at, const json_t *node, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void problem(walker *w, int code, gv_def_at at, const json_t *node, const char *key,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(w, code, at, node, key, 0, fmt, ap);
    va_end(ap);
}

/* A problem with the value at l. */
static void bad(walker *w, loc l, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(walker *w, loc l, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(w, code, GV_DEF_AT_VALUE, l.parent, l.key, l.index, fmt, ap);
    va_end(ap);
}

static void missing(walker *w, const json_t *obj, const char *key)
{
    problem(w, GV_EINVAL, GV_DEF_AT_NODE, obj, key, "field \"%s\" is required", key);
}

/* What a value is, in words a person writing YAML knows. */
static const char *type_words(const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        return "text";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true/false";
    case JSON_ARRAY:
        return "a list";
    case JSON_OBJECT:
        return "a mapping";
    default:
        return "empty";
    }
}

/* A field's value; absent and null are the same: NULL. */
static const json_t *get(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static bool is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}
static bool is_alpha(int c)
{
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}
static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* ---- did you mean ------------------------------------------------------------------------- */

/* Edit distance (optimal string alignment, ignoring ASCII case); large for long strings. */
static size_t distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX || lb > MAX)
        return (size_t)-1;
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost =
                ascii_lower((unsigned char)a[i - 1]) != ascii_lower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* Whether `candidate` is close enough to `s` to be what was meant. */
static bool near(const char *s, const char *candidate, size_t *best)
{
    size_t len = strlen(s), limit = len <= 3 ? 1 : len <= 6 ? 2 : 3, clen = strlen(candidate);
    if ((clen > len ? clen - len : len - clen) > limit)
        return false;
    size_t d = distance(s, candidate);
    if (d > limit || d >= *best || strcmp(s, candidate) == 0)
        return false;
    *best = d;
    return true;
}

static const char *closest(const char *s, const char *const *names, int n)
{
    const char *found = NULL;
    size_t best = (size_t)-1;
    for (int i = 0; i < n; i++)
        if (near(s, names[i], &best))
            found = names[i];
    return found;
}

/* "a, b, c" into buf. */
static void join(char *buf, size_t size, const char *const *names, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

static int count_names(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

/* Reports every key of obj that is not in the NULL-ended `allowed`. */
static void only(walker *w, const json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    const json_t *v;
    int n = count_names(allowed);
    json_object_foreach((json_t *)obj, key, v)
    {
        if (gv__name_index(allowed, n, key) >= 0)
            continue;
        const char *guess = closest(key, allowed, n);
        if (guess) {
            problem(w, GV_EINVAL, GV_DEF_AT_KEY, obj, key,
                    "unknown field \"%.80s\"; did you mean \"%s\"?", key, guess);
        } else {
            char list[400];
            join(list, sizeof list, allowed, n);
            problem(w, GV_EINVAL, GV_DEF_AT_KEY, obj, key,
                    "unknown field \"%.80s\"; the fields of %s are: %s", key, what, list);
        }
    }
}

/* ---- values -------------------------------------------------------------------------------- */

enum {
    S_REQUIRED = 1u << 0, /* present and not blank */
    S_LINE = 1u << 1,     /* one line: no control characters at all */
    S_TEXT = 1u << 2,     /* may hold line breaks and tabs, no other control characters */
    S_ID = 1u << 3,       /* a-z 0-9 - _ */
    S_SLUG = 1u << 4,     /* a-z 0-9 - */
};

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* The string at l, checked; NULL (with a problem reported) when it is not acceptable. */
static const char *check_string(walker *w, loc l, const json_t *v, unsigned flags, size_t max)
{
    if (!json_is_string(v)) {
        bad(w, l, GV_EINVAL, "must be text, not %s%s", type_words(v),
            json_is_number(v) ? " (put it in quotes to make it text)" : "");
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len > max) {
        bad(w, l, GV_ELIMIT, "is %zu bytes long; at most %zu are allowed", len, max);
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool control = c < 0x20 || c == 0x7f;
        if (control && ((flags & S_LINE) || !(c == '\n' || c == '\t'))) {
            bad(w, l, GV_EINVAL, "contains the control character U+%04X%s", c,
                c == '\n' ? "; write it on one line" : "");
            return NULL;
        }
    }
    if ((flags & S_REQUIRED) && blank(s)) {
        bad(w, l, GV_EINVAL, "must not be empty");
        return NULL;
    }
    if (flags & (S_ID | S_SLUG)) {
        bool ok = len > 0;
        for (size_t i = 0; i < len && ok; i++)
            ok = is_lower(s[i]) || is_digit(s[i]) || s[i] == '-' || (s[i] == '_' && (flags & S_ID));
        if (!ok) {
            bad(w, l, GV_EINVAL,
                "\"%s\" is not a valid id: use 1 to %d lowercase letters a-z, "
                "digits 0-9 and '-'%s",
                s, GV_DEF_ID_MAX_BYTES, (flags & S_ID) ? " or '_'" : "");
            return NULL;
        }
    }
    return s;
}

static const char *string_field(walker *w, const json_t *obj, const char *key, unsigned flags,
                                size_t max)
{
    const json_t *v = get(obj, key);
    if (!v) {
        if (flags & S_REQUIRED)
            missing(w, obj, key);
        return NULL;
    }
    return check_string(w, IN_OBJECT(obj, key), v, flags, max);
}

/* Index into names of the field's value; dflt when absent or bad. */
static int enum_value(walker *w, loc l, const json_t *v, const char *const *names, int n,
                      const char *what, int dflt)
{
    char list[300];
    join(list, sizeof list, names, n);
    if (!json_is_string(v)) {
        bad(w, l, GV_EINVAL, "must be one of: %s (not %s)", list, type_words(v));
        return dflt;
    }
    const char *s = json_string_value(v);
    int i = gv__name_index(names, n, s);
    if (i >= 0)
        return i;
    const char *guess = closest(s, names, n);
    if (guess)
        bad(w, l, GV_EINVAL, "\"%.80s\" is not %s; did you mean \"%s\"? (one of: %s)", s, what,
            guess, list);
    else
        bad(w, l, GV_EINVAL, "\"%.80s\" is not %s; use one of: %s", s, what, list);
    return dflt;
}

static int enum_field(walker *w, const json_t *obj, const char *key, bool required,
                      const char *const *names, int n, const char *what, int dflt)
{
    const json_t *v = get(obj, key);
    if (!v) {
        if (required)
            missing(w, obj, key);
        return dflt;
    }
    return enum_value(w, IN_OBJECT(obj, key), v, names, n, what, dflt);
}

static bool bool_field(walker *w, const json_t *obj, const char *key)
{
    const json_t *v = get(obj, key);
    if (v && !json_is_boolean(v))
        bad(w, IN_OBJECT(obj, key), GV_EINVAL, "must be true or false, not %s", type_words(v));
    return json_is_true(v);
}

/* A duration in minutes, as milliseconds rounded to the second; 0 when absent or bad. */
static int64_t minutes_field(walker *w, const json_t *obj, const char *key, bool required)
{
    const json_t *v = get(obj, key);
    loc l = IN_OBJECT(obj, key);
    if (!v) {
        if (required)
            missing(w, obj, key);
        return 0;
    }
    if (!json_is_number(v)) {
        bad(w, l, GV_EINVAL, "must be a number of minutes, not %s", type_words(v));
        return 0;
    }
    double x = json_number_value(v);
    if (!(x > 0)) {
        bad(w, l, GV_EINVAL, "must be more than 0 minutes");
        return 0;
    }
    if (x > GV_DEF_MINUTES_MAX) {
        bad(w, l, GV_ELIMIT, "is %g minutes; at most %d (a day) are allowed", x,
            GV_DEF_MINUTES_MAX);
        return 0;
    }
    int64_t seconds = (int64_t)(x * 60.0 + 0.5);
    if (seconds < 1) {
        bad(w, l, GV_EINVAL, "is %g minutes, less than a second", x);
        return 0;
    }
    return seconds * 1000;
}

/* An object-valued field; NULL when absent or not a mapping. */
static const json_t *object_field(walker *w, const json_t *obj, const char *key, bool required)
{
    const json_t *v = get(obj, key);
    if (!v) {
        if (required)
            missing(w, obj, key);
        return NULL;
    }
    if (!json_is_object(v)) {
        bad(w, IN_OBJECT(obj, key), GV_EINVAL, "must be a mapping of fields, not %s",
            type_words(v));
        return NULL;
    }
    return v;
}

/* A list field of min..max entries; NULL when absent or unusable. */
static const json_t *list_field(walker *w, const json_t *obj, const char *key, bool required,
                                size_t min, size_t max, const char *what)
{
    const json_t *v = get(obj, key);
    loc l = IN_OBJECT(obj, key);
    if (!v) {
        if (required)
            missing(w, obj, key);
        return NULL;
    }
    if (!json_is_array(v)) {
        bad(w, l, GV_EINVAL, "must be a list of %ss, not %s", what, type_words(v));
        return NULL;
    }
    size_t n = json_array_size(v);
    if (n < min) {
        bad(w, l, GV_EINVAL, "must list at least one %s", what);
        return NULL;
    }
    if (n > max) {
        bad(w, l, GV_ELIMIT, "lists %zu %ss; at most %zu are allowed", n, what, max);
        return NULL;
    }
    return v;
}

/* Element i of a list must be a mapping; reported against the list otherwise. */
static const json_t *entry(walker *w, const json_t *list, size_t i, const char *what)
{
    const json_t *v = json_array_get(list, i);
    if (json_is_object(v))
        return v;
    bad(w, IN_ARRAY(list, i), GV_EINVAL, "each %s must be a mapping of fields, not %s", what,
        type_words(v));
    return NULL;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* "YYYY-MM-DDTHH:MM", a real date and time. */
static bool local_time_ok(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
            return false;
    int year = atoi(s), month = atoi(s + 5), day = atoi(s + 8), hour = atoi(s + 11),
        minute = atoi(s + 14);
    return year >= 1970 && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month(year, month) && hour <= 23 && minute <= 59;
}

/* Days from 1970-01-01 to the civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM" and its UTC offset ("Z", "+01:00", "-05:00"): *ms since 1970. */
static bool instant_ok(const char *s, int64_t *ms)
{
    char local[17];
    size_t len = strlen(s);
    if (len < 17 || len > 22)
        return false;
    memcpy(local, s, 16);
    local[16] = '\0';
    if (!local_time_ok(local))
        return false;
    const char *z = s + 16;
    int offset_min = 0;
    if (strcmp(z, "Z") != 0) {
        if (strlen(z) != 6 || (z[0] != '+' && z[0] != '-') || !is_digit(z[1]) || !is_digit(z[2]) ||
            z[3] != ':' || !is_digit(z[4]) || !is_digit(z[5]))
            return false;
        int hours = atoi(z + 1), minutes = atoi(z + 4);
        if (hours > 14 || minutes > 59)
            return false;
        offset_min = (z[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    }
    int64_t days = days_from_civil(atoi(s), atoi(s + 5), atoi(s + 8));
    int64_t minute = days * 1440 + atoi(s + 11) * 60 + atoi(s + 14) - offset_min;
    if (minute < 0)
        return false;
    *ms = minute * 60000;
    return true;
}

/* A moment with its UTC offset; *ms 0 when absent or bad. */
static const char *instant_field(walker *w, const json_t *obj, const char *key, bool required,
                                 int64_t *ms)
{
    *ms = 0;
    const char *s = string_field(w, obj, key, (required ? S_REQUIRED : 0) | S_LINE, 64);
    if (s && !instant_ok(s, ms)) {
        bad(w, IN_OBJECT(obj, key), GV_EINVAL,
            "\"%s\" is not a date and time with its UTC offset: write "
            "YYYY-MM-DDTHH:MM+HH:MM, like 2022-03-24T10:00+01:00 (10:00 in Geneva in winter), "
            "or end with Z for UTC",
            s);
        return NULL;
    }
    return s;
}

static const char *time_field(walker *w, const json_t *obj, const char *key)
{
    const char *s = string_field(w, obj, key, S_REQUIRED | S_LINE, 64);
    if (s && !local_time_ok(s)) {
        bad(w, IN_OBJECT(obj, key), GV_EINVAL,
            "\"%s\" is not a local date and time: write YYYY-MM-DDTHH:MM, like "
            "2022-03-31T14:30 (no seconds, no offset: the time zone says where)",
            s);
        return NULL;
    }
    return s;
}

/* Area/Location[/Sub] names: parts of letters, digits, '_', '-', '+', each starting
 * with a letter, so no "..", no absolute path, no hidden file. */
static bool zone_syntax_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > GV_DEF_ZONE_MAX_BYTES)
        return false;
    for (const char *p = s;; p++) {
        if (!is_alpha(*p))
            return false;
        while (is_alpha(*p) || is_digit(*p) || *p == '_' || *p == '-' || *p == '+')
            p++;
        if (*p == '\0')
            return true;
        if (*p != '/')
            return false;
    }
}

static const char *zone_field(walker *w, const json_t *obj, const char *key)
{
    const char *s = string_field(w, obj, key, S_REQUIRED | S_LINE, GV_DEF_STRING_MAX_BYTES);
    loc l = IN_OBJECT(obj, key);
    if (!s)
        return NULL;
    if (!zone_syntax_ok(s)) {
        bad(w, l, GV_EINVAL,
            "\"%.80s\" is not a time zone name: use an IANA name such as Europe/Zurich or "
            "America/New_York",
            s);
        return NULL;
    }
    if (w->zone_exists && !w->zone_exists(s, w->zone_ud)) {
        bad(w, l, GV_EINVAL,
            "unknown time zone \"%s\": use an IANA name such as Europe/Zurich (names are "
            "case-sensitive)",
            s);
        return NULL;
    }
    return s;
}

static const char *link_field(walker *w, const json_t *obj, const char *key)
{
    const char *s = string_field(w, obj, key, S_LINE, GV_DEF_STRING_MAX_BYTES);
    loc l = IN_OBJECT(obj, key);
    if (!s || !*s)
        return s;
    size_t scheme = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    if (scheme == 0 || s[scheme] == '\0' || s[scheme] == '/') {
        bad(w, l, GV_EINVAL,
            "\"%.80s\" is not a web link: it must start with https:// (or "
            "http://) and a host name",
            s);
        return NULL;
    }
    if (strchr(s, ' ')) {
        bad(w, l, GV_EINVAL, "a link must not contain spaces; write them as %%20");
        return NULL;
    }
    return s;
}

/* BCP 47 shape: a 2-8 letter language, then subtags of 1-8 letters or digits. */
bool gv__language_ok(const char *s)
{
    size_t len = strlen(s), k = 0;
    if (len > LANGUAGE_MAX_BYTES)
        return false;
    while (is_alpha(s[k]))
        k++;
    if (k < 2 || k > 8)
        return false;
    for (const char *p = s + k; *p;) {
        if (*p++ != '-')
            return false;
        for (k = 0; is_alpha(p[k]) || is_digit(p[k]); k++)
            ;
        if (k < 1 || k > 8)
            return false;
        p += k;
    }
    return true;
}

/* ---- building ------------------------------------------------------------------------------ */

/* A copy for the staging meeting ("" for NULL); NULL when only checking. */
static char *keep(walker *w, const char *s)
{
    if (!w->out)
        return NULL;
    char *c = strdup(s ? s : "");
    if (!c)
        w->nomem = true;
    return c;
}

/* n zeroed elements for the staging meeting; NULL when only checking or n is 0. */
static void *keep_array(walker *w, size_t n, size_t size)
{
    if (!w->out || n == 0)
        return NULL;
    void *p = calloc(n, size);
    if (!p)
        w->nomem = true;
    return p;
}

/* ---- the parts of a definition ------------------------------------------------------------- */

static const char *const root_fields[] = {"meeting", "documents", "guiding_questions",
                                          "agenda",  "people",    NULL};
static const char *const meeting_fields[] = {
    "id",    "title",       "body",      "session",   "starts",       "ends", "timezone",
    "venue", "online_link", "languages", "questions", "translations", NULL};
static const char *const meeting_question_fields[] = {"anonymous", "moderated", NULL};
static const char *const meeting_translated[] = {"title", "body", "session", "venue", NULL};
static const char *const document_fields[] = {"symbol", "title", "link", "translations", NULL};
static const char *const title_translated[] = {"title", NULL};
static const char *const question_fields[] = {"id", "text", "translations", NULL};
static const char *const text_translated[] = {"text", NULL};
static const char *const person_fields[] = {
    "id",     "name", "function", "affiliation", "delegation", "group", "region",
    "gender", "mode", "roles",    "level",       "speaks",     NULL};
static const char *const item_fields[] = {"id",
                                          "title",
                                          "kind",
                                          "planned_minutes",
                                          "speaking",
                                          "policy",
                                          "list_closes_after_minutes",
                                          "speakers",
                                          "inscription",
                                          "translations",
                                          NULL};
static const char *const inscription_fields[] = {"opens", "closes", NULL};
static const char *const speaking_fields[] = {"limit_minutes", "warning_minutes", NULL};

/*
 * The optional "translations" of obj: a mapping from language tags to a
 * mapping of the `fields` (titles and texts) in that language, each as the
 * original field is written. Returns a copy for the staging meeting (NULL
 * when absent, when only checking, or on a problem).
 */
static json_t *walk_translations(walker *w, const json_t *obj, const char *const *fields)
{
    const json_t *tr = object_field(w, obj, "translations", false);
    if (!tr)
        return NULL;
    int problems = w->problems;
    size_t mark = path_push(w, "translations", 0);
    if (json_object_size(tr) > GV_DEF_LANGUAGES_MAX)
        bad(w, IN_OBJECT(obj, "translations"), GV_ELIMIT,
            "gives %zu languages; at most %d are allowed", json_object_size(tr),
            GV_DEF_LANGUAGES_MAX);
    const char *lang;
    const json_t *one;
    json_object_foreach((json_t *)tr, lang, one)
    {
        if (!gv__language_ok(lang)) {
            problem(w, GV_EINVAL, GV_DEF_AT_KEY, tr, lang,
                    "\"%.80s\" is not a language tag: use a BCP 47 code such as ar, zh, fr, "
                    "ru or es",
                    lang);
            continue;
        }
        const json_t *t = object_field(w, tr, lang, true);
        if (!t)
            continue;
        size_t lmark = path_push(w, lang, 0);
        only(w, t, fields, "a translation");
        for (const char *const *f = fields; *f; f++) {
            bool line = strcmp(*f, "title") != 0 && strcmp(*f, "text") != 0;
            string_field(w, t, *f, line ? S_LINE : S_TEXT,
                         line ? GV_DEF_STRING_MAX_BYTES : GV_DEF_TEXT_MAX_BYTES);
        }
        path_pop(w, lmark);
    }
    path_pop(w, mark);
    if (!w->out || w->problems != problems)
        return NULL;
    json_t *copy = json_deep_copy(tr);
    if (!copy)
        w->nomem = true;
    return copy;
}

/* A list of language tags: the meeting's "languages" (required), a
 * person's "speaks". *out and *n_out (when out is given) are the kept copy. */
static void language_list(walker *w, const json_t *obj, const char *key, bool required,
                          char ***out_list, size_t *n_out)
{
    const json_t *list = list_field(w, obj, key, required, 1, GV_DEF_LANGUAGES_MAX, "language");
    if (!list)
        return;
    size_t n = json_array_size(list), mark = path_push(w, key, 0);
    char **out = keep_array(w, n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        loc l = IN_ARRAY(list, i);
        const char *s =
            check_string(w, l, json_array_get(list, i), S_REQUIRED | S_LINE, LANGUAGE_MAX_BYTES);
        if (!s)
            continue;
        if (!gv__language_ok(s)) {
            bad(w, l, GV_EINVAL,
                "\"%s\" is not a language tag: use a BCP 47 code such as en, "
                "fr, zh-Hans or pt-BR",
                s);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const char *t = json_string_value(json_array_get(list, j));
            if (t && strcasecmp(s, t) == 0) {
                bad(w, l, GV_EINVAL, "language \"%s\" is listed twice", s);
                break;
            }
        }
        if (out)
            out[i] = keep(w, s);
    }
    path_pop(w, mark);
    if (out_list) {
        *out_list = out;
        *n_out = out ? n : 0;
    }
}

static void walk_languages(walker *w, const json_t *mt)
{
    language_list(w, mt, "languages", true, w->out ? &w->out->languages : NULL,
                  w->out ? &w->out->n_languages : NULL);
}

static void walk_meeting(walker *w, const json_t *root)
{
    const json_t *mt = object_field(w, root, "meeting", true);
    if (!mt)
        return;
    size_t mark = path_push(w, "meeting", 0);
    only(w, mt, meeting_fields, "the meeting");
    const char *id = string_field(w, mt, "id", S_REQUIRED | S_SLUG, GV_DEF_ID_MAX_BYTES);
    const char *title = string_field(w, mt, "title", S_REQUIRED | S_TEXT, GV_DEF_TEXT_MAX_BYTES);
    const char *body = string_field(w, mt, "body", S_REQUIRED | S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *session = string_field(w, mt, "session", S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *starts = time_field(w, mt, "starts");
    const char *ends = time_field(w, mt, "ends");
    if (starts && ends && strcmp(ends, starts) <= 0)
        bad(w, IN_OBJECT(mt, "ends"), GV_EINVAL, "the meeting ends (%s) %s it starts (%s)", ends,
            strcmp(ends, starts) == 0 ? "when" : "before", starts);
    const char *zone = zone_field(w, mt, "timezone");
    const char *venue = string_field(w, mt, "venue", S_REQUIRED | S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *link = link_field(w, mt, "online_link");
    walk_languages(w, mt);
    json_t *translations = walk_translations(w, mt, meeting_translated);
    bool anonymous = false, moderated = false;
    const json_t *q = object_field(w, mt, "questions", false);
    if (q) {
        size_t qmark = path_push(w, "questions", 0);
        only(w, q, meeting_question_fields, "meeting.questions");
        anonymous = bool_field(w, q, "anonymous");
        moderated = bool_field(w, q, "moderated");
        path_pop(w, qmark);
    }
    path_pop(w, mark);
    gv_meeting *o = w->out;
    if (o) {
        o->id = keep(w, id);
        o->title = keep(w, title);
        o->body = keep(w, body);
        o->session = keep(w, session);
        o->starts_local = keep(w, starts);
        o->ends_local = keep(w, ends);
        o->timezone = keep(w, zone);
        o->venue = keep(w, venue);
        o->online_link = keep(w, link);
        o->translations = translations;
        o->anonymous_questions = anonymous;
        o->moderated_questions = moderated;
    }
}

static void walk_documents(walker *w, const json_t *root)
{
    const json_t *list =
        list_field(w, root, "documents", false, 0, GV_DEF_DOCUMENTS_MAX, "document");
    if (!list)
        return;
    size_t n = json_array_size(list), mark = path_push(w, "documents", 0);
    gv_document *out = keep_array(w, n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const json_t *d = entry(w, list, i, "document");
        if (!d)
            continue;
        size_t imark = path_push(w, NULL, i);
        only(w, d, document_fields, "a document");
        const char *symbol = string_field(w, d, "symbol", S_LINE, GV_DEF_STRING_MAX_BYTES);
        const char *title = string_field(w, d, "title", S_REQUIRED | S_TEXT, GV_DEF_TEXT_MAX_BYTES);
        const char *link = link_field(w, d, "link");
        json_t *translations = walk_translations(w, d, title_translated);
        path_pop(w, imark);
        if (!out)
            json_decref(translations);
        if (out) {
            out[i].translations = translations;
            out[i].symbol = keep(w, symbol);
            out[i].title = keep(w, title);
            out[i].link = keep(w, link);
        }
    }
    path_pop(w, mark);
    if (w->out) {
        w->out->documents = out;
        w->out->n_documents = out ? n : 0;
    }
}

/*
 * Records id (at l) in ids, the map of the ids seen so far to their list
 * index; a second use is reported against its value.
 */
static void unique_id(walker *w, json_t *ids, loc l, const char *id, size_t i, const char *list,
                      const char *what)
{
    const json_t *first = json_object_get(ids, id);
    if (first) {
        bad(w, l, GV_EINVAL, "%s id \"%s\" is already used by %s[%lld]", what, id, list,
            (long long)json_integer_value(first));
        return;
    }
    if (json_object_set_new(ids, id, json_integer((json_int_t)i)) < 0)
        w->nomem = true;
}

static void walk_questions(walker *w, const json_t *root)
{
    const json_t *list = list_field(w, root, "guiding_questions", false, 0, GV_DEF_QUESTIONS_MAX,
                                    "guiding question");
    if (!list)
        return;
    json_t *ids = json_object();
    if (!ids) {
        w->nomem = true;
        return;
    }
    size_t n = json_array_size(list), mark = path_push(w, "guiding_questions", 0);
    gv_guiding_question *out = keep_array(w, n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const json_t *q = entry(w, list, i, "guiding question");
        if (!q)
            continue;
        size_t imark = path_push(w, NULL, i);
        only(w, q, question_fields, "a guiding question");
        const char *id = string_field(w, q, "id", S_REQUIRED | S_ID, GV_DEF_ID_MAX_BYTES);
        const char *text = string_field(w, q, "text", S_REQUIRED | S_TEXT, GV_DEF_TEXT_MAX_BYTES);
        if (id)
            unique_id(w, ids, IN_OBJECT(q, "id"), id, i, "guiding_questions", "guiding question");
        json_t *translations = walk_translations(w, q, text_translated);
        path_pop(w, imark);
        if (!out)
            json_decref(translations);
        if (out) {
            out[i].translations = translations;
            out[i].id = keep(w, id);
            out[i].text = keep(w, text);
        }
    }
    path_pop(w, mark);
    json_decref(ids);
    if (w->out) {
        w->out->questions_def = out;
        w->out->n_questions_def = out ? n : 0;
    }
}

static unsigned walk_roles(walker *w, const json_t *p)
{
    const json_t *list = list_field(w, p, "roles", true, 1, GV_ROLE_PERSON_COUNT, "role");
    unsigned roles = 0;
    if (!list) {
        w->roles_unread = true;
        return 0;
    }
    size_t mark = path_push(w, "roles", 0);
    for (size_t i = 0; i < json_array_size(list); i++) {
        loc l = IN_ARRAY(list, i);
        int r = enum_value(w, l, json_array_get(list, i), gv_role_names, GV_ROLE_PERSON_COUNT,
                           "a role", -1);
        if (r < 0)
            w->roles_unread = true;
        if (r >= 0 && (roles & (1u << r)))
            bad(w, l, GV_EINVAL, "role \"%s\" is listed twice", gv_role_names[r]);
        if (r >= 0)
            roles |= 1u << r;
    }
    path_pop(w, mark);
    return roles;
}

static void walk_person(walker *w, const json_t *p, size_t i, gv_person *out, bool *presiding)
{
    only(w, p, person_fields, "a person");
    const char *id = string_field(w, p, "id", S_REQUIRED | S_ID, GV_DEF_ID_MAX_BYTES);
    const char *written = json_string_value(get(p, "id"));
    if (id && (strcmp(id, GV_ACTOR_SYSTEM) == 0 || strcmp(id, GV_ACTOR_ANONYMOUS) == 0)) {
        bad(w, IN_OBJECT(p, "id"), GV_EINVAL,
            "\"%s\" is reserved for the record's own events; choose another id", id);
    } else if (id) {
        unique_id(w, w->person_ids, IN_OBJECT(p, "id"), id, i, "people", "person");
    }
    /* An id refused above still names its person: speakers naming it are not reported again. */
    if (written && !json_object_get(w->person_ids, written) &&
        json_object_set_new(w->person_ids, written, json_integer((json_int_t)i)) < 0)
        w->nomem = true;
    const char *name = string_field(w, p, "name", S_REQUIRED | S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *function = string_field(w, p, "function", S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *affiliation = string_field(w, p, "affiliation", S_LINE, GV_DEF_STRING_MAX_BYTES);
    const char *delegation = string_field(w, p, "delegation", S_LINE, GV_DEF_STRING_MAX_BYTES);
    int group =
        enum_field(w, p, "group", true, gv_group_names, GV_GROUP_COUNT, "a stakeholder group", 0);
    int region = enum_field(w, p, "region", false, gv_region_names, GV_REGION_COUNT,
                            "a regional group", GV_REGION_NONE);
    int gender = enum_field(w, p, "gender", false, gv_gender_names, GV_GENDER_COUNT, "a gender",
                            GV_GENDER_UNDISCLOSED);
    int mode = enum_field(w, p, "mode", true, gv_mode_names, GV_MODE_COUNT, "a mode", 0);
    int level = enum_field(w, p, "level", false, gv_level_names, GV_LEVEL_COUNT,
                           "a level of representation", GV_LEVEL_HEAD_OF_DELEGATION);
    if (level != GV_LEVEL_HEAD_OF_DELEGATION && group != GV_GROUP_MEMBER_STATE &&
        group != GV_GROUP_OBSERVER_STATE && get(p, "group") && get(p, "level"))
        bad(w, IN_OBJECT(p, "level"), GV_EINVAL,
            "only a state's speaker has a level above head_of_delegation; this person speaks "
            "for the %s group: leave the level out",
            gv_group_names[group]);
    unsigned roles = walk_roles(w, p);
    if (roles & GV_ROLES_PRESIDING)
        *presiding = true;
    language_list(w, p, "speaks", false, out ? &out->speaks : NULL, out ? &out->n_speaks : NULL);
    if (out) {
        out->id = keep(w, id);
        out->name = keep(w, name);
        out->function = keep(w, function);
        out->affiliation = keep(w, affiliation);
        out->delegation = keep(w, delegation && *delegation ? delegation : affiliation);
        out->group = (gv_group)group;
        out->region = (gv_region)region;
        out->gender = (gv_gender)gender;
        out->mode = (gv_mode)mode;
        out->level = (gv_level)level;
        out->roles = roles;
    }
}

static void walk_people(walker *w, const json_t *root)
{
    const json_t *list = list_field(w, root, "people", true, 1, GV_DEF_PEOPLE_MAX, "person");
    if (!list)
        return;
    w->people_listed = true;
    bool presiding = false;
    size_t n = json_array_size(list), mark = path_push(w, "people", 0);
    gv_person *out = keep_array(w, n, sizeof *out);
    for (size_t i = 0; i < n && !w->nomem; i++) {
        const json_t *p = entry(w, list, i, "person");
        if (!p) {
            w->roles_unread = true;
            continue;
        }
        size_t imark = path_push(w, NULL, i);
        walk_person(w, p, i, out ? &out[i] : NULL, &presiding);
        path_pop(w, imark);
    }
    path_pop(w, mark);
    /* Said only when it is known: a person whose roles were refused may be the chair. */
    if (!presiding && !w->roles_unread)
        bad(w, IN_OBJECT(root, "people"), GV_EINVAL,
            "no one presides: give at least one person the role chair or moderator");
    if (w->out) {
        w->out->people = out;
        w->out->n_people = out ? n : 0;
    }
}

/* The person ids of speakers into out (indices into people), reported when unknown. */
static void walk_speakers(walker *w, const json_t *item, gv_item *out)
{
    const json_t *list = list_field(w, item, "speakers", false, 0, GV_DEF_PEOPLE_MAX, "speaker");
    if (!list || !w->people_listed)
        return;
    json_t *seen = json_object();
    if (!seen) {
        w->nomem = true;
        return;
    }
    size_t n = json_array_size(list), mark = path_push(w, "speakers", 0);
    int *speakers = keep_array(w, n, sizeof *speakers);
    for (size_t i = 0; i < n; i++) {
        loc l = IN_ARRAY(list, i);
        const char *id =
            check_string(w, l, json_array_get(list, i), S_REQUIRED | S_LINE, GV_DEF_ID_MAX_BYTES);
        if (!id)
            continue;
        const json_t *person = json_object_get(w->person_ids, id);
        if (!person) {
            const char *guess = NULL, *key;
            const json_t *v;
            size_t best = (size_t)-1;
            json_object_foreach(w->person_ids, key, v)
            {
                if (near(id, key, &best))
                    guess = key;
            }
            if (guess)
                bad(w, l, GV_EINVAL, "no person has the id \"%s\"; did you mean \"%s\"?", id,
                    guess);
            else
                bad(w, l, GV_EINVAL, "no person has the id \"%s\"; speakers are ids from people",
                    id);
            continue;
        }
        if (json_object_get(seen, id)) {
            bad(w, l, GV_EINVAL, "\"%s\" is already listed as a speaker of this item", id);
            continue;
        }
        if (json_object_set_new(seen, id, json_true()) < 0)
            w->nomem = true;
        if (speakers)
            speakers[i] = (int)json_integer_value(person);
    }
    path_pop(w, mark);
    json_decref(seen);
    if (out) {
        out->speakers = speakers;
        out->n_speakers = speakers ? n : 0;
    }
}

static void walk_speaking(walker *w, const json_t *item, gv_item *out)
{
    const json_t *sp = object_field(w, item, "speaking", true);
    if (!sp)
        return;
    size_t mark = path_push(w, "speaking", 0);
    only(w, sp, speaking_fields, "speaking");
    int64_t limit_ms = minutes_field(w, sp, "limit_minutes", true);
    int64_t warning_ms = minutes_field(w, sp, "warning_minutes", true);
    if (limit_ms > 0 && warning_ms >= limit_ms)
        bad(w, IN_OBJECT(sp, "warning_minutes"), GV_EINVAL,
            "the warning (%g minutes) must come before the limit (%g minutes)",
            (double)warning_ms / 60000.0, (double)limit_ms / 60000.0);
    path_pop(w, mark);
    if (out) {
        out->limit_ms = limit_ms;
        out->warning_ms = warning_ms;
    }
}

/* When people may inscribe for the item ahead (docs/speakers-list.md). */
static void walk_inscription(walker *w, const json_t *item, gv_item *out)
{
    const json_t *in = object_field(w, item, "inscription", false);
    if (!in)
        return;
    size_t mark = path_push(w, "inscription", 0);
    only(w, in, inscription_fields, "inscription");
    int64_t opens_ms = 0, closes_ms = 0;
    const char *opens = instant_field(w, in, "opens", true, &opens_ms);
    const char *closes = instant_field(w, in, "closes", false, &closes_ms);
    if (opens && closes && closes_ms <= opens_ms)
        bad(w, IN_OBJECT(in, "closes"), GV_EINVAL,
            "inscription closes (%s) %s it opens (%s): it must close after it opens", closes,
            closes_ms == opens_ms ? "when" : "before", opens);
    path_pop(w, mark);
    if (out) {
        out->inscription_opens = opens ? keep(w, opens) : NULL;
        out->inscription_closes = closes ? keep(w, closes) : NULL;
        out->inscription_opens_ms = opens ? opens_ms : 0;
        out->inscription_closes_ms = opens && closes ? closes_ms : 0;
    }
}

static void walk_agenda(walker *w, const json_t *root)
{
    const json_t *list = list_field(w, root, "agenda", true, 1, GV_DEF_ITEMS_MAX, "agenda item");
    if (!list)
        return;
    json_t *ids = json_object();
    if (!ids) {
        w->nomem = true;
        return;
    }
    size_t n = json_array_size(list), mark = path_push(w, "agenda", 0);
    gv_item *out = keep_array(w, n, sizeof *out);
    for (size_t i = 0; i < n && !w->nomem; i++) {
        const json_t *it = entry(w, list, i, "agenda item");
        if (!it)
            continue;
        size_t imark = path_push(w, NULL, i);
        gv_item *o = out ? &out[i] : NULL;
        only(w, it, item_fields, "an agenda item");
        const char *id = string_field(w, it, "id", S_REQUIRED | S_ID, GV_DEF_ID_MAX_BYTES);
        if (id)
            unique_id(w, ids, IN_OBJECT(it, "id"), id, i, "agenda", "agenda item");
        const char *title =
            string_field(w, it, "title", S_REQUIRED | S_TEXT, GV_DEF_TEXT_MAX_BYTES);
        int kind = enum_field(w, it, "kind", true, gv_item_kind_names, GV_ITEM_KIND_COUNT,
                              "a kind of agenda item", GV_ITEM_OTHER);
        int64_t planned_ms = minutes_field(w, it, "planned_minutes", true);
        walk_speaking(w, it, o);
        int policy = enum_field(w, it, "policy", false, gv_policy_names, GV_POLICY_COUNT,
                                "a speakers' list policy", GV_POLICY_FIFO);
        int64_t closes_ms = minutes_field(w, it, "list_closes_after_minutes", false);
        walk_speakers(w, it, o);
        walk_inscription(w, it, o);
        json_t *translations = walk_translations(w, it, title_translated);
        path_pop(w, imark);
        if (!o)
            json_decref(translations);
        if (o) {
            o->translations = translations;
            o->id = keep(w, id);
            o->title = keep(w, title);
            o->kind = (gv_item_kind)kind;
            o->planned_ms = planned_ms;
            o->policy = (gv_policy)policy;
            o->list_closes_after_ms = closes_ms;
        }
    }
    path_pop(w, mark);
    json_decref(ids);
    if (w->out) {
        w->out->items = out;
        w->out->n_items = out ? n : 0;
    }
}

/* Walks the whole definition; returns the number of problems or GV_ENOMEM. */
static int walk(walker *w, const json_t *def)
{
    w->person_ids = json_object();
    if (!w->person_ids)
        return GV_ENOMEM;
    if (!json_is_object(def)) {
        problem(w, GV_EINVAL, GV_DEF_AT_NODE, def, NULL,
                "a meeting definition must be a mapping with the fields meeting, agenda and "
                "people, not %s",
                type_words(def));
    } else {
        only(w, def, root_fields, "a definition");
        walk_meeting(w, def);
        walk_documents(w, def);
        walk_questions(w, def);
        walk_people(w, def);
        walk_agenda(w, def);
    }
    json_decref(w->person_ids);
    w->person_ids = NULL;
    return w->nomem ? GV_ENOMEM : w->problems;
}

int gv__def_walk(const json_t *def, gv_zone_fn zone_exists, void *zone_ud, gv_meeting *out,
                 gv_def_report_fn report, void *ud)
{
    walker w = {
        .report = report, .ud = ud, .zone_exists = zone_exists, .zone_ud = zone_ud, .out = out};
    return walk(&w, def);
}

int gv_definition_check(const json_t *def, gv_zone_fn zone_exists, void *zone_ud,
                        gv_def_report_fn report, void *ud)
{
    return gv__def_walk(def, zone_exists, zone_ud, NULL, report, ud);
}

static size_t list_size(const json_t *def, const char *key)
{
    return json_array_size(json_object_get(def, key));
}

json_t *gv_definition_summary(const json_t *def)
{
    const json_t *mt = json_object_get(def, "meeting");
    return json_pack("{s:O, s:O, s:I, s:I, s:I, s:I}", "id", json_object_get(mt, "id"), "title",
                     json_object_get(mt, "title"), "people", (json_int_t)list_size(def, "people"),
                     "agenda_items", (json_int_t)list_size(def, "agenda"), "guiding_questions",
                     (json_int_t)list_size(def, "guiding_questions"), "documents",
                     (json_int_t)list_size(def, "documents"));
}

/*
 * The small shared pieces of the report module: a growable buffer with a
 * sticky failure, the split of a whole into shares that add up, durations and
 * labels as people read them, and the escaping rules of the text formats.
 * Every renderer goes through these, so a figure or a name is written the same
 * way in Markdown, HTML, CSV and PDF.
 */
#include "report/report_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

void gv__buf_init(gv__buf *b)
{
    memset(b, 0, sizeof *b);
}

void gv__buf_release(gv__buf *b)
{
    free(b->data);
    gv__buf_init(b);
}

static bool buf_grow(gv__buf *b, size_t more)
{
    if (b->failed)
        return false;
    if (more > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    if (GV_ARRAY_RESERVE(b->data, b->cap, b->len + more + 1) < 0) {
        b->failed = true;
        return false;
    }
    return true;
}

void gv__buf_add(gv__buf *b, const char *s, size_t n)
{
    if (!buf_grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void gv__buf_puts(gv__buf *b, const char *s)
{
    gv__buf_add(b, s, strlen(s));
}

void gv__buf_printf(gv__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!buf_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *gv__buf_take(gv__buf *b, size_t *len, gv_error *err)
{
    if (b->failed || !buf_grow(b, 0)) {
        gv__buf_release(b);
        gv_error_set(err, GV_ENOMEM, "out of memory while writing the report");
        return NULL;
    }
    char *d = b->data;
    if (len)
        *len = b->len;
    gv__buf_init(b);
    return d;
}

void gv__shares_permille(const int64_t *values, size_t n, int *permille)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += values[i];
    for (size_t i = 0; i < n; i++)
        permille[i] = 0;
    if (total <= 0)
        return;
    /* Floor of each exact share, then the thousandths still missing go to the
     * largest remainders: the shares shown always add up to 100.0%. */
    int given = 0;
    for (size_t i = 0; i < n; i++) {
        permille[i] = (int)(values[i] * 1000 / total);
        given += permille[i];
    }
    while (given < 1000) {
        size_t best = n;
        int64_t best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            int64_t rem = values[i] * 1000 - (int64_t)permille[i] * total;
            /* A part already rounded up has rem < 0 and never wins again. */
            if (rem > best_rem) {
                best_rem = rem;
                best = i;
            }
        }
        if (best == n || best_rem <= 0)
            break;
        permille[best]++;
        given++;
    }
}

void gv__fmt_duration(int64_t ms, bool signed_, char out[32])
{
    const char *sign = "";
    if (ms < 0) {
        sign = "\xE2\x88\x92"; /* U+2212 MINUS SIGN */
        ms = -ms;
    } else if (signed_) {
        sign = "+";
    }
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(out, 32, "%s%lld:%02lld:%02lld", sign, (long long)(s / 3600),
                 (long long)(s / 60 % 60), (long long)(s % 60));
    else
        snprintf(out, 32, "%s%lld:%02lld", sign, (long long)(s / 60), (long long)(s % 60));
}

void gv__fmt_permille(int permille, char out[16])
{
    snprintf(out, 16, "%d.%d%%", permille / 10, permille % 10);
}

typedef struct label {
    const char *dimension, *key, *text;
} label;

static const label labels[] = {
    {"group", "member_state", "Member States"},
    {"group", "observer_state", "Observer States"},
    {"group", "intergovernmental", "UN system and intergovernmental organizations"},
    {"group", "private_sector", "Private sector"},
    {"group", "civil_society", "Civil society"},
    {"group", "technical_academic", "Technical and academic community"},
    {"group_short", "member_state", "Member State"},
    {"group_short", "observer_state", "Observer State"},
    {"group_short", "intergovernmental", "Intergovernmental"},
    {"group_short", "private_sector", "Private sector"},
    {"group_short", "civil_society", "Civil society"},
    {"group_short", "technical_academic", "Technical, academic"},
    {"region", "african", "African States"},
    {"region", "asia_pacific", "Asia-Pacific States"},
    {"region", "eastern_european", "Eastern European States"},
    {"region", "latin_american_caribbean", "Latin American and Caribbean States"},
    {"region", "western_european_others", "Western European and other States"},
    {"region", "none", "No regional group"},
    {"gender", "female", "Women"},
    {"gender", "male", "Men"},
    {"gender", "other", "Another gender"},
    {"gender", "undisclosed", "Not stated"},
    {"mode", "room", "In the room"},
    {"mode", "online", "Online"},
    {"kind", "intervention", "Statement"},
    {"kind", "question", "Question to the panel"},
    {"kind", "point_of_order", "Point of order"},
    {"kind", "reply", "Right of reply"},
    {"item_kind", "opening", "Opening"},
    {"item_kind", "report", "Report"},
    {"item_kind", "presentations", "Presentations"},
    {"item_kind", "discussion", "Discussion"},
    {"item_kind", "closing", "Closing"},
    {"item_kind", "other", "Other"},
    {"state", "pending", "Awaiting moderation"},
    {"state", "visible", "Shown"},
    {"state", "dismissed", "Dismissed"},
    {"state", "merged", "Merged"},
    {"status", "scheduled", "Scheduled"},
    {"status", "open", "In session"},
    {"status", "closed", "Closed"},
    {"role", "chair", "Chair"},
    {"role", "moderator", "Moderator"},
    {"role", "secretariat", "Secretariat"},
    {"role", "rapporteur", "Rapporteur"},
    {"role", "panelist", "Panelist"},
    {"role", "participant", "Participant"},
};

const char *gv__label(const char *dimension, const char *key)
{
    if (!key)
        return "";
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].dimension, dimension) == 0 && strcmp(labels[i].key, key) == 0)
            return labels[i].text;
    return key;
}

const char *gv__local_hms(const json_t *t, char out[16])
{
    const char *local = gv__s(t, "local");
    /* "YYYY-MM-DDTHH:MM:SS..." */
    if (strlen(local) < 19) {
        snprintf(out, 16, "\xE2\x80\x94"); /* EM DASH */
        return out;
    }
    memcpy(out, local + 11, 8);
    out[8] = '\0';
    return out;
}

const char *gv__s(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

int64_t gv__i(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

const json_t *gv__a(const json_t *obj, const char *key)
{
    const json_t *a = json_object_get(obj, key);
    return json_is_array(a) ? a : NULL;
}

const json_t *gv__find(const json_t *list, const char *key, const char *value)
{
    size_t i;
    const json_t *v;
    if (!value)
        return NULL;
    json_array_foreach(list, i, v)
    {
        if (strcmp(gv__s(v, key), value) == 0)
            return v;
    }
    return NULL;
}

const json_t *gv__o(const json_t *obj, const char *key)
{
    const json_t *o = json_object_get(obj, key);
    return json_is_object(o) ? o : NULL;
}

void gv__csv_cell(gv__buf *b, const char *s)
{
    bool formula =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        gv__buf_puts(b, s);
        return;
    }
    gv__buf_add(b, "\"", 1);
    if (formula)
        gv__buf_add(b, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            gv__buf_add(b, "\"\"", 2);
        else
            gv__buf_add(b, p, 1);
    }
    gv__buf_add(b, "\"", 1);
}

void gv__html_text(gv__buf *b, const char *s)
{
    gv__html_text_n(b, s, strlen(s));
}

void gv__html_text_n(gv__buf *b, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    for (const char *p = s; p < end; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        gv__buf_add(b, run, (size_t)(p - run));
        gv__buf_puts(b, rep);
        run = p + 1;
    }
    gv__buf_add(b, run, (size_t)(end - run));
}

void gv__md_text(gv__buf *b, const char *s)
{
    gv__md_text_n(b, s, strlen(s), true);
}

void gv__md_text_n(gv__buf *b, const char *s, size_t n, bool line_start)
{
    const char *end = s + n;
    /* Block markers only count at the start of a line. Line breaks become
     * spaces, so only the text's own start needs a look, when it is put
     * where a line starts (a paragraph, a quote; not a table cell): "#",
     * "- ", "+ ", "1. ", "1) " would open a heading or a list item. */
    size_t digits = 0;
    while (s + digits < end && s[digits] >= '0' && s[digits] <= '9')
        digits++;
    const char *marker = NULL;
    if (!line_start)
        marker = NULL;
    else if (n > 0 && s[0] == '#')
        marker = s;
    else if (n > 0 && (s[0] == '-' || s[0] == '+') && (n == 1 || s[1] == ' ' || s[1] == '\t'))
        marker = s;
    else if (digits > 0 && digits < 10 && s + digits < end &&
             (s[digits] == '.' || s[digits] == ')') &&
             (s + digits + 1 == end || s[digits + 1] == ' ' || s[digits + 1] == '\t'))
        marker = s + digits;
    for (const char *p = s; p < end; p++) {
        if (p == marker) {
            gv__buf_add(b, "\\", 1);
            gv__buf_add(b, p, 1);
            continue;
        }
        switch (*p) {
        case '&':
            gv__buf_puts(b, "&amp;");
            break;
        case '<':
            gv__buf_puts(b, "&lt;");
            break;
        case '>':
            gv__buf_puts(b, "&gt;");
            break;
        case '|':
            gv__buf_puts(b, "&#124;");
            break;
        case '\r':
        case '\n':
            gv__buf_add(b, " ", 1);
            break;
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '~':
            gv__buf_add(b, "\\", 1);
            gv__buf_add(b, p, 1);
            break;
        default:
            gv__buf_add(b, p, 1);
        }
    }
}

/* Reads one UTF-8 sequence at *p (valid or not) and advances past it; an
 * invalid byte comes back as itself, which no range below matches. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    for (size_t i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return s[0];
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (n > 0)
        c &= (1u << (5 * n + 6)) - 1;
    *p = s + 1 + n;
    return c;
}

bool gv__bidi_needs_isolate_n(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end && *p) {
        uint32_t c = next_cp(&p);
        if ((c >= 0x0590 && c <= 0x08FF) ||   /* Hebrew to Arabic Ext.-A */
            (c >= 0xFB1D && c <= 0xFDFF) ||   /* presentation forms A */
            (c >= 0xFE70 && c <= 0xFEFE) ||   /* Arabic presentation B */
            (c >= 0x10800 && c <= 0x10FFF) || /* historic RTL scripts */
            (c >= 0x1E800 && c <= 0x1EFFF) || /* Adlam, Arabic math */
            c == 0x200F || c == 0x061C ||     /* RLM, ALM */
            (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) /* controls */
            return true;
    }
    return false;
}

bool gv__bidi_needs_isolate(const char *s)
{
    return s && gv__bidi_needs_isolate_n(s, strlen(s));
}

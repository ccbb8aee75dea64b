/*
 * What the report says, in which order, written once for every visual
 * format. Figures come from the record only (no arithmetic beyond adding
 * what the record lists and formatting), so that every format shows the
 * same numbers as the JSON record a machine reads.
 *
 * Sections: the title fields, documents, the agenda as held, speeches, one
 * section per guiding question, other notes, questions from the audience,
 * participation by stakeholder group, regional group, gender and mode, and
 * verification. Times in tables are local to the meeting's zone, which the
 * fields and each table's lead paragraph name with its UTC offset.
 */
#include "report/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "report/report_internal.h"

/* First strong isolate and pop directional isolate (Unicode bidi): a user
 * text put inside a sentence of ours is wrapped in them when it needs them
 * (gv__bidi_needs_isolate), so that an Arabic name keeps to itself and does
 * not pull the punctuation and figures after it into its right-to-left
 * order ("— راشد المنصوري, 15:51:40"). ISO(s) and END(s) are the marks
 * before and after s: both empty for a name that reads right without. */
#define FSI    "\xE2\x81\xA8"
#define PDI    "\xE2\x81\xA9"
#define ISO(s) (gv__bidi_needs_isolate(s) ? FSI : "")
#define END(s) (gv__bidi_needs_isolate(s) ? PDI : "")

void gv__table_init(gv__table *t, size_t ncols, const char *const *head, const gv__align *align)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->head = head;
    t->align = align;
}

void gv__table_row(gv__table *t, const char *const *cells)
{
    if (t->failed)
        return;
    if (GV_ARRAY_RESERVE(t->cells, t->cap_cells, (t->nrows + 1) * t->ncols) < 0) {
        t->failed = true;
        return;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (!row[i]) {
            for (size_t j = 0; j < i; j++)
                free(row[j]);
            t->failed = true;
            return;
        }
    }
    t->nrows++;
}

const char *gv__table_cell(const gv__table *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

void gv__table_release(gv__table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

void gv__fmt_date(const char *iso, char out[64])
{
    int y, m, d;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
        snprintf(out, 64, "%s", iso ? iso : "");
        return;
    }
    /* Sakamoto's day of the week for the Gregorian calendar. */
    static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int yy = m < 3 ? y - 1 : y;
    int wd = (yy + yy / 4 - yy / 100 + yy / 400 + t[m - 1] + d) % 7;
    snprintf(out, 64, "%s %d %s %d", day_names[wd], d, month_names[m - 1], y);
}

void gv__fmt_utc_offset(const char *iso, char out[16])
{
    size_t n = iso ? strlen(iso) : 0;
    if (n >= 6 && (iso[n - 6] == '+' || iso[n - 6] == '-'))
        snprintf(out, 16, "UTC%s", iso + n - 6);
    else
        snprintf(out, 16, "UTC");
}

/* The writer's state: the backend, the record, and a failure that sticks. */
typedef struct w {
    gv__doc *d;
    const json_t *rec;
    bool failed;
    /** headings collected by the first pass (d->toc points here) */
    gv__heading *heads;
    size_t nheads, cap;
    bool collecting;
    /** people and agenda items by id, speeches and questions by their id as
     * text: looked up per row, so a meeting of thousands stays linear */
    json_t *people, *items, *speeches, *questions;
} w;

static void heading(w *x, int level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void heading(w *x, int level, const char *id, const char *fmt, ...)
{
    gv__heading h = {.level = level};
    snprintf(h.id, sizeof h.id, "%s", id);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(h.text, sizeof h.text, fmt, ap);
    va_end(ap);
    /* Cut at a UTF-8 character boundary when the text was longer. */
    if (n >= (int)sizeof h.text) {
        size_t len = strlen(h.text);
        while (len > 0 && ((unsigned char)h.text[len] & 0xC0) == 0x80)
            len--;
        h.text[len] = '\0';
    }
    if (x->collecting) {
        if (GV_ARRAY_RESERVE(x->heads, x->cap, x->nheads + 1) < 0) {
            x->failed = true;
            return;
        }
        x->heads[x->nheads++] = h;
        return;
    }
    x->d->heading(x->d, &h);
}

static void para(w *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void para(w *x, const char *fmt, ...)
{
    if (x->collecting)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) {
        x->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    x->d->para(x->d, s);
    free(s);
}

static void table(w *x, gv__table *t)
{
    if (t->failed)
        x->failed = true;
    else if (!x->collecting)
        x->d->table(x->d, t);
    gv__table_release(t);
}

/* Names of a presiding role, "Name (Function)" joined by "; ". */
static void names_of(const json_t *list, char *out, size_t size)
{
    size_t i, used = 0;
    const json_t *p;
    out[0] = '\0';
    json_array_foreach(list, i, p)
    {
        /* A name that does not fit whole is left out, never cut in the
         * middle of a character; the JSON record keeps every one. */
        const char *fn = gv__s(p, "function"), *name = gv__s(p, "name");
        int n = snprintf(out + used, size - used, "%s%s%s%s%s%s%s%s%s", i ? "; " : "", ISO(name),
                         name, END(name), *fn ? " (" : "", ISO(fn), fn, END(fn), *fn ? ")" : "");
        if (n < 0 || (size_t)n >= size - used) {
            out[used] = '\0';
            break;
        }
        used += (size_t)n;
    }
}

static const char *local_time(const json_t *t, char out[16])
{
    return json_is_object(t) ? gv__local_hms(t, out) : "\xE2\x80\x94";
}

/* Whether two record times fall on the same local day. */
static bool same_day(const json_t *a, const json_t *b)
{
    return strncmp(gv__s(a, "local"), gv__s(b, "local"), 10) == 0;
}

/* The date of the meeting: the day it was held when it was opened, with
 * the planned day beside it when they differ (a meeting postponed, or one
 * that ran past midnight), else the planned day. */
static void held_date(const json_t *m, char out[300])
{
    const json_t *start = gv__o(gv__o(m, "planned"), "start");
    const json_t *opened = gv__o(m, "opened"), *closed = gv__o(m, "closed");
    char planned[64], first[64], last[64];
    gv__fmt_date(gv__s(start, "local"), planned);
    if (!opened || (same_day(opened, start) && (!closed || same_day(closed, start)))) {
        snprintf(out, 300, "%s", planned);
        return;
    }
    gv__fmt_date(gv__s(opened, "local"), first);
    if (closed && !same_day(closed, opened)) {
        gv__fmt_date(gv__s(closed, "local"), last);
        snprintf(out, 300, "%s to %s (planned for %s)", first, last, planned);
    } else {
        snprintf(out, 300, "%s (planned for %s)", first, planned);
    }
}

static void write_title(w *x)
{
    const json_t *m = gv__o(x->rec, "meeting"), *pl = gv__o(m, "planned");
    const json_t *start = gv__o(pl, "start"), *end = gv__o(pl, "end");
    char date[300], off[16], planned[160], held[200], s1[16], s2[16], s3[16];
    char chairs[4096], mods[4096], raps[4096], secs[4096], as_of[120];
    held_date(m, date);
    gv__fmt_utc_offset(gv__s(start, "local"), off);
    snprintf(planned, sizeof planned, "%.5s\xE2\x80\x93%.5s %s (%s); %.5s\xE2\x80\x93%.5s UTC",
             gv__s(start, "local") + 11, gv__s(end, "local") + 11, gv__s(m, "timezone"), off,
             gv__s(start, "utc") + 11, gv__s(end, "utc") + 11);
    const json_t *opened = gv__o(m, "opened"), *closed = gv__o(m, "closed");
    if (!opened)
        snprintf(held, sizeof held, "not opened");
    else if (!closed)
        snprintf(held, sizeof held, "opened %s (%.8s UTC), in session", local_time(opened, s1),
                 gv__s(opened, "utc") + 11);
    else
        snprintf(held, sizeof held, "%s\xE2\x80\x93%s local; %.8s\xE2\x80\x93%.8s UTC",
                 local_time(opened, s1), local_time(closed, s2), gv__s(opened, "utc") + 11,
                 gv__s(closed, "utc") + 11);
    const json_t *pr = gv__o(x->rec, "presiding");
    names_of(gv__a(pr, "chairs"), chairs, sizeof chairs);
    names_of(gv__a(pr, "moderators"), mods, sizeof mods);
    names_of(gv__a(pr, "rapporteurs"), raps, sizeof raps);
    names_of(gv__a(pr, "secretariat"), secs, sizeof secs);
    const json_t *v = gv__o(x->rec, "verification");
    const json_t *asof = gv__o(m, "as_of");
    snprintf(as_of, sizeof as_of, "event %lld of the log, %s local",
             (long long)gv__i(v, "last_seq"), local_time(asof, s3));
    /* Languages as "en, fr, ar". */
    char langs[256] = "";
    size_t i, used = 0;
    const json_t *l;
    json_array_foreach(gv__a(m, "languages"), i, l)
    {
        int n = snprintf(langs + used, sizeof langs - used, "%s%s", i ? ", " : "",
                         json_string_value(l) ? json_string_value(l) : "");
        if (n < 0 || (size_t)n >= sizeof langs - used)
            break;
        used += (size_t)n;
    }
    const char *keys[16], *vals[16];
    size_t n = 0;
#define FIELD(k, v)                                                                                \
    do {                                                                                           \
        if ((v)[0]) {                                                                              \
            keys[n] = (k);                                                                         \
            vals[n] = (v);                                                                         \
            n++;                                                                                   \
        }                                                                                          \
    } while (0)
    FIELD("Body", gv__s(m, "body"));
    FIELD("Session", gv__s(m, "session"));
    FIELD("Date", date);
    FIELD("Planned", planned);
    FIELD("Held", held);
    FIELD("Venue", gv__s(m, "venue"));
    FIELD("Online", gv__s(m, "online_link"));
    FIELD("Languages", langs);
    FIELD(json_array_size(gv__a(pr, "chairs")) > 1 ? "Chairs" : "Chair", chairs);
    FIELD(json_array_size(gv__a(pr, "moderators")) > 1 ? "Moderators" : "Moderator", mods);
    FIELD(json_array_size(gv__a(pr, "rapporteurs")) > 1 ? "Rapporteurs" : "Rapporteur", raps);
    FIELD("Secretariat", secs);
    FIELD("Status", gv__label("status", gv__s(m, "status")));
    FIELD("Record as of", as_of);
#undef FIELD
    if (x->collecting)
        return;
    x->d->title(x->d, gv__s(m, "title"), "Outcome record");
    x->d->fields(x->d, n, keys, vals);
    x->d->contents(x->d);
}

static void write_documents(w *x)
{
    static const char *const head[] = {"Symbol", "Title", "Link"};
    static const gv__align al[] = {GV__LEFT, GV__LEFT, GV__LEFT};
    const json_t *docs = gv__a(x->rec, "documents");
    heading(x, 1, "documents", "Documents");
    if (json_array_size(docs) == 0) {
        para(x, "No documents were listed for this meeting.");
        return;
    }
    gv__table t;
    gv__table_init(&t, 3, head, al);
    size_t i;
    const json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *row[] = {gv__s(d, "symbol"), gv__s(d, "title"), gv__s(d, "link")};
        gv__table_row(&t, row);
    }
    table(x, &t);
}

static const json_t *by_id(const json_t *index, int64_t id)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return json_object_get(index, key);
}

/* An object indexing the elements of list by their field `key` (text, or an
 * integer written as text). NULL on ENOMEM. */
static json_t *index_of(const json_t *list, const char *key)
{
    json_t *ix = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const json_t *k = json_object_get(v, key);
        char num[24];
        const char *name = json_string_value(k);
        if (json_is_integer(k)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(k));
            name = num;
        }
        if (ix && name && json_object_set(ix, name, v) < 0) {
            json_decref(ix);
            return NULL;
        }
    }
    return ix;
}

/* "guiding question 2" for a guiding question's id (its place in the
 * record), the id itself for one the record does not list, "" for none. */
static void gq_label(const w *x, const char *id, char out[64])
{
    size_t i;
    const json_t *g;
    json_array_foreach(gv__a(x->rec, "guiding_questions"), i, g)
    {
        if (*id && strcmp(gv__s(g, "id"), id) == 0) {
            snprintf(out, 64, "guiding question %zu", i + 1);
            return;
        }
    }
    snprintf(out, 64, "%s", id);
}

static void write_agenda(w *x)
{
    static const char *const head[] = {
        "#",      "Item",       "Planned start", "Actual start", "Planned",
        "Actual", "Difference", "Speeches",      "Speaking time"};
    static const gv__align al[] = {GV__RIGHT, GV__LEFT,  GV__RIGHT, GV__RIGHT, GV__RIGHT,
                                   GV__RIGHT, GV__RIGHT, GV__RIGHT, GV__RIGHT};
    const json_t *m = gv__o(x->rec, "meeting");
    char off[16];
    gv__fmt_utc_offset(gv__s(gv__o(gv__o(m, "planned"), "start"), "local"), off);
    heading(x, 1, "agenda", "Agenda as held");
    para(x,
         "Each item's planned start and duration against the actual ones. Times are local "
         "(%s, %s).",
         gv__s(m, "timezone"), off);
    gv__table t;
    gv__table_init(&t, 9, head, al);
    size_t i;
    const json_t *it;
    json_array_foreach(gv__a(x->rec, "agenda"), i, it)
    {
        char num[24], item[1100], ps[16], as[16], pd[32], ad[32], diff[32], n[16], sp[32];
        snprintf(num, sizeof num, "%zu", i + 1);
        snprintf(item, sizeof item, "%s\n%s%s", gv__s(it, "title"),
                 gv__label("item_kind", gv__s(it, "kind")),
                 json_is_true(json_object_get(it, "running")) ? ", running" : "");
        gv__fmt_duration(gv__i(it, "planned_ms"), false, pd);
        bool started = json_is_object(json_object_get(it, "started"));
        if (started) {
            gv__fmt_duration(gv__i(it, "actual_ms"), false, ad);
            if (json_is_integer(json_object_get(it, "difference_ms")))
                gv__fmt_duration(gv__i(it, "difference_ms"), true, diff);
            else
                snprintf(diff, sizeof diff, "running");
        } else {
            snprintf(ad, sizeof ad, "not held");
            snprintf(diff, sizeof diff, "\xE2\x80\x94");
        }
        snprintf(n, sizeof n, "%lld", (long long)gv__i(it, "speeches"));
        gv__fmt_duration(gv__i(it, "spoken_ms"), false, sp);
        const char *row[] = {num,
                             item,
                             local_time(gv__o(it, "planned_start"), ps),
                             local_time(json_object_get(it, "started"), as),
                             pd,
                             ad,
                             diff,
                             n,
                             sp};
        gv__table_row(&t, row);
    }
    table(x, &t);
}

/* "\nwritten statement S1, S2" for the statements beside speech s (their
 * numbers in the Statements section), into out. */
static void statements_beside(w *x, const json_t *s, char *out, size_t size)
{
    const json_t *ids = gv__a(s, "statements");
    size_t n = 0, i, k;
    const json_t *id, *st;
    out[0] = '\0';
    json_array_foreach(ids, i, id)
    {
        json_array_foreach(gv__a(x->rec, "statements"), k, st)
        {
            if (gv__i(st, "statement") != json_integer_value(id) || n + 24 >= size)
                continue;
            n += (size_t)snprintf(out + n, size - n, "%s%lld", i ? ", S" : "\nwritten statement S",
                                  (long long)gv__i(st, "n"));
        }
    }
}

static void write_speeches(w *x)
{
    static const char *const head[] = {"#",     "Start",   "Speaker", "Stakeholder group",
                                       "Mode",  "Kind",    "Item",    "Duration",
                                       "Limit", "Overtime"};
    static const gv__align al[] = {GV__RIGHT, GV__RIGHT, GV__LEFT,  GV__LEFT,  GV__LEFT,
                                   GV__LEFT,  GV__LEFT,  GV__RIGHT, GV__RIGHT, GV__RIGHT};
    const json_t *speeches = gv__a(x->rec, "speeches");
    heading(x, 1, "speeches", "Speeches");
    if (json_array_size(speeches) == 0) {
        para(x, "No one has had the floor.");
        return;
    }
    const json_t *sp_all = gv__o(gv__o(x->rec, "participation"), "speaking");
    char total[32], over[32];
    gv__fmt_duration(gv__i(sp_all, "spoken_ms"), false, total);
    gv__fmt_duration(gv__i(sp_all, "overtime_ms"), false, over);
    para(x,
         "Every speech in the order given, with the time spoken (pauses not counted), the "
         "limit (with any extension) and the time beyond it. %zu speeches, %lld turns, %s "
         "spoken in all, %s of it overtime.",
         json_array_size(speeches), (long long)gv__i(sp_all, "turns"), total, over);
    gv__table t;
    gv__table_init(&t, 10, head, al);
    size_t i;
    const json_t *s;
    json_array_foreach(speeches, i, s)
    {
        char num[24], start[16], who[1600], kind[700], item[1200], dur[48], lim[32], ot[32];
        snprintf(num, sizeof num, "%lld", (long long)gv__i(s, "n"));
        const char *fn = gv__s(s, "function"), *aff = gv__s(s, "affiliation");
        const char *name = gv__s(s, "name");
        snprintf(who, sizeof who, "%s%s%s%s%s%s%s%s%s%s%s", ISO(name), name, END(name),
                 *fn || *aff ? "\n" : "", ISO(fn), fn, END(fn), *fn && *aff ? ", " : "", ISO(aff),
                 aff, END(aff));
        int len = snprintf(kind, sizeof kind, "%s", gv__label("kind", gv__s(s, "kind")));
        const json_t *to = json_object_get(s, "to");
        if (json_is_string(to)) {
            const json_t *p = json_object_get(x->people, json_string_value(to));
            const char *to_name = p ? gv__s(p, "name") : json_string_value(to);
            len += snprintf(kind + len, sizeof kind - (size_t)len, "\nto %s%s%s", ISO(to_name),
                            to_name, END(to_name));
        }
        if (json_is_integer(json_object_get(s, "answer_to"))) {
            const json_t *a = by_id(x->speeches, gv__i(s, "answer_to"));
            len += snprintf(kind + len, sizeof kind - (size_t)len, "\nanswering #%lld",
                            (long long)(a ? gv__i(a, "n") : gv__i(s, "answer_to")));
        }
        statements_beside(x, s, kind + len, sizeof kind - (size_t)len);
        const json_t *it = json_object_get(x->items, gv__s(s, "item"));
        char gq[64];
        gq_label(x, gv__s(s, "guiding_question"), gq);
        snprintf(item, sizeof item, "%s%s%s", it ? gv__s(it, "title") : gv__s(s, "item"),
                 *gq ? "\n" : "", gq);
        gv__fmt_duration(gv__i(s, "duration_ms"), false, dur);
        if (json_is_true(json_object_get(s, "in_progress")))
            strcat(dur, " (speaking)");
        gv__fmt_duration(gv__i(s, "limit_ms"), false, lim);
        if (gv__i(s, "overtime_ms") > 0)
            gv__fmt_duration(gv__i(s, "overtime_ms"), false, ot);
        else
            snprintf(ot, sizeof ot, "\xE2\x80\x94");
        const char *row[] = {num,
                             local_time(gv__o(s, "start"), start),
                             who,
                             gv__label("group_short", gv__s(s, "group")),
                             gv__label("mode", gv__s(s, "mode")),
                             kind,
                             item,
                             dur,
                             lim,
                             ot};
        gv__table_row(&t, row);
    }
    table(x, &t);
}

/* "PDF, 12.3 KB" for a statement's file. */
static void file_kind(const json_t *st, char out[64])
{
    static const struct {
        const char *media, *label;
    } kinds[] = {
        {"application/pdf", "PDF"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"},
        {"application/vnd.oasis.opendocument.text", "OpenDocument"},
        {"text/plain", "Text"}};
    const char *label = gv__s(st, "media_type");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(label, kinds[i].media) == 0)
            label = kinds[i].label;
    int64_t size = gv__i(st, "size_bytes");
    if (size < 1000)
        snprintf(out, 64, "%s, %lld bytes", label, (long long)size);
    else if (size < 1000000)
        snprintf(out, 64, "%s, %lld.%lld kB", label, (long long)(size / 1000),
                 (long long)(size % 1000 / 100));
    else
        snprintf(out, 64, "%s, %lld.%lld MB", label, (long long)(size / 1000000),
                 (long long)(size % 1000000 / 100000));
}

/* The written statements: who, on what, beside which speech, the file, and
 * its SHA-256 (full, below the table, for whoever checks a copy). Left out
 * when there are none. */
static void write_statements(w *x)
{
    static const char *const head[] = {"#", "Speaker", "Item", "Speech", "File"};
    static const gv__align al[] = {GV__RIGHT, GV__LEFT, GV__LEFT, GV__LEFT, GV__LEFT};
    const json_t *list = gv__a(x->rec, "statements");
    if (json_array_size(list) == 0)
        return;
    heading(x, 1, "statements", "Written statements");
    para(x, "The statements speakers filed in writing, each beside the speech it belongs to "
            "(\xE2\x80\x9CS1\xE2\x80\x9D in the list of speeches); one whose speaker did not "
            "take the floor on its item stands as submitted in writing. The files are kept with "
            "the record; each is named below by its SHA-256, so that a copy can be checked "
            "(\xE2\x80\x9Csha256sum FILE\xE2\x80\x9D).");
    gv__table t;
    gv__table_init(&t, 5, head, al);
    gv__buf hashes;
    gv__buf_init(&hashes);
    size_t i;
    const json_t *st;
    json_array_foreach(list, i, st)
    {
        char num[24], who[1200], item[600], speech[64], file[400], kind[64];
        const char *name = gv__s(st, "name"), *aff = gv__s(st, "affiliation");
        snprintf(num, sizeof num, "S%lld", (long long)gv__i(st, "n"));
        snprintf(who, sizeof who, "%s%s%s%s%s%s%s", ISO(name), name, END(name), *aff ? "\n" : "",
                 ISO(aff), aff, END(aff));
        const json_t *it = json_object_get(x->items, gv__s(st, "item"));
        snprintf(item, sizeof item, "%s", it ? gv__s(it, "title") : gv__s(st, "item"));
        if (json_is_integer(json_object_get(st, "speech_n")))
            snprintf(speech, sizeof speech, "#%lld", (long long)gv__i(st, "speech_n"));
        else
            snprintf(speech, sizeof speech, "in writing");
        file_kind(st, kind);
        snprintf(file, sizeof file, "%s\n%s", gv__s(st, "file_name"), kind);
        const char *row[] = {num, who, item, speech, file};
        gv__table_row(&t, row);
        gv__buf_printf(&hashes, "%sS%lld %s", i ? "\n" : "", (long long)gv__i(st, "n"),
                       gv__s(st, "sha256"));
    }
    table(x, &t);
    size_t len;
    char *text = gv__buf_take(&hashes, &len, NULL);
    if (!text)
        x->failed = true;
    else if (!x->collecting)
        x->d->mono(x->d, text);
    free(text);
}

static void write_notes(w *x, const json_t *notes)
{
    size_t i;
    const json_t *n;
    json_array_foreach(notes, i, n)
    {
        char by[1200], t[16], about[600] = "";
        const char *name = gv__s(n, "name");
        const json_t *sp = json_is_integer(json_object_get(n, "speech"))
                               ? by_id(x->speeches, gv__i(n, "speech"))
                               : NULL;
        if (sp) {
            const char *who = gv__s(sp, "name");
            snprintf(about, sizeof about, "; on speech %lld, by %s%s%s", (long long)gv__i(sp, "n"),
                     ISO(who), who, END(who));
        }
        snprintf(by, sizeof by, "%s%s%s, %s%s%s", ISO(name), name, END(name),
                 local_time(gv__o(n, "at"), t),
                 json_is_object(json_object_get(n, "amended")) ? " (amended)" : "", about);
        if (!x->collecting)
            x->d->quote(x->d, gv__s(n, "text"), by);
    }
}

static void write_guiding_questions(w *x)
{
    const json_t *gqs = gv__a(x->rec, "guiding_questions");
    if (json_array_size(gqs) == 0)
        return;
    heading(x, 1, "guiding-questions", "Guiding questions");
    para(x, "For each guiding question: who spoke to it, the questions from the audience "
            "linked to it, and the notes taken on it.");
    size_t i;
    const json_t *g;
    json_array_foreach(gqs, i, g)
    {
        char id[32];
        snprintf(id, sizeof id, "gq-%zu", i + 1);
        heading(x, 2, id, "Guiding question %zu", i + 1);
        if (!x->collecting)
            x->d->quote(x->d, gv__s(g, "text"), NULL);
        const json_t *speakers = gv__a(g, "speakers");
        if (json_array_size(speakers) == 0) {
            para(x, "No one spoke to this question.");
        } else {
            static const char *const head[] = {"Speaker", "Turns", "Speaking time"};
            static const gv__align al[] = {GV__LEFT, GV__RIGHT, GV__RIGHT};
            gv__table t;
            gv__table_init(&t, 3, head, al);
            size_t k;
            const json_t *s;
            json_array_foreach(speakers, k, s)
            {
                char turns[16], dur[32];
                snprintf(turns, sizeof turns, "%lld", (long long)gv__i(s, "turns"));
                gv__fmt_duration(gv__i(s, "spoken_ms"), false, dur);
                const char *row[] = {gv__s(s, "name"), turns, dur};
                gv__table_row(&t, row);
            }
            table(x, &t);
        }
        const json_t *qs = gv__a(g, "questions");
        if (json_array_size(qs) > 0) {
            static const char *const head[] = {"#", "Question from the audience", "Votes"};
            static const gv__align al[] = {GV__RIGHT, GV__LEFT, GV__RIGHT};
            gv__table t;
            gv__table_init(&t, 3, head, al);
            size_t k;
            const json_t *qid;
            json_array_foreach(qs, k, qid)
            {
                const json_t *q = by_id(x->questions, json_integer_value(qid));
                char num[24], votes[16];
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(qid));
                snprintf(votes, sizeof votes, "%lld", (long long)gv__i(q, "votes"));
                const char *text = json_is_string(json_object_get(q, "text"))
                                       ? gv__s(q, "text")
                                       : "(withheld: dismissed by the moderator)";
                const char *row[] = {num, text, votes};
                gv__table_row(&t, row);
            }
            table(x, &t);
        }
        const json_t *notes = gv__a(g, "notes");
        if (json_array_size(notes) > 0) {
            para(x, "Notes:");
            write_notes(x, notes);
        }
    }
    if (json_array_size(gv__a(x->rec, "other_notes")) > 0) {
        heading(x, 1, "other-notes", "Other notes");
        write_notes(x, gv__a(x->rec, "other_notes"));
    }
}

static void write_questions(w *x)
{
    static const char *const head[] = {"#",     "Question", "Asked by", "Asked at",
                                       "Votes", "Answered", "State"};
    static const gv__align al[] = {GV__RIGHT, GV__LEFT, GV__LEFT, GV__RIGHT,
                                   GV__RIGHT, GV__LEFT, GV__LEFT};
    const json_t *qs = gv__a(x->rec, "questions");
    heading(x, 1, "questions", "Questions from the audience");
    if (json_array_size(qs) == 0) {
        para(x, "No questions were asked.");
        return;
    }
    int64_t answered = 0;
    size_t i;
    const json_t *q;
    json_array_foreach(qs, i, q)
    {
        answered += json_is_true(json_object_get(q, "answered"));
    }
    para(x, "%zu questions, %lld answered, most votes first.", json_array_size(qs),
         (long long)answered);
    gv__table t;
    gv__table_init(&t, 7, head, al);
    json_array_foreach(qs, i, q)
    {
        char num[24], text[2600], by[512], at[16], votes[16], ans[32], state[64];
        snprintf(num, sizeof num, "%lld", (long long)gv__i(q, "question"));
        const char *to = gv__s(q, "to_name");
        bool on = json_is_string(json_object_get(q, "guiding_question"));
        char gq[64];
        gq_label(x, gv__s(q, "guiding_question"), gq);
        snprintf(text, sizeof text, "%s%s%s%s%s%s%s",
                 json_is_string(json_object_get(q, "text"))
                     ? gv__s(q, "text")
                     : "(withheld: dismissed by the moderator)",
                 *to ? "\nto " : "", ISO(to), to, END(to), on ? "\non " : "", gq);
        snprintf(by, sizeof by, "%s",
                 json_is_true(json_object_get(q, "anonymous")) ? "anonymous" : gv__s(q, "name"));
        snprintf(votes, sizeof votes, "%lld", (long long)gv__i(q, "votes"));
        char t2[16];
        if (json_is_true(json_object_get(q, "answered")))
            snprintf(ans, sizeof ans, "yes, %s", local_time(gv__o(q, "answered_at"), t2));
        else
            snprintf(ans, sizeof ans, "no");
        if (json_is_integer(json_object_get(q, "merged_into")))
            snprintf(state, sizeof state, "Merged into #%lld", (long long)gv__i(q, "merged_into"));
        else
            snprintf(state, sizeof state, "%s", gv__label("state", gv__s(q, "state")));
        const char *row[] = {num, text, by, local_time(gv__o(q, "asked"), at), votes, ans, state};
        gv__table_row(&t, row);
    }
    table(x, &t);
}

static void write_people(w *x)
{
    static const char *const head[] = {"Name", "Function and affiliation", "Stakeholder group",
                                       "Role", "Attendance"};
    static const gv__align al[] = {GV__LEFT, GV__LEFT, GV__LEFT, GV__LEFT, GV__LEFT};
    const json_t *people = gv__a(x->rec, "people");
    heading(x, 1, "people", "Participants");
    para(x, "Everyone of the meeting, with how their attendance was recorded (local times).");
    gv__table t;
    gv__table_init(&t, 5, head, al);
    size_t i;
    const json_t *p;
    json_array_foreach(people, i, p)
    {
        char fa[1100], roles[160] = "", att[120], t1[16], t2[16];
        const char *fn = gv__s(p, "function"), *aff = gv__s(p, "affiliation");
        snprintf(fa, sizeof fa, "%s%s%s%s%s%s%s", ISO(fn), fn, END(fn), *fn && *aff ? ", " : "",
                 ISO(aff), aff, END(aff));
        size_t k, used = 0;
        const json_t *r;
        json_array_foreach(gv__a(p, "roles"), k, r)
        {
            int n = snprintf(roles + used, sizeof roles - used, "%s%s", k ? ", " : "",
                             gv__label("role", json_string_value(r)));
            if (n < 0 || (size_t)n >= sizeof roles - used)
                break;
            used += (size_t)n;
        }
        const json_t *in = gv__o(p, "checked_in"), *on = gv__o(p, "joined");
        if (in && on)
            snprintf(att, sizeof att, "checked in %s, joined online %s", local_time(in, t1),
                     local_time(on, t2));
        else if (in)
            snprintf(att, sizeof att, "checked in %s", local_time(in, t1));
        else if (on)
            snprintf(att, sizeof att, "joined online %s", local_time(on, t1));
        else if (json_is_true(json_object_get(p, "took_part")))
            snprintf(att, sizeof att, "took part %s",
                     strcmp(gv__s(p, "mode"), "online") == 0 ? "online" : "in the room");
        else
            snprintf(att, sizeof att, "absent");
        const char *row[] = {gv__s(p, "name"), fa, gv__label("group_short", gv__s(p, "group")),
                             roles, att};
        gv__table_row(&t, row);
    }
    table(x, &t);
}

static void write_dimension(w *x, const char *id, const char *title, const char *dim,
                            const char *key_a, const char *head0)
{
    const json_t *p = gv__o(x->rec, "participation");
    const json_t *att = gv__a(gv__o(p, "attendance"), key_a);
    const json_t *spk = gv__a(gv__o(p, "speaking"), key_a);
    const char *head[] = {head0,           "Attended", "Share",   "Turns",
                          "Speaking time", "Share",    "Overtime"};
    static const gv__align al[] = {GV__LEFT,  GV__RIGHT, GV__RIGHT, GV__RIGHT,
                                   GV__RIGHT, GV__RIGHT, GV__RIGHT};
    heading(x, 2, id, "%s", title);
    gv__table t;
    gv__table_init(&t, 7, head, al);
    gv__chart c = {.title = title, .a_name = "attendance", .b_name = "speaking time"};
    /* The keys of both breakdowns: attendance lists every key, speaking
     * time too; a key present in one only counts 0 in the other. */
    size_t i;
    const json_t *a;
    json_array_foreach(att, i, a)
    {
        const char *key = gv__s(a, "key");
        const json_t *s = gv__find(spk, "key", key);
        char cnt[16], ash[16], turns[16], dur[32], ssh[16], ot[32];
        snprintf(cnt, sizeof cnt, "%lld", (long long)gv__i(a, "count"));
        gv__fmt_permille((int)gv__i(a, "share_permille"), ash);
        snprintf(turns, sizeof turns, "%lld", (long long)gv__i(s, "turns"));
        gv__fmt_duration(gv__i(s, "spoken_ms"), false, dur);
        gv__fmt_permille((int)gv__i(s, "share_permille"), ssh);
        gv__fmt_duration(gv__i(s, "overtime_ms"), false, ot);
        const char *row[] = {gv__label(dim, key), cnt, ash, turns, dur, ssh, ot};
        gv__table_row(&t, row);
        if (c.n < GV__CHART_MAX_BARS) {
            gv__bar *b = &c.bars[c.n++];
            b->label = gv__label(dim, key);
            b->a_permille = (int)gv__i(a, "share_permille");
            b->b_permille = (int)gv__i(s, "share_permille");
            snprintf(b->a_text, sizeof b->a_text, "%s (%s)", ash, cnt);
            snprintf(b->b_text, sizeof b->b_text, "%s (%s)", ssh, dur);
        }
    }
    table(x, &t);
    if (!x->collecting)
        x->d->chart(x->d, &c);
}

static void write_participation(w *x)
{
    const json_t *p = gv__o(x->rec, "participation");
    const json_t *att = gv__o(p, "attendance"), *spk = gv__o(p, "speaking");
    char total[32], over[32];
    gv__fmt_duration(gv__i(spk, "spoken_ms"), false, total);
    gv__fmt_duration(gv__i(spk, "overtime_ms"), false, over);
    heading(x, 1, "participation", "Participation");
    para(x,
         "%lld of the %lld people of the meeting attended (checked in, joined online, or took "
         "part). %lld turns, %s of speaking time, %s of it overtime. Shares are of the people "
         "who attended and of the speaking time of ended speeches.",
         (long long)gv__i(att, "attended"), (long long)gv__i(att, "people"),
         (long long)gv__i(spk, "turns"), total, over);
    write_dimension(x, "by-group", "By stakeholder group", "group", "by_group",
                    "Stakeholder group");
    write_dimension(x, "by-region", "By regional group", "region", "by_region", "Regional group");
    write_dimension(x, "by-gender", "By gender", "gender", "by_gender", "Gender");
    write_dimension(x, "by-mode", "In the room and online", "mode", "by_mode", "Mode");
}

static void write_verification(w *x)
{
    const json_t *v = gv__o(x->rec, "verification");
    const json_t *asof = gv__o(gv__o(x->rec, "meeting"), "as_of");
    heading(x, 1, "verification", "Verification");
    para(x,
         "This record is built from the event log of meeting \xE2\x80\x9C%s\xE2\x80\x9D up to "
         "event %lld (%s, %s). Each event of the log is chained to the one before by a "
         "BLAKE2b-256 hash; the hash of event %lld is:",
         gv__s(v, "meeting"), (long long)gv__i(v, "last_seq"), gv__s(asof, "local"),
         gv__s(asof, "utc"), (long long)gv__i(v, "last_seq"));
    if (!x->collecting)
        x->d->mono(x->d, gv__s(v, "hash"));
    para(x, "Whoever holds the database checks the log with \xE2\x80\x9Cgavel verify --db "
            "DB\xE2\x80\x9D, and a signed JSON record against it with \xE2\x80\x9Cgavel verify "
            "--record RECORD.json --sig RECORD.sig --pub KEY.pub --db DB\xE2\x80\x9D.");
}

static void write_all(w *x)
{
    write_title(x);
    write_documents(x);
    write_agenda(x);
    write_speeches(x);
    write_statements(x);
    write_guiding_questions(x);
    write_questions(x);
    write_people(x);
    write_participation(x);
    write_verification(x);
}

int gv__doc_write(const json_t *record, gv__doc *d, gv_error *err)
{
    if (!gv__o(record, "meeting") || !gv__a(record, "speeches") ||
        !gv__o(record, "participation") || !gv__o(record, "verification"))
        return gv_error_set(err, GV_EINVAL, "the record lacks some of its sections");
    w x = {.d = d,
           .rec = record,
           .collecting = true,
           .people = index_of(gv__a(record, "people"), "id"),
           .items = index_of(gv__a(record, "agenda"), "id"),
           .speeches = index_of(gv__a(record, "speeches"), "speech"),
           .questions = index_of(gv__a(record, "questions"), "question")};
    if (!x.people || !x.items || !x.speeches || !x.questions)
        x.failed = true;
    else
        write_all(&x);
    if (x.failed) {
        free(x.heads);
        json_decref(x.people);
        json_decref(x.items);
        json_decref(x.speeches);
        json_decref(x.questions);
        return gv_error_set(err, GV_ENOMEM, "out of memory while writing the report");
    }
    d->toc = x.heads;
    d->ntoc = x.nheads;
    x.collecting = false;
    write_all(&x);
    d->toc = NULL;
    d->ntoc = 0;
    free(x.heads);
    json_decref(x.people);
    json_decref(x.items);
    json_decref(x.speeches);
    json_decref(x.questions);
    if (x.failed)
        return gv_error_set(err, GV_ENOMEM, "out of memory while writing the report");
    return 0;
}

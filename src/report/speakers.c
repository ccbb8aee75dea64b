/*
 * The provisional list of speakers as a PDF or a CSV (speakers.h).
 *
 * Everything is read from the state: the item's entry of "provisional" (or,
 * while the item runs, "floor.list"), the people, the requests a swap names,
 * the meeting's zone for the times. The words are the pages' translations,
 * and each entry's "why here" is put together from its reason code, rank and
 * level as web/js/speakers.js puts it together on the page, in the same words:
 * the core's own reason is an English sentence, one language of six.
 *
 * User text (names, delegations, the group a statement is for) goes into
 * sentences of ours wrapped in Unicode isolates, so that an Arabic name in an
 * English sentence, or a Latin one in an Arabic sentence, keeps its own
 * direction and does not reorder the words around it.
 */
#include "report/speakers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/report_internal.h"

/* First strong isolate and pop directional isolate (Unicode bidi). */
#define FSI "\xE2\x81\xA8"
#define PDI "\xE2\x81\xA9"

#define CELL_MAX 1200
#define NCOLS    7

typedef struct sl {
    const json_t *state;
    const json_t *words;
    const json_t *item; /** the agenda item of the definition */
    const json_t *prov; /** its entry of "provisional" */
    const json_t *list; /** the entries, in order */
    json_t *people;     /** person id -> person, owned */
    icaltimezone *zone;
    bool rtl; /** a right-to-left language: the PDF is laid out right to left */
} sl;

static const char *word(const sl *x, const char *key)
{
    const char *s = json_string_value(json_object_get(x->words, key));
    return s ? s : key;
}

/* tmpl with {name} replaced by value (one placeholder), into out. */
static void fill(char *out, size_t size, const char *tmpl, const char *name, const char *value)
{
    char key[32];
    snprintf(key, sizeof key, "{%s}", name);
    size_t o = 0, klen = strlen(key);
    for (const char *t = tmpl; *t && o + 1 < size;) {
        if (strncmp(t, key, klen) == 0) {
            for (const char *v = value; *v && o + 1 < size; v++)
                out[o++] = *v;
            t += klen;
        } else {
            out[o++] = *t++;
        }
    }
    out[o] = '\0';
}

/* Appends part to out[size], after the language's separator when out is not empty. */
static void join(const sl *x, char *out, size_t size, const char *part)
{
    size_t n = strlen(out);
    snprintf(out + n, size - n, "%s%s", n ? word(x, "sl.why.sep") : "", part);
}

/* "2022-03-30 18:00 (UTC+02:00)", a moment in the meeting's zone, isolated:
 * it reads left to right on an Arabic page too. */
static void local_time(const sl *x, const json_t *ms, char *out, size_t size)
{
    json_t *t = json_is_integer(ms) ? gv__time_json(x->zone, json_integer_value(ms)) : NULL;
    const char *local = gv__s(t, "local");
    size_t n = strlen(local);
    if (n >= 25) /* ...T18:00:00[.123]+02:00 */
        snprintf(out, size, FSI "%.10s %.5s (UTC%s)" PDI, local, local + 11, local + n - 6);
    else
        snprintf(out, size, "%s", "\xE2\x80\x94");
    json_decref(t);
}

static const json_t *person(const sl *x, const char *id)
{
    return id ? json_object_get(x->people, id) : NULL;
}

static bool is_state(const json_t *p)
{
    const char *g = gv__s(p, "group");
    return strcmp(g, "member_state") == 0 || strcmp(g, "observer_state") == 0;
}

/* The delegation a person speaks for: their delegation, else affiliation, else name. */
static const char *delegation_of(const json_t *p)
{
    if (*gv__s(p, "delegation"))
        return gv__s(p, "delegation");
    if (*gv__s(p, "affiliation"))
        return gv__s(p, "affiliation");
    return gv__s(p, "name");
}

/* Whoever stands in the place a swapped entry took: the other request's delegation. */
static const char *swapped_with(const sl *x, const json_t *entry)
{
    const json_t *reqs = gv__a(x->state, "floor_requests"), *r;
    json_int_t id = json_integer_value(json_object_get(entry, "swapped_with"));
    size_t i;
    json_array_foreach(reqs, i, r)
    {
        if (json_integer_value(json_object_get(r, "request")) == id)
            return delegation_of(person(x, gv__s(r, "person")));
    }
    return "?";
}

static void isolate(char *out, size_t size, const char *user_text)
{
    snprintf(out, size, FSI "%s" PDI, user_text);
}

/* Why the entry stands where it stands, in the reader's language. */
static void why_here(const sl *x, const json_t *entry, char *out, size_t size)
{
    const char *code = gv__s(entry, "reason_code");
    const json_t *p = person(x, gv__s(entry, "person"));
    char n[24], part[CELL_MAX], user[CELL_MAX], key[64];
    snprintf(n, sizeof n, "%lld", (long long)gv__i(entry, "reason_rank"));
    out[0] = '\0';
    if (strcmp(code, "moved") == 0 || strcmp(code, "placed") == 0) {
        const json_t *by = person(x, gv__s(entry, "pinned_by"));
        bool chair = !by;
        const json_t *role;
        size_t i;
        json_array_foreach(gv__a(by, "roles"), i, role)
        {
            const char *rn = json_string_value(role);
            chair = chair || (rn && (strcmp(rn, "chair") == 0 || strcmp(rn, "moderator") == 0));
        }
        snprintf(key, sizeof key, "sl.why.%s_%s", code, chair ? "chair" : "secretariat");
        join(x, out, size, word(x, key));
        return;
    }
    if (strcmp(code, "swapped") == 0) {
        isolate(user, sizeof user, swapped_with(x, entry));
        fill(part, sizeof part, word(x, "sl.why.swapped"), "with", user);
        join(x, out, size, part);
        return;
    }
    if (strncmp(code, "un_", 3) != 0) {
        snprintf(key, sizeof key, "sl.why.%s", code);
        fill(part, sizeof part, word(x, key), "n", n);
        join(x, out, size, part);
        return;
    }
    if (strcmp(code, "un_group_statement") == 0) {
        isolate(user, sizeof user, gv__s(entry, "on_behalf_of"));
        fill(part, sizeof part, word(x, "sl.why.group_statement"), "group", user);
        join(x, out, size, part);
    } else {
        snprintf(key, sizeof key, "sl.why.%s", code + 3);
        join(x, out, size, word(x, key));
    }
    bool levels = is_state(p) || strcmp(code, "un_group_statement") == 0;
    if (levels) {
        snprintf(key, sizeof key, "sl.level.%s", gv__s(entry, "level"));
        join(x, out, size, word(x, key));
    }
    fill(part, sizeof part, word(x, levels ? "sl.why.rank" : "sl.why.rank_time"), "n", n);
    join(x, out, size, part);
    if (json_is_integer(json_object_get(entry, "level_changed_at_ms")))
        join(x, out, size, word(x, "sl.why.level_changed"));
}

/* The cells of an entry's row: no., speaker (with their function under the
 * name in the PDF), delegation, level, on behalf of, mode, why. */
static void row_cells(const sl *x, const json_t *entry, bool function, char cells[NCOLS][CELL_MAX])
{
    const json_t *p = person(x, gv__s(entry, "person"));
    char key[64];
    snprintf(cells[0], CELL_MAX, "%lld", (long long)gv__i(entry, "position") + 1);
    if (function && *gv__s(p, "function"))
        snprintf(cells[1], CELL_MAX, "%s\n%s", gv__s(entry, "name"), gv__s(p, "function"));
    else
        snprintf(cells[1], CELL_MAX, "%s", gv__s(entry, "name"));
    snprintf(cells[2], CELL_MAX, "%s", delegation_of(p));
    snprintf(key, sizeof key, "sl.level.%s", gv__s(entry, "level"));
    snprintf(cells[3], CELL_MAX, "%s", is_state(p) ? word(x, key) : "\xE2\x80\x94");
    snprintf(cells[4], CELL_MAX, "%s", gv__s(entry, "on_behalf_of"));
    snprintf(key, sizeof key, "mode.%s", gv__s(entry, "mode"));
    snprintf(cells[5], CELL_MAX, "%s", word(x, key));
    why_here(x, entry, cells[6], CELL_MAX);
}

static const char *const column_keys[NCOLS] = {
    "sl.col.n",         "sl.col.speaker", "sl.col.delegation", "sl.col.level",
    "sl.col.on_behalf", "sl.col.mode",    "sl.col.why"};

/* ---- PDF ------------------------------------------------------------------------------------ */

static void inscription_words(const sl *x, char *out, size_t size)
{
    const json_t *ins = gv__o(x->prov, "inscription");
    char opens[64], closes[64], part[512];
    if (!json_is_integer(json_object_get(ins, "opens_at_ms"))) {
        snprintf(out, size, "%s", word(x, "sl.inscription_none"));
        return;
    }
    local_time(x, json_object_get(ins, "opens_at_ms"), opens, sizeof opens);
    local_time(x, json_object_get(ins, "closes_at_ms"), closes, sizeof closes);
    bool closes_set = json_is_integer(json_object_get(ins, "closes_at_ms"));
    fill(part, sizeof part, word(x, closes_set ? "sl.inscription_window" : "sl.inscription_until"),
         "opens", opens);
    fill(out, size, part, "closes", closes);
}

static int write_doc(const void *ctx, gv__doc *d, gv_error *err)
{
    const sl *x = ctx;
    char policy_key[64], inscription[600], changed[64], as_of[64], meeting[2200];
    snprintf(policy_key, sizeof policy_key, "sl.policy.%s", gv__s(x->prov, "policy"));
    inscription_words(x, inscription, sizeof inscription);
    if (json_is_integer(json_object_get(x->prov, "changed_at_ms")))
        local_time(x, json_object_get(x->prov, "changed_at_ms"), changed, sizeof changed);
    else
        snprintf(changed, sizeof changed, "%s", word(x, "sl.never_changed"));
    local_time(x, json_object_get(x->state, "last_at_ms"), as_of, sizeof as_of);
    const json_t *m = gv__o(x->state, "meeting");
    snprintf(meeting, sizeof meeting, "%s\n%s", gv__s(m, "title"), gv__s(m, "body"));

    d->title(d, gv__s(x->item, "title"), word(x, "sl.title"));
    const char *keys[] = {word(x, "sl.meeting"), word(x, "sl.order"), word(x, "sl.inscription"),
                          word(x, "sl.changed"), word(x, "sl.as_of")};
    const char *values[] = {meeting, word(x, policy_key), inscription, changed, as_of};
    d->fields(d, 5, keys, values);
    d->para(d, word(x, json_is_true(json_object_get(x->prov, "running")) ? "sl.running_note"
                                                                         : "sl.note"));
    if (json_array_size(x->list) == 0) {
        d->para(d, word(x, "sl.empty"));
        return 0;
    }
    static const gv__align align[NCOLS] = {GV__RIGHT, GV__LEFT, GV__LEFT, GV__LEFT,
                                           GV__LEFT,  GV__LEFT, GV__LEFT};
    const char *head[NCOLS];
    for (size_t c = 0; c < NCOLS; c++)
        head[c] = word(x, column_keys[c]);
    gv__table t;
    gv__table_init(&t, NCOLS, head, align);
    char(*cells)[CELL_MAX] = malloc(NCOLS * sizeof *cells);
    if (!cells)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    size_t i;
    const json_t *e;
    json_array_foreach(x->list, i, e)
    {
        row_cells(x, e, true, cells);
        const char *row[NCOLS];
        for (size_t c = 0; c < NCOLS; c++)
            row[c] = cells[c];
        gv__table_row(&t, row);
    }
    free(cells);
    int rc = 0;
    if (t.failed)
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    else
        d->table(d, &t);
    gv__table_release(&t);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

/* Columns for machines after those for people: fixed names, in English. */
static const char *const machine_columns[] = {"request",     "person", "level_code",
                                              "reason_code", "pinned", "requested_at_utc"};

static void render_csv(const sl *x, gv__buf *b)
{
    for (size_t c = 0; c < NCOLS; c++) {
        if (c)
            gv__buf_puts(b, ",");
        gv__csv_cell(b, word(x, column_keys[c]));
    }
    for (size_t c = 0; c < sizeof machine_columns / sizeof *machine_columns; c++)
        gv__buf_printf(b, ",%s", machine_columns[c]);
    gv__buf_puts(b, "\r\n");
    char(*cells)[CELL_MAX] = malloc(NCOLS * sizeof *cells);
    if (!cells) {
        b->failed = true;
        return;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(x->list, i, e)
    {
        row_cells(x, e, false, cells);
        for (size_t c = 0; c < NCOLS; c++) {
            if (c)
                gv__buf_puts(b, ",");
            gv__csv_cell(b, cells[c]);
        }
        json_t *at = gv__time_json(x->zone, gv__i(e, "requested_at_ms"));
        gv__buf_printf(b, ",%lld,", (long long)gv__i(e, "request"));
        gv__csv_cell(b, gv__s(e, "person"));
        gv__buf_printf(b, ",%s,%s,%s,%s\r\n", gv__s(e, "level"), gv__s(e, "reason_code"),
                       json_is_true(json_object_get(e, "pinned")) ? "true" : "false",
                       gv__s(at, "utc"));
        json_decref(at);
    }
    free(cells);
}

/* ---- entry ---------------------------------------------------------------------------------- */

int gv_speakers_format_from_name(const char *name, gv_speakers_format *fmt)
{
    if (name && strcmp(name, "pdf") == 0)
        *fmt = GV_SPEAKERS_PDF;
    else if (name && strcmp(name, "csv") == 0)
        *fmt = GV_SPEAKERS_CSV;
    else
        return GV_EINVAL;
    return 0;
}

/* Finds the item, its list and the people in the state; x->people is then owned. */
static int load(sl *x, const char *item, gv_error *err)
{
    x->item = gv__find(gv__a(x->state, "agenda"), "id", item);
    x->prov = gv__find(gv__a(x->state, "provisional"), "item", item);
    if (!x->item)
        return gv_error_set(err, GV_ENOTFOUND, "there is no agenda item \"%s\"", item);
    if (!x->prov)
        return gv_error_set(err, GV_EINVAL, "the state has no list for agenda item \"%s\"", item);
    x->list = json_is_true(json_object_get(x->prov, "running"))
                  ? gv__a(gv__o(x->state, "floor"), "list")
                  : gv__a(x->prov, "list");
    int rc = gv__zone_find(gv__s(gv__o(x->state, "meeting"), "timezone"), &x->zone, err);
    if (rc < 0)
        return rc;
    if (!(x->people = json_object()))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    const json_t *p;
    size_t i;
    json_array_foreach(gv__a(x->state, "people"), i, p)
    {
        if (json_object_set(x->people, gv__s(p, "id"), (json_t *)p) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    return 0;
}

int gv_speakers_render(const json_t *state, const char *item, const json_t *words, const char *lang,
                       gv_speakers_format fmt, char **out, size_t *len, gv_error *err)
{
    static const char *const rtl_langs[] = {"ar", "fa", "he", "ur"};
    sl x = {.state = state, .words = words};
    gv__buf b;
    gv__buf_init(&b);
    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < sizeof rtl_langs / sizeof *rtl_langs; i++)
        x.rtl = x.rtl || (lang && strcmp(lang, rtl_langs[i]) == 0);
    int rc = load(&x, item, err);
    if (rc < 0)
        goto fail;
    if (fmt == GV_SPEAKERS_CSV) {
        render_csv(&x, &b);
    } else {
        char title[1200];
        json_t *as_of = gv__time_json(x.zone, gv__i(state, "last_at_ms"));
        snprintf(title, sizeof title, "%s: %s", word(&x, "sl.title"), gv__s(x.item, "title"));
        gv__pdf_source src = {.write = write_doc,
                              .ctx = &x,
                              .title = title,
                              .subject = word(&x, "sl.title"),
                              .date_utc = gv__s(as_of, "utc"),
                              .page_of = word(&x, "sl.page_of"),
                              .rtl = x.rtl};
        rc = gv__render_pdf_source(&src, &b, err);
        json_decref(as_of);
        if (rc < 0)
            goto fail;
    }
    if (!(*out = gv__buf_take(&b, len, err))) {
        rc = GV_ENOMEM;
        goto fail;
    }
    json_decref(x.people);
    return 0;
fail:
    gv__buf_release(&b);
    json_decref(x.people);
    return rc;
}

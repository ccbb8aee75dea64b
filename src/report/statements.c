/*
 * Written statements in the record, and in one archive (statements.h).
 *
 * In the record, a statement sits beside the speech it belongs to: the
 * speech it was attached to, or, for one attached to an agenda item before
 * its speaker spoke, that speaker's first speech on the item. One whose
 * speaker never took the floor on its item stands as submitted in writing
 * (its "speech" null). The section lists the current statements (the log
 * keeps the withdrawn and replaced ones) in the order of the speeches they
 * sit beside, then those submitted in writing in agenda order, each with
 * its file's SHA-256, so that anyone holding a copy of a statement can
 * tell whether it is the one filed.
 *
 * The archive holds the files themselves, read from the store (which
 * checks each against its hash) in the record's order, and an index. Its
 * entries are dated at the record's last event: one log, one archive.
 */
#include "report/statements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/package.h"
#include "report/report_internal.h"

/* The statements as they will be listed, with the speech each sits beside. */
typedef struct placed {
    const json_t *s;      /** the state's statement */
    const json_t *speech; /** the record's speech it sits beside, or NULL */
    int64_t item;         /** the item's place in the agenda */
} placed;

static int64_t sort_key(const placed *p)
{
    return p->speech ? gv__i(p->speech, "n") : INT64_MAX;
}

static int cmp_placed(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    int64_t kx = sort_key(x), ky = sort_key(y);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    int64_t ix = gv__i(x->s, "statement"), iy = gv__i(y->s, "statement");
    return (ix > iy) - (ix < iy);
}

/* The record's speech a statement sits beside, or NULL. */
static const json_t *beside(const json_t *speeches, const json_t *s)
{
    size_t i;
    const json_t *sp;
    int64_t id = gv__i(s, "speech");
    json_array_foreach(speeches, i, sp)
    {
        if (id ? gv__i(sp, "speech") == id
               : strcmp(gv__s(sp, "person"), gv__s(s, "person")) == 0 &&
                     strcmp(gv__s(sp, "item"), gv__s(s, "item")) == 0)
            return sp;
    }
    return NULL;
}

static int64_t item_place(const json_t *state, const char *item)
{
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(state, "agenda"), i, it)
    {
        if (strcmp(gv__s(it, "id"), item) == 0)
            return (int64_t)i;
    }
    return INT64_MAX;
}

static json_t *str_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_incref((json_t *)v) : json_null();
}

int gv__record_statements(const json_t *state, icaltimezone *zone, json_t *rec, gv_error *err)
{
    const json_t *speeches = json_object_get(rec, "speeches");
    const json_t *all = json_object_get(state, "statements");
    size_t n = json_array_size(all), i;
    json_t *sp;
    json_t *list = json_array();
    placed *p = calloc(n ? n : 1, sizeof *p);
    if (!list || !p || json_object_set_new(rec, "statements", list) < 0)
        goto nomem;
    json_array_foreach(speeches, i, sp)
    {
        if (json_object_set_new(sp, "statements", json_array()) < 0)
            goto nomem;
    }
    for (i = 0; i < n; i++) {
        p[i].s = json_array_get(all, i);
        p[i].speech = beside(speeches, p[i].s);
        p[i].item = item_place(state, gv__s(p[i].s, "item"));
    }
    qsort(p, n, sizeof *p, cmp_placed);
    for (i = 0; i < n; i++) {
        const json_t *s = p[i].s,
                     *who = gv__find(json_object_get(state, "people"), "id", gv__s(s, "person"));
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:s, s:s, s:I, s:s, s:o, s:s}", "n",
                      (json_int_t)(i + 1), "statement", (json_int_t)gv__i(s, "statement"), "person",
                      gv__s(s, "person"), "name", str_or_null(who, "name"), "affiliation",
                      str_or_null(who, "affiliation"), "item", gv__s(s, "item"), "speech",
                      p[i].speech ? json_integer(gv__i(p[i].speech, "speech")) : json_null(),
                      "speech_n", p[i].speech ? json_integer(gv__i(p[i].speech, "n")) : json_null(),
                      "file_name", gv__s(s, "file_name"), "media_type", gv__s(s, "media_type"),
                      "size_bytes", (json_int_t)gv__i(s, "size_bytes"), "sha256", gv__s(s, "hash"),
                      "attached", gv__time_json(zone, gv__i(s, "at_ms")), "by", gv__s(s, "by"));
        if (!o || json_array_append_new(list, o) < 0)
            goto nomem;
        if (p[i].speech && json_array_append_new(json_object_get(p[i].speech, "statements"),
                                                 json_integer(gv__i(s, "statement"))) < 0)
            goto nomem;
    }
    free(p);
    return 0;
nomem:
    free(p);
    return gv_error_set(err, GV_ENOMEM, "out of memory while listing the statements");
}

/* ---- the archive ----------------------------------------------------------------------------- */

typedef struct reading {
    gv__zip *z;
    const char *name; /** the entry's name */
} reading;

static int add_file(void *ud, const gv_stored_file *f)
{
    reading *r = ud;
    gv__zip_add(r->z, r->name, f->bytes, f->len, false);
    return 0;
}

static const char *const index_columns[] = {
    "n",    "statement", "person",     "name",       "affiliation", "item",        "speech_n",
    "file", "file_name", "media_type", "size_bytes", "sha256",      "attached_utc"};

int gv_statements_archive(gv_store *st, const json_t *record, char **out, size_t *len,
                          gv_error *err)
{
    const json_t *list = gv__a(record, "statements");
    const char *meeting = gv__s(gv__o(record, "verification"), "meeting");
    gv__zip *z = gv__zip_new(gv__i(gv__o(gv__o(record, "meeting"), "as_of"), "ms") / 1000);
    gv__buf index;
    int rc = 0;
    *out = NULL;
    gv__buf_init(&index);
    if (!z) {
        gv__buf_release(&index);
        return gv_error_set(err, GV_ENOMEM, "out of memory making the archive");
    }
    gv__buf_puts(&index, "\xEF\xBB\xBF");
    for (size_t c = 0; c < sizeof index_columns / sizeof index_columns[0]; c++)
        gv__buf_printf(&index, "%s%s", c ? "," : "", index_columns[c]);
    gv__buf_puts(&index, "\r\n");
    size_t i;
    const json_t *s;
    json_array_foreach(list, i, s)
    {
        unsigned char hash[GV_FILE_HASH_BYTES];
        char name[300];
        snprintf(name, sizeof name, "%02lld-%s", (long long)gv__i(s, "n"), gv__s(s, "file_name"));
        reading r = {.z = z, .name = name};
        if (gv_hash_from_hex(gv__s(s, "sha256"), hash) < 0)
            rc = gv_error_set(err, GV_EINVAL, "statement %lld names no file",
                              (long long)gv__i(s, "statement"));
        else
            rc = gv_store_get_file(st, meeting, hash, add_file, &r, err);
        if (rc < 0)
            break;
        gv__buf_printf(&index, "%lld,%lld", (long long)gv__i(s, "n"),
                       (long long)gv__i(s, "statement"));
        const char *cells[] = {gv__s(s, "person"), gv__s(s, "name"), gv__s(s, "affiliation"),
                               gv__s(s, "item")};
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            gv__buf_puts(&index, ",");
            gv__csv_cell(&index, cells[c]);
        }
        if (json_is_integer(json_object_get(s, "speech_n")))
            gv__buf_printf(&index, ",%lld", (long long)gv__i(s, "speech_n"));
        else
            gv__buf_puts(&index, ",");
        const char *more[] = {name, gv__s(s, "file_name"), gv__s(s, "media_type")};
        for (size_t c = 0; c < sizeof more / sizeof more[0]; c++) {
            gv__buf_puts(&index, ",");
            gv__csv_cell(&index, more[c]);
        }
        gv__buf_printf(&index, ",%lld,%s,%s\r\n", (long long)gv__i(s, "size_bytes"),
                       gv__s(s, "sha256"), gv__s(gv__o(s, "attached"), "utc"));
    }
    size_t ilen = 0;
    char *ibytes = gv__buf_take(&index, &ilen, rc < 0 ? NULL : err);
    if (rc == 0 && !ibytes)
        rc = GV_ENOMEM;
    if (rc < 0) {
        free(ibytes);
        gv__zip_free(z);
        return rc;
    }
    gv__zip_add(z, "index.csv", ibytes, ilen, false);
    free(ibytes);
    *out = gv__zip_finish(z, len, err);
    return *out ? 0 : GV_ENOMEM;
}

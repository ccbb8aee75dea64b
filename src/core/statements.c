/*
 * Written statements: a speaker's file attached to their speech, or to an
 * agenda item before they speak (docs/statements.md).
 *
 *   attach_statement   -> statement_attached {statement, person, item,
 *                         speech?, hash, media_type, size_bytes, file_name,
 *                         replaces?}
 *   withdraw_statement -> statement_withdrawn {statement}
 *
 * A statement is current until it is withdrawn or replaced:
 *
 *   current --statement_withdrawn--> withdrawn
 *   current --statement_attached (same person and target)--> replaced
 *
 * The target is a speech, or an agenda item with no speech named; a person
 * has at most one current statement per target, so attaching another
 * replaces it (the event says which). Every statement stays in
 * m->statements, ascending by id, for the log's sake: the state shows the
 * current ones, the server serves the bytes of any (to those allowed).
 *
 * The file itself never enters the log. attach_statement carries what the
 * server (or `gavel apply`) found in the bytes it stored: their SHA-256,
 * their kind, their size; the core checks these are well formed and that
 * the file name fits the kind (gv_statement_name_check), not the bytes,
 * which it never sees. That is why clients do not send attach_statement:
 * the upload route makes it after storing the file (docs/protocol.md).
 *
 * Who: anyone in the meeting for themselves; the secretariat, the chair and
 * the moderators for anyone. Withdrawing: the person, whoever attached it,
 * the secretariat, the chair, the moderators. Statements are taken before,
 * during and after the meeting (written statements often come after it).
 */
#include "core/statements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/array.h"
#include "core/jsonf.h"
#include "core/meeting_internal.h"

#define ID_MAX_BYTES     256
#define ROLES_FOR_OTHERS (GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT)

const gv_doc_type_info gv_doc_types[GV_DOC_TYPE_COUNT] = {
    [GV_DOC_PDF] = {"application/pdf", "a PDF document", {"pdf", NULL}},
    [GV_DOC_DOCX] = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "a Word document",
                     {"docx", NULL}},
    [GV_DOC_ODT] = {"application/vnd.oasis.opendocument.text",
                    "an OpenDocument text",
                    {"odt", NULL}},
    [GV_DOC_TEXT] = {"text/plain", "a plain-text file", {"txt", "text", "md", NULL}},
};

int gv_doc_type_of(const char *media_type)
{
    for (int t = 0; media_type && t < GV_DOC_TYPE_COUNT; t++)
        if (strcmp(media_type, gv_doc_types[t].media_type) == 0)
            return t;
    return -1;
}

/* ---- file names --------------------------------------------------------------------------- */

/* Whether s starts with a bidi control (U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069): a name holding one can show "fdp.exe" as "exe.pdf". */
static bool bidi_control(const unsigned char *s)
{
    if (s[0] != 0xe2)
        return false;
    if (s[1] == 0x80)
        return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae);
    return s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9;
}

int gv_statement_name_check(const char *name, gv_doc_type type, gv_error *err)
{
    const gv_doc_type_info *t = &gv_doc_types[type];
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return gv_error_set(err, GV_EINVAL, "the statement needs a file name (like statement.%s)",
                            t->extensions[0]);
    if (len > GV_STATEMENT_NAME_MAX_BYTES)
        return gv_error_set(err, GV_EINVAL,
                            "the file name is %zu bytes long: at most %d; give it a shorter name",
                            len, GV_STATEMENT_NAME_MAX_BYTES);
    if (name[0] == '.')
        return gv_error_set(err, GV_EINVAL,
                            "the file name \"%.60s\" starts with a dot: give it a plain name",
                            name);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/' || *p == '\\')
            return gv_error_set(err, GV_EINVAL,
                                "the file name \"%.60s\" is a path: send the file's own name, "
                                "without folders",
                                name);
        if (*p < 0x20 || *p == 0x7f || bidi_control(p))
            return gv_error_set(err, GV_EINVAL,
                                "the file name \"%.60s\" holds control or direction characters: "
                                "rename the file",
                                name);
    }
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && t->extensions[i]; i++)
        if (strcasecmp(dot + 1, t->extensions[i]) == 0)
            return 0;
    return gv_error_set(err, GV_EINVAL,
                        "the file \"%.60s\" holds %s, so its name must end in .%s: rename it, or "
                        "send the file its name says",
                        name, t->label, t->extensions[0]);
}

/* ---- lookups ------------------------------------------------------------------------------ */

static const gv_speech *speech_of(const gv_meeting *m, int64_t id)
{
    int i = gv__floor_speech_find(&m->floor, id);
    return i < 0 ? NULL : &m->floor.speeches[i];
}

static gv_statement *statement_of(const gv_meeting *m, int64_t id)
{
    size_t lo = 0, hi = m->n_statements;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->statements[mid].id == id)
            return &m->statements[mid];
        if (m->statements[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The person's current statement on this target (a speech, or the item
 * with speech 0), or NULL. */
static gv_statement *current_on(const gv_meeting *m, int person, int item, int64_t speech)
{
    for (size_t i = m->n_statements; i-- > 0;) {
        gv_statement *s = &m->statements[i];
        if (!s->ended_at_ms && s->person == person && s->speech == speech &&
            (speech || s->item == item))
            return s;
    }
    return NULL;
}

/* Delivered: its speech was given; for a statement on an item, the person
 * took the floor on it, or the item is over (it ran and ended, or the
 * meeting closed): a statement not delivered then stands as submitted in
 * writing. */
static bool delivered(const gv_meeting *m, const gv_statement *s)
{
    if (s->speech)
        return true; /* a speech exists only once the floor was given */
    for (size_t i = 0; i < m->floor.n_speeches; i++)
        if (m->floor.speeches[i].person == s->person && m->floor.speeches[i].item == s->item)
            return true;
    const gv_item *it = &m->items[s->item];
    return m->status == GV_STATUS_CLOSED || (it->started_at_ms && m->current_item != s->item);
}

static gv_statement_ref ref_of(const gv_meeting *m, const gv_statement *s)
{
    return (gv_statement_ref){.id = s->id,
                              .person = m->people[s->person].id,
                              .file_name = s->file_name,
                              .media_type = gv_doc_types[s->type].media_type,
                              .size_bytes = s->size_bytes,
                              .hash = s->hash,
                              .current = !s->ended_at_ms,
                              .delivered = delivered(m, s)};
}

int gv_meeting_statement_find(const gv_meeting *m, const char *hash_hex, gv_statement_ref *out)
{
    const gv_statement *best = NULL;
    for (size_t i = 0; hash_hex && i < m->n_statements; i++) {
        const gv_statement *s = &m->statements[i];
        if (strcmp(s->hash, hash_hex) == 0 && (!best || !s->ended_at_ms || best->ended_at_ms))
            best = s;
    }
    if (!best)
        return GV_ENOTFOUND;
    *out = ref_of(m, best);
    return 0;
}

int gv_meeting_statements_each(const gv_meeting *m, int (*fn)(void *ud, const gv_statement_ref *s),
                               void *ud)
{
    for (size_t i = 0; i < m->n_statements; i++) {
        gv_statement_ref r = ref_of(m, &m->statements[i]);
        int rc = fn(ud, &r);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the fields of a statement ------------------------------------------------------------ */

/* What attach_statement and statement_attached say of the statement. */
typedef struct attach {
    int person;
    int item;
    int64_t speech;
    const char *hash;
    int type;
    int64_t size_bytes;
    const char *file_name;
} attach;

static bool hash_wellformed(const char *h)
{
    size_t n = 0;
    for (; h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
            return false;
    return n == 64;
}

/* Reads the file's fields (hash, media_type, size_bytes, file_name) and the
 * target (speech or item) of obj into a; a->person is set. GV_EINVAL /
 * GV_ENOTFOUND with err naming the field. */
static int read_attach(const gv_meeting *m, const json_t *obj, attach *a, gv_error *err)
{
    const char *media = NULL, *item_id = NULL;
    int rc;
    if ((rc = gv__json_string(obj, "hash", true, 64, &a->hash, err)) < 0 ||
        (rc = gv__json_string(obj, "media_type", true, 128, &media, err)) < 0 ||
        (rc = gv__json_int(obj, "size_bytes", true, 1, GV_STATEMENT_MAX_BYTES, &a->size_bytes,
                           err)) < 0 ||
        (rc = gv__json_string(obj, "file_name", true, GV_STATEMENT_NAME_MAX_BYTES, &a->file_name,
                              err)) < 0 ||
        (rc = gv__json_int(obj, "speech", false, 1, INT64_MAX, &a->speech, err)) < 0 ||
        (rc = gv__json_string(obj, "item", false, ID_MAX_BYTES, &item_id, err)) < 0)
        return rc;
    if (!hash_wellformed(a->hash))
        return gv_error_set(
            err, GV_EINVAL,
            "field \"hash\" must be the file's SHA-256 in 64 lower-case hex digits");
    if ((a->type = gv_doc_type_of(media)) < 0)
        return gv_error_set(err, GV_EINVAL,
                            "field \"media_type\" \"%.80s\" is not a kind of statement taken: "
                            "PDF, Word (.docx), OpenDocument (.odt) or plain text",
                            media);
    if ((rc = gv_statement_name_check(a->file_name, (gv_doc_type)a->type, err)) < 0)
        return rc;
    a->item = item_id ? gv__item_find(m, item_id) : -1;
    if (item_id && a->item < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no agenda item \"%.64s\"", item_id);
    if (a->speech) {
        const gv_speech *sp = speech_of(m, a->speech);
        if (!sp)
            return gv_error_set(err, GV_ENOTFOUND,
                                "there is no speech %lld: name a speech by the id of its "
                                "floor_given event",
                                (long long)a->speech);
        if (sp->person != a->person)
            return gv_error_set(err, GV_EINVAL, "speech %lld is %s's, not %s's",
                                (long long)a->speech, m->people[sp->person].id,
                                m->people[a->person].id);
        if (item_id && a->item != sp->item)
            return gv_error_set(err, GV_EINVAL,
                                "speech %lld was on item \"%s\": leave \"item\" out or name that "
                                "one",
                                (long long)a->speech, m->items[sp->item].id);
        a->item = sp->item;
    }
    return 0;
}

/* ---- commands ----------------------------------------------------------------------------- */

static int decide_attach(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id",         "person",     "speech",    "item",
                                         "hash", "media_type", "size_bytes", "file_name", NULL};
    attach a = {.person = c->actor};
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (json_object_get(c->json, "person") &&
         (rc = gv__event_person(m, c->json, "person", &a.person, err)) < 0))
        return rc;
    if (a.person != c->actor && !(c->actor_roles & ROLES_FOR_OTHERS))
        return gv_error_set(err, GV_EPERM,
                            "only the secretariat, the chair or a moderator attaches a statement "
                            "for someone else");
    if ((rc = read_attach(m, c->json, &a, err)) < 0)
        return rc;
    if (a.item < 0 && (a.item = m->current_item) < 0)
        return gv_error_set(err, GV_EINVAL,
                            "no agenda item runs: name the \"item\" or the \"speech\" the "
                            "statement is for");
    const gv_statement *old = current_on(m, a.person, a.item, a.speech);
    if (old && strcmp(old->hash, a.hash) == 0 && strcmp(old->file_name, a.file_name) == 0)
        return gv_error_set(err, GV_ESTATE, "this file is attached already (statement %lld)",
                            (long long)old->id);
    if (m->n_statements >= GV_STATEMENTS_MAX)
        return gv_error_set(err, GV_ELIMIT, "this meeting has %d statements, the most it keeps",
                            GV_STATEMENTS_MAX);
    if ((rc = gv__event_add(m, c, events, "statement_attached", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "statement", json_integer(gv__event_seq(ev)), err)) < 0 ||
        (rc = gv__event_set(ev, "person", json_string(m->people[a.person].id), err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[a.item].id), err)) < 0 ||
        (a.speech && (rc = gv__event_set(ev, "speech", json_integer(a.speech), err)) < 0) ||
        (rc = gv__event_set(ev, "hash", json_string(a.hash), err)) < 0 ||
        (rc = gv__event_set(ev, "media_type", json_string(gv_doc_types[a.type].media_type), err)) <
            0 ||
        (rc = gv__event_set(ev, "size_bytes", json_integer(a.size_bytes), err)) < 0 ||
        (rc = gv__event_set(ev, "file_name", json_string(a.file_name), err)) < 0)
        return rc;
    return old ? gv__event_set(ev, "replaces", json_integer(old->id), err) : 0;
}

/* May person index `who` (roles `roles`) withdraw s? */
static bool may_withdraw(const gv_statement *s, int who, unsigned roles)
{
    return who == s->person || who == s->by || (roles & ROLES_FOR_OTHERS);
}

static int decide_withdraw(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "statement", NULL};
    int64_t id = 0;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_int(c->json, "statement", true, 1, INT64_MAX, &id, err)) < 0)
        return rc;
    const gv_statement *s = statement_of(m, id);
    if (!s)
        return gv_error_set(err, GV_ENOTFOUND, "there is no statement %lld", (long long)id);
    if (!may_withdraw(s, c->actor, c->actor_roles))
        return gv_error_set(err, GV_EPERM,
                            "statement %lld is %s's: only they, whoever attached it, the "
                            "secretariat, the chair or a moderator may withdraw it",
                            (long long)id, m->people[s->person].id);
    if (s->ended_at_ms)
        return gv_error_set(err, GV_ESTATE, "statement %lld was %s already", (long long)id,
                            s->replaced_by ? "replaced" : "withdrawn");
    if ((rc = gv__event_add(m, c, events, "statement_withdrawn", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "statement", json_integer(id), err);
}

/* ---- events ------------------------------------------------------------------------------- */

static int apply_attached(gv_meeting *m, const json_t *ev, gv_error *err)
{
    attach a = {0};
    int64_t id = 0, replaces = 0;
    const char *item_id = NULL;
    int by = -1;
    if (gv__json_int(ev, "statement", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__json_int(ev, "replaces", false, 1, INT64_MAX, &replaces, err) < 0 ||
        gv__json_string(ev, "item", true, ID_MAX_BYTES, &item_id, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0 ||
        gv__event_person(m, ev, "person", &a.person, err) < 0 || read_attach(m, ev, &a, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (id != gv__event_seq(ev))
        return gv__event_corrupt(ev, err, "a statement's id must be its event's sequence number");
    if (a.person != by && !(m->people[by].roles & ROLES_FOR_OTHERS))
        return gv__event_corrupt(ev, err, "it attaches someone else's statement without the role");
    if (m->n_statements >= GV_STATEMENTS_MAX)
        return gv__event_corrupt(ev, err, "the meeting has the most statements it keeps");
    gv_statement *old = current_on(m, a.person, a.item, a.speech);
    if ((old ? old->id : 0) != replaces)
        return gv__event_corrupt(ev, err, "\"replaces\" does not name the statement it replaces");
    char *name = strdup(a.file_name);
    if (!name || GV_ARRAY_RESERVE(m->statements, m->cap_statements, m->n_statements + 1) < 0) {
        free(name);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    /* The array may have moved: find the replaced statement again. */
    old = replaces ? statement_of(m, replaces) : NULL;
    if (old) {
        old->ended_at_ms = gv__event_at(ev);
        old->ended_by = by;
        old->replaced_by = id;
    }
    gv_statement *s = &m->statements[m->n_statements++];
    *s = (gv_statement){.id = id,
                        .person = a.person,
                        .by = by,
                        .item = a.item,
                        .speech = a.speech,
                        .type = a.type,
                        .size_bytes = a.size_bytes,
                        .file_name = name,
                        .at_ms = gv__event_at(ev),
                        .replaces = replaces,
                        .ended_by = -1};
    memcpy(s->hash, a.hash, sizeof s->hash);
    return 0;
}

static int apply_withdrawn(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t id = 0;
    int by = -1;
    if (gv__json_int(ev, "statement", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_statement *s = statement_of(m, id);
    if (!s || s->ended_at_ms)
        return gv__event_corrupt(ev, err, "it names no current statement");
    if (!may_withdraw(s, by, m->people[by].roles))
        return gv__event_corrupt(ev, err, "it withdraws a statement its sender may not");
    s->ended_at_ms = gv__event_at(ev);
    s->ended_by = by;
    return 0;
}

const gv_command_spec gv__statements_commands[] = {
    {"attach_statement", GV_ROLES_ANY_PERSON, decide_attach},
    {"withdraw_statement", GV_ROLES_ANY_PERSON, decide_withdraw},
    {NULL, 0, NULL},
};

const gv_event_spec gv__statements_events[] = {
    {"statement_attached", apply_attached, GV_SECTION_STATEMENTS},
    {"statement_withdrawn", apply_withdrawn, GV_SECTION_STATEMENTS},
    {NULL, NULL, 0},
};

/* ---- state -------------------------------------------------------------------------------- */

void gv__statements_release(gv_meeting *m)
{
    for (size_t i = 0; i < m->n_statements; i++)
        free(m->statements[i].file_name);
    free(m->statements);
    m->statements = NULL;
    m->n_statements = m->cap_statements = 0;
}

static json_t *statement_json(const gv_meeting *m, const gv_statement *s)
{
    return json_pack(
        "{s:I, s:s, s:s, s:o, s:s, s:s, s:I, s:s, s:I, s:s}", "statement", (json_int_t)s->id,
        "person", m->people[s->person].id, "item", m->items[s->item].id, "speech",
        s->speech ? json_integer(s->speech) : json_null(), "hash", s->hash, "media_type",
        gv_doc_types[s->type].media_type, "size_bytes", (json_int_t)s->size_bytes, "file_name",
        s->file_name, "at_ms", (json_int_t)s->at_ms, "by", m->people[s->by].id);
}

int gv__statements_to_json(const gv_meeting *m, json_t *state)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(state, "statements", list) < 0)
        return GV_ENOMEM;
    for (size_t i = 0; i < m->n_statements; i++)
        if (!m->statements[i].ended_at_ms &&
            json_array_append_new(list, statement_json(m, &m->statements[i])) < 0)
            return GV_ENOMEM;
    return 0;
}

/* ---- snapshots (snapshot.c) --------------------------------------------------------------- */

int gv__statements_snapshot(const gv_meeting *m, json_t *rows)
{
    for (size_t i = 0; i < m->n_statements; i++) {
        const gv_statement *s = &m->statements[i];
        json_t *a = json_pack("[I, i, i, i, I, s, i, I, s, I, I, I, i, I]", (json_int_t)s->id,
                              s->person, s->by, s->item, (json_int_t)s->speech, s->hash, s->type,
                              (json_int_t)s->size_bytes, s->file_name, (json_int_t)s->at_ms,
                              (json_int_t)s->replaces, (json_int_t)s->ended_at_ms, s->ended_by,
                              (json_int_t)s->replaced_by);
        if (!a || json_array_append_new(rows, a) < 0)
            return GV_ENOMEM;
    }
    return 0;
}

/* Integer field i of row a in [lo, hi]; *bad is set when it is not. */
static int64_t row_int(const json_t *a, size_t i, int64_t lo, int64_t hi, bool *bad)
{
    const json_t *v = json_array_get(a, i);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        *bad = true;
        return lo;
    }
    return json_integer_value(v);
}

int gv__statements_restore(gv_meeting *m, const json_t *rows, gv_error *err)
{
    size_t n = json_array_size(rows);
    if (!json_is_array(rows) || n > GV_STATEMENTS_MAX)
        return gv_error_set(err, GV_ECORRUPT,
                            "the snapshot is damaged: its statements do not "
                            "fit the meeting; fold the log instead");
    if (GV_ARRAY_RESERVE(m->statements, m->cap_statements, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(rows, i);
        const char *hash = json_string_value(json_array_get(a, 5));
        const char *name = json_string_value(json_array_get(a, 8));
        int np = (int)m->n_people;
        bool bad = !json_is_array(a) || json_array_size(a) != 14 || !hash ||
                   !hash_wellformed(hash) || !name;
        gv_statement s = {
            .id = row_int(a, 0, 1, INT64_MAX, &bad),
            .person = (int)row_int(a, 1, 0, np - 1, &bad),
            .by = (int)row_int(a, 2, 0, np - 1, &bad),
            .item = (int)row_int(a, 3, 0, (int64_t)m->n_items - 1, &bad),
            .speech = row_int(a, 4, 0, INT64_MAX, &bad),
            .type = (int)row_int(a, 6, 0, GV_DOC_TYPE_COUNT - 1, &bad),
            .size_bytes = row_int(a, 7, 1, GV_STATEMENT_MAX_BYTES, &bad),
            .at_ms = row_int(a, 9, 0, GV_TIME_MAX_MS, &bad),
            .replaces = row_int(a, 10, 0, INT64_MAX, &bad),
            .ended_at_ms = row_int(a, 11, 0, GV_TIME_MAX_MS, &bad),
            .ended_by = (int)row_int(a, 12, -1, np - 1, &bad),
            .replaced_by = row_int(a, 13, 0, INT64_MAX, &bad),
        };
        if (bad || (i && s.id <= m->statements[i - 1].id))
            return gv_error_set(err, GV_ECORRUPT,
                                "the snapshot is damaged: statement %zu does not fit the "
                                "meeting; fold the log instead",
                                i + 1);
        if (!(s.file_name = strdup(name)))
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        memcpy(s.hash, hash, sizeof s.hash);
        m->statements[m->n_statements++] = s;
    }
    return 0;
}

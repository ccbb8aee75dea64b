/*
 * The meeting: dispatch of commands to the modules that own them, the role
 * check, sequence numbering and the fold.
 *
 * Every command type appears in exactly one module table (agenda, floor,
 * questions) together with the roles that may send it; every event type in
 * exactly one event table, except "meeting_defined", which this file applies
 * itself. Invariants kept here:
 * - m->seq is the sequence number of the last applied event; the next event
 *   applied must carry m->seq + 1, and events from decide are numbered so;
 * - the first event of a meeting is "meeting_defined" and no other event is
 *   accepted before it;
 * - decide never changes the meeting; apply changes it only on success;
 * - each event type's entry names the sections of the state (meeting.h)
 *   its apply may change; gv_meeting_event_sections adds the floor's when
 *   time moves, and every section for the definition;
 * - a command's "cid" is checked here, hidden from the module's decide (whose
 *   field lists need not know it) and set on every event it makes; apply
 *   checks its shape and records which events each cid made (m->cids: the
 *   events of a command are consecutive, so first and last seq say it).
 */
#include "core/meeting_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonf.h"

static const gv_command_spec *const command_tables[] = {
    gv__agenda_commands,  gv__floor_commands,      gv__questions_commands,
    gv__summary_commands, gv__statements_commands,
};
static const gv_event_spec *const event_tables[] = {
    gv__agenda_events,  gv__floor_events,      gv__questions_events,
    gv__summary_events, gv__statements_events,
};
#define N_TABLES (sizeof command_tables / sizeof command_tables[0])

gv_meeting *gv_meeting_new(void)
{
    gv_meeting *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->current_item = -1;
    m->current_question = -1;
    m->summary.approved_by = -1;
    gv__floor_init(&m->floor);
    gv__questions_init(&m->questions);
    return m;
}

void gv_meeting_free(gv_meeting *m)
{
    if (!m)
        return;
    gv__questions_release(&m->questions);
    gv__summary_release(&m->summary);
    gv__statements_release(m);
    gv__floor_release(&m->floor);
    gv__agenda_release(m);
    gv__definition_release(m);
    json_decref(m->cids);
    free(m);
}

const json_t *gv_meeting_definition(const gv_meeting *m)
{
    return m->definition;
}

int64_t gv_meeting_seq(const gv_meeting *m)
{
    return m->seq;
}

const gv_command_spec *gv__command_find(const char *type)
{
    for (size_t t = 0; t < N_TABLES; t++)
        for (const gv_command_spec *s = command_tables[t]; s->type; s++)
            if (strcmp(s->type, type) == 0)
                return s;
    return NULL;
}

size_t gv__command_list(const gv_command_spec **out, size_t max)
{
    size_t n = 0;
    for (size_t t = 0; t < N_TABLES; t++)
        for (const gv_command_spec *s = command_tables[t]; s->type; s++, n++)
            if (n < max)
                out[n] = s;
    return n;
}

static const gv_event_spec *event_find(const char *type)
{
    for (size_t t = 0; t < N_TABLES; t++)
        for (const gv_event_spec *s = event_tables[t]; s->type; s++)
            if (strcmp(s->type, type) == 0)
                return s;
    return NULL;
}

const char *gv__role_name(unsigned role)
{
    for (size_t i = 0; i < GV_ROLE_COUNT; i++)
        if (role == 1u << i)
            return gv_role_names[i];
    return "unknown";
}

/* Writes "a, b or c" for the roles in mask into buf. */
static void roles_text(unsigned mask, char *buf, size_t size)
{
    size_t n = 0, count = 0, total = 0;
    for (size_t i = 0; i < GV_ROLE_COUNT; i++)
        total += (mask >> i) & 1u;
    buf[0] = '\0';
    for (size_t i = 0; i < GV_ROLE_COUNT && n < size; i++) {
        if (!((mask >> i) & 1u))
            continue;
        const char *sep = count == 0 ? "" : (count + 1 == total ? " or " : ", ");
        int w = snprintf(buf + n, size - n, "%s%s", sep, gv_role_names[i]);
        if (w < 0)
            break;
        n += (size_t)w;
        count++;
    }
}

/* Times outside 0..GV_TIME_MAX_MS are refused where they come in, so that no
 * sum of a time and a bounded duration can overflow. */
static int check_time(int64_t now_ms, gv_error *err)
{
    if (now_ms < 0 || now_ms > GV_TIME_MAX_MS)
        return gv_error_set(err, GV_EINVAL,
                            "time %lld ms is outside 0 to %lld (1970 to the end of 9999)",
                            (long long)now_ms, (long long)GV_TIME_MAX_MS);
    return 0;
}

json_t *gv_meeting_define(const gv_meeting *m, const json_t *definition, int64_t now_ms,
                          gv_error *err)
{
    if (check_time(now_ms, err) < 0)
        return NULL;
    if (m->seq != 0) {
        gv_error_set(err, GV_ESTATE, "the meeting is already defined (%lld events)",
                     (long long)m->seq);
        return NULL;
    }
    gv_meeting *probe = gv_meeting_new();
    if (!probe) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        return NULL;
    }
    int rc = gv__definition_load(probe, definition, err);
    gv_meeting_free(probe);
    if (rc < 0)
        return NULL;
    json_t *ev =
        json_pack("{s:i, s:s, s:I, s:s, s:O}", "seq", 1, "type", "meeting_defined", "at_ms",
                  (json_int_t)now_ms, "by", GV_ACTOR_SYSTEM, "definition", definition);
    if (!ev)
        gv_error_set(err, GV_ENOMEM, "out of memory");
    return ev;
}

/* Whether s is a well-formed client command id. */
static bool cid_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < GV_CID_MIN_BYTES || n > GV_CID_MAX_BYTES)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

/* The command's "cid" (NULL when absent) into *cid; GV_EINVAL when malformed. */
static int read_cid(const json_t *command, const char **cid, gv_error *err)
{
    int rc = gv__json_string(command, "cid", false, GV_CID_MAX_BYTES, cid, err);
    if (rc < 0)
        return rc;
    if (*cid && !cid_ok(*cid))
        return gv_error_set(
            err, GV_EINVAL,
            "field \"cid\" is a client command id: %d to %d characters of A-Z, "
            "a-z, 0-9, '-' and '_', random, the same when the command is sent again",
            GV_CID_MIN_BYTES, GV_CID_MAX_BYTES);
    return 0;
}

/* Sets "cid" on every event of the array; GV_ENOMEM on failure. */
static int stamp_cid(json_t *events, const char *cid, gv_error *err)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if (json_object_set_new(ev, "cid", json_string(cid)) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    return 0;
}

int gv_meeting_decide(const gv_meeting *m, const json_t *command, const char *actor, int64_t now_ms,
                      json_t **events, gv_error *err)
{
    const char *type = NULL, *cid = NULL;
    json_t *bare = NULL;
    *events = NULL;
    if (!json_is_object(command))
        return gv_error_set(err, GV_EINVAL, "a command must be a JSON object with a \"type\"");
    int rc = gv__json_string(command, "type", true, 64, &type, err);
    if (rc < 0 || (rc = read_cid(command, &cid, err)) < 0)
        return rc;
    const gv_command_spec *spec = gv__command_find(type);
    if (!spec)
        return gv_error_set(err, GV_EINVAL, "unknown command type \"%s\"", type);
    if (!m->defined)
        return gv_error_set(err, GV_ESTATE, "the meeting has no definition yet");
    int who = actor ? gv__person_find(m, actor) : -1;
    if (who < 0)
        return gv_error_set(err, GV_EAUTH, "unknown person \"%s\"", actor ? actor : "");
    unsigned roles = m->people[who].roles;
    if (!(roles & spec->roles)) {
        char allowed[160];
        roles_text(spec->roles, allowed, sizeof allowed);
        return gv_error_set(err, GV_EPERM, "\"%s\" may not send \"%s\": only the %s may", actor,
                            type, allowed);
    }
    if ((rc = check_time(now_ms, err)) < 0)
        return rc;
    /* Time never runs backwards in a log: a clock that stepped back is held at the last event. */
    if (now_ms < m->last_at_ms)
        now_ms = m->last_at_ms;
    if (cid && (!(bare = json_copy((json_t *)command)) || json_object_del(bare, "cid") < 0)) {
        json_decref(bare);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    gv_cmd c = {.type = type,
                .json = bare ? bare : command,
                .actor = who,
                .actor_roles = roles,
                .now_ms = now_ms};
    json_t *out = json_array();
    if (!out) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    rc = spec->decide(m, &c, out, err);
    if (rc == 0 && json_array_size(out) == 0)
        rc = gv_error_set(err, GV_ESTATE, "\"%s\" changes nothing now", type);
    if (rc == 0 && cid)
        rc = stamp_cid(out, cid, err);
    if (rc < 0)
        goto fail;
    json_decref(bare);
    *events = out;
    return 0;
fail:
    json_decref(out);
    json_decref(bare);
    return rc;
}

static int apply_defined(gv_meeting *m, const json_t *event, gv_error *err)
{
    if (m->defined)
        return gv_error_set(err, GV_ECORRUPT, "event %lld defines the meeting a second time",
                            (long long)(m->seq + 1));
    const json_t *def = json_object_get(event, "definition");
    json_t *copy = json_deep_copy(def);
    if (def && !copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    int rc = gv__definition_load(m, def, err);
    if (rc < 0) {
        json_decref(copy);
        return rc;
    }
    m->definition = copy;
    m->defined = true;
    return 0;
}

int gv_meeting_apply(gv_meeting *m, const json_t *event, gv_error *err)
{
    int64_t seq = 0, at_ms = 0;
    const char *type = NULL, *cid = NULL;
    int rc;
    if ((rc = gv__json_int(event, "seq", true, 1, INT64_MAX, &seq, err)) < 0 ||
        (rc = gv__json_string(event, "type", true, 64, &type, err)) < 0 ||
        (rc = gv__json_int(event, "at_ms", true, 0, GV_TIME_MAX_MS, &at_ms, err)) < 0 ||
        (rc = read_cid(event, &cid, err)) < 0)
        return gv_error_set(err, GV_ECORRUPT, "malformed event after %lld: %s", (long long)m->seq,
                            err ? err->msg : "");
    if (seq != m->seq + 1)
        return gv_error_set(err, GV_ECORRUPT, "event %lld follows event %lld: %lld expected",
                            (long long)seq, (long long)m->seq, (long long)(m->seq + 1));
    /* decide never makes an event before the last one; a log where time runs
     * backwards is damaged, and folding it would leave timers and items whose
     * next events the state itself refuses. */
    if (at_ms < m->last_at_ms)
        return gv_error_set(err, GV_ECORRUPT,
                            "event %lld is at %lld ms, before event %lld at %lld ms: time in a "
                            "log never runs backwards",
                            (long long)seq, (long long)at_ms, (long long)m->seq,
                            (long long)m->last_at_ms);
    /* The cid's entry is made before the event changes anything, so that
     * nothing can fail after it has. */
    json_t *entry = cid && m->cids ? json_object_get(m->cids, cid) : NULL;
    bool added = false;
    if (cid && !entry) {
        const char *by = json_string_value(json_object_get(event, "by"));
        if (!m->cids && !(m->cids = json_object()))
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        entry = json_pack("[I, I, s]", (json_int_t)seq, (json_int_t)seq, by ? by : "");
        if (!entry || json_object_set_new(m->cids, cid, entry) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        added = true;
    }
    if (strcmp(type, "meeting_defined") == 0) {
        rc = apply_defined(m, event, err);
    } else if (!m->defined) {
        rc = gv_error_set(err, GV_ECORRUPT, "event %lld (%s) comes before the definition",
                          (long long)seq, type);
    } else {
        const gv_event_spec *spec = event_find(type);
        rc = spec ? spec->apply(m, event, err)
                  : gv_error_set(err, GV_ECORRUPT, "event %lld has unknown type \"%s\"",
                                 (long long)seq, type);
    }
    if (rc < 0) {
        if (added)
            json_object_del(m->cids, cid);
        return rc;
    }
    if (entry && !added)
        json_integer_set(json_array_get(entry, 1), (json_int_t)seq);
    m->seq = seq;
    m->last_at_ms = at_ms;
    return 0;
}

int gv_meeting_command_events(const gv_meeting *m, const char *cid, int64_t *first_seq,
                              int64_t *last_seq, const char **by)
{
    const json_t *e = m->cids && cid ? json_object_get(m->cids, cid) : NULL;
    if (!e)
        return GV_ENOTFOUND;
    *first_seq = json_integer_value(json_array_get(e, 0));
    *last_seq = json_integer_value(json_array_get(e, 1));
    *by = json_string_value(json_array_get(e, 2));
    return 0;
}

int64_t gv_meeting_last_at_ms(const gv_meeting *m)
{
    return m->last_at_ms;
}

/* Each section of the state, its keys (as its writer sets them) and its
 * writer, in the order the state's keys are written. */
static const struct section {
    unsigned bit;
    const char *const keys[6];
    int (*write)(const gv_meeting *m, json_t *state);
} sections[] = {
    {GV_SECTION_MEETING, {"meeting", "documents", "guiding_questions"}, gv__meeting_to_json},
    {GV_SECTION_AGENDA, {"agenda"}, gv__items_to_json},
    {GV_SECTION_PEOPLE, {"people"}, gv__people_to_json},
    {GV_SECTION_NOTES, {"notes"}, gv__notes_to_json},
    {GV_SECTION_PROCEEDINGS,
     {"status", "opened_at_ms", "closed_at_ms", "current_item", "current_guiding_question"},
     gv__agenda_to_json},
    {GV_SECTION_FLOOR,
     {"floor", "floor_requests", "speeches", "totals", "provisional"},
     gv__floor_to_json},
    {GV_SECTION_QUESTIONS, {"questions", "shown_question"}, gv__questions_to_json},
    {GV_SECTION_SUMMARY, {"summary"}, gv__summary_to_json},
    {GV_SECTION_STATEMENTS, {"statements"}, gv__statements_to_json},
};
#define N_SECTIONS (sizeof sections / sizeof sections[0])

json_t *gv_meeting_sections_json(const gv_meeting *m, unsigned which)
{
    json_t *s =
        json_pack("{s:I, s:I}", "seq", (json_int_t)m->seq, "last_at_ms", (json_int_t)m->last_at_ms);
    for (size_t i = 0; s && m->defined && i < N_SECTIONS; i++) {
        if ((which & sections[i].bit) && sections[i].write(m, s) < 0) {
            json_decref(s);
            return NULL;
        }
    }
    return s;
}

json_t *gv_meeting_to_json(const gv_meeting *m)
{
    return gv_meeting_sections_json(m, GV_SECTIONS_ALL);
}

unsigned gv_meeting_key_section(const char *key)
{
    for (size_t i = 0; i < N_SECTIONS; i++)
        for (size_t k = 0; k < sizeof sections[i].keys / sizeof *sections[i].keys; k++)
            if (sections[i].keys[k] && strcmp(sections[i].keys[k], key) == 0)
                return sections[i].bit;
    return 0;
}

/* The sections of the event's type (GV__ROW_PERSON as is), the floor's
 * when time moves; every section when the type does not say. */
static unsigned event_sections(const gv_meeting *m, const json_t *event)
{
    const char *type = json_string_value(json_object_get(event, "type"));
    const json_t *at = json_object_get(event, "at_ms");
    const gv_event_spec *spec = type && m->defined ? event_find(type) : NULL;
    if (!spec || !spec->sections)
        return GV_SECTIONS_ALL;
    unsigned out = spec->sections;
    if (!json_is_integer(at) || json_integer_value(at) != m->last_at_ms)
        out |= GV_SECTION_FLOOR;
    return out;
}

unsigned gv_meeting_event_sections(const gv_meeting *m, const json_t *event)
{
    unsigned out = event_sections(m, event);
    return out & GV__ROW_PERSON ? (out & ~GV__ROW_PERSON) | GV_SECTION_PEOPLE : out;
}

void gv_changes_add(gv_changes *c, const gv_meeting *m, const json_t *event)
{
    unsigned out = event_sections(m, event);
    c->sections |= out & ~GV__ROW_PERSON;
    if (!(out & GV__ROW_PERSON))
        return;
    const char *id = json_string_value(json_object_get(event, "person"));
    int p = id ? gv__person_find(m, id) : -1;
    for (size_t i = 0; p >= 0 && i < c->n_people; i++)
        if (c->people[i] == p)
            return; /* their row is noted already */
    if (p < 0 || c->n_people == GV_CHANGES_PEOPLE_MAX)
        c->sections |= GV_SECTION_PEOPLE;
    else
        c->people[c->n_people++] = p;
}

char *gv_event_canonical(const json_t *event)
{
    return gv_json_text(event);
}

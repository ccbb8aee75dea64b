/*
 * The Chair's summary: what the meeting sends onward (for the CSTD panel, to
 * the High-level Political Forum), drafted by the rapporteur and the
 * secretariat and approved by the Chair.
 *
 * Sections: an introduction, one section per guiding question (in the
 * definition's order), key messages and recommendations. Each is plain
 * text, one paragraph a line.
 *
 *   none --draft_summary--> draft --edit_summary--> draft
 *   draft --approve_summary--> approved --reopen_summary--> draft
 *
 * draft_summary builds every section from the notes in one action (each
 * note not withdrawn becomes a paragraph of its guiding question's section;
 * notes on the meeting as a whole seed the key messages); building again
 * over an existing draft drops its edits, so it must say "replace": true.
 * Every draft and every edit is an event and raises the summary's version
 * by one; summary_edited carries one section only, so an edit during the
 * meeting costs the floor one small event, not the whole document. An edit
 * names the version it started from ("base"): a section changed since then
 * by someone else is a conflict, not an edit lost. The Chair approves the
 * version they read ("version" must be the current one); an approved
 * summary is frozen until the Chair reopens it, and the log keeps the
 * version approved, so the report rebuilds it from the events up to the
 * approval (src/report/summary.c), tied to that event's hash.
 *
 * The public view carries none of it (view.c): drafts are working papers.
 */
#include "core/meeting_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/definition.h"
#include "core/jsonf.h"

/* A section's text in bytes: a command must fit in the server's 16 KiB
 * message, with room for the rest of it. */
#define SECTION_MAX_BYTES 12000
#define ID_MAX_BYTES      256

#define ROLES_DRAFTING (GV_ROLES_PRESIDING | GV_ROLE_RAPPORTEUR | GV_ROLE_SECRETARIAT)

static const char *const part_names[] = {"introduction", NULL, "key_messages", "recommendations"};

void gv__summary_release(gv_summary *s)
{
    for (size_t i = 0; i < s->n_sections; i++)
        free(s->sections[i].text);
    free(s->sections);
    s->sections = NULL;
    s->n_sections = 0;
}

/* Index of a section: the introduction first, the guiding questions, then
 * key messages and recommendations. */
static size_t section_index(const gv_meeting *m, gv_summary_part part, int gq)
{
    switch (part) {
    case GV_SUMMARY_INTRODUCTION:
        return 0;
    case GV_SUMMARY_QUESTIONS:
        return 1 + (size_t)gq;
    case GV_SUMMARY_KEY_MESSAGES:
        return 1 + m->n_questions_def;
    default:
        return 2 + m->n_questions_def;
    }
}

/* The section a command or event names: "section" (introduction,
 * key_messages, recommendations) or "guiding_question" (an id), one of the
 * two. GV_EINVAL / GV_ENOTFOUND with err set. */
static int named_section(const gv_meeting *m, const json_t *obj, size_t *out, gv_error *err)
{
    const char *section = NULL, *gq_id = NULL;
    int rc;
    if ((rc = gv__json_string(obj, "section", false, 32, &section, err)) < 0 ||
        (rc = gv__json_string(obj, "guiding_question", false, ID_MAX_BYTES, &gq_id, err)) < 0)
        return rc;
    if (!section == !gq_id)
        return gv_error_set(err, GV_EINVAL,
                            "name one section: \"section\" (introduction, key_messages or "
                            "recommendations) or \"guiding_question\" (its id)");
    if (gq_id) {
        int gq = gv__question_def_find(m, gq_id);
        if (gq < 0)
            return gv_error_set(err, GV_ENOTFOUND, "there is no guiding question \"%s\"", gq_id);
        *out = section_index(m, GV_SUMMARY_QUESTIONS, gq);
        return 0;
    }
    for (int p = 0; p < 4; p++) {
        if (part_names[p] && strcmp(section, part_names[p]) == 0) {
            *out = section_index(m, (gv_summary_part)p, 0);
            return 0;
        }
    }
    return gv_error_set(err, GV_EINVAL,
                        "unknown section \"%s\": introduction, key_messages or recommendations "
                        "(or name a guiding_question)",
                        section);
}

/* Appends the text of the notes on guiding question gq (-1: the meeting as a
 * whole), one a line, while they fit in a section. */
static void notes_text(const gv_meeting *m, int gq, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->n_notes; i++) {
        const gv_note *n = &m->notes[i];
        if (n->question != gq || n->withdrawn_at_ms)
            continue;
        size_t len = strlen(n->text);
        if (used + len + 2 > cap)
            break; /* the rest stays in the notes, beside the draft */
        if (used)
            out[used++] = '\n';
        memcpy(out + used, n->text, len + 1);
        used += len;
    }
}

static int need_drafting(const gv_meeting *m, bool draft, gv_error *err)
{
    if (m->summary.approved_version)
        return gv_error_set(err, GV_ESTATE,
                            "the summary is approved (version %lld) and frozen: the chair "
                            "reopens it first",
                            (long long)m->summary.approved_version);
    if (draft && !m->summary.version)
        return gv_error_set(err, GV_ESTATE,
                            "there is no summary yet: build the draft from the notes first "
                            "(draft_summary)");
    return 0;
}

static int decide_draft(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "replace", NULL};
    bool replace = false;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_bool(c->json, "replace", false, &replace, err)) < 0 ||
        (rc = need_drafting(m, false, err)) < 0)
        return rc;
    if (m->summary.version && !replace)
        return gv_error_set(err, GV_ESTATE,
                            "a draft exists (version %lld); building it again from the notes "
                            "drops its edits: send \"replace\": true to do so",
                            (long long)m->summary.version);
    json_t *ev = NULL;
    if ((rc = gv__event_add(m, c, events, "summary_drafted", &ev, err)) < 0)
        return rc;
    json_t *questions = json_object();
    char *text = malloc(SECTION_MAX_BYTES + 1);
    if (!questions || !text) {
        json_decref(questions);
        free(text);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    rc = gv__event_set(ev, "version", json_integer(m->summary.version + 1), err);
    for (size_t q = 0; rc == 0 && q < m->n_questions_def; q++) {
        notes_text(m, (int)q, text, SECTION_MAX_BYTES + 1);
        if (json_object_set_new(questions, m->questions_def[q].id, json_string(text)) < 0)
            rc = gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    notes_text(m, -1, text, SECTION_MAX_BYTES + 1);
    if (rc == 0)
        rc = gv__event_set(ev, "introduction", json_string(""), err);
    if (rc == 0)
        rc = gv__event_set(ev, "guiding_questions", json_incref(questions), err);
    if (rc == 0)
        rc = gv__event_set(ev, "key_messages", json_string(text), err);
    if (rc == 0)
        rc = gv__event_set(ev, "recommendations", json_string(""), err);
    json_decref(questions);
    free(text);
    return rc;
}

static int decide_edit(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id",   "section", "guiding_question",
                                         "text", "base", NULL};
    const char *text = NULL;
    int64_t base = 0;
    size_t at = 0;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 || (rc = need_drafting(m, true, err)) < 0 ||
        (rc = named_section(m, c->json, &at, err)) < 0 ||
        (rc = gv__json_string(c->json, "text", true, SECTION_MAX_BYTES, &text, err)) < 0 ||
        (rc = gv__json_int(c->json, "base", true, 1, INT64_MAX, &base, err)) < 0)
        return rc;
    const gv_summary_section *s = &m->summary.sections[at];
    if (base > m->summary.version)
        return gv_error_set(err, GV_EINVAL, "\"base\" %lld is a version the summary never had",
                            (long long)base);
    if (s->version > base)
        return gv_error_set(err, GV_ESTATE,
                            "%s changed this section since version %lld (it is at version "
                            "%lld now): read it again and edit that",
                            m->people[s->edited_by].name, (long long)base, (long long)s->version);
    if (strcmp(s->text, text) == 0)
        return gv_error_set(err, GV_ESTATE, "the section already says this");
    json_t *ev = NULL;
    const json_t *section = json_object_get(c->json, "section");
    if ((rc = gv__event_add(m, c, events, "summary_edited", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "version", json_integer(m->summary.version + 1), err)) < 0 ||
        (rc = gv__event_set(ev, "text", json_string(text), err)) < 0)
        return rc;
    return json_is_string(section)
               ? gv__event_set(ev, "section", json_incref((json_t *)section), err)
               : gv__event_set(ev, "guiding_question",
                               json_incref(json_object_get(c->json, "guiding_question")), err);
}

static int decide_approve(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "version", NULL};
    int64_t version = 0;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_int(c->json, "version", true, 1, INT64_MAX, &version, err)) < 0 ||
        (rc = need_drafting(m, true, err)) < 0)
        return rc;
    if (version != m->summary.version)
        return gv_error_set(err, GV_ESTATE,
                            "the summary changed since version %lld: version %lld is current; "
                            "read it and approve that",
                            (long long)version, (long long)m->summary.version);
    json_t *ev = NULL;
    if ((rc = gv__event_add(m, c, events, "summary_approved", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "version", json_integer(version), err);
}

static int decide_reopen(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", NULL};
    int rc = gv__json_only(c->json, fields, err);
    if (rc < 0)
        return rc;
    if (!m->summary.approved_version)
        return gv_error_set(err, GV_ESTATE,
                            "the summary is not approved: there is nothing to "
                            "reopen");
    return gv__event_add(m, c, events, "summary_reopened", NULL, err);
}

/* ---- apply ----------------------------------------------------------------------------------- */

/* The event's "version", which must be the next one. */
static int ev_next_version(const gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t v = 0;
    if (gv__json_int(ev, "version", true, 1, INT64_MAX, &v, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (v != m->summary.version + 1)
        return gv__event_corrupt(ev, err, "its version does not follow the summary's");
    if (m->summary.approved_version)
        return gv__event_corrupt(ev, err, "the summary is approved and frozen");
    return 0;
}

static int apply_drafted(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int by = -1, rc;
    if ((rc = ev_next_version(m, ev, err)) < 0)
        return rc;
    if (gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    size_t n = m->n_questions_def + 3;
    const char *texts[GV_DEF_QUESTIONS_MAX + 3];
    const json_t *qs = json_object_get(ev, "guiding_questions");
    if (n > GV_DEF_QUESTIONS_MAX + 3 || !json_is_object(qs) || json_object_size(qs) != n - 3)
        return gv__event_corrupt(ev, err, "it does not have one section per guiding question");
    static const char *const fixed[] = {"introduction", "key_messages", "recommendations"};
    for (size_t i = 0; i < n; i++) {
        const json_t *t = i == 0       ? json_object_get(ev, fixed[0])
                          : i == n - 2 ? json_object_get(ev, fixed[1])
                          : i == n - 1 ? json_object_get(ev, fixed[2])
                                       : json_object_get(qs, m->questions_def[i - 1].id);
        if (!json_is_string(t) || json_string_length(t) > SECTION_MAX_BYTES)
            return gv__event_corrupt(ev, err, "a section is missing, not text, or too long");
        texts[i] = json_string_value(t);
    }
    gv_summary_section *sections = calloc(n, sizeof *sections);
    if (!sections)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        sections[i] = (gv_summary_section){.text = strdup(texts[i]),
                                           .version = m->summary.version + 1,
                                           .edited_by = by,
                                           .edited_at_ms = gv__event_at(ev)};
        if (!sections[i].text) {
            for (size_t k = 0; k < i; k++)
                free(sections[k].text);
            free(sections);
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        }
    }
    gv__summary_release(&m->summary);
    m->summary.sections = sections;
    m->summary.n_sections = n;
    m->summary.version++;
    return 0;
}

static int apply_edited(gv_meeting *m, const json_t *ev, gv_error *err)
{
    const char *text = NULL;
    size_t at = 0;
    int by = -1, rc;
    if ((rc = ev_next_version(m, ev, err)) < 0)
        return rc;
    if (!m->summary.n_sections)
        return gv__event_corrupt(ev, err, "there is no draft to edit");
    if (named_section(m, ev, &at, err) < 0 ||
        gv__json_string(ev, "text", true, SECTION_MAX_BYTES, &text, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    char *copy = strdup(text);
    if (!copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    gv_summary_section *s = &m->summary.sections[at];
    free(s->text);
    s->text = copy;
    s->version = ++m->summary.version;
    s->edited_by = by;
    s->edited_at_ms = gv__event_at(ev);
    return 0;
}

static int apply_approved(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t v = 0;
    int by = -1;
    if (gv__json_int(ev, "version", true, 1, INT64_MAX, &v, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!m->summary.version || m->summary.approved_version)
        return gv__event_corrupt(ev, err,
                                 "there is no draft to approve, or it is approved already");
    if (v != m->summary.version)
        return gv__event_corrupt(ev, err, "it approves a version that is not the current one");
    m->summary.approved_version = v;
    m->summary.approved_seq = gv__event_seq(ev);
    m->summary.approved_at_ms = gv__event_at(ev);
    m->summary.approved_by = by;
    return 0;
}

static int apply_reopened(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (!m->summary.approved_version)
        return gv__event_corrupt(ev, err, "the summary is not approved");
    m->summary.approved_version = 0;
    m->summary.approved_seq = 0;
    m->summary.approved_at_ms = 0;
    m->summary.approved_by = -1;
    return 0;
}

const gv_command_spec gv__summary_commands[] = {
    {"draft_summary", ROLES_DRAFTING, decide_draft},
    {"edit_summary", ROLES_DRAFTING, decide_edit},
    {"approve_summary", GV_ROLE_CHAIR, decide_approve},
    {"reopen_summary", GV_ROLE_CHAIR, decide_reopen},
    {NULL, 0, NULL},
};

const gv_event_spec gv__summary_events[] = {
    {"summary_drafted", apply_drafted, GV_SECTION_SUMMARY},
    {"summary_edited", apply_edited, GV_SECTION_SUMMARY},
    {"summary_approved", apply_approved, GV_SECTION_SUMMARY},
    {"summary_reopened", apply_reopened, GV_SECTION_SUMMARY},
    {NULL, NULL, 0},
};

/* ---- state JSON ------------------------------------------------------------------------------ */

static json_t *section_json(const gv_meeting *m, size_t i)
{
    const gv_summary_section *s = &m->summary.sections[i];
    bool question = i > 0 && i <= m->n_questions_def;
    const char *name = i == 0                        ? "introduction"
                       : question                    ? "guiding_question"
                       : i == m->n_questions_def + 1 ? "key_messages"
                                                     : "recommendations";
    return json_pack("{s:s, s:o, s:s, s:I, s:s, s:I}", "section", name, "guiding_question",
                     question ? json_string(m->questions_def[i - 1].id) : json_null(), "text",
                     s->text, "version", (json_int_t)s->version, "edited_by",
                     m->people[s->edited_by].id, "edited_at_ms", (json_int_t)s->edited_at_ms);
}

int gv__summary_to_json(const gv_meeting *m, json_t *state)
{
    const gv_summary *s = &m->summary;
    json_t *sections = json_array();
    json_t *approved =
        s->approved_version
            ? json_pack("{s:I, s:I, s:I, s:s}", "version", (json_int_t)s->approved_version, "seq",
                        (json_int_t)s->approved_seq, "at_ms", (json_int_t)s->approved_at_ms, "by",
                        m->people[s->approved_by].id)
            : json_null();
    json_t *o = json_pack("{s:I, s:o, s:o}", "version", (json_int_t)s->version, "approved",
                          approved, "sections", sections);
    if (!o || json_object_set_new(state, "summary", o) < 0)
        return GV_ENOMEM;
    for (size_t i = 0; i < s->n_sections; i++)
        if (json_array_append_new(sections, section_json(m, i)) < 0)
            return GV_ENOMEM;
    return 0;
}

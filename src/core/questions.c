/*
 * Questions from the audience: asking, voting, and the moderator's work on
 * them (approve, dismiss, merge duplicates, mark answered, link to a guiding
 * question or a panelist, edit the wording, show one on the room screen).
 *
 * A question's states and the events that move it:
 *
 *   question_asked --> pending   (the meeting moderates questions)
 *                  --> visible   (otherwise)
 *   pending   --question_approved--> visible
 *   dismissed --question_approved--> visible     (a dismissal undone)
 *   pending, visible --question_dismissed--> dismissed
 *   pending, visible --question_merged-----> merged (into a pending or visible one)
 *
 * "answered" is a flag beside the state (question_answered), and links
 * (question_linked) and edits (question_edited) change only pending or
 * visible questions. Only visible questions not yet answered take votes (an
 * older log may hold votes after the answer: the fold takes them). Dismissed
 * and merged questions are frozen, except that a dismissed one may be
 * approved again. One visible question at most is shown on the room screen
 * (question_shown); it stops being shown when it is dismissed or merged.
 *
 * Invariants:
 * - the list is in ascending id order (ids are the sequence numbers of the
 *   question_asked events), so a question is found by binary search;
 * - voters are person indices, ascending, without repeats: a question's votes
 *   are its number of voters, and nobody counts twice;
 * - merged_into names a question that is not itself merged: merging B into C
 *   re-points every question already merged into B at C;
 * - the author of an anonymous question is kept nowhere: its question_asked
 *   event says "by": "anonymous" (GV_ACTOR_ANONYMOUS) instead of the sender,
 *   so neither the state, the log, the stream nor the record can reveal it
 *   (docs/decisions/0003-anonymous-questions.md).
 * - after the meeting is closed, no question command is accepted.
 */
#include "core/meeting_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/jsonf.h"

const char *const gv_question_state_names[GV_QUESTION_STATE_COUNT] = {"pending", "visible",
                                                                      "dismissed", "merged"};

/* Identifiers of people and guiding questions, in bytes. */
#define ID_MAX_BYTES 256

void gv__questions_init(gv_questions *q)
{
    memset(q, 0, sizeof *q);
}

void gv__questions_release(gv_questions *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->list[i].text);
        free(q->list[i].voters);
    }
    free(q->list);
    gv__questions_init(q);
}

/* ---- text ---------------------------------------------------------------------------------- */

/* Unicode White_Space, the characters trimmed from both ends of a question. */
static bool is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

/* Length of the UTF-8 sequence led by byte b; a stray byte counts as one. */
static size_t seq_len(unsigned char b)
{
    return b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/* Code point of the sequence at s[0..n) (n from seq_len, already bounded). */
static uint32_t decode(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0];
    uint32_t cp = s[0] & (0xffu >> (n + 1));
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3fu);
    return cp;
}

/*
 * Trims Unicode white space from both ends of s[0..len) and counts the code
 * points left. jansson hands over valid UTF-8; a stray byte is counted as one
 * character rather than read past.
 */
static void text_trim(const char *s, size_t len, size_t *start, size_t *tlen, size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t b = 0, e = len;
    while (b < e) {
        size_t n = seq_len(u[b]);
        if (n > e - b || !is_space(decode(u + b, n)))
            break;
        b += n;
    }
    while (e > b) {
        size_t p = e - 1;
        while (p > b && (u[p] & 0xc0) == 0x80 && e - p < 4)
            p--;
        size_t n = seq_len(u[p]);
        if (n != e - p || !is_space(decode(u + p, n)))
            break;
        e = p;
    }
    size_t count = 0;
    for (size_t i = b; i < e; i++)
        count += (u[i] & 0xc0) != 0x80;
    *start = b;
    *tlen = e - b;
    *chars = count;
}

/* ---- lookups ------------------------------------------------------------------------------- */

gv_question *gv__question_find(const gv_questions *q, int64_t id)
{
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->list[mid].id == id)
            return &q->list[mid];
        if (q->list[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Position of person in the ascending voters array, or where it would go. */
static size_t voter_pos(const gv_question *q, int person, bool *found)
{
    size_t lo = 0, hi = q->n_voters;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->voters[mid] < person)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < q->n_voters && q->voters[lo] == person;
    return lo;
}

static bool has_voted(const gv_question *q, int person)
{
    bool found;
    voter_pos(q, person, &found);
    return found;
}

/* ---- commands ------------------------------------------------------------------------------ */

static int refuse_closed(const gv_meeting *m, const char *type, gv_error *err)
{
    if (m->status == GV_STATUS_CLOSED)
        return gv_error_refuse(err, GV_ESTATE, "meeting_closed",
                               "the meeting is closed: \"%s\" is no longer possible (only "
                               "attendance and notes are)",
                               type);
    return 0;
}

/* The question named by the command's integer field `key`. */
static int cmd_question(const gv_meeting *m, const gv_cmd *c, const char *key,
                        const gv_question **out, gv_error *err)
{
    int64_t id = 0;
    int rc = gv__json_int(c->json, key, true, 1, INT64_MAX, &id, err);
    if (rc < 0)
        return rc;
    const gv_question *q = gv__question_find(&m->questions, id);
    if (!q) {
        gv_error_set(err, GV_ENOTFOUND, "there is no question %lld (field \"%s\")", (long long)id,
                     key);
        return GV_ENOTFOUND;
    }
    *out = q;
    return 0;
}

/* The guiding question with id `id`; GV_ENOTFOUND naming `key` when there is none. */
static int guiding_question_index(const gv_meeting *m, const char *key, const char *id, int *out,
                                  gv_error *err)
{
    int i = gv__question_def_find(m, id);
    if (i < 0)
        return gv_error_set(err, GV_ENOTFOUND,
                            "field \"%s\": there is no guiding question \"%s\" in this meeting",
                            key, id);
    *out = i;
    return 0;
}

/* The panelist with id `id`: GV_ENOTFOUND when nobody has it, GV_EINVAL for a non-panelist. */
static int panelist_index(const gv_meeting *m, const char *key, const char *id, int *out,
                          gv_error *err)
{
    int i = gv__person_find(m, id);
    if (i < 0)
        return gv_error_set(err, GV_ENOTFOUND, "field \"%s\": there is no person \"%s\"", key, id);
    if (!(m->people[i].roles & GV_ROLE_PANELIST))
        return gv_error_set(err, GV_EINVAL,
                            "field \"%s\": \"%s\" is not a panelist; questions can be addressed "
                            "to panelists only",
                            key, id);
    *out = i;
    return 0;
}

/* Adds event `type` with {"question": id}; returns it through *out when out is not NULL. */
static int add_question_event(const gv_meeting *m, const gv_cmd *c, json_t *events,
                              const char *type, int64_t id, json_t **out, gv_error *err)
{
    json_t *ev = NULL;
    int rc = gv__event_add(m, c, events, type, &ev, err);
    if (rc == 0)
        rc = gv__event_set(ev, "question", json_integer(id), err);
    if (rc == 0 && out)
        *out = ev;
    return rc;
}

/* The command's "text": a question's wording, trimmed (text + *start, *len bytes). */
static int cmd_text(const gv_cmd *c, const char **text, size_t *start, size_t *len, gv_error *err)
{
    size_t chars;
    int rc = gv__json_string(c->json, "text", true, GV_QUESTION_TEXT_MAX_BYTES, text, err);
    if (rc < 0)
        return rc;
    text_trim(*text, strlen(*text), start, len, &chars);
    if (chars == 0)
        return gv_error_set(err, GV_EINVAL, "field \"text\" is empty: write the question");
    if (chars > GV_QUESTION_TEXT_MAX_CHARS)
        return gv_error_set(err, GV_ELIMIT,
                            "field \"text\" is %zu characters long; a question may have at "
                            "most %d",
                            chars, GV_QUESTION_TEXT_MAX_CHARS);
    return 0;
}

static int decide_ask(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "text", "anonymous", "guiding_question",
                                         "to",   NULL};
    const char *text = NULL, *gq_id = NULL, *to_id = NULL;
    bool anonymous = false;
    int gq = -1, to = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 || (rc = refuse_closed(m, c->type, err)) < 0)
        return rc;
    if (m->questions.n >= GV_QUESTIONS_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "this meeting already has %d questions, the most it can take",
                            GV_QUESTIONS_MAX);
    size_t start, len;
    if ((rc = cmd_text(c, &text, &start, &len, err)) < 0)
        return rc;
    if ((rc = gv__json_bool(c->json, "anonymous", false, &anonymous, err)) < 0)
        return rc;
    if (anonymous && !m->anonymous_questions)
        return gv_error_set(err, GV_EPERM,
                            "this meeting does not take anonymous questions: ask with your "
                            "name (leave out \"anonymous\")");
    if ((rc = gv__json_string(c->json, "guiding_question", false, ID_MAX_BYTES, &gq_id, err)) < 0 ||
        (gq_id && (rc = guiding_question_index(m, "guiding_question", gq_id, &gq, err)) < 0) ||
        (rc = gv__json_string(c->json, "to", false, ID_MAX_BYTES, &to_id, err)) < 0 ||
        (to_id && (rc = panelist_index(m, "to", to_id, &to, err)) < 0))
        return rc;

    json_t *ev = NULL;
    if ((rc = gv__event_add(m, c, events, "question_asked", &ev, err)) < 0)
        return rc;
    int64_t id = gv__event_seq(ev);
    if ((rc = gv__event_set(ev, "question", json_integer(id), err)) < 0 ||
        (rc = gv__event_set(ev, "text", json_stringn(text + start, len), err)) < 0 ||
        (rc = gv__event_set(ev, "anonymous", json_boolean(anonymous), err)) < 0 ||
        (anonymous && (rc = gv__event_set(ev, "by", json_string(GV_ACTOR_ANONYMOUS), err)) < 0) ||
        (gq >= 0 && (rc = gv__event_set(ev, "guiding_question", json_string(gq_id), err)) < 0) ||
        (to >= 0 && (rc = gv__event_set(ev, "to", json_string(to_id), err)) < 0))
        return rc;
    return 0;
}

static const char *const question_fields[] = {"type", "id", "question", NULL};

/* Checks that q takes votes now. */
static int votable(const gv_question *q, gv_error *err)
{
    switch (q->state) {
    case GV_QUESTION_VISIBLE:
        if (q->answered)
            return gv_error_refuse(err, GV_ESTATE, "question_answered",
                                   "question %lld has been answered; it takes no more votes",
                                   (long long)q->id);
        return 0;
    case GV_QUESTION_PENDING:
        return gv_error_refuse(err, GV_ESTATE, "question_hidden",
                               "question %lld awaits the moderator's approval; it takes votes "
                               "once approved",
                               (long long)q->id);
    case GV_QUESTION_DISMISSED:
        return gv_error_refuse(err, GV_ESTATE, "question_hidden",
                               "question %lld was dismissed; it takes no votes", (long long)q->id);
    default:
        return gv_error_refuse(err, GV_ESTATE, "question_merged",
                               "question %lld was merged into question %lld; vote there",
                               (long long)q->id, (long long)q->merged_into);
    }
}

static int decide_upvote(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = votable(q, err)) < 0)
        return rc;
    if (has_voted(q, c->actor))
        return gv_error_refuse(err, GV_ESTATE, "already_voted",
                               "you have already voted for question %lld", (long long)q->id);
    return add_question_event(m, c, events, "question_upvoted", q->id, NULL, err);
}

static int decide_unvote(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = votable(q, err)) < 0)
        return rc;
    if (!has_voted(q, c->actor))
        return gv_error_refuse(err, GV_ESTATE, "not_voted", "you have not voted for question %lld",
                               (long long)q->id);
    return add_question_event(m, c, events, "question_unvoted", q->id, NULL, err);
}

static int decide_approve(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0)
        return rc;
    if (q->state == GV_QUESTION_VISIBLE)
        return gv_error_set(err, GV_ESTATE, "question %lld is already visible", (long long)q->id);
    if (q->state == GV_QUESTION_MERGED)
        return gv_error_set(err, GV_ESTATE, "question %lld was merged into question %lld",
                            (long long)q->id, (long long)q->merged_into);
    return add_question_event(m, c, events, "question_approved", q->id, NULL, err);
}

/* Checks that the moderator may still act on q (dismiss, merge, answer, link). */
static int open_question(const gv_question *q, gv_error *err)
{
    if (q->state == GV_QUESTION_DISMISSED)
        return gv_error_set(err, GV_ESTATE,
                            "question %lld was dismissed; approve it first to act on it",
                            (long long)q->id);
    if (q->state == GV_QUESTION_MERGED)
        return gv_error_set(err, GV_ESTATE, "question %lld was merged into question %lld",
                            (long long)q->id, (long long)q->merged_into);
    return 0;
}

static int decide_dismiss(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = open_question(q, err)) < 0)
        return rc;
    return add_question_event(m, c, events, "question_dismissed", q->id, NULL, err);
}

static int decide_answered(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = open_question(q, err)) < 0)
        return rc;
    if (q->answered)
        return gv_error_set(err, GV_ESTATE, "question %lld is already marked answered",
                            (long long)q->id);
    return add_question_event(m, c, events, "question_answered", q->id, NULL, err);
}

static int decide_merge(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "question", "into", NULL};
    const gv_question *q = NULL, *into = NULL;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 ||
        (rc = cmd_question(m, c, "into", &into, err)) < 0)
        return rc;
    if (q == into)
        return gv_error_set(err, GV_EINVAL,
                            "question %lld cannot be merged into itself: name the question it "
                            "duplicates in \"into\"",
                            (long long)q->id);
    if ((rc = open_question(q, err)) < 0)
        return rc;
    if (into->state == GV_QUESTION_DISMISSED || into->state == GV_QUESTION_MERGED)
        return gv_error_set(err, GV_ESTATE,
                            "question %lld cannot take a merge: it was %s; merge into a "
                            "question that is pending or visible",
                            (long long)into->id, gv_question_state_names[into->state]);
    if ((rc = add_question_event(m, c, events, "question_merged", q->id, &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "into", json_integer(into->id), err);
}

/*
 * Reads the optional, nullable string field `key`: *present tells whether
 * the key is there at all, *id is NULL for JSON null.
 */
static int nullable_ref(const json_t *obj, const char *key, bool *present, const char **id,
                        gv_error *err)
{
    *present = json_object_get(obj, key) != NULL;
    *id = NULL;
    return gv__json_string(obj, key, false, ID_MAX_BYTES, id, err);
}

static json_t *ref_json(const char *id)
{
    return id ? json_string(id) : json_null();
}

static int decide_link(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "question", "guiding_question", "to", NULL};
    const gv_question *q = NULL;
    const char *gq_id = NULL, *to_id = NULL;
    bool has_gq, has_to;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = open_question(q, err)) < 0 ||
        (rc = nullable_ref(c->json, "guiding_question", &has_gq, &gq_id, err)) < 0 ||
        (rc = nullable_ref(c->json, "to", &has_to, &to_id, err)) < 0)
        return rc;
    if (!has_gq && !has_to)
        return gv_error_set(err, GV_EINVAL,
                            "give \"guiding_question\" or \"to\" (an id, or null to unlink)");
    int gq = q->guiding_question, to = q->to;
    if (has_gq) {
        gq = -1;
        if (gq_id && (rc = guiding_question_index(m, "guiding_question", gq_id, &gq, err)) < 0)
            return rc;
    }
    if (has_to) {
        to = -1;
        if (to_id && (rc = panelist_index(m, "to", to_id, &to, err)) < 0)
            return rc;
    }
    if (gq == q->guiding_question && to == q->to)
        return gv_error_set(err, GV_ESTATE, "question %lld is already linked so", (long long)q->id);
    if ((rc = add_question_event(m, c, events, "question_linked", q->id, &ev, err)) < 0)
        return rc;
    const char *gq_out = gq >= 0 ? m->questions_def[gq].id : NULL;
    const char *to_out = to >= 0 ? m->people[to].id : NULL;
    if ((rc = gv__event_set(ev, "guiding_question", ref_json(gq_out), err)) < 0)
        return rc;
    return gv__event_set(ev, "to", ref_json(to_out), err);
}

static int decide_edit(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "question", "text", NULL};
    const gv_question *q = NULL;
    const char *text = NULL;
    size_t start, len;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0 ||
        (rc = cmd_question(m, c, "question", &q, err)) < 0 || (rc = open_question(q, err)) < 0 ||
        (rc = cmd_text(c, &text, &start, &len, err)) < 0)
        return rc;
    if (strlen(q->text) == len && memcmp(q->text, text + start, len) == 0)
        return gv_error_set(err, GV_ESTATE, "question %lld already reads so", (long long)q->id);
    if ((rc = add_question_event(m, c, events, "question_edited", q->id, &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "text", json_stringn(text + start, len), err);
}

static int decide_show(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_question *q = NULL;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, question_fields, err)) < 0 ||
        (rc = refuse_closed(m, c->type, err)) < 0)
        return rc;
    if (!json_object_get(c->json, "question"))
        return gv_error_set(err, GV_EINVAL,
                            "field \"question\" is required: the question to show on the room "
                            "screen, or null to show none");
    if (!json_is_null(json_object_get(c->json, "question")) &&
        (rc = cmd_question(m, c, "question", &q, err)) < 0)
        return rc;
    if (q && q->state != GV_QUESTION_VISIBLE)
        return gv_error_refuse(err, GV_ESTATE, "question_hidden",
                               "question %lld is %s: only a question everyone sees can be shown "
                               "on the room screen",
                               (long long)q->id, gv_question_state_names[q->state]);
    if ((q ? q->id : 0) == m->questions.shown)
        return gv_error_set(err, GV_ESTATE,
                            q ? "question %lld is already shown"
                              : "no question is shown; there is none to take off",
                            (long long)(q ? q->id : 0));
    if ((rc = gv__event_add(m, c, events, "question_shown", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "question", q ? json_integer(q->id) : json_null(), err);
}

const gv_command_spec gv__questions_commands[] = {
    {"ask_question", GV_ROLES_ANY_PERSON, decide_ask},
    {"upvote", GV_ROLES_ANY_PERSON, decide_upvote},
    {"unvote", GV_ROLES_ANY_PERSON, decide_unvote},
    {"approve_question", GV_ROLES_PRESIDING, decide_approve},
    {"dismiss_question", GV_ROLES_PRESIDING, decide_dismiss},
    {"mark_answered", GV_ROLES_PRESIDING, decide_answered},
    {"merge_question", GV_ROLES_PRESIDING, decide_merge},
    {"link_question", GV_ROLES_PRESIDING, decide_link},
    {"edit_question", GV_ROLES_PRESIDING, decide_edit},
    {"show_question", GV_ROLES_PRESIDING, decide_show},
    {NULL, 0, NULL},
};

/* ---- events -------------------------------------------------------------------------------- */

/* The question named by the event's "question" field. */
static int ev_question(gv_meeting *m, const json_t *ev, const char *key, gv_question **out,
                       gv_error *err)
{
    int64_t id = 0;
    if (gv__json_int(ev, key, true, 1, INT64_MAX, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_question *q = gv__question_find(&m->questions, id);
    if (!q)
        return gv__event_corrupt(ev, err, "it names a question that does not exist");
    *out = q;
    return 0;
}

/* The person who sent the event. */
static int ev_by(const gv_meeting *m, const json_t *ev, int *out, gv_error *err)
{
    return gv__event_person(m, ev, "by", out, err) < 0 ? gv__event_corrupt_field(ev, err) : 0;
}

/* A nullable reference in a stored event: *out is -1 for null or absent. */
static int ev_ref(const gv_meeting *m, const json_t *ev, const char *key, bool panelist, int *out,
                  gv_error *err)
{
    const char *id = NULL;
    *out = -1;
    if (gv__json_string(ev, key, false, ID_MAX_BYTES, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!id)
        return 0;
    int rc = panelist ? panelist_index(m, key, id, out, err)
                      : guiding_question_index(m, key, id, out, err);
    return rc < 0 ? gv__event_corrupt_field(ev, err) : 0;
}

static int apply_asked(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_questions *qs = &m->questions;
    int64_t seq = 0, id = 0;
    const char *text = NULL;
    bool anonymous = false;
    int by = -1, gq = -1, to = -1;
    if (gv__json_int(ev, "seq", true, 1, INT64_MAX, &seq, err) < 0 ||
        gv__json_int(ev, "question", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__json_string(ev, "text", true, GV_QUESTION_TEXT_MAX_BYTES, &text, err) < 0 ||
        gv__json_bool(ev, "anonymous", false, &anonymous, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (id != seq)
        return gv__event_corrupt(ev, err,
                                 "a question's id must be the sequence number of its event");
    if (qs->n > 0 && qs->list[qs->n - 1].id >= id)
        return gv__event_corrupt(ev, err, "question ids must grow");
    if (qs->n >= GV_QUESTIONS_MAX)
        return gv__event_corrupt(ev, err, "the meeting already has the most questions it can take");
    size_t len = strlen(text), start, tlen, chars;
    text_trim(text, len, &start, &tlen, &chars);
    if (start != 0 || tlen != len || chars == 0 || chars > GV_QUESTION_TEXT_MAX_CHARS)
        return gv__event_corrupt(ev, err, "the text must be trimmed and 1 to 500 characters long");
    if (anonymous && !m->anonymous_questions)
        return gv__event_corrupt(ev, err, "this meeting does not take anonymous questions");
    int rc;
    const char *by_id = json_string_value(json_object_get(ev, "by"));
    if (anonymous && (!by_id || strcmp(by_id, GV_ACTOR_ANONYMOUS) != 0))
        return gv__event_corrupt(ev, err, "an anonymous question must not name its author");
    if ((!anonymous && (rc = ev_by(m, ev, &by, err)) < 0) ||
        (rc = ev_ref(m, ev, "guiding_question", false, &gq, err)) < 0 ||
        (rc = ev_ref(m, ev, "to", true, &to, err)) < 0)
        return rc;

    char *copy = strdup(text);
    if (!copy || GV_ARRAY_RESERVE(qs->list, qs->cap, qs->n + 1) < 0) {
        free(copy);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    int64_t at_ms = gv__event_at(ev);
    qs->list[qs->n++] = (gv_question){
        .id = id,
        .text = copy,
        .author = anonymous ? -1 : by,
        .anonymous = anonymous,
        .asked_at_ms = at_ms,
        .state = m->moderated_questions ? GV_QUESTION_PENDING : GV_QUESTION_VISIBLE,
        .guiding_question = gq,
        .to = to,
    };
    return 0;
}

static int apply_upvoted(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    int by = -1, rc;
    if ((rc = ev_question(m, ev, "question", &q, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (q->state != GV_QUESTION_VISIBLE)
        return gv__event_corrupt(ev, err, "only a visible question takes votes");
    bool found;
    size_t pos = voter_pos(q, by, &found);
    if (found)
        return gv__event_corrupt(ev, err, "the sender has already voted for this question");
    if (GV_ARRAY_RESERVE(q->voters, q->cap_voters, q->n_voters + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    memmove(q->voters + pos + 1, q->voters + pos, (q->n_voters - pos) * sizeof *q->voters);
    q->voters[pos] = by;
    q->n_voters++;
    return 0;
}

static int apply_unvoted(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    int by = -1, rc;
    if ((rc = ev_question(m, ev, "question", &q, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (q->state != GV_QUESTION_VISIBLE)
        return gv__event_corrupt(ev, err, "votes change only on a visible question");
    bool found;
    size_t pos = voter_pos(q, by, &found);
    if (!found)
        return gv__event_corrupt(ev, err, "the sender has not voted for this question");
    memmove(q->voters + pos, q->voters + pos + 1, (q->n_voters - pos - 1) * sizeof *q->voters);
    q->n_voters--;
    return 0;
}

/* Moves the event's question to state `to`, if its state is one of the bits of `from`. */
static int apply_transition(gv_meeting *m, const json_t *ev, unsigned from, gv_question_state to,
                            const char *refusal, gv_error *err)
{
    gv_question *q = NULL;
    int rc = ev_question(m, ev, "question", &q, err);
    if (rc < 0)
        return rc;
    if (!(from & (1u << q->state)))
        return gv__event_corrupt(ev, err, refusal);
    q->state = to;
    return 0;
}

static int apply_approved(gv_meeting *m, const json_t *ev, gv_error *err)
{
    return apply_transition(m, ev, 1u << GV_QUESTION_PENDING | 1u << GV_QUESTION_DISMISSED,
                            GV_QUESTION_VISIBLE,
                            "only a pending or dismissed question can be approved", err);
}

static int apply_dismissed(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int rc = apply_transition(m, ev, 1u << GV_QUESTION_PENDING | 1u << GV_QUESTION_VISIBLE,
                              GV_QUESTION_DISMISSED,
                              "only a pending or visible question can be dismissed", err);
    if (rc == 0 && json_integer_value(json_object_get(ev, "question")) == m->questions.shown)
        m->questions.shown = 0;
    return rc;
}

static int apply_answered(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    int rc = ev_question(m, ev, "question", &q, err);
    if (rc < 0)
        return rc;
    if ((q->state != GV_QUESTION_PENDING && q->state != GV_QUESTION_VISIBLE) || q->answered)
        return gv__event_corrupt(ev, err,
                                 "only a pending or visible question not yet answered can be");
    q->answered = true;
    q->answered_at_ms = gv__event_at(ev);
    return 0;
}

static int apply_merged(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL, *into = NULL;
    int rc;
    if ((rc = ev_question(m, ev, "question", &q, err)) < 0 ||
        (rc = ev_question(m, ev, "into", &into, err)) < 0)
        return rc;
    if (q == into)
        return gv__event_corrupt(ev, err, "a question cannot be merged into itself");
    if ((q->state != GV_QUESTION_PENDING && q->state != GV_QUESTION_VISIBLE) ||
        (into->state != GV_QUESTION_PENDING && into->state != GV_QUESTION_VISIBLE))
        return gv__event_corrupt(ev, err, "both questions must be pending or visible");

    /* The union of two ascending lists, so a person who voted for both counts once. */
    size_t cap = q->n_voters + into->n_voters, n = 0, i = 0, j = 0;
    int *u = malloc((cap ? cap : 1) * sizeof *u);
    if (!u)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    while (i < q->n_voters || j < into->n_voters) {
        if (j == into->n_voters || (i < q->n_voters && q->voters[i] < into->voters[j]))
            u[n++] = q->voters[i++];
        else if (i == q->n_voters || into->voters[j] < q->voters[i])
            u[n++] = into->voters[j++];
        else {
            u[n++] = q->voters[i++];
            j++;
        }
    }
    free(into->voters);
    into->voters = u;
    into->n_voters = n;
    into->cap_voters = cap;
    free(q->voters);
    q->voters = NULL;
    q->n_voters = q->cap_voters = 0;
    q->state = GV_QUESTION_MERGED;
    q->merged_into = into->id;
    if (m->questions.shown == q->id)
        m->questions.shown = 0;
    for (size_t k = 0; k < m->questions.n; k++)
        if (m->questions.list[k].merged_into == q->id)
            m->questions.list[k].merged_into = into->id;
    return 0;
}

static int apply_linked(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    int gq = -1, to = -1, rc;
    if ((rc = ev_question(m, ev, "question", &q, err)) < 0 ||
        (rc = ev_ref(m, ev, "guiding_question", false, &gq, err)) < 0 ||
        (rc = ev_ref(m, ev, "to", true, &to, err)) < 0)
        return rc;
    if (q->state != GV_QUESTION_PENDING && q->state != GV_QUESTION_VISIBLE)
        return gv__event_corrupt(ev, err, "only a pending or visible question can be linked");
    q->guiding_question = gq;
    q->to = to;
    return 0;
}

static int apply_edited(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    const char *text = NULL;
    int by = -1, rc;
    if ((rc = ev_question(m, ev, "question", &q, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (gv__json_string(ev, "text", true, GV_QUESTION_TEXT_MAX_BYTES, &text, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!(m->people[by].roles & GV_ROLES_PRESIDING))
        return gv__event_corrupt(ev, err, "only the chair or a moderator edits a question");
    if (q->state != GV_QUESTION_PENDING && q->state != GV_QUESTION_VISIBLE)
        return gv__event_corrupt(ev, err, "only a pending or visible question can be edited");
    size_t len = strlen(text), start, tlen, chars;
    text_trim(text, len, &start, &tlen, &chars);
    if (start != 0 || tlen != len || chars == 0 || chars > GV_QUESTION_TEXT_MAX_CHARS)
        return gv__event_corrupt(ev, err, "the text must be trimmed and 1 to 500 characters long");
    char *copy = strdup(text);
    if (!copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    free(q->text);
    q->text = copy;
    q->edited_at_ms = gv__event_at(ev);
    return 0;
}

static int apply_shown(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_question *q = NULL;
    int rc;
    if (!json_is_null(json_object_get(ev, "question"))) {
        if ((rc = ev_question(m, ev, "question", &q, err)) < 0)
            return rc;
        if (q->state != GV_QUESTION_VISIBLE)
            return gv__event_corrupt(ev, err, "only a visible question can be shown");
    } else if (!json_object_get(ev, "question")) {
        return gv__event_corrupt(ev, err, "field \"question\" is missing");
    }
    m->questions.shown = q ? q->id : 0;
    return 0;
}

const gv_event_spec gv__questions_events[] = {
    {"question_asked", apply_asked, GV_SECTION_QUESTIONS},
    {"question_upvoted", apply_upvoted, GV_SECTION_QUESTIONS},
    {"question_unvoted", apply_unvoted, GV_SECTION_QUESTIONS},
    {"question_approved", apply_approved, GV_SECTION_QUESTIONS},
    {"question_dismissed", apply_dismissed, GV_SECTION_QUESTIONS},
    {"question_answered", apply_answered, GV_SECTION_QUESTIONS},
    {"question_merged", apply_merged, GV_SECTION_QUESTIONS},
    {"question_linked", apply_linked, GV_SECTION_QUESTIONS},
    {"question_edited", apply_edited, GV_SECTION_QUESTIONS},
    {"question_shown", apply_shown, GV_SECTION_QUESTIONS},
    {NULL, NULL, 0},
};

/* ---- state JSON ---------------------------------------------------------------------------- */

/* Most votes first; among equals, the question asked first. */
static int by_votes(const void *a, const void *b)
{
    const gv_question *x = *(const gv_question *const *)a, *y = *(const gv_question *const *)b;
    if (x->n_voters != y->n_voters)
        return x->n_voters > y->n_voters ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

json_t *gv__question_json(const gv_meeting *m, const gv_question *q)
{
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:b, s:I, s:I, s:s, s:o, s:o, s:o, s:b, s:o, s:o}", "question",
        (json_int_t)q->id, "text", q->text, "author",
        q->author >= 0 ? json_string(m->people[q->author].id) : json_null(), "anonymous",
        q->anonymous, "asked_at_ms", (json_int_t)q->asked_at_ms, "votes", (json_int_t)q->n_voters,
        "state", gv_question_state_names[q->state], "guiding_question",
        ref_json(q->guiding_question >= 0 ? m->questions_def[q->guiding_question].id : NULL), "to",
        ref_json(q->to >= 0 ? m->people[q->to].id : NULL), "merged_into",
        q->merged_into ? json_integer(q->merged_into) : json_null(), "answered", q->answered,
        "answered_at_ms", q->answered ? json_integer(q->answered_at_ms) : json_null(),
        "edited_at_ms", q->edited_at_ms ? json_integer(q->edited_at_ms) : json_null());
    return o;
}

int gv__questions_to_json(const gv_meeting *m, json_t *state)
{
    const gv_questions *qs = &m->questions;
    const gv_question **order = NULL;
    json_t *list = json_array();
    if (!list)
        goto fail;
    if (qs->n > 0) {
        order = malloc(qs->n * sizeof *order);
        if (!order)
            goto fail;
        for (size_t i = 0; i < qs->n; i++)
            order[i] = &qs->list[i];
        qsort(order, qs->n, sizeof *order, by_votes);
    }
    for (size_t i = 0; i < qs->n; i++)
        if (json_array_append_new(list, gv__question_json(m, order[i])) < 0)
            goto fail;
    free(order);
    if (json_object_set_new(state, "questions", list) < 0)
        return GV_ENOMEM;
    return json_object_set_new(state, "shown_question",
                               qs->shown ? json_integer(qs->shown) : json_null()) < 0
               ? GV_ENOMEM
               : 0;
fail:
    free(order);
    json_decref(list);
    return GV_ENOMEM;
}

/*
 * Questions from the audience (src/core/questions.c): every command's happy
 * path and every refusal with its documented error code, the state unchanged
 * after each refusal, and a property test over random command sequences
 * against a small reference model (votes are distinct voters, no question is
 * lost, every accept or refusal is the one the rules give).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/fixture_meeting.h"

/* The state entry of question `id` (new reference), or NULL. */
static json_t *question(const fx *f, int64_t id)
{
    json_t *list = fx_get(f, "questions");
    json_t *found = NULL, *q;
    size_t i;
    json_array_foreach(list, i, q)
    {
        if (json_integer_value(json_object_get(q, "question")) == id)
            found = json_incref(q);
    }
    json_decref(list);
    return found;
}

static json_int_t q_int(const fx *f, int64_t id, const char *key)
{
    json_t *q = question(f, id);
    assert_non_null(q);
    json_int_t v = json_integer_value(json_object_get(q, key));
    json_decref(q);
    return v;
}

/* A string field of question id, "(null)" for JSON null, in buf. */
static const char *q_str(const fx *f, int64_t id, const char *key, char *buf, size_t size)
{
    json_t *q = question(f, id);
    assert_non_null(q);
    json_t *v = json_object_get(q, key);
    snprintf(buf, size, "%s", json_is_string(v) ? json_string_value(v) : "(null)");
    json_decref(q);
    return buf;
}

static void assert_q(const fx *f, int64_t id, const char *key, const char *want)
{
    char buf[2048];
    assert_string_equal(q_str(f, id, key, buf, sizeof buf), want);
}

static bool q_bool(const fx *f, int64_t id, const char *key)
{
    json_t *q = question(f, id);
    assert_non_null(q);
    bool v = json_is_true(json_object_get(q, key));
    json_decref(q);
    return v;
}

/* Asks a question as `who` and returns its id. */
static int64_t ask(fx *f, const char *who, const char *text)
{
    json_t *cmd = json_pack("{s:s, s:s}", "type", "ask_question", "text", text);
    char *s = json_dumps(cmd, 0);
    fx_ok(f, who, s);
    free(s);
    json_decref(cmd);
    return fx_last_seq(f);
}

/* Sends {"type": type, "question": id, ...extra} as who; expects `code` (0: accepted). */
static void on_question(fx *f, const char *who, const char *type, int64_t id, const char *extra,
                        int code)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "{\"type\":\"%s\",\"question\":%lld%s%s}", type, (long long)id,
             extra ? "," : "", extra ? extra : "");
    if (code == 0)
        fx_ok(f, who, cmd);
    else
        fx_refused(f, who, cmd, code);
}

static char *repeat(const char *unit, size_t times, const char *around)
{
    size_t u = strlen(unit), a = strlen(around);
    char *s = malloc(u * times + 2 * a + 1);
    memcpy(s, around, a);
    for (size_t i = 0; i < times; i++)
        memcpy(s + a + i * u, unit, u);
    memcpy(s + a + u * times, around, a);
    s[u * times + 2 * a] = '\0';
    return s;
}

static char *ask_command(const char *text)
{
    json_t *cmd = json_pack("{s:s, s:s}", "type", "ask_question", "text", text);
    char *s = json_dumps(cmd, 0);
    json_decref(cmd);
    return s;
}

/* ---- asking -------------------------------------------------------------------------------- */

static void ask_shows_the_question_at_once_when_not_moderated(void **state)
{
    fx *f = *state;
    json_t *evs = fx_ok(f, "p1",
                        "{\"type\":\"ask_question\",\"id\":\"c1\",\"text\":\"  How is progress "
                        "measured?\\n\",\"guiding_question\":\"gq2\",\"to\":\"pan1\"}");
    int64_t id = fx_last_seq(f);
    json_t *ev = json_array_get(evs, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "question_asked");
    assert_int_equal(json_integer_value(json_object_get(ev, "question")), id);
    assert_string_equal(json_string_value(json_object_get(ev, "text")),
                        "How is progress measured?");
    assert_q(f, id, "text", "How is progress measured?");
    assert_q(f, id, "author", "p1");
    assert_q(f, id, "state", "visible");
    assert_q(f, id, "guiding_question", "gq2");
    assert_q(f, id, "to", "pan1");
    assert_q(f, id, "merged_into", "(null)");
    assert_int_equal(q_int(f, id, "votes"), 0);
    assert_int_equal(q_int(f, id, "asked_at_ms"), f->now_ms);
    assert_false(q_bool(f, id, "answered"));
    assert_false(q_bool(f, id, "anonymous"));
}

static void ask_refusals(void **state)
{
    fx *f = *state;
    fx_refused(f, "p1", "{\"type\":\"ask_question\"}", GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":42}", GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"\"}", GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\" \\t\\n\\u3000\\u00a0 \"}",
               GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"votes\":9}", GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"anonymous\":true}",
               GV_EPERM);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"anonymous\":\"yes\"}",
               GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"to\":\"p2\"}",
               GV_EINVAL); /* not a panelist */
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"to\":\"chair\"}",
               GV_EINVAL);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"to\":\"pan9\"}",
               GV_ENOTFOUND);
    fx_refused(f, "p1",
               "{\"type\":\"ask_question\",\"text\":\"Why?\",\"guiding_question\":\"gq5\"}",
               GV_ENOTFOUND);
    fx_refused(f, "nobody", "{\"type\":\"ask_question\",\"text\":\"Why?\"}", GV_EAUTH);
    /* Explicitly not anonymous is fine where anonymity is not offered. */
    fx_ok(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Why?\",\"anonymous\":false}");
}

static void text_is_at_most_500_characters_not_bytes(void **state)
{
    fx *f = *state;
    /* Three-byte CJK characters, four-byte emoji: 500 pass, 501 do not. */
    const char *units[] = {"\xe6\x97\xa5", "\xf0\x9f\x8c\x8d", "\xc3\xa9", "a"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        char *text = repeat(units[u], 500, "");
        int64_t id = ask(f, "p2", text);
        assert_q(f, id, "text", text);
        free(text);
        text = repeat(units[u], 501, "");
        char *cmd = ask_command(text);
        fx_refused(f, "p2", cmd, GV_ELIMIT);
        free(cmd);
        free(text);
    }
    /* Spaces around do not count: 500 characters inside ideographic spaces are trimmed. */
    char *text = repeat("\xe6\x97\xa5", 500, "\xe3\x80\x80 ");
    int64_t id = ask(f, "p3", text);
    char *inner = repeat("\xe6\x97\xa5", 500, "");
    assert_q(f, id, "text", inner);
    free(inner);
    free(text);
    /* A huge text is refused before any work on it. */
    text = repeat(" ", GV_QUESTION_TEXT_MAX_BYTES + 1, "");
    char *cmd = ask_command(text);
    fx_refused(f, "p3", cmd, GV_ELIMIT);
    free(cmd);
    free(text);
}

static void anonymous_question_never_shows_its_author(void **state)
{
    fx *f = *state;
    fx_ok(f, "p3", "{\"type\":\"ask_question\",\"text\":\"Who funds this?\",\"anonymous\":true}");
    int64_t id = fx_last_seq(f);
    assert_q(f, id, "author", "(null)");
    assert_true(q_bool(f, id, "anonymous"));
    assert_q(f, id, "state", "pending");
    /* Not in the question, nor anywhere in the questions' part of the state. */
    json_t *list = fx_get(f, "questions");
    char *dump = json_dumps(list, JSON_COMPACT);
    assert_null(strstr(dump, "\"p3\""));
    free(dump);
    json_decref(list);
    /* Nor in the struct: nothing can leak what is not kept. */
    assert_int_equal(f->m->questions.list[0].author, -1);
}

/* ---- moderation ---------------------------------------------------------------------------- */

static void moderated_question_waits_for_approval(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Is the report's data public?");
    assert_q(f, id, "state", "pending");
    assert_q(f, id, "author", "p1");
    on_question(f, "p2", "upvote", id, NULL, GV_ESTATE);
    on_question(f, "p1", "approve_question", id, NULL, GV_EPERM);
    on_question(f, "sec", "approve_question", id, NULL, GV_EPERM);
    on_question(f, "pan1", "approve_question", id, NULL, GV_EPERM);
    on_question(f, "mod", "approve_question", id + 1, NULL, GV_ENOTFOUND);
    on_question(f, "mod", "approve_question", id, NULL, 0);
    assert_q(f, id, "state", "visible");
    on_question(f, "chair", "approve_question", id, NULL, GV_ESTATE);
    on_question(f, "p2", "upvote", id, NULL, 0);
    assert_int_equal(q_int(f, id, "votes"), 1);
    fx_refused(f, "mod", "{\"type\":\"approve_question\"}", GV_EINVAL);
    fx_refused(f, "mod", "{\"type\":\"approve_question\",\"question\":\"1\"}", GV_EINVAL);
    fx_refused(f, "mod", "{\"type\":\"approve_question\",\"question\":0}", GV_EINVAL);
}

static void approve_refused_when_not_moderated(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Already visible?");
    on_question(f, "mod", "approve_question", id, NULL, GV_ESTATE);
}

static void dismiss_and_restore(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Off topic?");
    on_question(f, "p2", "upvote", id, NULL, 0);
    on_question(f, "p1", "dismiss_question", id, NULL, GV_EPERM);
    on_question(f, "mod", "dismiss_question", id, NULL, 0);
    assert_q(f, id, "state", "dismissed");
    on_question(f, "mod", "dismiss_question", id, NULL, GV_ESTATE);
    on_question(f, "p3", "upvote", id, NULL, GV_ESTATE);
    on_question(f, "p2", "unvote", id, NULL, GV_ESTATE);
    on_question(f, "mod", "mark_answered", id, NULL, GV_ESTATE);
    on_question(f, "mod", "link_question", id, "\"to\":\"pan1\"", GV_ESTATE);
    on_question(f, "chair", "approve_question", id, NULL, 0); /* a dismissal undone */
    assert_q(f, id, "state", "visible");
    assert_int_equal(q_int(f, id, "votes"), 1);
    on_question(f, "mod", "dismiss_question", id + 7, NULL, GV_ENOTFOUND);
}

/* ---- votes --------------------------------------------------------------------------------- */

static void one_vote_a_person(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "What about rural areas?");
    on_question(f, "p2", "upvote", id, NULL, 0);
    on_question(f, "p1", "upvote", id, NULL, 0); /* one's own question too */
    on_question(f, "chair", "upvote", id, NULL, 0);
    assert_int_equal(q_int(f, id, "votes"), 3);
    on_question(f, "p2", "upvote", id, NULL, GV_ESTATE);
    on_question(f, "p2", "unvote", id, NULL, 0);
    assert_int_equal(q_int(f, id, "votes"), 2);
    on_question(f, "p2", "unvote", id, NULL, GV_ESTATE);
    on_question(f, "p3", "unvote", id, NULL, GV_ESTATE);
    on_question(f, "p2", "upvote", id, NULL, 0); /* may vote again after taking it back */
    assert_int_equal(q_int(f, id, "votes"), 3);
    on_question(f, "p2", "upvote", id + 1, NULL, GV_ENOTFOUND);
    on_question(f, "p2", "unvote", 999999, NULL, GV_ENOTFOUND);
    fx_refused(f, "p2", "{\"type\":\"upvote\"}", GV_EINVAL);
    fx_refused(f, "p2", "{\"type\":\"upvote\",\"question\":1.5}", GV_EINVAL);
    on_question(f, "p3", "upvote", id, "\"weight\":2", GV_EINVAL);
}

static void list_is_ordered_by_votes_then_id(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "A?"), b = ask(f, "p2", "B?"), c = ask(f, "p3", "C?");
    on_question(f, "p1", "upvote", c, NULL, 0);
    on_question(f, "p2", "upvote", c, NULL, 0);
    on_question(f, "p3", "upvote", b, NULL, 0);
    int64_t d = ask(f, "p1", "D?");
    on_question(f, "p2", "upvote", d, NULL, 0);
    json_t *list = fx_get(f, "questions");
    int64_t want[] = {c, b, d, a};
    assert_int_equal(json_array_size(list), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, i), "question")),
                         want[i]);
    json_decref(list);
}

/* ---- merge --------------------------------------------------------------------------------- */

static void merge_unites_votes_without_counting_anyone_twice(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "Funding for broadband?");
    int64_t b = ask(f, "p2", "How will broadband be funded?");
    on_question(f, "p1", "upvote", a, NULL, 0);
    on_question(f, "p2", "upvote", a, NULL, 0);
    on_question(f, "p2", "upvote", b, NULL, 0);
    on_question(f, "pan1", "upvote", b, NULL, 0);
    on_question(f, "p1", "merge_question", a,
                "\"into\":"
                "999",
                GV_EPERM);
    char into[64];
    snprintf(into, sizeof into, "\"into\":%lld", (long long)b);
    on_question(f, "mod", "merge_question", a, into, 0);
    assert_q(f, a, "state", "merged");
    assert_int_equal(q_int(f, a, "merged_into"), b);
    assert_int_equal(q_int(f, a, "votes"), 0);
    assert_int_equal(q_int(f, b, "votes"), 3); /* p1, p2, pan1: p2 once */
    /* Votes for a merged question go to its target. */
    on_question(f, "p3", "upvote", a, NULL, GV_ESTATE);
    on_question(f, "p1", "unvote", a, NULL, GV_ESTATE);
    on_question(f, "p1", "upvote", b, NULL, GV_ESTATE); /* p1's vote moved with the merge */
    on_question(f, "p1", "unvote", b, NULL, 0);
    assert_int_equal(q_int(f, b, "votes"), 2);
}

static void merge_refusals(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "A?"), b = ask(f, "p2", "B?"), c = ask(f, "p3", "C?");
    int64_t d = ask(f, "p3", "D?");
    char into[64];
    snprintf(into, sizeof into, "\"into\":%lld", (long long)a);
    on_question(f, "mod", "merge_question", a, into, GV_EINVAL); /* into itself */
    on_question(f, "mod", "merge_question", a, NULL, GV_EINVAL); /* no "into" */
    on_question(f, "mod", "merge_question", a, "\"into\":99999", GV_ENOTFOUND);
    on_question(f, "mod", "merge_question", 99999, into, GV_ENOTFOUND);
    on_question(f, "mod", "dismiss_question", c, NULL, 0);
    snprintf(into, sizeof into, "\"into\":%lld", (long long)c);
    on_question(f, "mod", "merge_question", a, into, GV_ESTATE); /* into a dismissed one */
    snprintf(into, sizeof into, "\"into\":%lld", (long long)a);
    on_question(f, "mod", "merge_question", c, into, GV_ESTATE); /* a dismissed one */
    on_question(f, "mod", "merge_question", b, into, 0);
    snprintf(into, sizeof into, "\"into\":%lld", (long long)b);
    on_question(f, "mod", "merge_question", d, into, GV_ESTATE); /* into a merged one */
    snprintf(into, sizeof into, "\"into\":%lld", (long long)d);
    on_question(f, "mod", "merge_question", b, into, GV_ESTATE); /* merged already */
    on_question(f, "mod", "approve_question", b, NULL, GV_ESTATE);
    on_question(f, "mod", "dismiss_question", b, NULL, GV_ESTATE);
}

static void merged_into_always_names_a_live_question(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "A?"), b = ask(f, "p2", "B?"), c = ask(f, "p3", "C?");
    on_question(f, "p1", "upvote", a, NULL, 0);
    on_question(f, "p2", "upvote", b, NULL, 0);
    on_question(f, "p1", "upvote", c, NULL, 0);
    char into[64];
    snprintf(into, sizeof into, "\"into\":%lld", (long long)b);
    on_question(f, "mod", "merge_question", a, into, 0);
    snprintf(into, sizeof into, "\"into\":%lld", (long long)c);
    on_question(f, "mod", "merge_question", b, into, 0);
    assert_int_equal(q_int(f, a, "merged_into"), c);
    assert_int_equal(q_int(f, b, "merged_into"), c);
    assert_int_equal(q_int(f, c, "votes"), 2); /* p1 and p2 */
}

static void merge_a_pending_duplicate(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "Original?");
    on_question(f, "mod", "approve_question", a, NULL, 0);
    int64_t b = ask(f, "p2", "Duplicate?");
    char into[64];
    snprintf(into, sizeof into, "\"into\":%lld", (long long)a);
    on_question(f, "mod", "merge_question", b, into, 0);
    assert_q(f, b, "state", "merged");
}

/* ---- answered and links -------------------------------------------------------------------- */

static void mark_answered_once(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "When is the next report?");
    on_question(f, "pan1", "mark_answered", id, NULL, GV_EPERM);
    on_question(f, "mod", "mark_answered", id, NULL, 0);
    assert_true(q_bool(f, id, "answered"));
    assert_int_equal(q_int(f, id, "answered_at_ms"), f->now_ms);
    assert_q(f, id, "state", "visible");
    on_question(f, "chair", "mark_answered", id, NULL, GV_ESTATE);
    on_question(f, "chair", "mark_answered", id + 3, NULL, GV_ENOTFOUND);
    /* Still visible, but answered: its votes are final. */
    assert_q(f, id, "state", "visible");
    on_question(f, "p2", "upvote", id, NULL, GV_ESTATE);
}

static void no_votes_once_answered(void **state)
{
    fx *f = *state;
    gv_error err;
    int64_t id = ask(f, "p1", "When is the next report?");
    on_question(f, "p2", "upvote", id, NULL, 0);
    on_question(f, "mod", "mark_answered", id, NULL, 0);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "{\"type\":\"upvote\",\"question\":%lld}", (long long)id);
    assert_int_equal(fx_try(f, "p3", cmd, &err), GV_ESTATE);
    assert_string_equal(err.reason, "question_answered");
    snprintf(cmd, sizeof cmd, "{\"type\":\"unvote\",\"question\":%lld}", (long long)id);
    assert_int_equal(fx_try(f, "p2", cmd, &err), GV_ESTATE);
    assert_string_equal(err.reason, "question_answered");
    assert_int_equal(q_int(f, id, "votes"), 1);
}

/* The moderator rewords a question (a typo, two questions in one); the log
 * keeps what was asked, the state what was edited. */
static void edit_the_wording(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Wen is teh next report?");
    assert_q(f, id, "edited_at_ms", "(null)");
    on_question(f, "p1", "edit_question", id, "\"text\":\"When is the next report?\"", GV_EPERM);
    on_question(f, "mod", "edit_question", id, "\"text\":\"   \"", GV_EINVAL);
    on_question(f, "mod", "edit_question", id, NULL, GV_EINVAL);
    on_question(f, "mod", "edit_question", id, "\"text\":\"Wen is teh next report?\"", GV_ESTATE);
    on_question(f, "mod", "edit_question", id + 9, "\"text\":\"x\"", GV_ENOTFOUND);
    on_question(f, "mod", "edit_question", id, "\"text\":\"  When is the next report? \"", 0);
    assert_q(f, id, "text", "When is the next report?");
    assert_int_equal(q_int(f, id, "edited_at_ms"), f->now_ms);
    on_question(f, "mod", "dismiss_question", id, NULL, 0);
    on_question(f, "mod", "edit_question", id, "\"text\":\"Again?\"", GV_ESTATE);
}

/* One visible question at a time on the room screen; dismissing or merging it
 * takes it off. */
static void show_one_question_on_screen(void **state)
{
    fx *f = *state;
    int64_t a = ask(f, "p1", "First?");
    int64_t b = ask(f, "p2", "Second?");
    json_t *shown = fx_get(f, "shown_question");
    assert_true(json_is_null(shown));
    json_decref(shown);
    on_question(f, "p1", "show_question", a, NULL, GV_EPERM);
    fx_refused(f, "mod", "{\"type\":\"show_question\"}", GV_EINVAL);
    fx_refused(f, "mod", "{\"type\":\"show_question\",\"question\":null}", GV_ESTATE);
    on_question(f, "mod", "show_question", a + 99, NULL, GV_ENOTFOUND);
    on_question(f, "mod", "show_question", a, NULL, 0);
    shown = fx_get(f, "shown_question");
    assert_int_equal(json_integer_value(shown), a);
    json_decref(shown);
    on_question(f, "mod", "show_question", a, NULL, GV_ESTATE);
    on_question(f, "mod", "show_question", b, NULL, 0);
    on_question(f, "mod", "merge_question", b, "\"into\":1", GV_ENOTFOUND);
    char into[32];
    snprintf(into, sizeof into, "\"into\":%lld", (long long)a);
    on_question(f, "mod", "merge_question", b, into, 0);
    shown = fx_get(f, "shown_question");
    assert_true(json_is_null(shown));
    json_decref(shown);
    on_question(f, "mod", "show_question", b, NULL, GV_ESTATE);
    on_question(f, "mod", "show_question", a, NULL, 0);
    on_question(f, "mod", "dismiss_question", a, NULL, 0);
    shown = fx_get(f, "shown_question");
    assert_true(json_is_null(shown));
    json_decref(shown);
    on_question(f, "mod", "approve_question", a, NULL, 0);
    on_question(f, "mod", "show_question", a, NULL, 0);
    fx_ok(f, "chair", "{\"type\":\"show_question\",\"question\":null}");
}

static void link_to_guiding_question_and_panelist(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Which indicators?");
    on_question(f, "p1", "link_question", id, "\"to\":\"pan1\"", GV_EPERM);
    on_question(f, "mod", "link_question", id, NULL, GV_EINVAL);
    on_question(f, "mod", "link_question", id, "\"to\":\"p2\"", GV_EINVAL);
    on_question(f, "mod", "link_question", id, "\"to\":\"ghost\"", GV_ENOTFOUND);
    on_question(f, "mod", "link_question", id, "\"guiding_question\":\"gq9\"", GV_ENOTFOUND);
    on_question(f, "mod", "link_question", id, "\"to\":null", GV_ESTATE); /* nothing to unlink */
    on_question(f, "mod", "link_question", 4242, "\"to\":\"pan1\"", GV_ENOTFOUND);
    on_question(f, "mod", "link_question", id, "\"guiding_question\":\"gq1\",\"to\":\"pan2\"", 0);
    assert_q(f, id, "guiding_question", "gq1");
    assert_q(f, id, "to", "pan2");
    on_question(f, "mod", "link_question", id, "\"to\":\"pan2\"", GV_ESTATE);
    on_question(f, "chair", "link_question", id, "\"to\":\"pan1\"", 0); /* gq kept */
    assert_q(f, id, "guiding_question", "gq1");
    assert_q(f, id, "to", "pan1");
    on_question(f, "chair", "link_question", id, "\"guiding_question\":null", 0);
    assert_q(f, id, "guiding_question", "(null)");
    assert_q(f, id, "to", "pan1");
}

static void closed_meeting_takes_no_question_commands(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Before the close?");
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"close_meeting\"}");
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"After?\"}", GV_ESTATE);
    on_question(f, "p2", "upvote", id, NULL, GV_ESTATE);
    on_question(f, "mod", "approve_question", id, NULL, GV_ESTATE);
    on_question(f, "mod", "dismiss_question", id, NULL, GV_ESTATE);
    on_question(f, "mod", "mark_answered", id, NULL, GV_ESTATE);
    on_question(f, "mod", "link_question", id, "\"to\":\"pan1\"", GV_ESTATE);
}

static void at_most_10000_questions(void **state)
{
    fx *f = *state;
    char cmd[128];
    for (int i = 0; i < GV_QUESTIONS_MAX; i++) {
        snprintf(cmd, sizeof cmd, "{\"type\":\"ask_question\",\"text\":\"Question %d?\"}", i);
        fx_ok(f, fx_people[(size_t)i % FX_N_PEOPLE], cmd);
    }
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"One more?\"}", GV_ELIMIT);
    json_t *list = fx_get(f, "questions");
    assert_int_equal(json_array_size(list), GV_QUESTIONS_MAX);
    json_decref(list);
}

/* ---- damaged events ------------------------------------------------------------------------ */

static void damaged_events_change_nothing(void **state)
{
    fx *f = *state;
    int64_t id = ask(f, "p1", "Real question?");
    long long next = (long long)gv_meeting_seq(f->m) + 1;
    const char *bodies[] = {
        "\"type\":\"question_asked\",\"question\":1,\"text\":\"x\"", /* id != seq */
        "\"type\":\"question_asked\",\"question\":%lld,\"text\":\" padded \"",
        "\"type\":\"question_asked\",\"question\":%lld,\"text\":\"\"",
        "\"type\":\"question_asked\",\"question\":%lld,\"text\":\"x\",\"anonymous\":true",
        "\"type\":\"question_asked\",\"question\":%lld,\"text\":\"x\",\"to\":\"p2\"",
        "\"type\":\"question_upvoted\",\"question\":%lld", /* by p1, and not existing */
        "\"type\":\"question_merged\",\"question\":%lld,\"into\":%lld",
        "\"type\":\"question_linked\",\"question\":%lld,\"guiding_question\":\"gq8\"",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char body[256], text[512];
        long long qid = i == 5 ? next + 5 : (i >= 6 ? (long long)id : next);
        snprintf(body, sizeof body, bodies[i], qid, qid);
        snprintf(text, sizeof text, "{\"seq\":%lld,\"at_ms\":%lld,\"by\":\"p1\",%s}", next,
                 (long long)f->now_ms, body);
        json_t *ev = json_loads(text, 0, NULL);
        assert_non_null(ev);
        char *before = fx_state(f);
        gv_error err;
        if (gv_meeting_apply(f->m, ev, &err) >= 0)
            fail_msg("damaged event accepted: %s", text);
        char *after = fx_state(f);
        assert_string_equal(before, after);
        free(before);
        free(after);
        json_decref(ev);
    }
}

/* ---- roles --------------------------------------------------------------------------------- */

static void every_command_by_every_role(void **state)
{
    (void)state;
    static const struct {
        const char *command;
        const char *allowed;
    } table[] = {
        {"{\"type\":\"ask_question\",\"text\":\"x\"}",
         "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"upvote\",\"question\":2}",
         "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"unvote\",\"question\":2}",
         "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"approve_question\",\"question\":2}", "chair mod"},
        {"{\"type\":\"dismiss_question\",\"question\":2}", "chair mod"},
        {"{\"type\":\"mark_answered\",\"question\":2}", "chair mod"},
        {"{\"type\":\"merge_question\",\"question\":2,\"into\":2}", "chair mod"},
        {"{\"type\":\"link_question\",\"question\":2,\"to\":\"pan1\"}", "chair mod"},
    };
    for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
        for (size_t p = 0; p < FX_N_PEOPLE; p++) {
            fx g;
            fx_init(&g, true, true);
            char padded[64], allowed[80];
            snprintf(padded, sizeof padded, " %s ", fx_people[p]);
            snprintf(allowed, sizeof allowed, " %s ", table[t].allowed);
            bool may = strstr(allowed, padded) != NULL;
            if (may) {
                gv_error err;
                int rc = fx_try(&g, fx_people[p], table[t].command, &err);
                if (rc == GV_EPERM)
                    fail_msg("%s by %s: refused as forbidden: %s", table[t].command, fx_people[p],
                             err.msg);
            } else {
                fx_refused(&g, fx_people[p], table[t].command, GV_EPERM);
            }
            fx_release(&g);
        }
    }
}

/* ---- property test ------------------------------------------------------------------------- */

#define MODEL_MAX 256

/* The rules, restated as simply as possible, to check the module against. */
typedef struct model {
    int n;
    int64_t id[MODEL_MAX];
    int state[MODEL_MAX]; /* gv_question_state */
    bool answered[MODEL_MAX];
    int64_t merged_into[MODEL_MAX];
    bool voted[MODEL_MAX][FX_N_PEOPLE];
} model;

static int model_find(const model *md, int64_t id)
{
    for (int i = 0; i < md->n; i++)
        if (md->id[i] == id)
            return i;
    return -1;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool presiding(size_t person)
{
    return strcmp(fx_people[person], "chair") == 0 || strcmp(fx_people[person], "mod") == 0;
}

/* A question id to act on: mostly existing ones, sometimes one that does not exist. */
static int64_t pick_id(const model *md, uint64_t *rng)
{
    if (md->n == 0 || rng_next(rng) % 10 == 0)
        return 100000 + (int64_t)(rng_next(rng) % 5);
    return md->id[rng_next(rng) % (uint64_t)md->n];
}

static void check_against_model(const fx *f, const model *md)
{
    json_t *list = fx_get(f, "questions");
    assert_int_equal(json_array_size(list), md->n); /* no question lost or doubled */
    size_t i;
    json_t *q;
    json_int_t prev_votes = INT64_MAX, prev_id = 0;
    json_array_foreach(list, i, q)
    {
        int64_t id = json_integer_value(json_object_get(q, "question"));
        int k = model_find(md, id);
        assert_true(k >= 0);
        int votes = 0;
        for (size_t p = 0; p < FX_N_PEOPLE; p++)
            votes += md->voted[k][p];
        json_int_t v = json_integer_value(json_object_get(q, "votes"));
        assert_int_equal(v, votes);
        assert_string_equal(json_string_value(json_object_get(q, "state")),
                            gv_question_state_names[md->state[k]]);
        assert_int_equal(json_is_true(json_object_get(q, "answered")), md->answered[k]);
        assert_int_equal(json_integer_value(json_object_get(q, "merged_into")), md->merged_into[k]);
        /* Deterministic order: votes descending, then id. */
        assert_true(v < prev_votes || (v == prev_votes && id > prev_id));
        prev_votes = v;
        prev_id = id;
    }
    json_decref(list);
    /* The struct agrees: voters ascending, distinct, as many as the votes. */
    for (size_t k = 0; k < f->m->questions.n; k++) {
        const gv_question *g = &f->m->questions.list[k];
        for (size_t j = 1; j < g->n_voters; j++)
            assert_true(g->voters[j - 1] < g->voters[j]);
    }
}

static bool open_state(int s)
{
    return s == GV_QUESTION_PENDING || s == GV_QUESTION_VISIBLE;
}

/* Accepted commands of each kind over all sequences, to show the test reaches them all. */
static int accepted[8];

static void run_random_sequence(uint64_t seed, bool moderated, int steps)
{
    fx f;
    model *md = calloc(1, sizeof *md);
    uint64_t rng = seed * 2654435761u + 1;
    fx_init(&f, true, moderated);
    for (int step = 0; step < steps; step++) {
        size_t who = rng_next(&rng) % FX_N_PEOPLE;
        /* Votes come first in sequences that have questions to vote on: kinds 1 (upvote) and
         * 2, 3 (unvote) are tried more often than asking. */
        int kind = (int)(rng_next(&rng) % 8);
        if (kind == 0 && md->n > 8 && rng_next(&rng) % 2)
            kind = 1;
        if (kind >= 4 && rng_next(&rng) % 3 != 0)
            who = rng_next(&rng) % 2; /* mostly the chair or the moderator: fewer refusals */
        int64_t id = pick_id(md, &rng), into = pick_id(md, &rng);
        int k = model_find(md, id), t = model_find(md, into);
        if (kind == 3 && k >= 0) { /* an unvote by someone who voted, when there is one */
            size_t from = rng_next(&rng) % FX_N_PEOPLE;
            for (size_t p = 0; p < FX_N_PEOPLE; p++)
                if (md->voted[k][(from + p) % FX_N_PEOPLE]) {
                    who = (from + p) % FX_N_PEOPLE;
                    break;
                }
        }
        char cmd[256];
        int expect = 0;
        bool boss = presiding(who);
        const char *types[] = {"ask_question",  "upvote",           "unvote",
                               "unvote",        "approve_question", "dismiss_question",
                               "mark_answered", "merge_question"};
        if (kind == 0) {
            if (md->n >= MODEL_MAX)
                continue;
            bool empty = rng_next(&rng) % 20 == 0;
            snprintf(cmd, sizeof cmd, "{\"type\":\"ask_question\",\"text\":\"%s\"%s}",
                     empty ? "  " : "Question?", rng_next(&rng) % 3 ? "" : ",\"anonymous\":true");
            expect = empty ? GV_EINVAL : 0;
        } else if (kind == 7) {
            snprintf(cmd, sizeof cmd,
                     "{\"type\":\"merge_question\",\"question\":%lld,\"into\":%lld}", (long long)id,
                     (long long)into);
            expect = !boss                       ? GV_EPERM
                     : k < 0 || t < 0            ? GV_ENOTFOUND
                     : k == t                    ? GV_EINVAL
                     : !open_state(md->state[k]) ? GV_ESTATE
                     : !open_state(md->state[t]) ? GV_ESTATE
                                                 : 0;
        } else {
            snprintf(cmd, sizeof cmd, "{\"type\":\"%s\",\"question\":%lld}", types[kind],
                     (long long)id);
            bool mod_cmd = kind >= 4;
            if (mod_cmd && !boss)
                expect = GV_EPERM;
            else if (k < 0)
                expect = GV_ENOTFOUND;
            else if (kind == 1)
                expect = md->state[k] != GV_QUESTION_VISIBLE || md->answered[k] || md->voted[k][who]
                             ? GV_ESTATE
                             : 0;
            else if (kind == 2 || kind == 3)
                expect =
                    md->state[k] != GV_QUESTION_VISIBLE || md->answered[k] || !md->voted[k][who]
                        ? GV_ESTATE
                        : 0;
            else if (kind == 4)
                expect =
                    md->state[k] == GV_QUESTION_PENDING || md->state[k] == GV_QUESTION_DISMISSED
                        ? 0
                        : GV_ESTATE;
            else if (kind == 5)
                expect = open_state(md->state[k]) ? 0 : GV_ESTATE;
            else
                expect = open_state(md->state[k]) && !md->answered[k] ? 0 : GV_ESTATE;
        }

        gv_error err;
        char *before = expect ? fx_state(&f) : NULL;
        int rc = fx_try(&f, fx_people[who], cmd, &err);
        if (rc != expect)
            fail_msg("seed %llu step %d: %s by %s: expected %s, got %s (%s)",
                     (unsigned long long)seed, step, cmd, fx_people[who], gv_error_name(expect),
                     gv_error_name(rc), err.msg);
        if (before) {
            char *after = fx_state(&f);
            assert_string_equal(before, after);
            free(after);
            free(before);
        }
        accepted[kind] += rc == 0;
        if (rc == 0) {
            switch (kind) {
            case 0:
                md->id[md->n] = fx_last_seq(&f);
                md->state[md->n] = moderated ? GV_QUESTION_PENDING : GV_QUESTION_VISIBLE;
                md->n++;
                break;
            case 1:
                md->voted[k][who] = true;
                break;
            case 2:
            case 3:
                md->voted[k][who] = false;
                break;
            case 4:
                md->state[k] = GV_QUESTION_VISIBLE;
                break;
            case 5:
                md->state[k] = GV_QUESTION_DISMISSED;
                break;
            case 6:
                md->answered[k] = true;
                break;
            case 7:
                for (size_t p = 0; p < FX_N_PEOPLE; p++) {
                    md->voted[t][p] |= md->voted[k][p];
                    md->voted[k][p] = false;
                }
                md->state[k] = GV_QUESTION_MERGED;
                md->merged_into[k] = into;
                for (int j = 0; j < md->n; j++)
                    if (md->merged_into[j] == id)
                        md->merged_into[j] = into;
                break;
            }
        }
        check_against_model(&f, md);
    }
    fx_assert_replays(&f);
    fx_release(&f);
    free(md);
}

static void random_sequences_keep_votes_and_questions(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 16; seed++)
        run_random_sequence(seed, seed % 2 == 0, 300);
    accepted[2] += accepted[3]; /* both unvotes */
    for (int kind = 0; kind < 8; kind++)
        if (kind != 3 && accepted[kind] < 20)
            fail_msg("only %d commands of kind %d accepted: the sequences miss a rule",
                     accepted[kind], kind);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ask_shows_the_question_at_once_when_not_moderated, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ask_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(text_is_at_most_500_characters_not_bytes, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(anonymous_question_never_shows_its_author,
                                        fx_setup_anonymous_moderated, fx_teardown),
        cmocka_unit_test_setup_teardown(moderated_question_waits_for_approval,
                                        fx_setup_anonymous_moderated, fx_teardown),
        cmocka_unit_test_setup_teardown(approve_refused_when_not_moderated, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(dismiss_and_restore, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(one_vote_a_person, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(list_is_ordered_by_votes_then_id, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(merge_unites_votes_without_counting_anyone_twice, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(merge_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(merged_into_always_names_a_live_question, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(merge_a_pending_duplicate, fx_setup_anonymous_moderated,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(mark_answered_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(no_votes_once_answered, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(edit_the_wording, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(show_one_question_on_screen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(link_to_guiding_question_and_panelist, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(closed_meeting_takes_no_question_commands, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(at_most_10000_questions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(damaged_events_change_nothing, fx_setup, fx_teardown),
        cmocka_unit_test(every_command_by_every_role),
        cmocka_unit_test(random_sequences_keep_votes_and_questions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

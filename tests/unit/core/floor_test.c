/*
 * The speakers' list through the meeting's commands: requests, withdrawals,
 * the moderator's changes, closing, undo, and every command's refusals, each
 * with its documented error code and no change to the state (the fixture
 * compares the whole state around every refusal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "floor_fixture.h"

static void a_request_joins_the_list(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ok(f, "chair", "{\"type\": \"set_guiding_question\", \"guiding_question\": \"gq2\"}");
    json_t *evs = ff_ok(f, "ngo", "{\"type\": \"request_floor\", \"id\": \"c1\"}");
    assert_int_equal(json_array_size(evs), 1);
    json_t *ev = json_array_get(evs, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "floor_requested");
    assert_int_equal(json_integer_value(json_object_get(ev, "request")),
                     json_integer_value(json_object_get(ev, "seq")));
    assert_string_equal(json_string_value(json_object_get(ev, "person")), "ngo");
    assert_string_equal(json_string_value(json_object_get(ev, "kind")), "intervention");
    assert_string_equal(json_string_value(json_object_get(ev, "mode")), "online");
    assert_string_equal(json_string_value(json_object_get(ev, "item")), "fifo");
    /* The guiding question under discussion is the default. */
    assert_string_equal(json_string_value(json_object_get(ev, "guiding_question")), "gq2");
    assert_string_equal(ff_entry(f, 0, "position"), "0");
    assert_string_equal(ff_entry(f, 0, "expected_wait_ms"), "0");
    assert_string_equal(ff_entry(f, 0, "reason"), "arrived 1st");
    assert_string_equal(ff_entry(f, 0, "reason_code"), "fifo");
    /* A question to one panelist, from the room although ngo is online. */
    ff_ok(f, "firm",
          "{\"type\": \"request_floor\", \"kind\": \"question\", \"to\": \"pan2\", \"mode\": "
          "\"room\", \"guiding_question\": \"gq1\"}");
    assert_string_equal(ff_entry(f, 1, "to"), "pan2");
    assert_string_equal(ff_entry(f, 1, "mode"), "room");
    assert_string_equal(ff_entry(f, 1, "guiding_question"), "gq1");
    /* Waiting: the default limit of each entry ahead (3 minutes). */
    assert_string_equal(ff_entry(f, 1, "expected_wait_ms"), "180000");
}

static void request_refusals(void **state)
{
    ff *f = *state;
    ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"request_floor\"}"); /* not open */
    ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
    const char *msg = ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"request_floor\"}");
    assert_non_null(strstr(msg, "no agenda item is running"));
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"fifo\"}");
    ff_refused(f, GV_EPERM, "sec", "{\"type\": \"request_floor\"}");
    ff_refused(f, GV_EINVAL, "ngo", "{\"type\": \"request_floor\", \"colour\": 1}");
    ff_refused(f, GV_EINVAL, "ngo", "{\"type\": \"request_floor\", \"kind\": \"speech\"}");
    ff_refused(f, GV_EINVAL, "ngo", "{\"type\": \"request_floor\", \"mode\": \"phone\"}");
    ff_refused(f, GV_EINVAL, "ngo", "{\"type\": \"request_floor\", \"to\": \"pan1\"}");
    ff_refused(f, GV_ENOTFOUND, "ngo",
               "{\"type\": \"request_floor\", \"kind\": \"question\", \"to\": \"nobody\"}");
    msg = ff_refused(f, GV_EINVAL, "ngo",
                     "{\"type\": \"request_floor\", \"kind\": \"question\", \"to\": \"firm\"}");
    assert_non_null(strstr(msg, "not a panelist"));
    ff_refused(f, GV_ENOTFOUND, "ngo",
               "{\"type\": \"request_floor\", \"guiding_question\": \"gq9\"}");
    ff_refused(f, GV_EINVAL, "ngo",
               "{\"type\": \"request_floor\", \"on_behalf_of\": \"civil society\"}");
    ff_refused(f, GV_EINVAL, "arcadia", "{\"type\": \"request_floor\", \"on_behalf_of\": \"  \"}");
    ff_refused(f, GV_EINVAL, "arcadia",
               "{\"type\": \"request_floor\", \"kind\": \"reply\", \"on_behalf_of\": \"G77\"}");
    char big[400];
    memset(big, 'x', 300);
    big[300] = '\0';
    ff_refused(f, GV_ELIMIT, "arcadia", "{\"type\": \"request_floor\", \"on_behalf_of\": \"%s\"}",
               big);
    /* One at a time: the second request names the first and its place. */
    ff_ask(f, "firm", NULL);
    int64_t r = ff_ask(f, "ngo", NULL);
    msg = ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"request_floor\", \"kind\": \"reply\"}");
    char want[64];
    snprintf(want, sizeof want, "request %lld (intervention), 2nd on the list", (long long)r);
    assert_non_null(strstr(msg, want));
}

/* The language of the current speech, or NULL when nothing says. */
static const char *speech_language(const ff *f, char *buf, size_t size)
{
    json_t *floor = ff_get(f, "floor");
    const json_t *v = json_object_get(json_object_get(floor, "speech"), "language");
    snprintf(buf, size, "%s", json_is_string(v) ? json_string_value(v) : "null");
    json_decref(floor);
    return buf;
}

static void a_request_names_the_language_spoken(void **state)
{
    ff *f = *state;
    char lang[64];
    ff_start(f, "fifo");
    json_t *evs = ff_ok(f, "ngo", "{\"type\": \"request_floor\", \"language\": \"ar\"}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "language")),
                        "ar");
    assert_string_equal(ff_entry(f, 0, "language"), "ar");
    /* Not said: the event says nothing and the list null (the definition's
     * people[].speaks stands). */
    evs = ff_ok(f, "firm", "{\"type\": \"request_floor\"}");
    assert_null(json_object_get(json_array_get(evs, 0), "language"));
    assert_string_equal(ff_entry(f, 1, "language"), "null");
    /* The moderator inserts a speaker with theirs. */
    ff_ok(f, "mod",
          "{\"type\": \"insert_speaker\", \"person\": \"uni\", \"language\": \"zh-Hans\"}");
    assert_string_equal(ff_entry(f, 2, "language"), "zh-Hans");
    /* Refused: not a tag, not a string, too long; nothing changes. */
    ff_refused(f, GV_EINVAL, "arcadia", "{\"type\": \"request_floor\", \"language\": \"arabic!\"}");
    ff_refused(f, GV_EINVAL, "arcadia", "{\"type\": \"request_floor\", \"language\": 7}");
    ff_refused(f, GV_ELIMIT, "arcadia",
               "{\"type\": \"request_floor\", \"language\": "
               "\"en-aaaaaaaa-bbbbbbbb-cccccccc-dddddddd\"}");
    /* The speech carries its request's language, and a re-added request keeps it. */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\"}");
    assert_string_equal(speech_language(f, lang, sizeof lang), "ar");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"readd_last_speaker\"}");
    assert_string_equal(ff_entry(f, 0, "person"), "ngo");
    assert_string_equal(ff_entry(f, 0, "language"), "ar");
    /* Given directly, with no request: nothing says. */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"arcadia\"}");
    assert_string_equal(speech_language(f, lang, sizeof lang), "null");
    /* A snapshot keeps every request's language. */
    json_t *snap = gv_meeting_snapshot(f->m);
    gv_meeting *back = NULL;
    gv_error err;
    assert_int_equal(gv_meeting_restore(snap, &back, &err), 0);
    json_t *a = gv_meeting_to_json(f->m), *b = gv_meeting_to_json(back);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    json_decref(snap);
    gv_meeting_free(back);
}

static void withdraw_only_your_own(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t b = ff_ask(f, "firm", NULL);
    ff_refused(f, GV_EPERM, "firm", "{\"type\": \"withdraw\", \"request\": %lld}", (long long)a);
    ff_refused(f, GV_EPERM, "mod", "{\"type\": \"withdraw\", \"request\": %lld}", (long long)a);
    ff_refused(f, GV_ENOTFOUND, "ngo", "{\"type\": \"withdraw\", \"request\": 999}");
    ff_refused(f, GV_EINVAL, "ngo", "{\"type\": \"withdraw\", \"request\": \"x\"}");
    ff_refused(f, GV_ESTATE, "uni", "{\"type\": \"withdraw\"}");
    json_t *evs = ff_ok(f, "ngo", "{\"type\": \"withdraw\"}");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 0), "request")), a);
    ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"withdraw\", \"request\": %lld}", (long long)a);
    ff_ok(f, "firm", "{\"type\": \"withdraw\", \"request\": %lld}", (long long)b);
    ff_assert_order(f, "");
    /* A withdrawn request is kept, with its status. */
    json_t *reqs = ff_get(f, "floor_requests");
    assert_int_equal(json_array_size(reqs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "status")),
                        "withdrawn");
    json_decref(reqs);
    /* Asking again after withdrawing is allowed. */
    ff_ask(f, "ngo", NULL);
}

/* Leaving withdraws the person's waiting request: nobody is called who has
 * gone, whether they leave themselves or the secretariat records it. */
static void leaving_withdraws_the_request(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ok(f, "ngo", "{\"type\": \"join\"}");
    ff_ok(f, "firm", "{\"type\": \"check_in\"}");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t b = ff_ask(f, "firm", NULL);
    json_t *evs = ff_ok(f, "ngo", "{\"type\": \"leave\"}");
    assert_int_equal(json_array_size(evs), 2);
    json_t *w = json_array_get(evs, 0);
    assert_string_equal(json_string_value(json_object_get(w, "type")), "request_withdrawn");
    assert_int_equal(json_integer_value(json_object_get(w, "request")), a);
    assert_true(json_is_true(json_object_get(w, "leaving")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 1), "type")), "left");
    ff_assert_order(f, "firm");
    evs = ff_ok(f, "sec", "{\"type\": \"leave\", \"person\": \"firm\"}");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "by")), "sec");
    ff_assert_order(f, "");
    json_t *reqs = ff_get(f, "floor_requests");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 1), "status")),
                        "withdrawn");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(reqs, 1), "request")), b);
    json_decref(reqs);
    /* Without a waiting request, leaving is one event. */
    ff_ok(f, "ngo", "{\"type\": \"join\"}");
    evs = ff_ok(f, "ngo", "{\"type\": \"leave\"}");
    assert_int_equal(json_array_size(evs), 1);
    /* A damaged log: a participant withdraws another's request "leaving". */
    ff_ok(f, "ngo", "{\"type\": \"join\"}");
    int64_t c = ff_ask(f, "ngo", NULL);
    json_t *bad =
        json_pack("{s:I, s:s, s:I, s:s, s:I, s:b}", "seq", (json_int_t)gv_meeting_seq(f->m) + 1,
                  "type", "request_withdrawn", "at_ms", (json_int_t)f->now_ms, "by", "uni",
                  "request", (json_int_t)c, "leaving", 1);
    gv_error err;
    assert_int_equal(gv_meeting_apply(f->m, bad, &err), GV_ECORRUPT);
    json_decref(bad);
}

static void decline_and_moves(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t b = ff_ask(f, "firm", NULL);
    int64_t c = ff_ask(f, "uni", NULL);
    ff_refused(f, GV_EPERM, "ngo", "{\"type\": \"decline\", \"request\": %lld}", (long long)b);
    ff_refused(f, GV_ENOTFOUND, "mod", "{\"type\": \"decline\", \"request\": 4242}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"decline\"}");
    ff_ok(f, "mod", "{\"type\": \"decline\", \"request\": %lld, \"reason\": \"  off topic \"}",
          (long long)b);
    assert_string_equal(json_string_value(json_object_get(json_array_get(f->last, 0), "reason")),
                        "off topic");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"decline\", \"request\": %lld}", (long long)b);
    ff_assert_order(f, "ngo,uni");
    /* Moves: range, not waiting, no change. */
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"move_request\", \"request\": %lld, \"position\": 2}", (long long)a);
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"move_request\", \"request\": %lld, \"position\": -1}", (long long)a);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)b);
    ff_refused(f, GV_EPERM, "uni", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)c);
    ff_ok(f, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)c);
    ff_assert_order(f, "uni,ngo");
    assert_string_equal(ff_entry(f, 0, "reason_code"), "moved");
    assert_string_equal(ff_entry(f, 0, "reason"), "moved here by the moderator");
    assert_string_equal(ff_entry(f, 0, "pinned"), "true");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)c);
    /* A pinned entry stays where it was put: a new request goes behind. */
    ff_ask(f, "firm", NULL);
    ff_assert_order(f, "uni,ngo,firm");
}

static void insert_speaker(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "firm", NULL);
    ff_refused(f, GV_ENOTFOUND, "mod", "{\"type\": \"insert_speaker\", \"person\": \"zed\"}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"insert_speaker\"}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"insert_speaker\", \"person\": \"uni\", \"position\": 3}");
    const char *msg =
        ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"insert_speaker\", \"person\": \"ngo\"}");
    assert_non_null(strstr(msg, "ngo already has a request"));
    ff_refused(f, GV_EPERM, "ngo", "{\"type\": \"insert_speaker\", \"person\": \"uni\"}");
    ff_ok(f, "mod", "{\"type\": \"insert_speaker\", \"person\": \"uni\", \"position\": 1}");
    json_t *ev = json_array_get(f->last, 0);
    assert_true(json_is_true(json_object_get(ev, "inserted")));
    assert_string_equal(json_string_value(json_object_get(ev, "by")), "mod");
    ff_assert_order(f, "ngo,uni,firm");
    assert_string_equal(ff_entry(f, 1, "reason_code"), "placed");
    /* Without a position, the policy places them. */
    ff_ok(f, "mod", "{\"type\": \"insert_speaker\", \"person\": \"agency\"}");
    ff_assert_order(f, "ngo,uni,firm,agency");
    assert_string_equal(ff_entry(f, 3, "inserted"), "true");
    assert_string_equal(ff_entry(f, 3, "reason_code"), "fifo");
    /* An inserted person withdraws their own request. */
    ff_ok(f, "agency", "{\"type\": \"withdraw\"}");
}

static void closing_the_list(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"reopen_list\"}");
    ff_refused(f, GV_EPERM, "ngo", "{\"type\": \"close_list\"}");
    ff_ok(f, "mod", "{\"type\": \"close_list\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"close_list\"}");
    const char *msg = ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"request_floor\"}");
    assert_non_null(strstr(msg, "closed"));
    ff_refused(f, GV_ESTATE, "ngo", "{\"type\": \"request_floor\", \"kind\": \"reply\"}");
    /* Points of order and the moderator's insertions still come in. */
    ff_ask(f, "ngo", "\"kind\": \"point_of_order\"");
    ff_ok(f, "mod", "{\"type\": \"insert_speaker\", \"person\": \"firm\"}");
    ff_assert_order(f, "ngo,firm");
    json_t *floor = ff_get(f, "floor");
    assert_true(json_is_true(json_object_get(floor, "closed")));
    assert_true(json_is_true(json_object_get(floor, "list_closed")));
    json_decref(floor);
    ff_ok(f, "mod", "{\"type\": \"reopen_list\"}");
    ff_ask(f, "uni", NULL);
}

static void the_list_closes_by_itself(void **state)
{
    ff *f = *state;
    ff_start(f, "un"); /* closes 10 minutes after the start */
    int64_t started = f->now_ms;
    json_t *floor = ff_get(f, "floor");
    assert_int_equal(json_integer_value(json_object_get(floor, "closes_at_ms")),
                     started + 10 * FF_MIN);
    json_decref(floor);
    f->step_ms = 10 * FF_MIN - 1000;
    ff_ask(f, "ngo", NULL); /* at 10 min - 1 s */
    f->step_ms = 1000;
    ff_refused(f, GV_ESTATE, "firm", "{\"type\": \"request_floor\"}"); /* at 10 min */
    const char *msg = ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"close_list\"}");
    assert_non_null(strstr(msg, "by itself"));
    ff_ask(f, "uni", "\"kind\": \"point_of_order\"");
    /* Reopening cancels the automatic closing. */
    ff_ok(f, "mod", "{\"type\": \"reopen_list\"}");
    floor = ff_get(f, "floor");
    assert_true(json_is_null(json_object_get(floor, "closes_at_ms")));
    json_decref(floor);
    ff_ask(f, "firm", NULL);
    /* Undoing the reopening brings the closing time back: closed again. */
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}");
    ff_refused(f, GV_ESTATE, "agency", "{\"type\": \"request_floor\"}");
    /* A restarted item gets a new closing time. */
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"fifo\"}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"un\"}");
    ff_ask(f, "agency", NULL);
}

static void undo_walks_back(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"undo_list_change\"}");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t b = ff_ask(f, "firm", NULL);
    int64_t c = ff_ask(f, "uni", NULL);
    ff_ok(f, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)c); /* 1 */
    ff_ok(f, "mod", "{\"type\": \"decline\", \"request\": %lld}", (long long)a);     /* 2 */
    ff_ok(f, "mod", "{\"type\": \"insert_speaker\", \"person\": \"agency\", \"position\": 0}");
    ff_ok(f, "mod", "{\"type\": \"close_list\"}");                                      /* 4 */
    ff_ok(f, "mod", "{\"type\": \"move_request\", \"request\": %lld, \"position\": 0}", /* 5 */
          (long long)b);
    ff_assert_order(f, "firm,agency,uni");
    json_t *floor = ff_get(f, "floor");
    json_t *undo = json_object_get(floor, "undo");
    assert_string_equal(json_string_value(json_object_get(undo, "change")), "move");
    assert_int_equal(json_integer_value(json_object_get(undo, "depth")), 5);
    json_decref(floor);
    ff_refused(f, GV_EPERM, "ngo", "{\"type\": \"undo_list_change\"}");

    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}"); /* 5: firm back by the policy */
    json_t *ev = json_array_get(f->last, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "change")), "move");
    assert_int_equal(json_integer_value(json_object_get(ev, "request")), b);
    ff_assert_order(f, "agency,uni,firm");
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}"); /* 4: reopened */
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}"); /* 3: agency cancelled */
    ff_assert_order(f, "uni,firm");
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}"); /* 2: ngo waits again */
    ff_assert_order(f, "uni,ngo,firm");
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}"); /* 1: uni back in its place */
    ff_assert_order(f, "ngo,firm,uni");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"undo_list_change\"}");
    json_t *reqs = ff_get(f, "floor_requests");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 3), "status")),
                        "cancelled");
    json_decref(reqs);
    ff_ask(f, "agency", NULL); /* the list is open again */
}

static void undo_skips_changes_that_no_longer_apply(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t b = ff_ask(f, "firm", NULL);
    ff_ok(f, "mod", "{\"type\": \"decline\", \"request\": %lld}", (long long)a);
    ff_ok(f, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)b);
    /* firm speaks: the move can no longer be undone; ngo asks again: nor the decline. */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"request\": %lld}", (long long)b);
    ff_ask(f, "ngo", NULL);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"undo_list_change\"}");
}

static void changing_the_item_lapses_the_list(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "firm", NULL);
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"uni\"}");
    ff_ok(f, "mod", "{\"type\": \"close_list\"}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"balanced\"}");
    ff_assert_order(f, "");
    json_t *reqs = ff_get(f, "floor_requests");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "status")),
                        "lapsed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 1), "status")),
                        "lapsed");
    json_decref(reqs);
    json_t *speeches = ff_get(f, "speeches");
    json_t *s = json_array_get(speeches, 0);
    assert_true(json_is_true(json_object_get(s, "ended_with_item")));
    assert_false(json_is_null(json_object_get(s, "ended_at_ms")));
    json_decref(speeches);
    json_t *floor = ff_get(f, "floor");
    assert_true(json_is_null(json_object_get(floor, "speech")));
    assert_false(json_is_true(json_object_get(floor, "closed")));
    assert_string_equal(json_string_value(json_object_get(floor, "policy")), "balanced");
    json_decref(floor);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"undo_list_change\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"readd_last_speaker\"}");
    ff_ask(f, "ngo", NULL); /* on the new item */
    ff_ok(f, "chair", "{\"type\": \"end_item\"}");
    ff_refused(f, GV_ESTATE, "firm", "{\"type\": \"request_floor\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"close_list\"}");
}

/* The bound on requests per item holds even against request/withdraw loops. */
static void requests_per_item_are_bounded(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    f->check_refusals = false;
    for (int i = 0; i < GV_FLOOR_REQUESTS_PER_ITEM_MAX; i++) {
        ff_ok(f, "firm", "{\"type\": \"request_floor\"}");
        if (i + 1 < GV_FLOOR_REQUESTS_PER_ITEM_MAX)
            ff_ok(f, "firm", "{\"type\": \"withdraw\"}");
    }
    f->check_refusals = true;
    json_t *reqs = ff_get(f, "floor_requests");
    assert_int_equal(json_array_size(reqs), GV_FLOOR_REQUESTS_PER_ITEM_MAX);
    json_decref(reqs);
    ff_refused(f, GV_ELIMIT, "uni", "{\"type\": \"request_floor\"}");
    ff_refused(f, GV_ELIMIT, "mod", "{\"type\": \"insert_speaker\", \"person\": \"uni\"}");
    /* Another item starts afresh. */
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"un\"}");
    ff_ask(f, "uni", NULL);
}

/* A forged event (the next sequence number is filled in) must be refused as
 * corrupt and change nothing: apply checks what decide would have checked. */
static void forged(ff *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void forged(ff *f, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_error_t jerr;
    json_t *ev = json_loads(text, 0, &jerr);
    if (!ev)
        fail_msg("forged event is not JSON: %s", text);
    json_object_set_new(ev, "seq", json_integer(gv_meeting_seq(f->m) + 1));
    json_object_set_new(ev, "at_ms", json_integer(f->now_ms));
    char *before = ff_state_text(f);
    gv_error err = {0};
    int rc = gv_meeting_apply(f->m, ev, &err);
    if (rc != GV_ECORRUPT)
        fail_msg("forged %s: expected corrupt, got %s (%s)", text, gv_error_name(rc), err.msg);
    char *after = ff_state_text(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_decref(ev);
}

static void damaged_events_are_refused(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    int64_t a = ff_ask(f, "ngo", NULL);
    int64_t next = gv_meeting_seq(f->m) + 1;
    /* A language that is not a tag. */
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": %lld, "
           "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"intervention\", "
           "\"mode\": \"room\", \"language\": \"no such\"}",
           (long long)next);
    /* A request for someone else, a wrong id, a second pending one, a bad "to". */
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": %lld, "
           "\"person\": \"uni\", \"item\": \"fifo\", \"kind\": \"intervention\", "
           "\"mode\": \"room\"}",
           (long long)next);
    forged(f, "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": 3, "
              "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"intervention\", "
              "\"mode\": \"room\"}");
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"ngo\", \"request\": %lld, "
           "\"person\": \"ngo\", \"item\": \"fifo\", \"kind\": \"reply\", "
           "\"mode\": \"room\"}",
           (long long)next);
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": %lld, "
           "\"person\": \"firm\", \"item\": \"un\", \"kind\": \"intervention\", "
           "\"mode\": \"room\"}",
           (long long)next);
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": %lld, "
           "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"question\", "
           "\"mode\": \"room\", \"to\": \"uni\"}",
           (long long)next);
    forged(f,
           "{\"type\": \"floor_requested\", \"by\": \"firm\", \"request\": %lld, "
           "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"intervention\", "
           "\"mode\": \"room\", \"position\": 0}",
           (long long)next);
    /* Someone else withdraws ngo's request; a participant declines it. */
    forged(f, "{\"type\": \"request_withdrawn\", \"by\": \"firm\", \"request\": %lld}",
           (long long)a);
    forged(f, "{\"type\": \"request_declined\", \"by\": \"firm\", \"request\": %lld}",
           (long long)a);
    forged(f,
           "{\"type\": \"request_moved\", \"by\": \"mod\", \"request\": %lld, "
           "\"position\": 1}",
           (long long)a);
    forged(f, "{\"type\": \"list_change_undone\", \"by\": \"mod\", \"undone\": 2}");
    forged(f, "{\"type\": \"list_reopened\", \"by\": \"mod\"}");
    /* Timer events without a speech, a speech that does not match its request. */
    forged(f, "{\"type\": \"speech_paused\", \"by\": \"mod\", \"speech\": 4}");
    forged(f,
           "{\"type\": \"floor_given\", \"by\": \"mod\", \"speech\": %lld, "
           "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"intervention\", "
           "\"mode\": \"room\", \"limit_ms\": 1000, \"warning_ms\": 0, \"request\": "
           "%lld}",
           (long long)next, (long long)a);
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"request\": %lld}", (long long)a);
    int64_t speech = ff_last_seq(f);
    next = gv_meeting_seq(f->m) + 1;
    forged(f,
           "{\"type\": \"floor_given\", \"by\": \"mod\", \"speech\": %lld, "
           "\"person\": \"firm\", \"item\": \"fifo\", \"kind\": \"intervention\", "
           "\"mode\": \"room\", \"limit_ms\": 1000, \"warning_ms\": 0}",
           (long long)next);
    forged(f,
           "{\"type\": \"speech_ended\", \"by\": \"mod\", \"speech\": %lld, "
           "\"spoken_ms\": 1, \"overtime_ms\": 0}",
           (long long)speech);
    forged(f,
           "{\"type\": \"speech_ended\", \"by\": \"ngo\", \"speech\": %lld, "
           "\"spoken_ms\": 1000, \"overtime_ms\": 0}",
           (long long)speech);
    forged(f,
           "{\"type\": \"speech_resumed\", \"by\": \"mod\", \"speech\": %lld, "
           "\"paused_ms\": 0}",
           (long long)speech);
    forged(f,
           "{\"type\": \"speech_extended\", \"by\": \"mod\", \"speech\": %lld, "
           "\"added_ms\": 1000, \"limit_ms\": 1, \"warning_ms\": 0}",
           (long long)speech);
    forged(f, "{\"type\": \"budget_added\", \"by\": \"mod\", \"item\": \"fifo\", "
              "\"per\": \"group\", \"key\": \"civil_society\", \"added_ms\": 1000}");
    forged(f, "{\"type\": \"segments_set\", \"by\": \"ngo\", \"floor_ms\": 1, "
              "\"replies_ms\": 1}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_request_joins_the_list, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(request_refusals, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(a_request_names_the_language_spoken, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(withdraw_only_your_own, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(leaving_withdraws_the_request, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(decline_and_moves, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(insert_speaker, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(closing_the_list, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(the_list_closes_by_itself, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(undo_walks_back, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(undo_skips_changes_that_no_longer_apply, ff_setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(changing_the_item_lapses_the_list, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(requests_per_item_are_bounded, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(damaged_events_are_refused, ff_setup, ff_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

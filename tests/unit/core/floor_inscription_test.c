/*
 * Inscription ahead (src/core/floor_inscription.c, floor_provisional.c):
 * the window, who may do what, the one-place rules, the commands of the
 * running list refusing inscriptions, carrying into the meeting, lapsing at
 * the close, the provisional list in the state, and damaged logs refused.
 * The order itself is floor_precedence_test.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "inscription_fixture.h"

static int setup(void **state)
{
    ff *f = malloc(sizeof *f);
    if_init(f);
    *state = f;
    return 0;
}

static void window_from_the_definition(void **state)
{
    ff *f = *state;
    json_t *p = if_provisional(f, "debate");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(p, "inscription"), "opens_at_ms")),
        IF_OPENS_MS);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(p, "inscription"), "closes_at_ms")),
        IF_CLOSES_MS);
    assert_true(json_is_null(json_object_get(p, "changed_at_ms")));
    assert_false(json_is_true(json_object_get(p, "running")));
    json_decref(p);
    /* The definition keeps the times as written. */
    json_t *agenda = ff_get(f, "agenda");
    json_t *ins = json_object_get(json_array_get(agenda, 4), "inscription");
    assert_string_equal(json_string_value(json_object_get(ins, "opens")), "2022-03-24T10:00+01:00");
    assert_string_equal(json_string_value(json_object_get(ins, "closes")),
                        "2022-03-30T18:00+02:00");
    assert_true(json_is_null(json_object_get(json_array_get(agenda, 0), "inscription")));
    json_decref(agenda);
}

static void a_person_inscribes_only_inside_the_window(void **state)
{
    ff *f = *state;
    ff_release(f);
    ff_init_with(f, if_definition(), IF_DEFINED_MS);
    const char *msg =
        ff_refused(f, GV_ESTATE, "arcadia", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    assert_non_null(strstr(msg, "inscription for \"debate\" opens at 2022-03-24 09:00 UTC"));
    f->now_ms = IF_OPENS_MS - 1000; /* the command is one step (a second) later: it opens then */
    if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    f->now_ms = IF_CLOSES_MS;
    msg = ff_refused(f, GV_ESTATE, "borduria", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    assert_non_null(strstr(msg, "closed at 2022-03-30 16:00 UTC"));
    /* The secretariat still can, until the item starts. */
    if_inscribe(f, "sec", "borduria", "debate", NULL);
    /* An item without a window takes no inscription from a person. */
    msg = ff_refused(f, GV_ESTATE, "dorado", "{\"type\": \"inscribe\", \"item\": \"fifo\"}");
    assert_non_null(strstr(msg, "not open"));
    json_t *p = if_provisional(f, "debate");
    assert_false(json_is_true(json_object_get(json_object_get(p, "inscription"), "open")));
    json_decref(p);
    if_assert_order(f, "debate", "arcadia,borduria");
}

static void set_inscription_opens_and_closes(void **state)
{
    ff *f = *state;
    ff_refused(f, GV_EPERM, "arcadia",
               "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": 1}");
    ff_refused(f, GV_EINVAL, "sec", "{\"type\": \"set_inscription\", \"item\": \"fifo\"}");
    ff_refused(f, GV_EINVAL, "sec",
               "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld, "
               "\"closes_at_ms\": %lld}",
               (long long)f->now_ms, (long long)f->now_ms - 1);
    ff_refused(f, GV_ENOTFOUND, "sec",
               "{\"type\": \"set_inscription\", \"item\": \"nope\", \"opens_at_ms\": 1}");
    ff_ok(f, "sec",
          "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld, "
          "\"closes_at_ms\": %lld}",
          (long long)f->now_ms, (long long)f->now_ms + IF_DAY);
    ff_refused(f, GV_ESTATE, "sec",
               "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld, "
               "\"closes_at_ms\": %lld}",
               (long long)f->now_ms - 1000, (long long)f->now_ms - 1000 + IF_DAY);
    if_inscribe(f, "ngo", "ngo", "fifo", NULL);
    /* Taking the window away: people can no longer inscribe; the list stays. */
    ff_ok(f, "chair",
          "{\"type\": \"set_inscription\", \"item\": \"debate\", \"opens_at_ms\": null}");
    ff_refused(f, GV_ESTATE, "firm", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    if_assert_order(f, "fifo", "ngo");
    json_t *p = if_provisional(f, "debate");
    assert_true(json_is_null(json_object_get(json_object_get(p, "inscription"), "opens_at_ms")));
    json_decref(p);
}

static void what_an_inscription_may_be(void **state)
{
    ff *f = *state;
    ff_refused(f, GV_EINVAL, "arcadia",
               "{\"type\": \"inscribe\", \"item\": \"debate\", \"kind\": \"point_of_order\"}");
    ff_refused(f, GV_EINVAL, "arcadia",
               "{\"type\": \"inscribe\", \"item\": \"debate\", \"kind\": \"reply\"}");
    const char *msg = ff_refused(f, GV_EINVAL, "ngo",
                                 "{\"type\": \"inscribe\", \"item\": \"debate\", \"level\": "
                                 "\"minister\"}");
    assert_non_null(strstr(msg, "only a state's speaker"));
    ff_refused(f, GV_EINVAL, "arcadia",
               "{\"type\": \"inscribe\", \"item\": \"debate\", \"level\": \"king\"}");
    ff_refused(f, GV_EINVAL, "arcadia",
               "{\"type\": \"inscribe\", \"item\": \"debate\", \"position\": 0}");
    ff_refused(f, GV_ENOTFOUND, "arcadia", "{\"type\": \"inscribe\", \"item\": \"nope\"}");
    ff_refused(f, GV_EPERM, "sec", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    ff_refused(f, GV_EPERM, "arcadia",
               "{\"type\": \"inscribe_speaker\", \"item\": \"debate\", \"person\": \"dorado\"}");
    int64_t id = if_inscribe(f, "pan1", "pan1", "debate",
                             "\"kind\": \"question\", \"mode\": \"online\", \"guiding_question\": "
                             "\"gq2\"");
    json_t *reqs = ff_get(f, "floor_requests");
    json_t *r = json_array_get(reqs, json_array_size(reqs) - 1);
    assert_int_equal(json_integer_value(json_object_get(r, "request")), id);
    assert_string_equal(json_string_value(json_object_get(r, "kind")), "question");
    assert_string_equal(json_string_value(json_object_get(r, "mode")), "online");
    assert_string_equal(json_string_value(json_object_get(r, "guiding_question")), "gq2");
    assert_string_equal(json_string_value(json_object_get(r, "level")), "head_of_delegation");
    assert_true(json_is_true(json_object_get(r, "inscribed")));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "waiting");
    json_decref(reqs);
}

static void one_place_a_person_and_a_delegation(void **state)
{
    ff *f = *state;
    if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    const char *msg =
        ff_refused(f, GV_ESTATE, "arcadia", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    assert_non_null(strstr(msg, "you are already inscribed: request"));
    assert_non_null(strstr(msg, "1st on the provisional list of \"debate\""));
    ff_refused(f, GV_ESTATE, "sec",
               "{\"type\": \"inscribe_speaker\", \"item\": \"debate\", \"person\": \"arcadia\"}");
    /* d00 (member state) and d01 (observer state) are one delegation: "Delegation 0". */
    if_inscribe(f, "d00", "d00", "debate", NULL);
    msg = ff_refused(f, GV_ESTATE, "d01", "{\"type\": \"inscribe\", \"item\": \"debate\"}");
    assert_non_null(strstr(msg, "the delegation of Delegation 0 is already inscribed"));
    /* A statement on behalf of a group is a place of its own. */
    if_inscribe(f, "d01", "d01", "debate", "\"on_behalf_of\": \"the Group of Small States\"");
    /* Not states: d02 and d03 share a delegation and may both inscribe. */
    if_inscribe(f, "d02", "d02", "debate", NULL);
    if_inscribe(f, "d03", "d03", "debate", NULL);
    /* Another item is another list. */
    ff_ok(f, "sec", "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld}",
          (long long)f->now_ms);
    if_inscribe(f, "arcadia", "arcadia", "fifo", NULL);
    if_assert_order(f, "debate", "d01,arcadia,d00,d02,d03");
}

static void withdraw_move_and_swap_who_may(void **state)
{
    ff *f = *state;
    int64_t a = if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    int64_t b = if_inscribe(f, "borduria", "borduria", "debate", NULL);
    ff_refused(f, GV_EPERM, "borduria", "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
               (long long)a);
    ff_refused(f, GV_EPERM, "borduria",
               "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 1}",
               (long long)a);
    ff_refused(f, GV_EPERM, "borduria",
               "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}", (long long)a,
               (long long)b);
    ff_refused(f, GV_EPERM, "borduria",
               "{\"type\": \"set_speaker_level\", \"request\": %lld, \"level\": \"minister\"}",
               (long long)a);
    ff_refused(f, GV_EINVAL, "sec",
               "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 2}",
               (long long)a);
    ff_refused(f, GV_EINVAL, "sec",
               "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}", (long long)a,
               (long long)a);
    ff_ok(f, "sec", "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 1}",
          (long long)a);
    assert_string_equal(if_entry(f, "debate", 1, "reason"), "moved here by the secretariat");
    assert_string_equal(if_entry(f, "debate", 1, "pinned"), "true");
    ff_refused(f, GV_ESTATE, "sec",
               "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 1}",
               (long long)a);
    ff_ok(f, "chair", "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 0}",
          (long long)a);
    assert_string_equal(if_entry(f, "debate", 0, "reason"), "moved here by the moderator");
    ff_ok(f, "sec", "{\"type\": \"withdraw_inscription\", \"request\": %lld}", (long long)a);
    ff_ok(f, "borduria", "{\"type\": \"withdraw_inscription\", \"request\": %lld}", (long long)b);
    int64_t changed = f->now_ms;
    ff_refused(f, GV_ESTATE, "borduria", "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
               (long long)b);
    if_assert_order(f, "debate", "");
    json_t *p = if_provisional(f, "debate");
    assert_int_equal(json_integer_value(json_object_get(p, "changed_at_ms")), changed);
    json_decref(p);
}

static void swaps_on_other_policies(void **state)
{
    ff *f = *state;
    ff_ok(f, "sec", "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld}",
          (long long)f->now_ms);
    ff_ok(f, "sec",
          "{\"type\": \"set_inscription\", \"item\": \"balanced\", \"opens_at_ms\": %lld}",
          (long long)f->now_ms);
    int64_t a = if_inscribe(f, "arcadia", "arcadia", "fifo", NULL);
    if_inscribe(f, "ngo", "ngo", "fifo", NULL);
    int64_t c = if_inscribe(f, "firm", "firm", "fifo", NULL);
    ff_ok(f, "sec", "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}",
          (long long)a, (long long)c);
    if_assert_order(f, "fifo", "firm,ngo,arcadia");
    if_inscribe(f, "uni", "uni", "fifo", NULL);
    if_assert_order(f, "fifo", "firm,ngo,arcadia,uni");
    /* Balanced: no rank to hand over; each is pinned where the other stood. */
    int64_t x = if_inscribe(f, "arcadia", "arcadia", "balanced", NULL);
    if_inscribe(f, "ngo", "ngo", "balanced", NULL);
    int64_t z = if_inscribe(f, "firm", "firm", "balanced", NULL);
    if_assert_order(f, "balanced", "arcadia,ngo,firm");
    ff_ok(f, "sec", "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}",
          (long long)x, (long long)z);
    if_assert_order(f, "balanced", "firm,ngo,arcadia");
    assert_string_equal(if_entry(f, "balanced", 0, "pinned"), "true");
    assert_string_equal(if_entry(f, "balanced", 2, "reason_code"), "swapped");
    /* Lists of different items do not swap. */
    ff_refused(f, GV_EINVAL, "sec",
               "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}", (long long)a,
               (long long)x);
}

/* Once the item runs, an inscription is a request like the others, and the
 * inscription commands leave it alone; the running list's commands leave
 * the other items' inscriptions alone. */
static void running_and_provisional_lists_keep_apart(void **state)
{
    ff *f = *state;
    int64_t a = if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    f->now_ms = IF_CLOSES_MS + IF_DAY;
    ff_start(f, "fifo");
    ff_refused(f, GV_ESTATE, "chair", "{\"type\": \"give_floor\", \"request\": %lld}",
               (long long)a);
    ff_refused(f, GV_ESTATE, "chair", "{\"type\": \"decline\", \"request\": %lld}", (long long)a);
    ff_refused(f, GV_ESTATE, "chair", "{\"type\": \"move_to_top\", \"request\": %lld}",
               (long long)a);
    const char *msg = ff_refused(f, GV_ESTATE, "arcadia",
                                 "{\"type\": \"withdraw\", \"request\": %lld}", (long long)a);
    assert_non_null(strstr(msg, "provisional list of \"debate\""));
    /* arcadia may still ask on the running item. */
    int64_t r = ff_ask(f, "arcadia", NULL);
    ff_refused(f, GV_ESTATE, "arcadia", "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
               (long long)r);
    ff_refused(f, GV_ESTATE, "sec",
               "{\"type\": \"inscribe_speaker\", \"item\": \"fifo\", \"person\": \"ngo\"}");
    ff_start(f, "debate");
    ff_assert_order(f, "arcadia");
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)a);
    assert_string_equal(ff_entry(f, 0, "request"), id);
    ff_refused(f, GV_ESTATE, "arcadia", "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
               (long long)a);
    ff_ok(f, "arcadia", "{\"type\": \"withdraw\"}");
    json_t *reqs = ff_get(f, "floor_requests");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "status")),
                        "withdrawn");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 1), "status")),
                        "lapsed");
    json_decref(reqs);
}

static void the_carried_list_is_the_provisional_list(void **state)
{
    ff *f = *state;
    if_inscribe(f, "arcadia", "arcadia", "debate", "\"language\": \"es\"");
    int64_t b = if_inscribe(f, "borduria", "borduria", "debate", "\"level\": \"minister\"");
    if_inscribe(f, "ngo", "ngo", "debate", NULL);
    if_inscribe(f, "sec", "carpania", "debate", "\"position\": 0, \"language\": \"fr\"");
    ff_refused(f, GV_EINVAL, "dorado",
               "{\"type\": \"inscribe\", \"item\": \"debate\", \"language\": \"?\"}");
    ff_ok(f, "sec", "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": 3}",
          (long long)b);
    json_t *before = if_provisional(f, "debate");
    f->now_ms = IF_CLOSES_MS + IF_DAY;
    ff_start(f, "debate");
    json_t *after = ff_list(f), *p = if_provisional(f, "debate");
    json_t *was = json_object_get(before, "list");
    assert_int_equal(json_array_size(after), json_array_size(was));
    static const char *const keys[] = {"request",  "person", "reason",      "reason_code", "pinned",
                                       "position", "level",  "reason_rank", "language"};
    for (size_t i = 0; i < json_array_size(after); i++)
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            assert_true(json_equal(json_object_get(json_array_get(after, i), keys[k]),
                                   json_object_get(json_array_get(was, i), keys[k])));
    assert_true(json_is_true(json_object_get(p, "running")));
    assert_int_equal(json_array_size(json_object_get(p, "list")), 0);
    assert_string_equal(ff_entry(f, 0, "reason"), "placed here by the secretariat");
    /* Each carries the language it was inscribed with. */
    assert_string_equal(ff_entry(f, 0, "language"), "fr");
    assert_string_equal(ff_entry(f, 1, "language"), "es");
    assert_string_equal(ff_entry(f, 2, "language"), "null");
    /* A point of order goes on top; the chair's list commands work on the inscriptions. */
    ff_ask(f, "firm", "\"kind\": \"point_of_order\"");
    ff_assert_order(f, "firm,carpania,arcadia,ngo,borduria");
    ff_ok(f, "chair", "{\"type\": \"next_speaker\"}");
    ff_ok(f, "chair", "{\"type\": \"end_speech\"}");
    ff_ok(f, "chair", "{\"type\": \"next_speaker\"}");
    ff_ok(f, "borduria",
          "{\"type\": \"set_speaker_level\", \"request\": %lld, \"level\": "
          "\"head_of_delegation\"}",
          (long long)b);
    ff_assert_order(f, "arcadia,borduria,ngo");
    json_decref(before);
    json_decref(after);
    json_decref(p);
}

static void the_meeting_closes_and_inscriptions_lapse(void **state)
{
    ff *f = *state;
    if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    f->now_ms = IF_CLOSES_MS + IF_DAY;
    ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
    ff_ok(f, "chair", "{\"type\": \"close_meeting\"}");
    json_t *reqs = ff_get(f, "floor_requests");
    assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "status")),
                        "lapsed");
    json_decref(reqs);
    if_assert_order(f, "debate", "");
    const char *msg = ff_refused(f, GV_ESTATE, "sec",
                                 "{\"type\": \"inscribe_speaker\", \"item\": \"debate\", "
                                 "\"person\": \"ngo\"}");
    assert_non_null(strstr(msg, "the meeting is closed"));
}

static void expected_waits_count_from_the_start(void **state)
{
    ff *f = *state;
    if_inscribe(f, "arcadia", "arcadia", "debate", NULL);
    if_inscribe(f, "borduria", "borduria", "debate", NULL);
    assert_string_equal(if_entry(f, "debate", 0, "expected_wait_ms"), "0");
    assert_string_equal(if_entry(f, "debate", 1, "expected_wait_ms"), "180000");
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)f->now_ms);
    assert_string_equal(if_entry(f, "debate", 1, "requested_at_ms"), at);
    json_t *p = if_provisional(f, "debate");
    assert_true(json_is_true(json_object_get(json_object_get(p, "inscription"), "open")));
    assert_int_equal(json_integer_value(json_object_get(p, "changed_at_ms")), f->now_ms);
    json_decref(p);
}

/* A balanced provisional list is ordered as of the meeting's speeches: a
 * speech given since re-orders it (first-time speakers first). */
static void balanced_lists_follow_the_speeches(void **state)
{
    ff *f = *state;
    ff_ok(f, "sec",
          "{\"type\": \"set_inscription\", \"item\": \"balanced\", \"opens_at_ms\": %lld}",
          (long long)f->now_ms);
    if_inscribe(f, "arcadia", "arcadia", "balanced", NULL);
    if_inscribe(f, "dorado", "dorado", "balanced", NULL);
    if_assert_order(f, "balanced", "arcadia,dorado");
    f->now_ms = IF_CLOSES_MS + IF_DAY;
    ff_start(f, "fifo");
    ff_ok(f, "chair", "{\"type\": \"give_floor\", \"person\": \"arcadia\"}");
    if_assert_order(f, "balanced", "dorado,arcadia");
    assert_string_equal(if_entry(f, "balanced", 1, "reason_code"), "balanced_spoken_before");
    ff_ok(f, "chair", "{\"type\": \"end_speech\"}");
    ff_start(f, "balanced");
    ff_assert_order(f, "dorado,arcadia");
}

/* Stored events that do not fit the state are refused as corrupt, whole. */
static void damaged_events_are_refused(void **state)
{
    ff *f = *state;
    gv_error err;
    int64_t seq = gv_meeting_seq(f->m);
    static const char *const bad[] = {
        /* a person inscribing outside the window (before it opened) */
        "{\"seq\": %lld, \"type\": \"speaker_inscribed\", \"at_ms\": %lld, \"by\": \"ngo\", "
        "\"request\": %lld, \"person\": \"ngo\", \"item\": \"fifo\", \"kind\": \"intervention\", "
        "\"mode\": \"room\", \"level\": \"head_of_delegation\"}",
        /* someone else's inscription made by a participant */
        "{\"seq\": %lld, \"type\": \"speaker_inscribed\", \"at_ms\": %lld, \"by\": \"ngo\", "
        "\"request\": %lld, \"person\": \"firm\", \"item\": \"debate\", \"kind\": "
        "\"intervention\", \"mode\": \"room\", \"level\": \"head_of_delegation\"}",
        /* a level for a non-state */
        "{\"seq\": %lld, \"type\": \"speaker_inscribed\", \"at_ms\": %lld, \"by\": \"ngo\", "
        "\"request\": %lld, \"person\": \"ngo\", \"item\": \"debate\", \"kind\": "
        "\"intervention\", \"mode\": \"room\", \"level\": \"minister\"}",
        /* a point of order inscribed */
        "{\"seq\": %lld, \"type\": \"speaker_inscribed\", \"at_ms\": %lld, \"by\": \"ngo\", "
        "\"request\": %lld, \"person\": \"ngo\", \"item\": \"debate\", \"kind\": "
        "\"point_of_order\", \"mode\": \"room\", \"level\": \"head_of_delegation\"}",
        /* a withdrawal of a request that does not exist */
        "{\"seq\": %lld, \"type\": \"inscription_withdrawn\", \"at_ms\": %lld, \"by\": \"sec\", "
        "\"request\": %lld}",
        /* a window set by a participant */
        "{\"seq\": %lld, \"type\": \"inscription_set\", \"at_ms\": %lld, \"by\": \"ngo\", "
        "\"item\": \"fifo\", \"opens_at_ms\": 1, \"closes_at_ms\": null, \"x\": %lld}",
    };
    char *before = ff_state_text(f);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[1024];
        snprintf(text, sizeof text, bad[i], (long long)seq + 1, (long long)f->now_ms,
                 (long long)seq + 1);
        json_t *ev = json_loads(text, 0, NULL);
        assert_non_null(ev);
        if (gv_meeting_apply(f->m, ev, &err) != GV_ECORRUPT)
            fail_msg("damaged event %zu was folded: %s", i, text);
        json_decref(ev);
        char *after = ff_state_text(f);
        assert_string_equal(before, after);
        free(after);
    }
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(window_from_the_definition, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(a_person_inscribes_only_inside_the_window, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(set_inscription_opens_and_closes, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(what_an_inscription_may_be, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(one_place_a_person_and_a_delegation, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(withdraw_move_and_swap_who_may, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(swaps_on_other_policies, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(running_and_provisional_lists_keep_apart, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(the_carried_list_is_the_provisional_list, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(the_meeting_closes_and_inscriptions_lapse, setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(expected_waits_count_from_the_start, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(balanced_lists_follow_the_speeches, setup, ff_teardown),
        cmocka_unit_test_setup_teardown(damaged_events_are_refused, setup, ff_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

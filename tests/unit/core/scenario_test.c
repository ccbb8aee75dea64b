/*
 * A whole two-hour panel, replayed from tests/scenarios/cstd-2022-panel.jsonl
 * on the built-in example meeting: every figure of its outcome is checked
 * exactly against values worked out by hand from the script (speeches in
 * order with their durations, pauses and overtime; the order the balanced list
 * gave; items planned against actual; totals by mode, gender and stakeholder
 * group; questions with their votes, merges and answers; notes).
 */
#include "fixture_scenario.h"

static gv_meeting *run_scenario(void)
{
    return gvt_scenario(NULL, NULL);
}

static int64_t seconds(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        fail_msg("\"%s\" is not an integer", key);
    return json_integer_value(v) / 1000;
}

static const struct {
    const char *person, *item, *kind, *mode;
    int64_t spoken_s, overtime_s, limit_s, paused_s;
} speeches[] = {
    {"chair", "opening", "intervention", "room", 240, 0, 300, 0},
    {"secretariat", "report", "intervention", "room", 540, 0, 600, 0},
    {"chen", "panel", "intervention", "online", 390, 0, 420, 0},
    {"diallo", "panel", "intervention", "room", 420, 0, 420, 0},
    {"restrepo", "panel", "intervention", "online", 465, 45, 420, 0},
    {"ekberg", "panel", "intervention", "room", 350, 0, 420, 20},
    {"haddad", "panel", "intervention", "room", 490, 10, 480, 0},
    /* The balanced list: online after the room, the group heard least recently,
     * then the other mode again (docs/speakers-list.md). */
    {"bexland", "discussion", "intervention", "online", 160, 0, 180, 0},
    {"verrano", "discussion", "intervention", "room", 190, 10, 180, 0},
    {"lin", "discussion", "question", "online", 90, 0, 180, 0},
    {"haddad", "discussion", "intervention", "room", 150, 0, 180, 0},
    {"aldoria", "discussion", "intervention", "room", 180, 0, 180, 0},
    {"adeyemi", "discussion", "intervention", "room", 140, 0, 180, 0},
    {"moreau", "discussion", "intervention", "online", 180, 0, 180, 0},
    {"estavia", "discussion", "point_of_order", "online", 60, 0, 180, 0},
    {"dunmere", "discussion", "intervention", "room", 290, 50, 240, 0},
    {"okafor", "discussion", "intervention", "online", 180, 0, 180, 0},
    {"chair", "closing", "intervention", "room", 300, 0, 300, 0},
};
#define N_SPEECHES (sizeof speeches / sizeof speeches[0])

static void speeches_in_order_with_their_times(void **state)
{
    (void)state;
    gv_meeting *m = run_scenario();
    json_t *s = gv_meeting_to_json(m);
    json_t *list = json_object_get(s, "speeches");
    assert_int_equal(json_array_size(list), N_SPEECHES);
    int64_t total = 0, overtime = 0;
    for (size_t i = 0; i < N_SPEECHES; i++) {
        json_t *sp = json_array_get(list, i);
        const char *who = json_string_value(json_object_get(sp, "person"));
        if (strcmp(who, speeches[i].person) != 0)
            fail_msg("speech %zu: %s spoke, %s expected", i + 1, who, speeches[i].person);
        assert_string_equal(json_string_value(json_object_get(sp, "item")), speeches[i].item);
        assert_string_equal(json_string_value(json_object_get(sp, "kind")), speeches[i].kind);
        assert_string_equal(json_string_value(json_object_get(sp, "mode")), speeches[i].mode);
        assert_int_equal(seconds(sp, "spoken_ms"), speeches[i].spoken_s);
        assert_int_equal(seconds(sp, "overtime_ms"), speeches[i].overtime_s);
        assert_int_equal(seconds(sp, "limit_ms"), speeches[i].limit_s);
        assert_int_equal(seconds(sp, "paused_ms"), speeches[i].paused_s);
        total += speeches[i].spoken_s;
        overtime += speeches[i].overtime_s;
    }
    assert_int_equal(total, 4815);
    assert_int_equal(overtime, 115);
    /* Haddad's second turn answers Lin's question, on the first guiding question. */
    json_t *answer = json_array_get(list, 10), *question = json_array_get(list, 9);
    assert_int_equal(json_integer_value(json_object_get(answer, "answer_to")),
                     json_integer_value(json_object_get(question, "speech")));
    assert_string_equal(json_string_value(json_object_get(question, "guiding_question")), "gq1");
    assert_true(json_is_null(json_object_get(json_array_get(list, 17), "guiding_question")));
    json_decref(s);
    gv_meeting_free(m);
}

static void check_share(const json_t *totals, const char *dim, const char *key, int64_t spoken_s,
                        int64_t turns)
{
    const json_t *t = json_object_get(json_object_get(totals, dim), key);
    if (!t)
        fail_msg("no totals for %s %s", dim, key);
    if (seconds(t, "spoken_ms") != spoken_s ||
        json_integer_value(json_object_get(t, "turns")) != turns)
        fail_msg("%s %s: %lld s in %lld turns, expected %lld s in %lld", dim, key,
                 (long long)seconds(t, "spoken_ms"),
                 (long long)json_integer_value(json_object_get(t, "turns")), (long long)spoken_s,
                 (long long)turns);
}

static void totals_by_mode_gender_and_group(void **state)
{
    (void)state;
    gv_meeting *m = run_scenario();
    json_t *s = gv_meeting_to_json(m);
    json_t *t = json_object_get(json_object_get(s, "totals"), "meeting");
    check_share(t, "modes", "room", 3290, 11);
    check_share(t, "modes", "online", 1525, 7);
    check_share(t, "genders", "female", 3145, 10);
    check_share(t, "genders", "male", 1250, 5);
    check_share(t, "genders", "other", 180, 1);
    check_share(t, "genders", "undisclosed", 240, 2);
    check_share(t, "groups", "member_state", 1620, 7);
    check_share(t, "groups", "observer_state", 190, 1);
    check_share(t, "groups", "intergovernmental", 1360, 4);
    check_share(t, "groups", "private_sector", 530, 2);
    check_share(t, "groups", "civil_society", 650, 3);
    check_share(t, "groups", "technical_academic", 465, 1);
    check_share(t, "people", "haddad", 640, 2);
    check_share(t, "people", "chair", 540, 2);
    json_decref(s);
    gv_meeting_free(m);
}

static void agenda_as_held(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int64_t planned_min, start_s, actual_s;
    } items[] = {{"opening", 5, 20, 280},
                 {"report", 10, 300, 600},
                 {"panel", 35, 900, 2200},
                 {"discussion", 60, 3100, 3500},
                 {"closing", 10, 6600, 600}};
    gv_meeting *m = run_scenario();
    json_t *s = gv_meeting_to_json(m);
    json_t *agenda = json_object_get(s, "agenda");
    assert_int_equal(json_array_size(agenda), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *it = json_array_get(agenda, i);
        assert_string_equal(json_string_value(json_object_get(it, "id")), items[i].id);
        assert_int_equal(json_integer_value(json_object_get(it, "planned_minutes")),
                         items[i].planned_min);
        assert_int_equal(seconds(it, "started_at_ms") - 1648729800, items[i].start_s);
        assert_int_equal(seconds(it, "actual_ms"), items[i].actual_s);
    }
    assert_string_equal(json_string_value(json_object_get(s, "status")), "closed");
    assert_int_equal(seconds(s, "closed_at_ms") - 1648729800, 7200);
    json_decref(s);
    gv_meeting_free(m);
}

static void questions_votes_merges_and_notes(void **state)
{
    (void)state;
    gv_meeting *m = run_scenario();
    json_t *s = gv_meeting_to_json(m);
    json_t *qs = json_object_get(s, "questions");
    assert_int_equal(json_array_size(qs), 3);
    /* Sorted by votes: Lin's (4 votes: three of its own, one merged in), then the anonymous one. */
    json_t *a = json_array_get(qs, 0), *b = json_array_get(qs, 1), *c = json_array_get(qs, 2);
    assert_string_equal(json_string_value(json_object_get(a, "author")), "lin");
    assert_int_equal(json_integer_value(json_object_get(a, "votes")), 4);
    assert_true(json_is_true(json_object_get(a, "answered")));
    assert_true(json_is_null(json_object_get(b, "author")));
    assert_true(json_is_true(json_object_get(b, "anonymous")));
    assert_int_equal(json_integer_value(json_object_get(b, "votes")), 1);
    assert_string_equal(json_string_value(json_object_get(b, "guiding_question")), "gq4");
    assert_string_equal(json_string_value(json_object_get(c, "state")), "merged");
    assert_int_equal(json_integer_value(json_object_get(c, "merged_into")),
                     json_integer_value(json_object_get(a, "question")));
    json_t *notes = json_object_get(s, "notes");
    assert_int_equal(json_array_size(notes), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(notes, 0), "author")),
                        "rapporteur");
    /* The anonymous author appears nowhere in the state. */
    char *text = json_dumps(qs, 0);
    assert_null(strstr(text, "natarajan"));
    free(text);
    json_decref(s);
    gv_meeting_free(m);
}

static void closed_meeting_refuses_the_floor(void **state)
{
    (void)state;
    gv_meeting *m = run_scenario();
    assert_int_equal(gvt_send(m, "lin", 1648737100000LL, "{\"type\": \"request_floor\"}"),
                     GV_ESTATE);
    assert_int_equal(gvt_send(m, "chair", 1648737100000LL,
                              "{\"type\": \"start_item\", \"item\": \"discussion\"}"),
                     GV_ESTATE);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(speeches_in_order_with_their_times),
        cmocka_unit_test(totals_by_mode_gender_and_group),
        cmocka_unit_test(agenda_as_held),
        cmocka_unit_test(questions_votes_merges_and_notes),
        cmocka_unit_test(closed_meeting_refuses_the_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

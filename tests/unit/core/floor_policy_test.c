/*
 * The ordering policies with the worked examples of docs/speakers-list.md
 * (the same requests, the same expected lists and reasons), and how the
 * moderator's placements, points of order and rights of reply combine with
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "floor_fixture.h"

static void assert_reasons(const ff *f, const char *const *reasons, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_string_equal(ff_entry(f, i, "reason"), reasons[i]);
}

/* docs/speakers-list.md, "fifo". */
static void fifo_example(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "arcadia", NULL);
    ff_ask(f, "carpania", "\"kind\": \"point_of_order\"");
    ff_ask(f, "borduria", "\"kind\": \"reply\"");
    ff_ask(f, "agency", NULL);
    ff_assert_order(f, "carpania,firm,ngo,arcadia,agency,borduria");
    static const char *const reasons[] = {
        "point of order (raised 1st): heard before the list",
        "arrived 1st",
        "arrived 2nd",
        "arrived 3rd",
        "arrived 4th",
        "right of reply (asked 1st): heard at the end of the item",
    };
    assert_reasons(f, reasons, 6);
    for (size_t i = 0; i < 6; i++) {
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)(i * 3 * FF_MIN));
        assert_string_equal(ff_entry(f, i, "expected_wait_ms"), want);
    }
    assert_string_equal(ff_entry(f, 0, "reason_code"), "point_of_order");
    assert_string_equal(ff_entry(f, 5, "reason_code"), "reply");
    /* A later request still goes before the reply. */
    ff_ask(f, "uni", NULL);
    ff_assert_order(f, "carpania,firm,ngo,arcadia,agency,uni,borduria");
}

/* docs/speakers-list.md, "un". */
static void un_example(void **state)
{
    ff *f = *state;
    ff_start(f, "un");
    ff_ask(f, "firm", NULL);
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "carpania", NULL);
    ff_ask(f, "arcadia", NULL);
    ff_ask(f, "agency", NULL);
    ff_ask(f, "borduria", "\"on_behalf_of\": \"the Group of Eastern European States\"");
    ff_ask(f, "dorado", NULL);
    ff_assert_order(f, "borduria,arcadia,dorado,carpania,agency,firm,ngo");
    static const char *const reasons[] = {
        ("statement on behalf of the Group of Eastern European States, head of delegation, "
         "arrived 1st among them"),
        "member state, head of delegation, arrived 1st among them",
        "member state, head of delegation, arrived 2nd among them",
        "observer state, head of delegation, arrived 1st among them",
        "intergovernmental organization, arrived 1st among them",
        "other stakeholder (private sector), arrived 1st among them",
        "other stakeholder (civil society), arrived 2nd among them",
    };
    assert_reasons(f, reasons, 7);
    assert_string_equal(ff_entry(f, 0, "reason_code"), "un_group_statement");
    assert_string_equal(ff_entry(f, 0, "on_behalf_of"), "the Group of Eastern European States");
    assert_string_equal(ff_entry(f, 3, "reason_code"), "un_observer_state");
    assert_string_equal(ff_entry(f, 6, "reason_code"), "un_other");
}

/* docs/speakers-list.md, "balanced". */
static void balanced_example(void **state)
{
    ff *f = *state;
    ff_start(f, "balanced");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"arcadia\"}");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ask(f, "arcadia", NULL);
    ff_ask(f, "dorado", NULL);
    ff_ask(f, "borduria", NULL);
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "firm", NULL);
    int64_t uni = ff_ask(f, "uni", NULL);
    ff_assert_order(f, "ngo,firm,uni,dorado,borduria,arcadia");
    static const char *const reasons[] = {
        "first-time speaker, online after room, civil society after member state",
        "first-time speaker, room after online, private sector after civil society",
        "first-time speaker, online after room, technical academic after private sector",
        "first-time speaker, room after online, member state after technical academic",
        "first-time speaker, online after room, member state again",
        "has spoken before, room after online, member state again",
    };
    assert_reasons(f, reasons, 6);
    assert_string_equal(ff_entry(f, 5, "reason_code"), "balanced_spoken_before");
    /* The moderator puts arcadia second: the rest re-balances around the pin. */
    json_t *list = ff_list(f);
    int64_t arcadia = json_integer_value(json_object_get(json_array_get(list, 5), "request"));
    json_decref(list);
    ff_ok(f, "mod", "{\"type\": \"move_request\", \"request\": %lld, \"position\": 1}",
          (long long)arcadia);
    ff_assert_order(f, "ngo,arcadia,uni,firm,borduria,dorado");
    /* uni withdraws: the pin moves up with the list. */
    ff_ok(f, "uni", "{\"type\": \"withdraw\", \"request\": %lld}", (long long)uni);
    ff_assert_order(f, "ngo,arcadia,borduria,firm,dorado");
    /* ngo speaks: now arcadia leads, and the last speaker (ngo, online) shapes the rest. */
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    ff_assert_order(f, "arcadia,borduria,firm,dorado");
}

/* A person who had the floor on any item counts as having spoken. */
static void balanced_counts_the_whole_meeting(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\"}");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"balanced\"}");
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "borduria", NULL);
    /* Both online, ngo arrived first but has spoken: borduria first. */
    ff_assert_order(f, "borduria,ngo");
    assert_string_equal(ff_entry(f, 0, "reason"),
                        "first-time speaker, online again: no first-time speaker waiting in "
                        "the room, member state after civil society");
}

/* Points of order go on top, above pins; pins shift with the list. */
static void points_of_order_pins_and_replies(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    ff_ask(f, "ngo", NULL);
    int64_t arcadia = ff_ask(f, "arcadia", NULL);
    ff_ok(f, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)arcadia);
    ff_assert_order(f, "arcadia,firm,ngo");
    ff_ask(f, "carpania", "\"kind\": \"point_of_order\"");
    ff_assert_order(f, "carpania,arcadia,firm,ngo");
    ff_ask(f, "borduria", "\"kind\": \"reply\"");
    ff_ask(f, "agency", NULL);
    ff_assert_order(f, "carpania,arcadia,firm,ngo,agency,borduria");
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}"); /* carpania */
    ff_assert_order(f, "arcadia,firm,ngo,agency,borduria");
    assert_string_equal(ff_entry(f, 0, "pinned"), "true");
    /* The moderator may place someone even behind the reply: the move wins. */
    json_t *list = ff_list(f);
    int64_t firm_req = json_integer_value(json_object_get(json_array_get(list, 1), "request"));
    json_decref(list);
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"move_request\", \"request\": %lld, \"position\": 4}",
          (long long)firm_req);
    ff_assert_order(f, "arcadia,ngo,agency,borduria,firm");
    ff_ask(f, "uni", NULL);
    ff_assert_order(f, "arcadia,ngo,agency,uni,firm,borduria");
}

/* Re-adding the last speaker puts them on top, pinned, continuing their speech. */
static void readd_goes_on_top(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    ff_ask(f, "ngo", NULL);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    int64_t speech = ff_last_seq(f);
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ask(f, "carpania", "\"kind\": \"point_of_order\"");
    json_t *ev = json_array_get(ff_ok(f, "mod", "{\"type\": \"readd_last_speaker\"}"), 0);
    assert_true(json_is_true(json_object_get(ev, "readded")));
    assert_int_equal(json_integer_value(json_object_get(ev, "continues")), speech);
    assert_int_equal(json_integer_value(json_object_get(ev, "position")), 0);
    ff_assert_order(f, "firm,carpania,ngo");
    assert_string_equal(ff_entry(f, 0, "reason_code"), "readded");
    assert_string_equal(ff_entry(f, 0, "reason"),
                        "put back on top by the moderator: their speech was ended by mistake");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"readd_last_speaker\"}");
    /* Undo takes the re-adding back. */
    ff_ok(f, "mod", "{\"type\": \"undo_list_change\"}");
    ff_assert_order(f, "carpania,ngo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fifo_example, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(un_example, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(balanced_example, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(balanced_counts_the_whole_meeting, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(points_of_order_pins_and_replies, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(readd_goes_on_top, ff_setup, ff_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

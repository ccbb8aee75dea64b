/*
 * What a definition fixes, as the core answers it (src/core/defined.c),
 * written from the fixture's definition (tests/unit/support.h): the meeting
 * made from it and its first event, its id, who exists, who holds what, how
 * many hold a role and who comes first, and that names which are not roles a
 * person may hold ("system", "viewer", "", a role in another case) are held
 * by nobody.
 */
#include "support.h"

static void test_a_meeting_from_its_definition(void **state)
{
    (void)state;
    json_t *def = json_loads(gvt_definition_json, 0, NULL), *first = NULL;
    assert_non_null(def);
    gv_error err;
    gv_meeting *m = gv_meeting_from_definition(def, GVT_T0, &first, &err);
    assert_non_null(m);
    assert_string_equal(gv_meeting_id(m), "test-panel");
    assert_int_equal(gv_meeting_seq(m), 1);
    assert_string_equal(json_string_value(json_object_get(first, "type")), "meeting_defined");
    assert_int_equal(json_integer_value(json_object_get(first, "at_ms")), GVT_T0);
    assert_true(json_equal(json_object_get(first, "definition"), def));
    /* The same as defining an empty meeting and applying the event. */
    gv_meeting *again = gvt_meeting_from(gvt_definition_json);
    gv_meeting *replayed = gv_meeting_new();
    assert_int_equal(gv_meeting_apply(replayed, first, &err), 0);
    char *a = gvt_state(m), *b = gvt_state(replayed);
    assert_string_equal(a, b);
    free(a);
    free(b);
    gv_meeting_free(again);
    gv_meeting_free(replayed);
    gv_meeting_free(m);
    json_decref(first);

    /* A definition the core refuses makes nothing, and says why. */
    json_object_del(json_object_get(def, "meeting"), "title");
    json_t *sentinel = json_object();
    first = sentinel;
    assert_null(gv_meeting_from_definition(def, GVT_T0, &first, &err));
    assert_null(first);
    json_decref(sentinel);
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "title"));
    assert_null(gv_meeting_from_definition(def, -1, NULL, &err));
    json_decref(def);

    gv_meeting *empty = gv_meeting_new();
    assert_null(gv_meeting_id(empty));
    gv_meeting_free(empty);
}

static void test_people_and_their_roles(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    for (size_t i = 0; i < GVT_N_PEOPLE; i++)
        assert_true(gv_meeting_has_person(m, gvt_people[i]));
    assert_false(gv_meeting_has_person(m, "nobody"));
    assert_false(gv_meeting_has_person(m, ""));
    assert_false(gv_meeting_has_person(m, NULL));
    assert_false(gv_meeting_has_person(m, "system")); /* the definition's pseudo-person */

    assert_true(gv_meeting_person_has_role(m, "chair", "chair"));
    assert_true(gv_meeting_person_has_role(m, "sec", "secretariat"));
    assert_true(gv_meeting_person_has_role(m, "pan2", "panelist"));
    assert_true(gv_meeting_person_has_role(m, "p6", "participant"));
    assert_false(gv_meeting_person_has_role(m, "chair", "moderator"));
    assert_false(gv_meeting_person_has_role(m, "p1", "panelist"));
    assert_false(gv_meeting_person_has_role(m, "nobody", "chair"));
    assert_false(gv_meeting_person_has_role(m, "chair", "Chair"));
    assert_false(gv_meeting_person_has_role(m, "chair", "system"));
    assert_false(gv_meeting_person_has_role(m, "chair", NULL));
    gv_meeting_free(m);
}

static void test_holders_of_a_role(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    const char *first = "unset";
    assert_int_equal(gv_meeting_role_holders(m, "participant", &first), 6);
    assert_string_equal(first, "p1");
    assert_int_equal(gv_meeting_role_holders(m, "panelist", &first), 2);
    assert_string_equal(first, "pan1");
    assert_int_equal(gv_meeting_role_holders(m, "secretariat", &first), 1);
    assert_string_equal(first, "sec");
    assert_int_equal(gv_meeting_role_holders(m, "chair", NULL), 1);
    static const char *const none[] = {"viewer", "system", "", "Panelist"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        first = "unset";
        assert_int_equal(gv_meeting_role_holders(m, none[i], &first), 0);
        assert_null(first);
    }
    gv_meeting_free(m);
}

static void test_role_names(void **state)
{
    (void)state;
    static const char *const roles[] = {"chair",      "moderator", "secretariat",
                                        "rapporteur", "panelist",  "participant"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        assert_true(gv_role_exists(roles[i]));
    assert_false(gv_role_exists("system"));
    assert_false(gv_role_exists("viewer"));
    assert_false(gv_role_exists("CHAIR"));
    assert_false(gv_role_exists(""));
    assert_false(gv_role_exists(NULL));
}

static void test_an_empty_meeting_has_nobody(void **state)
{
    (void)state;
    gv_meeting *m = gv_meeting_new();
    assert_non_null(m);
    assert_false(gv_meeting_has_person(m, "chair"));
    assert_int_equal(gv_meeting_role_holders(m, "chair", NULL), 0);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_meeting_from_its_definition),
        cmocka_unit_test(test_people_and_their_roles),
        cmocka_unit_test(test_holders_of_a_role),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_an_empty_meeting_has_nobody),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

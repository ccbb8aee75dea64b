/*
 * Written statements (src/core/statements.c): attached by the speaker or by
 * the secretariat for them, to an item before speaking or to a speech after;
 * one current statement per person and target, a new one replacing it;
 * withdrawn by the people allowed; file names that are paths, hide their
 * direction or lie about their kind refused; when a statement counts as
 * delivered; every refusal changes nothing; the log and a snapshot give
 * back the same state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/fixture_meeting.h"
#include "core/snapshot.h"
#include "core/statements.h"

#define H1  "1111111111111111111111111111111111111111111111111111111111111111"
#define H2  "2222222222222222222222222222222222222222222222222222222222222222"
#define PDF "\"media_type\":\"application/pdf\""
#define DOCX                                                                                       \
    "\"media_type\":\"application/vnd.openxmlformats-officedocument.wordprocessingml.document\""

static int teardown_restoring(void **state)
{
    fx *f = *state;
    /* A snapshot restores the statements, replaced and withdrawn ones too. */
    json_t *snap = gv_meeting_snapshot(f->m);
    gv_meeting *back = NULL;
    gv_error err;
    assert_int_equal(gv_meeting_restore(snap, &back, &err), 0);
    json_t *again = gv_meeting_snapshot(back);
    assert_true(json_equal(snap, again));
    json_decref(again);
    json_decref(snap);
    gv_meeting_free(back);
    return fx_teardown(state);
}

static json_t *statements(const fx *f)
{
    return fx_get(f, "statements");
}

static void a_speaker_attaches_before_speaking_and_it_follows_the_speech(void **state)
{
    fx *f = *state;
    gv_statement_ref ref;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}");
    /* No speech yet: the statement is on the running item. */
    json_t *ev = json_array_get(fx_ok(f, "pan1",
                                      "{\"type\":\"attach_statement\",\"hash\":\"" H1 "\"," PDF
                                      ",\"size_bytes\":1234,\"file_name\":\"Statement.PDF\"}"),
                                0);
    assert_string_equal(json_string_value(json_object_get(ev, "item")), "panel");
    assert_string_equal(json_string_value(json_object_get(ev, "person")), "pan1");
    assert_null(json_object_get(ev, "speech"));
    assert_null(json_object_get(ev, "replaces"));
    int64_t id = fx_last_seq(f);
    assert_int_equal(gv_meeting_statement_find(f->m, H1, &ref), 0);
    assert_int_equal(ref.id, id);
    assert_true(ref.current);
    assert_false(ref.delivered); /* pan1 has not spoken yet */
    fx_ok(f, "mod", "{\"type\":\"give_floor\",\"person\":\"pan1\"}");
    assert_int_equal(gv_meeting_statement_find(f->m, H1, &ref), 0);
    assert_true(ref.delivered);

    json_t *list = statements(f);
    assert_int_equal(json_array_size(list), 1);
    json_t *s = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(s, "statement")), id);
    assert_string_equal(json_string_value(json_object_get(s, "hash")), H1);
    assert_string_equal(json_string_value(json_object_get(s, "file_name")), "Statement.PDF");
    assert_int_equal(json_integer_value(json_object_get(s, "size_bytes")), 1234);
    assert_string_equal(json_string_value(json_object_get(s, "by")), "pan1");
    json_decref(list);
    assert_int_equal(gv_meeting_statement_find(f->m, H2, &ref), GV_ENOTFOUND);
}

static void the_secretariat_attaches_for_a_speech_and_a_new_file_replaces(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}");
    fx_ok(f, "mod", "{\"type\":\"give_floor\",\"person\":\"pan2\"}");
    int64_t speech = fx_last_seq(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"attach_statement\",\"person\":\"pan2\",\"speech\":%lld,\"hash\":\"" H1
             "\"," PDF ",\"size_bytes\":10,\"file_name\":\"pan2.pdf\"}",
             (long long)speech);
    fx_ok(f, "sec", cmd);
    int64_t first = fx_last_seq(f);
    /* The same file again changes nothing; another file replaces it. */
    fx_refused(f, "sec", cmd, GV_ESTATE);
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"attach_statement\",\"person\":\"pan2\",\"speech\":%lld,\"hash\":\"" H2
             "\"," DOCX ",\"size_bytes\":20,\"file_name\":\"pan2 final.docx\"}",
             (long long)speech);
    json_t *ev = json_array_get(fx_ok(f, "pan2", cmd), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "replaces")), first);
    assert_int_equal(json_integer_value(json_object_get(ev, "speech")), speech);
    assert_string_equal(json_string_value(json_object_get(ev, "item")), "panel");
    json_t *list = statements(f);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "hash")), H2);
    json_decref(list);
    /* The replaced file is still known, no longer current. */
    gv_statement_ref ref;
    assert_int_equal(gv_meeting_statement_find(f->m, H1, &ref), 0);
    assert_false(ref.current);
    assert_int_equal(ref.id, first);
}

static void who_may_attach_and_withdraw(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    const char *for_p1 = "{\"type\":\"attach_statement\",\"person\":\"p1\",\"hash\":\"" H1 "\"," PDF
                         ",\"size_bytes\":10,\"file_name\":\"p1.pdf\"}";
    fx_refused(f, "p2", for_p1, GV_EPERM);  /* another participant */
    fx_refused(f, "rap", for_p1, GV_EPERM); /* the rapporteur */
    fx_ok(f, "mod", for_p1);
    int64_t id = fx_last_seq(f);
    char withdraw[80];
    snprintf(withdraw, sizeof withdraw, "{\"type\":\"withdraw_statement\",\"statement\":%lld}",
             (long long)id);
    fx_refused(f, "p2", withdraw, GV_EPERM);
    fx_refused(f, "p1", "{\"type\":\"withdraw_statement\",\"statement\":999}", GV_ENOTFOUND);
    fx_ok(f, "p1", withdraw);
    fx_refused(f, "sec", withdraw, GV_ESTATE);
    json_t *list = statements(f);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    /* After the gavel, a written statement is still taken. */
    fx_ok(f, "chair", "{\"type\":\"close_meeting\"}");
    fx_ok(f, "p1",
          "{\"type\":\"attach_statement\",\"item\":\"discussion\",\"hash\":\"" H2 "\"," PDF
          ",\"size_bytes\":10,\"file_name\":\"written.pdf\"}");
    gv_statement_ref ref;
    assert_int_equal(gv_meeting_statement_find(f->m, H2, &ref), 0);
    assert_true(ref.delivered); /* the meeting closed: it stands as submitted in writing */
}

static void bad_statements_are_refused(void **state)
{
    fx *f = *state;
    /* No item runs and none is named. */
    fx_refused(f, "p1",
               "{\"type\":\"attach_statement\",\"hash\":\"" H1 "\"," PDF
               ",\"size_bytes\":10,\"file_name\":\"a.pdf\"}",
               GV_EINVAL);
    static const char *const bad[] = {
        /* names */
        "\"file_name\":\"../../etc/passwd.pdf\"",
        "\"file_name\":\"C:\\\\fakepath\\\\a.pdf\"",
        "\"file_name\":\".hidden.pdf\"",
        "\"file_name\":\"a\\u202egpj.pdf\"",
        "\"file_name\":\"line\\nbreak.pdf\"",
        "\"file_name\":\"statement.docx\"", /* a PDF named as Word */
        "\"file_name\":\"statement\"",
        "\"file_name\":\"\"",
    };
    char cmd[600];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "{\"type\":\"attach_statement\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
                 ",\"size_bytes\":10,%s}",
                 bad[i]);
        fx_refused(f, "p1", cmd, GV_EINVAL);
    }
    static const char *const fields[] = {
        "\"hash\":\"ABC\"," PDF ",\"size_bytes\":10",
        "\"hash\":\"" H1 "\",\"media_type\":\"application/x-msdownload\",\"size_bytes\":10",
        "\"hash\":\"" H1 "\"," PDF ",\"size_bytes\":0",
        "\"hash\":\"" H1 "\"," PDF ",\"size_bytes\":10485761",
        "\"hash\":\"" H1 "\"," PDF ",\"size_bytes\":10,\"extra\":1",
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "{\"type\":\"attach_statement\",\"item\":\"panel\",%s,\"file_name\":\"a.pdf\"}",
                 fields[i]);
        fx_refused(f, "p1", cmd, GV_EINVAL);
    }
    fx_refused(f, "p1",
               "{\"type\":\"attach_statement\",\"item\":\"nowhere\",\"hash\":\"" H1 "\"," PDF
               ",\"size_bytes\":10,\"file_name\":\"a.pdf\"}",
               GV_ENOTFOUND);
    fx_refused(f, "p1",
               "{\"type\":\"attach_statement\",\"speech\":99,\"hash\":\"" H1 "\"," PDF
               ",\"size_bytes\":10,\"file_name\":\"a.pdf\"}",
               GV_ENOTFOUND);
    /* Someone else's speech. */
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}");
    fx_ok(f, "mod", "{\"type\":\"give_floor\",\"person\":\"pan1\"}");
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"attach_statement\",\"speech\":%lld,\"hash\":\"" H1 "\"," PDF
             ",\"size_bytes\":10,\"file_name\":\"a.pdf\"}",
             (long long)fx_last_seq(f));
    fx_refused(f, "pan2", cmd, GV_EINVAL);
    /* Names that are fine: other scripts, spaces, an extension in capitals. */
    fx_ok(f, "pan2",
          "{\"type\":\"attach_statement\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
          ",\"size_bytes\":10,\"file_name\":\"بيان الوفد 2022.PdF\"}");
}

static void a_statement_on_an_item_is_delivered_once_the_item_is_over(void **state)
{
    fx *f = *state;
    gv_statement_ref ref;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "p3",
          "{\"type\":\"attach_statement\",\"item\":\"discussion\",\"hash\":\"" H1
          "\",\"media_type\":\"text/plain\",\"size_bytes\":10,\"file_name\":\"p3.txt\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    assert_int_equal(gv_meeting_statement_find(f->m, H1, &ref), 0);
    assert_false(ref.delivered);
    fx_ok(f, "chair", "{\"type\":\"end_item\"}");
    assert_int_equal(gv_meeting_statement_find(f->m, H1, &ref), 0);
    assert_true(ref.delivered);
    assert_string_equal(ref.media_type, "text/plain");
    assert_string_equal(ref.person, "p3");
}

static void stored_statements_that_do_not_fit_are_corrupt(void **state)
{
    fx *f = *state;
    gv_error err;
    static const char *const events[] = {
        /* p2 attaching for p1 */
        "{\"seq\":2,\"type\":\"statement_attached\",\"at_ms\":1648729801000,\"by\":\"p2\","
        "\"statement\":2,\"person\":\"p1\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
        ",\"size_bytes\":1,\"file_name\":\"a.pdf\"}",
        /* a wrong id */
        "{\"seq\":2,\"type\":\"statement_attached\",\"at_ms\":1648729801000,\"by\":\"p1\","
        "\"statement\":3,\"person\":\"p1\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
        ",\"size_bytes\":1,\"file_name\":\"a.pdf\"}",
        /* replacing nothing */
        "{\"seq\":2,\"type\":\"statement_attached\",\"at_ms\":1648729801000,\"by\":\"p1\","
        "\"statement\":2,\"person\":\"p1\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
        ",\"size_bytes\":1,\"file_name\":\"a.pdf\",\"replaces\":1}",
        /* a lying name */
        "{\"seq\":2,\"type\":\"statement_attached\",\"at_ms\":1648729801000,\"by\":\"p1\","
        "\"statement\":2,\"person\":\"p1\",\"item\":\"panel\",\"hash\":\"" H1 "\"," PDF
        ",\"size_bytes\":1,\"file_name\":\"a.txt\"}",
        /* withdrawing what is not there */
        ("{\"seq\":2,\"type\":\"statement_withdrawn\",\"at_ms\":1648729801000,\"by\":\"p1\","
         "\"statement\":1}"),
    };
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        json_t *ev = json_loads(events[i], 0, NULL);
        assert_non_null(ev);
        gv_error_clear(&err);
        if (gv_meeting_apply(f->m, ev, &err) != GV_ECORRUPT)
            fail_msg("event %zu applied: %s", i, events[i]);
        assert_int_equal(gv_meeting_seq(f->m), 1);
        json_decref(ev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            a_speaker_attaches_before_speaking_and_it_follows_the_speech, fx_setup,
            teardown_restoring),
        cmocka_unit_test_setup_teardown(
            the_secretariat_attaches_for_a_speech_and_a_new_file_replaces, fx_setup,
            teardown_restoring),
        cmocka_unit_test_setup_teardown(who_may_attach_and_withdraw, fx_setup, teardown_restoring),
        cmocka_unit_test_setup_teardown(bad_statements_are_refused, fx_setup, teardown_restoring),
        cmocka_unit_test_setup_teardown(a_statement_on_an_item_is_delivered_once_the_item_is_over,
                                        fx_setup, teardown_restoring),
        cmocka_unit_test_setup_teardown(stored_statements_that_do_not_fit_are_corrupt, fx_setup,
                                        teardown_restoring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

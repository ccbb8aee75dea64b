/*
 * The Chair's summary as a document (src/report/summary.c): built from the
 * record, the approved version tied to the approval event however the log
 * grows, a draft only when asked for, checked against the log, signed like
 * a record, and refused after any changed byte.
 */
#include "report_fixture.h"

#include "report/record.h"
#include "report/sign.h"
#include "report/summary.h"

/* The fixture's script, a draft with two edits, approved at event 19. */
static void summary_script(rfx *f)
{
    rfx_script(f);
    rfx_send(f, "rap", AT(900), "{\"type\": \"draft_summary\"}");
    rfx_send(f, "sec", AT(910),
             "{\"type\": \"edit_summary\", \"section\": \"key_messages\", \"base\": 1, \"text\": "
             "\"- Costs matter.\\n- التمويل مهم.\"}");
    rfx_send(f, "rap", AT(920),
             "{\"type\": \"edit_summary\", \"section\": \"recommendations\", \"base\": 2, "
             "\"text\": \"Fund it.\"}");
    rfx_send(f, "chair", AT(930), "{\"type\": \"approve_summary\", \"version\": 3}");
}

static json_t *approved(rfx *f, json_t **record)
{
    gv_error err = {0};
    json_t *s = NULL;
    if (gv_summary_from_store(f->store, RFX_MEETING, false, &s, record, &err) < 0)
        fail_msg("no summary: %s", err.msg);
    return s;
}

static void tied_to_the_approval(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    gv_error err = {0};
    json_t *s = NULL, *rec = NULL;
    rfx_script(&f);
    assert_int_equal(gv_summary_from_store(f.store, RFX_MEETING, true, &s, NULL, &err), GV_ESTATE);
    /* A summary checked against a log that has none there is not of this log. */
    json_t *stray = json_pack("{s:s, s:{s:s, s:i}}", "format", GV_SUMMARY_FORMAT, "verification",
                              "meeting", RFX_MEETING, "last_seq", 3);
    assert_int_equal(gv_summary_check_log(f.store, stray, &err), GV_ECORRUPT);
    json_decref(stray);
    rfx_send(&f, "rap", AT(900), "{\"type\": \"draft_summary\"}");
    assert_int_equal(gv_summary_from_store(f.store, RFX_MEETING, false, &s, NULL, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "not approved"));
    assert_int_equal(gv_summary_from_store(f.store, RFX_MEETING, true, &s, NULL, &err), 0);
    assert_string_equal(json_string_value(json_object_get(s, "status")), "draft");
    json_decref(s);
    rfx_close(&f);

    rfx_open(&f);
    summary_script(&f);
    json_t *first = approved(&f, &rec);
    assert_string_equal(json_string_value(json_object_get(first, "status")), "approved");
    const json_t *v = json_object_get(first, "verification");
    int64_t seq = json_integer_value(json_object_get(v, "last_seq"));
    assert_int_equal(seq, gv_meeting_seq(f.m));
    /* The annex is the record up to the same event. */
    assert_true(json_equal(json_object_get(rec, "verification"), (json_t *)v));
    json_decref(rec);
    /* Sections in order, the guiding questions with their text. */
    const json_t *secs = json_object_get(first, "sections");
    assert_int_equal(json_array_size(secs), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(secs, 1), "question")),
                        "What lessons?");
    assert_string_equal(json_string_value(json_object_get(json_array_get(secs, 3), "text")),
                        "- Costs matter.\n- التمويل مهم.");
    /* A late note and a reopening later: the approved summary is still the one of event seq. */
    rfx_send(&f, "rap", AT(1000), "{\"type\": \"add_note\", \"text\": \"Late.\"}");
    json_t *again = approved(&f, NULL);
    assert_true(json_equal(first, again));
    json_decref(again);
    assert_int_equal(gv_summary_check_log(f.store, first, &err), 0);
    json_decref(first);
    rfx_close(&f);
}

static void signed_and_any_changed_byte_fails(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    summary_script(&f);
    json_t *s = approved(&f, NULL);
    gv_error err = {0};
    char *bytes = NULL, *sig = NULL;
    size_t len = 0, slen = 0;
    assert_int_equal(gv_summary_render(s, NULL, GV_REPORT_JSON, &bytes, &len, &err), 0);
    unsigned char pk[GV_SIGN_KEY_BYTES], seed[GV_SIGN_KEY_BYTES];
    assert_int_equal(gv_sign_keypair(pk, seed, NULL), 0);
    if (gv_sign_record(bytes, len, seed, &sig, &slen, &err) < 0)
        fail_msg("not signed: %s", err.msg);
    assert_int_equal(gv_sign_verify(bytes, len, sig, slen, pk, &err), 0);
    /* The signed bytes check against the log too. */
    json_t *parsed = NULL;
    assert_int_equal(gv_record_parse(bytes, len, &parsed, &err), 0);
    assert_int_equal(gv_record_check_log(f.store, parsed, &err), 0);
    json_decref(parsed);
    for (size_t i = 0; i < len; i++) {
        char *copy = malloc(len);
        memcpy(copy, bytes, len);
        copy[i] = (copy[i] >= '0' && copy[i] <= '8') ? (char)(copy[i] + 1) : (char)(copy[i] ^ 1);
        int rc = gv_sign_verify(copy, len, sig, slen, pk, &err);
        if (rc != GV_EAUTH)
            fail_msg("byte %zu changed: verify gave %d", i, rc);
        free(copy);
    }
    /* An edited summary signed anew with the same key still fails against the log. */
    json_object_set_new(json_array_get(json_object_get(s, "sections"), 4), "text",
                        json_string("Fund it twice."));
    char *edited = gv_record_canonical(s, &len);
    assert_int_equal(gv_record_parse(edited, len, &parsed, &err), 0);
    assert_int_equal(gv_record_check_log(f.store, parsed, &err), GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "sections"));
    json_decref(parsed);
    free(edited);
    free(sig);
    free(bytes);
    json_decref(s);
    rfx_close(&f);
}

static void laid_out_with_the_record_as_annex(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    summary_script(&f);
    json_t *rec = NULL, *s = approved(&f, &rec);
    gv_error err = {0};
    char *md = NULL;
    size_t len = 0;
    assert_int_equal(gv_summary_render(s, rec, GV_REPORT_MD, &md, &len, &err), 0);
    const char *order[] = {"# Chair's summary: Test panel",
                           "| Status | Approved by Chair Person on Thursday 31 March 2022 at "
                           "14:45:30 (version 3) |",
                           "## Introduction",
                           "(no introduction yet)",
                           "## Key messages",
                           "• Costs matter.\n\n• التمويل مهم.",
                           "## The discussion, by guiding "
                           "question",
                           "### Guiding question 1",
                           "> What lessons?",
                           "Costs.",
                           "## Recommendations",
                           "Fund it.",
                           "# Annex",
                           "# Outcome record: Test panel"};
    const char *at = md;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        if (!p)
            fail_msg("\"%s\" not found in order in:\n%s", order[i], md);
        at = p + strlen(order[i]);
    }
    free(md);
    assert_int_equal(gv_summary_render(s, rec, GV_REPORT_PDF, &md, &len, &err), GV_EINVAL);
    json_decref(s);
    json_decref(rec);
    rfx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tied_to_the_approval),
        cmocka_unit_test(signed_and_any_changed_byte_fails),
        cmocka_unit_test(laid_out_with_the_record_as_annex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

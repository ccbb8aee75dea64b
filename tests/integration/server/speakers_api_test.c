/*
 * The list before the meeting over the real `gavel serve --test-clock`:
 *
 * - the test clock: read, moved forward days at once, never back, and only
 *   with the option (404 without it); the events' times follow it;
 * - inscription days ahead, driven by that clock: refused before the window
 *   opens, accepted once the clock is past it;
 * - GET .../speakers as PDF and CSV by any link of the meeting (a viewer's
 *   too), the PDF read back with pdftotext in English and in Arabic; the
 *   errors (no item, an unknown item, format or language, no link).
 */

#include "support.h"

#include "server_client.h"

#include "pdf_text.h"

#define DAY 86400000LL

static const char *const clock_args[] = {"--test-clock", NULL};

static int setup(void **state)
{
    /* cairo's font subsetter leaks a little per PDF (pdf_lsan.supp says why this way). */
    char lsan[512];
    snprintf(lsan, sizeof lsan,
             "suppressions=%s/tests/integration/server/pdf_lsan.supp:print_suppressions=0",
             GV_SOURCE_DIR);
    setenv("LSAN_OPTIONS", lsan, 0);
    return tc_fixture_setup(state, "speakers", clock_args);
}

static int64_t clock_now(tc_fixture *f)
{
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/test/clock", NULL, &r), 200);
    json_t *j = tc_json(&r);
    int64_t now = json_integer_value(json_object_get(j, "now_ms"));
    json_decref(j);
    tc_response_free(&r);
    assert_true(now > 0);
    return now;
}

/* POST /test/clock?now_ms=T; returns the status. */
static int clock_set(tc_fixture *f, int64_t t)
{
    char path[64];
    tc_response r;
    snprintf(path, sizeof path, "/test/clock?now_ms=%lld", (long long)t);
    assert_int_equal(tc_http(f->srv.port, "POST", path, NULL, NULL, 0, &r, 10000), 0);
    tc_response_free(&r);
    return r.status;
}

/* Sends a command as `as` with the role's link; returns the status, the answer in *out. */
static int command(tc_fixture *f, const char *role, const char *as, const char *json, json_t **out)
{
    char path[200], extra[200];
    tc_response r;
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/commands%s%s", as ? "?as=" : "",
             as ? as : "");
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, role));
    assert_int_equal(tc_http(f->srv.port, "POST", path, extra, json, strlen(json), &r, 10000), 0);
    if (out)
        *out = tc_json(&r);
    tc_response_free(&r);
    return r.status;
}

static void the_test_clock(void **state)
{
    tc_fixture *f = *state;
    int64_t now = clock_now(f);
    assert_int_equal(clock_set(f, now + 3 * DAY), 200);
    int64_t later = clock_now(f);
    assert_true(later >= now + 3 * DAY && later < now + 3 * DAY + 60000);
    /* Never back. */
    assert_int_equal(clock_set(f, now), 409);
    assert_int_equal(clock_set(f, -5), 400);
    tc_response r;
    assert_int_equal(tc_http(f->srv.port, "POST", "/test/clock?now_ms=x", NULL, NULL, 0, &r, 10000),
                     0);
    assert_int_equal(r.status, 400);
    tc_response_free(&r);
    /* An event made now carries the moved time. */
    json_t *ack = NULL;
    assert_int_equal(command(f, "chair", NULL, "{\"type\": \"open_meeting\"}", &ack), 200);
    int64_t at = json_integer_value(
        json_object_get(json_array_get(json_object_get(ack, "events"), 0), "at_ms"));
    json_decref(ack);
    assert_true(at >= later);
}

static void no_test_clock_without_the_option(void **state)
{
    (void)state;
    tc_fixture *plain = NULL;
    void *st = NULL;
    assert_int_equal(tc_fixture_setup(&st, "speakers-plain", NULL), 0);
    plain = st;
    tc_response r;
    assert_int_equal(tc_get(plain->srv.port, "/test/clock", NULL, &r), 404);
    tc_response_free(&r);
    assert_int_equal(
        tc_http(plain->srv.port, "POST", "/test/clock?now_ms=1", NULL, NULL, 0, &r, 10000), 0);
    assert_int_equal(r.status, 404);
    tc_response_free(&r);
    assert_int_equal(tc_fixture_teardown(&st), 0);
}

static int download(tc_fixture *f, const char *role, const char *query, tc_response *r)
{
    char path[300];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/speakers%s", query);
    return tc_get(f->srv.port, path, role ? tc_role_token(&f->srv, role) : NULL, r);
}

static void inscribed_days_ahead_and_downloaded(void **state)
{
    tc_fixture *f = *state;
    int64_t now = clock_now(f);
    char cmd[300];
    snprintf(cmd, sizeof cmd,
             "{\"type\": \"set_inscription\", \"item\": \"un-round\", \"opens_at_ms\": %lld, "
             "\"closes_at_ms\": %lld}",
             (long long)(now + 2 * DAY), (long long)(now + 6 * DAY));
    assert_int_equal(command(f, "secretariat", NULL, cmd, NULL), 200);
    const char *inscribe = "{\"type\": \"inscribe\", \"item\": \"un-round\"}";
    json_t *err = NULL;
    assert_int_equal(command(f, "participant", "p2", inscribe, &err), 409);
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "opens at"));
    json_decref(err);
    /* Three days later, without waiting three days. */
    assert_int_equal(clock_set(f, now + 3 * DAY), 200);
    assert_int_equal(command(f, "participant", "p2", inscribe, NULL), 200);
    assert_int_equal(command(f, "participant", "p1",
                             "{\"type\": \"inscribe\", \"item\": "
                             "\"un-round\", \"level\": \"minister\"}",
                             NULL),
                     200);
    assert_int_equal(command(f, "participant", "p3", inscribe, NULL), 200);

    tc_response r;
    assert_int_equal(download(f, "viewer", "?item=un-round&format=csv", &r), 200);
    char h[300];
    assert_string_equal(tc_header(r.head, "content-type", h, sizeof h), "text/csv; charset=utf-8");
    assert_string_equal(tc_header(r.head, "content-disposition", h, sizeof h),
                        "attachment; filename=\"test-panel-un-round-speakers-en.csv\"");
    assert_non_null(strstr(r.body, "\r\n1,Delegate One,Arcadia,Minister,"));
    assert_non_null(strstr(r.body, "\r\n2,Delegate Two,Borduria,Head of delegation,"));
    assert_non_null(strstr(r.body, "\r\n3,Observer Three,Carpania,"));
    tc_response_free(&r);

    assert_int_equal(download(f, "participant", "?item=un-round&format=pdf", &r), 200);
    assert_memory_equal(r.body, "%PDF-", 5);
    char *text = gvt_pdf_text(r.body, r.body_len);
    const char *en[] = {"PROVISIONAL LIST OF SPEAKERS",  "Statements", "Last changed", "Arcadia",
                        "member state, Minister, no. 1", "Page 1 of 1"};
    for (size_t i = 0; i < sizeof en / sizeof *en; i++)
        if (!strstr(text, en[i]))
            fail_msg("\"%s\" is not in the English PDF:\n%s", en[i], text);
    free(text);
    tc_response_free(&r);

    assert_int_equal(download(f, "viewer", "?item=un-round&format=pdf&lang=ar", &r), 200);
    assert_string_equal(tc_header(r.head, "content-disposition", h, sizeof h),
                        "attachment; filename=\"test-panel-un-round-speakers-ar.pdf\"");
    text = gvt_pdf_text(r.body, r.body_len);
    const char *ar[] = {
        "القائمة المؤقتة للمتكلمين", "آخر تعديل", "المتكلم", "وزير", "دولة عضو", "Borduria"};
    for (size_t i = 0; i < sizeof ar / sizeof *ar; i++)
        if (!strstr(text, ar[i]))
            fail_msg("\"%s\" is not in the Arabic PDF:\n%s", ar[i], text);
    free(text);
    tc_response_free(&r);
}

static void refusals(void **state)
{
    tc_fixture *f = *state;
    static const struct {
        const char *role, *query;
        int status;
        const char *says;
    } cases[] = {
        {"viewer", "?format=pdf", 400, "say which agenda item"},
        {"viewer", "?item=un-round", 400, "say which format"},
        {"viewer", "?item=un-round&format=docx", 400, "unknown format"},
        {"viewer", "?item=un-round&format=csv&lang=de", 400, "have no language"},
        {"viewer", "?item=un-round&format=csv&lang=../x", 400, "a language of the pages"},
        {"viewer", "?item=nope&format=csv", 404, "no agenda item"},
        {NULL, "?item=un-round&format=csv", 401, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tc_response r;
        int status = download(f, cases[i].role, cases[i].query, &r);
        if (status != cases[i].status || !strstr(r.body, cases[i].says))
            fail_msg("%s: %d %s", cases[i].query, status, r.body);
        tc_response_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_test_clock, setup, tc_fixture_teardown),
        cmocka_unit_test(no_test_clock_without_the_option),
        cmocka_unit_test_setup_teardown(inscribed_days_ahead_and_downloaded, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * GET /api/v1/meetings/{id}/record?format=F against the real `gavel serve`:
 * the files are byte for byte what `gavel report` and `gavel calendar` write
 * for the same database; the PDF is a PDF; who may download and who may not;
 * bad requests. How the job thread makes records while the loop serves, and
 * its full queue, are tests/unit/server/jobs_test.c, in process, where the
 * test holds the job thread instead of timing a slow PDF.
 *
 * The database holds the example panel after the scripted two hours
 * (tests/scenarios).
 */
#include "support.h"

#include "server_client.h"

#define MEETING "cstd25-wsis-panel"
#define OTHER   "test-panel"
/* A PDF under the sanitizers takes a while: wait long enough. */
#define SLOW_MS 120000

static char dir[128], db[256];

/* Writes text to dir/name; path filled. */
static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    /* cairo's font subsetter leaks a little per PDF: the servers that draw
     * PDFs run with that leak suppressed (pdf_lsan.supp says why this way). */
    char lsan[512];
    snprintf(lsan, sizeof lsan,
             "suppressions=%s/tests/integration/server/pdf_lsan.supp:print_suppressions=0",
             GV_SOURCE_DIR);
    setenv("LSAN_OPTIONS", lsan, 0);
    tc_tempdir(dir, sizeof dir, "record");
    snprintf(db, sizeof db, "%s/gavel.db", dir);
    char script[400];
    snprintf(script, sizeof script, "%s/tests/scenarios/cstd-2022-panel.jsonl", GV_SOURCE_DIR);
    const char *init[] = {"init", "--db", db, "--at", "1648726200000", NULL};
    const char *apply[] = {"apply", "--db", db, "--as", "chair", script, NULL};
    /* Another meeting, whose links must not download this one's record. */
    char other[300];
    write_file("other.json", gvt_definition_json, other, sizeof other);
    const char *init_other[] = {"init", "--db", db, other, NULL};
    if (tc_gavel(NULL, init) != 0 || tc_gavel(NULL, apply) != 0 ||
        tc_gavel(NULL, init_other) != 0) {
        fprintf(stderr, "could not make the test database in %s\n", dir);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    tc_server *s = calloc(1, sizeof *s);
    const char *args[] = {"--meeting", MEETING, NULL};
    if (!s || tc_server_start(s, db, args) < 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    tc_server *s = *state;
    int status = s->pid > 0 ? tc_server_stop(s, SIGTERM) : 0;
    free(s);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A new link of `meeting` for a person, or for a role with role set. */
static void invite(const char *meeting, const char *who, bool role, char *token, size_t size)
{
    char *out = NULL;
    const char *args[] = {
        "invite", "--db", db, "--meeting", meeting, role ? "--role" : who, role ? who : NULL, NULL};
    assert_int_equal(tc_gavel(&out, args), 0);
    const char *j = strstr(out, "/join/");
    assert_non_null(j);
    snprintf(token, size, "%.*s", (int)strcspn(j + 6, "\r\n"), j + 6);
    free(out);
}

static int record(int port, const char *meeting, const char *format, const char *token,
                  tc_response *r)
{
    char path[300], extra[200] = "";
    snprintf(path, sizeof path, "/api/v1/meetings/%s/record%s%s", meeting, format ? "?format=" : "",
             format ? format : "");
    if (token)
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    return tc_http(port, "GET", path, extra, NULL, 0, r, SLOW_MS) < 0 ? -1 : r->status;
}

/* What `gavel report` (or `gavel calendar` for ics) writes for the same database. */
static char *cli_output(const char *meeting, const char *format, size_t *len)
{
    char *out = NULL, path[600];
    bool ics = strcmp(format, "ics") == 0;
    /* Written to a file: Word and OpenDocument are binary. */
    snprintf(path, sizeof path, "%s.cli-output", db);
    const char *args[] = {
        ics ? "calendar" : "report", "--db", db,  "--meeting", meeting, "-o", path,
        ics ? NULL : "--format",     format, NULL};
    assert_int_equal(tc_gavel(NULL, args), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    out = malloc(*len + 1);
    assert_int_equal(fread(out, 1, *len, f), *len);
    out[*len] = '\0';
    fclose(f);
    unlink(path);
    return out;
}

static void test_record_is_the_report(void **state)
{
    tc_server *s = *state;
    const char *token = tc_role_token(s, "secretariat");
    const char *formats[][3] = {
        {"json", "application/json", "cstd25-wsis-panel-record.json"},
        {"md", "text/markdown; charset=utf-8", "cstd25-wsis-panel-record.md"},
        {"csv", "text/csv; charset=utf-8; header=present", "cstd25-wsis-panel-speeches.csv"},
        {"html", "text/html; charset=utf-8", "cstd25-wsis-panel-record.html"},
        {"ics", "text/calendar; charset=utf-8", "cstd25-wsis-panel-agenda.ics"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "cstd25-wsis-panel-record.docx"},
        {"odt", "application/vnd.oasis.opendocument.text", "cstd25-wsis-panel-record.odt"},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        tc_response r;
        char h[300], want_disp[300];
        assert_int_equal(record(s->port, MEETING, formats[i][0], token, &r), 200);
        size_t len;
        char *cli = cli_output(MEETING, formats[i][0], &len);
        if (r.body_len != len || memcmp(r.body, cli, len) != 0)
            fail_msg("%s: the download (%zu bytes) is not what gavel writes (%zu bytes)",
                     formats[i][0], r.body_len, len);
        assert_string_equal(tc_header(r.head, "content-type", h, sizeof h), formats[i][1]);
        snprintf(want_disp, sizeof want_disp, "attachment; filename=\"%s\"; filename*=UTF-8''%s",
                 formats[i][2], formats[i][2]);
        assert_string_equal(tc_header(r.head, "content-disposition", h, sizeof h), want_disp);
        assert_string_equal(tc_header(r.head, "cache-control", h, sizeof h), "no-store");
        assert_non_null(strstr(tc_header(r.head, "server-timing", h, sizeof h), "render;dur="));
        printf("# %s: %zu bytes, same as the command line\n", formats[i][0], len);
        free(cli);
        tc_response_free(&r);
    }
    /* The Chair's summary: none yet (a conflict that says so), or a bad request. */
    tc_response sr;
    assert_int_equal(record(s->port, MEETING, "docx&summary=approved", token, &sr), 409);
    assert_non_null(strstr(sr.body, "no summary yet"));
    tc_response_free(&sr);
    assert_int_equal(record(s->port, MEETING, "pdf&summary=approved", token, &sr), 400);
    tc_response_free(&sr);
    assert_int_equal(record(s->port, MEETING, "md&summary=final", token, &sr), 400);
    tc_response_free(&sr);
    /* The PDF: its bytes hold the time it was made, so only its shape is compared. */
    tc_response r;
    assert_int_equal(record(s->port, MEETING, "pdf", token, &r), 200);
    assert_true(r.body_len > 10000);
    assert_memory_equal(r.body, "%PDF-", 5);
    assert_non_null(strstr(r.body + r.body_len - 8, "%%EOF"));
    char h[200];
    assert_string_equal(tc_header(r.head, "content-type", h, sizeof h), "application/pdf");
    printf("# pdf: %zu bytes, %s\n", r.body_len, tc_header(r.head, "server-timing", h, sizeof h));
    tc_response_free(&r);
}

static void test_who_may_download(void **state)
{
    tc_server *s = *state;
    tc_response r;
    const char *yes[] = {"chair", "moderator", "secretariat", "rapporteur"};
    const char *no[] = {"panelist", "participant", "viewer"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (record(s->port, MEETING, "json", tc_role_token(s, yes[i]), &r) != 200)
            fail_msg("the %s's role link gets %d", yes[i], r.status);
        tc_response_free(&r);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (record(s->port, MEETING, "json", tc_role_token(s, no[i]), &r) != 403)
            fail_msg("the %s's role link gets %d", no[i], r.status);
        json_t *j = tc_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "code")), "forbidden");
        json_decref(j);
        tc_response_free(&r);
    }
    /* Person links: by the person's roles ("secretariat" is also a participant). */
    const char *people[][2] = {{"rapporteur", "200"},
                               {"secretariat", "200"},
                               {"moderator", "200"},
                               {"haddad", "403"},
                               {"lin", "403"}};
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        char token[64];
        invite(MEETING, people[i][0], false, token, sizeof token);
        if (record(s->port, MEETING, "csv", token, &r) != atoi(people[i][1]))
            fail_msg("%s's person link gets %d, not %s", people[i][0], r.status, people[i][1]);
        tc_response_free(&r);
    }
    /* No link, a forged one, a link of another meeting. */
    assert_int_equal(record(s->port, MEETING, "json", NULL, &r), 401);
    tc_response_free(&r);
    assert_int_equal(
        record(s->port, MEETING, "json", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r), 401);
    tc_response_free(&r);
    assert_int_equal(record(s->port, OTHER, "json", tc_role_token(s, "secretariat"), &r), 403);
    tc_response_free(&r);
    /* A revoked secretariat link no longer downloads. */
    char token[64];
    invite(MEETING, "secretariat", false, token, sizeof token);
    assert_int_equal(record(s->port, MEETING, "md", token, &r), 200);
    tc_response_free(&r);
    const char *revoke[] = {"invite", "--db",          db,    "--meeting",
                            MEETING,  "--revoke-link", token, NULL};
    assert_int_equal(tc_gavel(NULL, revoke), 0);
    int status = 0;
    for (int i = 0; i < 40 && status != 403; i++) {
        status = record(s->port, MEETING, "md", token, &r);
        tc_response_free(&r);
        if (status != 403)
            tc_sleep_ms(100);
    }
    assert_int_equal(status, 403);
}

static void test_bad_requests(void **state)
{
    tc_server *s = *state;
    const char *token = tc_role_token(s, "secretariat");
    tc_response r;
    const char *bad[] = {"xml", "PDF", "", "jsonx", "../json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (record(s->port, MEETING, bad[i], token, &r) != 400)
            fail_msg("format \"%s\" gets %d", bad[i], r.status);
        json_t *j = tc_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "code")), "bad_request");
        assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "pdf"));
        json_decref(j);
        tc_response_free(&r);
    }
    assert_int_equal(record(s->port, MEETING, NULL, token, &r), 400);
    tc_response_free(&r);
    char extra[200];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    assert_int_equal(tc_http(s->port, "POST", "/api/v1/meetings/" MEETING "/record?format=json",
                             extra, "{}", 2, &r, 10000),
                     0);
    assert_int_equal(r.status, 405);
    char h[40];
    assert_string_equal(tc_header(r.head, "allow", h, sizeof h), "GET");
    tc_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_is_the_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_may_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * GET /api/v1/meetings/{id}/record?format=F against the real `gavel serve`:
 * the files are byte for byte what `gavel report` and `gavel calendar` write
 * for the same database; the PDF is a PDF; who may download and who may not;
 * bad requests; and the loop goes on serving other clients while a PDF of a
 * long meeting renders on the job thread (the waits are measured and
 * printed), with a full queue answered 503, a client that leaves mid-render
 * and a stop mid-render handled cleanly.
 *
 * The database holds the example panel after the scripted two hours
 * (tests/scenarios) and "big-panel", a generated meeting of 400 speeches
 * whose PDF takes most of a second (seconds under the sanitizers).
 */
#include "support.h"

#include "server/client.h"
#include "server/jobs.h"

#define MEETING "cstd25-wsis-panel"
#define BIG     "big-panel"
/* Speakers and rounds of the generated meeting. */
#define BIG_PEOPLE 200
#define BIG_ROUNDS 2
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

/* The generated meeting: a definition and a script of give_floor/end_speech. */
static int make_big(void)
{
    json_t *people =
        json_pack("[{s:s, s:s, s:s, s:s, s:s, s:[s]}, {s:s, s:s, s:s, s:s, s:[s]}]", "id", "chair",
                  "name", "Chair Person", "group", "member_state", "region", "african", "mode",
                  "room", "roles", "chair", "id", "sec", "name", "Secretariat Person", "group",
                  "intergovernmental", "mode", "room", "roles", "secretariat");
    for (int i = 0; i < BIG_PEOPLE; i++) {
        char id[16], name[64], aff[64];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(name, sizeof name, "Delegate Number %d", i);
        snprintf(aff, sizeof aff, "Country %d", i);
        json_array_append_new(people, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "id", id,
                                                "name", name, "affiliation", aff, "group",
                                                "member_state", "region", "african", "mode",
                                                i % 2 ? "room" : "online", "roles", "participant"));
    }
    json_t *def = json_pack(
        "{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}, s:[{s:s, s:s, s:s, s:i, s:{s:i, s:i}}], "
        "s:o}",
        "meeting", "id", BIG, "title", "A long meeting", "body", "Test commission", "starts",
        "2022-03-31T09:00", "ends", "2022-03-31T18:00", "timezone", "Europe/Zurich", "venue",
        "Room XX", "languages", "en", "agenda", "id", "discussion", "title", "Discussion", "kind",
        "discussion", "planned_minutes", 480, "speaking", "limit_minutes", 3, "warning_minutes", 2,
        "people", people);
    char *text = json_dumps(def, 0);
    json_decref(def);
    char def_path[300], script_path[300];
    write_file("big.json", text, def_path, sizeof def_path);
    free(text);

    size_t cap = 64 << 20, n = 0;
    char *script = malloc(cap);
    int64_t t = 1648710000000LL;
    n += (size_t)snprintf(
        script + n, cap - n,
        "{\"as\":\"chair\",\"at_ms\":%lld,\"command\":{\"type\":\"open_meeting\"}}\n"
        "{\"as\":\"chair\",\"at_ms\":%lld,\"command\":{\"type\":\"start_item\","
        "\"item\":\"discussion\"}}\n",
        (long long)t, (long long)t + 1000);
    t += 2000;
    for (int r = 0; r < BIG_ROUNDS; r++)
        for (int i = 0; i < BIG_PEOPLE; i++) {
            n += (size_t)snprintf(script + n, cap - n,
                                  "{\"as\":\"chair\",\"at_ms\":%lld,\"command\":{\"type\":\"give_"
                                  "floor\",\"person\":\"p%d\"}}\n"
                                  "{\"as\":\"chair\",\"at_ms\":%lld,\"command\":{\"type\":\"end_"
                                  "speech\"}}\n",
                                  (long long)t, i, (long long)t + 20000);
            t += 21000;
        }
    write_file("big.jsonl", script, script_path, sizeof script_path);
    free(script);
    const char *init[] = {"init", "--db", db, "--at", "1648700000000", def_path, NULL};
    const char *apply[] = {"apply", "--db",  db,          "--meeting", BIG,
                           "--as",  "chair", script_path, NULL};
    return tc_gavel(NULL, init) == 0 && tc_gavel(NULL, apply) == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    /* cairo's font subsetter leaks a little per PDF: the servers that draw
     * PDFs run with that leak suppressed (pdf_lsan.supp says why this way). */
    char lsan[512];
    snprintf(lsan, sizeof lsan,
             "suppressions=%s/tests/unit/server/pdf_lsan.supp:print_suppressions=0", GV_SOURCE_DIR);
    setenv("LSAN_OPTIONS", lsan, 0);
    tc_tempdir(dir, sizeof dir, "record");
    snprintf(db, sizeof db, "%s/gavel.db", dir);
    char script[400];
    snprintf(script, sizeof script, "%s/tests/scenarios/cstd-2022-panel.jsonl", GV_SOURCE_DIR);
    const char *init[] = {"init", "--db", db, "--at", "1648726200000", NULL};
    const char *apply[] = {"apply", "--db", db, "--as", "chair", script, NULL};
    if (tc_gavel(NULL, init) != 0 || tc_gavel(NULL, apply) != 0 || make_big() < 0) {
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
    assert_int_equal(record(s->port, BIG, "json", tc_role_token(s, "secretariat"), &r), 403);
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

/* Sends a GET of the record on a new connection without waiting; the fd. */
static int send_record(int port, const char *meeting, const char *format, const char *token)
{
    int fd = tc_connect(port);
    assert_true(fd >= 0);
    char req[600];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/meetings/%s/record?format=%s HTTP/1.1\r\nHost: x\r\n"
                     "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                     meeting, format, token);
    assert_int_equal(tc_write_all(fd, req, (size_t)n), 0);
    return fd;
}

/* Reads the whole response on fd (the server closes after it). */
static void read_response(int fd, tc_response *r)
{
    tc_conn c = {.fd = fd};
    memset(r, 0, sizeof *r);
    int64_t deadline = tc_now_ms() + SLOW_MS;
    assert_int_equal(tc_read_head(&c, r, deadline), 0);
    while (!c.eof && tc_fill(&c, deadline) >= 0)
        ;
    r->body_len = c.len;
    r->body = malloc(c.len + 1);
    memcpy(r->body, c.buf ? c.buf : "", c.len);
    r->body[c.len] = '\0';
    tc_conn_close(&c);
}

static int cmp_ms(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The dur= of `name` in a Server-Timing header, in ms. */
static double timing(const tc_response *r, const char *name)
{
    char h[200], key[40];
    tc_header(r->head, "server-timing", h, sizeof h);
    snprintf(key, sizeof key, "%s;dur=", name);
    const char *p = strstr(h, key);
    assert_non_null(p);
    return atof(p + strlen(key));
}

static void test_loop_serves_while_pdf_renders(void **state)
{
    tc_server *s = *state;
    char token[64];
    invite(BIG, "secretariat", true, token, sizeof token);
    int64_t t0 = tc_now_ms();
    int fd = send_record(s->port, BIG, "pdf", token);
    int64_t waits[4096];
    size_t n = 0;
    /* While the PDF is made: health checks and a snapshot, one after the other. */
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 0) > 0 || n == sizeof waits / sizeof waits[0])
            break;
        tc_response r;
        int64_t a = tc_now_ms();
        assert_int_equal(tc_get(s->port,
                                n % 2 ? "/healthz" : "/api/v1/meetings/" MEETING "/snapshot",
                                n % 2 ? NULL : tc_role_token(s, "viewer"), &r),
                         200);
        waits[n++] = tc_now_ms() - a;
        tc_response_free(&r);
        tc_sleep_ms(10);
    }
    tc_response pdf;
    read_response(fd, &pdf);
    int64_t total = tc_now_ms() - t0;
    assert_int_equal(pdf.status, 200);
    assert_memory_equal(pdf.body, "%PDF-", 5);
    double render = timing(&pdf, "render");
    qsort(waits, n, sizeof waits[0], cmp_ms);
    printf("# PDF of %d speeches: %zu bytes, rendered in %.0f ms (answer after %lld ms); "
           "meanwhile %zu requests answered, wait median %lld ms, max %lld ms\n",
           BIG_PEOPLE * BIG_ROUNDS, pdf.body_len, render, (long long)total, n,
           (long long)waits[n / 2], (long long)waits[n - 1]);
    /* The render must be long enough for the measure to mean something, and
     * nothing else waited for it: on the loop, every wait would be the render. */
    assert_true(render >= 200);
    assert_true(n >= 5);
    assert_true((double)waits[n - 1] < render / 2);
    tc_response_free(&pdf);
}

static void test_full_queue_is_503(void **state)
{
    tc_server *s = *state;
    char big[64];
    invite(BIG, "secretariat", true, big, sizeof big);
    const char *token = tc_role_token(s, "secretariat");
    int first = send_record(s->port, BIG, "pdf", big);
    tc_sleep_ms(150); /* the PDF runs; what follows waits behind it */
    int fds[GV__JOBS_WAITING_MAX + 1];
    for (int i = 0; i <= GV__JOBS_WAITING_MAX; i++)
        fds[i] = send_record(s->port, MEETING, "json", token);
    int ok = 0, busy = 0;
    for (int i = 0; i <= GV__JOBS_WAITING_MAX; i++) {
        tc_response r;
        read_response(fds[i], &r);
        char h[40];
        if (r.status == 503) {
            busy++;
            assert_string_equal(tc_header(r.head, "retry-after", h, sizeof h), "5");
            json_t *j = tc_json(&r);
            assert_string_equal(json_string_value(json_object_get(j, "code")), "busy");
            json_decref(j);
        } else {
            assert_int_equal(r.status, 200);
            ok++;
        }
        tc_response_free(&r);
    }
    tc_response r;
    read_response(first, &r);
    assert_int_equal(r.status, 200);
    tc_response_free(&r);
    printf("# one PDF running, %d more asked: %d waited and were answered, %d got 503\n",
           GV__JOBS_WAITING_MAX + 1, ok, busy);
    assert_int_equal(ok, GV__JOBS_WAITING_MAX);
    assert_int_equal(busy, 1);
}

/* A client that hangs up while its PDF renders: the server drops the
 * answer and goes on (the next record comes after the PDF is done). */
static void test_client_leaves_mid_render(void **state)
{
    tc_server *s = *state;
    char big[64];
    invite(BIG, "secretariat", true, big, sizeof big);
    close(send_record(s->port, BIG, "pdf", big));
    tc_response r;
    assert_int_equal(record(s->port, MEETING, "json", tc_role_token(s, "secretariat"), &r), 200);
    assert_true(timing(&r, "queue") > 0); /* it waited for the PDFs nobody wanted */
    tc_response_free(&r);
    assert_int_equal(tc_get(s->port, "/healthz", NULL, &r), 200);
    tc_response_free(&r);
}

/* SIGTERM while a PDF renders and another waits: the server lets the first
 * finish, drops the second and exits 0. */
static void test_stop_mid_render(void **state)
{
    tc_server *s = *state;
    const char *token = tc_role_token(s, "secretariat");
    int fd = send_record(s->port, MEETING, "pdf", token);
    int fd2 = send_record(s->port, MEETING, "pdf", token);
    tc_sleep_ms(100);
    int status = tc_server_stop(s, SIGTERM);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(fd);
    close(fd2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_is_the_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_who_may_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loop_serves_while_pdf_renders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_is_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_leaves_mid_render, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_mid_render, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * POST /api/v1/meetings against the real `gavel serve`: a definition with
 * problems gets every problem at its line and column, exactly as `gavel
 * validate --json` reports them (every file of tests/definitions); a dry
 * run creates nothing; a good definition creates its meeting, whose link
 * opens it at once; who may (any secretariat link of the server, by bearer
 * token or by cookie) and who may not; and the limits (size before reading,
 * Content-Length, method).
 */
#include "support.h"

#include <dirent.h>

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    return tc_fixture_setup(state, "setup", NULL);
}

static int setup_no_web(void **state)
{
    const char *extra[] = {"--no-web-setup", NULL};
    return tc_fixture_setup(state, "setup", extra);
}

static const char good_yaml[] = "# A small meeting loaded from the secretariat's page.\n"
                                "meeting:\n"
                                "  id: %s\n"
                                "  title: A new panel\n"
                                "  body: Test commission\n"
                                "  starts: 2022-04-01T10:00\n"
                                "  ends: 2022-04-01T12:00\n"
                                "  timezone: Europe/Zurich\n"
                                "  venue: Room XVIII\n"
                                "  languages: [en, fr]\n"
                                "agenda:\n"
                                "  - id: discussion\n"
                                "    title: Discussion\n"
                                "    kind: discussion\n"
                                "    planned_minutes: 90\n"
                                "    speaking: {limit_minutes: 3, warning_minutes: 2}\n"
                                "people:\n"
                                "  - id: chair\n"
                                "    name: Chair Person\n"
                                "    group: member_state\n"
                                "    region: african\n"
                                "    mode: room\n"
                                "    roles: [chair]\n"
                                "  - id: org\n"
                                "    name: Organiser Person\n"
                                "    group: intergovernmental\n"
                                "    mode: room\n"
                                "    roles: [%s]\n"
                                "  - id: p1\n"
                                "    name: Delegate One\n"
                                "    group: civil_society\n"
                                "    mode: online\n"
                                "    roles: [%s]\n";

/* The good definition with meeting id `id`; org and p1 get the roles given. */
static char *definition(const char *id, const char *org_role, const char *p1_role)
{
    char *s = malloc(sizeof good_yaml + 200);
    snprintf(s, sizeof good_yaml + 200, good_yaml, id, org_role, p1_role);
    return s;
}

/*
 * POSTs body to path with extra header lines (each ending \r\n) on a new
 * connection and reads the answer. Returns the status, or -1.
 */
static int post(int port, const char *path, const char *extra, const char *body, size_t len,
                tc_response *r)
{
    memset(r, 0, sizeof *r);
    tc_conn c = {.fd = tc_connect(port)};
    if (c.fd < 0)
        return -1;
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/yaml\r\nContent-Length: %zu\r\n%s\r\n",
                     path, len, extra ? extra : "");
    int64_t deadline = tc_now_ms() + 30000;
    if (tc_write_all(c.fd, head, (size_t)n) < 0 || tc_write_all(c.fd, body, len) < 0 ||
        tc_read_head(&c, r, deadline) < 0) {
        tc_conn_close(&c);
        return -1;
    }
    while (!c.eof && tc_fill(&c, deadline) >= 0)
        ;
    r->body = strndup(c.buf ? c.buf : "", c.len);
    r->body_len = c.len;
    tc_conn_close(&c);
    return r->status;
}

static int post_as(int port, const char *path, const char *token, const char *body, tc_response *r)
{
    char extra[200] = "";
    if (token)
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    return post(port, path, extra, body, strlen(body), r);
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Whether `gavel state` finds the meeting in the database. */
static bool meeting_exists(const char *db, const char *id)
{
    const char *args[] = {"state", "--db", db, "--meeting", id, NULL};
    return tc_gavel(NULL, args) == 0;
}

/* Every file of tests/definitions: the problems are `gavel validate
 * --json`'s, position and message; a dry run creates nothing. */
static void test_problems_are_the_validators(void **state)
{
    fixture *f = *state;
    const char *token = tc_role_token(&f->srv, "secretariat");
    char dir_path[300];
    snprintf(dir_path, sizeof dir_path, "%s/tests/definitions", GV_SOURCE_DIR);
    DIR *d = opendir(dir_path);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strstr(e->d_name, ".yaml"))
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        char *out = NULL;
        const char *args[] = {"validate", "--json", path, NULL};
        assert_int_equal(tc_gavel(&out, args), 1);
        json_error_t jerr;
        json_t *want = json_loads(out, 0, &jerr);
        free(out);
        assert_non_null(want);

        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        char *text = malloc(1 << 20);
        size_t len = fread(text, 1, 1 << 20, fp);
        fclose(fp);
        char extra[200];
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
        tc_response r;
        assert_int_equal(post(f->srv.port, "/api/v1/meetings?dry_run=1", extra, text, len, &r),
                         400);
        json_t *got = tc_json(&r);
        assert_string_equal(str(got, "code"), "bad_request");
        if (!json_equal(json_object_get(got, "problems"), json_object_get(want, "problems"))) {
            char *a = json_dumps(json_object_get(got, "problems"), 0);
            char *b = json_dumps(json_object_get(want, "problems"), 0);
            fail_msg("%s:\n  server:   %s\n  validate: %s", e->d_name, a, b);
        }
        size_t n = json_array_size(json_object_get(got, "problems"));
        printf("# %s: %zu problem%s, as gavel validate says\n", e->d_name, n, n == 1 ? "" : "s");
        files++;
        json_decref(got);
        json_decref(want);
        tc_response_free(&r);
        free(text);
    }
    closedir(d);
    assert_true(files >= 5);

    /* A good definition, dry run: its summary, and nothing created. */
    char *def = definition("dry-panel", "secretariat", "participant");
    tc_response r;
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings?dry_run=1", token, def, &r), 200);
    json_t *j = tc_json(&r);
    assert_true(json_is_true(json_object_get(j, "valid")));
    json_t *sum = json_object_get(j, "summary");
    assert_string_equal(str(sum, "id"), "dry-panel");
    assert_int_equal(json_integer_value(json_object_get(sum, "people")), 3);
    assert_int_equal(json_integer_value(json_object_get(sum, "agenda_items")), 1);
    json_decref(j);
    tc_response_free(&r);
    free(def);
    assert_false(meeting_exists(f->db, "dry-panel"));
}

static void test_creates_the_meeting(void **state)
{
    fixture *f = *state;
    const char *token = tc_role_token(&f->srv, "secretariat");
    char *def = definition("new-panel", "secretariat", "participant");
    tc_response r;
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings", token, def, &r), 201);
    json_t *j = tc_json(&r);
    assert_true(json_is_true(json_object_get(j, "created")));
    assert_string_equal(str(j, "meeting"), "new-panel");
    assert_string_equal(str(j, "link_kind"), "person");
    assert_string_equal(str(j, "subject"), "org");
    const char *join = str(j, "join");
    assert_int_equal(strncmp(join, "/join/", 6), 0);
    char link[300];
    snprintf(link, sizeof link, "http://127.0.0.1:%d%s", f->srv.port, join);
    assert_string_equal(str(j, "link"), link);
    char new_token[64];
    snprintf(new_token, sizeof new_token, "%s", join + 6);
    json_decref(j);
    tc_response_free(&r);
    assert_true(meeting_exists(f->db, "new-panel"));

    /* The link opens the new meeting's secretariat page at once. */
    char path[100], h[300];
    snprintf(path, sizeof path, "/join/%s", new_token);
    assert_int_equal(tc_get(f->srv.port, path, NULL, &r), 303);
    assert_string_equal(tc_header(r.head, "location", h, sizeof h), "/m/new-panel/secretariat");
    assert_non_null(strstr(tc_header(r.head, "set-cookie", h, sizeof h), "gavel_new-panel="));
    tc_response_free(&r);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/new-panel/snapshot", new_token, &r),
                     200);
    j = tc_json(&r);
    assert_string_equal(str(j, "link"), "person");
    assert_string_equal(str(j, "subject"), "org");
    assert_string_equal(str(json_object_get(json_object_get(j, "state"), "meeting"), "title"),
                        "A new panel");
    json_decref(j);
    tc_response_free(&r);
    /* ... and the old meeting's links do not open it. */
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/new-panel/snapshot", token, &r), 403);
    tc_response_free(&r);

    /* The same id again: 409, nothing changes. */
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings", token, def, &r), 409);
    j = tc_json(&r);
    assert_string_equal(str(j, "code"), "conflict");
    assert_non_null(strstr(str(j, "message"), "new-panel"));
    json_decref(j);
    tc_response_free(&r);
    free(def);

    /* Several secretaries: a role link for the role. A JSON definition is read too. */
    def = definition("shared-panel", "secretariat", "secretariat, participant");
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings", token, def, &r), 201);
    j = tc_json(&r);
    assert_string_equal(str(j, "link_kind"), "role");
    assert_string_equal(str(j, "subject"), "secretariat");
    json_decref(j);
    tc_response_free(&r);
    free(def);
    char *json_def = strdup(gvt_definition_json);
    memcpy(strstr(json_def, "test-panel"), "json-panel", 10);
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings", token, json_def, &r), 201);
    tc_response_free(&r);
    free(json_def);
    assert_true(meeting_exists(f->db, "json-panel"));

    /* Nobody to run it: refused, with the reason among the problems. */
    def = definition("lonely-panel", "participant", "participant");
    assert_int_equal(post_as(f->srv.port, "/api/v1/meetings", token, def, &r), 400);
    j = tc_json(&r);
    json_t *p = json_array_get(json_object_get(j, "problems"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "problems")), 1);
    assert_non_null(strstr(str(p, "message"), "secretariat"));
    json_decref(j);
    tc_response_free(&r);
    free(def);
    assert_false(meeting_exists(f->db, "lonely-panel"));
}

static void test_who_may_create(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *dry = "/api/v1/meetings?dry_run=1";
    char *def = definition("who-panel", "secretariat", "participant");
    tc_response r;
    const char *no[] = {"chair", "moderator", "rapporteur", "panelist", "participant", "viewer"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (post_as(port, "/api/v1/meetings", tc_role_token(&f->srv, no[i]), def, &r) != 403)
            fail_msg("the %s's link gets %d", no[i], r.status);
        tc_response_free(&r);
    }
    assert_int_equal(post_as(port, dry, NULL, def, &r), 401);
    tc_response_free(&r);
    assert_int_equal(post_as(port, dry, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", def, &r),
                     401);
    tc_response_free(&r);

    /* A person link of the secretariat; then by cookie, among others. */
    char sec[64], part[64], extra[600];
    assert_int_equal(tc_invite(f->db, "sec", false, sec, sizeof sec), 0);
    assert_int_equal(tc_invite(f->db, "p1", false, part, sizeof part), 0);
    assert_int_equal(post_as(port, dry, sec, def, &r), 200);
    tc_response_free(&r);
    snprintf(extra, sizeof extra,
             "Cookie: theme=dark; gavel_other=junk; gavel_test-panel=%s; gavel_x=%s\r\n", part,
             sec);
    assert_int_equal(post(port, dry, extra, def, strlen(def), &r), 200);
    tc_response_free(&r);
    snprintf(extra, sizeof extra, "Cookie: gavel_test-panel=%s\r\n", part);
    assert_int_equal(post(port, dry, extra, def, strlen(def), &r), 403);
    tc_response_free(&r);
    assert_int_equal(post(port, dry, "Cookie: theme=dark\r\n", def, strlen(def), &r), 401);
    tc_response_free(&r);
    /* From a page of another site, even with the right cookie: 403. */
    snprintf(extra, sizeof extra, "Origin: http://elsewhere.example\r\nCookie: gavel_x=%s\r\n",
             sec);
    assert_int_equal(post(port, dry, extra, def, strlen(def), &r), 403);
    tc_response_free(&r);
    snprintf(extra, sizeof extra, "Origin: http://127.0.0.1:%d\r\nCookie: gavel_x=%s\r\n", port,
             sec);
    assert_int_equal(post(port, dry, extra, def, strlen(def), &r), 200);
    tc_response_free(&r);

    /* Revoked: refused within a second or two. */
    const char *revoke[] = {"invite", "--db", f->db, "--revoke-link", sec, NULL};
    assert_int_equal(tc_gavel(NULL, revoke), 0);
    int status = 0;
    for (int i = 0; i < 40 && status != 403; i++) {
        status = post_as(port, dry, sec, def, &r);
        tc_response_free(&r);
        if (status != 403)
            tc_sleep_ms(100);
    }
    assert_int_equal(status, 403);
    free(def);
    assert_false(meeting_exists(f->db, "who-panel"));
}

/* Sends only a request's head and reads the answer, head and body: the
 * request's body is refused unread. */
static int head_only(int port, const char *head, tc_response *r, bool *closed)
{
    memset(r, 0, sizeof *r);
    tc_conn c = {.fd = tc_connect(port)};
    int64_t deadline = tc_now_ms() + 10000;
    if (tc_write_all(c.fd, head, strlen(head)) < 0 || tc_read_head(&c, r, deadline) < 0) {
        tc_conn_close(&c);
        return -1;
    }
    while (!c.eof && tc_fill(&c, deadline) > 0)
        ;
    *closed = c.eof;
    r->body = strndup(c.buf ? c.buf : "", c.len);
    r->body_len = c.len;
    tc_conn_close(&c);
    return r->status;
}

static void test_limits(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *token = tc_role_token(&f->srv, "secretariat");
    char head[600];
    tc_response r;
    bool closed = false;

    /* Over 16 MiB: 413 at once, the connection closed, nothing read. */
    snprintf(head, sizeof head,
             "POST /api/v1/meetings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Length: 16777217\r\n\r\n",
             token);
    assert_int_equal(head_only(port, head, &r, &closed), 413);
    assert_true(closed);
    json_t *j = tc_json(&r);
    assert_string_equal(str(j, "code"), "too_large");
    tc_response_free(&r);
    json_decref(j);
    /* Without credentials the body is read and dropped: the refusal comes on
     * a connection that carries the next request. */
    tc_conn c = {.fd = tc_connect(port)};
    const char req[] = "POST /api/v1/meetings HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                       "meeting: 1"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(tc_write_all(c.fd, req, sizeof req - 1), 0);
    int64_t deadline = tc_now_ms() + 10000;
    assert_int_equal(tc_read_head(&c, &r, deadline), 0);
    assert_int_equal(r.status, 401);
    while (!c.eof && tc_fill(&c, deadline) > 0)
        ;
    assert_non_null(strstr(c.buf, "HTTP/1.1 200"));
    assert_non_null(strstr(c.buf, "\"ok\":true"));
    tc_conn_close(&c);
    /* No Content-Length: 411. */
    snprintf(head, sizeof head,
             "POST /api/v1/meetings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Transfer-Encoding: chunked\r\n\r\n",
             token);
    assert_int_equal(head_only(port, head, &r, &closed), 411);
    tc_response_free(&r);
    /* Empty, and not YAML at all. */
    assert_int_equal(post_as(port, "/api/v1/meetings", token, "", &r), 400);
    tc_response_free(&r);
    assert_int_equal(post_as(port, "/api/v1/meetings", token, "\x01\x02 not yaml: [", &r), 400);
    j = tc_json(&r);
    assert_true(json_array_size(json_object_get(j, "problems")) >= 1);
    json_decref(j);
    tc_response_free(&r);
    /* GET: 405 with Allow. */
    assert_int_equal(tc_get(port, "/api/v1/meetings", token, &r), 405);
    char h[40];
    assert_string_equal(tc_header(r.head, "allow", h, sizeof h), "POST");
    tc_response_free(&r);
    /* The server is none the worse. */
    assert_int_equal(tc_get(port, "/healthz", NULL, &r), 200);
    tc_response_free(&r);
}

/* gavel serve --no-web-setup: the secretariat's page may not create meetings. */
static void test_switched_off(void **state)
{
    fixture *f = *state;
    char *def = definition("off-panel", "secretariat", "participant");
    tc_response r;
    const char *token = tc_role_token(&f->srv, "secretariat");
    const char *paths[] = {"/api/v1/meetings", "/api/v1/meetings?dry_run=1"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(post_as(f->srv.port, paths[i], token, def, &r), 403);
        json_t *j = tc_json(&r);
        assert_non_null(strstr(str(j, "message"), "does not create meetings from the web"));
        json_decref(j);
        tc_response_free(&r);
    }
    free(def);
    /* Nothing was created; the rest of the server serves as before. */
    assert_false(meeting_exists(f->db, "off-panel"));
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot", token, &r), 200);
    tc_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_problems_are_the_validators, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_creates_the_meeting, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_who_may_create, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_switched_off, setup_no_web, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

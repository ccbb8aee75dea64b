/*
 * The HTTP side of `gavel serve`, against the real server process: health and
 * metrics, the snapshot and its credentials (missing, forged, revoked, for
 * another meeting), invitation links and their cookie, the command fallback
 * and its errors, routing errors, and the placeholder pages.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    return tc_fixture_setup(state, "http", NULL);
}

static const char *code_of(json_t *j)
{
    return json_string_value(json_object_get(j, "code"));
}

static void test_health_and_metrics(void **state)
{
    fixture *f = *state;
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/healthz", NULL, &r), 200);
    json_t *j = tc_json(&r);
    assert_true(json_is_true(json_object_get(j, "ok")));
    assert_true(json_integer_value(json_object_get(j, "server_ms")) > 1600000000000LL);
    json_decref(j);
    tc_response_free(&r);

    assert_int_equal(tc_get(f->srv.port, "/metrics", NULL, &r), 200);
    assert_non_null(strstr(r.body, "# TYPE gavel_connections gauge"));
    assert_non_null(strstr(r.body, "gavel_commands_total{result=\"ok\"}"));
    assert_non_null(strstr(r.body, "gavel_commit_latency_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(r.body, "gavel_broadcast_latency_seconds_count"));
    tc_response_free(&r);
}

/* --listen 127.0.0.1 means that address only: another loopback address of
 * the same machine finds nothing listening (lws 4.1 would bind every address). */
static void test_binds_only_the_given_address(void **state)
{
    fixture *f = *state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->srv.port)};
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), -1);
    assert_int_equal(errno, ECONNREFUSED);
    close(fd);
}

static void test_role_links_printed(void **state)
{
    fixture *f = *state;
    const char *roles[] = {"chair",    "moderator",   "secretariat", "rapporteur",
                           "panelist", "participant", "viewer"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        const char *t = tc_role_token(&f->srv, roles[i]);
        assert_non_null(t);
        assert_int_equal(strlen(t), 43);
    }
}

static void test_snapshot_credentials(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *path = "/api/v1/meetings/test-panel/snapshot";
    tc_response r;
    json_t *j;

    /* Missing: 401. */
    assert_int_equal(tc_get(port, path, NULL, &r), 401);
    j = tc_json(&r);
    assert_string_equal(code_of(j), "unauthorized");
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "invitation"));
    json_decref(j);
    tc_response_free(&r);

    /* Forged (well formed, never issued) and malformed: 401. */
    assert_int_equal(tc_get(port, path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r), 401);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, path, "not-a-token", &r), 401);
    tc_response_free(&r);

    /* The viewer link reads the snapshot. */
    const char *viewer = tc_role_token(&f->srv, "viewer");
    assert_int_equal(tc_get(port, path, viewer, &r), 200);
    j = tc_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "meeting")), "test-panel");
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "link")), "viewer");
    assert_true(json_is_object(json_object_get(j, "state")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "state"), "seq")), 1);
    json_decref(j);
    tc_response_free(&r);

    /* A link of this meeting does not open another: 403 (it exists or not). */
    assert_int_equal(tc_get(port, "/api/v1/meetings/other/snapshot", viewer, &r), 403);
    tc_response_free(&r);

    /* Revoked while the server runs: 403 within a second or two. */
    char token[64];
    assert_int_equal(tc_invite(f->db, "p1", false, token, sizeof token), 0);
    assert_int_equal(tc_get(port, path, token, &r), 200); /* works at first use */
    tc_response_free(&r);
    const char *args[] = {"invite", "--db", f->db, "--revoke-link", token, NULL};
    assert_int_equal(tc_gavel(NULL, args), 0);
    int status = 0;
    for (int i = 0; i < 40 && status != 403; i++) {
        status = tc_get(port, path, token, &r);
        tc_response_free(&r);
        if (status != 403)
            tc_sleep_ms(100);
    }
    assert_int_equal(status, 403);
}

static void test_join_sets_cookie(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *chair = tc_role_token(&f->srv, "chair");
    char path[128], hv[512];
    tc_response r;
    snprintf(path, sizeof path, "/join/%s", chair);
    assert_int_equal(tc_get(port, path, NULL, &r), 303);
    tc_header(r.head, "location", hv, sizeof hv);
    assert_string_equal(hv, "/m/test-panel/console");
    tc_header(r.head, "set-cookie", hv, sizeof hv);
    assert_non_null(strstr(hv, "gavel_test-panel="));
    assert_non_null(strstr(hv, chair));
    assert_non_null(strstr(hv, "HttpOnly"));
    assert_non_null(strstr(hv, "SameSite=Strict"));
    assert_non_null(strstr(hv, "Path=/"));
    assert_null(strstr(hv, "Secure")); /* plain HTTP */
    tc_response_free(&r);

    /* The cookie opens the meeting. */
    char extra[200];
    snprintf(extra, sizeof extra, "Cookie: other=1; gavel_test-panel=%s\r\n", chair);
    assert_int_equal(
        tc_http(port, "GET", "/api/v1/meetings/test-panel/snapshot", extra, NULL, 0, &r, 10000), 0);
    assert_int_equal(r.status, 200);
    tc_response_free(&r);

    /* A forged link lands on an error page, sets nothing. */
    assert_int_equal(tc_get(port, "/join/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, &r),
                     401);
    tc_header(r.head, "set-cookie", hv, sizeof hv);
    assert_string_equal(hv, "");
    tc_response_free(&r);

    /* The landing page is a placeholder under a strict content policy. */
    assert_int_equal(tc_get(port, "/m/test-panel/console", NULL, &r), 200);
    tc_header(r.head, "content-security-policy", hv, sizeof hv);
    assert_non_null(strstr(hv, "default-src 'none'"));
    tc_response_free(&r);
}

static void test_commands_over_http(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *chair = tc_role_token(&f->srv, "chair");
    const char *viewer = tc_role_token(&f->srv, "viewer");
    const char *participant = tc_role_token(&f->srv, "participant");
    tc_response r;
    json_t *j;

    assert_int_equal(
        tc_post_command(port, chair, NULL, "{\"type\":\"open_meeting\",\"id\":\"r1\"}", &r), 200);
    j = tc_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "ack");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "r1");
    assert_int_equal(json_integer_value(json_object_get(j, "first_seq")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "last_seq")), 2);
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "meeting_opened");
    assert_string_equal(json_string_value(json_object_get(ev, "by")), "chair");
    json_decref(j);
    tc_response_free(&r);

    /* Refused by the core: 409, state unchanged. */
    assert_int_equal(tc_post_command(port, chair, NULL, "{\"type\":\"open_meeting\",\"id\":7}", &r),
                     409);
    j = tc_json(&r);
    assert_string_equal(code_of(j), "conflict");
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
    json_decref(j);
    tc_response_free(&r);

    /* A participant may not start an item: 403 from the core's role check. */
    assert_int_equal(tc_post_command(port, participant, "?as=p2",
                                     "{\"type\":\"start_item\",\"item\":\"opening\"}", &r),
                     403);
    tc_response_free(&r);
    /* A role link must say who when several hold the role. */
    assert_int_equal(tc_post_command(port, participant, NULL, "{\"type\":\"check_in\"}", &r), 400);
    tc_response_free(&r);
    /* ... and may not act as someone outside the role. */
    assert_int_equal(tc_post_command(port, participant, "?as=chair", "{\"type\":\"check_in\"}", &r),
                     403);
    tc_response_free(&r);
    assert_int_equal(tc_post_command(port, participant, "?as=p2", "{\"type\":\"check_in\"}", &r),
                     200);
    tc_response_free(&r);

    /* Viewers send nothing. */
    assert_int_equal(tc_post_command(port, viewer, NULL, "{\"type\":\"check_in\"}", &r), 403);
    tc_response_free(&r);
    /* No credentials. */
    assert_int_equal(tc_post_command(port, NULL, NULL, "{\"type\":\"check_in\"}", &r), 401);
    tc_response_free(&r);

    /* Malformed bodies: 400 with a message. */
    assert_int_equal(tc_post_command(port, chair, NULL, "{\"type\":", &r), 400);
    j = tc_json(&r);
    assert_string_equal(code_of(j), "bad_request");
    json_decref(j);
    tc_response_free(&r);
    assert_int_equal(tc_post_command(port, chair, NULL, "[1,2]", &r), 400);
    tc_response_free(&r);
    assert_int_equal(tc_post_command(port, chair, NULL, "{\"type\":\"no_such_command\"}", &r), 400);
    tc_response_free(&r);
    assert_int_equal(
        tc_post_command(port, chair, NULL, "{\"type\":\"add_note\",\"text\":\"\xff\xfe\"}", &r),
        400);
    tc_response_free(&r);

    /* Too large: 413, before the body is read. */
    size_t big = 20000;
    char *body = malloc(big + 1);
    memset(body, ' ', big);
    body[big] = '\0';
    body[0] = '{';
    body[big - 1] = '}';
    assert_int_equal(tc_post_command(port, chair, NULL, body, &r), 413);
    j = tc_json(&r);
    assert_string_equal(code_of(j), "too_large");
    json_decref(j);
    tc_response_free(&r);
    free(body);

    /* After all that, the log holds the definition, the opening and one check-in. */
    assert_int_equal(tc_get(port, "/api/v1/meetings/test-panel/snapshot", viewer, &r), 200);
    j = tc_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 3);
    json_decref(j);
    tc_response_free(&r);

    /* The metrics counted them: two commits, and the refusals by code. */
    assert_int_equal(tc_get(port, "/metrics", NULL, &r), 200);
    assert_non_null(strstr(r.body, "gavel_commands_total{result=\"ok\"} 2\n"));
    assert_non_null(strstr(r.body, "gavel_commands_total{result=\"conflict\"} 1\n"));
    assert_non_null(strstr(r.body, "gavel_commands_total{result=\"forbidden\"} 1\n"));
    assert_non_null(strstr(r.body, "gavel_events_committed_total 2\n"));
    assert_non_null(strstr(r.body, "gavel_commit_latency_seconds_count 2\n"));
    tc_response_free(&r);
}

/* Commands over HTTP spend the person's bucket: 30 at once, then 10 a second. */
static void test_http_rate_limit(void **state)
{
    fixture *f = *state;
    const char *chair = tc_role_token(&f->srv, "chair");
    int limited = 0, answered = 0;
    for (int i = 0; i < 45; i++) {
        tc_response r;
        int status = tc_post_command(f->srv.port, chair, NULL, "{\"type\":\"check_in\"}", &r);
        if (status == 429) {
            json_t *j = tc_json(&r);
            assert_string_equal(code_of(j), "rate_limited");
            json_decref(j);
            limited++;
        } else {
            assert_true(status == 200 || status == 409);
            answered++;
        }
        tc_response_free(&r);
    }
    assert_true(answered >= 30 && answered < 40);
    assert_int_equal(answered + limited, 45);
    /* Another link has its own bucket. */
    tc_response r;
    assert_int_equal(tc_post_command(f->srv.port, tc_role_token(&f->srv, "moderator"), NULL,
                                     "{\"type\":\"check_in\"}", &r),
                     200);
    tc_response_free(&r);
}

/* `gavel init` adds a meeting to the running server's database: it is served
 * from its first request, with its own links and state. */
static void test_meeting_added_while_running(void **state)
{
    fixture *f = *state;
    json_error_t jerr;
    json_t *def = json_loads(gvt_definition_json, 0, &jerr);
    json_object_set_new(json_object_get(def, "meeting"), "id", json_string("second-panel"));
    char file[300], token[64], extra[128];
    snprintf(file, sizeof file, "%s/second.json", f->dir);
    assert_int_equal(json_dump_file(def, file, 0), 0);
    json_decref(def);
    const char *init[] = {"init", "--db", f->db, file, NULL};
    assert_int_equal(tc_gavel(NULL, init), 0);
    char *out = NULL;
    const char *invite[] = {"invite",       "--db",   f->db,   "--meeting",
                            "second-panel", "--role", "chair", NULL};
    assert_int_equal(tc_gavel(&out, invite), 0);
    snprintf(token, sizeof token, "%.43s", strstr(out, "/join/") + 6);
    free(out);

    tc_response r;
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    const char *body = "{\"type\":\"open_meeting\"}";
    assert_int_equal(tc_http(f->srv.port, "POST", "/api/v1/meetings/second-panel/commands", extra,
                             body, strlen(body), &r, 10000),
                     0);
    assert_int_equal(r.status, 200);
    tc_response_free(&r);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/second-panel/snapshot", token, &r), 200);
    json_t *j = tc_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 2);
    json_decref(j);
    tc_response_free(&r);
    /* The first meeting is untouched, and each link opens only its own. */
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot", token, &r), 403);
    tc_response_free(&r);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot",
                            tc_role_token(&f->srv, "viewer"), &r),
                     200);
    j = tc_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
    json_decref(j);
    tc_response_free(&r);
    assert_int_equal(tc_get(f->srv.port, "/healthz", NULL, &r), 200);
    j = tc_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "meetings_loaded")), 2);
    json_decref(j);
    tc_response_free(&r);
}

static void test_routing_errors(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *viewer = tc_role_token(&f->srv, "viewer");
    tc_response r;
    assert_int_equal(tc_get(port, "/api/v1/meetings/test-panel/nothing", viewer, &r), 404);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/api/v2/anything", NULL, &r), 404);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/api/v1/meetings/~links/snapshot", viewer, &r), 404);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/api/v1/meetings/test-panel/commands", viewer, &r), 405);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/api/v1/meetings/test-panel/ws", viewer, &r), 400);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/no/such/page", NULL, &r), 404);
    tc_response_free(&r);
    assert_int_equal(tc_get(port, "/", NULL, &r), 200);
    tc_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_health_and_metrics, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_binds_only_the_given_address, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_role_links_printed, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_credentials, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_join_sets_cookie, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_commands_over_http, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_http_rate_limit, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_meeting_added_while_running, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_routing_errors, setup, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

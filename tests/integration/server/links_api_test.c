/*
 * Invitation links from the secretariat's page, against the real server
 * (src/server/route_links.c): the secretariat issues a link, lists it, the link
 * opens the meeting and its streams, the secretariat revokes it, and the link
 * is refused and its open streams closed. Nobody else may list, issue or
 * revoke; every bad request is a 4xx with a message that says what to send,
 * and changes nothing. The QR code is the URL's: the matrix is the one
 * libqrencode makes for it, and, when zbarimg (zbar-tools) is installed, a
 * picture of it decodes to the URL.
 */
#include "support.h"

#include <qrencode.h>

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    return tc_fixture_setup(state, "links", NULL);
}

#define LINKS "/api/v1/meetings/test-panel/links"

/* A request with a bearer token (may be NULL) and a JSON body (may be NULL);
 * returns the status, r filled. */
static int req(fixture *f, const char *method, const char *path, const char *token,
               const char *body, tc_response *r)
{
    char extra[256] = "";
    if (token)
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    if (tc_http(f->srv.port, method, path, extra, body, body ? strlen(body) : 0, r, 10000) < 0)
        fail_msg("%s %s: no complete response", method, path);
    return r->status;
}

/* Like req, and returns the JSON body (new reference) after checking the status. */
static json_t *req_json(fixture *f, const char *method, const char *path, const char *token,
                        const char *body, int want)
{
    tc_response r;
    int status = req(f, method, path, token, body, &r);
    json_t *j = tc_json(&r);
    if (status != want || !j)
        fail_msg("%s %s %s: %d (wanted %d): %s", method, path, body ? body : "", status, want,
                 r.body ? r.body : "(no body)");
    tc_response_free(&r);
    return j;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The list's entry with this id, or NULL (borrowed). */
static json_t *entry(json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(list, "links"), i, v)
    {
        if (strcmp(str(v, "id"), id) == 0)
            return v;
    }
    return NULL;
}

/* The id of the list's last entry whose string field key is value, or NULL
 * (borrowed from list). */
static const char *id_where(json_t *list, const char *key, const char *value)
{
    const char *id = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(list, "links"), i, v)
    {
        if (strcmp(str(v, key), value) == 0)
            id = str(v, "id");
    }
    return id;
}

/* The matrix of the response is libqrencode's for the URL, the SVG draws
 * every dark module, and a picture of it decodes to the URL (with zbarimg). */
static void check_qr(const json_t *qr, const char *url)
{
    QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(q);
    int n = (int)json_integer_value(json_object_get(qr, "size"));
    const json_t *rows = json_object_get(qr, "rows");
    assert_int_equal(n, q->width);
    assert_int_equal(json_array_size(rows), (size_t)n);
    int dark = 0;
    for (int y = 0; y < n; y++) {
        const char *row = json_string_value(json_array_get(rows, (size_t)y));
        assert_non_null(row);
        assert_int_equal(strlen(row), (size_t)n);
        for (int x = 0; x < n; x++) {
            assert_int_equal(row[x] == '1', q->data[y * n + x] & 1);
            dark += row[x] == '1';
        }
    }
    QRcode_free(q);
    /* The SVG's runs ("Mx yhNv1h-Nz") cover exactly the dark modules. */
    const char *svg = str(qr, "svg");
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    int covered = 0, run;
    for (const char *p = strstr(svg, " d=\"M"); p && (p = strchr(p + 1, 'h'));) {
        if (p[1] != '-' && sscanf(p, "h%dv1h-", &run) == 1)
            covered += run;
    }
    assert_int_equal(covered, dark);

    if (system("command -v zbarimg >/dev/null 2>&1") != 0) {
        printf("# zbarimg not installed (zbar-tools): QR checked against libqrencode only\n");
        return;
    }
    /* A grey-map picture, 4 pixels a module, with the quiet zone. */
    char path[] = "/tmp/gavel-qr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *pgm = fdopen(fd, "w");
    int scale = 4, side = (n + 8) * scale;
    fprintf(pgm, "P5\n%d %d\n255\n", side, side);
    for (int py = 0; py < side; py++)
        for (int px = 0; px < side; px++) {
            int x = px / scale - 4, y = py / scale - 4;
            bool on = x >= 0 && y >= 0 && x < n && y < n &&
                      json_string_value(json_array_get(rows, (size_t)y))[x] == '1';
            fputc(on ? 0 : 255, pgm);
        }
    fclose(pgm);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "zbarimg -q --raw %s", path);
    FILE *p = popen(cmd, "r");
    char decoded[1024] = "";
    if (p && !fgets(decoded, sizeof decoded, p))
        decoded[0] = '\0';
    if (p)
        pclose(p);
    unlink(path);
    decoded[strcspn(decoded, "\n")] = '\0';
    assert_string_equal(decoded, url);
}

static void test_issue_list_use_revoke(void **state)
{
    fixture *f = *state;
    const char *sec = tc_role_token(&f->srv, "secretariat");
    assert_non_null(sec);

    /* Issue: 201, the URL (the token's only appearance), the QR code. */
    int64_t t0 = tc_now_ms();
    json_t *issued =
        req_json(f, "POST", LINKS, sec,
                 "{\"kind\":\"person\",\"subject\":\"p2\",\"label\":\"by mail\"}", 201);
    int64_t took_ms = tc_now_ms() - t0;
    const char *url = str(issued, "url");
    json_t *link = json_object_get(issued, "link");
    assert_non_null(url);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/join/", f->srv.port);
    assert_int_equal(strncmp(url, base, strlen(base)), 0);
    const char *token = url + strlen(base);
    assert_int_equal(strlen(token), 43);
    const char *id = str(link, "id");
    assert_int_equal(strlen(id), 16);
    assert_string_equal(str(link, "kind"), "person");
    assert_string_equal(str(link, "subject"), "p2");
    assert_string_equal(str(link, "label"), "by mail");
    assert_true(json_is_false(json_object_get(link, "revoked")));
    assert_true(json_is_null(json_object_get(link, "revoked_at_ms")));
    check_qr(json_object_get(issued, "qr"), url);
    printf("# issuing a link answered in %lld ms\n", (long long)took_ms);

    /* The list: the new link, the secretariat's own marked, no token anywhere. */
    tc_response r;
    assert_int_equal(req(f, "GET", LINKS, sec, NULL, &r), 200);
    assert_null(strstr(r.body, token));
    assert_null(strstr(r.body, sec));
    json_t *list = tc_json(&r);
    tc_response_free(&r);
    assert_string_equal(str(list, "meeting"), "test-panel");
    json_t *e = entry(list, id);
    assert_non_null(e);
    assert_string_equal(str(e, "subject"), "p2");
    assert_true(json_is_false(json_object_get(e, "revoked")));
    assert_true(json_is_false(json_object_get(e, "yours")));
    size_t i, yours = 0, roles = 0;
    json_t *v;
    json_array_foreach(json_object_get(list, "links"), i, v)
    {
        yours += json_is_true(json_object_get(v, "yours"));
        roles += strcmp(str(v, "kind"), "person") != 0;
    }
    assert_int_equal(yours, 1);
    assert_int_equal(roles, 8); /* the role links `gavel serve` printed */
    json_decref(list);

    /* The link opens the meeting: /join sets the cookie, the snapshot and
     * both streams take it. */
    char path[128];
    snprintf(path, sizeof path, "/join/%s", token);
    assert_int_equal(tc_get(f->srv.port, path, NULL, &r), 303);
    char h[256];
    assert_non_null(strstr(tc_header(r.head, "set-cookie", h, sizeof h), token));
    tc_response_free(&r);
    json_t *snap = req_json(f, "GET", "/api/v1/meetings/test-panel/snapshot", token, NULL, 200);
    assert_string_equal(str(snap, "link"), "person");
    assert_string_equal(str(snap, "subject"), "p2");
    json_decref(snap);
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events", auth),
                     200);
    tc_event ev;
    assert_int_equal(tc_sse_next(&sse, 5000, &ev), 1);
    assert_string_equal(ev.name, "hello");
    tc_event_free(&ev);
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws", auth, NULL),
                     101);
    json_t *hello = tc_ws_until(&ws, "hello", 5000, NULL, NULL);
    assert_non_null(hello);
    assert_string_equal(str(hello, "person"), "p2");
    json_decref(hello);

    /* Revoke: the link is marked, both streams are told and closed. */
    snprintf(path, sizeof path, LINKS "/%s/revoke", id);
    json_t *rev = req_json(f, "POST", path, sec, NULL, 200);
    assert_true(json_is_true(json_object_get(json_object_get(rev, "link"), "revoked")));
    assert_true(json_integer_value(json_object_get(json_object_get(rev, "link"), "revoked_at_ms")) >
                0);
    assert_int_equal(json_integer_value(json_object_get(rev, "closed_streams")), 2);
    json_decref(rev);
    bool told = false;
    for (;;) {
        int got = tc_sse_next(&sse, 5000, &ev);
        assert_true(got >= 0); /* no timeout: the stream must end */
        if (got == 0)
            break;
        told = told || (strcmp(ev.name, "error") == 0 && strstr(ev.data, "revoked"));
        tc_event_free(&ev);
    }
    assert_true(told);
    tc_sse_close(&sse);
    told = false;
    for (;;) {
        char *m = NULL;
        int op = tc_ws_recv(&ws, 5000, &m, NULL);
        assert_true(op > 0);
        if (op == TC_WS_CLOSE)
            break;
        told = told || strstr(m, "revoked");
        free(m);
    }
    assert_true(told);
    assert_int_equal(ws.close_code, 1008);
    tc_ws_close(&ws);

    /* Refused from now on: the snapshot, the streams, /join. */
    assert_int_equal(req(f, "GET", "/api/v1/meetings/test-panel/snapshot", token, NULL, &r), 403);
    tc_response_free(&r);
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws", auth, &r), 403);
    tc_response_free(&r);
    tc_ws_close(&ws);
    snprintf(path, sizeof path, "/join/%s", token);
    assert_int_equal(tc_get(f->srv.port, path, NULL, &r), 403);
    tc_response_free(&r);

    /* Revoking again changes nothing and says so. */
    snprintf(path, sizeof path, LINKS "/%s/revoke", id);
    rev = req_json(f, "POST", path, sec, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(rev, "closed_streams")), 0);
    json_decref(rev);

    /* The command line reads the same log: the link, revoked, under its id. */
    char *out = NULL;
    const char *args[] = {"invite", "--db", f->db, "--list", NULL};
    assert_int_equal(tc_gavel(&out, args), 0);
    char line[64];
    snprintf(line, sizeof line, "%.12s  person  p2", id);
    const char *at = strstr(out, line);
    assert_non_null(at);
    assert_non_null(strstr(at, "revoked"));
    free(out);
    json_decref(issued);
}

/* Role and viewer links; a link issued on the page is revoked by the
 * command line, and a link issued there is revoked on the page. */
static void test_role_and_viewer_links(void **state)
{
    fixture *f = *state;
    const char *sec = tc_role_token(&f->srv, "secretariat");
    json_t *a =
        req_json(f, "POST", LINKS, sec, "{\"kind\":\"role\",\"subject\":\"participant\"}", 201);
    assert_string_equal(str(json_object_get(a, "link"), "subject"), "participant");
    const char *token = strstr(str(a, "url"), "/join/") + 6;
    /* A role link held by several acts as the one it names. */
    char path[128];
    json_t *snap =
        req_json(f, "GET", "/api/v1/meetings/test-panel/snapshot?as=p3", token, NULL, 200);
    assert_string_equal(str(snap, "link"), "role");
    json_decref(snap);
    json_t *v = req_json(f, "POST", LINKS, sec, "{\"kind\":\"viewer\"}", 201);
    assert_string_equal(str(json_object_get(v, "link"), "kind"), "viewer");
    assert_string_equal(str(json_object_get(v, "link"), "subject"), "viewer");
    const char *vt = strstr(str(v, "url"), "/join/") + 6;
    tc_response r;
    snprintf(path, sizeof path, "/join/%s", vt);
    assert_int_equal(tc_get(f->srv.port, path, NULL, &r), 303);
    char h[128];
    assert_string_equal(tc_header(r.head, "location", h, sizeof h), "/m/test-panel/screen");
    tc_response_free(&r);

    /* Revoked from the command line: the page's list shows it within a refresh. */
    const char *args[] = {"invite", "--db", f->db, "--revoke-link", vt, NULL};
    assert_int_equal(tc_gavel(NULL, args), 0);
    json_t *list = req_json(f, "GET", LINKS, sec, NULL, 200);
    assert_true(json_is_true(
        json_object_get(entry(list, str(json_object_get(v, "link"), "id")), "revoked")));
    json_decref(list);

    /* Issued by the command line, revoked on the page. */
    char cli_token[64];
    assert_int_equal(tc_invite(f->db, "pan2", false, cli_token, sizeof cli_token), 0);
    list = req_json(f, "GET", LINKS, sec, NULL, 200);
    const char *cli_id = id_where(list, "subject", "pan2");
    assert_non_null(cli_id);
    snprintf(path, sizeof path, LINKS "/%s/revoke", cli_id);
    json_decref(req_json(f, "POST", path, sec, NULL, 200));
    assert_int_equal(req(f, "GET", "/api/v1/meetings/test-panel/snapshot", cli_token, NULL, &r),
                     403);
    tc_response_free(&r);
    json_decref(list);
    json_decref(a);
    json_decref(v);
}

/* Only the secretariat: no link 401, any other link 403, whatever it asks. */
static void test_only_the_secretariat(void **state)
{
    fixture *f = *state;
    char sec_person[64], pan[64];
    assert_int_equal(tc_invite(f->db, "sec", false, sec_person, sizeof sec_person), 0);
    assert_int_equal(tc_invite(f->db, "pan1", false, pan, sizeof pan), 0);
    const char *body = "{\"kind\":\"person\",\"subject\":\"p1\"}";
    const char *revoke = LINKS "/0123456789abcdef/revoke";
    tc_response r;
    assert_int_equal(req(f, "GET", LINKS, NULL, NULL, &r), 401);
    tc_response_free(&r);
    assert_int_equal(req(f, "POST", LINKS, NULL, body, &r), 401);
    tc_response_free(&r);
    assert_int_equal(req(f, "POST", revoke, NULL, NULL, &r), 401);
    tc_response_free(&r);
    assert_int_equal(req(f, "GET", LINKS, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, &r),
                     401);
    tc_response_free(&r);
    const char *others[] = {
        tc_role_token(&f->srv, "chair"),      tc_role_token(&f->srv, "moderator"),
        tc_role_token(&f->srv, "rapporteur"), tc_role_token(&f->srv, "participant"),
        tc_role_token(&f->srv, "viewer"),     pan};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_non_null(others[i]);
        assert_int_equal(req(f, "GET", LINKS, others[i], NULL, &r), 403);
        json_t *j = tc_json(&r);
        assert_string_equal(str(j, "code"), "forbidden");
        assert_non_null(strstr(str(j, "message"), "secretariat"));
        json_decref(j);
        tc_response_free(&r);
        assert_int_equal(req(f, "POST", LINKS, others[i], body, &r), 403);
        tc_response_free(&r);
        assert_int_equal(req(f, "POST", revoke, others[i], NULL, &r), 403);
        tc_response_free(&r);
    }
    /* The secretariat's own person link may. */
    json_t *list = req_json(f, "GET", LINKS, sec_person, NULL, 200);
    size_t n = json_array_size(json_object_get(list, "links"));
    json_decref(list);
    json_decref(req_json(f, "POST", LINKS, sec_person, body, 201));
    list = req_json(f, "GET", LINKS, sec_person, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(list, "links")), n + 1);
    json_decref(list);
}

/* Every bad request: its status, its message, and no link more or less. */
static void test_bad_requests(void **state)
{
    fixture *f = *state;
    const char *sec = tc_role_token(&f->srv, "secretariat");
    json_t *before = req_json(f, "GET", LINKS, sec, NULL, 200);
    static const struct {
        const char *body;
        const char *says;
    } bad[] = {
        {"", "empty"},
        {"not json", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {"{\"kind\":\"person\",\"kind\":\"role\",\"subject\":\"p1\"}", "not a JSON object"},
        {"{\"subject\":\"p1\"}", "\"kind\" is missing"},
        {"{\"kind\":7,\"subject\":\"p1\"}", "\"kind\" is not a string"},
        {"{\"kind\":\"admin\",\"subject\":\"p1\"}", "\"kind\" must be"},
        {"{\"kind\":\"person\"}", "needs \"subject\""},
        {"{\"kind\":\"person\",\"subject\":\"nobody\"}", "has no person \"nobody\""},
        {"{\"kind\":\"person\",\"subject\":[\"p1\"]}", "\"subject\" must be a string"},
        {"{\"kind\":\"role\",\"subject\":\"king\"}", "a role link's \"subject\" is a role"},
        {"{\"kind\":\"role\",\"subject\":\"viewer\"}", "\"kind\": \"viewer\""},
        {"{\"kind\":\"viewer\",\"subject\":\"p1\"}", "names nobody"},
        {"{\"kind\":\"person\",\"subject\":\"p1\",\"role\":\"chair\"}", "unknown field \"role\""},
        {"{\"kind\":\"person\",\"subject\":\"p1\",\"label\":\"two\\nlines\"}", "one line"},
        {"{\"kind\":\"person\",\"subject\":\"p1\",\"label\":5}", "one line"},
    };
    tc_response r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(req(f, "POST", LINKS, sec, bad[i].body, &r), 400);
        json_t *j = tc_json(&r);
        const char *msg = str(j, "message");
        if (!msg || !strstr(msg, bad[i].says))
            fail_msg("body %s: message \"%s\" does not say \"%s\"", bad[i].body, msg ? msg : "",
                     bad[i].says);
        json_decref(j);
        tc_response_free(&r);
    }
    char label[200];
    memset(label, 'x', 129);
    label[129] = '\0';
    char body[400];
    snprintf(body, sizeof body, "{\"kind\":\"viewer\",\"label\":\"%s\"}", label);
    assert_int_equal(req(f, "POST", LINKS, sec, body, &r), 400);
    tc_response_free(&r);

    /* Too large: refused unread. */
    char *big = malloc(20000);
    memset(big, ' ', 19999);
    big[0] = '{';
    big[19998] = '}';
    big[19999] = '\0';
    assert_int_equal(req(f, "POST", LINKS, sec, big, &r), 413);
    tc_response_free(&r);
    free(big);

    /* Not declared as JSON: a form may not pose as one. */
    tc_conn c = {.fd = tc_connect(f->srv.port)};
    char raw[512];
    const char *form = "kind=viewer";
    int n = snprintf(raw, sizeof raw,
                     "POST " LINKS " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: "
                     "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                     sec, strlen(form), form);
    assert_int_equal(tc_write_all(c.fd, raw, (size_t)n), 0);
    memset(&r, 0, sizeof r);
    assert_int_equal(tc_read_head(&c, &r, tc_now_ms() + 5000), 0);
    assert_int_equal(r.status, 415);
    tc_conn_close(&c);

    /* From a page of another site: 403. */
    char origin[128];
    snprintf(origin, sizeof origin, "Authorization: Bearer %s\r\nOrigin: https://evil.example\r\n",
             sec);
    const char *ok_body = "{\"kind\":\"viewer\"}";
    assert_int_equal(
        tc_http(f->srv.port, "POST", LINKS, origin, ok_body, strlen(ok_body), &r, 5000), 0);
    assert_int_equal(r.status, 403);
    tc_response_free(&r);

    /* Revocations: a malformed id, an unknown one, the caller's own link. */
    assert_int_equal(req(f, "POST", LINKS "/xyz/revoke", sec, NULL, &r), 400);
    assert_non_null(strstr(r.body, "16 lower-case hex digits"));
    tc_response_free(&r);
    assert_int_equal(req(f, "POST", LINKS "/0123456789ABCDEF/revoke", sec, NULL, &r), 400);
    tc_response_free(&r);
    assert_int_equal(req(f, "POST", LINKS "/0000000000000000/revoke", sec, NULL, &r), 404);
    assert_non_null(strstr(r.body, "no link 0000000000000000"));
    tc_response_free(&r);
    size_t i;
    json_t *v;
    const char *own = NULL;
    json_array_foreach(json_object_get(before, "links"), i, v)
    {
        if (json_is_true(json_object_get(v, "yours")))
            own = str(v, "id");
    }
    char path[128];
    snprintf(path, sizeof path, LINKS "/%s/revoke", own);
    assert_int_equal(req(f, "POST", path, sec, NULL, &r), 409);
    assert_non_null(strstr(r.body, "the link you are using"));
    tc_response_free(&r);

    /* Methods and paths. */
    assert_int_equal(req(f, "GET", path, sec, NULL, &r), 405);
    char h[64];
    assert_string_equal(tc_header(r.head, "allow", h, sizeof h), "POST");
    tc_response_free(&r);
    assert_int_equal(req(f, "DELETE", LINKS, sec, NULL, &r), 405);
    assert_string_equal(tc_header(r.head, "allow", h, sizeof h), "GET, POST");
    tc_response_free(&r);
    assert_int_equal(req(f, "GET", LINKS "/x/y/revoke", sec, NULL, &r), 404);
    tc_response_free(&r);
    assert_int_equal(req(f, "GET", "/api/v1/meetings/nope/links", sec, NULL, &r), 403);
    tc_response_free(&r);

    /* Nothing changed, but when the secretariat's link was last used. */
    json_t *after = req_json(f, "GET", LINKS, sec, NULL, 200);
    json_t *l;
    json_array_foreach(json_object_get(before, "links"), i, l)
        json_object_del(l, "last_used_at_ms");
    json_array_foreach(json_object_get(after, "links"), i, l) json_object_del(l, "last_used_at_ms");
    assert_true(json_equal(json_object_get(before, "links"), json_object_get(after, "links")));
    json_decref(before);
    json_decref(after);
}

/* Sends a request and hangs up before the answer. */
static void send_and_hang_up(fixture *f, const char *path, const char *token, const char *body)
{
    int fd = tc_connect(f->srv.port);
    assert_true(fd >= 0);
    char raw[1024];
    int n = snprintf(raw, sizeof raw,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     path, token, strlen(body), body);
    assert_int_equal(tc_write_all(fd, raw, (size_t)n), 0);
    close(fd);
}

/* A request whose connection goes before its answer still takes effect: the
 * link is issued, the revocation closes the link's streams; nothing leaks
 * (the sanitizer build and the clean stop check that). */
static void test_requester_gone(void **state)
{
    fixture *f = *state;
    const char *sec = tc_role_token(&f->srv, "secretariat");
    json_t *list = req_json(f, "GET", LINKS, sec, NULL, 200);
    size_t n = json_array_size(json_object_get(list, "links"));
    json_decref(list);
    send_and_hang_up(f, LINKS, sec, "{\"kind\":\"person\",\"subject\":\"p4\"}");
    const char *id = NULL;
    for (int64_t end = tc_now_ms() + 5000; !id && tc_now_ms() < end; tc_sleep_ms(20)) {
        list = req_json(f, "GET", LINKS, sec, NULL, 200);
        if (json_array_size(json_object_get(list, "links")) == n + 1) {
            json_t *last = json_array_get(json_object_get(list, "links"), n);
            assert_string_equal(str(last, "subject"), "p4");
            id = strdup(str(last, "id"));
        }
        json_decref(list);
    }
    assert_non_null(id);

    /* A stream of the viewer link; its revocation's asker hangs up. */
    char auth[128], path[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, "viewer"));
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events", auth),
                     200);
    list = req_json(f, "GET", LINKS, sec, NULL, 200);
    const char *viewer = id_where(list, "subject", "viewer");
    assert_non_null(viewer);
    snprintf(path, sizeof path, LINKS "/%s/revoke", viewer);
    send_and_hang_up(f, path, sec, "{}");
    json_decref(list);
    tc_event ev;
    int got;
    while ((got = tc_sse_next(&sse, 5000, &ev)) == 1)
        tc_event_free(&ev);
    assert_int_equal(got, 0); /* ended, not timed out */
    tc_sse_close(&sse);
    free((char *)id);
}

/* The loop keeps serving while links are written: issuing many links in a
 * row, each answer comes, and /healthz answers in between. */
static void test_many_issues(void **state)
{
    fixture *f = *state;
    const char *sec = tc_role_token(&f->srv, "secretariat");
    int64_t worst = 0, total = 0;
    enum { N = 20 };
    for (int i = 0; i < N; i++) {
        int64_t t0 = tc_now_ms();
        json_decref(req_json(f, "POST", LINKS, sec, "{\"kind\":\"viewer\"}", 201));
        int64_t dt = tc_now_ms() - t0;
        total += dt;
        worst = dt > worst ? dt : worst;
        tc_response r;
        assert_int_equal(tc_get(f->srv.port, "/healthz", NULL, &r), 200);
        tc_response_free(&r);
    }
    printf("# %d links issued one after the other: %.1f ms each on average, %lld ms at worst\n", N,
           (double)total / N, (long long)worst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_list_use_revoke, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_role_and_viewer_links, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_only_the_secretariat, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_requester_gone, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_many_issues, setup, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Written statements over HTTP, against the real server
 * (src/server/route_statements.c): a panelist attaches their statement
 * before speaking and the secretariat one for a participant; the answer is
 * the acknowledgement with statement_attached, named by the file's SHA-256;
 * the file comes back byte for byte to those who may read it (the speaker,
 * the officers, the interpreters at once; everyone else once delivered);
 * the archive holds it. Hostile uploads are refused with their reason and
 * store nothing: too large, of no kind taken, named as another kind, sent
 * as another kind, a PDF cut short, zero bytes, a path or control
 * characters in the name, not UTF-8, from a read-only link, another
 * meeting's link, no link; and no client attaches a statement by sending
 * the command itself.
 */
#include "support.h"

#include <ctype.h>
#include <sodium.h>

#include "server_client.h"
#include "store/store.h"

typedef tc_fixture fixture;

#define STATEMENTS GV_SOURCE_DIR "/tests/scenarios/statements/"
#define API        "/api/v1/meetings/test-panel"

static int setup(void **state)
{
    return tc_fixture_setup(state, "statements", NULL);
}

static void sha256_hex(const void *b, size_t len, char out[65])
{
    unsigned char h[32];
    crypto_hash_sha256(h, b, len);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/*
 * POSTs bytes as a statement: path after API ("/statements?name=..."),
 * ctype the Content-Type (NULL: none), length the Content-Length announced
 * (-1: len), body sent only when send_body. Returns the status, r filled.
 */
static int upload_raw(fixture *f, const char *query, const char *token, const char *ctype,
                      const void *body, size_t len, long length, bool send_body, tc_response *r)
{
    memset(r, 0, sizeof *r);
    tc_conn c = {.fd = tc_connect(f->srv.port)};
    assert_true(c.fd >= 0);
    char head[4096], type[200] = "", auth[200] = "";
    if (ctype)
        snprintf(type, sizeof type, "Content-Type: %s\r\n", ctype);
    if (token)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
    int n = snprintf(head, sizeof head,
                     "POST " API "/statements%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Connection: close\r\n%s%sContent-Length: %ld\r\n\r\n",
                     query, f->srv.port, auth, type, length < 0 ? (long)len : length);
    int64_t deadline = tc_now_ms() + 20000;
    assert_int_equal(tc_write_all(c.fd, head, (size_t)n), 0);
    /* The server may answer before the body (a refusal): a write that fails then is fine. */
    if (send_body && len)
        tc_write_all(c.fd, body, len);
    if (tc_read_head(&c, r, deadline) < 0)
        fail_msg("POST statements%s: no answer", query);
    tc_read_body(&c, r, deadline);
    tc_conn_close(&c);
    return r->status;
}

static int upload(fixture *f, const char *query, const char *token, const char *ctype,
                  const void *body, size_t len, tc_response *r)
{
    return upload_raw(f, query, token, ctype, body, len, -1, true, r);
}

/* A command over HTTP; the status. */
static int command(fixture *f, const char *as_query, const char *role, const char *body)
{
    tc_response r;
    char path[256], extra[256];
    snprintf(path, sizeof path, API "/commands%s", as_query);
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, role));
    assert_int_equal(tc_http(f->srv.port, "POST", path, extra, body, strlen(body), &r, 10000), 0);
    int status = r.status;
    if (status != 200)
        printf("# %s %s: %d %s\n", role, body, status, r.body);
    tc_response_free(&r);
    return status;
}

/* GETs a path under API with a role's token; the status, r filled. */
static int get(fixture *f, const char *path, const char *role, tc_response *r)
{
    char full[512];
    snprintf(full, sizeof full, API "%s", path);
    return tc_get(f->srv.port, full, role ? tc_role_token(&f->srv, role) : NULL, r);
}

/* The statements in the state, as the secretariat reads them (new reference). */
static json_t *statements(fixture *f)
{
    tc_response r;
    assert_int_equal(get(f, "/snapshot", "secretariat", &r), 200);
    json_t *j = tc_json(&r);
    tc_response_free(&r);
    json_t *list = json_incref(json_object_get(json_object_get(j, "state"), "statements"));
    json_decref(j);
    return list;
}

static int count(void *ud, const gv_stored_file *file)
{
    (void)file;
    ++*(int *)ud;
    return 0;
}

/* How many files the database holds for the meeting (read beside the server). */
static int files_stored(fixture *f)
{
    gv_error err;
    gv_store *st = gv_store_open(f->db, GV_STORE_READONLY, &err);
    assert_non_null(st);
    int n = 0;
    assert_int_equal(gv_store_list_files(st, "test-panel", count, &n, &err), 0);
    gv_store_close(st);
    return n;
}

static void expect_refused(fixture *f, int status, const tc_response *r, int want, const char *says)
{
    (void)f;
    if (status != want || !strstr(r->body ? r->body : "", says))
        fail_msg("expected %d saying \"%s\", got %d: %s", want, says, status, r->body);
}

static void a_panelist_attaches_before_speaking_and_it_is_served_once_delivered(void **state)
{
    fixture *f = *state;
    tc_response r;
    size_t len;
    char hex[65], path[128];
    char *pdf = gvt_slurp(STATEMENTS "chen-statement.pdf", &len);
    sha256_hex(pdf, len, hex);
    assert_int_equal(command(f, "", "chair", "{\"type\":\"open_meeting\"}"), 200);
    assert_int_equal(command(f, "", "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}"), 200);

    int status = upload(f, "?name=pan1%20statement.pdf&as=pan1", tc_role_token(&f->srv, "panelist"),
                        "application/pdf", pdf, len, &r);
    if (status != 200)
        fail_msg("upload: %d %s", status, r.body);
    json_t *ack = tc_json(&r);
    tc_response_free(&r);
    json_t *ev = json_array_get(json_object_get(ack, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ack, "type")), "ack");
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "statement_attached");
    assert_string_equal(json_string_value(json_object_get(ev, "hash")), hex);
    assert_string_equal(json_string_value(json_object_get(ev, "person")), "pan1");
    assert_string_equal(json_string_value(json_object_get(ev, "item")), "panel");
    assert_string_equal(json_string_value(json_object_get(ev, "file_name")), "pan1 statement.pdf");
    assert_int_equal(json_integer_value(json_object_get(ev, "size_bytes")), (json_int_t)len);
    json_decref(ack);

    /* The speaker, the officers and the interpreters read it at once; the
     * public not before it is delivered. */
    snprintf(path, sizeof path, "/statements/%s", hex);
    static const char *const early[] = {"secretariat", "chair", "interpreter"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(get(f, path, early[i], &r), 200);
        assert_int_equal(r.body_len, len);
        assert_memory_equal(r.body, pdf, len);
        char h[256];
        assert_string_equal(tc_header(r.head, "content-type", h, sizeof h), "application/pdf");
        assert_non_null(strstr(tc_header(r.head, "content-disposition", h, sizeof h),
                               "attachment; filename=\"pan1 statement.pdf\""));
        tc_response_free(&r);
    }
    char own[200];
    snprintf(own, sizeof own, "%s?as=pan1", path);
    assert_int_equal(get(f, own, "panelist", &r), 200);
    tc_response_free(&r);
    snprintf(own, sizeof own, "%s?as=p1", path);
    assert_int_equal(get(f, own, "participant", &r), 403);
    assert_non_null(strstr(r.body, "not delivered yet"));
    tc_response_free(&r);
    assert_int_equal(get(f, path, "viewer", &r), 403);
    tc_response_free(&r);
    assert_int_equal(get(f, path, NULL, &r), 401);
    tc_response_free(&r);

    assert_int_equal(command(f, "", "chair", "{\"type\":\"give_floor\",\"person\":\"pan1\"}"), 200);
    assert_int_equal(get(f, own, "participant", &r), 200);
    assert_memory_equal(r.body, pdf, len);
    tc_response_free(&r);
    assert_int_equal(get(f, path, "viewer", &r), 200);
    tc_response_free(&r);
    /* Upper-case hex names the same file; an unknown one nothing. */
    for (char *p = path; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    snprintf(own, sizeof own, "/statements/%s", path + strlen("/STATEMENTS/"));
    assert_int_equal(get(f, own, "viewer", &r), 200);
    tc_response_free(&r);
    assert_int_equal(get(f,
                         "/statements/"
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                         "secretariat", &r),
                     404);
    tc_response_free(&r);
    free(pdf);
}

static void the_secretariat_attaches_for_a_participant_and_the_archive_holds_it(void **state)
{
    fixture *f = *state;
    tc_response r;
    size_t len;
    char hex[65];
    char *docx = gvt_slurp(STATEMENTS "haddad-statement.docx", &len);
    sha256_hex(docx, len, hex);
    assert_int_equal(command(f, "", "chair", "{\"type\":\"open_meeting\"}"), 200);
    /* Before the item starts: the secretariat names it. No Content-Type:
     * the bytes say what the file is. */
    int status = upload(f, "?name=p1-statement.docx&person=p1&item=discussion",
                        tc_role_token(&f->srv, "secretariat"), NULL, docx, len, &r);
    if (status != 200)
        fail_msg("upload: %d %s", status, r.body);
    tc_response_free(&r);
    /* Someone else cannot do so for p1. */
    assert_int_equal(upload(f, "?name=x.docx&person=p1&item=discussion&as=p2",
                            tc_role_token(&f->srv, "participant"), NULL, docx, len, &r),
                     403);
    tc_response_free(&r);
    json_t *list = statements(f);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "by")), "sec");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "media_type")),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    json_decref(list);

    assert_int_equal(get(f, "/statements?format=zip", "secretariat", &r), 200);
    char h[256];
    assert_string_equal(tc_header(r.head, "content-type", h, sizeof h), "application/zip");
    /* The archive holds the file as filed (read back with unzip). */
    char zip[512], cmd[1200];
    snprintf(zip, sizeof zip, "%s/statements.zip", f->dir);
    FILE *z = fopen(zip, "wb");
    assert_non_null(z);
    assert_int_equal(fwrite(r.body, 1, r.body_len, z), r.body_len);
    fclose(z);
    tc_response_free(&r);
    snprintf(cmd, sizeof cmd, "unzip -p %s 01-p1-statement.docx | sha256sum | grep -q %s", zip,
             hex);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(get(f, "/statements?format=zip", "interpreter", &r), 200);
    tc_response_free(&r);
    assert_int_equal(get(f, "/statements?format=zip", "viewer", &r), 403);
    tc_response_free(&r);
    assert_int_equal(get(f, "/statements?format=pdf", "secretariat", &r), 400);
    tc_response_free(&r);
    free(docx);
}

static void hostile_uploads_are_refused_and_store_nothing(void **state)
{
    fixture *f = *state;
    tc_response r;
    size_t pdf_len, docx_len;
    char *pdf = gvt_slurp(STATEMENTS "chen-statement.pdf", &pdf_len);
    char *docx = gvt_slurp(STATEMENTS "haddad-statement.docx", &docx_len);
    const char *pan = tc_role_token(&f->srv, "panelist");
    assert_int_equal(command(f, "", "chair", "{\"type\":\"open_meeting\"}"), 200);
    assert_int_equal(command(f, "", "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}"), 200);
    int s;
    /* Too large: refused on its Content-Length, before any of it is sent. */
    s = upload_raw(f, "?name=big.pdf&as=pan1", pan, "application/pdf", NULL, 0, 11L << 20, false,
                   &r);
    expect_refused(f, s, &r, 413, "at most");
    tc_response_free(&r);
    /* Of no kind taken. */
    static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00";
    s = upload(f, "?name=photo.txt&as=pan1", pan, "text/plain", gif, sizeof gif - 1, &r);
    expect_refused(f, s, &r, 400, "binary");
    tc_response_free(&r);
    /* A lying extension: PDF bytes named .docx (declared as the name says). */
    s = upload(f, "?name=statement.docx&as=pan1", pan,
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document", pdf,
               pdf_len, &r);
    expect_refused(f, s, &r, 400, "holds a PDF");
    tc_response_free(&r);
    /* ... and without a declared type. */
    s = upload(f, "?name=statement.docx&as=pan1", pan, NULL, pdf, pdf_len, &r);
    expect_refused(f, s, &r, 400, "must end in .pdf");
    tc_response_free(&r);
    /* A lying Content-Type: a Word document sent as a PDF. */
    s = upload(f, "?name=statement.pdf&as=pan1", pan, "application/pdf", docx, docx_len, &r);
    expect_refused(f, s, &r, 400, "sent as application/pdf but holds a Word document");
    tc_response_free(&r);
    /* A PDF cut short. */
    s = upload(f, "?name=statement.pdf&as=pan1", pan, "application/pdf", pdf, pdf_len / 2, &r);
    expect_refused(f, s, &r, 400, "cut short");
    tc_response_free(&r);
    /* Zero bytes. */
    s = upload(f, "?name=statement.pdf&as=pan1", pan, "application/pdf", "", 0, &r);
    expect_refused(f, s, &r, 400, "empty");
    tc_response_free(&r);
    /* Paths and control characters in the name; a name that is not UTF-8. */
    static const char *const names[] = {"..%2F..%2Fetc%2Fpasswd.pdf", "C%3A%5Cfakepath%5Cx.pdf",
                                        "a%0Ab.pdf", "x%E2%80%AEfdp.pdf", ".hidden.pdf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char q[200];
        snprintf(q, sizeof q, "?name=%s&as=pan1", names[i]);
        s = upload(f, q, pan, "application/pdf", pdf, pdf_len, &r);
        expect_refused(f, s, &r, 400, "name");
        tc_response_free(&r);
    }
    s = upload(f, "?name=%FF%FE.pdf&as=pan1", pan, "application/pdf", pdf, pdf_len, &r);
    expect_refused(f, s, &r, 400, "UTF-8");
    tc_response_free(&r);
    /* No name. */
    s = upload(f, "?as=pan1", pan, "application/pdf", pdf, pdf_len, &r);
    expect_refused(f, s, &r, 400, "name");
    tc_response_free(&r);
    /* Links that may not attach. */
    s = upload(f, "?name=a.pdf", tc_role_token(&f->srv, "viewer"), "application/pdf", pdf, pdf_len,
               &r);
    expect_refused(f, s, &r, 403, "read-only");
    tc_response_free(&r);
    s = upload(f, "?name=a.pdf", NULL, "application/pdf", pdf, pdf_len, &r);
    expect_refused(f, s, &r, 401, "credentials");
    tc_response_free(&r);
    s = upload(f, "?name=a.pdf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "application/pdf",
               pdf, pdf_len, &r);
    expect_refused(f, s, &r, 401, "not a link");
    tc_response_free(&r);
    /* The command itself, as a client would send it, is no way in. */
    char cmd[400];
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"attach_statement\",\"hash\":\"%064d\",\"media_type\":\"application/pdf\","
             "\"size_bytes\":1,\"file_name\":\"a.pdf\"}",
             0);
    assert_int_equal(command(f, "?as=pan1", "panelist", cmd), 400);

    json_t *list = statements(f);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    assert_int_equal(files_stored(f), 0);
    free(pdf);
    free(docx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            a_panelist_attaches_before_speaking_and_it_is_served_once_delivered, setup,
            tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            the_secretariat_attaches_for_a_participant_and_the_archive_holds_it, setup,
            tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(hostile_uploads_are_refused_and_store_nothing, setup,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The built-in files as `gavel serve` sends them: the gzip copy to clients
 * that take it (and it decompresses to the file in web/), entity tags and
 * 304 Not Modified, Cache-Control and Vary, HEAD answered like GET without a
 * body (and the connection still good for the next request). The parsers
 * alone are tests/unit/server/static_test.c.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    return tc_fixture_setup(state, "static", NULL);
}

/* The bytes of web/<rel>; *len set. */
static char *web_file(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/web/%s", GV_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(4 << 20);
    *len = fread(buf, 1, 4 << 20, f);
    fclose(f);
    return buf;
}

/* Decompresses with the system's gzip (a program independent of ours). */
static char *gunzip(const char *data, size_t len, size_t *out_len)
{
    char dir[128], path[256], cmd[400];
    tc_tempdir(dir, sizeof dir, "gunzip");
    snprintf(path, sizeof path, "%s/body.gz", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -dc %s", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *buf = malloc(4 << 20);
    *out_len = fread(buf, 1, 4 << 20, p);
    assert_int_equal(pclose(p), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return buf;
}

static int get(int port, const char *path, const char *extra, tc_response *r)
{
    return tc_http(port, "GET", path, extra, NULL, 0, r, 10000) < 0 ? -1 : r->status;
}

static void test_gzip_when_accepted(void **state)
{
    fixture *f = *state;
    const char *files[][2] = {{"/static/js/client.js", "js/client.js"},
                              {"/static/css/gavel.css", "css/gavel.css"},
                              {"/static/i18n/ar.json", "i18n/ar.json"},
                              {"/m/test-panel/secretariat", "secretariat.html"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t want_len, got_len;
        char *want = web_file(files[i][1], &want_len);
        char h[200];
        tc_response r;

        assert_int_equal(
            get(f->srv.port, files[i][0], "Accept-Encoding: gzip, deflate, br\r\n", &r), 200);
        assert_string_equal(tc_header(r.head, "content-encoding", h, sizeof h), "gzip");
        assert_string_equal(tc_header(r.head, "vary", h, sizeof h), "accept-encoding");
        assert_true(r.body_len < want_len);
        char *plain = gunzip(r.body, r.body_len, &got_len);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(plain, want, want_len);
        printf("# %s: %zu bytes, %zu gzipped (%.0f%%)\n", files[i][0], want_len, r.body_len,
               100.0 * (double)r.body_len / (double)want_len);
        free(plain);
        tc_response_free(&r);

        /* No Accept-Encoding, or gzip refused with q=0: the file as it is. */
        const char *plain_asks[] = {"", "Accept-Encoding: identity\r\n",
                                    "Accept-Encoding: gzip;q=0, identity\r\n",
                                    "Accept-Encoding: *;q=0.5, gzip; q=0.000\r\n"};
        for (size_t k = 0; k < sizeof plain_asks / sizeof plain_asks[0]; k++) {
            assert_int_equal(get(f->srv.port, files[i][0], plain_asks[k], &r), 200);
            assert_string_equal(tc_header(r.head, "content-encoding", h, sizeof h), "");
            assert_string_equal(tc_header(r.head, "vary", h, sizeof h), "accept-encoding");
            assert_int_equal(r.body_len, want_len);
            assert_memory_equal(r.body, want, want_len);
            tc_response_free(&r);
        }
        free(want);
    }
}

static void test_etag_and_304(void **state)
{
    fixture *f = *state;
    char etag[100], etag_gz[100], h[200], extra[300];
    tc_response r;
    const char *path = "/static/js/ui.js";

    assert_int_equal(get(f->srv.port, path, NULL, &r), 200);
    tc_header(r.head, "etag", etag, sizeof etag);
    assert_int_equal(strlen(etag), 22); /* "<20 hex digits>" */
    assert_string_equal(tc_header(r.head, "cache-control", h, sizeof h), "no-cache");
    tc_response_free(&r);
    assert_int_equal(get(f->srv.port, path, "Accept-Encoding: gzip\r\n", &r), 200);
    tc_header(r.head, "etag", etag_gz, sizeof etag_gz);
    assert_string_not_equal(etag, etag_gz); /* two representations, two tags */
    tc_response_free(&r);

    /* The tag, alone or in a list, weak or strong: 304, no body, same validators. */
    const char *lists[] = {"%s", "\"0000\", %s", "W/%s", "*"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        char inm[200];
        snprintf(inm, sizeof inm, lists[i], etag);
        snprintf(extra, sizeof extra, "If-None-Match: %s\r\n", inm);
        assert_int_equal(get(f->srv.port, path, extra, &r), 304);
        assert_int_equal(r.body_len, 0);
        assert_string_equal(tc_header(r.head, "etag", h, sizeof h), etag);
        assert_string_equal(tc_header(r.head, "cache-control", h, sizeof h), "no-cache");
        assert_string_equal(tc_header(r.head, "content-length", h, sizeof h), "");
        tc_response_free(&r);
    }
    /* The gzip copy's tag matches the gzip copy only. */
    snprintf(extra, sizeof extra, "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etag_gz);
    assert_int_equal(get(f->srv.port, path, extra, &r), 304);
    tc_response_free(&r);
    snprintf(extra, sizeof extra, "If-None-Match: %s\r\n", etag_gz);
    assert_int_equal(get(f->srv.port, path, extra, &r), 200);
    assert_true(r.body_len > 0);
    tc_response_free(&r);
    /* Another file's tag, or a changed one: the file. */
    snprintf(extra, sizeof extra, "If-None-Match: \"%.19sx\"\r\n", etag + 1);
    assert_int_equal(get(f->srv.port, path, extra, &r), 200);
    tc_response_free(&r);

    /* The API is never cached. */
    assert_int_equal(get(f->srv.port, "/healthz", NULL, &r), 200);
    assert_string_equal(tc_header(r.head, "cache-control", h, sizeof h), "no-store");
    assert_string_equal(tc_header(r.head, "etag", h, sizeof h), "");
    tc_response_free(&r);
}

/* HEAD: GET's status and headers, no body; then the same connection
 * carries a GET (nothing was left owed on it). */
static void test_head(void **state)
{
    fixture *f = *state;
    const char *paths[] = {"/", "/static/css/gavel.css", "/m/test-panel/console"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        tc_response g;
        assert_int_equal(get(f->srv.port, paths[i], "Accept-Encoding: gzip\r\n", &g), 200);
        char cl[32], ce[32], et[64], h[64];
        tc_header(g.head, "content-length", cl, sizeof cl);
        tc_header(g.head, "content-encoding", ce, sizeof ce);
        tc_header(g.head, "etag", et, sizeof et);
        tc_response_free(&g);

        tc_conn c = {.fd = tc_connect(f->srv.port)};
        assert_true(c.fd >= 0);
        char req[600];
        int n = snprintf(req, sizeof req,
                         "HEAD %s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
                         "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         paths[i]);
        assert_int_equal(tc_write_all(c.fd, req, (size_t)n), 0);
        tc_response r;
        memset(&r, 0, sizeof r);
        int64_t deadline = tc_now_ms() + 10000;
        assert_int_equal(tc_read_head(&c, &r, deadline), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(tc_header(r.head, "content-length", h, sizeof h), cl);
        assert_string_equal(tc_header(r.head, "content-encoding", h, sizeof h), ce);
        assert_string_equal(tc_header(r.head, "etag", h, sizeof h), et);
        /* What follows the HEAD's headers is the next response, not a body. */
        while (c.len < 12 && tc_fill(&c, deadline) > 0)
            ;
        assert_true(c.len >= 12);
        assert_memory_equal(c.buf, "HTTP/1.1 200", 12);
        tc_response next;
        memset(&next, 0, sizeof next);
        assert_int_equal(tc_read_head(&c, &next, deadline), 0);
        while (!c.eof && tc_fill(&c, deadline) > 0)
            ;
        assert_non_null(strstr(c.buf, "\"ok\":true"));
        tc_conn_close(&c);
    }
    /* HEAD is for the files: the API answers it with 405 and no body either. */
    tc_conn c = {.fd = tc_connect(f->srv.port)};
    assert_true(c.fd >= 0);
    const char req[] = "HEAD /api/v1/meetings/test-panel/snapshot HTTP/1.1\r\nHost: x\r\n"
                       "Connection: close\r\n\r\n";
    assert_int_equal(tc_write_all(c.fd, req, sizeof req - 1), 0);
    tc_response r;
    memset(&r, 0, sizeof r);
    int64_t deadline = tc_now_ms() + 10000;
    assert_int_equal(tc_read_head(&c, &r, deadline), 0);
    assert_int_equal(r.status, 405);
    while (!c.eof && tc_fill(&c, deadline) > 0)
        ;
    assert_true(c.eof);
    assert_int_equal(c.len, 0);
    tc_conn_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gzip_when_accepted, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_etag_and_304, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Writing readers what they are owed (src/server/client_write.c) over real
 * sockets whose buffers hold a few kilobytes on both ends, on a server in
 * process (its loop on a thread of the test), so that the test can shrink
 * the server's own end of each connection.
 *
 * A plain socket is written straight from the frames' bytes; what the socket
 * does not take goes to lws, which writes it before anything else. With
 * buffers this small nearly every write is taken only in part, so every
 * event below passes through that hand-over; the reader then gets every
 * event, whole and in order, over WebSocket and over SSE, plain or gzip.
 */
#define _GNU_SOURCE
#include "support.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "inproc.h"

/* Notes of 4,000 bytes: each event's frame carries the text twice (the event
 * and its patch), about 8 KB, against socket buffers of about 4.5 KB. */
#define NOTES       40
#define NOTE_BYTES  4000
#define TIGHT_BYTES 2048 /* asked for; the kernel doubles it, to its minimum at least */

/* The chair's notes come faster than a person's commands may. */
static void tune(gv_server_config *c, void *ud)
{
    (void)ud;
    c->commands_per_second = 10000;
    c->command_burst = 10000;
}

static int setup(void **state)
{
    return ip_setup_running(state, "client_write", tune);
}

/* A connection to the server with a receive buffer of TIGHT_BYTES. */
static int tight_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int small = TIGHT_BYTES;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* The server's end of the test's connection fd (the same process holds
 * both), found by its peer's address, with its send buffer made
 * TIGHT_BYTES. Returns the send buffer the kernel then gives it. */
static int tighten_server_end(int fd)
{
    struct sockaddr_in mine, peer;
    socklen_t len = sizeof mine;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&mine, &len), 0);
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int found = -1;
    for (struct dirent *e; found < 0 && (e = readdir(d));) {
        int other = atoi(e->d_name);
        len = sizeof peer;
        if (other != fd && e->d_name[0] != '.' &&
            getpeername(other, (struct sockaddr *)&peer, &len) == 0 && peer.sin_family == AF_INET &&
            peer.sin_port == mine.sin_port && peer.sin_addr.s_addr == mine.sin_addr.s_addr)
            found = other;
    }
    closedir(d);
    assert_true(found >= 0);
    int small = TIGHT_BYTES, got = 0;
    len = sizeof got;
    assert_int_equal(setsockopt(found, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    assert_int_equal(getsockopt(found, SOL_SOCKET, SO_SNDBUF, &got, &len), 0);
    return got;
}

/* Note i's text: its number, then a letter of its own repeated. */
static void note_text(int i, char *out)
{
    int n = snprintf(out, NOTE_BYTES + 1, "note %03d ", i);
    memset(out + n, 'a' + i % 26, (size_t)(NOTE_BYTES - n));
    out[NOTE_BYTES] = '\0';
}

/* The chair adds the NOTES notes, each committed before the next. */
static void add_notes(ip_server *x)
{
    char *text = malloc(NOTE_BYTES + 1), *body = malloc(NOTE_BYTES + 100);
    for (int i = 0; i < NOTES; i++) {
        note_text(i, text);
        snprintf(body, NOTE_BYTES + 100, "{\"type\":\"add_note\",\"text\":\"%s\"}", text);
        tc_response r;
        assert_int_equal(tc_post_command(x->port, ip_token(x, "chair"), NULL, body, &r), 200);
        tc_response_free(&r);
    }
    free(text);
    free(body);
}

/* Does the patch (its JSON text) carry note i's text whole? */
static bool patch_has_note(const char *patch, int i)
{
    char want[NOTE_BYTES + 1];
    note_text(i, want);
    return strstr(patch, want) != NULL;
}

/* Checks the event that should be note i's and returns its seq. */
static int64_t check_note(const json_t *ev, int i, int64_t prev_seq)
{
    char want[NOTE_BYTES + 1];
    note_text(i, want);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "note_added");
    assert_string_equal(json_string_value(json_object_get(ev, "text")), want);
    int64_t seq = json_integer_value(json_object_get(ev, "seq"));
    if (prev_seq)
        assert_int_equal(seq, prev_seq + 1);
    return seq;
}

static void test_a_websocket_reader_behind_tight_buffers_gets_every_event_in_order(void **state)
{
    ip_server *x = *state;
    tc_ws ws;
    memset(&ws, 0, sizeof ws);
    ws.answer_pings = true;
    ws.c.fd = tight_connect(x->port);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/meetings/test-panel/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: gavel.v1\r\nAuthorization: Bearer %s\r\n\r\n",
                     ip_token(x, "secretariat"));
    assert_int_equal(tc_write_all(ws.c.fd, req, (size_t)n), 0);
    tc_response head = {0};
    assert_int_equal(tc_read_head(&ws.c, &head, tc_now_ms() + 10000), 0);
    assert_int_equal(head.status, 101);
    tc_response_free(&head);
    int sndbuf = tighten_server_end(ws.c.fd);
    /* Far more than both buffers hold: most writes are taken in part. */
    assert_true(10 * (sndbuf + 2 * TIGHT_BYTES) < NOTES * 2 * NOTE_BYTES);

    add_notes(x); /* while the reader reads nothing */
    int64_t seq = 0;
    int notes = 0;
    while (notes < NOTES) {
        json_t *j = tc_ws_recv_json(&ws, 10000);
        assert_non_null(j);
        const char *type = json_string_value(json_object_get(j, "type"));
        if (strcmp(type, "event") == 0) {
            char *patch = json_dumps(json_object_get(j, "patch"), JSON_COMPACT);
            assert_non_null(patch);
            assert_true(patch_has_note(patch, notes));
            free(patch);
            seq = check_note(json_object_get(j, "event"), notes++, seq);
        } else
            assert_true(strcmp(type, "hello") == 0 || strcmp(type, "snapshot") == 0 ||
                        strcmp(type, "you") == 0);
        json_decref(j);
    }
    tc_ws_close(&ws);
}

/* Inflates what comes on c (a gzip stream) until the text holds note i's
 * text twice, in its patch and in its event, and that event has ended (a
 * write may end inside it). Returns the text (malloc'd,
 * NUL-terminated), its length in *n. */
static char *inflate_until_note(tc_conn *c, z_stream *z, int i, size_t *n)
{
    char want[NOTE_BYTES + 1];
    note_text(i, want);
    size_t cap = 1 << 20;
    char *text = malloc(cap + 1);
    *n = 0;
    int64_t deadline = tc_now_ms() + 10000;
    for (;;) {
        if (c->len) {
            if (cap - *n < 64 * c->len + 4096) {
                cap = 2 * cap + 64 * c->len + 4096;
                text = realloc(text, cap + 1);
            }
            z->next_in = (unsigned char *)c->buf;
            z->avail_in = (uInt)c->len;
            z->next_out = (unsigned char *)text + *n;
            z->avail_out = (uInt)(cap - *n);
            int rc = inflate(z, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                fail_msg("the stream is not gzip: %s", z->msg ? z->msg : "?");
            *n = (size_t)((char *)z->next_out - text);
            text[*n] = '\0';
            tc_consume(c, c->len - z->avail_in);
        }
        const char *first = strstr(text, want);
        const char *second = first ? strstr(first + 1, want) : NULL;
        if (second && strstr(second, "\n\n"))
            return text;
        assert_int_equal(tc_fill(c, deadline), 1);
    }
}

/* An SSE reader (taking gzip or not) behind tight buffers on both ends. */
static void sse_reader_gets_every_event_in_order(ip_server *x, bool gzip)
{
    tc_sse sse;
    memset(&sse, 0, sizeof sse);
    sse.c.fd = tight_connect(x->port);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/meetings/test-panel/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Accept: text/event-stream\r\nAuthorization: Bearer %s\r\n%s\r\n",
                     ip_token(x, "secretariat"), gzip ? "Accept-Encoding: gzip\r\n" : "");
    assert_int_equal(tc_write_all(sse.c.fd, req, (size_t)n), 0);
    assert_int_equal(tc_read_head(&sse.c, &sse.head, tc_now_ms() + 10000), 0);
    assert_int_equal(sse.head.status, 200);
    char enc[32];
    assert_string_equal(tc_header(sse.head.head, "content-encoding", enc, sizeof enc),
                        gzip ? "gzip" : "");
    int sndbuf = tighten_server_end(sse.c.fd);
    assert_true(10 * (sndbuf + 2 * TIGHT_BYTES) < NOTES * 2 * NOTE_BYTES);

    add_notes(x);
    z_stream z = {0};
    if (gzip) {
        /* The whole stream inflated first; the events are then read from
         * its text as from a plain stream that has ended. */
        assert_int_equal(inflateInit2(&z, 31), Z_OK);
        sse.text = inflate_until_note(&sse.c, &z, NOTES - 1, &sse.text_len);
        inflateEnd(&z);
        sse.c.eof = true;
    }
    int64_t seq = 0;
    int notes = 0;
    int patched = 0; /* the patches that carried note `notes` */
    while (notes < NOTES) {
        tc_event e;
        assert_int_equal(tc_sse_next(&sse, 10000, &e), 1);
        if (strcmp(e.name, "message") == 0) {
            json_t *ev = json_loads(e.data, 0, NULL);
            assert_non_null(ev);
            if (strcmp(json_string_value(json_object_get(ev, "type")), "note_added") == 0) {
                assert_int_equal(patched, notes + 1); /* its patch came first */
                seq = check_note(ev, notes++, seq);
                assert_int_equal(atoll(e.id), seq);
            }
            json_decref(ev);
        } else if (strcmp(e.name, "patch") == 0) {
            json_t *p = json_loads(e.data, 0, NULL);
            assert_non_null(p);
            assert_true(patch_has_note(e.data, notes));
            patched++;
            json_decref(p);
        }
        tc_event_free(&e);
    }
    tc_response_free(&sse.head);
    tc_sse_close(&sse);
}

static void test_an_sse_reader_behind_tight_buffers_gets_every_event_in_order(void **state)
{
    sse_reader_gets_every_event_in_order(*state, false);
}

static void test_a_gzip_sse_reader_behind_tight_buffers_gets_every_event_in_order(void **state)
{
    sse_reader_gets_every_event_in_order(*state, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_a_websocket_reader_behind_tight_buffers_gets_every_event_in_order, setup,
            ip_teardown),
        cmocka_unit_test_setup_teardown(
            test_an_sse_reader_behind_tight_buffers_gets_every_event_in_order, setup, ip_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_gzip_sse_reader_behind_tight_buffers_gets_every_event_in_order, setup,
            ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

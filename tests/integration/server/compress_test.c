/*
 * Compression, on the real server: a JSON answer is gzip-compressed when the
 * request takes it and plain otherwise, the same bytes once inflated; a
 * WebSocket that offered permessage-deflate gets its messages compressed,
 * each on its own (a fresh inflater reads every one) when it asked for
 * that, else its events in its view's one deflate stream (one inflater
 * reads them, whenever the reader joined), and may send its commands
 * compressed too; an SSE stream that takes gzip is one gzip stream
 * whose pieces read as the plain stream's events, its events too in its
 * view's one deflate stream (pings included), and which ends, when the
 * server stops, with the trailer zlib checks (CRC-32 and length of all).
 * A view's stream of a transport nobody reads any more is given back
 * (gavel_deflate_streams in /metrics).
 */
#include <zlib.h>

#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    return tc_fixture_setup(state, "compress", NULL);
}

/* A short quiet before a ping: 1 s. */
static int setup_quick_ping(void **state)
{
    return tc_fixture_setup(state, "compress", (const char *const[]){"--idle-timeout", "2", NULL});
}

static char *bearer(fixture *f, const char *role, const char *more)
{
    static char h[400];
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n%s", tc_role_token(&f->srv, role),
             more ? more : "");
    return h;
}

/* data inflated: raw deflate (windowBits -15, with the 00 00 ff ff a
 * WebSocket message leaves out appended) or gzip (31). Fails the test on
 * bad data; the caller frees. */
static char *inflated(const void *data, size_t len, int window_bits, size_t *out_len)
{
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, window_bits), Z_OK);
    size_t cap = 64 * len + 4096, n = 0;
    char *out = malloc(cap + 1);
    static const unsigned char tail[4] = {0, 0, 0xff, 0xff};
    for (int part = 0; part < (window_bits < 0 ? 2 : 1); part++) {
        z.next_in = part ? (unsigned char *)tail : (unsigned char *)data;
        z.avail_in = part ? 4 : (uInt)len;
        z.next_out = (unsigned char *)out + n;
        z.avail_out = (uInt)(cap - n);
        int rc = inflate(&z, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            fail_msg("not deflate data: %s", z.msg ? z.msg : "?");
        n = cap - z.avail_out;
    }
    inflateEnd(&z);
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

static void json_answers_are_gzipped_when_taken(void **state)
{
    fixture *f = *state;
    const char *path = "/api/v1/meetings/test-panel/snapshot";
    tc_response plain, zipped;
    assert_int_equal(
        tc_http(f->srv.port, "GET", path, bearer(f, "chair", NULL), NULL, 0, &plain, 10000), 0);
    assert_int_equal(tc_http(f->srv.port, "GET", path,
                             bearer(f, "chair", "Accept-Encoding: br, gzip;q=0.8\r\n"), NULL, 0,
                             &zipped, 10000),
                     0);
    assert_int_equal(plain.status, 200);
    assert_int_equal(zipped.status, 200);
    char v[64];
    assert_string_equal(tc_header(plain.head, "content-encoding", v, sizeof v), "");
    assert_string_equal(tc_header(plain.head, "vary", v, sizeof v), "accept-encoding");
    assert_string_equal(tc_header(zipped.head, "content-encoding", v, sizeof v), "gzip");
    assert_string_equal(tc_header(zipped.head, "vary", v, sizeof v), "accept-encoding");
    size_t n;
    char *text = inflated(zipped.body, zipped.body_len, 31, &n);
    assert_true(zipped.body_len * 3 < n); /* a state compresses several times over */
    json_t *a = json_loads(plain.body, 0, NULL), *b = json_loads(text, 0, NULL);
    assert_true(json_equal(json_object_get(a, "state"), json_object_get(b, "state")));
    json_decref(a);
    json_decref(b);
    free(text);
    tc_response_free(&plain);
    tc_response_free(&zipped);
    /* A small answer goes as it is. */
    assert_int_equal(tc_http(f->srv.port, "GET", "/healthz", "Accept-Encoding: gzip\r\n", NULL, 0,
                             &plain, 10000),
                     0);
    assert_string_equal(tc_header(plain.head, "content-encoding", v, sizeof v), "");
    tc_response_free(&plain);
}

/* The next WebSocket message, read frame by frame: *compressed says whether
 * RSV1 was set; the text inflated on its own when it was. */
static char *ws_message(tc_ws *ws, bool *compressed)
{
    int64_t deadline = tc_now_ms() + 5000;
    for (;;) {
        unsigned char *b = (unsigned char *)ws->c.buf;
        if (ws->c.len >= 2) {
            uint64_t plen = b[1] & 0x7f;
            size_t hl = plen == 126 ? 4 : plen == 127 ? 10 : 2;
            if (ws->c.len >= hl) {
                if (plen == 126) {
                    plen = ((uint64_t)b[2] << 8) | b[3];
                } else if (plen == 127) {
                    plen = 0;
                    for (int i = 0; i < 8; i++)
                        plen = (plen << 8) | b[2 + i];
                }
                if (ws->c.len >= hl + plen) {
                    assert_true(b[0] & 0x80); /* the server sends each message in one frame */
                    assert_int_equal(b[0] & 0x0f, TC_WS_TEXT);
                    *compressed = b[0] & 0x40;
                    char *m = *compressed ? inflated(b + hl, (size_t)plen, -15, NULL)
                                          : strndup((char *)b + hl, (size_t)plen);
                    tc_consume(&ws->c, hl + (size_t)plen);
                    return m;
                }
            }
        }
        assert_int_equal(tc_fill(&ws->c, deadline), 1);
    }
}

/* len bytes of text deflated on their own (raw deflate, a fresh context),
 * ending with a sync flush, into out (cap bytes); returns their length. */
static size_t deflate_alone(const void *text, size_t len, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)text;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* A client message compressed as RFC 7692 says: deflated, the final
 * 00 00 ff ff left out, RSV1 set, masked. */
static void ws_send_deflated(tc_ws *ws, const char *text)
{
    unsigned char out[512], frame[600];
    size_t n = deflate_alone(text, strlen(text), out, sizeof out) - 4;
    const unsigned char mask[4] = {1, 2, 3, 4};
    frame[0] = 0x80 | 0x40 | TC_WS_TEXT;
    frame[1] = (unsigned char)(0x80 | n);
    memcpy(frame + 2, mask, 4);
    for (size_t i = 0; i < n; i++)
        frame[6 + i] = out[i] ^ mask[i & 3];
    assert_int_equal(tc_write_all(ws->c.fd, frame, 6 + n), 0);
}

#define OFFER "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
#define OFFER_EACH_ALONE                                                                           \
    "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "                   \
    "client_max_window_bits\r\n"

static void websocket_messages_are_deflated_each_on_its_own(void **state)
{
    fixture *f = *state;
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                bearer(f, "chair", OFFER_EACH_ALONE), NULL),
                     101);
    bool z;
    char *hello = ws_message(&ws, &z);
    assert_non_null(strstr(hello, "\"type\":\"hello\""));
    char *snap = ws_message(&ws, &z);
    assert_true(z); /* the state is worth compressing */
    json_t *s = json_loads(snap, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(s, "type")), "snapshot");
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot",
                            tc_role_token(&f->srv, "chair"), &r),
                     200);
    json_t *plain = tc_json(&r);
    assert_true(json_equal(json_object_get(s, "state"), json_object_get(plain, "state")));
    tc_response_free(&r);
    json_decref(plain);
    json_decref(s);
    free(ws_message(&ws, &z)); /* the chair's own part */

    /* A command sent compressed is read; its event comes compressed, with
     * the state's patch; then the acknowledgement. */
    ws_send_deflated(&ws, "{\"type\":\"open_meeting\",\"id\":7}");
    char *ev = ws_message(&ws, &z);
    json_t *e = json_loads(ev, 0, NULL);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "event");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "patch"), "base")), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "event"), "type")),
                        "meeting_opened");
    json_decref(e);
    char *ack = ws_message(&ws, &z);
    assert_non_null(strstr(ack, "\"type\":\"ack\""));
    assert_non_null(strstr(ack, "\"id\":7"));
    free(hello);
    free(snap);
    free(ev);
    free(ack);
    tc_ws_close(&ws);

    /* Without the offer, nothing is compressed. */
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=2",
                                bearer(f, "viewer", NULL), NULL),
                     101);
    free(ws_message(&ws, &z));
    assert_false(z);
    tc_ws_close(&ws);
}

/* One reader of the test: its connection, its inflater (context kept, as a
 * browser's), the seq of the last event it read, and the bytes of its
 * events' frames. */
typedef struct reader {
    tc_ws ws;
    z_stream z;
    int64_t seq;
    size_t event_bytes;
} reader;

/* The next message of r, inflated in r's inflater when compressed. */
static char *reader_message(reader *r)
{
    char *m = NULL;
    int op = tc_ws_recv(&r->ws, 5000, &m, NULL);
    if (op != TC_WS_TEXT)
        fail_msg("no message to read (%d): a compressed one the inflater could not read?", op);
    return m;
}

static void reader_open(fixture *f, reader *r, const char *offer)
{
    memset(r, 0, sizeof *r);
    assert_int_equal(inflateInit2(&r->z, -15), Z_OK);
    assert_int_equal(tc_ws_open(&r->ws, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                bearer(f, "chair", offer), NULL),
                     101);
    r->ws.inflater = &r->z;
    for (int i = 0; i < 3; i++) { /* hello, snapshot, the chair's own part */
        char *m = reader_message(r);
        json_t *j = json_loads(m, 0, NULL);
        assert_non_null(j);
        if (json_object_get(j, "seq"))
            r->seq = json_integer_value(json_object_get(j, "seq"));
        json_decref(j);
        free(m);
    }
}

/* Reads r's messages up to event `until`, each inflated in r's one inflater,
 * and checks each event is the one the plain stream has (plain[seq]); an
 * answer (ack) comes uncompressed once r takes its events in context. */
static void reader_follow(reader *r, int64_t until, char **plain, bool in_context)
{
    while (r->seq < until) {
        char *m = reader_message(r);
        bool z = r->ws.last_compressed;
        json_t *j = json_loads(m, 0, NULL);
        if (!j)
            fail_msg("not JSON once inflated: %.200s", m);
        const char *type = json_string_value(json_object_get(j, "type"));
        if (strcmp(type, "event") == 0) {
            int64_t seq = json_integer_value(json_object_get(json_object_get(j, "event"), "seq"));
            assert_int_equal(seq, r->seq + 1);
            char *canon = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            assert_string_equal(canon, plain[seq]);
            free(canon);
            assert_true(z); /* every event compressed, in context or on its own */
            r->seq = seq;
            r->event_bytes += r->ws.last_wire_bytes;
        } else if (in_context) {
            assert_false(z); /* answers do not disturb the stream's window */
        }
        json_decref(j);
        free(m);
    }
}

/* Browsers keep permessage-deflate's context from one message to the next:
 * the events of a view are compressed once, in one stream, for every reader
 * that follows it. Readers that joined at different times, and one that
 * sends commands between the events, read every event whole with one
 * inflater each; the events take fewer bytes than compressed each alone. */
static void websocket_events_share_the_views_deflate_stream(void **state)
{
    fixture *f = *state;
    char *plain[64] = {0};
    tc_ws p; /* the plain stream: the events as they are */
    assert_int_equal(tc_ws_open(&p, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                bearer(f, "chair", NULL), NULL),
                     101);
    json_decref(tc_ws_recv_json(&p, 5000));
    json_decref(tc_ws_recv_json(&p, 5000));
    json_decref(tc_ws_recv_json(&p, 5000));
    reader early, alone, late;
    reader_open(f, &early, OFFER);
    reader_open(f, &alone, OFFER_EACH_ALONE);
    int64_t last = early.seq;
    for (int i = 0; i < 24; i++) {
        char body[120];
        if (i == 0)
            snprintf(body, sizeof body, "{\"type\":\"open_meeting\",\"id\":0}");
        else
            snprintf(body, sizeof body,
                     "{\"type\":\"add_note\",\"text\":\"note %d, as notes go\",\"id\":%d}", i, i);
        tc_ws_send(&early.ws, body); /* its acks come between its events */
        if (i == 12)
            reader_open(f, &late, OFFER); /* joins in the middle */
        last++;
        while (!plain[last]) {
            json_t *j = tc_ws_recv_json(&p, 5000);
            if (strcmp(json_string_value(json_object_get(j, "type")), "event") == 0) {
                int64_t seq =
                    json_integer_value(json_object_get(json_object_get(j, "event"), "seq"));
                assert_true(seq > 0 && seq < 64);
                plain[seq] = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            }
            json_decref(j);
        }
    }
    reader_follow(&early, last, plain, true);
    reader_follow(&alone, last, plain, false);
    reader_follow(&late, last, plain, true);
    /* Not a speed figure: the point of the stream, fewer bytes for the same events. */
    if (early.event_bytes >= alone.event_bytes)
        fail_msg("events in context %zu bytes, each alone %zu", early.event_bytes,
                 alone.event_bytes);
    reader *all[] = {&early, &alone, &late};
    for (int i = 0; i < 3; i++) {
        inflateEnd(&all[i]->z);
        tc_ws_close(&all[i]->ws);
    }
    tc_ws_close(&p);
    for (int i = 0; i < 64; i++)
        free(plain[i]);
}

/* A reader of an SSE stream that takes gzip: its connection, its one
 * inflater, the text inflated so far and the compressed bytes read. */
typedef struct gz_reader {
    tc_conn c;
    z_stream z;
    char *text;
    size_t n;
    size_t wire;
} gz_reader;

/* Opens the chair's plain SSE stream (no gzip): the events as they are. */
static void plain_open(fixture *f, tc_sse *plain)
{
    assert_int_equal(tc_sse_open(plain, f->srv.port, "/api/v1/meetings/test-panel/events",
                                 bearer(f, "chair", NULL)),
                     200);
}

/* Opens r's stream as role, from the seq `since` names ("" for none). */
static void gz_open(fixture *f, gz_reader *r, const char *role, const char *since)
{
    memset(r, 0, sizeof *r);
    char path[200];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/events%s", since);
    tc_sse s;
    assert_int_equal(
        tc_sse_open(&s, f->srv.port, path, bearer(f, role, "Accept-Encoding: gzip\r\n")), 200);
    char v[64];
    assert_string_equal(tc_header(s.head.head, "content-encoding", v, sizeof v), "gzip");
    r->c = s.c; /* read as gzip here, not as events */
    assert_int_equal(inflateInit2(&r->z, 31), Z_OK);
    r->text = calloc(1, 1);
}

static void gz_close(gz_reader *r)
{
    inflateEnd(&r->z);
    free(r->text);
    tc_conn_close(&r->c);
}

/* Reads r's gzip body until `until` shows in the inflated text from offset
 * `from` on (or, with until NULL, to the end of the stream: the gzip stream
 * must end there, its trailer checked). */
static void gz_until(gz_reader *r, size_t from, const char *until)
{
    int64_t deadline = tc_now_ms() + 10000;
    int rc = Z_OK;
    for (;;) {
        if (r->c.len) {
            r->text = realloc(r->text, r->n + 64 * r->c.len + 4096);
            r->z.next_in = (unsigned char *)r->c.buf;
            r->z.avail_in = (uInt)r->c.len;
            r->z.next_out = (unsigned char *)r->text + r->n;
            r->z.avail_out = (uInt)(64 * r->c.len + 4095);
            rc = inflate(&r->z, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                fail_msg("the stream is not gzip: %s", r->z.msg ? r->z.msg : "?");
            r->n = (size_t)((char *)r->z.next_out - r->text);
            r->text[r->n] = '\0';
            size_t used = r->c.len - r->z.avail_in;
            r->wire += used;
            tc_consume(&r->c, used);
        }
        if (until && strstr(r->text + from, until))
            return;
        if (!until && rc == Z_STREAM_END)
            return;
        int fill = tc_fill(&r->c, deadline);
        if (fill == 0 && !until)
            fail_msg("the stream ended without the gzip trailer");
        assert_int_equal(fill, 1);
    }
}

/* Posts a command as the chair. */
static void chair_posts(fixture *f, const char *body)
{
    tc_response r;
    assert_int_equal(tc_post_command(f->srv.port, tc_role_token(&f->srv, "chair"), NULL, body, &r),
                     200);
    tc_response_free(&r);
}

static void sse_is_one_gzip_stream(void **state)
{
    fixture *f = *state;
    tc_sse plain;
    plain_open(f, &plain);
    gz_reader g;
    gz_open(f, &g, "chair", "");
    gz_until(&g, 0, "event: you\n");
    assert_non_null(strstr(g.text, "event: hello\n"));
    assert_non_null(strstr(g.text, "event: snapshot\nid: 1\n"));
    /* An event: its patch, then the event, as the plain stream has them. */
    chair_posts(f, "{\"type\":\"open_meeting\"}");
    gz_until(&g, 0, "id: 2\ndata: ");
    tc_event e;
    for (int got = 0; got < 2;) {
        assert_int_equal(tc_sse_next(&plain, 5000, &e), 1);
        if (strcmp(e.name, "patch") == 0 || strcmp(e.name, "message") == 0) {
            if (!strstr(g.text, e.data))
                fail_msg("the gzip stream lacks the plain stream's %s: %s", e.name, e.data);
            got++;
        }
        tc_event_free(&e);
    }
    tc_sse_close(&plain);
    /* The server stops: the stream ends, and with it the gzip stream. */
    assert_int_equal(tc_server_stop(&f->srv, SIGTERM), 0);
    gz_until(&g, 0, NULL);
    gz_close(&g);
    /* The teardown stops nothing now: start another server for it. */
    const char *args[] = {"--meeting", "test-panel", NULL};
    assert_int_equal(tc_server_start(&f->srv, f->db, args), 0);
}

/* The bytes of text deflated on its own, as a piece of a gzip stream
 * compressed alone is. */
static size_t deflated_alone(const char *text, size_t len)
{
    unsigned char out[8192];
    return deflate_alone(text, len, out, sizeof out);
}

/* SSE readers that take gzip follow their view's events in one deflate
 * stream too: readers that joined at different times read every event as
 * the plain stream has it, with one inflater each, in fewer bytes than the
 * events compressed each alone; a quiet stream's ping is compressed in the
 * stream, so the event after it still comes in context; and the stream
 * ends with the trailer zlib checks (CRC-32 and length of all it sent). */
static void sse_events_share_the_views_deflate_stream(void **state)
{
    fixture *f = *state;
    tc_sse plain;
    plain_open(f, &plain);
    gz_reader early, late, behind;
    char *texts[48] = {0}; /* the plain stream's patches and events, in order */
    int n_texts = 0;
    gz_open(f, &early, "chair", "");
    gz_until(&early, 0, "event: you\n");
    size_t early_from = early.n, early_wire = early.wire, late_from = 0, alone = 0;
    for (int i = 0; i < 24; i++) {
        char body[120];
        if (i == 0)
            snprintf(body, sizeof body, "{\"type\":\"open_meeting\"}");
        else
            snprintf(body, sizeof body, "{\"type\":\"add_note\",\"text\":\"note %d, as notes go\"}",
                     i);
        if (i == 12) { /* joins in the middle */
            gz_open(f, &late, "chair", "");
            gz_until(&late, 0, "event: you\n");
            late_from = late.n;
        }
        if (i == 18) /* comes back far behind: the events it missed, then the stream */
            gz_open(f, &behind, "chair", "?since=5");
        chair_posts(f, body);
        /* The plain stream's patch and event, each found in both readers' text. */
        tc_event e;
        for (int got = 0; got < 2;) {
            assert_int_equal(tc_sse_next(&plain, 5000, &e), 1);
            if (strcmp(e.name, "patch") == 0 || strcmp(e.name, "message") == 0) {
                gz_until(&early, early_from, e.data);
                if (i >= 12)
                    gz_until(&late, late_from, e.data);
                texts[n_texts++] = strdup(e.data);
                got++;
            }
            tc_event_free(&e);
        }
    }
    /* What the same events take compressed each alone: each event's piece
     * (its patch, then the event) as the reader inflated it. */
    for (char *p = strstr(early.text + early_from, "event: patch\n"), *next; p; p = next) {
        next = strstr(p + 1, "event: patch\n");
        alone += deflated_alone(p, next ? (size_t)(next - p) : strlen(p));
    }
    size_t in_stream = early.wire - early_wire;
    if (in_stream * 2 >= alone)
        fail_msg("24 events in the stream took %zu bytes, each alone %zu", in_stream, alone);
    /* The one far behind read every event after 5 as the plain stream has it
     * (texts holds two for each event from event 2 on). */
    for (int k = 2 * (6 - 2); k < n_texts; k++)
        gz_until(&behind, 0, texts[k]);
    /* Quiet: the ping comes in the stream, to all. The event after it comes
     * in context still: fewer bytes than alone. */
    gz_reader *all[] = {&early, &late, &behind};
    size_t before[3], wire_before[3];
    for (int k = 0; k < 3; k++) {
        gz_until(all[k], all[k]->n, "event: ping\n");
        before[k] = all[k]->n;
        wire_before[k] = all[k]->wire;
    }
    chair_posts(f, "{\"type\":\"add_note\",\"text\":\"note 24, as notes go\"}");
    for (int k = 0; k < 3; k++) {
        gz_until(all[k], before[k], "\"type\":\"note_added\"");
        char *piece = strstr(all[k]->text + before[k], "event: patch\n");
        assert_non_null(piece);
        assert_non_null(strstr(piece, "note 24, as notes go\""));
        size_t piece_alone = deflated_alone(piece, strlen(piece));
        if (all[k]->wire - wire_before[k] >= piece_alone)
            fail_msg("reader %d: the event after a ping took %zu bytes, alone %zu: not in context",
                     k, all[k]->wire - wire_before[k], piece_alone);
    }
    tc_sse_close(&plain);
    /* The server stops: both gzip streams end, their trailers checked. */
    assert_int_equal(tc_server_stop(&f->srv, SIGTERM), 0);
    for (int k = 0; k < 3; k++) {
        gz_until(all[k], 0, NULL);
        gz_close(all[k]);
    }
    for (int k = 0; k < n_texts; k++)
        free(texts[k]);
    const char *again[] = {"--meeting", "test-panel", NULL};
    assert_int_equal(tc_server_start(&f->srv, f->db, again), 0);
}

/* The value of a gauge of /metrics ("gavel_connections{transport=\"sse\"}"). */
static long gauge(fixture *f, const char *name)
{
    double v = tc_metric(f->srv.port, name);
    if (v < 0)
        fail_msg("no %s in /metrics", name);
    return (long)v;
}

/* Waits until the gauge reads want (10 s at most). */
static void gauge_until(fixture *f, const char *line, long want)
{
    int64_t deadline = tc_now_ms() + 10000;
    long v;
    while ((v = gauge(f, line)) != want && tc_now_ms() < deadline)
        tc_sleep_ms(20);
    if (v != want)
        fail_msg("%s is %ld, not %ld", line, v, want);
}

#define WS_STREAMS  "gavel_deflate_streams{transport=\"websocket\"}"
#define SSE_STREAMS "gavel_deflate_streams{transport=\"sse\"}"

/* A note posted by the chair, read by both readers of the chair's view. */
static void note_read(fixture *f, reader *ws, gz_reader *sse, int i)
{
    char body[80], text[40];
    snprintf(text, sizeof text, "note %d, for both", i);
    snprintf(body, sizeof body, "{\"type\":\"add_note\",\"text\":\"%s\"}", text);
    size_t from = sse->n;
    chair_posts(f, body);
    gz_until(sse, from, text);
    for (bool seen = !ws; !seen;) {
        char *m = reader_message(ws);
        seen = strstr(m, text) && strstr(m, "\"type\":\"event\"");
        free(m);
    }
}

/* Each view keeps a deflate stream per transport while a reader that takes
 * it remains: a view whose WebSocket readers all left gives its WebSocket
 * stream back at the next event, while its gzip SSE readers keep theirs;
 * once those left too, a plain SSE reader keeps nothing, from the next
 * event on. */
static void a_transport_nobody_reads_gives_its_stream_back(void **state)
{
    fixture *f = *state;
    reader ws;
    gz_reader sse;
    tc_sse plain;
    plain_open(f, &plain);
    reader_open(f, &ws, OFFER);
    gz_open(f, &sse, "chair", "");
    gz_until(&sse, 0, "event: you\n");
    chair_posts(f, "{\"type\":\"open_meeting\"}");
    note_read(f, &ws, &sse, 1);
    note_read(f, &ws, &sse, 2);
    assert_int_equal(gauge(f, WS_STREAMS), 1);
    assert_int_equal(gauge(f, SSE_STREAMS), 1);

    tc_ws_close(&ws.ws);
    inflateEnd(&ws.z);
    gauge_until(f, "gavel_connections{transport=\"websocket\"}", 0);
    note_read(f, NULL, &sse, 3);
    assert_int_equal(gauge(f, WS_STREAMS), 0);
    assert_int_equal(gauge(f, SSE_STREAMS), 1);

    gz_close(&sse);
    gauge_until(f, "gavel_connections{transport=\"sse\"}", 1);
    chair_posts(f, "{\"type\":\"add_note\",\"text\":\"note 4, plain\"}");
    tc_event e;
    for (bool seen = false; !seen; tc_event_free(&e)) {
        assert_int_equal(tc_sse_next(&plain, 5000, &e), 1);
        seen = strstr(e.data, "note 4, plain") != NULL;
    }
    assert_int_equal(gauge(f, SSE_STREAMS), 0);
    tc_sse_close(&plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(json_answers_are_gzipped_when_taken, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(websocket_events_share_the_views_deflate_stream, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(websocket_messages_are_deflated_each_on_its_own, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(sse_is_one_gzip_stream, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(a_transport_nobody_reads_gives_its_stream_back, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(sse_events_share_the_views_deflate_stream, setup_quick_ping,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

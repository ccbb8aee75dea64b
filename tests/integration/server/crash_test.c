/*
 * What stopping does to the record. SIGKILL in the middle of a burst of
 * commands: every command the server acknowledged is in the log after a
 * restart, with its own text at the seq the acknowledgement named, and the
 * log verifies. SIGTERM: the server finishes what it committed, answers or
 * refuses (busy) what it read, closes every stream (WebSocket 1001) and exits
 * 0, and the log holds exactly the acknowledged commands.
 */
#include "support.h"

#include "server_client.h"

#define N_WRITERS  4
#define PER_WRITER 2000

typedef struct fixture {
    char dir[128];
    char db[256];
    tc_server srv;
} fixture;

static const char *const fast[] = {"--commands-per-second",
                                   "100000",
                                   "--command-burst",
                                   "100000",
                                   "--meeting",
                                   "test-panel",
                                   NULL};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tc_tempdir(f->dir, sizeof f->dir, "crash");
    snprintf(f->db, sizeof f->db, "%s/gavel.db", f->dir);
    if (tc_make_db(f->db) < 0)
        return tc_setup_failed(f, f->dir);
    if (tc_server_start(&f->srv, f->db, fast) < 0)
        return tc_setup_failed(f, f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->srv.pid)
        tc_server_stop(&f->srv, SIGKILL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* What one writer sent and what was acknowledged: seq per request, 0 if none. */
typedef struct writer {
    const char *role, *as, *type;
    tc_ws ws;
    int sent;
    int64_t acked_seq[PER_WRITER];
    int acks, busy;
    bool closed_1001;
} writer;

static void open_writer(fixture *f, writer *w)
{
    char extra[128], path[160];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, w->role));
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/ws%s%s", w->as ? "?as=" : "",
             w->as ? w->as : "");
    assert_int_equal(tc_ws_open(&w->ws, f->srv.port, path, extra, NULL), 101);
    json_decref(tc_ws_until(&w->ws, "snapshot", 5000, NULL, NULL));
}

static void send_next(writer *w, int index)
{
    char body[200];
    if (strcmp(w->type, "ask_question") == 0)
        snprintf(body, sizeof body, "{\"type\":\"ask_question\",\"text\":\"%s-%d\",\"id\":%d}",
                 w->as ? w->as : w->role, w->sent, w->sent);
    else
        snprintf(body, sizeof body, "{\"type\":\"add_note\",\"text\":\"%s-%d\",\"id\":%d}", w->role,
                 w->sent, w->sent);
    (void)index;
    tc_ws_send(&w->ws, body);
    w->sent++;
}

/* Reads what the writer has within wait_ms: 1 while open, 0 once closed. */
static int read_writer(writer *w, int wait_ms)
{
    for (int first = 1;; first = 0) {
        char *m = NULL;
        int op = tc_ws_recv(&w->ws, first ? wait_ms : 0, &m, NULL);
        if (op == TC_WS_CLOSE) {
            w->closed_1001 = w->ws.close_code == 1001;
            free(m);
            return 0;
        }
        if (op == 0)
            return 0;
        if (op != TC_WS_TEXT)
            return 1;
        json_error_t jerr;
        json_t *j = json_loads(m, 0, &jerr);
        free(m);
        const char *type = json_string_value(json_object_get(j, "type"));
        json_t *id = json_object_get(j, "id");
        if (type && strcmp(type, "ack") == 0 && json_is_integer(id) &&
            json_integer_value(id) >= 0 && json_integer_value(id) < PER_WRITER) {
            w->acked_seq[json_integer_value(id)] =
                json_integer_value(json_object_get(j, "last_seq"));
            w->acks++;
        } else if (type && strcmp(type, "error") == 0) {
            const char *code = json_string_value(json_object_get(j, "code"));
            if (!code || strcmp(code, "busy") != 0)
                fail_msg("unexpected error: %s", json_string_value(json_object_get(j, "message")));
            w->busy++;
        }
        json_decref(j);
    }
}

/* The stored events of the meeting, by seq (texts only). */
typedef struct stored {
    char **text; /** by seq; NULL for events without a text */
    int64_t n;
} stored;

static int on_stored(void *ud, const gv_stored_event *ev)
{
    stored *s = ud;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, &jerr);
    s->text = realloc(s->text, (size_t)(ev->seq + 1) * sizeof *s->text);
    for (int64_t i = s->n + 1; i < ev->seq; i++)
        s->text[i] = NULL;
    if (s->n == 0)
        s->text[0] = NULL;
    const char *t = json_string_value(json_object_get(j, "text"));
    s->text[ev->seq] = t ? strdup(t) : NULL;
    s->n = ev->seq;
    json_decref(j);
    return 0;
}

static void read_log(const char *db, stored *s)
{
    gv_error err = {0};
    memset(s, 0, sizeof *s);
    gv_store *st = gv_store_open(db, GV_STORE_READONLY, &err);
    assert_non_null(st);
    assert_int_equal(gv_store_read(st, "test-panel", 0, on_stored, s, &err), 0);
    gv_store_close(st);
}

static void free_log(stored *s)
{
    for (int64_t i = 0; i <= s->n; i++)
        free(s->text[i]);
    free(s->text);
}

/* Every acknowledged command is in the log with its own text at its seq. */
static int check_acked(writer *w, const stored *s)
{
    int n = 0;
    for (int i = 0; i < w->sent; i++) {
        int64_t seq = w->acked_seq[i];
        if (!seq)
            continue;
        char want[64];
        snprintf(want, sizeof want, "%s-%d", w->as ? w->as : w->role, i);
        if (seq > s->n || !s->text[seq] || strcmp(s->text[seq], want) != 0)
            fail_msg("acknowledged %s (seq %lld) is not in the log", want, (long long)seq);
        n++;
    }
    return n;
}

static void test_sigkill_during_burst(void **state)
{
    fixture *f = *state;
    writer w[N_WRITERS] = {
        {.role = "chair", .type = "add_note"},
        {.role = "moderator", .type = "add_note"},
        {.role = "rapporteur", .type = "add_note"},
        {.role = "participant", .as = "p1", .type = "ask_question"},
    };
    for (int i = 0; i < N_WRITERS; i++)
        open_writer(f, &w[i]);
    /* Send in waves and keep sending; kill once 400 are acknowledged, so that
     * many more are in flight, queued or half-committed at that moment. */
    int total_acks = 0;
    while (total_acks < 400) {
        for (int i = 0; i < N_WRITERS; i++)
            for (int k = 0; k < 5 && w[i].sent < PER_WRITER; k++)
                send_next(&w[i], k);
        total_acks = 0;
        for (int i = 0; i < N_WRITERS; i++) {
            read_writer(&w[i], 1);
            total_acks += w[i].acks;
        }
        assert_true(w[0].sent < PER_WRITER);
    }
    kill(f->srv.pid, SIGKILL);
    int status;
    waitpid(f->srv.pid, &status, 0);
    f->srv.pid = 0;
    fclose(f->srv.out);
    f->srv.out = NULL;
    assert_true(WIFSIGNALED(status));
    /* Acknowledgements already on their way count too: read to the end. */
    for (int i = 0; i < N_WRITERS; i++)
        while (read_writer(&w[i], 2000))
            ;
    stored s;
    read_log(f->db, &s);
    int checked = 0, sent = 0;
    for (int i = 0; i < N_WRITERS; i++) {
        checked += check_acked(&w[i], &s);
        sent += w[i].sent;
        tc_ws_close(&w[i].ws);
    }
    assert_true(checked >= 400);
    /* How many were still in flight at the kill depends on the machine's speed
     * (none when the server keeps up), so it is reported, not asserted. */
    printf("sigkill_during_burst: %d sent, %d acknowledged and found in the log\n", sent, checked);
    int64_t head = s.n;
    free_log(&s);
    /* The log verifies, and a restarted server serves it whole. */
    const char *verify[] = {"verify", "--db", f->db, "--meeting", "test-panel", NULL};
    assert_int_equal(tc_gavel(NULL, verify), 0);
    assert_int_equal(tc_server_start(&f->srv, f->db, fast), 0);
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot",
                            tc_role_token(&f->srv, "viewer"), &r),
                     200);
    json_t *j = tc_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), head);
    json_decref(j);
    tc_response_free(&r);
    int st = tc_server_stop(&f->srv, SIGTERM);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_sigterm_is_clean(void **state)
{
    fixture *f = *state;
    writer w[2] = {{.role = "chair", .type = "add_note"},
                   {.role = "participant", .as = "p2", .type = "ask_question"}};
    for (int i = 0; i < 2; i++)
        open_writer(f, &w[i]);
    tc_sse viewer;
    char extra[128];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, "viewer"));
    assert_int_equal(tc_sse_open(&viewer, f->srv.port, "/api/v1/meetings/test-panel/events", extra),
                     200);
    for (int k = 0; k < 150; k++)
        for (int i = 0; i < 2; i++)
            send_next(&w[i], k);
    /* Stop once the first acknowledgement is in: the rest are in flight, queued
     * or not yet read. */
    while (w[0].acks + w[1].acks == 0)
        for (int i = 0; i < 2; i++)
            assert_int_equal(read_writer(&w[i], 5), 1);
    kill(f->srv.pid, SIGTERM);
    for (int i = 0; i < 2; i++)
        while (read_writer(&w[i], 5000))
            ;
    int status = tc_server_stop(&f->srv, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* Every stream was closed by the server, cleanly. */
    for (int i = 0; i < 2; i++)
        assert_true(w[i].closed_1001);
    tc_event e;
    int r;
    while ((r = tc_sse_next(&viewer, 5000, &e)) == 1)
        tc_event_free(&e);
    assert_int_equal(r, 0); /* end of stream, not a timeout */
    tc_sse_close(&viewer);
    /* The log holds exactly what was acknowledged. */
    stored s;
    read_log(f->db, &s);
    int acked = 0;
    for (int i = 0; i < 2; i++) {
        acked += check_acked(&w[i], &s);
        tc_ws_close(&w[i].ws);
    }
    int with_text = 0;
    for (int64_t q = 1; q <= s.n; q++)
        with_text += s.text[q] != NULL;
    assert_int_equal(with_text, acked);
    assert_true(acked > 0);
    free_log(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_during_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_is_clean, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Rooms (src/server/room.c) in process, over the server's real SQLite store
 * with failures forced on its writer (gv_store_fail_next). The test thread
 * is the loop: it sends commands through gv__room_command and hands the
 * writer's completions back with gv__storage_poll (ip_settle). Clients have
 * no connection; what they are owed is read from their queues and the
 * room's ring.
 *
 *   - a command's events reach the ring as the bytes the store holds, and
 *     its acknowledgement waits for them;
 *   - a failed commit is an error naming its cause, with the command's id;
 *     the room refuses nothing after it rebuilt its state;
 *   - a batch behind a failed one is "busy", not a conflict;
 *   - an HTTP command's answer carries its events;
 *   - a log that fails replay's checks does not load;
 *   - a reader resumes from the ring while it holds its position, else gets
 *     a snapshot;
 *   - out of memory anywhere on the way back from a commit (fault_alloc.h)
 *     loses no event: the sender gets the acknowledgement of the seq it
 *     got, readers are cut off to fetch a snapshot or read the event, and
 *     the room loads itself again from the store and takes the next
 *     command.
 */
#include "support.h"

#include "fault_alloc.h"
#include "inproc.h"
#include "server/room.h"
#include "store/replay.h"

static void tune(gv_server_config *c, void *ud)
{
    (void)ud;
    c->max_lag_events = 3;
}

static int setup(void **state)
{
    return ip_setup(state, "room", tune);
}

static gv__room *room(ip_server *x)
{
    gv__room *r = NULL;
    gv_error err;
    assert_int_equal(gv__room_get(x->s, "test-panel", &r, &err), 0);
    return r;
}

/* A client acting as person, following r from its current seq. */
static gv__client *follower(ip_server *x, gv__room *r, const char *person)
{
    gv__client *c = gv__client_new(x->s, GV__CLIENT_WS, NULL);
    assert_non_null(c);
    c->grant.kind = GV__GRANT_PERSON;
    snprintf(c->grant.subject, sizeof c->grant.subject, "%s", person);
    snprintf(c->actor, sizeof c->actor, "%s", person);
    c->view = gv__grant_view(r, &c->grant);
    gv_error err;
    assert_int_equal(gv__client_subscribe(c, r, r->seq, &err), 0);
    return c;
}

/* Sends command (JSON text) as c (the writer's answer comes with ip_settle). */
static void send_cmd(gv__room *r, gv__client *c, const char *text)
{
    json_t *cmd = json_loads(text, 0, NULL);
    assert_non_null(cmd);
    gv__room_command(r, c, cmd, json_object_get(cmd, "id"));
    json_decref(cmd);
}

/* The n-th (from 0) acknowledgement or error c is owed, parsed (new
 * reference); its own parts ("you") are passed over. */
static json_t *owed(const gv__client *c, unsigned n, int64_t *after_seq)
{
    for (unsigned i = 0; i < c->q_len; i++) {
        const gv__direct *d = &c->q[(c->q_head + i) % GV__DIRECT_MAX];
        json_t *j = json_loadb((const char *)d->frame->payload, d->frame->len, 0, NULL);
        assert_non_null(j);
        const char *t = json_string_value(json_object_get(j, "type"));
        if ((strcmp(t, "ack") == 0 || strcmp(t, "error") == 0) && n-- == 0) {
            if (after_seq)
                *after_seq = d->after_seq;
            return j;
        }
        json_decref(j);
    }
    fail_msg("fewer answers owed than asked for");
    return NULL;
}

typedef struct stored {
    int64_t seq;
    char *bytes;
} stored;

static int keep(void *ud, const gv_stored_event *ev)
{
    stored *s = ud;
    if (ev->seq == s->seq)
        s->bytes = strndup((const char *)ev->bytes, ev->len);
    return 0;
}

static void test_events_travel_as_stored_and_the_ack_follows_them(void **state)
{
    ip_server *x = *state;
    gv__room *r = room(x);
    gv__client *c = follower(x, r, "chair");
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"caf\\u00e9  au lait\",\"id\":7}");
    ip_settle(x);
    assert_int_equal(r->seq, 2);
    int64_t after;
    json_t *ack = owed(c, 0, &after);
    assert_string_equal(json_string_value(json_object_get(ack, "type")), "ack");
    assert_int_equal(json_integer_value(json_object_get(ack, "id")), 7);
    assert_int_equal(json_integer_value(json_object_get(ack, "last_seq")), 2);
    assert_int_equal(after, 2); /* written only once event 2 is */
    json_decref(ack);

    /* The frames end with the event's bytes as the store holds them (after
     * the state's patch, which comes first). */
    stored s = {.seq = 2};
    gv_error err;
    assert_int_equal(gv_store_read(gv__storage_reader(x->s), "test-panel", 1, keep, &s, &err), 0);
    assert_non_null(s.bytes);
    char want[1024];
    snprintf(want, sizeof want, "\"event\":%s}", s.bytes);
    gv__frame *f = gv__room_event_frame(r, 2, GV__CLIENT_WS, GV_VIEW_FULL);
    assert_non_null(f);
    assert_true(f->len > strlen(want));
    assert_memory_equal(f->payload + f->len - strlen(want), want, strlen(want));
    snprintf(want, sizeof want, "id: 2\ndata: %s\n\n", s.bytes);
    f = gv__room_event_frame(r, 2, GV__CLIENT_SSE, GV_VIEW_FULL);
    assert_true(f->len >= strlen(want));
    assert_memory_equal(f->payload + f->len - strlen(want), want, strlen(want));
    free(s.bytes);
    gv__client_gone(c);
}

static void test_a_failed_commit_says_why_and_the_room_recovers(void **state)
{
    ip_server *x = *state;
    gv__room *r = room(x);
    gv__client *c = follower(x, r, "chair");
    gv_store_fail_next(gv__storage_writer_store(x->s), GV_STORE_FAULT_COMMIT, 0, 1, GV_EFULL);
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"lost\",\"id\":\"a\"}");
    ip_settle(x);
    assert_int_equal(r->seq, 1);
    assert_false(r->broken); /* rebuilt once nothing was in flight */
    json_t *e = owed(c, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "disk_full");
    assert_string_equal(json_string_value(json_object_get(e, "id")), "a");
    assert_non_null(
        strstr(json_string_value(json_object_get(e, "message")), "could not be stored"));
    json_decref(e);
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"kept\",\"id\":\"b\"}");
    ip_settle(x);
    assert_int_equal(r->seq, 2);
    json_t *ack = owed(c, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(ack, "type")), "ack");
    assert_string_equal(json_string_value(json_object_get(ack, "id")), "b");
    json_decref(ack);
    gv_meeting *replayed = NULL;
    gv_error err;
    assert_int_equal(gv_replay(gv__storage_reader(x->s), "test-panel", &replayed, &err), 0);
    assert_int_equal(gv_meeting_seq(replayed), 2);
    gv_meeting_free(replayed);
    gv__client_gone(c);
}

static void test_a_batch_behind_a_failed_one_is_busy(void **state)
{
    ip_server *x = *state;
    gv__room *r = room(x);
    gv__client *c = follower(x, r, "chair");
    gv_store_fail_next(gv__storage_writer_store(x->s), GV_STORE_FAULT_WRITE, 0, 1, GV_EIO);
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"one\",\"id\":1}");
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"two\",\"id\":2}");
    ip_settle(x);
    assert_int_equal(r->seq, 1);
    json_t *first = owed(c, 0, NULL), *second = owed(c, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(first, "code")), "io_error");
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 1);
    /* Not a conflict of the meeting's: it was not stored because of the
     * first; sending it again works. */
    assert_string_equal(json_string_value(json_object_get(second, "code")), "busy");
    assert_int_equal(json_integer_value(json_object_get(second, "id")), 2);
    json_decref(first);
    json_decref(second);
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"two\",\"id\":3}");
    ip_settle(x);
    assert_int_equal(r->seq, 2);
    gv__client_gone(c);
}

static void test_an_http_command_is_answered_with_its_events(void **state)
{
    ip_server *x = *state;
    gv__room *r = room(x);
    gv__client *c = gv__client_new(x->s, GV__CLIENT_HTTP_CMD, NULL);
    c->room = r;
    snprintf(c->actor, sizeof c->actor, "chair");
    send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"over HTTP\",\"id\":\"h\"}");
    assert_null(c->http_body); /* not before the commit */
    ip_settle(x);
    assert_int_equal(c->http_status, 200);
    json_t *j = json_loads(c->http_body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "h");
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "text")), "over HTTP");
    json_decref(j);
    /* An answer that cannot be made is still an answer: a fixed 500. */
    gv__client_answer(c, 200, NULL);
    assert_true(c->http_failed);
    gv__client_unref(c);
}

static void test_a_log_that_fails_replay_does_not_load(void **state)
{
    ip_server *x = *state;
    gv_error err;
    gv_store *st = gv_store_open(x->db, 0, &err);
    assert_non_null(st);
    /* The definition event of the test meeting, stored with a space too many:
     * what the hash chain cannot see, replay refuses (not canonical). */
    json_t *def = json_loads(gvt_definition_json, 0, NULL), *first = NULL;
    gv_meeting *m = gv_meeting_from_definition(def, 1648700000000LL, &first, &err);
    char *canon = gv_event_canonical(first), bytes[16384];
    snprintf(bytes, sizeof bytes, "%.*s ,\"x\":1}", (int)strlen(canon) - 1, canon);
    gv_event_in in = {.seq = 1,
                      .type = "meeting_defined",
                      .at_ms = 1648700000000LL,
                      .bytes = (const unsigned char *)bytes,
                      .len = strlen(bytes)};
    assert_int_equal(gv_store_create_meeting(st, "bad", &in, 1, &err), 0);
    gv_store_close(st);
    free(canon);
    json_decref(first);
    json_decref(def);
    gv_meeting_free(m);
    gv__room *r = NULL;
    assert_int_equal(gv__room_get(x->s, "bad", &r, &err), GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "event 1"));
    assert_null(r);
}

static void test_a_reader_resumes_from_the_ring_or_gets_a_snapshot(void **state)
{
    ip_server *x = *state;
    gv__room *r = room(x);
    gv__client *chair = follower(x, r, "chair");
    for (int i = 0; i < 4; i++)
        send_cmd(r, chair, "{\"type\":\"add_note\",\"text\":\"n\"}");
    ip_settle(x);
    assert_int_equal(r->seq, 5); /* the ring holds 3..5 */
    gv_error err;
    gv__client *near = gv__client_new(x->s, GV__CLIENT_SSE, NULL),
               *far = gv__client_new(x->s, GV__CLIENT_SSE, NULL);
    assert_int_equal(gv__client_subscribe(near, r, 2, &err), 0);
    assert_int_equal(near->cursor, 2);
    assert_int_equal(near->q_len, 0); /* events 3, 4, 5 come from the ring */
    assert_int_equal(gv__client_subscribe(far, r, 1, &err), 0);
    assert_int_equal(far->cursor, 5);
    assert_int_equal(far->q_len, 1);
    assert_non_null(strstr((const char *)far->q[far->q_head].frame->payload, "event: snapshot"));
    gv__client_gone(near);
    gv__client_gone(far);
    gv__client_gone(chair);
}

typedef struct note_count {
    const char *text;
    int n;
} note_count;

static int count_note(void *ud, const gv_stored_event *ev)
{
    note_count *nc = ud;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, NULL);
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *text = json_string_value(json_object_get(j, "text"));
    nc->n += type && strcmp(type, "note_added") == 0 && text && strcmp(text, nc->text) == 0;
    json_decref(j);
    return 0;
}

static int stored_notes(ip_server *x, const char *meeting, const char *text)
{
    note_count nc = {.text = text};
    gv_error err;
    assert_int_equal(gv_store_read(gv__storage_reader(x->s), meeting, 0, count_note, &nc, &err), 0);
    return nc.n;
}

/* A new meeting like the test meeting, named id, loaded in its room: each
 * run of the OOM test starts from the same meeting, so the allocations of
 * its path do not grow from run to run. */
static gv__room *fresh_room(ip_server *x, const char *id)
{
    json_t *def = json_loads(gvt_definition_json, 0, NULL), *first = NULL;
    json_object_set_new(json_object_get(def, "meeting"), "id", json_string(id));
    gv_error err;
    gv_meeting *m = gv_meeting_from_definition(def, 1648700000000LL, &first, &err);
    if (!m || gv__storage_create(x->s, m, first, &err) < 0)
        fail_msg("meeting %s: %s", id, err.msg);
    json_decref(first);
    json_decref(def);
    gv_meeting_free(m);
    gv__room *r = NULL;
    assert_int_equal(gv__room_get(x->s, id, &r, &err), 0);
    return r;
}

/*
 * What the sender of command `id`, whose event was stored at `seq`, was
 * told: "ack" (an acknowledgement of first_seq = last_seq = seq), "stored"
 * (out_of_memory with its id, saying events seq to seq were stored: the
 * acknowledgement itself could not be made), else what it was told instead
 * ("nothing" when no answer is in its queue).
 */
static const char *told(const gv__client *c, json_int_t id, int64_t seq)
{
    static char what[GV_ERROR_MSG_MAX + 64];
    snprintf(what, sizeof what, "nothing");
    char stored_msg[128];
    snprintf(stored_msg, sizeof stored_msg, "was stored (events %lld to %lld)", (long long)seq,
             (long long)seq);
    for (unsigned i = 0; i < c->q_len; i++) {
        const gv__direct *d = &c->q[(c->q_head + i) % GV__DIRECT_MAX];
        json_error_t je;
        json_t *j = json_loadb((const char *)d->frame->payload, d->frame->len, 0, &je);
        if (!j)
            fail_msg("a message owed is not JSON (%s): %.*s", je.text, (int)d->frame->len,
                     (const char *)d->frame->payload);
        const char *t = json_string_value(json_object_get(j, "type"));
        const char *m = json_string_value(json_object_get(j, "message"));
        json_t *its = json_object_get(j, "id");
        bool mine = its && json_integer_value(its) == id;
        if (mine && strcmp(t, "ack") == 0 &&
            json_integer_value(json_object_get(j, "first_seq")) == seq &&
            json_integer_value(json_object_get(j, "last_seq")) == seq)
            snprintf(what, sizeof what, "ack");
        else if (mine && strcmp(t, "error") == 0 && m && strstr(m, stored_msg))
            snprintf(what, sizeof what, "stored");
        else if (mine)
            snprintf(what, sizeof what, "%.*s", (int)d->frame->len,
                     (const char *)d->frame->payload);
        json_decref(j);
        if (strcmp(what, "nothing") != 0)
            break;
    }
    return what;
}

/* A reader that was not cut off can read event seq, and it is the note. */
static void reads_or_was_cut(gv__room *r, const gv__client *c, int64_t seq, const char *text,
                             long k)
{
    if (c->state == GV__RESYNC)
        return;
    gv__frame *f = gv__room_event_frame(r, seq, c->kind, c->view);
    char want[64];
    snprintf(want, sizeof want, "\"text\":\"%s\"", text);
    char *payload = f ? strndup((const char *)f->payload, f->len) : NULL;
    bool found = payload && strstr(payload, want);
    free(payload);
    if (!found)
        fail_msg("allocation %ld failed: a reader that was not cut off cannot read event %lld "
                 "(%s)",
                 k, (long long)seq, f ? "another event's frame" : "no frame");
}

/* What an HTTP sender whose events were stored at seq was answered, as told. */
static const char *told_http(const gv__client *h, int64_t seq)
{
    static char what[GV_ERROR_MSG_MAX + 64];
    json_t *j = h->http_body ? json_loads(h->http_body, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    char stored_msg[128];
    snprintf(stored_msg, sizeof stored_msg, "was stored (events %lld to %lld)", (long long)seq,
             (long long)seq);
    if (h->http_status == 200 && json_integer_value(json_object_get(j, "first_seq")) == seq &&
        json_integer_value(json_object_get(j, "last_seq")) == seq)
        snprintf(what, sizeof what, "ack");
    else if (m && strstr(m, stored_msg))
        snprintf(what, sizeof what, "stored");
    else
        snprintf(what, sizeof what, "%d %s", h->http_status,
                 h->http_body ? h->http_body : "without a body");
    json_decref(j);
    return what;
}

/*
 * Out of memory on the way back from a commit: each allocation the loop
 * makes there (applying the events to the state, their frames, the bus,
 * the acknowledgements, the settle that patches and writes the readers)
 * fails in turn, once. Two commands are in flight, one over a WebSocket
 * and one over HTTP, so that a batch also completes while the room waits
 * to load itself again. Whichever allocation fails, each note is stored
 * exactly once; each sender gets the acknowledgement of the seq its note
 * got (or, when that is what could not be made, an error saying those
 * events were stored); a reader either reads the events or is cut off to
 * fetch a snapshot; and the room, with `state` and `ahead` equal to a
 * fresh load of the store, takes the next command.
 *
 * Against room.c before it loaded itself again from the store, allocation
 * 0 (applying the first note to the state) failed it: the sender was
 * refused ("the server could not apply this command's events") although
 * its note was stored, and the room, behind the store, refused the next
 * command. With the readers cut off as a slow reader is, dropping what
 * they were owed (gv__client_cut_keeping_answers doing what
 * gv__client_cut does), it fails at allocation 0 too: the sender, a reader
 * as well, is told nothing.
 */
static void test_out_of_memory_after_a_commit_loses_nothing(void **state)
{
    ip_server *x = *state;
    fa_init();
    bool failed = true;
    long k;
    int acked = 0, cut = 0;
    /* Every allocation; one in four under the sanitizers, where each run
     * costs several times as much (support.h, GVT_SANITIZED). */
    for (k = 0; failed && k < 5000; k += GVT_SANITIZED ? 4 : 1) {
        char id[32], text[32], text2[32], cmd[128];
        snprintf(id, sizeof id, "oom-%ld", k);
        gv__room *r = fresh_room(x, id);
        int64_t seq = r->seq + 1;
        gv__client *c = follower(x, r, "chair");
        gv__client *reader = gv__client_new(x->s, GV__CLIENT_SSE, NULL);
        gv_error err;
        assert_int_equal(gv__client_subscribe(reader, r, r->seq, &err), 0);
        gv__client *h = gv__client_new(x->s, GV__CLIENT_HTTP_CMD, NULL);
        h->room = r;
        snprintf(h->actor, sizeof h->actor, "chair");
        snprintf(text, sizeof text, "n%ld", k);
        snprintf(cmd, sizeof cmd, "{\"type\":\"add_note\",\"text\":\"%s\",\"id\":%ld}", text, k);
        send_cmd(r, c, cmd);
        snprintf(text2, sizeof text2, "h%ld", k);
        snprintf(cmd, sizeof cmd, "{\"type\":\"add_note\",\"text\":\"%s\"}", text2);
        send_cmd(r, h, cmd);
        assert_string_equal(told(c, k, seq), "nothing"); /* not before the commit */
        fa_arm(pthread_self(), k);
        ip_settle(x);
        failed = fa_disarm();
        if (stored_notes(x, id, text) != 1 || stored_notes(x, id, text2) != 1)
            fail_msg("allocation %ld failed: the notes stored %d and %d times", k,
                     stored_notes(x, id, text), stored_notes(x, id, text2));
        const char *what = told(c, k, seq);
        if (strcmp(what, "ack") != 0 && strcmp(what, "stored") != 0)
            fail_msg("allocation %ld failed: the sender, whose note was stored at %lld, was "
                     "told %s",
                     k, (long long)seq, what);
        acked += strcmp(what, "ack") == 0;
        what = told_http(h, seq + 1);
        if (strcmp(what, "ack") != 0 && strcmp(what, "stored") != 0)
            fail_msg("allocation %ld failed: the HTTP sender, whose note was stored at %lld, "
                     "was answered %s",
                     k, (long long)seq + 1, what);
        reads_or_was_cut(r, reader, seq, text, k);
        reads_or_was_cut(r, reader, seq + 1, text2, k);
        cut += reader->state == GV__RESYNC;
        gv__client_gone(c);
        gv__client_gone(reader);
        gv__client_unref(h);
        /* The room holds what the store holds, and goes on. */
        gv_meeting *loaded = NULL;
        gv_load_info info;
        assert_int_equal(gv_load(gv__storage_reader(x->s), id, &loaded, &info, &err), 0);
        assert_int_equal(gv_meeting_seq(loaded), r->seq);
        char *a = gvt_state(loaded), *b = gvt_state(r->state), *ahead = gvt_state(r->ahead);
        if (strcmp(a, b) != 0 || strcmp(a, ahead) != 0)
            fail_msg("after allocation %ld failed, the room's %s is not the store's", k,
                     strcmp(a, b) != 0 ? "state" : "ahead");
        free(a);
        free(b);
        free(ahead);
        gv_meeting_free(loaded);
        c = follower(x, r, "chair");
        send_cmd(r, c, "{\"type\":\"add_note\",\"text\":\"after\",\"id\":-1}");
        ip_settle(x);
        if (strcmp(told(c, -1, seq + 2), "ack") != 0)
            fail_msg("after allocation %ld failed, the next command is told %s", k,
                     told(c, -1, seq + 2));
        gv__client_gone(c);
    }
    printf("# the way back from a commit: allocations 0 to %ld failed in turn; the WebSocket "
           "sender acknowledged %d times, told its events were stored otherwise; the reader cut "
           "off %d times\n",
           k - 1, acked, cut);
    assert_false(failed);
    assert_true(k > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events_travel_as_stored_and_the_ack_follows_them,
                                        setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_commit_says_why_and_the_room_recovers, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_behind_a_failed_one_is_busy, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_an_http_command_is_answered_with_its_events, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_log_that_fails_replay_does_not_load, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_reader_resumes_from_the_ring_or_gets_a_snapshot,
                                        setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_after_a_commit_loses_nothing, setup,
                                        ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

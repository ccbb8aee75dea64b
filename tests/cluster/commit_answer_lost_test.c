/*
 * A command whose COMMIT lost its answer (docs/deployment.md, "What each
 * part's failure does to the meeting"): the connection to PostgreSQL is cut
 * after the node sent its COMMIT, by a proxy between them
 * (tests/support/pg_cut.h), at that exact moment rather than whenever a
 * signal lands.
 *
 * - The COMMIT was made and only its answer lost: the node reads the log
 *   once connected again, finds its events there, and acknowledges the
 *   command with the seq they have. Answering `unavailable` would be a lie
 *   that makes a client without a client command id send it again, and
 *   have it done twice (shown by the build before this test's fix: 503).
 * - The COMMIT never reached the database: the node finds its events are
 *   not in the log and refuses the command as `unavailable` (retryable);
 *   sent again, it is done once.
 * In both, the log holds each command once, and the node's state is the
 * log's.
 */
#include "support.h"

#include "cluster.h"
#include "pg_cut.h"
#include "store/store.h"

#define PATH "/api/v1/meetings/test-panel"

typedef struct fixture {
    pgfx pg;
    pgcut cut;
    char uri[300]; /** the database through the proxy */
    tc_server node;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || pgfx_start(&f->pg) < 0)
        goto fail;
    if (tc_make_db(f->pg.uri) < 0)
        goto fail;
    const char *port = strrchr(f->pg.uri, ':');
    if (!port || pgcut_start(&f->cut, atoi(port + 1)) < 0)
        goto fail;
    snprintf(f->uri, sizeof f->uri, "%.*s:%d%s", (int)(port - f->pg.uri), f->pg.uri, f->cut.port,
             strchr(port, '/'));
    const char *args[] = {"--meeting", "test-panel", NULL};
    if (tc_server_start(&f->node, f->uri, args) < 0)
        goto fail;
    *state = f;
    return 0;
fail:
    fprintf(stderr, "commit_answer_lost: set-up failed\n");
    if (f)
        pgfx_stop(&f->pg);
    free(f);
    return -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int status = tc_server_stop(&f->node, SIGTERM);
    pgcut_stop(&f->cut);
    pgfx_stop(&f->pg);
    free(f);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

typedef struct found {
    const char *text;
    int count;
    int64_t seq; /** of the last one found */
    int64_t last;
} found;

static int count_one(void *ud, const gv_stored_event *ev)
{
    found *x = ud;
    x->last = ev->seq;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, NULL);
    const char *text = json_string_value(json_object_get(j, "text"));
    if (text && strcmp(text, x->text) == 0) {
        x->count++;
        x->seq = ev->seq;
    }
    json_decref(j);
    return 0;
}

/* How many events of the log (read past the proxy) carry `text`; the last
 * one's seq in *seq, the log's last seq in *last. */
static int in_log(fixture *f, const char *text, int64_t *seq, int64_t *last)
{
    gv_error err;
    found x = {.text = text};
    gv_store *st = gv_store_open(f->pg.uri, GV_STORE_READONLY, &err);
    assert_non_null(st);
    assert_int_equal(gv_store_read(st, "test-panel", 0, count_one, &x, &err), 0);
    gv_store_close(st);
    if (seq)
        *seq = x.seq;
    if (last)
        *last = x.last;
    return x.count;
}

/* Asks a question without a client command id; the HTTP status, the
 * answer's first_seq (200) or error code (else). */
static int ask(fixture *f, const char *text, int64_t *first, char *code, size_t code_size)
{
    tc_response r;
    char body[200];
    snprintf(body, sizeof body, "{\"type\":\"ask_question\",\"text\":\"%s\"}", text);
    int status =
        tc_post_command(f->node.port, tc_role_token(&f->node, "participant"), "?as=p1", body, &r);
    json_t *j = tc_json(&r);
    *first = json_integer_value(json_object_get(j, "first_seq"));
    const char *c = json_string_value(json_object_get(j, "code"));
    snprintf(code, code_size, "%s", c ? c : "");
    if (status != 200)
        fprintf(stderr, "\"%s\": %d %s\n", text, status, r.body ? r.body : "");
    json_decref(j);
    tc_response_free(&r);
    return status;
}

/* The node's state ends where the log ends (its readers have what is stored). */
static void node_has_the_log(fixture *f)
{
    int64_t last = 0;
    in_log(f, "", NULL, &last);
    int64_t seq = 0;
    for (int64_t deadline = tc_now_ms() + 10000; tc_now_ms() < deadline;) {
        if ((seq = tc_server_seq(&f->node)) == last)
            break;
        tc_sleep_ms(50);
    }
    assert_int_equal(seq, last);
}

static void test_a_commit_made_but_unanswered_is_acknowledged_with_its_seq(void **state)
{
    fixture *f = *state;
    int64_t first, seq;
    char code[64];
    assert_int_equal(ask(f, "Before the cut", &first, code, sizeof code), 200);

    atomic_store(&f->cut.mode, PGCUT_LOSE_ANSWER);
    int status = ask(f, "Committed, answer lost", &first, code, sizeof code);
    assert_int_equal(atomic_load(&f->cut.fired), 1);
    /* The log has it once: the truth is that it was stored, and where. */
    assert_int_equal(in_log(f, "Committed, answer lost", &seq, NULL), 1);
    if (status != 200)
        fail_msg("the command is in the log at seq %lld but was answered %d (%s)", (long long)seq,
                 status, code);
    assert_int_equal(first, seq);
    node_has_the_log(f);

    /* The node goes on as before. */
    assert_int_equal(ask(f, "After the cut", &first, code, sizeof code), 200);
    assert_int_equal(in_log(f, "After the cut", &seq, NULL), 1);
    assert_int_equal(first, seq);
    node_has_the_log(f);
}

static void test_a_commit_that_never_arrived_is_refused_as_unavailable(void **state)
{
    fixture *f = *state;
    int64_t first, seq;
    char code[64];
    atomic_store(&f->cut.mode, PGCUT_DROP_COMMIT);
    int fired = atomic_load(&f->cut.fired);
    assert_int_equal(ask(f, "Never committed", &first, code, sizeof code), 503);
    assert_int_equal(atomic_load(&f->cut.fired), fired + 1);
    assert_string_equal(code, "unavailable");
    assert_int_equal(in_log(f, "Never committed", NULL, NULL), 0);
    node_has_the_log(f);
    /* Sent again, it is done once. */
    assert_int_equal(ask(f, "Never committed", &first, code, sizeof code), 200);
    assert_int_equal(in_log(f, "Never committed", &seq, NULL), 1);
    assert_int_equal(first, seq);
    node_has_the_log(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_commit_made_but_unanswered_is_acknowledged_with_its_seq),
        cmocka_unit_test(test_a_commit_that_never_arrived_is_refused_as_unavailable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

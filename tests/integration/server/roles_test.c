/*
 * Every command, sent by every role over the wire, is allowed or refused
 * exactly as the core decides. The test keeps a mirror of the meeting (the
 * fold of the acknowledged events), asks gv_meeting_decide what the server
 * should answer before each command, and compares: the HTTP status and error
 * code on refusal, the events (types and seqs) on success. Viewers are
 * refused everything, and a refused command leaves the log as it was.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

static int setup(void **state)
{
    /* Role links are shared by several senders here: lift the per-link rate. */
    const char *extra[] = {"--commands-per-second", "10000", "--command-burst", "10000", NULL};
    return tc_fixture_setup(state, "roles", extra);
}

/* Who sends: the role link and, for shared roles, the person. */
typedef struct sender {
    const char *role;
    const char *person; /** NULL for the viewer */
    const char *as;     /** ?as= for role links held by several people */
} sender;

static const sender senders[] = {
    {"chair", "chair", NULL},    {"moderator", "mod", NULL},   {"secretariat", "sec", NULL},
    {"rapporteur", "rap", NULL}, {"panelist", "pan1", "pan1"}, {"participant", "p1", "p1"},
    {"participant", "p2", "p2"}, {"viewer", NULL, NULL},
};
#define N_SENDERS (sizeof senders / sizeof senders[0])

/* Ids made by events so far, to fill the templates. */
typedef struct ids {
    long long request, speech, question, other_question, note;
} ids;

static void track(ids *k, const json_t *events)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const char *t = json_string_value(json_object_get(ev, "type"));
        long long seq = json_integer_value(json_object_get(ev, "seq"));
        if (strcmp(t, "floor_requested") == 0)
            k->request = seq;
        else if (strcmp(t, "floor_given") == 0)
            k->speech = seq;
        else if (strcmp(t, "question_asked") == 0) {
            k->other_question = k->question;
            k->question = seq;
        } else if (strcmp(t, "note_added") == 0)
            k->note = seq;
    }
}

/* Every command of docs/protocol.md, in an order that lets most of them
 * succeed for someone. %R request, %S speech, %Q question, %O another
 * question, %N note. */
static const char *const templates[] = {
    "{\"type\":\"check_in\"}",
    "{\"type\":\"join\"}",
    "{\"type\":\"open_meeting\"}",
    "{\"type\":\"start_item\",\"item\":\"discussion\"}",
    "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}",
    "{\"type\":\"add_note\",\"text\":\"a note\",\"guiding_question\":\"gq1\"}",
    "{\"type\":\"amend_note\",\"note\":%N,\"text\":\"amended\"}",
    "{\"type\":\"request_floor\",\"kind\":\"intervention\",\"guiding_question\":\"gq1\"}",
    "{\"type\":\"move_request\",\"request\":%R,\"position\":1}",
    "{\"type\":\"move_to_top\",\"request\":%R}",
    "{\"type\":\"withdraw\",\"request\":%R}",
    "{\"type\":\"request_floor\",\"kind\":\"question\",\"to\":\"pan1\"}",
    "{\"type\":\"decline\",\"request\":%R,\"reason\":\"off topic\"}",
    "{\"type\":\"undo_list_change\"}",
    "{\"type\":\"insert_speaker\",\"person\":\"p3\",\"position\":0}",
    "{\"type\":\"close_list\"}",
    "{\"type\":\"reopen_list\"}",
    "{\"type\":\"set_segments\",\"floor_ms\":60000,\"replies_ms\":30000}",
    "{\"type\":\"set_budget\",\"by\":\"group\",\"key\":\"member_state\",\"budget_ms\":600000}",
    "{\"type\":\"add_budget_time\",\"by\":\"group\",\"key\":\"member_state\",\"added_ms\":60000}",
    "{\"type\":\"next_speaker\"}",
    "{\"type\":\"pause_speech\"}",
    "{\"type\":\"resume_speech\"}",
    "{\"type\":\"extend_speech\",\"added_ms\":30000}",
    "{\"type\":\"set_speech_limit\",\"limit_ms\":300000,\"warning_ms\":240000}",
    "{\"type\":\"end_speech\"}",
    "{\"type\":\"give_floor\",\"person\":\"p4\",\"limit_ms\":60000}",
    "{\"type\":\"end_speech\"}",
    "{\"type\":\"readd_last_speaker\"}",
    "{\"type\":\"set_autopilot\",\"on\":true}",
    "{\"type\":\"set_autopilot\",\"on\":false}",
    "{\"type\":\"ask_question\",\"text\":\"Why?\",\"guiding_question\":\"gq1\"}",
    "{\"type\":\"ask_question\",\"text\":\"How?\",\"anonymous\":true,\"to\":\"pan2\"}",
    "{\"type\":\"approve_question\",\"question\":%Q}",
    "{\"type\":\"upvote\",\"question\":%Q}",
    "{\"type\":\"unvote\",\"question\":%Q}",
    "{\"type\":\"upvote\",\"question\":%Q}",
    "{\"type\":\"link_question\",\"question\":%Q,\"guiding_question\":\"gq2\"}",
    "{\"type\":\"merge_question\",\"question\":%O,\"into\":%Q}",
    "{\"type\":\"mark_answered\",\"question\":%Q}",
    "{\"type\":\"dismiss_question\",\"question\":%Q}",
    "{\"type\":\"leave\"}",
    "{\"type\":\"end_item\"}",
    "{\"type\":\"close_meeting\"}",
};

static void fill(const char *tpl, const ids *k, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = tpl; *p && n + 24 < size; p++) {
        if (*p == '%' && p[1]) {
            long long v = p[1] == 'R'   ? k->request
                          : p[1] == 'S' ? k->speech
                          : p[1] == 'Q' ? k->question
                          : p[1] == 'O' ? k->other_question
                                        : k->note;
            n += (size_t)snprintf(out + n, size - n, "%lld", v ? v : 999);
            p++;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

static int on_stored(void *ud, const gv_stored_event *ev)
{
    gv_meeting *m = ud;
    json_error_t jerr;
    gv_error err = {0};
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, &jerr);
    int rc = j ? gv_meeting_apply(m, j, &err) : -1;
    json_decref(j);
    return rc;
}

static void test_every_command_by_every_role(void **state)
{
    fixture *f = *state;
    gv_error err = {0};
    gv_meeting *mirror = gv_meeting_new();
    gv_store *st = gv_store_open(f->db, GV_STORE_READONLY, &err);
    assert_non_null(st);
    assert_int_equal(gv_store_read(st, "test-panel", 0, on_stored, mirror, &err), 0);
    ids k = {0};
    int allowed = 0, refused = 0;
    json_t *succeeded = json_object(); /* command types allowed at least once */
    for (size_t t = 0; t < sizeof templates / sizeof templates[0]; t++) {
        for (size_t s = 0; s < N_SENDERS; s++) {
            char body[512], path[200], extra[128];
            fill(templates[t], &k, body, sizeof body);
            const sender *who = &senders[s];
            snprintf(path, sizeof path, "/api/v1/meetings/test-panel/commands%s%s",
                     who->as ? "?as=" : "", who->as ? who->as : "");
            snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n",
                     tc_role_token(&f->srv, who->role));

            /* What the core says, on the mirror, now. */
            json_error_t jerr;
            json_t *cmd = json_loads(body, 0, &jerr);
            char type[40];
            snprintf(type, sizeof type, "%s", json_string_value(json_object_get(cmd, "type")));
            json_t *expect_events = NULL;
            gv_error_clear(&err);
            int expect = who->person ? gv_meeting_decide(mirror, cmd, who->person, tc_wall_ms(),
                                                         &expect_events, &err)
                                     : GV_EPERM;
            json_decref(cmd);

            tc_response r;
            assert_int_equal(
                tc_http(f->srv.port, "POST", path, extra, body, strlen(body), &r, 10000), 0);
            json_t *j = tc_json(&r);
            if (expect == 0) {
                if (r.status != 200)
                    fail_msg("%s as %s: core allows, server says %d %s", body, who->role, r.status,
                             r.body);
                json_t *events = json_object_get(j, "events");
                assert_int_equal(json_array_size(events), json_array_size(expect_events));
                for (size_t i = 0; i < json_array_size(events); i++) {
                    json_t *got = json_array_get(events, i),
                           *want = json_array_get(expect_events, i);
                    assert_string_equal(json_string_value(json_object_get(got, "type")),
                                        json_string_value(json_object_get(want, "type")));
                    assert_int_equal(json_integer_value(json_object_get(got, "seq")),
                                     json_integer_value(json_object_get(want, "seq")));
                    if (gv_meeting_apply(mirror, got, &err) < 0)
                        fail_msg("server event does not fold on the mirror: %s", err.msg);
                }
                track(&k, events);
                allowed++;
                json_object_set_new(succeeded, type, json_true());
            } else {
                if (r.status == 200)
                    fail_msg("%s as %s: core refuses (%s), server allowed", body, who->role,
                             gv_error_name(expect));
                const char *code = json_string_value(json_object_get(j, "code"));
                if (!code || strcmp(code, gv_error_name(expect)) != 0)
                    fail_msg("%s as %s: core says %s, server %s", body, who->role,
                             gv_error_name(expect), r.body);
                refused++;
            }
            json_decref(j);
            json_decref(expect_events);
            tc_response_free(&r);
        }
    }
    /* Both outcomes happened many times, and the log is the mirror. */
    assert_true(refused >= 100);
    /* Every one of the 39 commands was allowed for someone at some point. */
    assert_int_equal(json_object_size(succeeded), 39);
    json_decref(succeeded);
    gv_meeting *stored = gv_meeting_new();
    assert_int_equal(gv_store_read(st, "test-panel", 0, on_stored, stored, &err), 0);
    char *a = gvt_state(mirror), *b = gvt_state(stored);
    assert_string_equal(a, b);
    free(a);
    free(b);
    gv_meeting_free(stored);
    gv_meeting_free(mirror);
    gv_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_command_by_every_role, setup,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The fold is a pure function of the stored log: for thousands of random
 * command sequences, the state reached live (decide, store, apply) equals,
 * byte for byte as JSON, the state replayed from a real SQLite database
 * (gv_replay). Also: decide never changes the state, refused or not, and every
 * event decide makes applies. Snapshots: a meeting restored from a snapshot
 * taken at a random step (core/snapshot.h) decides every later command
 * exactly as the live one, and ends in the same state; loaded from the store
 * (gv_load: that snapshot stored midway, then the events after it) it
 * equals the live state too (one sequence in ten, to keep the commits few).
 *
 * Commands are drawn from every command type with plausible and implausible
 * fields (ids that exist and ids that do not), from random senders, at
 * non-decreasing random times, so most paths of every module are exercised.
 */
#include <unistd.h>

#include "support.h"

#include "core/meeting_internal.h"
#include "core/snapshot.h"
#include "store/replay.h"
#include "store/store.h"

/* A quarter of them under the sanitizers (support.h). */
#define SEQUENCES GVT_CASES(1000)
#define STEPS     120

static uint64_t rng_state;
/* Event types the run produced, to show the generator reaches most paths. */
static json_t *kinds_seen;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

static const char *const items[] = {"opening",  "panel",   "discussion",
                                    "un-round", "closing", "nope"};
static const char *const kinds[] = {"intervention", "question", "point_of_order", "reply", "shout"};
static const char *const gqs[] = {"gq1", "gq2", "gq9"};

/* A random id among those the meeting has made so far (or a wrong one). */
static long long some_id(int64_t seq)
{
    return rnd(10) == 0 ? 999999 : (long long)(1 + rnd((uint32_t)seq));
}

/* The fields each command takes, with holes: %I item, %R request, %Q question,
 * %N note, %P person, %K kind, %G guiding question, %D duration, %B bool. */
static const struct {
    const char *type;
    const char *fields;
} shapes[] = {
    {"open_meeting", ""},
    {"start_item", "\"item\": %I"},
    {"start_item", "\"item\": %I"},
    {"end_item", ""},
    {"close_meeting", ""},
    {"set_guiding_question", "\"guiding_question\": %G"},
    {"check_in", ""},
    {"join", "\"person\": %P"},
    {"leave", ""},
    {"add_note", "\"text\": \"note\", \"guiding_question\": %G"},
    {"amend_note", "\"note\": %N, \"text\": \"amended\""},
    {"request_floor", "\"kind\": %K, \"guiding_question\": %G"},
    {"request_floor", ""},
    {"request_floor", "\"language\": \"ar\""},
    {"withdraw", ""},
    {"decline", "\"request\": %R"},
    {"move_request", "\"request\": %R, \"position\": %n"},
    {"move_to_top", "\"request\": %R"},
    {"insert_speaker", "\"person\": %P"},
    {"give_floor", "\"request\": %R"},
    {"give_floor", "\"person\": %P"},
    {"next_speaker", ""},
    {"close_list", ""},
    {"reopen_list", ""},
    {"undo_list_change", ""},
    {"set_segments", "\"floor_ms\": %D, \"replies_ms\": %D"},
    {"set_budget", "\"by\": \"group\", \"key\": \"member_state\", \"budget_ms\": %D"},
    {"add_budget_time", "\"by\": \"group\", \"key\": \"member_state\", \"added_ms\": %D"},
    {"readd_last_speaker", ""},
    {"set_autopilot", "\"on\": %B"},
    {"pause_speech", ""},
    {"resume_speech", ""},
    {"extend_speech", "\"added_ms\": %D"},
    {"set_speech_limit", "\"limit_ms\": %D, \"warning_ms\": 30000"},
    {"end_speech", ""},
    {"end_speech", ""},
    {"ask_question", "\"text\": \"why?\""},
    {"upvote", "\"question\": %Q"},
    {"unvote", "\"question\": %Q"},
    {"approve_question", "\"question\": %Q"},
    {"dismiss_question", "\"question\": %Q"},
    {"mark_answered", "\"question\": %Q"},
    {"merge_question", "\"question\": %Q, \"into\": %Q"},
    {"link_question", "\"question\": %Q, \"guiding_question\": %G"},
    {"inscribe", "\"item\": %I, \"kind\": %K"},
    {"inscribe", "\"item\": %I, \"level\": \"minister\""},
    {"inscribe", "\"item\": %I, \"language\": \"zh-Hans\""},
    {"inscribe_speaker", "\"item\": %I, \"person\": %P, \"position\": %n"},
    {"withdraw_inscription", "\"request\": %R"},
    {"move_inscription", "\"request\": %R, \"position\": %n"},
    {"swap_inscriptions", "\"request\": %R, \"with\": %R"},
    {"set_speaker_level", "\"request\": %R, \"level\": \"head_of_state\""},
    {"set_inscription", "\"item\": %I, \"opens_at_ms\": 0"},
    {"withdraw_note", "\"note\": %N"},
    {"draft_summary", ""},
    {"edit_summary", "\"section\": \"key_messages\", \"text\": \"edited\", \"base\": %n"},
    {"approve_summary", "\"version\": %n"},
    {"reopen_summary", ""},
    {"attach_statement",
     "\"item\": %I, \"hash\": "
     "\"2222222222222222222222222222222222222222222222222222222222222222\", "
     "\"media_type\": \"text/plain\", \"size_bytes\": 7, \"file_name\": \"s.txt\""},
    {"attach_statement",
     "\"person\": %P, \"hash\": "
     "\"3333333333333333333333333333333333333333333333333333333333333333\", "
     "\"media_type\": \"application/pdf\", \"size_bytes\": 9, \"file_name\": \"s.pdf\""},
    {"withdraw_statement", "\"statement\": %N"},
    {"bogus_command", ""},
};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

/* Writes one random command into buf. */
static void random_command(const gv_meeting *m, char *buf, size_t size)
{
    int64_t seq = gv_meeting_seq(m);
    size_t k = rnd(N_SHAPES);
    /* Closing the meeting ends the sequence's interest: make it rare. */
    while (strcmp(shapes[k].type, "close_meeting") == 0 && rnd(20) != 0)
        k = rnd(N_SHAPES);
    int n = snprintf(buf, size, "{\"type\": \"%s\"", shapes[k].type);
    if (shapes[k].fields[0])
        n += snprintf(buf + n, size - (size_t)n, ", ");
    for (const char *p = shapes[k].fields; *p && (size_t)n + 64 < size; p++) {
        if (*p != '%') {
            buf[n++] = *p;
            continue;
        }
        switch (*++p) {
        case 'I':
            n += snprintf(buf + n, size - (size_t)n, "\"%s\"", items[rnd(6)]);
            break;
        case 'G':
            n += snprintf(buf + n, size - (size_t)n, "\"%s\"", gqs[rnd(3)]);
            break;
        case 'K':
            n += snprintf(buf + n, size - (size_t)n, "\"%s\"", kinds[rnd(5)]);
            break;
        case 'P':
            n += snprintf(buf + n, size - (size_t)n, "\"%s\"", gvt_people[rnd(GVT_N_PEOPLE)]);
            break;
        case 'B':
            n += snprintf(buf + n, size - (size_t)n, "%s", rnd(2) ? "true" : "false");
            break;
        case 'D':
            n += snprintf(buf + n, size - (size_t)n, "%u", 1000 + rnd(600000));
            break;
        case 'n':
            n += snprintf(buf + n, size - (size_t)n, "%u", rnd(6));
            break;
        default:
            n += snprintf(buf + n, size - (size_t)n, "%lld", some_id(seq));
            break;
        }
    }
    snprintf(buf + n, size - (size_t)n, "}");
}

/* The sender: presiding officers more often, so the meeting moves on. */
static const char *random_sender(void)
{
    return rnd(3) == 0 ? (rnd(2) ? "chair" : "mod") : gvt_people[rnd(GVT_N_PEOPLE)];
}

/* Stores events [from, to) of one sequence as one atomic append (one fsync). */
static void store_events(gv_store *st, const char *id, const json_t *all, size_t from, size_t to)
{
    json_t *events = json_array();
    for (size_t i = from; i < to; i++)
        json_array_append(events, json_array_get(all, i));
    size_t n = json_array_size(events);
    gv_event_in *in = calloc(n + 1, sizeof *in);
    char **bytes = calloc(n + 1, sizeof *bytes);
    gv_error err;
    assert_non_null(in);
    assert_non_null(bytes);
    for (size_t i = 0; i < n; i++) {
        const json_t *ev = json_array_get(events, i);
        bytes[i] = gv_event_canonical(ev);
        in[i] = (gv_event_in){.seq = json_integer_value(json_object_get(ev, "seq")),
                              .type = json_string_value(json_object_get(ev, "type")),
                              .at_ms = json_integer_value(json_object_get(ev, "at_ms")),
                              .bytes = (const unsigned char *)bytes[i],
                              .len = strlen(bytes[i])};
    }
    if (gv_store_append(st, id, in, n, &err) < 0)
        fail_msg("append to %s: %s", id, err.msg);
    for (size_t i = 0; i < n; i++)
        free(bytes[i]);
    free(bytes);
    free(in);
    json_decref(events);
}

/* A new meeting restored from a snapshot of m. */
static gv_meeting *restored(const gv_meeting *m)
{
    gv_error err;
    gv_meeting *twin = NULL;
    json_t *snap = gv_meeting_snapshot(m);
    assert_non_null(snap);
    if (gv_meeting_restore(snap, &twin, &err) < 0)
        fail_msg("restore at seq %lld: %s", (long long)gv_meeting_seq(m), err.msg);
    json_decref(snap);
    return twin;
}

static char *refusal(int rc, const gv_error *err)
{
    char buf[GV_ERROR_MSG_MAX + 16];
    snprintf(buf, sizeof buf, "%s %s", gv_error_name(rc), err->msg);
    return strdup(buf);
}

/* What a meeting decides for a command: its events' bytes, or the refusal. */
static char *decision(const gv_meeting *m, const json_t *cmd, const char *sender, int64_t t,
                      json_t **events)
{
    gv_error err;
    int rc = gv_meeting_decide(m, cmd, sender, t, events, &err);
    return rc < 0 ? refusal(rc, &err) : gv_event_canonical(*events);
}

/* Creates the meeting `id` in the store with the fixture's definition event. */
static void create_meeting(gv_store *st, const char *id)
{
    gv_error err;
    json_t *def = json_loads(gvt_definition_json, 0, NULL);
    gv_meeting *empty = gv_meeting_new();
    json_t *ev = gv_meeting_define(empty, def, GVT_T0 - 3600000, &err);
    assert_non_null(ev);
    char *bytes = gv_event_canonical(ev);
    gv_event_in in = {.seq = 1,
                      .type = "meeting_defined",
                      .at_ms = GVT_T0 - 3600000,
                      .bytes = (const unsigned char *)bytes,
                      .len = strlen(bytes)};
    if (gv_store_create_meeting(st, id, &in, 1, &err) < 0)
        fail_msg("create %s: %s", id, err.msg);
    free(bytes);
    json_decref(ev);
    json_decref(def);
    gv_meeting_free(empty);
}

static void one_sequence(gv_store *st, unsigned seed, size_t *accepted)
{
    rng_state = seed;
    gv_meeting *live = gvt_meeting();
    char id[32];
    snprintf(id, sizeof id, "seed-%u", seed);
    create_meeting(st, id);
    int64_t t = GVT_T0;
    gv_error err;
    json_t *log = json_array();
    int twin_step = STEPS / 4 + (int)rnd(STEPS / 2);
    gv_meeting *twin = NULL, *at_twin = NULL;
    size_t twin_log = 0;
    for (int step = 0; step < STEPS; step++) {
        if (step == twin_step) {
            twin = restored(live);
            at_twin = seed % 10 == 0 ? restored(live) : NULL;
            twin_log = json_array_size(log);
        }
        char text[1024];
        if (step == 0)
            snprintf(text, sizeof text, "{\"type\": \"open_meeting\"}");
        else
            random_command(live, text, sizeof text);
        json_t *cmd = json_loads(text, 0, NULL);
        if (!cmd)
            fail_msg("generator made bad JSON: %s", text);
        t += rnd(4) == 0 ? 0 : rnd(240000);
        /* decide must not change the state: checked on one step in four, to keep the run short. */
        char *before = step % 4 == 0 ? gvt_state(live) : NULL;
        json_t *events = NULL;
        const char *sender = step == 0 ? "chair" : random_sender();
        int rc = gv_meeting_decide(live, cmd, sender, t, &events, &err);
        if (getenv("GV_TRACE"))
            printf("%s %s -> %s %s\n", sender, text, gv_error_name(rc), rc ? err.msg : "");
        if (twin) {
            json_t *tev = NULL;
            char *want = rc == 0 ? gv_event_canonical(events) : refusal(rc, &err);
            char *got = decision(twin, cmd, sender, t, &tev);
            if (strcmp(want, got) != 0)
                fail_msg("seed %u step %d: the restored meeting decides %s otherwise:\n%s\n%s",
                         seed, step, text, got, want);
            for (size_t i = 0; i < json_array_size(tev); i++)
                assert_int_equal(gv_meeting_apply(twin, json_array_get(tev, i), &err), 0);
            json_decref(tev);
            free(want);
            free(got);
        }
        if (before) {
            char *after = gvt_state(live);
            assert_string_equal(before, after);
            free(before);
            free(after);
        }
        for (size_t i = 0; rc == 0 && i < json_array_size(events); i++) {
            json_t *ev = json_array_get(events, i);
            if (gv_meeting_apply(live, ev, &err) < 0)
                fail_msg("seed %u step %d: event of %s does not apply: %s", seed, step, text,
                         err.msg);
            json_object_set(kinds_seen, json_string_value(json_object_get(ev, "type")),
                            json_true());
            json_array_append(log, ev);
            (*accepted)++;
        }
        json_decref(events);
        json_decref(cmd);
    }
    /* One sequence in ten: the log up to the twin's step, its snapshot,
     * then the rest (three commits); the others in one. */
    bool with_snapshot = seed % 10 == 0;
    store_events(st, id, log, 0, with_snapshot ? twin_log : json_array_size(log));
    if (with_snapshot && gv_snapshot_store(st, id, at_twin, &err) < 0)
        fail_msg("seed %u: snapshot: %s", seed, err.msg);
    if (with_snapshot)
        store_events(st, id, log, twin_log, json_array_size(log));
    json_decref(log);
    gv_meeting *replayed = NULL, *loaded = NULL;
    gv_load_info info;
    if (gv_replay(st, id, &replayed, &err) < 0)
        fail_msg("seed %u: replay fails: %s", seed, err.msg);
    if (gv_load(st, id, &loaded, &info, &err) < 0)
        fail_msg("seed %u: load fails: %s", seed, err.msg);
    assert_int_equal(info.snapshot_seq, with_snapshot ? gv_meeting_seq(at_twin) : 0);
    assert_string_equal(info.skipped, "");
    char *a = gvt_state(live), *b = gvt_state(replayed), *c = gvt_state(twin),
         *d = gvt_state(loaded);
    if (strcmp(a, b) != 0)
        fail_msg("seed %u: replayed state differs from the live state:\nlive:   %s\nreplay: %s",
                 seed, a, b);
    if (strcmp(a, c) != 0 || strcmp(a, d) != 0) {
        fprintf(stderr, "live: %s\nrestored: %s\nloaded: %s\n", a, c, d);
        fail_msg("seed %u: a meeting restored from a snapshot ends elsewhere (above)", seed);
    }
    free(a);
    free(b);
    free(c);
    free(d);
    gv_meeting_free(replayed);
    gv_meeting_free(loaded);
    gv_meeting_free(twin);
    gv_meeting_free(at_twin);
    gv_meeting_free(live);
}

static void replay_equals_live(void **state)
{
    (void)state;
    size_t accepted = 0;
    /* The fold is what is tested here, not the disk: in memory when the
     * machine has a tmpfs, so a thousand commits do not wait for fsyncs. */
    char path[] = "/dev/shm/gv-replay-XXXXXX";
    if (access("/dev/shm", W_OK) != 0)
        snprintf(path, sizeof path, "/tmp/gv-replay-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    gv_error err;
    gv_store *st = gv_store_open(path, GV_STORE_CREATE, &err);
    if (!st)
        fail_msg("open %s: %s", path, err.msg);
    kinds_seen = json_object();
    for (unsigned seed = 1; seed <= SEQUENCES; seed++)
        one_sequence(st, seed, &accepted);
    gv_store_close(st);
    char side[sizeof path + 8];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    /* The generator must reach the meeting's paths, not only its refusals: about
     * one command in six is accepted with this seed range. */
    printf("replay_equals_live: %d sequences, %zu events accepted\n", SEQUENCES, accepted);
    assert_true(accepted > SEQUENCES * STEPS / 8);
    printf("replay_equals_live: %zu kinds of event made\n", json_object_size(kinds_seen));
    assert_true(json_object_size(kinds_seen) >= 30);
    json_decref(kinds_seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_equals_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

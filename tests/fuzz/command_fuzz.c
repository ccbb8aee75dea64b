/*
 * Fuzz target: commands from outside, decided against the example meeting.
 *
 * Input: byte 0 picks the state (fuzz_meeting.h); the rest is up to
 * CMD_MAX lines, each [sender byte][time byte]JSON, decided in order as the
 * server does (json_loadb with JSON_REJECT_DUPLICATES, then
 * gv_meeting_decide). The sender byte picks a person of the example or
 * someone who is not one ("system", "nobody", "", NULL); the time byte moves
 * the clock by a step from a table that includes going backwards and jumping
 * decades ahead, or sets it to the edges of the core's range and past them.
 *
 * Checked for every command:
 *   - decide never changes the state, accepted or refused (the state's JSON
 *     is the same before and after);
 *   - a refusal returns a GV_E* code, fills err with it and a message, and
 *     returns no events;
 *   - an acceptance returns one or more events numbered from the next seq,
 *     at the decided time (never before the last event), by the sender (or
 *     by no one named, for an anonymous question), with a type and a size
 *     the store accepts, and every one of them applies from its canonical
 *     bytes.
 * Checked once per input that was accepted at least once:
 *   - the fold is a pure function of the log: the state's log plus the new
 *     events, stored in a real (in-memory) store and rebuilt with gv_replay,
 *     gives the state reached live.
 */
#include <ctype.h>

#include "fuzz_meeting.h"
#include "store/replay.h"
#include "store/store.h"

#define CMD_MAX 8

/* FZ_TRACE=1 prints each decision, to check what seeds reach. */
static bool trace;

/* Clock steps in ms, picked by time bytes below 0xf0. The server's clock
 * drives the core, but `gavel apply` takes any at_ms from 0 to INT64_MAX, so
 * large jumps are inputs too. */
static const int64_t steps_ms[] = {
    0,      1,       999,         1000,          15000,           59999,    60000,
    120000, 299999,  300000,      420000,        3600000,         86400000, -1,
    -1000,  -600000, -86400000LL, 31536000000LL, 3153600000000LL, 0,
};
#define N_STEPS (sizeof steps_ms / sizeof steps_ms[0])
/* Time bytes from 0xf0 set the clock to the edges of what the core takes
 * (GV_TIME_MAX_MS) and beyond. */
static const int64_t absolute_ms[] = {
    GV_TIME_MAX_MS - 60000, GV_TIME_MAX_MS, GV_TIME_MAX_MS + 1, INT64_MAX, -1, 0};
#define N_ABSOLUTE (sizeof absolute_ms / sizeof absolute_ms[0])

/* The clock after a time byte; the harness's own sums saturate. */
static int64_t next_time(int64_t now, uint8_t b)
{
    if (b >= 0xf0)
        return absolute_ms[(b - 0xf0) % N_ABSOLUTE];
    int64_t t;
    if (__builtin_add_overflow(now, steps_ms[b % N_STEPS], &t))
        t = steps_ms[b % N_STEPS] > 0 ? INT64_MAX : INT64_MIN;
    return t;
}

static bool storable_type(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > GV_EVENT_TYPE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]) || t[i] == '_'))
            return false;
    return true;
}

/* The events of an accepted command must be what the store and the fold take. */
static void check_events(const gv_meeting *m, const json_t *events, const char *sender,
                         int64_t now_ms, int64_t last_at_ms)
{
    FZ_CHECK(json_is_array(events) && json_array_size(events) > 0, "accepted without events");
    int64_t at = now_ms < last_at_ms ? last_at_ms : now_ms;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        json_t *seq = json_object_get(ev, "seq"), *type = json_object_get(ev, "type"),
               *at_ms = json_object_get(ev, "at_ms"), *by = json_object_get(ev, "by");
        FZ_CHECK(json_is_integer(seq) &&
                     json_integer_value(seq) == gv_meeting_seq(m) + 1 + (json_int_t)i,
                 "event %zu is not numbered from the next seq", i);
        FZ_CHECK(json_is_string(type) && storable_type(json_string_value(type)),
                 "event %zu has a type the store refuses", i);
        FZ_CHECK(json_is_integer(at_ms) && json_integer_value(at_ms) == at,
                 "event %zu is not at the decided time %lld", i, (long long)at);
        /* An anonymous question names no author, not even in the log. */
        FZ_CHECK(json_is_string(by) && sender &&
                     (strcmp(json_string_value(by), sender) == 0 ||
                      (strcmp(json_string_value(by), GV_ACTOR_ANONYMOUS) == 0 &&
                       json_is_true(json_object_get(ev, "anonymous")))),
                 "event %zu is not by its sender", i);
        char *bytes = gv_event_canonical(ev);
        FZ_CHECK(bytes && strlen(bytes) <= GV_EVENT_MAX_BYTES, "event %zu is too large", i);
        free(bytes);
    }
}

/* The stored log (state's log, then the new events) through a real store and
 * gv_replay must give the state reached live. */
static void check_store_replay(const json_t *base, const json_t *added, const json_t *live)
{
    gv_error err = {0};
    gv_store *s = gv_store_open_memory(&err);
    FZ_CHECK(s, "memory store: %s", err.msg);
    size_t nb = json_array_size(base), n = nb + json_array_size(added);
    gv_event_in *in = calloc(n, sizeof *in);
    json_t **parsed = calloc(n, sizeof *parsed);
    FZ_CHECK(in && parsed, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *b = i < nb ? json_array_get(base, i) : json_array_get(added, i - nb);
        parsed[i] = json_loads(json_string_value(b), 0, NULL);
        FZ_CHECK(parsed[i], "logged event does not parse");
        in[i].seq = (int64_t)i + 1;
        in[i].type = json_string_value(json_object_get(parsed[i], "type"));
        in[i].at_ms = json_integer_value(json_object_get(parsed[i], "at_ms"));
        in[i].bytes = (const unsigned char *)json_string_value(b);
        in[i].len = json_string_length(b);
    }
    int rc = gv_store_create_meeting(s, "fuzz", in, n, &err);
    FZ_CHECK(rc == 0, "the store refuses events decide made: %s", err.msg);
    gv_meeting *r = NULL;
    rc = gv_replay(s, "fuzz", &r, &err);
    FZ_CHECK(rc == 0, "gv_replay of events decide made fails: %s", err.msg);
    fz_check_same(r, live, "the state replayed through the store differs from the live one");
    gv_meeting_free(r);
    for (size_t i = 0; i < n; i++)
        json_decref(parsed[i]);
    free(parsed);
    free(in);
    gv_store_close(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    trace = getenv("FZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_state *st = fz_state_get(data[0]);
    gv_meeting *work = NULL;  /* a copy of the state, made at the first acceptance */
    json_t *added = NULL;     /* canonical bytes of the events applied to work */
    json_t *work_json = NULL; /* gv_meeting_to_json(work), kept current */
    const gv_meeting *cur = st->m;
    json_t *last = json_array_get(st->log, json_array_size(st->log) - 1);
    json_t *last_ev = last ? json_loads(json_string_value(last), 0, NULL) : NULL;
    int64_t last_at = last_ev ? json_integer_value(json_object_get(last_ev, "at_ms")) : 0;
    json_decref(last_ev);
    int64_t now = (last_at > FZ_T0 ? last_at : FZ_T0) + 1000;
    size_t pos = 1;
    const uint8_t *line;
    size_t line_len;
    for (int k = 0; k < CMD_MAX && fz_next_line(data, size, &pos, &line, &line_len); k++) {
        if (line_len < 2)
            continue;
        const char *sender = fz_senders[line[0] % fz_n_senders];
        now = next_time(now, line[1]);
        json_error_t jerr;
        json_t *cmd =
            json_loadb((const char *)line + 2, line_len - 2, JSON_REJECT_DUPLICATES, &jerr);
        if (!cmd)
            continue;
        json_t *events = NULL;
        gv_error err = {0};
        int rc = gv_meeting_decide(cur, cmd, sender, now, &events, &err);
        if (trace)
            fprintf(stderr, "%s: %s %.*s -> %s %s\n", fz_state_names[data[0] % FZ_N_STATES],
                    sender ? sender : "(null)", (int)line_len - 2, (const char *)line + 2,
                    gv_error_name(rc), rc < 0 ? err.msg : "");
        fz_check_same(cur, work ? work_json : st->json, "decide changed the state");
        if (rc < 0) {
            fz_check_refusal(rc, &err, "decide");
            FZ_CHECK(events == NULL, "a refusal returned events");
            json_decref(cmd);
            continue;
        }
        FZ_CHECK(rc == 0, "decide returned %d", rc);
        check_events(cur, events, sender, now, last_at);
        if (!work) {
            work = fz_replay(st->log);
            added = json_array();
            cur = work;
        }
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev)
        {
            rc = fz_apply_canonical(work, ev, added, &err);
            FZ_CHECK(rc == 0, "event %zu (%s) of an accepted command does not apply: %s", i,
                     json_string_value(json_object_get(ev, "type")), err.msg);
            last_at = json_integer_value(json_object_get(ev, "at_ms"));
        }
        json_decref(work_json);
        work_json = fz_json(work);
        json_decref(events);
        json_decref(cmd);
    }
    if (work) {
        check_store_replay(st->log, added, work_json);
        gv_meeting_free(work);
        json_decref(added);
        json_decref(work_json);
    }
    return 0;
}

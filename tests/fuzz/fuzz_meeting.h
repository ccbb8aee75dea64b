/*
 * Shared by the fuzz targets: the meeting built into the binary (the CSTD 2022
 * panel of examples/) driven by a fixed script to several states, and the
 * checks every target makes.
 *
 * A fuzz target must not pay for rebuilding a meeting on every input, yet
 * must never see a state changed by an earlier input. So each state is kept
 * twice: as a live meeting (fz_state.m) that inputs are decided against, and
 * as its log (canonical event bytes) from which a working copy is rebuilt only
 * when an input is accepted. The live meeting's JSON (fz_state.json) is kept
 * too: after every input the live meeting must still give exactly that, which
 * is how "decide never changes the state" and "a refused event changes
 * nothing" are checked. (Comparing JSON trees with json_equal rather than
 * printed text halves the cost of that check, the largest of a run.) A
 * target that changes a live meeting on purpose marks it dirty, and
 * fz_state_get rebuilds it before the next input.
 *
 * Header-only and static, because each tests/fuzz/<name>_fuzz.c is built as
 * one program. A broken invariant prints what broke and aborts, which
 * libFuzzer reports as a crash with the input that caused it.
 */
#ifndef GV_FUZZ_MEETING_H
#define GV_FUZZ_MEETING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/definition.h"
#include "core/meeting.h"

#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken (%s:%d): ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* 31 March 2022 14:00 Geneva: when the definition event is written. */
#define FZ_T0 1648728000000LL

/* The time zones the fuzz targets pretend exist (no I/O in a fuzz run). */
static inline bool fz_zone_exists(const char *name, void *ud)
{
    static const char *const zones[] = {"Europe/Zurich", "UTC", "America/New_York", "Asia/Tokyo",
                                        "Africa/Nairobi"};
    (void)ud;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strcmp(name, zones[i]) == 0)
            return true;
    return false;
}

/* The states, in the order the script reaches them; the first input byte picks one. */
enum {
    FZ_EMPTY,    /** no event at all: only a definition event fits */
    FZ_DEFINED,  /** defined, not opened */
    FZ_OPEN,     /** opened, no item running; attendance taken */
    FZ_ITEM,     /** the panel item running, its planned speakers listed */
    FZ_SPEECH,   /** the first panelist speaking */
    FZ_PAUSED,   /** that speech paused */
    FZ_REQUESTS, /** the discussion running, requests of every kind waiting */
    FZ_BUSY,     /** a participant speaking, requests waiting, questions, a note, autopilot */
    FZ_CLOSED,   /** the meeting closed */
    FZ_N_STATES
};

static const char *const fz_state_names[FZ_N_STATES] = {
    "empty", "defined", "open", "item", "speech", "paused", "requests", "busy", "closed"};

/*
 * The script from the definition to the last state. A step is sent by `as`;
 * "{X}" in the command is replaced by the sequence number of the last event of
 * the step marked X (the id of what that step created). A step with `reach`
 * set ends the state of that number.
 */
static const struct {
    const char *as;
    const char *cmd;
    char mark;
    int reach; /** 0, or the state this step completes */
} fz_script[] = {
    {"chair", "{\"type\": \"open_meeting\"}", 0, 0},
    {"aldoria", "{\"type\": \"check_in\"}", 0, 0},
    {"bexland", "{\"type\": \"join\"}", 0, 0},
    {"secretariat", "{\"type\": \"check_in\", \"person\": \"lin\"}", 0, FZ_OPEN},
    {"moderator", "{\"type\": \"start_item\", \"item\": \"panel\"}", 0, FZ_ITEM},
    {"moderator", "{\"type\": \"next_speaker\"}", 0, FZ_SPEECH},
    {"moderator", "{\"type\": \"pause_speech\"}", 0, FZ_PAUSED},
    {"moderator", "{\"type\": \"resume_speech\"}", 0, 0},
    {"moderator", "{\"type\": \"extend_speech\", \"added_ms\": 60000}", 0, 0},
    {"moderator", "{\"type\": \"end_speech\"}", 0, 0},
    {"moderator", "{\"type\": \"start_item\", \"item\": \"discussion\"}", 0, 0},
    {"moderator", "{\"type\": \"set_guiding_question\", \"guiding_question\": \"gq1\"}", 0, 0},
    {"aldoria", "{\"type\": \"request_floor\"}", 'A', 0},
    {"bexland", "{\"type\": \"request_floor\", \"kind\": \"question\", \"to\": \"chen\"}", 0, 0},
    {"lin", "{\"type\": \"request_floor\", \"mode\": \"online\", \"guiding_question\": \"gq2\"}",
     'L', 0},
    {"okafor", "{\"type\": \"request_floor\", \"kind\": \"point_of_order\"}", 0, 0},
    {"dunmere", "{\"type\": \"request_floor\", \"on_behalf_of\": \"African Group\"}", 0, 0},
    {"moderator", "{\"type\": \"insert_speaker\", \"person\": \"moreau\", \"position\": 1}", 0,
     FZ_REQUESTS},
    {"moderator", "{\"type\": \"move_to_top\", \"request\": {L}}", 0, 0},
    {"moderator", "{\"type\": \"give_floor\", \"request\": {A}}", 0, 0},
    {"natarajan",
     "{\"type\": \"ask_question\", \"text\": \"Who pays for the data?\", "
     "\"guiding_question\": \"gq4\"}",
     'Q', 0},
    {"moderator", "{\"type\": \"approve_question\", \"question\": {Q}}", 0, 0},
    {"moreau", "{\"type\": \"upvote\", \"question\": {Q}}", 0, 0},
    {"adeyemi",
     "{\"type\": \"ask_question\", \"text\": \"And the connectivity gap?\", "
     "\"anonymous\": true, \"to\": \"chen\"}",
     0, 0},
    {"rapporteur",
     "{\"type\": \"add_note\", \"text\": \"Data sharing raised twice.\", "
     "\"guiding_question\": \"gq1\"}",
     0, 0},
    {"moderator",
     "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"member_state\", "
     "\"budget_ms\": 600000}",
     0, 0},
    {"moderator", "{\"type\": \"set_autopilot\", \"on\": true}", 0, FZ_BUSY},
    {"chair", "{\"type\": \"close_meeting\"}", 0, FZ_CLOSED},
};

typedef struct fz_state {
    gv_meeting *m; /** the live meeting, as the log gives it */
    json_t *json;  /** gv_meeting_to_json(m) as the log gives it */
    json_t *log;   /** the canonical bytes of its events, as JSON strings */
    bool dirty;    /** m was changed on purpose: rebuild it before the next use */
} fz_state;

static fz_state fz_states[FZ_N_STATES];
/* Ids of the example's people in definition order, then senders that are no one. */
static const char *fz_senders[64];
static size_t fz_n_senders;
static json_t *fz_definition;

/* The state as JSON (a new reference). */
static inline json_t *fz_json(const gv_meeting *m)
{
    json_t *s = gv_meeting_to_json(m);
    FZ_CHECK(s, "gv_meeting_to_json failed");
    return s;
}

/* Aborts, printing both states, unless m's state is `expected`. */
static inline void fz_check_same(const gv_meeting *m, const json_t *expected, const char *what)
{
    json_t *now = fz_json(m);
    if (!json_equal(now, expected)) {
        char *a = json_dumps(expected, JSON_COMPACT | JSON_SORT_KEYS);
        char *b = json_dumps(now, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "expected state:\n%s\nstate:\n%s\n", a ? a : "?", b ? b : "?");
        FZ_CHECK(false, "%s", what);
    }
    json_decref(now);
}

/* Applies an event the way the server does: from its canonical bytes. Appends
 * the bytes to log (may be NULL). Returns the result of gv_meeting_apply. */
static inline int fz_apply_canonical(gv_meeting *m, const json_t *ev, json_t *log, gv_error *err)
{
    char *bytes = gv_event_canonical(ev);
    FZ_CHECK(bytes, "gv_event_canonical failed");
    json_error_t jerr;
    json_t *stored = json_loads(bytes, JSON_REJECT_DUPLICATES, &jerr);
    FZ_CHECK(stored, "canonical bytes do not parse back (%s): %s", jerr.text, bytes);
    int rc = gv_meeting_apply(m, stored, err);
    json_decref(stored);
    if (rc == 0 && log)
        json_array_append_new(log, json_string(bytes));
    free(bytes);
    return rc;
}

/* A new meeting rebuilt from a log of canonical bytes; aborts if it does not replay. */
static inline gv_meeting *fz_replay(const json_t *log)
{
    gv_meeting *m = gv_meeting_new();
    FZ_CHECK(m, "out of memory");
    size_t i;
    json_t *b;
    json_array_foreach(log, i, b)
    {
        gv_error err = {0};
        json_t *ev = json_loads(json_string_value(b), JSON_REJECT_DUPLICATES, NULL);
        FZ_CHECK(ev, "a logged event does not parse: %s", json_string_value(b));
        int rc = gv_meeting_apply(m, ev, &err);
        FZ_CHECK(rc == 0, "event %zu of the log does not replay: %s", i + 1, err.msg);
        json_decref(ev);
    }
    return m;
}

/* Decides and applies one script step on m, logging its events; returns the last seq. */
static inline int64_t fz_step(gv_meeting *m, json_t *log, const char *as, const char *text)
{
    gv_error err = {0};
    json_error_t jerr;
    json_t *cmd = json_loads(text, 0, &jerr);
    FZ_CHECK(cmd, "script command is not JSON (%s): %s", jerr.text, text);
    json_t *events = NULL;
    int64_t at =
        gv_meeting_seq(m) <= 1 ? FZ_T0 + 1800000 : FZ_T0 + 1800000 + 1000 * gv_meeting_seq(m);
    int rc = gv_meeting_decide(m, cmd, as, at, &events, &err);
    FZ_CHECK(rc == 0, "script step %s %s refused: %s", as, text, err.msg);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        rc = fz_apply_canonical(m, ev, log, &err);
        FZ_CHECK(rc == 0, "script step %s %s: event does not apply: %s", as, text, err.msg);
    }
    json_decref(events);
    json_decref(cmd);
    return gv_meeting_seq(m);
}

/* Replaces "{X}" in text by marks[X]; writes into buf. */
static inline void fz_fill_marks(const char *text, const int64_t *marks, char *buf, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p && n + 24 < size; p++) {
        if (p[0] == '{' && p[1] >= 'A' && p[1] <= 'Z' && p[2] == '}') {
            n += (size_t)snprintf(buf + n, size - n, "%lld", (long long)marks[p[1] - 'A']);
            p += 2;
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = '\0';
}

/*
 * With FZ_DUMP_DIR set, writes the script's log (log.jsonl, one event a line)
 * and each state's seq (states: "INDEX NAME SEQ" lines) there, so that
 * tests/fuzz/make-seeds can make seeds that fit the states exactly.
 */
static inline void fz_dump(const json_t *log)
{
    const char *dir = getenv("FZ_DUMP_DIR");
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    FILE *f = fopen(path, "w");
    FZ_CHECK(f, "cannot write %s", path);
    size_t i;
    json_t *b;
    json_array_foreach(log, i, b)
    {
        fprintf(f, "%s\n", json_string_value(b));
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/states", dir);
    f = fopen(path, "w");
    FZ_CHECK(f, "cannot write %s", path);
    for (int s = 0; s < FZ_N_STATES; s++)
        fprintf(f, "%d %s %zu\n", s, fz_state_names[s], json_array_size(fz_states[s].log));
    fclose(f);
}

/* Builds every state once (libFuzzer's LLVMFuzzerInitialize calls this). */
static inline void fz_init(void)
{
    gv_error err = {0};
    gv_diag_list diags;
    gv_diag_list_init(&diags);
    int rc = gv_definition_from_yaml((const char *)gv_example_yaml, gv_example_yaml_len,
                                     "<built-in example>", fz_zone_exists, NULL, &fz_definition,
                                     &diags, &err);
    FZ_CHECK(rc == 0, "the built-in example does not load: %s", err.msg);
    gv_diag_list_release(&diags);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(fz_definition, "people"), i, p)
    {
        if (fz_n_senders < sizeof fz_senders / sizeof fz_senders[0] - 4)
            fz_senders[fz_n_senders++] = json_string_value(json_object_get(p, "id"));
    }
    fz_senders[fz_n_senders++] = GV_ACTOR_SYSTEM;
    fz_senders[fz_n_senders++] = "nobody";
    fz_senders[fz_n_senders++] = "";
    fz_senders[fz_n_senders++] = NULL;

    gv_meeting *m = gv_meeting_new();
    json_t *log = json_array();
    FZ_CHECK(m && log, "out of memory");
    fz_states[FZ_EMPTY].log = json_array();
    json_t *def_ev = gv_meeting_define(m, fz_definition, FZ_T0, &err);
    FZ_CHECK(def_ev, "the example is refused: %s", err.msg);
    rc = fz_apply_canonical(m, def_ev, log, &err);
    FZ_CHECK(rc == 0, "the definition event does not apply: %s", err.msg);
    json_decref(def_ev);
    fz_states[FZ_DEFINED].log = json_deep_copy(log);
    int64_t marks[26] = {0};
    for (size_t s = 0; s < sizeof fz_script / sizeof fz_script[0]; s++) {
        char text[1024];
        fz_fill_marks(fz_script[s].cmd, marks, text, sizeof text);
        int64_t last = fz_step(m, log, fz_script[s].as, text);
        if (fz_script[s].mark)
            marks[fz_script[s].mark - 'A'] = last;
        if (fz_script[s].reach)
            fz_states[fz_script[s].reach].log = json_deep_copy(log);
    }
    for (int s = 0; s < FZ_N_STATES; s++) {
        FZ_CHECK(fz_states[s].log, "the script never reaches state %s", fz_state_names[s]);
        fz_states[s].m = fz_replay(fz_states[s].log);
        fz_states[s].json = fz_json(fz_states[s].m);
    }
    /* The last state replayed from its log is the state the script reached live. */
    fz_check_same(m, fz_states[FZ_CLOSED].json, "the script's log does not replay");
    fz_dump(log);
    json_decref(log);
    gv_meeting_free(m);
}

/* The state numbered s (any byte; taken modulo the number of states), rebuilt if dirty. */
static inline fz_state *fz_state_get(unsigned s)
{
    fz_state *st = &fz_states[s % FZ_N_STATES];
    if (st->dirty) {
        gv_meeting_free(st->m);
        st->m = fz_replay(st->log);
        st->dirty = false;
    }
    return st;
}

/* A refusal must carry its code and a message. */
static inline void fz_check_refusal(int rc, const gv_error *err, const char *what)
{
    FZ_CHECK(rc < 0, "%s: not a refusal (%d)", what, rc);
    FZ_CHECK(err->code == rc, "%s: returned %d but err says %d", what, rc, err->code);
    FZ_CHECK(err->msg[0] != '\0', "%s refused without a message", what);
}

/* Extracts the next line of data[*pos..len) (without its '\n'); false at the end. */
static inline bool fz_next_line(const uint8_t *data, size_t len, size_t *pos, const uint8_t **line,
                                size_t *line_len)
{
    if (*pos >= len)
        return false;
    const uint8_t *start = data + *pos;
    const uint8_t *nl = memchr(start, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - start) : len - *pos;
    *line = start;
    *line_len = n;
    *pos += n + (nl ? 1 : 0);
    return true;
}

#endif

/*
 * Fuzz target: stored event bytes replayed onto a meeting (gv_replay_event),
 * as `gavel verify`, `gavel state` and the server do when they load a log
 * that may have been damaged or forged.
 *
 * Input: byte 0 picks the state (low four bits, fuzz_meeting.h) and the mode
 * (bit 4); the rest is up to EVENTS_MAX lines, each one stored event:
 *   raw mode        the line is the stored bytes as they are; the stored
 *                   columns (seq, type, at_ms) are read from them when they
 *                   parse, so that checks beyond the column comparison run;
 *   canonical mode  a line that is a JSON object gets the next seq and is
 *                   written in canonical form first, so that mutated events
 *                   reach the apply functions of every module.
 *
 * Checked for every event (the events of an input are replayed until the
 * first refused one, as a real replay stops there):
 *   - a refused event returns GV_ECORRUPT (or GV_ENOMEM) with a message and
 *     leaves the state exactly as it was;
 *   - an accepted event moves the meeting to that event's seq.
 * Checked once per input with an accepted event:
 *   - replaying the whole log again gives the same state (the fold is
 *     deterministic, whatever the events were);
 *   - the state an accepted event leaves is one the core can go on from:
 *     a fixed set of probe commands is decided on it, and every event they
 *     make applies.
 */
#include "fuzz_meeting.h"
#include "store/replay.h"

#define EVENTS_MAX 64

/* Commands sent after accepted events, to see that the state still holds together. */
static const struct {
    const char *as;
    const char *cmd;
} probes[] = {
    {"moderator", "{\"type\": \"next_speaker\"}"},
    {"moderator", "{\"type\": \"end_speech\"}"},
    {"lin", "{\"type\": \"request_floor\", \"kind\": \"question\", \"to\": \"chen\"}"},
    {"moderator", "{\"type\": \"give_floor\", \"person\": \"okafor\"}"},
    {"moderator", "{\"type\": \"pause_speech\"}"},
    {"moderator", "{\"type\": \"extend_speech\", \"added_ms\": 30000}"},
    {"moderator", "{\"type\": \"resume_speech\"}"},
    {"lin", "{\"type\": \"withdraw\"}"},
    {"moreau", "{\"type\": \"upvote\", \"question\": 23}"},
    {"moderator", "{\"type\": \"merge_question\", \"question\": 26, \"into\": 23}"},
    {"moderator", "{\"type\": \"undo_list_change\"}"},
    {"rapporteur", "{\"type\": \"amend_note\", \"note\": 27, \"text\": \"amended\"}"},
    {"moderator", "{\"type\": \"end_item\"}"},
    {"moderator", "{\"type\": \"start_item\", \"item\": \"closing\"}"},
    {"chair", "{\"type\": \"close_meeting\"}"},
};

/* Decides the probes on m at now_ms and applies what they make (logging it to
 * added). Whether decide changes the state is command_fuzz's concern; here
 * what matters is that decide copes with the state and its events apply. */
static void run_probes(gv_meeting *m, json_t *added, int64_t now_ms)
{
    for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
        json_t *cmd = json_loads(probes[k].cmd, 0, NULL);
        FZ_CHECK(cmd, "probe is not JSON");
        json_t *events = NULL;
        gv_error err = {0};
        int rc = gv_meeting_decide(m, cmd, probes[k].as, now_ms + (int64_t)k * 1000, &events, &err);
        if (rc < 0) {
            fz_check_refusal(rc, &err, probes[k].cmd);
        } else {
            size_t i;
            json_t *ev;
            json_array_foreach(events, i, ev)
            {
                rc = fz_apply_canonical(m, ev, added, &err);
                FZ_CHECK(rc == 0, "after replayed events, event %zu of probe %s does not apply: %s",
                         i, probes[k].cmd, err.msg);
            }
        }
        json_decref(events);
        json_decref(cmd);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    return 0;
}

/* The state the log plus `added` gives (a new reference). */
static json_t *replayed_json(const fz_state *st, json_t *added)
{
    if (!added)
        return json_incref(st->json);
    json_t *all = json_deep_copy(st->log);
    json_array_extend(all, added);
    gv_meeting *again = fz_replay(all);
    json_t *j = fz_json(again);
    gv_meeting_free(again);
    json_decref(all);
    return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_state *st = fz_state_get((data[0] & 0x0fu) % FZ_N_STATES);
    bool canonical = data[0] & 0x10u;
    gv_meeting *m = st->m;
    json_t *added = NULL; /* bytes of the events accepted so far */
    size_t pos = 1;
    const uint8_t *line;
    size_t line_len;
    for (int k = 0; k < EVENTS_MAX && fz_next_line(data, size, &pos, &line, &line_len); k++) {
        int64_t next = gv_meeting_seq(m) + 1;
        json_t *j = json_loadb((const char *)line, line_len, JSON_REJECT_DUPLICATES, NULL);
        char *canon = NULL;
        gv_stored_event ev = {.seq = next, .type = "", .at_ms = 0, .bytes = line, .len = line_len};
        if (j && json_is_object(j)) {
            if (canonical) {
                json_object_set_new(j, "seq", json_integer(next));
                canon = gv_event_canonical(j);
                FZ_CHECK(canon, "gv_event_canonical failed");
                ev.bytes = (const unsigned char *)canon;
                ev.len = strlen(canon);
            }
            json_t *seq = json_object_get(j, "seq"), *type = json_object_get(j, "type"),
                   *at = json_object_get(j, "at_ms");
            if (json_is_integer(seq))
                ev.seq = json_integer_value(seq);
            if (json_is_string(type))
                ev.type = json_string_value(type);
            if (json_is_integer(at))
                ev.at_ms = json_integer_value(at);
        }
        gv_error err = {0};
        int rc = gv_replay_event(m, &ev, &err);
        if (rc == 0) {
            FZ_CHECK(gv_meeting_seq(m) == ev.seq, "an accepted event did not move the seq");
            if (!added)
                added = json_array();
            json_array_append_new(added, json_stringn((const char *)ev.bytes, ev.len));
            st->dirty = true;
        }
        free(canon);
        json_decref(j);
        if (rc < 0) {
            /* A replay stops at the first bad event, and so does this one. */
            fz_check_refusal(rc, &err, "gv_replay_event");
            FZ_CHECK(rc == GV_ECORRUPT || rc == GV_ENOMEM, "a bad event gave %s, not corrupt",
                     gv_error_name(rc));
            json_t *expected = replayed_json(st, added);
            fz_check_same(m, expected, "a refused event changed the state");
            json_decref(expected);
            break;
        }
    }
    if (added) {
        json_t *expected = replayed_json(st, added);
        fz_check_same(m, expected, "replaying the same log gives another state");
        json_decref(expected);
        /* decide holds the time at the last event when it is later than this. */
        run_probes(m, added, FZ_T0 + 7200000);
        json_decref(added);
    }
    return 0;
}

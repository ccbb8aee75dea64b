/*
 * Fuzz target: stored snapshots of a meeting's state (core/snapshot.h), as a
 * damaged or forged database could hold them.
 *
 * Input: the snapshot's bytes, parsed as the loader does (json_loadb) and
 * handed to gv_meeting_restore.
 *
 * Checked:
 *   - a refusal is GV_ECORRUPT (or GV_ENOMEM) with a message, and builds
 *     nothing;
 *   - a meeting restored is whole: its snapshot restores again to the same
 *     bytes, its state renders as JSON, and the core can go on from it
 *     (probe commands decide, and what they decide applies or is refused,
 *     never crashes).
 * With FZ_DUMP_DIR set, the snapshots of the fixture's states are written
 * there as seeds (tests/fuzz/make-seeds).
 */
#include "core/snapshot.h"
#include "fuzz_meeting.h"

static const struct {
    const char *as;
    const char *cmd;
} probes[] = {
    {"moderator", "{\"type\": \"next_speaker\"}"},
    {"aldoria", "{\"type\": \"request_floor\"}"},
    {"moderator", "{\"type\": \"end_speech\"}"},
    {"lin", "{\"type\": \"ask_question\", \"text\": \"And then?\"}"},
    {"chair", "{\"type\": \"end_item\"}"},
    {"moderator", "{\"type\": \"undo_list_change\"}"},
};

static char *snapshot_text(const gv_meeting *m)
{
    json_t *s = gv_meeting_snapshot(m);
    FZ_CHECK(s, "gv_meeting_snapshot failed");
    char *text = gv_event_canonical(s);
    FZ_CHECK(text, "out of memory");
    json_decref(s);
    return text;
}

static void dump_seeds(const char *dir)
{
    for (int s = 0; s < FZ_N_STATES; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/snapshot-%s", dir, fz_state_names[s]);
        FILE *f = fopen(path, "w");
        FZ_CHECK(f, "cannot write %s", path);
        char *text = snapshot_text(fz_state_get((unsigned)s)->m);
        fputs(text, f);
        free(text);
        fclose(f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    const char *dir = getenv("FZ_DUMP_DIR");
    if (dir)
        dump_seeds(dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (!j)
        return 0;
    gv_meeting *m = (gv_meeting *)&m;
    gv_error err = {0};
    int rc = gv_meeting_restore(j, &m, &err);
    json_decref(j);
    if (rc < 0) {
        fz_check_refusal(rc, &err, "restore");
        FZ_CHECK(rc == GV_ECORRUPT || rc == GV_ENOMEM, "restore refused with %d", rc);
        FZ_CHECK(m == NULL, "a refused snapshot left a meeting");
        return 0;
    }
    /* Whole: it snapshots, and that snapshot restores to the same bytes. */
    char *once = snapshot_text(m);
    json_t *again = json_loads(once, 0, NULL);
    gv_meeting *m2 = NULL;
    FZ_CHECK(again && gv_meeting_restore(again, &m2, &err) == 0,
             "the snapshot of a restored meeting is refused: %s", err.msg);
    char *twice = snapshot_text(m2);
    FZ_CHECK(strcmp(once, twice) == 0, "a restored meeting's snapshot changes when restored");
    json_decref(again);
    free(once);
    free(twice);
    gv_meeting_free(m2);
    json_decref(fz_json(m));
    /* The core goes on from it: decided events apply, or are refused. */
    int64_t now = FZ_T0 + 86400000;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        json_t *cmd = json_loads(probes[i].cmd, 0, NULL), *events = NULL;
        if (gv_meeting_decide(m, cmd, probes[i].as, now, &events, &err) == 0) {
            size_t k;
            json_t *ev;
            json_array_foreach(events, k, ev) fz_apply_canonical(m, ev, NULL, &err);
        }
        json_decref(events);
        json_decref(cmd);
        now += 60000;
    }
    gv_meeting_free(m);
    return 0;
}

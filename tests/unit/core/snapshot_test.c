/*
 * Snapshots: the state -> JSON -> state round trip is exact. Over the
 * scripted panel (tests/scenarios/cstd-2022-panel.jsonl), after every event,
 * the restored meeting has the same view and gives the same snapshot, byte
 * for byte; a meeting restored midway then decides every later command
 * exactly as the original (the same events, the same refusals), so no field
 * the decisions read was left out. Damaged snapshots (each kind of wrong
 * value, and thousands of random byte changes) are refused, never built.
 * Random command sequences are covered by store/replay_property_test.
 */
#include "support.h"

#include "cli/cli.h"
#include "core/definition.h"
#include "core/snapshot.h"
#include "core/speech.h"

#define SCENARIO GV_SOURCE_DIR "/tests/scenarios/cstd-2022-panel.jsonl"

static char *canon_snapshot(const gv_meeting *m)
{
    json_t *s = gv_meeting_snapshot(m);
    assert_non_null(s);
    char *bytes = gv_event_canonical(s);
    json_decref(s);
    assert_non_null(bytes);
    return bytes;
}

static char *canon_view(const gv_meeting *m)
{
    json_t *v = gv_meeting_to_json(m);
    assert_non_null(v);
    char *bytes = gv_event_canonical(v);
    json_decref(v);
    return bytes;
}

static gv_meeting *restore_bytes(const char *bytes, gv_error *err, int *rc)
{
    json_error_t jerr;
    json_t *s = json_loads(bytes, 0, &jerr);
    gv_meeting *m = NULL;
    *rc = s ? gv_meeting_restore(s, &m, err) : GV_EINVAL;
    json_decref(s);
    return m;
}

/* The restored meeting equals m: the same view and the same snapshot. */
static gv_meeting *check_round_trip(const gv_meeting *m)
{
    gv_error err;
    int rc;
    char *snap = canon_snapshot(m);
    gv_meeting *back = restore_bytes(snap, &err, &rc);
    if (rc != 0)
        fail_msg("restore at seq %lld: %s", (long long)gv_meeting_seq(m), err.msg);
    char *again = canon_snapshot(back);
    assert_string_equal(again, snap);
    char *v1 = canon_view(m), *v2 = canon_view(back);
    assert_string_equal(v1, v2);
    free(v1);
    free(v2);
    free(again);
    free(snap);
    return back;
}

static gv_meeting *defined_example(void)
{
    json_t *def = NULL;
    gv_diag_list diags;
    gv_error err = {0};
    gv_diag_list_init(&diags);
    if (gv_definition_from_yaml((const char *)gv_example_yaml, gv_example_yaml_len, "example", NULL,
                                NULL, &def, &diags, &err) < 0)
        fail_msg("example does not load: %s", err.msg);
    gv_diag_list_release(&diags);
    gv_meeting *m = gv_meeting_new();
    json_t *ev = gv_meeting_define(m, def, 1648729200000LL, &err);
    assert_non_null(ev);
    assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
    json_decref(ev);
    json_decref(def);
    return m;
}

/* Decides env's command on m; returns the events' bytes or the refusal. */
static char *decide_text(const gv_meeting *m, const json_t *env, json_t **events)
{
    gv_error err;
    char buf[GV_ERROR_MSG_MAX + 16];
    const char *as = json_string_value(json_object_get(env, "as"));
    int64_t at = json_integer_value(json_object_get(env, "at_ms"));
    int rc = gv_meeting_decide(m, json_object_get(env, "command"), as, at, events, &err);
    if (rc < 0) {
        snprintf(buf, sizeof buf, "%d %s", rc, err.msg);
        return strdup(buf);
    }
    return gv_event_canonical(*events);
}

static void apply_all(gv_meeting *m, const json_t *events)
{
    gv_error err;
    for (size_t i = 0; i < json_array_size(events); i++)
        if (gv_meeting_apply(m, json_array_get(events, i), &err) < 0)
            fail_msg("apply: %s", err.msg);
}

static void scenario_round_trips_at_every_event(void **state)
{
    (void)state;
    gv_meeting *m = defined_example();
    gv_meeting *twins[4] = {0};
    int n_twins = 0, line_no = 0, commands = 0;
    gv_meeting_free(check_round_trip(m));

    FILE *f = fopen(SCENARIO, "r");
    assert_non_null(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line_no++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        json_error_t jerr;
        json_t *env = json_loads(line, 0, &jerr), *events = NULL;
        assert_non_null(env);
        char *want = decide_text(m, env, &events);
        assert_non_null(events);
        /* Every twin restored earlier decides exactly as the original. */
        for (int t = 0; t < n_twins; t++) {
            json_t *tev = NULL;
            char *got = decide_text(twins[t], env, &tev);
            if (strcmp(got, want) != 0)
                fail_msg("line %d: a meeting restored earlier decides otherwise:\n%s\n%s", line_no,
                         got, want);
            apply_all(twins[t], tev);
            json_decref(tev);
            free(got);
        }
        apply_all(m, events);
        json_decref(events);
        json_decref(env);
        free(want);
        gv_meeting *back = check_round_trip(m);
        if (++commands % 25 == 0 && n_twins < 4)
            twins[n_twins++] = back;
        else
            gv_meeting_free(back);
    }
    fclose(f);
    assert_true(commands > 90);
    for (int t = 0; t < n_twins; t++) {
        char *a = canon_snapshot(m), *b = canon_snapshot(twins[t]);
        assert_string_equal(a, b);
        free(a);
        free(b);
        gv_meeting_free(twins[t]);
    }
    gv_meeting_free(m);
}

static void an_empty_meeting_round_trips(void **state)
{
    (void)state;
    gv_meeting *m = gv_meeting_new();
    gv_meeting *back = check_round_trip(m);
    assert_int_equal(gv_meeting_seq(back), 0);
    gv_meeting_free(back);
    gv_meeting_free(m);
}

/* The scripted panel up to its 60th command, as canonical snapshot bytes. */
static char *midway_snapshot(void)
{
    gv_meeting *m = defined_example();
    FILE *f = fopen(SCENARIO, "r");
    char line[4096];
    int commands = 0;
    assert_non_null(f);
    while (commands < 60 && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        json_t *env = json_loads(line, 0, NULL), *events = NULL;
        free(decide_text(m, env, &events));
        apply_all(m, events);
        json_decref(events);
        json_decref(env);
        commands++;
    }
    fclose(f);
    char *bytes = canon_snapshot(m);
    gv_meeting_free(m);
    return bytes;
}

/* Restores snap with the value at `path` (keys and indices) replaced. */
static int restore_changed(const char *snap, const char *path, json_t *value)
{
    json_t *s = json_loads(snap, 0, NULL), *at = s, *parent = NULL;
    char key[64] = "";
    assert_non_null(s);
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, "/");
        snprintf(key, sizeof key, "%.*s", (int)len, p);
        parent = at;
        at = json_is_array(at) ? json_array_get(at, (size_t)atoi(key)) : json_object_get(at, key);
        assert_non_null(at);
        p += len + (p[len] == '/');
    }
    if (json_is_array(parent))
        assert_int_equal(json_array_set_new(parent, (size_t)atoi(key), value), 0);
    else
        assert_int_equal(json_object_set_new(parent, key, value), 0);
    gv_meeting *m = (gv_meeting *)1;
    gv_error err;
    int rc = gv_meeting_restore(s, &m, &err);
    assert_null(m == (gv_meeting *)1 ? NULL : m);
    if (rc == 0)
        fail_msg("a snapshot with %s changed was restored", path);
    assert_int_equal(rc, GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "snapshot"));
    json_decref(s);
    return rc;
}

static void damaged_snapshots_are_refused(void **state)
{
    (void)state;
    char *snap = midway_snapshot();
    json_t *s = json_loads(snap, 0, NULL);
    assert_true(json_array_size(json_object_get(json_object_get(s, "floor"), "requests")) > 0);
    assert_true(json_array_size(json_object_get(json_object_get(s, "floor"), "speeches")) > 0);
    assert_true(json_array_size(json_object_get(s, "questions")) > 0);
    json_decref(s);

    restore_changed(snap, "v", json_integer(GV_SNAPSHOT_VERSION + 1));
    restore_changed(snap, "seq/0", json_string("12"));
    restore_changed(snap, "definition/people", json_string("nobody"));
    restore_changed(snap, "people/0/2", json_integer(1));
    restore_changed(snap, "items", json_array());
    restore_changed(snap, "meeting/3", json_integer(99));
    restore_changed(snap, "floor/requests/0/1", json_integer(9999));
    restore_changed(snap, "floor/requests/0/4", json_integer(-1));
    restore_changed(snap, "floor/requests/0", json_array());
    restore_changed(snap, "floor/speeches/0/2", json_integer(99));
    restore_changed(snap, "floor/speeches/0/16", json_integer(GV_TIMER_MAX_MS + 1));
    restore_changed(snap, "floor/state/0", json_integer(99999));
    restore_changed(snap, "floor/group_last/0", json_integer(99999));
    restore_changed(snap, "floor/list", json_pack("[i]", 99999));
    restore_changed(snap, "floor/totals/2/0", json_integer(99999));
    restore_changed(snap, "floor/totals/0", json_array());
    restore_changed(snap, "questions/0/1", json_null());
    restore_changed(snap, "questions/0/11", json_pack("[i, i]", 3, 2));
    restore_changed(snap, "questions/0/11", json_pack("[i]", 9999));
    restore_changed(snap, "notes", json_pack("[[i]]", 1));
    free(snap);
}

static void random_damage_is_refused_or_restores_a_whole_meeting(void **state)
{
    (void)state;
    char *snap = midway_snapshot();
    size_t len = strlen(snap), refused = 0, restored = 0;
    uint64_t rng = 0x5eed;
    for (int k = 0; k < 3000; k++) {
        char *copy = strdup(snap);
        for (int flips = 0; flips < 1 + k % 3; flips++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (size_t)(rng >> 33) % len;
            copy[at] = "0123456789-[]{}\",:tfn1"[(rng >> 20) % 23];
        }
        gv_error err;
        int rc;
        gv_meeting *m = restore_bytes(copy, &err, &rc);
        if (rc == 0) {
            /* What restores is a whole meeting: it folds and snapshots. */
            gv_meeting_free(check_round_trip(m));
            gv_meeting_free(m);
            restored++;
        } else {
            assert_null(m);
            refused++;
        }
        free(copy);
    }
    print_message("  %zu damaged snapshots refused, %zu still well formed\n", refused, restored);
    assert_true(refused > 2000);
    free(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scenario_round_trips_at_every_event),
        cmocka_unit_test(an_empty_meeting_round_trips),
        cmocka_unit_test(damaged_snapshots_are_refused),
        cmocka_unit_test(random_damage_is_refused_or_restores_a_whole_meeting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

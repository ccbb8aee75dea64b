/*
 * The scripted two-hour panel (tests/scenarios/cstd-2022-panel.jsonl) on the
 * built-in example meeting, replayed the way the server runs it: each
 * command decided, then its events applied one by one. A test may look at
 * the state after every event.
 *
 * Include after <cmocka.h> (through support.h). Fails the test on a broken
 * script.
 */
#ifndef GV_TEST_FIXTURE_SCENARIO_H
#define GV_TEST_FIXTURE_SCENARIO_H

#include "support.h"

#include "cli/cli.h"
#include "core/definition.h"

#define GVT_SCENARIO GV_SOURCE_DIR "/tests/scenarios/cstd-2022-panel.jsonl"

/* Called after each event is applied to m (the definition's too). */
typedef void gvt_scenario_fn(gv_meeting *m, const json_t *event, void *arg);

static void gvt_scenario_apply(gv_meeting *m, const json_t *ev, gvt_scenario_fn *each, void *arg)
{
    gv_error err = {0};
    if (gv_meeting_apply(m, ev, &err) < 0)
        fail_msg("event %lld does not apply: %s",
                 (long long)json_integer_value(json_object_get(ev, "seq")), err.msg);
    if (each)
        each(m, ev, arg);
}

/* Runs the whole script; returns the meeting at its end (caller frees). */
static gv_meeting *gvt_scenario(gvt_scenario_fn *each, void *arg)
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
    gvt_scenario_apply(m, ev, each, arg);
    json_decref(ev);
    json_decref(def);

    FILE *f = fopen(GVT_SCENARIO, "r");
    assert_non_null(f);
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        json_error_t jerr;
        json_t *env = json_loads(line, 0, &jerr);
        if (!env)
            fail_msg("line %d is not JSON: %s", lineno, jerr.text);
        json_t *events = NULL;
        const char *as = json_string_value(json_object_get(env, "as"));
        int64_t at = json_integer_value(json_object_get(env, "at_ms"));
        if (gv_meeting_decide(m, json_object_get(env, "command"), as, at, &events, &err) < 0)
            fail_msg("line %d refused: %s", lineno, err.msg);
        for (size_t i = 0; i < json_array_size(events); i++)
            gvt_scenario_apply(m, json_array_get(events, i), each, arg);
        json_decref(events);
        json_decref(env);
    }
    fclose(f);
    return m;
}

#endif

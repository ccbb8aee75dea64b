/*
 * Fuzz target: meeting definitions, the file a secretariat writes and
 * `gavel validate`, `gavel init` and `gavel serve` read.
 *
 * The input is a definition file as it is, not NUL-terminated:
 *   - always read as YAML with gv_definition_from_yaml (time zones answered
 *     by fz_zone_exists, no I/O);
 *   - when it is also a JSON object, checked with gv_definition_check and
 *     loaded as a meeting with gv_meeting_define.
 *
 * Checked:
 *   - YAML: success gives a definition and no diagnostics, and that
 *     definition passes gv_definition_check and defines a meeting whose
 *     state prints; failure gives GV_EINVAL with at least one diagnostic
 *     (each with its text, sorted by line and column) or GV_ENOMEM, and no
 *     definition;
 *   - JSON: every reported problem is well formed (a code, a path, a
 *     message, the node it names), at most GV_DEF_PROBLEMS_MAX are
 *     reported, a zone check only adds problems, and the validator and the
 *     meeting agree: gv_meeting_define accepts exactly the definitions with
 *     no problem (docs: "what `gavel validate` accepts is exactly what a
 *     meeting accepts").
 */
#include "fuzz_meeting.h"

typedef struct problems {
    int reported;
} problems;

static void on_problem(const gv_def_problem *p, void *ud)
{
    problems *ps = ud;
    ps->reported++;
    FZ_CHECK(p->code == GV_EINVAL || p->code == GV_ELIMIT, "problem with code %d", p->code);
    FZ_CHECK(p->msg && p->msg[0], "problem without a message");
    FZ_CHECK(p->path, "problem without a path: %s", p->msg);
    FZ_CHECK(p->at == GV_DEF_AT_NODE || p->at == GV_DEF_AT_VALUE || p->at == GV_DEF_AT_KEY,
             "problem located by %d", (int)p->at);
    FZ_CHECK(p->node, "problem without a node: %s %s", p->path, p->msg);
    FZ_CHECK(p->at != GV_DEF_AT_KEY || p->key, "unknown-key problem without its key: %s", p->msg);
    FZ_CHECK(p->at != GV_DEF_AT_VALUE || p->key || json_is_array(p->node),
             "value problem in an object without its key: %s %s", p->path, p->msg);
}

/* A valid definition must define a meeting that prints. */
static void check_defines(const json_t *def)
{
    gv_error err = {0};
    gv_meeting *m = gv_meeting_new();
    FZ_CHECK(m, "out of memory");
    json_t *ev = gv_meeting_define(m, def, FZ_T0, &err);
    FZ_CHECK(ev, "a valid definition does not define a meeting: %s", err.msg);
    int rc = fz_apply_canonical(m, ev, NULL, &err);
    FZ_CHECK(rc == 0, "the definition event of a valid definition does not apply: %s", err.msg);
    json_t *state = fz_json(m);
    char *text = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
    FZ_CHECK(text, "the state of a valid definition does not print");
    free(text);
    json_decref(state);
    json_decref(ev);
    gv_meeting_free(m);
}

static void fuzz_yaml(const uint8_t *data, size_t size)
{
    gv_diag_list diags;
    gv_error err = {0};
    json_t *def = NULL;
    gv_diag_list_init(&diags);
    int rc = gv_definition_from_yaml((const char *)data, size, "<fuzz>", fz_zone_exists, NULL, &def,
                                     &diags, &err);
    if (rc == 0) {
        FZ_CHECK(def && diags.n == 0, "accepted with %zu diagnostics", diags.n);
        problems ps = {0};
        int n = gv_definition_check(def, fz_zone_exists, NULL, on_problem, &ps);
        FZ_CHECK(n == 0, "the YAML reader accepted what the validator refuses (%d problems)", n);
        check_defines(def);
        json_decref(def);
    } else {
        FZ_CHECK(def == NULL, "refused but gave a definition");
        fz_check_refusal(rc, &err, "gv_definition_from_yaml");
        FZ_CHECK(rc == GV_EINVAL || rc == GV_ENOMEM, "refused with %s", gv_error_name(rc));
        FZ_CHECK(rc != GV_EINVAL || diags.n > 0, "refused without a diagnostic: %s", err.msg);
        for (size_t i = 0; i < diags.n; i++) {
            const gv_diag *d = &diags.items[i];
            FZ_CHECK(d->msg && d->msg[0] && d->text && d->text[0], "diagnostic without text");
            if (i > 0) {
                const gv_diag *p = &diags.items[i - 1];
                FZ_CHECK(p->line < d->line || (p->line == d->line && p->column <= d->column),
                         "diagnostics out of order: %s then %s", p->text, d->text);
            }
        }
    }
    gv_diag_list_release(&diags);
}

static void fuzz_json(const uint8_t *data, size_t size)
{
    json_t *def = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!def)
        return;
    problems without = {0}, with = {0};
    int n = gv_definition_check(def, NULL, NULL, on_problem, &without);
    int nz = gv_definition_check(def, fz_zone_exists, NULL, on_problem, &with);
    FZ_CHECK(n >= 0 && nz >= 0, "gv_definition_check failed: %d %d", n, nz);
    FZ_CHECK(without.reported <= GV_DEF_PROBLEMS_MAX && with.reported <= GV_DEF_PROBLEMS_MAX,
             "more than %d problems reported", GV_DEF_PROBLEMS_MAX);
    FZ_CHECK(without.reported <= n && (n == 0) == (without.reported == 0),
             "%d problems counted, %d reported", n, without.reported);
    FZ_CHECK(nz >= n, "checking the zone removed problems (%d < %d)", nz, n);
    /* Counting only (no callback) gives the same number. */
    FZ_CHECK(gv_definition_check(def, NULL, NULL, NULL, NULL) == n, "count differs without report");

    gv_error err = {0};
    gv_meeting *m = gv_meeting_new();
    FZ_CHECK(m, "out of memory");
    json_t *ev = gv_meeting_define(m, def, FZ_T0, &err);
    FZ_CHECK((ev != NULL) == (n == 0), "validator (%d problems) and meeting (%s) disagree: %s", n,
             ev ? "accepted" : "refused", ev ? "" : err.msg);
    gv_meeting_free(m);
    json_decref(ev);
    if (n == 0)
        check_defines(def);
    json_decref(def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_yaml(data, size);
    fuzz_json(data, size);
    return 0;
}

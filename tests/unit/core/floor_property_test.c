/*
 * Property test of the speakers' list: long random sequences of requests,
 * withdrawals, declines, moves, insertions, floor-givings, speech ends,
 * undos, closings, re-adds and item changes, by random people at random
 * times, on items of every policy. After every command:
 *
 * - no request is lost or duplicated: every request ever made is in the
 *   state exactly once, in the status a model kept here from the events says
 *   (waiting, granted, withdrawn, declined, lapsed, cancelled), through legal
 *   transitions only; the list holds exactly the waiting ones, once each,
 *   at positions 0..n-1, at most one per person;
 * - pinned entries stand exactly where a model of "the moderator's placement
 *   keeps its position, shifted only by entries leaving or put ahead of it"
 *   says, and carry a moderator's reason;
 * - unpinned entries obey the policy: points of order have only points of
 *   order or pinned entries ahead of them, rights of reply only replies or
 *   pinned entries behind them, and the others are in arrival order (fifo),
 *   in (class, arrival) order (un), or each is the best choice by the
 *   balanced rules among those not yet placed (checked here as a property of
 *   each position, not by re-running the ordering);
 * - refused commands change nothing (the fixture compares states);
 * and at the end the log replays to the same state, and, for the first
 * balanced sequence (the list's every rule at work), the stream's patches
 * made from the sections each event names follow it in every view
 * (view_follow.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "floor_fixture.h"
#include "view_follow.h"

#define MAX_SEQ    60000
#define MAX_LIST   512
#define MOVE_DEPTH 32

enum { ST_NONE = -1, ST_WAITING, ST_GRANTED, ST_WITHDRAWN, ST_DECLINED, ST_LAPSED, ST_CANCELLED };
static const char *const st_names[] = {"waiting",  "granted", "withdrawn",
                                       "declined", "lapsed",  "cancelled"};

typedef struct entry {
    int64_t id;
    int person; /* index in the meeting */
    int kind;   /* 0 intervention/question, 1 point of order, 2 reply */
    int mode;
    int group;
    bool pinned;
    bool obo;
} entry;

typedef struct model {
    signed char status[MAX_SEQ];
    int pin[MAX_SEQ]; /* expected position of a pinned request, -1 */
    int decline_at[MAX_SEQ];
    bool decline_pinned[MAX_SEQ];
    int move_at[MAX_SEQ][MOVE_DEPTH]; /* where each move of a request took it from */
    bool move_pinned[MAX_SEQ][MOVE_DEPTH];
    int moves[MAX_SEQ];
    int64_t ids[MAX_SEQ]; /* every request id made, in order */
    size_t n_ids;
} model;

static model md;

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}
static int rnd_below(int n)
{
    return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}

/* ---- reading the state ---------------------------------------------------------------------- */

static int kind_band(const char *kind)
{
    return strcmp(kind, "point_of_order") == 0 ? 1 : strcmp(kind, "reply") == 0 ? 2 : 0;
}

/* The list of the state st (borrowed). */
static size_t read_list(const ff *f, const json_t *st, entry *out)
{
    json_t *list = json_object_get(json_object_get(st, "floor"), "list"), *e;
    size_t i;
    json_array_foreach(list, i, e)
    {
        assert_true(i < MAX_LIST);
        const char *person = json_string_value(json_object_get(e, "person"));
        out[i].id = json_integer_value(json_object_get(e, "request"));
        out[i].person = gv__person_find(f->m, person);
        out[i].kind = kind_band(json_string_value(json_object_get(e, "kind")));
        out[i].mode = strcmp(json_string_value(json_object_get(e, "mode")), "room") == 0 ? 0 : 1;
        out[i].group = (int)f->m->people[out[i].person].group;
        out[i].pinned = json_is_true(json_object_get(e, "pinned"));
        out[i].obo = !json_is_null(json_object_get(e, "on_behalf_of"));
        assert_int_equal(json_integer_value(json_object_get(e, "position")), (json_int_t)i);
        if (out[i].pinned) {
            const char *code = json_string_value(json_object_get(e, "reason_code"));
            assert_true(strcmp(code, "moved") == 0 || strcmp(code, "placed") == 0 ||
                        strcmp(code, "readded") == 0);
        }
    }
    return i;
}

static int pos_of(const entry *l, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (l[i].id == id)
            return (int)i;
    fail_msg("request %lld is not on the list", (long long)id);
    return -1;
}

/* ---- the model of statuses and pins --------------------------------------------------------- */

static void shift_pins(int from, int by)
{
    for (size_t i = 0; i < md.n_ids; i++) {
        int64_t id = md.ids[i];
        if (md.pin[id] >= from)
            md.pin[id] += by;
    }
}

/* Request id leaves the list from position q of the list before the command. */
static void leaves(int64_t id, int q, int status)
{
    assert_int_equal(md.status[id], ST_WAITING);
    md.pin[id] = -1;
    shift_pins(q + 1, -1);
    md.status[id] = (signed char)status;
    md.moves[id] = 0;
}

static void model_event(const ff *f, const json_t *ev, const entry *before, size_t n)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    int64_t id = json_integer_value(json_object_get(ev, "request"));
    if (strcmp(type, "floor_requested") == 0) {
        assert_true(id < MAX_SEQ);
        assert_int_equal(md.status[id], ST_NONE);
        md.status[id] = ST_WAITING;
        md.ids[md.n_ids++] = id;
        json_t *p = json_object_get(ev, "position");
        if (p) {
            shift_pins((int)json_integer_value(p), +1);
            md.pin[id] = (int)json_integer_value(p);
        } else if (kind_band(json_string_value(json_object_get(ev, "kind"))) == 1) {
            int q = 0;
            while ((size_t)q < n && before[q].kind == 1)
                q++;
            shift_pins(q, +1);
        }
    } else if (strcmp(type, "request_withdrawn") == 0) {
        leaves(id, pos_of(before, n, id), ST_WITHDRAWN);
    } else if (strcmp(type, "request_declined") == 0) {
        int q = pos_of(before, n, id);
        md.decline_at[id] = q;
        md.decline_pinned[id] = before[q].pinned;
        leaves(id, q, ST_DECLINED);
    } else if (strcmp(type, "floor_given") == 0) {
        if (id > 0)
            leaves(id, pos_of(before, n, id), ST_GRANTED);
    } else if (strcmp(type, "request_moved") == 0) {
        int q = pos_of(before, n, id), p = (int)json_integer_value(json_object_get(ev, "position"));
        if (md.moves[id] == MOVE_DEPTH) /* keep the latest */
            fail_msg("request %lld moved more often than this test remembers", (long long)id);
        md.move_at[id][md.moves[id]] = q;
        md.move_pinned[id][md.moves[id]++] = before[q].pinned;
        md.pin[id] = -1;
        shift_pins(q + 1, -1);
        shift_pins(p, +1);
        md.pin[id] = p;
    } else if (strcmp(type, "list_change_undone") == 0) {
        const char *change = json_string_value(json_object_get(ev, "change"));
        if (strcmp(change, "decline") == 0) {
            assert_int_equal(md.status[id], ST_DECLINED);
            int at = md.decline_at[id] < (int)n ? md.decline_at[id] : (int)n;
            shift_pins(at, +1);
            md.status[id] = ST_WAITING;
            md.pin[id] = md.decline_pinned[id] ? at : -1;
        } else if (strcmp(change, "move") == 0) {
            if (md.moves[id] == 0)
                fail_msg("undo of a move of %lld older than this test remembers", (long long)id);
            int q = pos_of(before, n, id), k = --md.moves[id];
            md.pin[id] = -1;
            shift_pins(q + 1, -1);
            int at = md.move_at[id][k] < (int)n - 1 ? md.move_at[id][k] : (int)n - 1;
            shift_pins(at, +1);
            md.pin[id] = md.move_pinned[id][k] ? at : -1;
        } else if (strcmp(change, "insert") == 0 || strcmp(change, "readd") == 0) {
            leaves(id, pos_of(before, n, id), ST_CANCELLED);
        }
    } else if (strcmp(type, "item_ended") == 0) {
        for (size_t i = 0; i < md.n_ids; i++) {
            if (md.status[md.ids[i]] == ST_WAITING)
                md.status[md.ids[i]] = ST_LAPSED;
            md.pin[md.ids[i]] = -1;
            md.moves[md.ids[i]] = 0;
        }
    }
    (void)f;
}

/* ---- the checks ----------------------------------------------------------------------------- */

static int un_class(const entry *e)
{
    if (e->obo)
        return 0;
    switch (e->group) {
    case GV_GROUP_MEMBER_STATE:
        return 1;
    case GV_GROUP_OBSERVER_STATE:
        return 2;
    case GV_GROUP_INTERGOVERNMENTAL:
        return 3;
    default:
        return 4;
    }
}

typedef struct history {
    bool spoken[64]; /* per person index: had the floor at this meeting */
    int64_t group_last[GV_GROUP_COUNT];
    int prev_mode, prev_group;
    int64_t turn;
} history;

static void read_history(const ff *f, const json_t *st, history *h)
{
    json_t *speeches = json_object_get(st, "speeches"), *s;
    size_t i;
    memset(h->spoken, 0, sizeof h->spoken);
    for (int g = 0; g < GV_GROUP_COUNT; g++)
        h->group_last[g] = -1;
    h->prev_mode = h->prev_group = -1;
    json_array_foreach(speeches, i, s)
    {
        int p = gv__person_find(f->m, json_string_value(json_object_get(s, "person")));
        assert_true(p >= 0 && p < 64);
        h->spoken[p] = true;
        h->group_last[f->m->people[p].group] = (int64_t)i;
        h->prev_group = (int)f->m->people[p].group;
        h->prev_mode = strcmp(json_string_value(json_object_get(s, "mode")), "room") == 0 ? 0 : 1;
    }
    h->turn = (int64_t)i;
}

static void check_policy(const ff *f, const json_t *st, const entry *l, size_t n)
{
    int policy = f->m->current_item >= 0 ? (int)f->m->items[f->m->current_item].policy : -1;
    history h;
    read_history(f, st, &h);
    const entry *prev_band = NULL;
    for (size_t i = 0; i < n; i++) {
        const entry *e = &l[i];
        if (e->pinned)
            goto step;
        for (size_t j = 0; e->kind == 1 && j < i; j++)
            if (!(l[j].kind == 1 || l[j].pinned))
                fail_msg("point of order %lld stands behind %lld", (long long)e->id,
                         (long long)l[j].id);
        for (size_t j = i + 1; e->kind == 2 && j < n; j++)
            if (!(l[j].kind == 2 || l[j].pinned))
                fail_msg("reply %lld stands before %lld", (long long)e->id, (long long)l[j].id);
        if (e->kind != 0)
            goto step;
        if (policy == GV_POLICY_FIFO && prev_band && prev_band->id > e->id)
            fail_msg("fifo: %lld after %lld", (long long)e->id, (long long)prev_band->id);
        if (policy == GV_POLICY_UN && prev_band &&
            (un_class(prev_band) > un_class(e) ||
             (un_class(prev_band) == un_class(e) && prev_band->id > e->id)))
            fail_msg("un: %lld after %lld", (long long)e->id, (long long)prev_band->id);
        if (policy == GV_POLICY_BALANCED) {
            /* The unplaced: unpinned ordinary entries from here on. */
            int tier = h.spoken[e->person];
            bool first_waits = false, other_mode = false;
            for (size_t j = i; j < n; j++) {
                if (l[j].pinned || l[j].kind != 0)
                    continue;
                first_waits |= !h.spoken[l[j].person];
            }
            if (first_waits && tier)
                fail_msg("balanced: %lld has spoken but a first-time speaker waits behind",
                         (long long)e->id);
            for (size_t j = i; j < n; j++)
                if (!l[j].pinned && l[j].kind == 0 && h.spoken[l[j].person] == tier &&
                    h.prev_mode >= 0 && l[j].mode != h.prev_mode)
                    other_mode = true;
            if (other_mode && e->mode == h.prev_mode)
                fail_msg("balanced: %lld does not alternate though someone could",
                         (long long)e->id);
            for (size_t j = i + 1; j < n; j++) {
                const entry *o = &l[j];
                if (o->pinned || o->kind != 0 || h.spoken[o->person] != tier ||
                    (other_mode && o->mode == h.prev_mode))
                    continue;
                int64_t a = h.group_last[e->group], b = h.group_last[o->group];
                if (b < a || (b == a && o->id < e->id))
                    fail_msg("balanced: %lld (group last heard %lld) should come after %lld "
                             "(%lld)",
                             (long long)e->id, (long long)a, (long long)o->id, (long long)b);
            }
        }
        prev_band = e;
    step:
        h.prev_mode = e->mode;
        h.prev_group = e->group;
        h.group_last[e->group] = h.turn++;
    }
}

static void check_state(const ff *f, const json_t *st, const entry *l, size_t n)
{
    /* Every request once, in the model's status. */
    json_t *reqs = json_object_get(st, "floor_requests"), *r;
    size_t i, waiting = 0;
    assert_int_equal(json_array_size(reqs), md.n_ids);
    json_array_foreach(reqs, i, r)
    {
        int64_t id = json_integer_value(json_object_get(r, "request"));
        assert_int_equal(id, md.ids[i]);
        const char *status = json_string_value(json_object_get(r, "status"));
        if (strcmp(status, st_names[md.status[id]]) != 0)
            fail_msg("request %lld is %s; the model says %s", (long long)id, status,
                     st_names[md.status[id]]);
        waiting += md.status[id] == ST_WAITING;
    }
    /* The list: exactly the waiting ones, one per person. */
    assert_int_equal(n, waiting);
    for (size_t a = 0; a < n; a++) {
        assert_int_equal(md.status[l[a].id], ST_WAITING);
        for (size_t b = a + 1; b < n; b++) {
            assert_true(l[a].id != l[b].id);
            assert_true(l[a].person != l[b].person);
        }
        if (l[a].pinned != (md.pin[l[a].id] >= 0) || (l[a].pinned && md.pin[l[a].id] != (int)a))
            fail_msg("request %lld at %zu, pinned %d; the model says pinned at %d",
                     (long long)l[a].id, a, l[a].pinned, md.pin[l[a].id]);
    }
    check_policy(f, st, l, n);
}

/* ---- random commands ------------------------------------------------------------------------ */

static const char *const speakers[] = {
    "arcadia", "borduria", "carpania", "dorado", "agency", "ngo", "firm", "uni",  "pan1",
    "pan2",    "d00",      "d01",      "d02",    "d03",    "d04", "d05",  "d06",  "d07",
    "d08",     "d09",      "d10",      "d11",    "d12",    "d13", "d14",  "d15",  "d16",
    "d17",     "d18",      "d19",      "d20",    "d21",    "d22", "d23",  "chair"};
#define N_SPEAKERS (sizeof speakers / sizeof speakers[0])
static const char *const items[] = {"fifo", "un", "balanced", "panel"};

static int64_t any_id(const entry *l, size_t n)
{
    if (n > 0 && rnd_below(10) < 8)
        return l[rnd_below((int)n)].id;
    if (md.n_ids > 0 && rnd_below(2))
        return md.ids[rnd_below((int)md.n_ids)];
    return 1 + rnd_below(MAX_SEQ);
}

static void random_command(ff *f, const entry *l, size_t n)
{
    gv_error err;
    const char *who = speakers[rnd_below((int)N_SPEAKERS)];
    const char *mod = rnd_below(4) ? "mod" : "chair";
    int roll = rnd_below(100);
    if (roll < 30) {
        static const char *const kinds[] = {"intervention", "intervention",   "intervention",
                                            "question",     "point_of_order", "reply"};
        const char *kind = kinds[rnd_below(6)];
        char extra[160] = "";
        int o = 0;
        if (strcmp(kind, "question") == 0 && rnd_below(2))
            o += snprintf(extra + o, sizeof extra - (size_t)o, ", \"to\": \"pan%d\"",
                          1 + rnd_below(2));
        if (rnd_below(4) == 0)
            o += snprintf(extra + o, sizeof extra - (size_t)o, ", \"mode\": \"%s\"",
                          rnd_below(2) ? "room" : "online");
        if (strcmp(kind, "intervention") == 0 && rnd_below(8) == 0)
            o += snprintf(extra + o, sizeof extra - (size_t)o,
                          ", \"on_behalf_of\": \"the African Group\"");
        ff_try(f, &err, who, "{\"type\": \"request_floor\", \"kind\": \"%s\"%s}", kind, extra);
    } else if (roll < 38) {
        if (rnd_below(2))
            ff_try(f, &err, who, "{\"type\": \"withdraw\"}");
        else
            ff_try(f, &err, who, "{\"type\": \"withdraw\", \"request\": %lld}",
                   (long long)any_id(l, n));
    } else if (roll < 44) {
        ff_try(f, &err, mod, "{\"type\": \"decline\", \"request\": %lld}", (long long)any_id(l, n));
    } else if (roll < 54) {
        ff_try(f, &err, mod, "{\"type\": \"move_request\", \"request\": %lld, \"position\": %d}",
               (long long)any_id(l, n), rnd_below((int)n + 1));
    } else if (roll < 57) {
        ff_try(f, &err, mod, "{\"type\": \"move_to_top\", \"request\": %lld}",
               (long long)any_id(l, n));
    } else if (roll < 63) {
        if (rnd_below(2))
            ff_try(f, &err, mod,
                   "{\"type\": \"insert_speaker\", \"person\": \"%s\", \"position\": %d}", who,
                   rnd_below((int)n + 2));
        else
            ff_try(f, &err, mod,
                   "{\"type\": \"insert_speaker\", \"person\": \"%s\", \"kind\": "
                   "\"%s\"}",
                   who,
                   rnd_below(3)   ? "intervention"
                   : rnd_below(2) ? "reply"
                                  : "point_of_order");
    } else if (roll < 71) {
        int how = rnd_below(3);
        if (how == 0)
            ff_try(f, &err, mod, "{\"type\": \"next_speaker\"}");
        else if (how == 1)
            ff_try(f, &err, mod, "{\"type\": \"give_floor\", \"request\": %lld}",
                   (long long)any_id(l, n));
        else
            ff_try(f, &err, mod, "{\"type\": \"give_floor\", \"person\": \"%s\"}", who);
    } else if (roll < 80) {
        ff_try(f, &err, mod, "{\"type\": \"end_speech\"}");
    } else if (roll < 87) {
        ff_try(f, &err, mod, "{\"type\": \"undo_list_change\"}");
    } else if (roll < 90) {
        ff_try(f, &err, mod,
               rnd_below(2) ? "{\"type\": \"close_list\"}" : "{\"type\": \"reopen_list\"}");
    } else if (roll < 93) {
        ff_try(f, &err, mod, "{\"type\": \"readd_last_speaker\"}");
    } else if (roll < 95) {
        ff_try(f, &err, mod, "{\"type\": \"set_autopilot\", \"on\": %s}",
               rnd_below(2) ? "true" : "false");
    } else if (roll < 97) {
        ff_try(f, &err, mod,
               rnd_below(2) ? "{\"type\": \"pause_speech\"}" : "{\"type\": \"resume_speech\"}");
    } else {
        ff_try(f, &err, "chair", "{\"type\": \"start_item\", \"item\": \"%s\"}",
               items[rnd_below(4)]);
    }
}

/* follow: also check the stream's patches follow the log (view_follow.h). */
static void run(const char *item, uint64_t seed, int steps, bool follow)
{
    static entry before[MAX_LIST], after[MAX_LIST];
    ff f;
    ff_init(&f);
    memset(md.status, ST_NONE, sizeof md.status);
    memset(md.pin, -1, sizeof md.pin);
    memset(md.moves, 0, sizeof md.moves);
    md.n_ids = 0;
    rng = seed;
    ff_start(&f, item);
    json_t *st = gv_meeting_to_json(f.m);
    size_t n = read_list(&f, st, before);
    json_decref(st);
    int accepted = 0, lists = 0;
    for (int s = 0; s < steps; s++) {
        f.step_ms = 1000 + rnd_below(20000);
        f.check_refusals = s % 5 == 0;
        int64_t seq = gv_meeting_seq(f.m);
        random_command(&f, before, n);
        if (gv_meeting_seq(f.m) != seq) {
            accepted++;
            size_t i;
            json_t *ev;
            json_array_foreach(f.last, i, ev) model_event(&f, ev, before, n);
        }
        st = gv_meeting_to_json(f.m);
        assert_non_null(st);
        size_t m = read_list(&f, st, after);
        check_state(&f, st, after, m);
        json_decref(st);
        memcpy(before, after, m * sizeof *after);
        n = m;
        lists += n > 3;
    }
    /* The run exercised something: most commands went through, lists grew. */
    assert_true(accepted > steps / 4);
    assert_true(lists > steps / 10);
    ff_assert_replays(&f);
    if (follow)
        gvt_assert_views_follow(f.log, 4, seed);
    ff_release(&f);
}

/* Two sequences of each policy, 1,000 commands each; under the sanitizers
 * one of 500 (support.h, GVT_CASES), which still grows long lists. */
#define SEEDS GVT_CASES(2)
#define STEPS (GVT_SANITIZED ? 500 : 1000)

static void fifo_sequences(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++)
        run("fifo", seed * 7919, STEPS, false);
}

static void un_sequences(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++)
        run("un", seed * 104729, STEPS, false);
}

static void balanced_sequences(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= SEEDS; seed++)
        run("balanced", seed * 1299709, STEPS, seed == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_sequences),
        cmocka_unit_test(un_sequences),
        cmocka_unit_test(balanced_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

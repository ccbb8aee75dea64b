/*
 * Property test of the lists before the meeting: random sequences of
 * inscriptions (by people and by the secretariat, at random levels, for
 * groups or not, placed or not), withdrawals, moves, swaps and changes of
 * level on three items of the three policies, with items starting and ending
 * in between and requests made on the running item. After every command:
 *
 * - no request is lost or duplicated: every request ever made is in the
 *   state exactly once, in the status a model kept here from the events says;
 * - every provisional list holds exactly the waiting inscriptions of its
 *   item, once each, at positions 0..n-1, at most one per person; the
 *   running list exactly the waiting requests of the running item;
 * - when an item starts, its speakers' list is the provisional list of the
 *   moment before, entry for entry (request, reason, pin);
 * - refused commands change nothing (the fixture compares states);
 * and at the end the log replays to the same state, and (first sequence) the
 * stream's patches made from the sections each event names follow it in
 * every view (view_follow.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "inscription_fixture.h"
#include "view_follow.h"

#define MAX_IDS 4096
#define N_OPS   350
#define N_SEEDS 4

static const char *const items[] = {"debate", "fifo", "balanced"};
#define N_ITEMS 3
static const char *const levels[] = {"head_of_state",     "head_of_government", "vice_president",
                                     "crown_prince",      "minister",           "vice_minister",
                                     "head_of_delegation"};

typedef struct model {
    int64_t ids[MAX_IDS];
    char status[MAX_IDS][12];
    char item[MAX_IDS][16];
    size_t n;
} model;

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static int find(const model *md, int64_t id)
{
    for (size_t i = 0; i < md->n; i++)
        if (md->ids[i] == id)
            return (int)i;
    return -1;
}

/* Folds the events of the last accepted command into the model. */
static void follow(model *md, const ff *f, const char *running)
{
    size_t i;
    json_t *ev;
    json_array_foreach(f->last, i, ev)
    {
        const char *type = json_string_value(json_object_get(ev, "type"));
        int64_t req = json_integer_value(json_object_get(ev, "request"));
        if (strcmp(type, "speaker_inscribed") == 0 || strcmp(type, "floor_requested") == 0) {
            assert_true(md->n < MAX_IDS);
            assert_int_equal(find(md, req), -1);
            md->ids[md->n] = req;
            snprintf(md->status[md->n], sizeof md->status[0], "waiting");
            snprintf(md->item[md->n], sizeof md->item[0], "%s",
                     json_string_value(json_object_get(ev, "item")));
            md->n++;
        } else if (strcmp(type, "inscription_withdrawn") == 0 ||
                   strcmp(type, "request_withdrawn") == 0) {
            snprintf(md->status[find(md, req)], sizeof md->status[0], "withdrawn");
        } else if (strcmp(type, "floor_given") == 0 && req > 0) {
            snprintf(md->status[find(md, req)], sizeof md->status[0], "granted");
        } else if (strcmp(type, "item_ended") == 0 || strcmp(type, "meeting_closed") == 0) {
            const char *it = json_string_value(json_object_get(ev, "item"));
            for (size_t k = 0; k < md->n; k++)
                if (strcmp(md->status[k], "waiting") == 0 &&
                    (it ? strcmp(md->item[k], it) == 0 : true))
                    snprintf(md->status[k], sizeof md->status[0], "lapsed");
        }
    }
    (void)running;
}

/* Every request once, in its status; every list exactly its waiting requests. */
static void check(const model *md, const ff *f)
{
    json_t *reqs = ff_get(f, "floor_requests"), *prov = ff_get(f, "provisional");
    json_t *floor = ff_get(f, "floor"), *r;
    size_t i;
    assert_int_equal(json_array_size(reqs), md->n);
    json_array_foreach(reqs, i, r)
    {
        int k = find(md, json_integer_value(json_object_get(r, "request")));
        if (k < 0)
            fail_msg("request %lld is in the state, not in the model",
                     (long long)json_integer_value(json_object_get(r, "request")));
        assert_string_equal(json_string_value(json_object_get(r, "status")), md->status[k]);
    }
    const char *running = json_string_value(json_object_get(floor, "item"));
    json_t *p;
    json_array_foreach(prov, i, p)
    {
        const char *item = json_string_value(json_object_get(p, "item"));
        bool is_running = running && strcmp(item, running) == 0;
        json_t *list = is_running ? json_object_get(floor, "list") : json_object_get(p, "list");
        size_t waiting = 0;
        for (size_t k = 0; k < md->n; k++)
            waiting += strcmp(md->status[k], "waiting") == 0 && strcmp(md->item[k], item) == 0;
        assert_int_equal(json_array_size(list), waiting);
        json_t *e;
        size_t pos;
        json_array_foreach(list, pos, e)
        {
            assert_int_equal(json_integer_value(json_object_get(e, "position")), pos);
            int k = find(md, json_integer_value(json_object_get(e, "request")));
            assert_true(k >= 0);
            assert_string_equal(md->status[k], "waiting");
            assert_string_equal(md->item[k], item);
            for (size_t q = 0; q < pos; q++) {
                json_t *o = json_array_get(list, q);
                assert_false(
                    json_equal(json_object_get(o, "request"), json_object_get(e, "request")));
                assert_false(
                    json_equal(json_object_get(o, "person"), json_object_get(e, "person")));
            }
        }
        if (is_running)
            assert_int_equal(json_array_size(json_object_get(p, "list")), 0);
    }
    json_decref(reqs);
    json_decref(prov);
    json_decref(floor);
}

/* A random waiting entry of a list (new reference to the entry), or NULL. */
static json_t *pick(const ff *f, const char *item, unsigned *seed)
{
    json_t *p = if_provisional(f, item), *list = json_object_get(p, "list");
    json_t *e = NULL;
    if (json_array_size(list) > 0)
        e = json_incref(json_array_get(list, rnd(seed) % json_array_size(list)));
    json_decref(p);
    return e;
}

static const char *person_at(const ff *f, unsigned n)
{
    return f->m->people[5 + n % (f->m->n_people - 5)].id; /* not the officers */
}

static void start(ff *f, model *md, const char *item)
{
    json_t *before = if_provisional(f, item);
    if (f->m->status == GV_STATUS_SCHEDULED) {
        ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
        follow(md, f, NULL);
    }
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"%s\"}", item);
    follow(md, f, item);
    json_t *after = ff_list(f), *was = json_object_get(before, "list");
    assert_int_equal(json_array_size(after), json_array_size(was));
    static const char *const keys[] = {"request", "reason_code", "reason", "pinned", "position"};
    for (size_t i = 0; i < json_array_size(was); i++)
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (!json_equal(json_object_get(json_array_get(after, i), keys[k]),
                            json_object_get(json_array_get(was, i), keys[k])))
                fail_msg("%s: entry %zu's %s changed when the item started", item, i, keys[k]);
    json_decref(before);
    json_decref(after);
}

static void one_op(ff *f, model *md, unsigned *seed)
{
    gv_error err;
    const char *item = items[rnd(seed) % N_ITEMS];
    const char *who = person_at(f, rnd(seed));
    unsigned op = rnd(seed) % 100;
    int rc = -1;
    json_t *e = NULL;
    char extra[200] = "";
    if (op < 40) {
        unsigned how = rnd(seed) % 8;
        if (how == 0)
            snprintf(extra, sizeof extra, ", \"on_behalf_of\": \"the Group %u\"", rnd(seed) % 3);
        else if (how < 4)
            snprintf(extra, sizeof extra, ", \"level\": \"%s\"", levels[rnd(seed) % 7]);
        if (rnd(seed) % 3 == 0)
            rc =
                ff_try(f, &err, "sec",
                       "{\"type\": \"inscribe_speaker\", \"item\": \"%s\", \"person\": \"%s\"%s%s}",
                       item, who, extra, rnd(seed) % 4 == 0 ? ", \"position\": 0" : "");
        else
            rc = ff_try(f, &err, who, "{\"type\": \"inscribe\", \"item\": \"%s\"%s}", item, extra);
    } else if (op < 55 && (e = pick(f, item, seed))) {
        const char *as = rnd(seed) % 2 ? "sec" : json_string_value(json_object_get(e, "person"));
        if (rnd(seed) % 6 == 0)
            as = who; /* often someone else: refused */
        rc = ff_try(f, &err, as, "{\"type\": \"withdraw_inscription\", \"request\": %lld}",
                    (long long)json_integer_value(json_object_get(e, "request")));
    } else if (op < 68 && (e = pick(f, item, seed))) {
        rc = ff_try(f, &err, "sec",
                    "{\"type\": \"move_inscription\", \"request\": %lld, \"position\": %u}",
                    (long long)json_integer_value(json_object_get(e, "request")), rnd(seed) % 6);
    } else if (op < 80 && (e = pick(f, item, seed))) {
        json_t *o = pick(f, item, seed);
        rc = ff_try(f, &err, rnd(seed) % 2 ? "sec" : "chair",
                    "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}",
                    (long long)json_integer_value(json_object_get(e, "request")),
                    (long long)json_integer_value(json_object_get(o, "request")));
        json_decref(o);
    } else if (op < 90 && (e = pick(f, item, seed))) {
        rc = ff_try(f, &err, json_string_value(json_object_get(e, "person")),
                    "{\"type\": \"set_speaker_level\", \"request\": %lld, \"level\": \"%s\"}",
                    (long long)json_integer_value(json_object_get(e, "request")),
                    levels[rnd(seed) % 7]);
    } else if (op < 93 && f->m->status != GV_STATUS_CLOSED) {
        if (f->m->current_item < 0 || strcmp(f->m->items[f->m->current_item].id, item) != 0)
            start(f, md, item);
        return;
    } else if (op < 97 && f->m->current_item >= 0) {
        rc = ff_try(f, &err, who, "{\"type\": \"request_floor\"}");
    } else if (f->m->current_item >= 0) {
        rc = ff_try(f, &err, "chair", "{\"type\": \"end_item\"}");
    }
    json_decref(e);
    if (rc == 0)
        follow(md, f, NULL);
}

static void nothing_lost_nothing_doubled(void **state)
{
    (void)state;
    for (unsigned s = 1; s <= N_SEEDS; s++) {
        ff f;
        model *md = calloc(1, sizeof *md);
        unsigned seed = s * 7919u;
        if_init(&f);
        f.check_refusals = s == 1; /* the whole state around refusals, once */
        ff_ok(&f, "sec",
              "{\"type\": \"set_inscription\", \"item\": \"fifo\", \"opens_at_ms\": %lld}",
              (long long)f.now_ms);
        ff_ok(&f, "sec",
              "{\"type\": \"set_inscription\", \"item\": \"balanced\", \"opens_at_ms\": %lld}",
              (long long)f.now_ms);
        for (int i = 0; i < N_OPS; i++) {
            one_op(&f, md, &seed);
            check(md, &f);
        }
        if (f.m->status == GV_STATUS_SCHEDULED)
            ff_ok(&f, "chair", "{\"type\": \"open_meeting\"}");
        ff_ok(&f, "chair", "{\"type\": \"close_meeting\"}");
        follow(md, &f, NULL);
        check(md, &f);
        ff_assert_replays(&f);
        if (s == 1) /* the stream's patches follow the log, once */
            gvt_assert_views_follow(f.log, 4, s);
        ff_release(&f);
        free(md);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_lost_nothing_doubled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

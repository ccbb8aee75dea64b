/*
 * Speech timers (src/core/speech.c): worked cases, refusals that change
 * nothing, and a property test: thousands of random sequences of pause,
 * resume, extend, set_limit and end at random times, read at random times,
 * against a reference model written here without looking at the timer's
 * fields: the model keeps the list of intervals during which the speaker
 * spoke, and measures them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/speech.h"

#define MIN_MS (60 * 1000LL)
#define T0     1648729800000LL

static void a_plain_speech(void **state)
{
    (void)state;
    gv_timer t;
    gv_error err;
    assert_int_equal(gv_timer_start(&t, T0, 3 * MIN_MS, 2 * MIN_MS, &err), 0);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 + 90000), 90000);
    assert_int_equal(gv_timer_remaining_ms(&t, T0 + 90000), 90000);
    assert_int_equal(gv_timer_overtime_ms(&t, T0 + 90000), 0);
    assert_int_equal(gv_timer_end(&t, T0 + 200000, &err), 0);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 + 999999), 200000);
    assert_int_equal(gv_timer_overtime_ms(&t, T0 + 999999), 20000);
    assert_int_equal(gv_timer_remaining_ms(&t, T0 + 999999), -20000);
}

static void pauses_do_not_count(void **state)
{
    (void)state;
    gv_timer t;
    gv_error err;
    assert_int_equal(gv_timer_start(&t, T0, 7 * MIN_MS, 5 * MIN_MS, &err), 0);
    assert_int_equal(gv_timer_pause(&t, T0 + 60000, &err), 0);
    /* While paused, the clock stands still. */
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 + 100000), 60000);
    assert_int_equal(gv_timer_paused_total_ms(&t, T0 + 100000), 40000);
    assert_int_equal(gv_timer_resume(&t, T0 + 120000, &err), 0);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 + 130000), 70000);
    assert_int_equal(gv_timer_paused_total_ms(&t, T0 + 130000), 60000);
    /* Ending while paused closes the pause at the end. */
    assert_int_equal(gv_timer_pause(&t, T0 + 150000, &err), 0);
    assert_int_equal(gv_timer_end(&t, T0 + 170000, &err), 0);
    assert_false(t.paused);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0), 90000);
    assert_int_equal(gv_timer_paused_total_ms(&t, T0 + 500000), 80000);
}

static void extending_moves_the_warning_with_the_end(void **state)
{
    (void)state;
    gv_timer t;
    gv_error err;
    assert_int_equal(gv_timer_start(&t, T0, 3 * MIN_MS, 2 * MIN_MS, &err), 0);
    assert_int_equal(gv_timer_extend(&t, T0 + 1000, MIN_MS, &err), 0);
    assert_int_equal(t.limit_ms, 4 * MIN_MS);
    assert_int_equal(t.warning_ms, 3 * MIN_MS);
    assert_int_equal(t.extended_ms, MIN_MS);
    assert_int_equal(gv_timer_set_limit(&t, T0 + 2000, 10000, 5000, &err), 0);
    assert_int_equal(gv_timer_overtime_ms(&t, T0 + 12000), 2000);
}

static void readings_before_the_start_or_last_change_are_held(void **state)
{
    (void)state;
    gv_timer t;
    gv_error err;
    assert_int_equal(gv_timer_start(&t, T0, MIN_MS, 0, &err), 0);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 - 5000), 0);
    assert_int_equal(gv_timer_pause(&t, T0 + 5000, &err), 0);
    assert_int_equal(gv_timer_elapsed_ms(&t, T0 + 1000), 5000);
}

/* Every refusal leaves the timer byte for byte as it was. */
static void refusals_change_nothing(void **state)
{
    (void)state;
    gv_timer t, before;
    gv_error err;
    assert_int_equal(gv_timer_start(&t, T0, 0, 0, &err), GV_EINVAL);
    assert_int_equal(gv_timer_start(&t, T0, MIN_MS, MIN_MS + 1, &err), GV_EINVAL);
    assert_int_equal(gv_timer_start(&t, T0, GV_TIMER_MAX_MS + 1, 0, &err), GV_EINVAL);
    assert_int_equal(gv_timer_start(&t, T0, MIN_MS, -1, &err), GV_EINVAL);
    assert_int_equal(gv_timer_start(&t, T0, MIN_MS, 0, &err), 0);
    before = t;
    assert_int_equal(gv_timer_resume(&t, T0 + 1, &err), GV_ESTATE);
    assert_int_equal(gv_timer_pause(&t, T0 - 1, &err), GV_EINVAL);
    assert_int_equal(gv_timer_extend(&t, T0 + 1, 0, &err), GV_EINVAL);
    assert_int_equal(gv_timer_extend(&t, T0 + 1, GV_TIMER_MAX_MS, &err), GV_EINVAL);
    assert_int_equal(gv_timer_set_limit(&t, T0 + 1, MIN_MS, MIN_MS * 2, &err), GV_EINVAL);
    assert_memory_equal(&t, &before, sizeof t);
    assert_int_equal(gv_timer_pause(&t, T0 + 10, &err), 0);
    before = t;
    assert_int_equal(gv_timer_pause(&t, T0 + 20, &err), GV_ESTATE);
    assert_memory_equal(&t, &before, sizeof t);
    assert_int_equal(gv_timer_end(&t, T0 + 30, &err), 0);
    before = t;
    assert_int_equal(gv_timer_end(&t, T0 + 40, &err), GV_ESTATE);
    assert_int_equal(gv_timer_pause(&t, T0 + 40, &err), GV_ESTATE);
    assert_int_equal(gv_timer_resume(&t, T0 + 40, &err), GV_ESTATE);
    assert_int_equal(gv_timer_extend(&t, T0 + 40, 1000, &err), GV_ESTATE);
    assert_int_equal(gv_timer_set_limit(&t, T0 + 40, 1000, 0, &err), GV_ESTATE);
    assert_memory_equal(&t, &before, sizeof t);
    assert_true(strlen(err.msg) > 0);
}

/* ---- the reference model -------------------------------------------------------------------- */

#define MAX_SPANS 64

typedef struct model {
    int64_t start;
    int64_t from[MAX_SPANS]; /* spans of speaking; to = -1 while open */
    int64_t to[MAX_SPANS];
    int n;
    int64_t limit;
    int64_t last; /* latest accepted time */
    int state;    /* 0 speaking, 1 paused, 2 ended */
    int64_t end;
} model;

static int64_t model_spoken(const model *md, int64_t now)
{
    if (md->state == 2)
        now = md->end;
    if (now < md->last)
        now = md->last;
    int64_t sum = 0;
    for (int i = 0; i < md->n; i++) {
        int64_t to = md->to[i] < 0 ? now : md->to[i];
        if (to > md->from[i])
            sum += to - md->from[i];
    }
    return sum;
}

/* xorshift64*: a fixed seed makes failures reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}
static int64_t rnd_in(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static void check_readings(const gv_timer *t, const model *md, int64_t now)
{
    int64_t spoken = model_spoken(md, now);
    int64_t at = md->state == 2 ? md->end : (now < md->last ? md->last : now);
    int64_t paused = at - md->start - spoken;
    int64_t over = spoken > md->limit ? spoken - md->limit : 0;
    if (gv_timer_elapsed_ms(t, now) != spoken || gv_timer_paused_total_ms(t, now) != paused ||
        gv_timer_overtime_ms(t, now) != over || gv_timer_remaining_ms(t, now) != md->limit - spoken)
        fail_msg("at %lld: timer says spoken %lld paused %lld over %lld; model %lld %lld %lld",
                 (long long)(now - T0), (long long)gv_timer_elapsed_ms(t, now),
                 (long long)gv_timer_paused_total_ms(t, now),
                 (long long)gv_timer_overtime_ms(t, now), (long long)spoken, (long long)paused,
                 (long long)over);
}

static void random_sequences_match_the_model(void **state)
{
    (void)state;
    gv_error err;
    for (int trial = 0; trial < 5000; trial++) {
        gv_timer t;
        model md = {.start = T0 + rnd_in(0, 1000000), .n = 1, .state = 0};
        md.limit = rnd_in(1, 10 * MIN_MS);
        md.from[0] = md.start;
        md.to[0] = -1;
        md.last = md.start;
        assert_int_equal(gv_timer_start(&t, md.start, md.limit, rnd_in(0, md.limit), &err), 0);
        int64_t now = md.start;
        int steps = (int)rnd_in(1, 40);
        for (int s = 0; s < steps && md.n < MAX_SPANS - 1; s++) {
            /* Mostly forward, sometimes the same instant, sometimes (wrongly) back. */
            int64_t step = rnd_in(0, 9) == 0   ? -rnd_in(1, 5000)
                           : rnd_in(0, 3) == 0 ? 0
                                               : rnd_in(1, 200000);
            int64_t at = now + step;
            gv_timer before = t;
            int op = (int)rnd_in(0, 4), rc = 0, want = 0;
            bool late = at < md.last;
            switch (op) {
            case 0: /* pause */
                want = md.state == 2 ? GV_ESTATE : late ? GV_EINVAL : md.state == 1 ? GV_ESTATE : 0;
                rc = gv_timer_pause(&t, at, &err);
                if (rc == 0 && want == 0) {
                    md.to[md.n - 1] = at;
                    md.state = 1;
                }
                break;
            case 1: /* resume */
                want = md.state == 2 ? GV_ESTATE : late ? GV_EINVAL : md.state == 0 ? GV_ESTATE : 0;
                rc = gv_timer_resume(&t, at, &err);
                if (rc == 0 && want == 0) {
                    md.from[md.n] = at;
                    md.to[md.n] = -1;
                    md.n++;
                    md.state = 0;
                }
                break;
            case 2: { /* extend */
                int64_t added = rnd_in(0, 20) == 0 ? 0 : rnd_in(1, 5 * MIN_MS);
                want = md.state == 2 ? GV_ESTATE : late ? GV_EINVAL : added == 0 ? GV_EINVAL : 0;
                rc = gv_timer_extend(&t, at, added, &err);
                if (rc == 0 && want == 0)
                    md.limit += added;
                break;
            }
            case 3: { /* set limit */
                int64_t limit = rnd_in(0, 10 * MIN_MS);
                want = md.state == 2 ? GV_ESTATE : late ? GV_EINVAL : limit == 0 ? GV_EINVAL : 0;
                rc = gv_timer_set_limit(&t, at, limit, limit / 2, &err);
                if (rc == 0 && want == 0)
                    md.limit = limit;
                break;
            }
            default: /* end */
                want = md.state == 2 ? GV_ESTATE : late ? GV_EINVAL : 0;
                rc = gv_timer_end(&t, at, &err);
                if (rc == 0 && want == 0) {
                    if (md.state == 0)
                        md.to[md.n - 1] = at;
                    md.state = 2;
                    md.end = at;
                }
                break;
            }
            if (rc != want)
                fail_msg("trial %d step %d op %d at %+lld: got %d, want %d", trial, s, op,
                         (long long)step, rc, want);
            if (rc != 0)
                assert_memory_equal(&t, &before, sizeof t);
            else {
                md.last = at;
                now = at;
            }
            check_readings(&t, &md, now);
            check_readings(&t, &md, now + rnd_in(0, 300000));
            check_readings(&t, &md, now - rnd_in(0, 300000));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_plain_speech),
        cmocka_unit_test(pauses_do_not_count),
        cmocka_unit_test(extending_moves_the_warning_with_the_end),
        cmocka_unit_test(readings_before_the_start_or_last_change_are_held),
        cmocka_unit_test(refusals_change_nothing),
        cmocka_unit_test(random_sequences_match_the_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

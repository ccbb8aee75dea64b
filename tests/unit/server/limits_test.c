/*
 * Rates (src/server/limits.c), on a clock the test gives: a person's
 * commands through several servers of one log. Each server takes what its
 * own bucket allows and is charged, as it folds them, for the commands the
 * others took. Charges that found an empty bucket used to be forgotten, so
 * a person sending to two servers at once kept twice the rate; now the
 * bucket owes them (down to -burst) and repays them first.
 */
#include "support.h"

#include "server/limits.h"

#define RATE  10 /* a second */
#define BURST 5
#define SEC   1000000

static void test_a_charge_to_an_empty_bucket_is_repaid_before_more(void **state)
{
    (void)state;
    gv__limit_table *t = gv__limit_table_new();
    assert_non_null(t);
    int64_t now = 1000 * (int64_t)SEC;
    /* This server takes a whole burst. */
    for (int i = 0; i < BURST; i++)
        assert_true(gv__rate_take(t, "m\x1fp3", RATE, BURST, now));
    assert_false(gv__rate_take(t, "m\x1fp3", RATE, BURST, now));
    /* Meanwhile another server took a burst of the same person's; this one
     * folds those commands now. */
    for (int i = 0; i < BURST; i++)
        gv__rate_charge(t, "m\x1fp3", RATE, BURST, now);
    /* One token's time later one command would pass if the charges had
     * been forgotten; the debt of BURST is repaid first. */
    now += SEC / RATE;
    assert_false(gv__rate_take(t, "m\x1fp3", RATE, BURST, now));
    now += (int64_t)(BURST - 1) * SEC / RATE;
    assert_false(gv__rate_take(t, "m\x1fp3", RATE, BURST, now));
    now += SEC / RATE + 1;
    assert_true(gv__rate_take(t, "m\x1fp3", RATE, BURST, now));
    gv__limit_table_free(t);
}

static void test_the_debt_is_at_most_one_burst(void **state)
{
    (void)state;
    gv__limit_table *t = gv__limit_table_new();
    assert_non_null(t);
    int64_t now = 1000 * (int64_t)SEC;
    /* Many servers' commands folded at once (a server that was behind):
     * the person owes at most a burst, so waits at most (2 * BURST) / RATE
     * from a full bucket before a command passes again. */
    for (int i = 0; i < 100; i++)
        gv__rate_charge(t, "m\x1fp4", RATE, BURST, now);
    now += (int64_t)(BURST + 1) * SEC / RATE + 1;
    assert_true(gv__rate_take(t, "m\x1fp4", RATE, BURST, now));
    /* Another person's bucket is their own. */
    assert_true(gv__rate_take(t, "m\x1fp5", RATE, BURST, now));
    gv__limit_table_free(t);
}

static void test_over_time_two_servers_together_keep_one_rate(void **state)
{
    (void)state;
    gv__limit_table *a = gv__limit_table_new(), *b = gv__limit_table_new();
    assert_non_null(a);
    assert_non_null(b);
    int64_t now = 1000 * (int64_t)SEC;
    /* For 60 s the person sends 100 commands a second to each of two
     * servers; each server charges the other's commands 0.5 s later (the
     * longest a server folds the others' events without NATS). */
    int passed = 0;
    enum { STEP_US = SEC / 100, STEPS = 6000, LAG = 50 };
    bool took_a[STEPS], took_b[STEPS];
    for (int i = 0; i < STEPS; i++, now += STEP_US) {
        took_a[i] = gv__rate_take(a, "k", RATE, BURST, now);
        took_b[i] = gv__rate_take(b, "k", RATE, BURST, now);
        passed += took_a[i] + took_b[i];
        if (i >= LAG && took_b[i - LAG])
            gv__rate_charge(a, "k", RATE, BURST, now);
        if (i >= LAG && took_a[i - LAG])
            gv__rate_charge(b, "k", RATE, BURST, now);
    }
    /* One server's 60 s allow 60 * RATE + BURST; two that each forgot
     * the other's commands let through about twice that. */
    assert_in_range(passed, 60 * RATE, 60 * RATE + 4 * BURST);
    gv__limit_table_free(a);
    gv__limit_table_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_charge_to_an_empty_bucket_is_repaid_before_more),
        cmocka_unit_test(test_the_debt_is_at_most_one_burst),
        cmocka_unit_test(test_over_time_two_servers_together_keep_one_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

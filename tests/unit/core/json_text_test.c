/*
 * gv_json_text (src/core/json_text.c) under allocation failures: jansson's
 * allocations fail one at a time, the k-th for k = 0, 1, ... until a run
 * passes without one. Every text gv_json_text returns is then whole (equal
 * to the text made without failures) or NULL. json_dumps is run the same
 * way, and the test shows it returning a broken text for some k: the reason
 * gv_json_text exists; if a jansson release stops doing so, the second
 * test fails and says that json_dumps could do again.
 */
#include "support.h"

static long fail_at = -1; /** allocations before the one that fails; -1 none */
static bool fired;

static void *failing_malloc(size_t n)
{
    if (fail_at >= 0 && fail_at-- == 0) {
        fired = true;
        return NULL;
    }
    return malloc(n);
}

/* An event-like object with keys and strings long enough to grow buffers. */
static json_t *sample(void)
{
    json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:[s, s], s:{s:s, s:b}}", "type", "note_added",
                          "seq", (json_int_t)42, "at_ms", (json_int_t)1648729800000LL, "text",
                          "Une note assez longue pour que le tampon grandisse plusieurs fois, "
                          "avec des accents: é à ü, et des guillemets \"ici\".",
                          "people", "haddad", "lin", "by", "person", "chair", "pinned", 1);
    assert_non_null(j);
    return j;
}

/* Runs make(j) with the k-th allocation failing, for every k; counts the
 * texts that came back broken (not NULL, not the whole text). */
static int broken_texts(char *(*make)(const json_t *))
{
    json_t *j = sample();
    char *whole = make(j);
    assert_non_null(whole);
    json_set_alloc_funcs(failing_malloc, free);
    int broken = 0;
    long k = 0;
    for (fired = true; fired; k++) {
        fired = false;
        fail_at = k;
        char *text = make(j);
        fail_at = -1;
        if (text && strcmp(text, whole) != 0)
            broken++;
        free(text);
    }
    json_set_alloc_funcs(malloc, free);
    printf("# %ld allocations failed in turn, %d broken texts\n", k - 1, broken);
    assert_true(k > 3);
    free(whole);
    json_decref(j);
    return broken;
}

static char *dumps(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static void test_gv_json_text_is_whole_or_null(void **state)
{
    (void)state;
    assert_int_equal(broken_texts(gv_json_text), 0);
}

static void test_json_dumps_can_return_a_broken_text(void **state)
{
    (void)state;
    assert_true(broken_texts(dumps) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gv_json_text_is_whole_or_null),
        cmocka_unit_test(test_json_dumps_can_return_a_broken_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

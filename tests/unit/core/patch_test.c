/*
 * JSON Patch (src/core/patch.h): the diff of two documents, applied to the
 * first, gives the second, whatever they are; lists of identified objects
 * change by small operations (an element removed from the head is one
 * "remove", a moved one a "move"); and every view of the state, after every
 * event of the scripted panel, is the previous one patched. A malformed
 * patch is refused with a message and leaves the document as it was.
 */
#include "fixture_scenario.h"

#include "core/patch.h"
#include "core/view.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return j;
}

static char *dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    assert_non_null(s);
    return s;
}

/* diff(a, b) applied to a must give b; returns the patch's text (caller frees). */
static char *round_trip(const json_t *a, const json_t *b)
{
    json_t *ops = NULL;
    assert_int_equal(gv_json_diff(a, b, gv_state_id_keys, &ops), 0);
    json_t *doc = json_deep_copy(a);
    gv_error err = {0};
    if (gv_json_patch(&doc, ops, &err) < 0)
        fail_msg("the diff does not apply: %s", err.msg);
    if (!json_equal(doc, (json_t *)b)) {
        char *x = dump(a), *y = dump(b), *z = dump(doc), *p = dump(ops);
        fail_msg("diff then patch:\n  from  %s\n  to    %s\n  got   %s\n  patch %s", x, y, z, p);
    }
    char *text = dump(ops);
    json_decref(doc);
    json_decref(ops);
    return text;
}

static void expect_patch(const char *from, const char *to, const char *want)
{
    json_t *a = parse(from), *b = parse(to);
    char *got = round_trip(a, b);
    json_t *w = parse(want);
    char *ws = dump(w);
    if (strcmp(got, ws) != 0)
        fail_msg("%s -> %s:\n  patch %s\n  want  %s", from, to, got, ws);
    free(got);
    free(ws);
    json_decref(w);
    json_decref(a);
    json_decref(b);
}

static void small_operations(void **state)
{
    (void)state;
    expect_patch("{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":2}", "[]");
    expect_patch("{\"a\":1,\"b\":2}", "{\"a\":3,\"c\":[1]}",
                 "[{\"op\":\"remove\",\"path\":\"/b\"},{\"op\":\"replace\",\"path\":\"/a\","
                 "\"value\":3},{\"op\":\"add\",\"path\":\"/c\",\"value\":[1]}]");
    /* Keys are escaped as RFC 6901 asks. */
    expect_patch("{\"a/b\":{\"m~n\":1}}", "{\"a/b\":{\"m~n\":2}}",
                 "[{\"op\":\"replace\",\"path\":\"/a~1b/m~0n\",\"value\":2}]");
    /* Positional arrays: changed in place, grown or cut at the end. */
    expect_patch("[1,2,3]", "[1,5]",
                 "[{\"op\":\"replace\",\"path\":\"/1\",\"value\":5},{\"op\":\"remove\",\"path\":"
                 "\"/2\"}]");
    expect_patch("{\"v\":[1]}", "{\"v\":[1,2,3]}",
                 "[{\"op\":\"add\",\"path\":\"/v/1\",\"value\":2},{\"op\":\"add\",\"path\":\"/v/"
                 "2\",\"value\":3}]");
    /* A different type is replaced whole; so is the root. */
    expect_patch("{\"a\":{\"x\":1}}", "{\"a\":[1]}",
                 "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":[1]}]");
    expect_patch("1", "\"one\"", "[{\"op\":\"replace\",\"path\":\"\",\"value\":\"one\"}]");
    expect_patch("{\"a\":1.5,\"b\":null}", "{\"a\":1,\"b\":false}",
                 "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":1},{\"op\":\"replace\","
                 "\"path\":\"/b\",\"value\":false}]");
}

/* An object of scalars whose members changed is replaced whole when that is
 * the shorter patch (a row of running totals), member by member otherwise. */
static void a_row_mostly_changed_is_replaced_whole(void **state)
{
    (void)state;
    expect_patch("{\"t\":{\"row\":{\"turns\":1,\"spoken_ms\":60000,\"overtime_ms\":0}}}",
                 "{\"t\":{\"row\":{\"turns\":2,\"spoken_ms\":120000,\"overtime_ms\":0}}}",
                 "[{\"op\":\"replace\",\"path\":\"/t/row\",\"value\":{\"overtime_ms\":0,"
                 "\"spoken_ms\":120000,\"turns\":2}}]");
    /* One member changed: that member. */
    expect_patch("{\"row\":{\"turns\":1,\"spoken_ms\":60000}}",
                 "{\"row\":{\"turns\":2,\"spoken_ms\":60000}}",
                 "[{\"op\":\"replace\",\"path\":\"/row/turns\",\"value\":2}]");
    /* Two changed beside a long one that did not: the two. */
    expect_patch("{\"o\":{\"a\":1,\"b\":2,\"name\":\"the Commission on Science and Technology\"}}",
                 "{\"o\":{\"a\":3,\"b\":4,\"name\":\"the Commission on Science and Technology\"}}",
                 "[{\"op\":\"replace\",\"path\":\"/o/a\",\"value\":3},{\"op\":\"replace\","
                 "\"path\":\"/o/b\",\"value\":4}]");
    /* An object holding others is patched within, however short. */
    expect_patch("{\"o\":{\"a\":1,\"b\":2,\"c\":{}}}", "{\"o\":{\"a\":3,\"b\":4,\"c\":{}}}",
                 "[{\"op\":\"replace\",\"path\":\"/o/a\",\"value\":3},{\"op\":\"replace\","
                 "\"path\":\"/o/b\",\"value\":4}]");
    /* In a list of identified objects, a moved element mostly changed: the move,
     * then the element whole at its new place. */
    expect_patch("[{\"id\":1,\"a\":1,\"b\":2},{\"id\":2,\"a\":1,\"b\":2}]",
                 "[{\"id\":2,\"a\":3,\"b\":4},{\"id\":1,\"a\":1,\"b\":2}]",
                 "[{\"op\":\"move\",\"from\":\"/1\",\"path\":\"/0\"},{\"op\":\"replace\","
                 "\"path\":\"/0\",\"value\":{\"a\":3,\"b\":4,\"id\":2}}]");
    /* Members added and removed count as changed members. */
    expect_patch("{\"row\":{\"a\":1,\"b\":2}}", "{\"row\":{\"c\":1,\"d\":2}}",
                 "[{\"op\":\"replace\",\"path\":\"/row\",\"value\":{\"c\":1,\"d\":2}}]");
    /* The root is never replaced whole: a reader keeps what the patch leaves. */
    expect_patch("{\"a\":1,\"b\":2}", "{\"a\":3,\"b\":4}",
                 "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":3},{\"op\":\"replace\","
                 "\"path\":\"/b\",\"value\":4}]");
}

static void keyed_lists_change_by_element(void **state)
{
    (void)state;
    /* The head of the speakers' list takes the floor: one removal, and the
     * positions of the others, not every field of every element. */
    expect_patch("{\"list\":[{\"request\":7,\"position\":0,\"name\":\"A\"},{\"request\":9,"
                 "\"position\":1,\"name\":\"B\"},{\"request\":4,\"position\":2,\"name\":\"C\"}]}",
                 "{\"list\":[{\"request\":9,\"position\":0,\"name\":\"B\"},{\"request\":4,"
                 "\"position\":1,\"name\":\"C\"}]}",
                 "[{\"op\":\"remove\",\"path\":\"/list/0\"},{\"op\":\"replace\",\"path\":\"/list/"
                 "0/position\",\"value\":0},{\"op\":\"replace\",\"path\":\"/list/1/position\","
                 "\"value\":1}]");
    /* Moved to the top: one move. */
    expect_patch("[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"},{\"id\":\"d\"}]",
                 "[{\"id\":\"c\"},{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"d\"}]",
                 "[{\"op\":\"move\",\"from\":\"/2\",\"path\":\"/0\"}]");
    /* Inserted in the middle: one add. */
    expect_patch("[{\"id\":1},{\"id\":2}]", "[{\"id\":1},{\"id\":5,\"x\":true},{\"id\":2}]",
                 "[{\"op\":\"add\",\"path\":\"/1\",\"value\":{\"id\":5,\"x\":true}}]");
    /* Elements without the key, duplicate keys: still right. */
    json_t *a = parse("[{\"id\":1},{\"x\":1},{\"id\":1},{\"id\":2}]");
    json_t *b = parse("[{\"id\":2},{\"id\":1,\"y\":2},{\"x\":2},{\"id\":1}]");
    free(round_trip(a, b));
    json_decref(a);
    json_decref(b);
}

/* ---- random documents ------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static json_t *random_value(int depth);

static json_t *random_list(int depth)
{
    json_t *a = json_array();
    unsigned n = rnd(6);
    bool keyed = rnd(3) != 0;
    for (unsigned i = 0; i < n; i++) {
        json_t *e = keyed ? json_pack("{s:i}", rnd(2) ? "id" : "request", (int)rnd(8))
                          : random_value(depth + 1);
        if (keyed && rnd(2))
            json_object_set_new(e, "v", random_value(depth + 1));
        json_array_append_new(a, e);
    }
    return a;
}

static json_t *random_value(int depth)
{
    static const char *const keys[] = {"a", "b", "c/d", "e~f", "id", ""};
    switch (depth > 3 ? rnd(4) : rnd(7)) {
    case 0:
        return json_integer(rnd(4));
    case 1:
        return json_string(keys[rnd(6)]);
    case 2:
        return rnd(2) ? json_true() : json_null();
    case 3:
        return json_real(rnd(3) / 2.0);
    case 4:
    case 5: {
        json_t *o = json_object();
        for (unsigned i = rnd(4); i > 0; i--)
            json_object_set_new(o, keys[rnd(6)], random_value(depth + 1));
        return o;
    }
    default:
        return random_list(depth);
    }
}

/* A changed copy: members dropped, added or changed, list elements removed,
 * inserted, swapped. */
static json_t *mutate(const json_t *v, int depth)
{
    if (rnd(5) == 0)
        return random_value(depth);
    json_t *c = json_deep_copy(v);
    if (json_is_object(c)) {
        const char *k;
        json_t *x;
        void *tmp;
        json_object_foreach_safe(c, tmp, k, x)
        {
            if (rnd(4) == 0)
                json_object_del(c, k);
            else if (rnd(2))
                json_object_set_new(c, k, mutate(x, depth + 1));
        }
        if (rnd(3) == 0)
            json_object_set_new(c, rnd(2) ? "new" : "a", random_value(depth + 1));
    } else if (json_is_array(c)) {
        size_t n = json_array_size(c);
        for (size_t i = n; i-- > 0;) {
            unsigned r = rnd(6);
            if (r == 0)
                json_array_remove(c, i);
            else if (r == 1)
                json_array_set_new(c, i, mutate(json_array_get(c, i), depth + 1));
        }
        n = json_array_size(c);
        if (n > 1 && rnd(2)) {
            size_t i = rnd((unsigned)n), j = rnd((unsigned)n);
            json_t *x = json_incref(json_array_get(c, i));
            json_array_remove(c, i);
            json_array_insert_new(c, j, x);
        }
        if (rnd(2)) {
            json_t *src = random_list(depth);
            json_t *e = json_array_size(src) ? json_incref(json_array_get(src, 0)) : json_null();
            json_array_insert_new(c, rnd((unsigned)json_array_size(c) + 1), e);
            json_decref(src);
        }
    }
    return c;
}

static void random_documents_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) {
        json_t *a = random_value(0);
        json_t *b = mutate(a, 0);
        free(round_trip(a, b));
        free(round_trip(b, a));
        json_decref(a);
        json_decref(b);
    }
}

/* ---- the state of the scripted panel ------------------------------------------ */

typedef struct walk {
    json_t *prev[GV_VIEW_COUNT];
    size_t patch_bytes[GV_VIEW_COUNT], state_bytes[GV_VIEW_COUNT];
    size_t biggest_attended; /** bytes of the largest public patch of an arrival */
} walk;

static void each_event(gv_meeting *m, const json_t *event, void *arg)
{
    walk *w = arg;
    const char *type = json_string_value(json_object_get(event, "type"));
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        json_t *now = gv_meeting_view_json(m, (gv_view)v);
        assert_non_null(now);
        if (w->prev[v]) {
            /* As the stream does: the reader's state takes the event's seq
             * and time, then the patch; the patch does not repeat them. */
            json_t *took = gv_state_took_event(w->prev[v], gv_meeting_seq(m),
                                               json_integer_value(json_object_get(event, "at_ms")));
            assert_non_null(took);
            char *p = round_trip(took, now), *s = dump(now);
            json_decref(took);
            if (strstr(p, "\"/seq\"") || strstr(p, "\"/last_at_ms\"") || strstr(p, "/as_of_ms\""))
                fail_msg("view %s, event %lld: the patch repeats the event: %s", gv_view_names[v],
                         (long long)gv_meeting_seq(m), p);
            w->patch_bytes[v] += strlen(p);
            w->state_bytes[v] += strlen(s);
            if (v == GV_VIEW_PUBLIC && strcmp(type, "attended") == 0 &&
                strlen(p) > w->biggest_attended)
                w->biggest_attended = strlen(p);
            free(p);
            free(s);
        }
        json_decref(w->prev[v]);
        w->prev[v] = now;
    }
}

static void every_view_follows_the_panel_by_patches(void **state)
{
    (void)state;
    walk w = {0};
    gv_meeting *m = gvt_scenario(each_event, &w);
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        /* Not a speed figure: a patch that resends whole lists would be as
         * large as the states themselves. */
        if (w.patch_bytes[v] * 20 > w.state_bytes[v])
            fail_msg("view %s: patches of %zu bytes for states of %zu", gv_view_names[v],
                     w.patch_bytes[v], w.state_bytes[v]);
        json_decref(w.prev[v]);
    }
    /* An arrival changes a person and the attendance figures, not the list of people. */
    if (w.biggest_attended == 0 || w.biggest_attended > 800)
        fail_msg("an arrival's patch has %zu bytes", w.biggest_attended);
    gv_meeting_free(m);
}

/* What the event says, the state takes before a patch: its seq, its time as
 * the last and the floor's as of, where the state has them; nothing else
 * changes, and the state given is left as it was. */
static void the_state_takes_its_events_seq_and_time(void **state)
{
    (void)state;
    json_t *s = parse("{\"seq\":4,\"last_at_ms\":10,\"floor\":{\"as_of_ms\":10,\"next\":null},"
                      "\"items\":[1]}");
    json_t *took = gv_state_took_event(s, 6, 25);
    char *got = dump(took), *was = dump(s);
    assert_string_equal(
        got,
        "{\"floor\":{\"as_of_ms\":25,\"next\":null},\"items\":[1],\"last_at_ms\":25,\"seq\":6}");
    assert_string_equal(
        was,
        "{\"floor\":{\"as_of_ms\":10,\"next\":null},\"items\":[1],\"last_at_ms\":10,\"seq\":4}");
    assert_ptr_equal(json_object_get(took, "items"), json_object_get(s, "items")); /* shared */
    free(got);
    free(was);
    json_decref(took);
    json_decref(s);
    /* Where the state has no such member (no floor yet, a null floor), none is added. */
    s = parse("{\"seq\":1,\"floor\":null}");
    took = gv_state_took_event(s, 2, 7);
    got = dump(took);
    assert_string_equal(got, "{\"floor\":null,\"seq\":2}");
    free(got);
    json_decref(took);
    json_decref(s);
}

/* ---- application -------------------------------------------------------------- */

static void expect_refused(const char *doc_text, const char *ops_text, const char *why)
{
    json_t *doc = parse(doc_text), *ops = parse(ops_text);
    json_t *before = doc;
    char *was = dump(doc);
    gv_error err = {0};
    assert_int_equal(gv_json_patch(&doc, ops, &err), GV_EINVAL);
    if (!strstr(err.msg, why))
        fail_msg("%s on %s: \"%s\" does not say \"%s\"", ops_text, doc_text, err.msg, why);
    char *is = dump(doc);
    assert_ptr_equal(doc, before);
    assert_string_equal(is, was);
    free(was);
    free(is);
    json_decref(doc);
    json_decref(ops);
}

static void bad_patches_are_refused(void **state)
{
    (void)state;
    const char *doc = "{\"a\":[1,2],\"b\":{\"c\":1}}";
    expect_refused(doc, "{}", "a JSON array");
    expect_refused(doc, "[1]", "operation 1 (? at \"?\"): an operation is a JSON object");
    expect_refused(doc, "[{\"op\":\"add\"}]", "\"op\" and \"path\"");
    expect_refused(doc, "[{\"op\":\"add\",\"path\":\"/x\"}]", "\"value\" is missing");
    expect_refused(doc, "[{\"op\":\"jump\",\"path\":\"/a\"}]", "unknown operation");
    expect_refused(doc, "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "starts with");
    expect_refused(doc, "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]", "no such place");
    expect_refused(doc, "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":1}]", "index");
    expect_refused(doc, "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":1}]", "index");
    expect_refused(doc, "[{\"op\":\"replace\",\"path\":\"/a/2\",\"value\":1}]", "index");
    expect_refused(doc, "[{\"op\":\"replace\",\"path\":\"/z\",\"value\":1}]", "no such member");
    expect_refused(doc, "[{\"op\":\"remove\",\"path\":\"/z\"}]", "nothing there");
    expect_refused(doc, "[{\"op\":\"remove\",\"path\":\"\"}]", "root");
    expect_refused(doc, "[{\"op\":\"remove\",\"path\":\"/a~2\"}]", "\"~\"");
    expect_refused(doc, "[{\"op\":\"move\",\"from\":\"/b\",\"path\":\"/b/c\"}]", "into itself");
    expect_refused(doc, "[{\"op\":\"move\",\"from\":\"/q\",\"path\":\"/r\"}]", "\"from\"");
    expect_refused(doc, "[{\"op\":\"test\",\"path\":\"/b/c\",\"value\":2}]", "test failed");
    /* The first operations applied, then one failed: nothing changed. */
    expect_refused(doc,
                   "[{\"op\":\"remove\",\"path\":\"/a\"},{\"op\":\"add\",\"path\":\"/b/c/d\","
                   "\"value\":1}]",
                   "operation 2 (add at \"/b/c/d\")");
}

static void every_operation_applies(void **state)
{
    (void)state;
    json_t *doc = parse("{\"a\":[1,2],\"b\":{\"c\":1}}");
    json_t *ops = parse("[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":3},"
                        "{\"op\":\"copy\",\"from\":\"/b\",\"path\":\"/d\"},"
                        "{\"op\":\"move\",\"from\":\"/a/0\",\"path\":\"/b/first\"},"
                        "{\"op\":\"test\",\"path\":\"/d/c\",\"value\":1},"
                        "{\"op\":\"replace\",\"path\":\"/d/c\",\"value\":\"x\"},"
                        "{\"op\":\"remove\",\"path\":\"/a/1\"}]");
    gv_error err = {0};
    assert_int_equal(gv_json_patch(&doc, ops, &err), 0);
    char *s = dump(doc);
    assert_string_equal(s, "{\"a\":[2],\"b\":{\"c\":1,\"first\":1},\"d\":{\"c\":\"x\"}}");
    free(s);
    json_decref(ops);
    ops = parse("[{\"op\":\"replace\",\"path\":\"\",\"value\":[true]}]");
    assert_int_equal(gv_json_patch(&doc, ops, &err), 0);
    assert_true(json_is_array(doc) && json_is_true(json_array_get(doc, 0)));
    json_decref(ops);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_operations),
        cmocka_unit_test(a_row_mostly_changed_is_replaced_whole),
        cmocka_unit_test(keyed_lists_change_by_element),
        cmocka_unit_test(random_documents_round_trip),
        cmocka_unit_test(every_view_follows_the_panel_by_patches),
        cmocka_unit_test(the_state_takes_its_events_seq_and_time),
        cmocka_unit_test(bad_patches_are_refused),
        cmocka_unit_test(every_operation_applies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

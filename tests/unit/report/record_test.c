/*
 * The outcome record built from a stored log (src/report/record.c,
 * record_store.c): a function of the log only, speeches under way counted to
 * the last event, dismissed questions withheld, attendance, shares that add
 * up, records of an earlier point of the log, the canonical form, and the
 * check of a record against the log.
 */
#include "report_fixture.h"

#include "report/record.h"

static json_t *record_of(rfx *f, int64_t upto)
{
    gv_error err = {0};
    json_t *rec = NULL;
    if (gv_record_from_store(f->store, RFX_MEETING, upto, &rec, &err) < 0)
        fail_msg("no record: %s", err.msg);
    return rec;
}

static char *canonical(const json_t *rec)
{
    size_t len;
    char *s = gv_record_canonical(rec, &len);
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    assert_int_equal(s[len - 1], '\n');
    return s;
}

static void same_log_same_bytes(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *a = record_of(&f, 0), *b = record_of(&f, 0);
    char *ca = canonical(a), *cb = canonical(b);
    assert_string_equal(ca, cb);
    /* Built from the state the caller holds, with the same actors and head, it is the same. */
    unsigned char hash[GV_HASH_BYTES];
    int64_t seq;
    assert_int_equal(gv_store_head(f.store, RFX_MEETING, &seq, hash, NULL), 0);
    json_t *st = gv_meeting_to_json(f.m), *actors = json_object(), *c = NULL;
    /* p6 asked anonymously: no event names them. */
    const char *who[] = {"chair", "p1", "p2", "mod", "p5", "rap", "system"};
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++)
        json_object_set_new(actors, who[i], json_true());
    assert_int_equal(gv_record_build(st, actors, RFX_MEETING, seq, hash, &c, NULL), 0);
    char *cc = canonical(c);
    assert_string_equal(ca, cc);
    free(ca);
    free(cb);
    free(cc);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(st);
    json_decref(actors);
    rfx_close(&f);
}

static const json_t *at(const json_t *rec, const char *section, size_t i)
{
    const json_t *v = json_array_get(json_object_get(rec, section), i);
    assert_non_null(v);
    return v;
}

static int64_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("\"%s\" is not an integer", key);
    return json_integer_value(v);
}

static void speeches_and_agenda(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *rec = record_of(&f, 0);
    assert_int_equal(json_array_size(json_object_get(rec, "speeches")), 2);
    const json_t *s1 = at(rec, "speeches", 0), *s2 = at(rec, "speeches", 1);
    assert_int_equal(num(s1, "n"), 1);
    assert_int_equal(num(s1, "duration_ms"), 240000);
    assert_int_equal(num(s1, "overtime_ms"), 0);
    assert_false(json_is_true(json_object_get(s1, "in_progress")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(s1, "start"), "local")),
                        "2022-03-31T14:30:20+02:00");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s1, "end"), "utc")),
                        "2022-03-31T12:34:20Z");
    /* Still speaking at the last event (the note at +800 s): 495 s of a 420 s limit. */
    assert_true(json_is_true(json_object_get(s2, "in_progress")));
    assert_true(json_is_null(json_object_get(s2, "end")));
    assert_int_equal(num(s2, "duration_ms"), 495000);
    assert_int_equal(num(s2, "overtime_ms"), 75000);
    assert_string_equal(json_string_value(json_object_get(s2, "group")), "technical_academic");
    /* Planned starts follow each other from 14:30; the panel runs. */
    const json_t *open = at(rec, "agenda", 0), *panel = at(rec, "agenda", 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(panel, "planned_start"), "local")),
        "2022-03-31T14:35:00+02:00");
    assert_int_equal(num(open, "actual_ms"), 290000);
    assert_int_equal(num(open, "difference_ms"), 290000 - 300000);
    assert_int_equal(num(open, "start_difference_ms"), 10000);
    assert_true(json_is_true(json_object_get(panel, "running")));
    assert_true(json_is_null(json_object_get(panel, "ended")));
    assert_int_equal(num(panel, "actual_ms"), 500000);
    /* A running item has no difference yet: it is not over. */
    assert_true(json_is_null(json_object_get(panel, "difference_ms")));
    assert_int_equal(num(panel, "spoken_ms"), 495000);
    assert_true(json_is_null(json_object_get(at(rec, "agenda", 2), "started")));
    assert_true(json_is_null(json_object_get(at(rec, "agenda", 2), "difference_ms")));
    json_decref(rec);
    rfx_close(&f);
}

static void questions_notes_and_attendance(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *rec = record_of(&f, 0);
    char *text = canonical(rec);
    /* The dismissed question's text is nowhere; the anonymous author neither. */
    assert_null(strstr(text, "Spam"));
    size_t i;
    const json_t *q;
    json_array_foreach(json_object_get(rec, "questions"), i, q)
    {
        if (num(q, "question") == 11) {
            assert_string_equal(json_string_value(json_object_get(q, "state")), "dismissed");
            assert_true(json_is_null(json_object_get(q, "text")));
        } else {
            assert_true(json_is_true(json_object_get(q, "anonymous")));
            assert_true(json_is_null(json_object_get(q, "author")));
            assert_true(json_is_null(json_object_get(q, "name")));
        }
    }
    const json_t *gq1 = at(rec, "guiding_questions", 0);
    assert_string_equal(json_string_value(json_object_get(at(gq1, "notes", 0), "text")), "Costs.");
    assert_string_equal(json_string_value(json_object_get(at(gq1, "notes", 0), "name")),
                        "Rapporteur Person");
    /* Who attended: checked in, joined, or caused an event; p3 and p4 did none,
     * and p6's only act was an anonymous question, which must not give them
     * away. */
    const json_t *p;
    json_array_foreach(json_object_get(rec, "people"), i, p)
    {
        const char *id = json_string_value(json_object_get(p, "id"));
        bool want = strcmp(id, "p3") != 0 && strcmp(id, "p4") != 0 && strcmp(id, "sec") != 0 &&
                    strcmp(id, "pan2") != 0 && strcmp(id, "p6") != 0;
        if (json_is_true(json_object_get(p, "attended")) != want)
            fail_msg("%s attended: %d, expected %d", id, !want, want);
    }
    const json_t *att = json_object_get(json_object_get(rec, "participation"), "attendance");
    assert_int_equal(num(att, "people"), 12);
    assert_int_equal(num(att, "attended"), 7);
    free(text);
    json_decref(rec);
    rfx_close(&f);
}

/* Every breakdown's shares add up to 1000; speaking time adds up to the
 * ended speeches, whichever way it is cut. */
static void shares_add_up(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    rfx_send(&f, "mod", AT(900), "{\"type\": \"end_speech\"}");
    rfx_send(&f, "mod", AT(905), "{\"type\": \"give_floor\", \"person\": \"pan2\"}");
    rfx_send(&f, "mod", AT(1000), "{\"type\": \"end_speech\"}");
    json_t *rec = record_of(&f, 0);
    const json_t *part = json_object_get(rec, "participation");
    const char *dims[] = {"by_group", "by_region", "by_gender", "by_mode"};
    int64_t spoken = 0;
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(rec, "speeches"), i, s)
    {
        spoken += num(s, "duration_ms");
    }
    assert_int_equal(spoken, 240000 + 595000 + 95000);
    assert_int_equal(num(json_object_get(part, "speaking"), "spoken_ms"), spoken);
    for (int w = 0; w < 2; w++) {
        const json_t *side = json_object_get(part, w ? "speaking" : "attendance");
        for (size_t d = 0; d < 4; d++) {
            int64_t sum = 0, ms = 0;
            const json_t *row;
            json_array_foreach(json_object_get(side, dims[d]), i, row)
            {
                sum += num(row, "share_permille");
                if (w)
                    ms += num(row, "spoken_ms");
            }
            if (sum != 1000)
                fail_msg("%s %s shares add up to %lld", w ? "speaking" : "attendance", dims[d],
                         (long long)sum);
            if (w)
                assert_int_equal(ms, spoken);
        }
    }
    json_decref(rec);
    rfx_close(&f);
}

static int hash_of_7(void *ud, const gv_stored_event *ev)
{
    if (ev->seq == 7)
        gv_hash_to_hex(ev->hash, ud);
    return 0;
}

static void record_of_an_earlier_event(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *rec = record_of(&f, 7);
    const json_t *v = json_object_get(rec, "verification");
    assert_int_equal(num(v, "last_seq"), 7);
    assert_int_equal(json_array_size(json_object_get(rec, "speeches")), 1);
    /* Its hash is the chain hash the store keeps for event 7. */
    char hex[GV_HASH_HEX_SIZE] = "";
    assert_int_equal(gv_store_read(f.store, RFX_MEETING, 0, hash_of_7, hex, NULL), 0);
    assert_string_equal(json_string_value(json_object_get(v, "hash")), hex);
    gv_error err = {0};
    json_t *none = NULL;
    assert_int_equal(gv_record_from_store(f.store, RFX_MEETING, 99, &none, &err), GV_ENOTFOUND);
    assert_null(none);
    assert_non_null(strstr(err.msg, "no event 99"));
    assert_int_equal(gv_record_from_store(f.store, "nobody", 0, &none, &err), GV_ENOTFOUND);
    json_decref(rec);
    rfx_close(&f);
}

static void canonical_form_only(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *rec = record_of(&f, 0), *back = NULL;
    char *text = canonical(rec);
    gv_error err = {0};
    assert_int_equal(gv_record_parse(text, strlen(text), &back, &err), 0);
    assert_true(json_equal(rec, back));
    json_decref(back);
    /* Pretty-printed: the same JSON, other bytes. */
    char *pretty = json_dumps(rec, JSON_INDENT(1) | JSON_SORT_KEYS);
    assert_int_equal(gv_record_parse(pretty, strlen(pretty), &back, &err), GV_EINVAL);
    assert_null(back);
    assert_non_null(strstr(err.msg, "canonical"));
    /* No final newline, a duplicate key, another format. */
    assert_int_equal(gv_record_parse(text, strlen(text) - 1, &back, &err), GV_EINVAL);
    const char dup[] = "{\"format\":\"gavel-record/1\",\"format\":\"gavel-record/1\"}\n";
    assert_int_equal(gv_record_parse(dup, strlen(dup), &back, &err), GV_EINVAL);
    const char other[] = "{\"format\":\"something-else\"}\n";
    assert_int_equal(gv_record_parse(other, strlen(other), &back, &err), GV_EINVAL);
    assert_non_null(strstr(err.msg, "not a Gavel record"));
    free(pretty);
    free(text);
    json_decref(rec);
    rfx_close(&f);
}

static void checked_against_the_log(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    json_t *rec = record_of(&f, 0);
    gv_error err = {0};
    assert_int_equal(gv_record_check_log(f.store, rec, &err), 0);
    /* The log grows after the record was made: the record still matches. */
    rfx_send(&f, "rap", AT(900), "{\"type\": \"add_note\", \"text\": \"Later.\"}");
    assert_int_equal(gv_record_check_log(f.store, rec, &err), 0);
    /* A figure changed in the record. */
    json_t *bad = json_deep_copy(rec);
    json_object_set_new((json_t *)at(bad, "speeches", 0), "duration_ms", json_integer(1000));
    assert_int_equal(gv_record_check_log(f.store, bad, &err), GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "\"speeches\""));
    json_decref(bad);
    /* A hash that is not the log's. */
    bad = json_deep_copy(rec);
    json_object_set_new(json_object_get(bad, "verification"), "hash",
                        json_string("00000000000000000000000000000000000000000000000000000000"
                                    "00000000"));
    assert_int_equal(gv_record_check_log(f.store, bad, &err), GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "not of this log"));
    json_decref(bad);
    /* Another meeting's name. */
    bad = json_deep_copy(rec);
    json_object_set_new(json_object_get(bad, "verification"), "meeting", json_string("other"));
    assert_int_equal(gv_record_check_log(f.store, bad, &err), GV_ENOTFOUND);
    json_decref(bad);
    json_decref(rec);
    rfx_close(&f);
}

static void unknown_time_zone_refused(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    json_t *st = gv_meeting_to_json(f.m), *rec = NULL;
    json_object_set_new(json_object_get(st, "meeting"), "timezone", json_string("Mars/Olympus"));
    unsigned char hash[GV_HASH_BYTES] = {0};
    gv_error err = {0};
    assert_int_equal(gv_record_build(st, NULL, RFX_MEETING, 1, hash, &rec, &err), GV_EINVAL);
    assert_null(rec);
    assert_non_null(strstr(err.msg, "Mars/Olympus"));
    json_t *empty = json_object();
    assert_int_equal(gv_record_build(empty, NULL, RFX_MEETING, 1, hash, &rec, &err), GV_EINVAL);
    json_decref(empty);
    json_decref(st);
    rfx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_log_same_bytes),
        cmocka_unit_test(speeches_and_agenda),
        cmocka_unit_test(questions_notes_and_attendance),
        cmocka_unit_test(shares_add_up),
        cmocka_unit_test(record_of_an_earlier_event),
        cmocka_unit_test(canonical_form_only),
        cmocka_unit_test(checked_against_the_log),
        cmocka_unit_test(unknown_time_zone_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

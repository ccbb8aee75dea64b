/*
 * The stream's patches made from the sections an event changes
 * (gv_meeting_event_sections, gv_meeting_sections_json, gv_view_update):
 * after every event of the scripted panel and of random sequences over
 * every part of a meeting, settled one event at a time and several at a
 * time, a reader holds exactly the view of the whole state, in every view
 * (view_follow.h). The sections partition the state's keys, and an event
 * names its type's sections, the floor's when time moves, every section
 * for the definition, and for an arrival or departure one row of "people"
 * (gv_changes), the whole section past GV_CHANGES_PEOPLE_MAX rows.
 */
#include <stdint.h>

#include "support.h"

#include "fixture_scenario.h"
#include "floor_fixture.h"
#include "view_follow.h"

static void collect(gv_meeting *m, const json_t *event, void *arg)
{
    (void)m;
    json_array_append((json_t *)arg, (json_t *)event);
}

static json_t *panel_log(void)
{
    json_t *log = json_array();
    assert_non_null(log);
    gv_meeting_free(gvt_scenario(collect, log));
    return log;
}

static void panel_views_follow_by_sections(void **state)
{
    (void)state;
    json_t *log = panel_log();
    /* One settle per event, then settles of up to 6 events (union of sections). */
    assert_int_equal(gvt_assert_views_follow(log, 1, 0), (int)json_array_size(log) - 1);
    assert_true(gvt_assert_views_follow(log, 6, 17) < (int)json_array_size(log) - 1);
    json_decref(log);
}

/* ---- random sequences over every module -------------------------------------------------- */

static uint64_t rng;

static int rnd_below(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static const char *const people[] = {"arcadia", "borduria", "carpania", "dorado", "agency",
                                     "ngo",     "firm",     "uni",      "pan1",   "pan2",
                                     "d00",     "d01",      "d07",      "d13"};
#define N_PEOPLE (sizeof people / sizeof *people)
static const char *const items[] = {"fifo", "un", "balanced", "panel"};

/* A recent event's seq, to name a request, speech, question, note or statement. */
static long long recent(const ff *f)
{
    long long seq = (long long)gv_meeting_seq(f->m);
    return seq - rnd_below(seq > 30 ? 30 : (int)seq);
}

static void random_command(ff *f)
{
    gv_error err;
    const char *p = people[rnd_below((int)N_PEOPLE)];
    const char *boss = rnd_below(2) ? "chair" : "mod";
    int roll = rnd_below(100);
    if (roll < 10)
        ff_try(f, &err, p, "{\"type\": \"%s\"}",
               rnd_below(3) == 0 ? "leave"
               : rnd_below(2)    ? "check_in"
                                 : "join");
    else if (roll < 22)
        ff_try(f, &err, p, "{\"type\": \"request_floor\"}");
    else if (roll < 26)
        ff_try(f, &err, p, "{\"type\": \"withdraw\", \"request\": %lld}", recent(f));
    else if (roll < 34)
        ff_try(f, &err, boss, "{\"type\": \"next_speaker\"}");
    else if (roll < 40)
        ff_try(f, &err, boss, "{\"type\": \"end_speech\"}");
    else if (roll < 43)
        ff_try(f, &err, boss, "{\"type\": \"%s\"}", rnd_below(2) ? "close_list" : "reopen_list");
    else if (roll < 46)
        ff_try(f, &err, boss, "{\"type\": \"%s\"}",
               rnd_below(2) ? "pause_speech" : "resume_speech");
    else if (roll < 49)
        ff_try(f, &err, boss, "{\"type\": \"set_guiding_question\", \"guiding_question\": %s}",
               rnd_below(3) == 0 ? "null"
               : rnd_below(2)    ? "\"gq1\""
                                 : "\"gq2\"");
    else if (roll < 52)
        ff_try(f, &err, "chair", "{\"type\": \"end_item\"}");
    else if (roll < 55)
        ff_try(f, &err, "chair", "{\"type\": \"start_item\", \"item\": \"%s\"}",
               items[rnd_below(4)]);
    else if (roll < 63)
        ff_try(f, &err, p, "{\"type\": \"ask_question\", \"text\": \"Question %d?\"%s}",
               rnd_below(1000), rnd_below(4) == 0 ? ", \"anonymous\": true" : "");
    else if (roll < 69)
        ff_try(f, &err, p, "{\"type\": \"%s\", \"question\": %lld}",
               rnd_below(3) ? "upvote" : "unvote", recent(f));
    else if (roll < 76) {
        static const char *const moderation[] = {"approve_question", "dismiss_question",
                                                 "show_question", "mark_answered"};
        ff_try(f, &err, "mod", "{\"type\": \"%s\", \"question\": %lld}", moderation[rnd_below(4)],
               recent(f));
    } else if (roll < 78)
        ff_try(f, &err, "mod", "{\"type\": \"merge_question\", \"question\": %lld, \"into\": %lld}",
               recent(f), recent(f));
    else if (roll < 80)
        ff_try(f, &err, p, "{\"type\": \"edit_question\", \"question\": %lld, \"text\": \"Ed %d\"}",
               recent(f), rnd_below(100));
    else if (roll < 85)
        ff_try(f, &err, "rap", "{\"type\": \"add_note\", \"text\": \"Note %d\"}", rnd_below(100));
    else if (roll < 87)
        ff_try(f, &err, "rap", "{\"type\": \"%s\", \"note\": %lld%s}",
               rnd_below(2) ? "withdraw_note" : "amend_note", recent(f),
               rnd_below(2) ? "" : ", \"text\": \"Amended\"");
    else if (roll < 89)
        ff_try(f, &err, "rap", "{\"type\": \"draft_summary\", \"replace\": true}");
    else if (roll < 91)
        ff_try(f, &err, "chair", "{\"type\": \"%s\"}",
               rnd_below(2) ? "approve_summary" : "reopen_summary");
    else if (roll < 95)
        ff_try(f, &err, "sec",
               "{\"type\": \"attach_statement\", \"person\": \"%s\", \"hash\": "
               "\"%064d\", \"media_type\": \"application/pdf\", \"size_bytes\": 1000, "
               "\"file_name\": \"s%d.pdf\"}",
               p, rnd_below(1000), rnd_below(1000));
    else if (roll < 97)
        ff_try(f, &err, "sec", "{\"type\": \"withdraw_statement\", \"statement\": %lld}",
               recent(f));
    else
        ff_try(f, &err, p, "{\"type\": \"inscribe\", \"item\": \"%s\"}", items[rnd_below(4)]);
}

/* The floor fixture's meeting with a rapporteur and moderated, anonymous questions. */
static json_t *definition(void)
{
    json_t *def = ff_definition();
    json_t *meeting = json_object_get(def, "meeting");
    json_object_set_new(meeting, "questions",
                        json_pack("{s:b, s:b}", "anonymous", 1, "moderated", 1));
    json_array_append_new(
        json_object_get(def, "people"),
        ff_person("rap", "rapporteur", "intergovernmental", "room", "Secretariat"));
    return def;
}

static void random_views_follow_by_sections(void **state)
{
    (void)state;
    int runs = GVT_CASES(3), steps = 400;
    for (int run = 0; run < runs; run++) {
        ff f;
        rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(run + 1);
        ff_init_with(&f, definition(), FF_T0);
        f.check_refusals = false;
        ff_start(&f, items[run % 4]);
        for (int s = 0; s < steps; s++) {
            /* Often the same millisecond (the floor's time unchanged), often later. */
            f.step_ms = rnd_below(3) == 0 ? 0 : 1 + rnd_below(90000);
            random_command(&f);
        }
        gv_error err;
        ff_try(&f, &err, "chair", "{\"type\": \"end_item\"}"); /* unless none runs */
        ff_ok(&f, "chair", "{\"type\": \"close_meeting\"}");
        /* The run reached every section, or it proves little. */
        json_t *st = gv_meeting_to_json(f.m);
        assert_true(json_array_size(json_object_get(st, "questions")) > 3);
        assert_true(json_array_size(json_object_get(st, "notes")) > 3);
        assert_true(json_array_size(json_object_get(st, "speeches")) > 3);
        json_decref(st);
        gvt_assert_views_follow(f.log, 1, 0);
        gvt_assert_views_follow(f.log, 8, (uint64_t)run);
        /* Long settles: many sections and rows in each. */
        gvt_assert_views_follow(f.log, 60, (uint64_t)run);
        ff_release(&f);
    }
}

/* ---- the sections ---------------------------------------------------------------------------- */

static void sections_partition_the_state(void **state)
{
    (void)state;
    gv_meeting *m = gvt_scenario(NULL, NULL);
    json_t *whole = gv_meeting_to_json(m); /* the sections, all of them */
    size_t keys = 2;                       /* seq, last_at_ms */
    for (unsigned bit = 1; bit & GV_SECTIONS_ALL; bit <<= 1) {
        json_t *part = gv_meeting_sections_json(m, bit);
        const char *k;
        json_t *v;
        json_object_foreach(part, k, v)
        {
            if (strcmp(k, "seq") == 0 || strcmp(k, "last_at_ms") == 0)
                continue;
            if (gv_meeting_key_section(k) != bit)
                fail_msg("key \"%s\" is written by section 0x%x, listed in 0x%x", k, bit,
                         gv_meeting_key_section(k));
            keys++;
        }
        json_decref(part);
    }
    assert_int_equal(keys, json_object_size(whole));
    assert_int_equal(gv_meeting_key_section("seq"), 0);
    assert_int_equal(gv_meeting_key_section("no_such_key"), 0);
    json_decref(whole);
    gv_meeting_free(m);
}

static void events_name_their_sections(void **state)
{
    (void)state;
    ff f;
    json_t *def = ff_definition();
    for (int i = 0; i < GV_CHANGES_PEOPLE_MAX; i++) { /* a room with more than that */
        char id[8];
        snprintf(id, sizeof id, "e%02d", i);
        json_array_append_new(json_object_get(def, "people"),
                              ff_person(id, "participant", "civil_society", "room", "NGO"));
    }
    ff_init_with(&f, def, FF_T0);
    json_t *ev = json_pack("{s:i, s:s, s:I}", "seq", 2, "type", "guiding_question_set", "at_ms",
                           (json_int_t)FF_T0);
    /* At the state's time: the proceedings only; later, the floor's clock too. */
    assert_int_equal(gv_meeting_event_sections(f.m, ev), GV_SECTION_PROCEEDINGS);
    json_object_set_new(ev, "at_ms", json_integer(FF_T0 + 1));
    assert_int_equal(gv_meeting_event_sections(f.m, ev), GV_SECTION_PROCEEDINGS | GV_SECTION_FLOOR);
    /* A type the core does not know, and the definition: every section. */
    json_object_set_new(ev, "type", json_string("no_such_event"));
    assert_int_equal(gv_meeting_event_sections(f.m, ev), GV_SECTIONS_ALL);
    json_object_set_new(ev, "type", json_string("meeting_defined"));
    assert_int_equal(gv_meeting_event_sections(f.m, ev), GV_SECTIONS_ALL);
    /* An arrival: one person's row, once however often; past the rows it
     * keeps, the whole section. */
    gv_changes c = {0};
    json_object_set_new(ev, "type", json_string("attended"));
    json_object_set_new(ev, "person", json_string("d05"));
    assert_int_equal(gv_meeting_event_sections(f.m, ev), GV_SECTION_PEOPLE | GV_SECTION_FLOOR);
    gv_changes_add(&c, f.m, ev);
    gv_changes_add(&c, f.m, ev);
    assert_int_equal(c.sections, GV_SECTION_FLOOR);
    assert_int_equal(c.n_people, 1);
    assert_int_equal(c.people[0], gv__person_find(f.m, "d05"));
    for (int i = 0; i < GV_CHANGES_PEOPLE_MAX; i++) {
        char id[8];
        snprintf(id, sizeof id, "e%02d", i);
        json_object_set_new(ev, "person", json_string(id));
        gv_changes_add(&c, f.m, ev);
    }
    assert_int_equal(c.sections, GV_SECTION_FLOOR | GV_SECTION_PEOPLE);
    assert_int_equal(c.n_people, GV_CHANGES_PEOPLE_MAX);
    json_object_del(ev, "person");
    gv_meeting *empty = gv_meeting_new();
    json_object_set_new(ev, "type", json_string("attended"));
    assert_int_equal(gv_meeting_event_sections(empty, ev), GV_SECTIONS_ALL);
    gv_meeting_free(empty);
    json_decref(ev);
    ff_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(panel_views_follow_by_sections),
        cmocka_unit_test(random_views_follow_by_sections),
        cmocka_unit_test(sections_partition_the_state),
        cmocka_unit_test(events_name_their_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Shared helpers of the unit tests: a small meeting definition with one person
 * of every role and a spread of stakeholder groups, regions, genders and modes,
 * and short ways to send commands and compare states. Header-only so that each
 * test stays one program.
 */
#ifndef GV_TEST_SUPPORT_H
#define GV_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/meeting.h"

/*
 * Under AddressSanitizer a property test costs several times its normal
 * time, and `make test-asan` runs beside other suites on a shared machine:
 * there it runs a quarter of its cases (at least one), which still walks
 * every path under the sanitizers; the normal build runs them all, and
 * keeps the test's power to find an ordering that breaks.
 */
#if defined(__SANITIZE_ADDRESS__)
#define GVT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GVT_SANITIZED 1
#endif
#endif
#ifndef GVT_SANITIZED
#define GVT_SANITIZED 0
#endif
#define GVT_CASES(n) (GVT_SANITIZED ? ((n) + 3) / 4 : (n))

/* 31 March 2022 14:30 Europe/Zurich (12:30 UTC), in ms since 1970. */
#define GVT_T0 1648729800000LL

static const char gvt_definition_json[] =
    "{\"meeting\": {\"id\": \"test-panel\", \"title\": \"Test panel\", \"body\": \"Test "
    "commission\", \"starts\": \"2022-03-31T14:30\", \"ends\": \"2022-03-31T16:30\", "
    "\"timezone\": \"Europe/Zurich\", \"venue\": \"Room XVII\", \"languages\": [\"en\", \"fr\"], "
    "\"questions\": {\"anonymous\": true, \"moderated\": true}},"
    "\"documents\": [{\"symbol\": \"A/77/62\", \"title\": \"Report\"}],"
    "\"guiding_questions\": [{\"id\": \"gq1\", \"text\": \"What lessons?\"}, {\"id\": \"gq2\", "
    "\"text\": \"What next?\"}],"
    "\"agenda\": ["
    "{\"id\": \"opening\", \"title\": \"Opening\", \"kind\": \"opening\", \"planned_minutes\": 5, "
    "\"speaking\": {\"limit_minutes\": 5, \"warning_minutes\": 4}},"
    "{\"id\": \"panel\", \"title\": \"Presentations\", \"kind\": \"presentations\", "
    "\"planned_minutes\": 30, \"speaking\": {\"limit_minutes\": 7, \"warning_minutes\": 5}, "
    "\"speakers\": [\"pan1\", \"pan2\"]},"
    "{\"id\": \"discussion\", \"title\": \"Discussion\", \"kind\": \"discussion\", "
    "\"planned_minutes\": 60, \"speaking\": {\"limit_minutes\": 3, \"warning_minutes\": 2}, "
    "\"policy\": \"balanced\"},"
    "{\"id\": \"un-round\", \"title\": \"Statements\", \"kind\": \"discussion\", "
    "\"planned_minutes\": 20, \"speaking\": {\"limit_minutes\": 3, \"warning_minutes\": 2}, "
    "\"policy\": \"un\", \"list_closes_after_minutes\": 10},"
    "{\"id\": \"closing\", \"title\": \"Closing\", \"kind\": \"closing\", \"planned_minutes\": 5, "
    "\"speaking\": {\"limit_minutes\": 5, \"warning_minutes\": 4}}],"
    "\"people\": ["
    "{\"id\": \"chair\", \"name\": \"Chair Person\", \"group\": \"member_state\", \"region\": "
    "\"western_european_others\", \"gender\": \"female\", \"mode\": \"room\", \"roles\": "
    "[\"chair\"]},"
    "{\"id\": \"mod\", \"name\": \"Moderator Person\", \"group\": \"intergovernmental\", "
    "\"mode\": \"room\", \"roles\": [\"moderator\"]},"
    "{\"id\": \"sec\", \"name\": \"Secretariat Person\", \"group\": \"intergovernmental\", "
    "\"mode\": \"room\", \"roles\": [\"secretariat\"]},"
    "{\"id\": \"rap\", \"name\": \"Rapporteur Person\", \"group\": \"member_state\", \"region\": "
    "\"african\", \"mode\": \"room\", \"roles\": [\"rapporteur\"]},"
    "{\"id\": \"pan1\", \"name\": \"Panelist One\", \"group\": \"technical_academic\", "
    "\"gender\": \"male\", \"mode\": \"room\", \"roles\": [\"panelist\"]},"
    "{\"id\": \"pan2\", \"name\": \"Panelist Two\", \"group\": \"private_sector\", \"gender\": "
    "\"female\", \"mode\": \"online\", \"roles\": [\"panelist\"]},"
    "{\"id\": \"p1\", \"name\": \"Delegate One\", \"affiliation\": \"Arcadia\", \"group\": "
    "\"member_state\", \"region\": \"african\", \"gender\": \"female\", \"mode\": \"room\", "
    "\"roles\": [\"participant\"]},"
    "{\"id\": \"p2\", \"name\": \"Delegate Two\", \"affiliation\": \"Borduria\", \"group\": "
    "\"member_state\", \"region\": \"eastern_european\", \"gender\": \"male\", \"mode\": "
    "\"online\", \"roles\": [\"participant\"]},"
    "{\"id\": \"p3\", \"name\": \"Observer Three\", \"affiliation\": \"Carpania\", \"group\": "
    "\"observer_state\", \"region\": \"asia_pacific\", \"mode\": \"room\", \"roles\": "
    "[\"participant\"]},"
    "{\"id\": \"p4\", \"name\": \"Agency Four\", \"affiliation\": \"Agency\", \"group\": "
    "\"intergovernmental\", \"gender\": \"other\", \"mode\": \"online\", \"roles\": "
    "[\"participant\"]},"
    "{\"id\": \"p5\", \"name\": \"Civil Five\", \"affiliation\": \"NGO\", \"group\": "
    "\"civil_society\", \"gender\": \"female\", \"mode\": \"online\", \"roles\": "
    "[\"participant\"]},"
    "{\"id\": \"p6\", \"name\": \"Business Six\", \"affiliation\": \"Firm\", \"group\": "
    "\"private_sector\", \"gender\": \"male\", \"mode\": \"room\", \"roles\": "
    "[\"participant\"]}]}";

/* Every person of the fixture, by role. */
static const char *const gvt_people[] = {"chair", "mod", "sec", "rap", "pan1", "pan2",
                                         "p1",    "p2",  "p3",  "p4",  "p5",   "p6"};
#define GVT_N_PEOPLE (sizeof gvt_people / sizeof gvt_people[0])

/* A meeting defined from `definition` (JSON text) at GVT_T0; fails the test on error. */
static inline gv_meeting *gvt_meeting_from(const char *definition)
{
    json_error_t jerr;
    gv_error err = {0};
    json_t *def = json_loads(definition, 0, &jerr);
    if (!def)
        fail_msg("fixture is not JSON: %s", jerr.text);
    gv_meeting *m = gv_meeting_new();
    assert_non_null(m);
    json_t *ev = gv_meeting_define(m, def, GVT_T0 - 3600000, &err);
    if (!ev)
        fail_msg("definition refused: %s", err.msg);
    if (gv_meeting_apply(m, ev, &err) < 0)
        fail_msg("definition event refused: %s", err.msg);
    json_decref(ev);
    json_decref(def);
    return m;
}

static inline gv_meeting *gvt_meeting(void)
{
    return gvt_meeting_from(gvt_definition_json);
}

/* The bytes of a file, malloc'd with one spare byte; *len set. */
static inline void *gvt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The state as compact JSON with sorted keys; caller frees. */
static inline char *gvt_state(const gv_meeting *m)
{
    json_t *s = gv_meeting_to_json(m);
    assert_non_null(s);
    char *text = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(s);
    assert_non_null(text);
    return text;
}

/* Replays `log` (every event of the meeting, the definition first) on a new
 * meeting: its state must equal live's, byte for byte as JSON. */
static inline void gvt_assert_replays(const gv_meeting *live, const json_t *log)
{
    gv_error err;
    gv_meeting *r = gv_meeting_new();
    assert_non_null(r);
    for (size_t i = 0; i < json_array_size(log); i++)
        if (gv_meeting_apply(r, json_array_get(log, i), &err) < 0)
            fail_msg("replay of event %zu failed: %s", i, err.msg);
    char *a = gvt_state(live), *b = gvt_state(r);
    assert_string_equal(a, b);
    free(a);
    free(b);
    gv_meeting_free(r);
}

/*
 * Applies each of `events` to m in its stored form (its canonical bytes
 * read back, as a replay would read them) and appends that form to `log`
 * (may be NULL). Fails the test naming `what` (the command) when one does
 * not apply.
 */
static inline void gvt_apply_stored(gv_meeting *m, const json_t *events, json_t *log,
                                    const char *what)
{
    gv_error err;
    for (size_t i = 0; i < json_array_size(events); i++) {
        char *bytes = gv_event_canonical(json_array_get(events, i));
        json_error_t jerr;
        json_t *stored = bytes ? json_loads(bytes, 0, &jerr) : NULL;
        free(bytes);
        if (!stored)
            fail_msg("event %zu of %s has no stored form", i, what);
        if (gv_meeting_apply(m, stored, &err) < 0)
            fail_msg("event %zu of %s not applied: %s", i, what, err.msg);
        if (log)
            json_array_append(log, stored);
        json_decref(stored);
    }
}

/*
 * Sends the command `json` (printf-style) as `as` at `at_ms` and applies its
 * events. Returns 0 or the refusal's code; a refusal must leave the state as it
 * was (checked here). The events are freed.
 */
static inline int gvt_send(gv_meeting *m, const char *as, int64_t at_ms, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_error_t jerr;
    json_t *cmd = json_loads(text, 0, &jerr);
    if (!cmd)
        fail_msg("test command is not JSON: %s: %s", text, jerr.text);
    char *before = gvt_state(m);
    json_t *events = NULL;
    gv_error err = {0};
    int rc = gv_meeting_decide(m, cmd, as, at_ms, &events, &err);
    if (rc < 0) {
        char *after = gvt_state(m);
        assert_string_equal(before, after);
        free(after);
        assert_null(events);
        assert_true(err.msg[0] != '\0');
    } else {
        for (size_t i = 0; i < json_array_size(events); i++)
            if (gv_meeting_apply(m, json_array_get(events, i), &err) < 0)
                fail_msg("event %zu of %s does not apply: %s", i, text, err.msg);
    }
    free(before);
    json_decref(events);
    json_decref(cmd);
    return rc;
}

/* Sends a command that must succeed. */
#define gvt_ok(m, as, at, ...) assert_int_equal(gvt_send((m), (as), (at), __VA_ARGS__), 0)

#endif

/*
 * A meeting whose events are stored as the server stores them: each command
 * is decided, its events are appended to a real store (the memory engine,
 * behind the same interface as SQLite) and then applied. The record module
 * reads only the store, so this is the record of a real log.
 */
#ifndef GV_TESTS_REPORT_FIXTURE_H
#define GV_TESTS_REPORT_FIXTURE_H

#include <stdbool.h>

#include "support.h"

#include "store/store.h"

typedef struct rfx {
    gv_store *store;
    gv_meeting *m;
} rfx;

#define RFX_MEETING "test-panel"

static inline void rfx_append(rfx *f, const json_t *ev, bool create)
{
    gv_error err = {0};
    char *bytes = gv_event_canonical(ev);
    assert_non_null(bytes);
    gv_event_in in = {.seq = json_integer_value(json_object_get(ev, "seq")),
                      .type = json_string_value(json_object_get(ev, "type")),
                      .at_ms = json_integer_value(json_object_get(ev, "at_ms")),
                      .bytes = (const unsigned char *)bytes,
                      .len = strlen(bytes)};
    int rc = create ? gv_store_create_meeting(f->store, RFX_MEETING, &in, 1, &err)
                    : gv_store_append(f->store, RFX_MEETING, &in, 1, &err);
    if (rc < 0)
        fail_msg("store refused event %lld: %s", (long long)in.seq, err.msg);
    if (gv_meeting_apply(f->m, ev, &err) < 0)
        fail_msg("event %lld does not apply: %s", (long long)in.seq, err.msg);
    free(bytes);
}

/* The fixture meeting of support.h, defined and stored. */
static inline void rfx_open(rfx *f)
{
    json_error_t jerr;
    gv_error err = {0};
    json_t *def = json_loads(gvt_definition_json, 0, &jerr);
    assert_non_null(def);
    f->store = gv_store_open_memory(&err);
    assert_non_null(f->store);
    f->m = gv_meeting_new();
    json_t *ev = gv_meeting_define(f->m, def, GVT_T0 - 3600000, &err);
    if (!ev)
        fail_msg("definition refused: %s", err.msg);
    rfx_append(f, ev, true);
    json_decref(ev);
    json_decref(def);
}

static inline void rfx_close(rfx *f)
{
    gv_meeting_free(f->m);
    gv_store_close(f->store);
}

/* Sends a command that must be accepted; its events are stored, then applied. */
static inline void rfx_send(rfx *f, const char *as, int64_t at_ms, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_error_t jerr;
    json_t *cmd = json_loads(text, 0, &jerr);
    if (!cmd)
        fail_msg("test command is not JSON: %s", text);
    json_t *events = NULL;
    gv_error err = {0};
    if (gv_meeting_decide(f->m, cmd, as, at_ms, &events, &err) < 0)
        fail_msg("%s refused: %s", text, err.msg);
    for (size_t i = 0; i < json_array_size(events); i++)
        rfx_append(f, json_array_get(events, i), false);
    json_decref(events);
    json_decref(cmd);
}

/* Seconds after 14:30 Zurich on 31 March 2022. */
#define AT(s) (GVT_T0 + (int64_t)(s)*1000)

/* A short meeting: opening, a panelist, a question dismissed, an anonymous
 * one, a note, and a speech still under way at the last event. */
static inline void rfx_script(rfx *f)
{
    rfx_send(f, "chair", AT(0), "{\"type\": \"open_meeting\"}");
    rfx_send(f, "p1", AT(1), "{\"type\": \"check_in\"}");
    rfx_send(f, "p2", AT(2), "{\"type\": \"join\"}");
    rfx_send(f, "chair", AT(10), "{\"type\": \"start_item\", \"item\": \"opening\"}");
    rfx_send(f, "chair", AT(20), "{\"type\": \"give_floor\", \"person\": \"chair\"}");
    rfx_send(f, "chair", AT(260), "{\"type\": \"end_speech\"}");
    rfx_send(f, "mod", AT(300), "{\"type\": \"start_item\", \"item\": \"panel\"}");
    rfx_send(f, "mod", AT(305), "{\"type\": \"give_floor\", \"person\": \"pan1\"}");
    rfx_send(f, "p5", AT(310), "{\"type\": \"ask_question\", \"text\": \"Spam <b>here</b>\"}");
    rfx_send(f, "p6", AT(320),
             "{\"type\": \"ask_question\", \"text\": \"Who pays?\", \"anonymous\": true}");
    rfx_send(f, "mod", AT(330), "{\"type\": \"dismiss_question\", \"question\": 11}");
    rfx_send(f, "rap", AT(800),
             "{\"type\": \"add_note\", \"guiding_question\": \"gq1\", \"text\": \"Costs.\"}");
}

#endif

/*
 * Clients of one meeting for tests that run many at once: each reads the
 * meeting's events on a WebSocket (where it also sends commands) or on
 * Server-Sent Events, keeps every event it received and counts the commands
 * it sent that are not answered yet. The test says what an event or an
 * answer means through two callbacks (tp_handlers), and waits on its own
 * condition around tp_drain_all.
 *
 * Header-only, on top of server_client.h.
 */
#pragma once

#include "core/view.h"
#include "server_client.h"

typedef struct tp_client {
    bool sse;
    tc_ws ws;
    tc_sse es;
    const char *person; /** NULL for screens */
    int port;           /** the server it reads */
    gv_view view;       /** the view the client's link reads */
    json_t *events;     /** every event received, in order */
    int64_t last_seq;
    int pending; /** commands sent, not yet answered */
    int acks, errors;
} tp_client;

/* What the test does with what client i receives: an event, and an answer
 * ("ack" or "error", after which pending, acks and errors are counted). */
typedef struct tp_handlers {
    void (*event)(void *ud, int i, const json_t *ev);
    void (*answer)(void *ud, int i, const json_t *j, const char *type);
    void *ud;
} tp_handlers;

/* Opens client c for `role` as `person` on port: SSE if sse, else a
 * WebSocket whose link adds "&as=<as>" when as is not NULL. */
static inline void tp_open(tp_client *c, int port, const char *token, const char *role,
                           const char *person, bool sse, const char *as)
{
    char extra[128], path[200];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    c->sse = sse;
    c->person = person;
    c->port = port;
    c->events = json_array();
    c->view = gv_view_of_role(role);
    if (sse) {
        assert_int_equal(
            tc_sse_open(&c->es, port, "/api/v1/meetings/test-panel/events?since=0", extra), 200);
    } else {
        snprintf(path, sizeof path, "/api/v1/meetings/test-panel/ws?since=0%s%s", as ? "&as=" : "",
                 as ? as : "");
        assert_int_equal(tc_ws_open(&c->ws, port, path, extra, NULL), 101);
    }
}

static inline void tp_close(tp_client *c)
{
    if (c->sse)
        tc_sse_close(&c->es);
    else
        tc_ws_close(&c->ws);
    json_decref(c->events);
}

/* Sends a command on client c's WebSocket. */
static inline void tp_say(tp_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tp_say(tp_client *c, const char *fmt, ...)
{
    char body[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    assert_false(c->sse);
    assert_int_equal(tc_ws_send(&c->ws, body), 0);
    c->pending++;
}

/* Reads what client i has waiting (wait_ms for the first message). */
static inline void tp_drain(tp_client *all, int i, int wait_ms, const tp_handlers *h)
{
    tp_client *c = &all[i];
    for (int first = 1;; first = 0) {
        int t = first ? wait_ms : 0;
        if (c->sse) {
            tc_event e;
            if (tc_sse_next(&c->es, t, &e) != 1)
                return;
            if (strcmp(e.name, "message") == 0) {
                json_t *ev = json_loads(e.data, 0, NULL);
                assert_non_null(ev);
                h->event(h->ud, i, ev);
                json_decref(ev);
            }
            tc_event_free(&e);
        } else {
            json_t *j = tc_ws_recv_json(&c->ws, t);
            if (!j)
                return;
            const char *type = json_string_value(json_object_get(j, "type"));
            if (strcmp(type, "event") == 0) {
                h->event(h->ud, i, json_object_get(j, "event"));
            } else if (strcmp(type, "ack") == 0 || strcmp(type, "error") == 0) {
                h->answer(h->ud, i, j, type);
                c->pending--;
                if (strcmp(type, "ack") == 0)
                    c->acks++;
                else
                    c->errors++;
            }
            json_decref(j);
        }
    }
}

/* Reads what every client has waiting; returns the commands still
 * unanswered. */
static inline int tp_drain_all(tp_client *all, int n, const tp_handlers *h)
{
    int pending = 0;
    for (int i = 0; i < n; i++) {
        tp_drain(all, i, 0, h);
        pending += all[i].pending;
    }
    return pending;
}

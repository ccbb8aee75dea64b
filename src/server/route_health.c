/*
 * GET /healthz and GET /metrics: what a load balancer and a monitoring
 * system ask of a running server (docs/protocol.md, "Metrics").
 *
 * /healthz answers 200 {"ok":true,...} while the server serves and 503 once
 * it is stopping, so that a balancer sends no new clients to a server on its
 * way out; /metrics is the Prometheus text of metrics.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "server/routes.h"
#include "server/follow.h"
#include "server/room.h"
#include "server/storage.h"

int gv__route_health(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    (void)req;
    char *j = NULL;
    gv__follow_status st;
    gv__follow_status_get(s, &st);
    json_t *o = json_pack(
        "{s:b, s:I, s:i, s:i, s:i, s:s, s:{s:b, s:s, s:s, s:I, s:I, s:i}}", "ok", !s->stopping,
        "server_ms", (json_int_t)gv__now_ms(), "meetings_loaded", (int)s->n_rooms, "streams",
        (int)s->n_streams, "commits_in_flight", (int)gv__storage_in_flight(s), "node", st.node,
        "log", "shared", st.shared, "via", st.via, "database",
        st.database_ok ? "ok" : "unreachable", "lag_events", (json_int_t)st.lag_events, "lag_ms",
        (json_int_t)st.lag_ms, "commands_waiting", (int)st.waiting);
    if (o && s->bus)
        json_object_set_new(o, "nats", json_string(st.bus));
    if (o)
        j = gv_json_text(o);
    json_decref(o);
    if (!j)
        return -1;
    return gv__http_respond(wsi, s->stopping ? 503 : 200, "application/json", j, strlen(j), NULL);
}

int gv__route_metrics(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    (void)req;
    gv__storage_snapshot_counts(s, &s->metrics.snapshots_stored, &s->metrics.snapshots_failed);
    gv__rooms_deflate_count(s, s->metrics.deflate_streams);
    char *text = gv__metrics_text(&s->metrics, s->n_rooms);
    char *follow = text ? gv__follow_metrics_text(s) : NULL;
    if (follow) {
        size_t a = strlen(text), b = strlen(follow);
        char *both = realloc(text, a + b + 1);
        if (both) {
            memcpy(both + a, follow, b + 1);
            text = both;
        }
    }
    free(follow);
    if (!text)
        return -1;
    return gv__http_respond(wsi, 200, "text/plain; version=0.0.4", text, strlen(text), NULL);
}

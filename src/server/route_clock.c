/*
 * The test clock, for tests that follow a meeting over days without waiting
 * days (docs/protocol.md, "The test clock"):
 *
 *   GET  /test/clock               {"now_ms": the server's time}
 *   POST /test/clock?now_ms=T      the server's time jumps to T and runs on from
 *                                  there; {"now_ms": T}
 *
 * Only with `gavel serve --test-clock` (otherwise the path does not exist:
 * 404) and only from the machine itself (loopback; 403 otherwise). The clock
 * moves forward only (409 for a time before the server's now), so the log's
 * times never run backwards, and everything that reads the time moves with
 * it: the events' at_ms, the server_ms the pages set their clocks by, the
 * inscription windows, the speaking timers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "server/headers.h"
#include "server/routes.h"

static bool loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
           strncmp(addr, "::ffff:127.", 11) == 0;
}

static int answer(struct lws *wsi)
{
    char body[64];
    int n = snprintf(body, sizeof body, "{\"now_ms\":%lld}", (long long)gv__now_ms());
    char *copy = strdup(body);
    if (!copy)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    return gv__http_respond(wsi, 200, "application/json", copy, (size_t)n, NULL);
}

int gv__route_clock(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    char addr[64], value[32] = "";
    if (!s->cfg.test_clock)
        return gv__http_error(wsi, GV_ENOTFOUND, "no such resource");
    gv__peer_addr(wsi, addr, sizeof addr);
    if (!loopback(addr))
        return gv__http_error(wsi, GV_EPERM, "the test clock answers the machine itself only");
    if (req->method != GV__POST)
        return answer(wsi);
    char *end = NULL;
    long long t = gv__query_arg(wsi, "now_ms", value, sizeof value) ? strtoll(value, &end, 10) : -1;
    if (!end || *end || end == value || t < 0 || t > GV_TIME_MAX_MS)
        return gv__http_error(wsi, GV_EINVAL,
                              "say where the clock goes: ?now_ms= a time in ms since 1970");
    if (gv__clock_set(t) < 0)
        return gv__http_error(wsi, GV_ESTATE,
                              "the test clock moves forward only: the server's time is past it");
    return answer(wsi);
}

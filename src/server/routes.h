/*
 * The routes (docs/protocol.md), one file a group, as http.c's table calls
 * them. Each answers its request (now, or later) and returns what an lws
 * callback returns.
 *
 *   route_health.c    GET /healthz, GET /metrics
 *   route_join.c      GET /join/{token}: the landing of an invitation link
 *   route_stream.c    GET .../snapshot, GET .../events (Server-Sent Events)
 *   route_commands.c  POST .../commands
 *   route_upgrade.c   the WebSocket upgrade's check, GET .../ws without one
 *   route_record.c    GET .../record (on the job thread)
 *   route_setup.c     POST /api/v1/meetings (on the job thread)
 *   route_links.c     GET, POST .../links, POST .../links/{id}/revoke (their writer)
 *   route_speakers.c  GET .../speakers: a list of speakers as PDF or CSV (on the job thread)
 *   route_clock.c     GET, POST /test/clock: the test clock (gavel serve --test-clock)
 *   route_statements.c POST, GET .../statements, GET .../statements/{sha256} (job thread)
 */
#ifndef GV_SERVER_ROUTES_H
#define GV_SERVER_ROUTES_H

#include "server/http.h"

int gv__route_health(struct lws *wsi, const gv__request *req);
int gv__route_metrics(struct lws *wsi, const gv__request *req);
int gv__route_join(struct lws *wsi, const gv__request *req);
int gv__route_snapshot(struct lws *wsi, const gv__request *req);
int gv__route_events(struct lws *wsi, const gv__request *req);
int gv__route_commands(struct lws *wsi, const gv__request *req);
int gv__route_ws(struct lws *wsi, const gv__request *req);
int gv__route_record(struct lws *wsi, const gv__request *req);
int gv__route_setup(struct lws *wsi, const gv__request *req);
int gv__route_links(struct lws *wsi, const gv__request *req);
int gv__route_link_revoke(struct lws *wsi, const gv__request *req);
int gv__route_speakers(struct lws *wsi, const gv__request *req);
int gv__route_clock(struct lws *wsi, const gv__request *req);
int gv__route_statements(struct lws *wsi, const gv__request *req);
int gv__route_statement(struct lws *wsi, const gv__request *req);

/* GET .../statements?format=zip: the statements' archive, made as a record
 * is (route_record.c). */
int gv__record_statements_archive(struct lws *wsi, const gv__request *req);

/* The answer of a POSTed command, once its client has one (http.c calls it
 * on the writeable callback): 0 while in flight. */
int gv__commands_answer(struct lws *wsi, gv__client *c);

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: checks a WebSocket upgrade so that a
 * refusal is an HTTP answer. 0 lets it proceed. */
int gv__upgrade_check(struct lws *wsi, const char *to);

/* The links writer (route_links.c): answers the writes it finished (on the
 * wake-up); lets it finish what is queued and joins it (before the lws
 * context goes); frees what is left (after). NULL state allowed. */
void gv__links_writer_poll(struct gv_server *s);
void gv__links_writer_stop(struct gv_server *s);
void gv__links_writer_free(struct gv_server *s);

#endif

/*
 * The WebSocket protocol "gavel.v1" (ws.c): its lws callback and the size of
 * its per-session data.
 */
#ifndef GV_SERVER_WS_H
#define GV_SERVER_WS_H

#include <stddef.h>

#include "server/server_internal.h"

int gv__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
extern const size_t gv__ws_pss_size;

#endif

#ifndef GV_SERVER_HANGUP_H
#define GV_SERVER_HANGUP_H
/* Closed SSE peers, found as soon as their socket says so (hangup.c). */
#include "server/client.h"

/* Watches an HTTP/1.1 SSE stream's socket for its peer's close; closes the
 * stream then. Without memory it leaves the stream to the tick's peek. */
void gv__hangup_watch(gv__client *c);

/* Leaves an SSE stream's peer to the tick's peek (server.c, peer_closed):
 * one over HTTP/2, or one not watched. */
void gv__hangup_peek(gv__client *c);

/* Stops watching or peeking (the connection is closing); nothing if neither. */
void gv__hangup_unwatch(gv__client *c);

#endif

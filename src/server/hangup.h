#ifndef GV_SERVER_HANGUP_H
#define GV_SERVER_HANGUP_H
/* Closed SSE peers, found as soon as their socket says so (hangup.c). */
#include "server/client.h"

/* Watches an HTTP/1.1 SSE stream's socket for its peer's close; closes the
 * stream then. Without memory it watches nothing (the tick's peek remains). */
void gv__hangup_watch(gv__client *c);

/* Stops watching (the connection is closing); nothing if not watched. */
void gv__hangup_unwatch(gv__client *c);

#endif

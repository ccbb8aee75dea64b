#ifndef GV_SERVER_SETTLE_H
#define GV_SERVER_SETTLE_H
/* When the loop settles the rooms' commits: after the answers they owe (settle.c). */
#include "server/server_internal.h"

/* Sets up the loop's watchers for it; 0, or GV_ENOMEM. */
int gv__settle_open(struct gv_server *s);

/* An HTTP answer was made: it waits for its writeable callback. */
void gv__settle_answer_owed(struct gv_server *s);

/* A wake-up's commits were applied: the rooms settle (room_patch.c,
 * gv__rooms_settle) now if they owe no HTTP answer, else once the loop has
 * written what it can, within its next turn. */
void gv__settle_soon(struct gv_server *s);

/* Stops the watchers and frees them; nothing if not open. */
void gv__settle_close(struct gv_server *s);

#endif

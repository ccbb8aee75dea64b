/*
 * A command as a client sends it (command.c), over a WebSocket (ws.c) or
 * HTTP (route_commands.c): the rules both transports share, so that they
 * answer the same bytes the same way (docs/protocol.md, "Commands").
 */
#ifndef GV_SERVER_COMMAND_H
#define GV_SERVER_COMMAND_H

#include <jansson.h>
#include <stddef.h>

#include "server/room.h"
#include "server/server_internal.h"

/* Longest string a command's "id" may be, in bytes (docs/protocol.md). */
#define GV__COMMAND_ID_MAX_BYTES 64

/*
 * Parses what a client sent as a command (`what` names it in messages:
 * "message" or "body"): a JSON object in UTF-8 without duplicate keys whose
 * "id", when there is one, is an integer or a string of at most
 * GV__COMMAND_ID_MAX_BYTES bytes. Returns 0 with *cmd (a new reference) and
 * *id (borrowed from *cmd, NULL when it has none); or GV_EINVAL with err
 * saying which rule the bytes broke (not UTF-8, not JSON, not an object, a
 * bad id), and *cmd and *id NULL: such a refusal has no id to carry.
 */
int gv__command_parse(const char *data, size_t len, const char *what, json_t **cmd,
                      const json_t **id, gv_error *err);

/*
 * Takes one command token of `actor` in the room: the rate is per person,
 * over every link that acts as them (their own, a role link naming them)
 * and every connection. 0, or GV_ERATE with err set (the refusal counted in
 * the metrics).
 */
int gv__command_rate(struct gv_server *s, const gv__room *r, const char *actor, gv_error *err);

/* Counts a command of `actor` that another server stored toward the same
 * rate here (gv__rate_charge): the rate holds over every server of the log. */
void gv__command_charge(struct gv_server *s, const gv__room *r, const char *actor);

#endif

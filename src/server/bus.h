/*
 * The bus between servers (bus.c): each event a server commits is published
 * once on a NATS subject of its meeting; every server subscribed to it folds
 * it into its room and passes it on to its own readers.
 */
#ifndef GV_SERVER_BUS_H
#define GV_SERVER_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server_internal.h"
#include "store/store.h"

/** the subjects' first tokens, unless --nats-subject says otherwise */
#define GV__BUS_PREFIX "gavel.events"

/*
 * Connects to the NATS servers of `url` (nats://host:port, several
 * separated by commas, user:password@ allowed) and keeps connecting in the
 * background while they are down. 0, or a GV_E* code with err set for a URL
 * libnats refuses.
 */
int gv__bus_open(struct gv_server *s, const char *url, const char *prefix, gv_error *err);
/* threads[] of server.c: messages received to their rooms; stop; free. */
void gv__bus_poll(struct gv_server *s);
void gv__bus_stop(struct gv_server *s);
void gv__bus_free(struct gv_server *s);

/* Does the bus carry events now (configured and connected)? */
bool gv__bus_carries(const struct gv_server *s);
/* "connected", "down" (configured, not connected) or "off" (no bus). */
const char *gv__bus_state(const struct gv_server *s);

/* Subscribes room r to its meeting's subject (at load). 0 or a GV_E* code. */
int gv__bus_subscribe(struct gv_server *s, gv__room *r);

/* Publishes one event of r just committed here: its seq, chain hash and
 * canonical bytes. Failures are counted, not reported: the other servers
 * find the event in the log. */
void gv__bus_publish(struct gv_server *s, const gv__room *r, int64_t seq,
                     const unsigned char hash[GV_HASH_BYTES], const char *bytes, size_t len);

/*
 * The subject of a meeting: prefix, a dot, then the id with every byte
 * other than A-Z a-z 0-9 _ - written as ~ and two hex digits (a dot in an
 * id would split the subject's tokens; ~ is escaped so that the form is
 * one-to-one). 0, or GV_ELIMIT when it does not fit in size.
 */
int gv__bus_subject(const char *prefix, const char *meeting, char *out, size_t size);

#endif

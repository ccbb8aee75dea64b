/*
 * The live server: meetings on the network over HTTP, WebSocket and
 * Server-Sent Events (docs/protocol.md), with libwebsockets on one event loop
 * (libev's, on epoll).
 *
 * One thread, the loop thread, owns every meeting's state, every connection
 * and every frame. The store's writer thread commits events; its completions
 * come back to the loop thread, which only then applies them, acknowledges the
 * sender and broadcasts (docs/design.md, "The path of one command").
 *
 * Lifecycle: gv_server_config_init, gv_server_new, gv_server_run (returns when
 * stopped), gv_server_free. gv_server_stop may be called from any thread.
 */
#ifndef GV_SERVER_SERVER_H
#define GV_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"

typedef struct gv_server gv_server;

typedef struct gv_server_config {
    const char *db_path;      /** database holding the meetings (a file or a postgresql:// URI) */
    const char *listen_addr;  /** address to bind, "127.0.0.1" by default */
    int port;                 /** TCP port; 0 picks a free one (see gv_server_port) */
    const char *public_url;   /** base of printed links; NULL: http://ADDR:PORT */
    const char *tls_cert;     /** PEM certificate file; NULL serves plain HTTP */
    const char *tls_key;      /** PEM private key file for tls_cert */
    size_t max_message_bytes; /** largest WebSocket message or HTTP body accepted */
    unsigned commands_per_second;  /** refill of the buckets: a person's commands, a WebSocket's
                                      messages */
    unsigned command_burst;        /** size of those buckets */
    unsigned max_streams_per_addr; /** open WebSocket and SSE streams per client address */
    unsigned max_streams;          /** open streams in all */
    unsigned idle_timeout_s;       /** a stream silent this long is pinged, twice this closed */
    unsigned max_lag_events;       /** events a reader may fall behind before it is cut off */
    unsigned shutdown_grace_ms;    /** how long SIGTERM waits for commits and goodbyes */
    unsigned snapshot_every; /** events between stored snapshots of a meeting's state; 0 never */
    /*
     * Renders a document of `meeting` in `format` from the database at
     * db_path: `document` "record" (formats "md", "html", "json", "csv",
     * "pdf", "docx", "odt", or "ics" for the agenda as a calendar),
     * "summary" (the Chair's summary as approved, with the record as its
     * annex: "json", "md", "docx", "odt") or "draft" (the summary as it
     * stands), on a read-only connection of its own, on a read-only connection of its own. The
     * server calls it on its job thread, never on the loop, one call at a time; it must not touch
     * the server. Returns 0 with *out (malloc'd, the caller frees) and *len set, or a GV_E* code
     * with err set (GV_EINVAL for an unknown format, GV_ENOTFOUND for an unknown meeting, GV_ESTATE
     * for a summary not drafted or not approved). The server library does not link the report
     * module: `gavel serve` fills this in. NULL: GET .../record answers 404.
     */
    int (*render_record)(void *ctx, const char *db_path, const char *meeting, const char *document,
                         const char *format, char **out, size_t *len, gv_error *err);
    void *render_ctx; /** first argument of render_record and render_speakers */
    /*
     * Renders the list of speakers of agenda item `item` as `format` ("pdf"
     * or "csv") in the language `lang`, from `state` (the meeting's public
     * view, borrowed) and the pages' translations `words` (borrowed). Called
     * on the job thread like render_record; NULL: GET .../speakers answers
     * 404. Returns 0 with *out (malloc'd) and *len, or a GV_E* code with err.
     */
    int (*render_speakers)(void *ctx, const json_t *state, const char *item, const json_t *words,
                           const char *lang, const char *format, char **out, size_t *len,
                           gv_error *err);
    /** Whether a time zone exists (a gv_zone_fn, core/definition.h) for
     * definitions loaded over HTTP; NULL checks the zone's spelling only. */
    bool (*zone_exists)(const char *name, void *ud);
    void *zone_ud;     /** second argument of zone_exists */
    bool no_web_setup; /** refuse to create meetings from the secretariat's page (403) */
    /** For tests only: GET and POST /test/clock read and move the server's
     * clock forward (route_clock.c); never in a real meeting. */
    bool test_clock;
    /** this server's name among the servers of one log (in /healthz, /metrics and NATS);
     * NULL: ADDR:PORT */
    const char *node_name;
    /** NATS servers carrying events between the servers of one log (nats://host:port,
     * several separated by commas); NULL: none (the log is read every half second) */
    const char *nats_url;
    const char *nats_subject; /** the subjects' first tokens; NULL: "gavel.events" */
    /** proxies (nginx) whose X-Real-IP header names the client, comma-separated
     * addresses as the server sees them; NULL: none */
    const char *trusted_proxies;
} gv_server_config;

/* Fills c with the defaults (see docs/protocol.md, "Limits"). */
void gv_server_config_init(gv_server_config *c);

/*
 * Opens the database, loads nothing yet (meetings are loaded on first use),
 * starts the store's writer thread and binds the listening socket. Returns
 * NULL with err set when the database cannot be opened or the address cannot
 * be bound. The config's strings are copied.
 */
gv_server *gv_server_new(const gv_server_config *c, gv_error *err);

/* This server's name among the servers of one log (cfg.node_name or ADDR:PORT). */
const char *gv_server_node_name(const gv_server *s);

/* The bound TCP port (useful when the config asked for port 0). */
int gv_server_port(const gv_server *s);

/* The streams the server holds at once: the config's max_streams, lowered to
 * stay a reserve below the files the process may open (*fd_limit, if given). */
unsigned gv_server_max_streams(const gv_server *s, unsigned *fd_limit);

/*
 * Loads the meeting `meeting_id` (which must exist in the database) and issues
 * a fresh invitation link for each role in it, calling print(arg, role, url)
 * for each: chair, moderator, secretariat, rapporteur, panelist, participant,
 * viewer (read-only) and interpreter (read-only, the interpreters' page).
 * Roles nobody holds are skipped, except the two that read only.
 * Returns 0 or a negative GV_E* code with err set.
 */
int gv_server_role_links(gv_server *s, const char *meeting_id,
                         void (*print)(void *arg, const char *role, const char *url), void *arg,
                         gv_error *err);

/*
 * Runs the event loop until gv_server_stop is called or SIGTERM/SIGINT
 * arrives (gv_server_run blocks both in the calling thread and handles them
 * itself). On stop it stops accepting connections, refuses new commands,
 * waits for commits in flight, writes their acknowledgements and events,
 * closes every client cleanly and returns 0. Returns a negative code if the
 * loop fails.
 */
int gv_server_run(gv_server *s);

/* Asks a running server to stop as described above. Safe from any thread. */
void gv_server_stop(gv_server *s);

/* Stops the writer, closes the database and frees everything. NULL is allowed. */
void gv_server_free(gv_server *s);

#endif

/*
 * The PostgreSQL engine: the log of record for deployments that outgrow one
 * machine, many nodes writing to one database (libpq, location
 * "postgresql://..." or "postgres://...", any libpq URI).
 *
 *   gavel_meta(key, value)                       schema version, application
 *   meetings(id text COLLATE "C" PRIMARY KEY, created_at_ms bigint)
 *   events(meeting, seq, type, at_ms, body bytea, hash bytea,
 *          PRIMARY KEY(meeting, seq))
 *   snapshots(meeting, seq, head bytea, version, body bytea, hash bytea,
 *             PRIMARY KEY(meeting, seq))
 *   files(meeting, hash bytea, media_type, size, stored_at_ms, body bytea,
 *         PRIMARY KEY(meeting, hash))                       (files.c)
 *
 * One connection per handle. Durability: every session sets
 * synchronous_commit = on, so COMMIT returns after the WAL is flushed on
 * the server, whatever the server's default.
 *
 * Pipelining: a transaction runs in libpq's pipeline mode. BEGIN,
 * SAVEPOINT, the INSERTs and RELEASE are queued without waiting for their
 * results; the results are read at COMMIT (one round trip for a whole
 * group commit) or when a statement's answer is needed now (the head of a
 * meeting not yet seen in this transaction, creating a meeting). To learn
 * a head without a round trip, the engine remembers the head of every
 * meeting it appended to in the transaction (`heads`), forgotten when a
 * savepoint is rolled back and at the end of the transaction. The queue is
 * read back every QUEUE_MAX statements so that neither side blocks on a full
 * socket. A statement the server refuses aborts the whole transaction (the
 * server skips what follows until the next sync): its error is reported by
 * the next call that waits, and the caller rolls everything back; the
 * store's own checks (seqs against the head) come before any write, so in
 * a healthy cluster only a race with another node or a server failure does
 * that.
 *
 * Many nodes: the primary key on (meeting, seq) serialises appends to one
 * meeting. A node whose INSERT meets a seq that another node committed
 * first gets unique_violation, reported as GV_ESTATE ("read what was
 * missed and decide again").
 *
 * Schema versions: gavel_meta's schema_version is the number of
 * `migrations` applied; open applies the missing ones in one transaction
 * holding an advisory lock, so nodes starting together migrate once. A
 * newer version is refused, never downgraded. Tables live in the first
 * schema of the search_path (a URI may set it with options=-csearch_path=X),
 * so one database can hold several Gavel stores side by side.
 *
 * Connections lost (a server restart): the next call after a failure
 * reconnects once (PQreset) and prepares its statements again; a call that
 * fails meanwhile says so with GV_EUNAVAIL and changes nothing it did not
 * commit. A COMMIT whose answer was lost may have been made: the engine
 * says so (commit_in_doubt), and the writer reads the log to learn which.
 */
#include "store/store_internal.h"

#include <endian.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** statements queued before their results are read back */
#define QUEUE_MAX 256
/** rows fetched by one read query */
#define READ_PAGE_ROWS 2048
/** meetings whose head one transaction remembers */
#define HEADS_MAX 64

/* migrations[k] takes a database from schema_version k to k + 1. */
static const char *const migrations[] = {
    /* 1: meetings and their event logs. */
    "CREATE TABLE meetings("
    " id text COLLATE \"C\" PRIMARY KEY,"
    " created_at_ms bigint NOT NULL);"
    "CREATE TABLE events("
    " meeting text COLLATE \"C\" NOT NULL REFERENCES meetings(id),"
    " seq bigint NOT NULL CHECK (seq >= 1),"
    " type text NOT NULL,"
    " at_ms bigint NOT NULL,"
    " body bytea NOT NULL,"
    " hash bytea NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (meeting, seq));",
    /* 2: snapshots of the state beside the logs. */
    "CREATE TABLE snapshots("
    " meeting text COLLATE \"C\" NOT NULL REFERENCES meetings(id),"
    " seq bigint NOT NULL CHECK (seq >= 1),"
    " head bytea NOT NULL CHECK (length(head) = 32),"
    " version integer NOT NULL,"
    " body bytea NOT NULL,"
    " hash bytea NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (meeting, seq));",
    /* 3: files beside the logs, by their SHA-256. */
    "CREATE TABLE files("
    " meeting text COLLATE \"C\" NOT NULL REFERENCES meetings(id),"
    " hash bytea NOT NULL CHECK (length(hash) = 32),"
    " media_type text NOT NULL,"
    " size bigint NOT NULL CHECK (size >= 1),"
    " stored_at_ms bigint NOT NULL,"
    " body bytea NOT NULL,"
    " PRIMARY KEY (meeting, hash));",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum stmt_id {
    ST_INSERT,
    ST_HEAD,
    ST_READ,
    ST_LIST,
    ST_CREATE,
    ST_EXISTS,
    ST_PUT_SNAPSHOT,
    ST_DROP_SNAPSHOTS,
    ST_GET_SNAPSHOT,
    ST_SNAPSHOT_SEQS,
    ST_PUT_FILE,
    ST_GET_FILE,
    ST_LIST_FILES,
    ST_COUNT
};

static const struct {
    const char *name;
    const char *sql;
} stmts[ST_COUNT] = {
    [ST_INSERT] = {"gv_insert", "INSERT INTO events(meeting, seq, type, at_ms, body, hash)"
                                " VALUES ($1, $2, $3, $4, $5, $6)"},
    [ST_HEAD] = {"gv_head", "SELECT e.seq, e.hash FROM meetings m LEFT JOIN LATERAL"
                            " (SELECT seq, hash FROM events WHERE meeting = m.id"
                            "  ORDER BY seq DESC LIMIT 1) e ON true WHERE m.id = $1"},
    [ST_READ] = {"gv_read", "SELECT seq, type, at_ms, body, hash FROM events"
                            " WHERE meeting = $1 AND seq > $2 ORDER BY seq LIMIT $3"},
    [ST_LIST] = {"gv_list", "SELECT m.id, m.created_at_ms,"
                            " (SELECT max(seq) FROM events WHERE meeting = m.id)"
                            " FROM meetings m ORDER BY m.id"},
    [ST_CREATE] = {"gv_create", "INSERT INTO meetings(id, created_at_ms) VALUES ($1, $2)"
                                " ON CONFLICT (id) DO NOTHING"},
    [ST_EXISTS] = {"gv_exists", "SELECT 1 FROM meetings WHERE id = $1"},
    [ST_PUT_SNAPSHOT] = {"gv_put_snapshot",
                         "INSERT INTO snapshots(meeting, seq, head, version, body, hash)"
                         " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (meeting, seq) DO UPDATE"
                         " SET head = excluded.head, version = excluded.version,"
                         " body = excluded.body, hash = excluded.hash"},
    [ST_DROP_SNAPSHOTS] = {"gv_drop_snapshots",
                           "DELETE FROM snapshots WHERE meeting = $1 AND seq < (SELECT max(seq)"
                           " FROM snapshots WHERE meeting = $1 AND seq < $2)"},
    [ST_GET_SNAPSHOT] = {"gv_get_snapshot",
                         "SELECT seq, head, version, body, hash FROM snapshots"
                         " WHERE meeting = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1"},
    [ST_SNAPSHOT_SEQS] = {"gv_snapshot_seqs",
                          "SELECT seq FROM snapshots WHERE meeting = $1 ORDER BY seq"},
    [ST_PUT_FILE] = {"gv_put_file",
                     "INSERT INTO files(meeting, hash, media_type, size, stored_at_ms, body)"
                     " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (meeting, hash) DO NOTHING"},
    [ST_GET_FILE] = {"gv_get_file", "SELECT hash, media_type, size, stored_at_ms, body FROM files"
                                    " WHERE meeting = $1 AND hash = $2"},
    [ST_LIST_FILES] = {"gv_list_files", "SELECT hash, media_type, size, stored_at_ms FROM files"
                                        " WHERE meeting = $1 ORDER BY hash"},
};

typedef struct head_entry {
    char id[GV_MEETING_ID_MAX + 1];
    int64_t seq;
    unsigned char hash[GV_HASH_BYTES];
} head_entry;

struct gv__engine_impl {
    PGconn *conn;
    char where[256]; /** the server and database, without a password, for messages */
    unsigned flags;
    bool in_tx;           /** BEGIN queued, no COMMIT or ROLLBACK yet */
    int queued;           /** statements sent whose results were not read */
    bool unsynced;        /** statements sent since the last sync point */
    int failed;           /** first error of the transaction's queued statements, 0 */
    bool commit_in_doubt; /** the last COMMIT was sent and its answer lost */
    bool reset_due;       /** the connection is to be made anew before its next use */
    gv_error failure;     /** its message */
    head_entry heads[HEADS_MAX];
    int n_heads;
};

static bool pg_match(const char *location, const char **rest)
{
    if (strncmp(location, "postgresql://", 13) != 0 && strncmp(location, "postgres://", 11) != 0)
        return false;
    *rest = location;
    return true;
}

/* ---- errors ------------------------------------------------------------- */

/* The GV_E* code and a message for an error the server or libpq reported. */
static int pg_error(gv__engine_impl *e, const PGresult *res, const char *doing, gv_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(e->conn);
    char text[300];
    snprintf(text, sizeof text, "%s", msg && *msg ? msg : "no message");
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (!state)
        state = PQstatus(e->conn) == CONNECTION_BAD ? "08006" : "XX000";

    if (strcmp(state, "23505") == 0)
        return gv_error_set(err, GV_ESTATE,
                            "%s: another writer stored the same event first while %s (%s); "
                            "nothing of this change was stored: read the log again and retry",
                            e->where, doing, text);
    if (strncmp(state, "23", 2) == 0)
        return gv_error_set(err, GV_ESTATE, "%s refused the change while %s (%s)", e->where, doing,
                            text);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "57014") == 0)
        return gv_error_set(err, GV_EBUSY, "%s was busy while %s (%s); try again", e->where, doing,
                            text);
    if (strcmp(state, "53100") == 0)
        return gv_error_set(err, GV_EFULL,
                            "the disk of the PostgreSQL server %s is full (while %s); nothing of "
                            "this change was stored: free some space there and try again",
                            e->where, doing);
    if (strncmp(state, "53", 2) == 0)
        return gv_error_set(err, GV_EIO, "PostgreSQL server %s ran out of resources while %s (%s)",
                            e->where, doing, text);
    if (strcmp(state, "25006") == 0)
        return gv_error_set(err, GV_EREADONLY,
                            "%s cannot be written (while %s: %s); use a command that only reads "
                            "it, or a primary server",
                            e->where, doing, text);
    if (strncmp(state, "28", 2) == 0)
        return gv_error_set(err, GV_EAUTH,
                            "PostgreSQL server %s refused the login (%s): check the user and "
                            "password in the URI or ~/.pgpass",
                            e->where, text);
    if (strcmp(state, "3D000") == 0)
        return gv_error_set(err, GV_ENOTFOUND,
                            "%s: %s; create the database first (createdb), then `gavel init`",
                            e->where, text);
    if (strncmp(state, "54", 2) == 0)
        return gv_error_set(err, GV_ELIMIT, "too large for %s while %s (%s)", e->where, doing,
                            text);
    if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0)
        return gv_error_set(err, GV_ECORRUPT,
                            "%s: the Gavel tables are not as expected (%s, while %s); was the "
                            "schema changed by hand? Restore the last backup",
                            e->where, text, doing);
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
        return gv_error_set(err, GV_EUNAVAIL,
                            "lost the connection to PostgreSQL at %s while %s (%s); nothing "
                            "not yet committed was stored: check that the server runs, then "
                            "retry",
                            e->where, doing, text);
    return gv_error_set(err, GV_EIO, "PostgreSQL at %s failed while %s: %s (SQLSTATE %s)", e->where,
                        doing, text, state);
}

/* ---- connection ----------------------------------------------------------- */

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void gv__pg_describe(const char *uri, char *out, size_t size)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &why);
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
    PQfreemem(why);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && !host))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    snprintf(out, size, "postgresql://%.40s%s%.80s%s%.12s/%.60s", user ? user : "", user ? "@" : "",
             host ? host : "localhost", port ? ":" : "", port ? port : "", db ? db : "");
    PQconninfoFree(opts);
}

/* Runs one statement outside a pipeline and checks that it worked. */
static int exec_ok(gv__engine_impl *e, const char *sql, const char *doing, gv_error *err)
{
    PGresult *r = PQexec(e->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : pg_error(e, r, doing, err);
    PQclear(r);
    return rc;
}

/* Session settings and prepared statements, after every (re)connection. */
static int session_setup(gv__engine_impl *e, gv_error *err)
{
    int rc = exec_ok(e,
                     "SET synchronous_commit = on;"
                     "SET default_transaction_isolation = 'read committed';"
                     "SET client_min_messages = warning",
                     "setting up the session", err);
    if (rc)
        return rc;
    if (e->flags & GV_STORE_READONLY &&
        (rc = exec_ok(e, "SET default_transaction_read_only = on", "setting up the session", err)))
        return rc;
    for (int i = 0; i < ST_COUNT; i++) {
        PGresult *r = PQprepare(e->conn, stmts[i].name, stmts[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_error(e, r, "preparing statements (is the schema current?)", err);
        PQclear(r);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reconnects once when the connection was lost; GV_EIO when it stays lost. */
static int ensure_connected(gv__engine_impl *e, gv_error *err)
{
    if (PQstatus(e->conn) == CONNECTION_OK && !e->reset_due)
        return 0;
    e->reset_due = false;
    PQreset(e->conn);
    if (PQstatus(e->conn) != CONNECTION_OK)
        return pg_error(e, NULL, "connecting again", err);
    return session_setup(e, err);
}

/* ---- schema --------------------------------------------------------------- */

/* One text value of a one-row query, into out; "" when there is no row or it is NULL. */
static int query_text(gv__engine_impl *e, const char *sql, const char *param, char *out,
                      size_t size, gv_error *err)
{
    PGresult *r =
        PQexecParams(e->conn, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);
    int rc = 0;
    out[0] = '\0';
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = pg_error(e, r, "reading the schema", err);
    else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

/* Reads the schema version (0 when there is no Gavel schema) and checks it. */
static int check_identity(gv__engine_impl *e, int *version, gv_error *err)
{
    char buf[64];
    int rc;
    *version = 0;
    if ((rc = query_text(e, "SELECT to_regclass('gavel_meta')::text", NULL, buf, sizeof buf, err)))
        return rc;
    if (!buf[0]) {
        char m[64], ev[64];
        if ((rc = query_text(e, "SELECT to_regclass('meetings')::text", NULL, m, sizeof m, err)) ||
            (rc = query_text(e, "SELECT to_regclass('events')::text", NULL, ev, sizeof ev, err)))
            return rc;
        if (m[0] || ev[0])
            return gv_error_set(err, GV_EINVAL,
                                "%s has a table named %s that is not Gavel's (no gavel_meta "
                                "table); give another database or schema",
                                e->where, m[0] ? "meetings" : "events");
        if (!(e->flags & GV_STORE_CREATE))
            return gv_error_set(err, GV_ENOTFOUND,
                                "%s holds no Gavel database; create one with `gavel init`",
                                e->where);
        return 0;
    }
    if ((rc = query_text(e, "SELECT value FROM gavel_meta WHERE key = $1", "application", buf,
                         sizeof buf, err)))
        return rc;
    if (strcmp(buf, "gavel") != 0)
        return gv_error_set(err, GV_EINVAL,
                            "%s has a gavel_meta table that does not name Gavel; give another "
                            "database or schema",
                            e->where);
    if ((rc = query_text(e, "SELECT value FROM gavel_meta WHERE key = $1", "schema_version", buf,
                         sizeof buf, err)))
        return rc;
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    if (!buf[0] || *end || v < 1)
        return gv_error_set(err, GV_ECORRUPT,
                            "%s: the schema version \"%.20s\" is damaged; restore the last backup",
                            e->where, buf);
    if (v > SCHEMA_VERSION)
        return gv_error_set(err, GV_ESTATE,
                            "%s was written by a newer Gavel (schema version %ld; this one knows "
                            "up to %d); use that newer version",
                            e->where, v, SCHEMA_VERSION);
    if (v < SCHEMA_VERSION && (e->flags & GV_STORE_READONLY))
        return gv_error_set(err, GV_ESTATE,
                            "%s has schema version %ld and needs upgrading to %d, which a "
                            "read-only open cannot do; open it once for writing",
                            e->where, v, SCHEMA_VERSION);
    *version = (int)v;
    return 0;
}

/* Applies the missing migrations in one transaction, under an advisory lock
 * so that nodes starting at once migrate one after the other. */
static int migrate(gv__engine_impl *e, gv_error *err)
{
    int version = 0;
    char sql[160];
    int rc = check_identity(e, &version, err);
    if (rc || version == SCHEMA_VERSION)
        return rc;
    if ((rc = exec_ok(e, "BEGIN", "starting the schema upgrade", err)))
        return rc;
    if ((rc = exec_ok(e, "SELECT pg_advisory_xact_lock(4707596332659913521)",
                      "waiting for another node's schema upgrade", err)) ||
        (rc = check_identity(e, &version, err)))
        goto fail;
    if (version == 0 &&
        (rc = exec_ok(e,
                      "CREATE TABLE gavel_meta(key text PRIMARY KEY, value text NOT NULL);"
                      "INSERT INTO gavel_meta VALUES ('application', 'gavel'),"
                      " ('schema_version', '0')",
                      "creating the schema", err)))
        goto fail;
    for (int v = version; v < SCHEMA_VERSION; v++)
        if ((rc = exec_ok(e, migrations[v], "upgrading the schema", err)))
            goto fail;
    snprintf(sql, sizeof sql, "UPDATE gavel_meta SET value = '%d' WHERE key = 'schema_version'",
             SCHEMA_VERSION);
    if ((rc = exec_ok(e, sql, "recording the schema version", err)) ||
        (rc = exec_ok(e, "COMMIT", "committing the schema upgrade", err)))
        goto fail;
    return 0;

fail:
    PQclear(PQexec(e->conn, "ROLLBACK"));
    return rc;
}

static void pg_close(gv__engine_impl *e)
{
    if (!e)
        return;
    PQfinish(e->conn);
    free(e);
}

static gv__engine_impl *pg_open(const char *uri, unsigned flags, gv_error *err)
{
    gv__engine_impl *e = calloc(1, sizeof *e);
    if (!e) {
        gv_error_set(err, GV_ENOMEM, "out of memory opening a PostgreSQL store");
        return NULL;
    }
    e->flags = flags;
    gv__pg_describe(uri, e->where, sizeof e->where);
    /* Defaults first: what the URI says overrides them. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const values[] = {"10", "gavel", uri, NULL};
    e->conn = PQconnectdbParams(keys, values, 1);
    if (!e->conn) {
        gv_error_set(err, GV_ENOMEM, "out of memory connecting to %s", e->where);
        goto fail;
    }
    PQsetNoticeProcessor(e->conn, quiet_notices, NULL);
    if (PQstatus(e->conn) != CONNECTION_OK) {
        const char *why = PQerrorMessage(e->conn);
        char text[300];
        snprintf(text, sizeof text, "%s", why);
        text[strcspn(text, "\n")] = '\0';
        if (strstr(why, "does not exist") && strstr(why, "database"))
            gv_error_set(err, GV_ENOTFOUND,
                         "%s: %s; create the database first (createdb), then `gavel init`",
                         e->where, text);
        else if (strstr(why, "authentication") || strstr(why, "password"))
            gv_error_set(err, GV_EAUTH,
                         "PostgreSQL at %s refused the login (%s): check the user and password "
                         "in the URI or ~/.pgpass",
                         e->where, text);
        else
            gv_error_set(err, GV_EUNAVAIL,
                         "cannot connect to PostgreSQL at %s (%s): check that the server runs "
                         "and the URI names it",
                         e->where, text);
        goto fail;
    }
    if (exec_ok(e, "SET client_min_messages = warning", "setting up the session", err) ||
        (!(flags & GV_STORE_READONLY) && migrate(e, err)) ||
        ((flags & GV_STORE_READONLY) && check_identity(e, &(int){0}, err)) || session_setup(e, err))
        goto fail;
    return e;

fail:
    pg_close(e);
    return NULL;
}

/* ---- the pipeline --------------------------------------------------------- */

static void heads_forget(gv__engine_impl *e)
{
    e->n_heads = 0;
}

static head_entry *heads_find(gv__engine_impl *e, const char *meeting)
{
    for (int i = 0; i < e->n_heads; i++)
        if (strcmp(e->heads[i].id, meeting) == 0)
            return &e->heads[i];
    return NULL;
}

static void heads_put(gv__engine_impl *e, const char *meeting, int64_t seq,
                      const unsigned char hash[GV_HASH_BYTES])
{
    head_entry *h = heads_find(e, meeting);
    if (!h) {
        if (e->n_heads == HEADS_MAX)
            return; /* the next head of a meeting not remembered costs a round trip */
        h = &e->heads[e->n_heads++];
        snprintf(h->id, sizeof h->id, "%s", meeting);
    }
    h->seq = seq;
    memcpy(h->hash, hash, GV_HASH_BYTES);
}

/* Records the first failure of the transaction's queued statements. */
static void note_failure(gv__engine_impl *e, const PGresult *r, const char *doing)
{
    if (e->failed)
        return;
    e->failed = pg_error(e, r, doing, &e->failure);
}

/*
 * Reads the results of every queued statement. With `sync`, a sync point
 * ends them (the server then answers everything); else a flush request
 * asks for what was sent. *last, when given, receives the last statement's
 * result (the caller clears it). Returns the transaction's first failure.
 */
static int collect(gv__engine_impl *e, bool sync, PGresult **last, gv_error *err)
{
    if (last)
        *last = NULL;
    if (sync)
        e->unsynced = false;
    if ((sync ? PQpipelineSync(e->conn) : PQsendFlushRequest(e->conn)) != 1 ||
        (!sync && PQflush(e->conn) != 0))
        note_failure(e, NULL, "sending statements");
    while (e->queued > 0) {
        PGresult *r = PQgetResult(e->conn), *next;
        if (!r) {
            note_failure(e, NULL, "reading results");
            e->queued = 0;
            break;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR)
            note_failure(e, r, "storing events");
        else if (st == PGRES_PIPELINE_ABORTED)
            note_failure(e, NULL, "storing events (an earlier statement failed)");
        /* Each statement's results end with a NULL. */
        while ((next = PQgetResult(e->conn)))
            PQclear(next);
        e->queued--;
        if (last && e->queued == 0)
            *last = r;
        else
            PQclear(r);
    }
    if (sync) {
        PGresult *r = PQgetResult(e->conn);
        if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            note_failure(e, NULL, "ending a pipeline");
        PQclear(r);
    }
    if (e->failed && err)
        *err = e->failure;
    return e->failed;
}

/* Queues one statement (prepared when `name` is set, else the SQL text). */
static int queue(gv__engine_impl *e, const char *name, const char *sql, int n,
                 const char *const *values, const int *lengths, const int *formats, gv_error *err)
{
    if (e->failed) {
        if (err)
            *err = e->failure;
        return e->failed;
    }
    int ok = name ? PQsendQueryPrepared(e->conn, name, n, values, lengths, formats, 1)
                  : PQsendQueryParams(e->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (!ok) {
        note_failure(e, NULL, "sending a statement");
        return collect(e, true, NULL, err);
    }
    e->queued++;
    e->unsynced = true;
    if (e->queued >= QUEUE_MAX)
        return collect(e, false, NULL, err);
    return 0;
}

/* ---- transactions --------------------------------------------------------- */

static int pg_begin(gv__engine_impl *e, gv_error *err)
{
    int rc;
    if (e->in_tx)
        return gv_error_set(err, GV_ESTATE, "a transaction is already open on %s", e->where);
    if ((rc = ensure_connected(e, err)))
        return rc;
    if (!PQenterPipelineMode(e->conn))
        return pg_error(e, NULL, "starting a transaction", err);
    e->in_tx = true;
    e->queued = 0;
    e->failed = 0;
    heads_forget(e);
    return queue(e, NULL, "BEGIN", 0, NULL, NULL, NULL, err);
}

/* Leaves pipeline mode; the connection is made anew by the next call when
 * that is not possible (with its session set up again: ensure_connected). After a failed statement
 * the server ignores everything up to the next sync point, so there must be one. */
static void end_pipeline(gv__engine_impl *e)
{
    if (e->queued > 0 || e->unsynced)
        collect(e, true, NULL, NULL);
    if (!PQexitPipelineMode(e->conn)) {
        PGresult *r;
        while ((r = PQgetResult(e->conn)))
            PQclear(r);
        if (!PQexitPipelineMode(e->conn))
            e->reset_due = true;
    }
    e->in_tx = false;
    e->queued = 0;
    heads_forget(e);
}

static void pg_rollback(gv__engine_impl *e)
{
    if (!e->in_tx)
        return;
    end_pipeline(e);
    if (PQstatus(e->conn) == CONNECTION_OK && !e->reset_due)
        PQclear(PQexec(e->conn, "ROLLBACK"));
    e->failed = 0;
}

/* A COMMIT that was sent may have been made even though its answer never
 * came (the server restarted, or the connection was cut, in between): then
 * the outcome is in doubt, and only the log can tell (writer.c reads it). A
 * statement the server refused before it, or a COMMIT never sent, leaves no
 * doubt: nothing was made. */
static int pg_commit(gv__engine_impl *e, gv_error *err)
{
    e->commit_in_doubt = false;
    int rc = queue(e, NULL, "COMMIT", 0, NULL, NULL, NULL, err);
    if (rc == 0 && (rc = collect(e, true, NULL, err)) == GV_EUNAVAIL) {
        e->commit_in_doubt = true;
        gv_error_set(err, GV_EUNAVAIL,
                     "lost the connection to PostgreSQL at %s after sending COMMIT, before its "
                     "answer: the change may or may not have been stored; read the log to know",
                     e->where);
    }
    if (rc) {
        pg_rollback(e);
        return rc;
    }
    end_pipeline(e);
    return 0;
}

static bool pg_commit_in_doubt(gv__engine_impl *e)
{
    return e->commit_in_doubt;
}

static int pg_savepoint(gv__engine_impl *e, gv_error *err)
{
    return queue(e, NULL, "SAVEPOINT gv_batch", 0, NULL, NULL, NULL, err);
}

static int pg_release(gv__engine_impl *e, gv_error *err)
{
    return queue(e, NULL, "RELEASE gv_batch", 0, NULL, NULL, NULL, err);
}

static int pg_rollback_to(gv__engine_impl *e, gv_error *err)
{
    heads_forget(e);
    int rc = queue(e, NULL, "ROLLBACK TO gv_batch", 0, NULL, NULL, NULL, err);
    if (rc == 0)
        rc = queue(e, NULL, "RELEASE gv_batch", 0, NULL, NULL, NULL, err);
    return rc;
}

/* ---- rows ----------------------------------------------------------------- */

static void be64(int64_t v, char out[8])
{
    uint64_t b = htobe64((uint64_t)v);
    memcpy(out, &b, 8);
}

static int64_t get_be64(const char *p)
{
    uint64_t b;
    memcpy(&b, p, 8);
    return (int64_t)be64toh(b);
}

/*
 * Runs a prepared statement with binary results: inside a transaction
 * through the pipeline (after everything queued before it), else on its
 * own. Returns the result (the caller clears it) or NULL with err set.
 */
static PGresult *run(gv__engine_impl *e, enum stmt_id id, int n, const char *const *values,
                     const int *lengths, const int *formats, const char *doing, gv_error *err)
{
    PGresult *r = NULL;
    if (e->in_tx) {
        if (queue(e, stmts[id].name, NULL, n, values, lengths, formats, err) ||
            collect(e, false, &r, err)) {
            PQclear(r);
            return NULL;
        }
    } else {
        /* A read may be sent again: a connection found lost is made anew once. */
        for (int attempt = 0; attempt < 2; attempt++) {
            PQclear(r);
            if (ensure_connected(e, err))
                return NULL;
            r = PQexecPrepared(e->conn, stmts[id].name, n, values, lengths, formats, 1);
            if (PQstatus(e->conn) == CONNECTION_OK)
                break;
        }
    }
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        if (e->in_tx)
            note_failure(e, r, doing);
        pg_error(e, r, doing, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int pg_create_meeting(gv__engine_impl *e, const char *id, int64_t created_at_ms,
                             gv_error *err)
{
    char at[8];
    be64(created_at_ms, at);
    const char *values[2] = {id, at};
    const int lengths[2] = {0, 8}, formats[2] = {0, 1};
    PGresult *r = run(e, ST_CREATE, 2, values, lengths, formats, "creating a meeting", err);
    if (!r)
        return err ? err->code : GV_EIO;
    bool created = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!created)
        return gv_error_set(err, GV_ESTATE, "meeting \"%s\" already exists in %s", id, e->where);
    heads_put(e, id, 0, (const unsigned char[GV_HASH_BYTES]){0});
    return 0;
}

static int pg_insert(gv__engine_impl *e, const char *meeting, const gv_stored_event *ev,
                     gv_error *err)
{
    char seq[8], at[8];
    be64(ev->seq, seq);
    be64(ev->at_ms, at);
    if (ev->len > INT32_MAX)
        return gv_error_set(err, GV_ELIMIT, "event %" PRId64 " is too large for %s", ev->seq,
                            e->where);
    const char *values[6] = {
        meeting, seq, ev->type, at, (const char *)ev->bytes, (const char *)ev->hash};
    const int lengths[6] = {0, 8, 0, 8, (int)ev->len, GV_HASH_BYTES};
    const int formats[6] = {0, 1, 0, 1, 1, 1};
    int rc = queue(e, stmts[ST_INSERT].name, NULL, 6, values, lengths, formats, err);
    if (rc == 0)
        heads_put(e, meeting, ev->seq, ev->hash);
    return rc;
}

static int pg_head(gv__engine_impl *e, const char *meeting, int64_t *seq,
                   unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    head_entry *h = e->in_tx ? heads_find(e, meeting) : NULL;
    if (h) {
        *seq = h->seq;
        memcpy(hash, h->hash, GV_HASH_BYTES);
        return 0;
    }
    const char *values[1] = {meeting};
    PGresult *r = run(e, ST_HEAD, 1, values, NULL, NULL, "reading the head of a log", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int rc = 0;
    if (PQntuples(r) == 0) {
        rc = gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" in %s", meeting, e->where);
    } else if (PQgetisnull(r, 0, 0)) {
        *seq = 0;
        memset(hash, 0, GV_HASH_BYTES);
    } else if (PQgetlength(r, 0, 0) != 8 || PQgetlength(r, 0, 1) != GV_HASH_BYTES) {
        rc = gv_error_set(err, GV_ECORRUPT,
                          "%s: the last event of meeting %s is damaged (seq or hash unreadable); "
                          "restore the last backup",
                          e->where, meeting);
    } else {
        *seq = get_be64(PQgetvalue(r, 0, 0));
        memcpy(hash, PQgetvalue(r, 0, 1), GV_HASH_BYTES);
    }
    PQclear(r);
    if (rc == 0 && e->in_tx)
        heads_put(e, meeting, *seq, hash);
    return rc;
}

static int meeting_exists(gv__engine_impl *e, const char *id, gv_error *err)
{
    const char *values[1] = {id};
    PGresult *r = run(e, ST_EXISTS, 1, values, NULL, NULL, "looking up a meeting", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found ? 0 : gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" in %s", id, e->where);
}

/* Hands one page of rows to fn; *last is the seq of the last row handed. */
static int read_page(gv__engine_impl *e, PGresult *r, const char *meeting, int64_t *last,
                     gv_store_event_fn fn, void *ud, gv_error *err)
{
    for (int i = 0; i < PQntuples(r); i++) {
        if (PQgetlength(r, i, 0) != 8 || PQgetlength(r, i, 2) != 8 ||
            PQgetlength(r, i, 4) != GV_HASH_BYTES || PQgetisnull(r, i, 3) || PQgetisnull(r, i, 1))
            return gv_error_set(err, GV_ECORRUPT,
                                "%s: the event after seq %" PRId64 " of meeting %s is damaged (a "
                                "column has the wrong size); restore the last backup",
                                e->where, *last, meeting);
        gv_stored_event ev = {
            .seq = get_be64(PQgetvalue(r, i, 0)),
            .type = PQgetvalue(r, i, 1),
            .at_ms = get_be64(PQgetvalue(r, i, 2)),
            .bytes = (const unsigned char *)PQgetvalue(r, i, 3),
            .len = (size_t)PQgetlength(r, i, 3),
        };
        memcpy(ev.hash, PQgetvalue(r, i, 4), GV_HASH_BYTES);
        *last = ev.seq;
        int rc = fn(ud, &ev);
        if (rc)
            return rc;
    }
    return 0;
}

static int pg_read(gv__engine_impl *e, const char *meeting, int64_t after_seq, gv_store_event_fn fn,
                   void *ud, gv_error *err)
{
    char after[8], limit[8];
    const char *values[3] = {meeting, after, limit};
    const int lengths[3] = {0, 8, 8}, formats[3] = {0, 1, 1};
    be64(READ_PAGE_ROWS, limit);
    for (bool first = true;; first = false) {
        be64(after_seq, after);
        PGresult *r = run(e, ST_READ, 3, values, lengths, formats, "reading events", err);
        if (!r)
            return err ? err->code : GV_EIO;
        int rows = PQntuples(r);
        int rc = read_page(e, r, meeting, &after_seq, fn, ud, err);
        PQclear(r);
        if (rc)
            return rc;
        if (rows == 0 && first)
            return meeting_exists(e, meeting, err);
        if (rows < READ_PAGE_ROWS)
            return 0;
    }
}

static int pg_list(gv__engine_impl *e, gv_store_meeting_fn fn, void *ud, gv_error *err)
{
    PGresult *r = run(e, ST_LIST, 0, NULL, NULL, NULL, "listing meetings", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        if (PQgetlength(r, i, 1) != 8 || (!PQgetisnull(r, i, 2) && PQgetlength(r, i, 2) != 8)) {
            rc = gv_error_set(err, GV_ECORRUPT, "%s: a meeting's row is damaged", e->where);
            break;
        }
        gv_meeting_info m = {
            .id = PQgetvalue(r, i, 0),
            .created_at_ms = get_be64(PQgetvalue(r, i, 1)),
            .last_seq = PQgetisnull(r, i, 2) ? 0 : get_be64(PQgetvalue(r, i, 2)),
        };
        rc = fn(ud, &m);
    }
    PQclear(r);
    return rc;
}

/*
 * PostgreSQL checks its own pages (data checksums, when the cluster has
 * them); what Gavel can check from a connection is that its tables and
 * indexes answer, and, where the amcheck extension is installed, the
 * structure of the primary-key indexes that order the logs.
 */
static int pg_check(gv__engine_impl *e, gv_error *err)
{
    char buf[32];
    int rc;
    if ((rc = ensure_connected(e, err)) ||
        (rc = query_text(e, "SELECT count(*) FROM meetings", NULL, buf, sizeof buf, err)) ||
        (rc = query_text(e, "SELECT 1 FROM pg_extension WHERE extname = 'amcheck'", NULL, buf,
                         sizeof buf, err)))
        return rc;
    if (!buf[0])
        return 0;
    PGresult *r = PQexec(e->conn, "SELECT bt_index_check('meetings_pkey'::regclass, true),"
                                  " bt_index_check('events_pkey'::regclass, true)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && strcmp(state, "XX002") == 0)
            rc = gv_error_set(err, GV_ECORRUPT,
                              "%s is damaged: %s. Keep a copy and restore the last backup",
                              e->where, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        else
            rc = pg_error(e, r, "checking the indexes", err);
    }
    PQclear(r);
    return rc;
}

/* ---- snapshots ---------------------------------------------------------- */

static int pg_put_snapshot(gv__engine_impl *e, const char *meeting, const gv_stored_snapshot *snap,
                           const unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    char seq[8], version[4];
    uint32_t v = htobe32((uint32_t)snap->version);
    be64(snap->seq, seq);
    memcpy(version, &v, 4);
    if (snap->len > INT32_MAX)
        return gv_error_set(err, GV_ELIMIT, "a snapshot is too large for %s", e->where);
    const char *values[6] = {
        meeting,           seq, (const char *)snap->head, version, (const char *)snap->bytes,
        (const char *)hash};
    const int lengths[6] = {0, 8, GV_HASH_BYTES, 4, (int)snap->len, GV_HASH_BYTES};
    const int formats[6] = {0, 1, 1, 1, 1, 1};
    int rc = queue(e, stmts[ST_PUT_SNAPSHOT].name, NULL, 6, values, lengths, formats, err);
    if (rc == 0)
        rc = queue(e, stmts[ST_DROP_SNAPSHOTS].name, NULL, 2, values, lengths, formats, err);
    return rc;
}

static int pg_get_snapshot(gv__engine_impl *e, const char *meeting, int64_t max_seq,
                           gv__snapshot_fn fn, void *ud, gv_error *err)
{
    char max[8];
    be64(max_seq, max);
    const char *values[2] = {meeting, max};
    const int lengths[2] = {0, 8}, formats[2] = {0, 1};
    PGresult *r = run(e, ST_GET_SNAPSHOT, 2, values, lengths, formats, "reading a snapshot", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int rc;
    if (PQntuples(r) == 0) {
        rc = gv_error_set(err, GV_ENOTFOUND, "meeting %s has no snapshot at or before seq %lld",
                          meeting, (long long)max_seq);
    } else if (PQgetlength(r, 0, 0) != 8 || PQgetlength(r, 0, 1) != GV_HASH_BYTES ||
               PQgetlength(r, 0, 2) != 4 || PQgetlength(r, 0, 4) != GV_HASH_BYTES) {
        rc = gv_error_set(err, GV_ECORRUPT, "%s: a snapshot of meeting %s is damaged", e->where,
                          meeting);
    } else {
        uint32_t v;
        memcpy(&v, PQgetvalue(r, 0, 2), 4);
        gv_stored_snapshot snap = {
            .seq = get_be64(PQgetvalue(r, 0, 0)),
            .version = (int)be32toh(v),
            .bytes = (const unsigned char *)PQgetvalue(r, 0, 3),
            .len = (size_t)PQgetlength(r, 0, 3),
        };
        memcpy(snap.head, PQgetvalue(r, 0, 1), GV_HASH_BYTES);
        rc = fn(ud, &snap, (const unsigned char *)PQgetvalue(r, 0, 4));
    }
    PQclear(r);
    return rc;
}

static int pg_snapshot_seqs(gv__engine_impl *e, const char *meeting, gv_store_seq_fn fn, void *ud,
                            gv_error *err)
{
    const char *values[1] = {meeting};
    PGresult *r = run(e, ST_SNAPSHOT_SEQS, 1, values, NULL, NULL, "listing snapshots", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = PQgetlength(r, i, 0) == 8 ? fn(ud, get_be64(PQgetvalue(r, i, 0)))
                                       : gv_error_set(err, GV_ECORRUPT,
                                                      "%s: a snapshot's seq is "
                                                      "damaged",
                                                      e->where);
    PQclear(r);
    return rc;
}

/* ---- files ------------------------------------------------------------- */

/* The meeting must exist before its file is queued: the foreign key would
 * abort the whole transaction, not just refuse the file. */
static int pg_put_file(gv__engine_impl *e, const char *meeting, const gv_stored_file *f,
                       gv_error *err)
{
    char size[8], at[8];
    int rc = heads_find(e, meeting) ? 0 : meeting_exists(e, meeting, err);
    if (rc)
        return rc;
    if (f->len > INT32_MAX)
        return gv_error_set(err, GV_ELIMIT, "a file is too large for %s", e->where);
    be64(f->size_bytes, size);
    be64(f->stored_at_ms, at);
    const char *values[6] = {meeting, (const char *)f->hash, f->media_type, size,
                             at,      (const char *)f->bytes};
    const int lengths[6] = {0, GV_FILE_HASH_BYTES, 0, 8, 8, (int)f->len};
    const int formats[6] = {0, 1, 0, 1, 1, 1};
    return queue(e, stmts[ST_PUT_FILE].name, NULL, 6, values, lengths, formats, err);
}

/* Row i of a files result (hash, media_type, size, stored_at_ms[, body])
 * into f; false when damaged. */
static bool file_row(PGresult *r, int i, bool with_body, gv_stored_file *f)
{
    if (PQgetlength(r, i, 0) != GV_FILE_HASH_BYTES || PQgetlength(r, i, 2) != 8 ||
        PQgetlength(r, i, 3) != 8 || (with_body && PQgetisnull(r, i, 4)))
        return false;
    *f = (gv_stored_file){.media_type = PQgetvalue(r, i, 1),
                          .size_bytes = get_be64(PQgetvalue(r, i, 2)),
                          .stored_at_ms = get_be64(PQgetvalue(r, i, 3))};
    if (with_body) {
        f->bytes = (const unsigned char *)PQgetvalue(r, i, 4);
        f->len = (size_t)PQgetlength(r, i, 4);
    }
    memcpy(f->hash, PQgetvalue(r, i, 0), GV_FILE_HASH_BYTES);
    return true;
}

static int pg_get_file(gv__engine_impl *e, const char *meeting,
                       const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                       gv_error *err)
{
    const char *values[2] = {meeting, (const char *)hash};
    const int lengths[2] = {0, GV_FILE_HASH_BYTES}, formats[2] = {0, 1};
    char hex[GV_HASH_HEX_SIZE];
    gv_stored_file f;
    gv_hash_to_hex(hash, hex);
    PGresult *r = run(e, ST_GET_FILE, 2, values, lengths, formats, "reading a file", err);
    if (!r)
        return err ? err->code : GV_EIO;
    int rc;
    if (PQntuples(r) == 0)
        rc = gv_error_set(err, GV_ENOTFOUND, "meeting %s has no file %s", meeting, hex);
    else if (!file_row(r, 0, true, &f))
        rc = gv_error_set(err, GV_ECORRUPT, "%s: the file %s of meeting %s is damaged", e->where,
                          hex, meeting);
    else
        rc = fn(ud, &f);
    PQclear(r);
    return rc;
}

static int pg_list_files(gv__engine_impl *e, const char *meeting, gv_store_file_fn fn, void *ud,
                         gv_error *err)
{
    const char *values[1] = {meeting};
    gv_stored_file f;
    int rc = meeting_exists(e, meeting, err);
    if (rc)
        return rc;
    PGresult *r = run(e, ST_LIST_FILES, 1, values, NULL, NULL, "listing files", err);
    if (!r)
        return err ? err->code : GV_EIO;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = file_row(r, i, false, &f)
                 ? fn(ud, &f)
                 : gv_error_set(err, GV_ECORRUPT, "%s: a file of meeting %s is damaged", e->where,
                                meeting);
    PQclear(r);
    return rc;
}

const gv__store_engine gv__engine_pg = {
    .name = "postgresql",
    .match = pg_match,
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .commit_in_doubt = pg_commit_in_doubt,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .release = pg_release,
    .rollback_to = pg_rollback_to,
    .create_meeting = pg_create_meeting,
    .insert = pg_insert,
    .head = pg_head,
    .read = pg_read,
    .list_meetings = pg_list,
    .check = pg_check,
    .put_snapshot = pg_put_snapshot,
    .get_snapshot = pg_get_snapshot,
    .snapshot_seqs = pg_snapshot_seqs,
    .put_file = pg_put_file,
    .get_file = pg_get_file,
    .list_files = pg_list_files,
};

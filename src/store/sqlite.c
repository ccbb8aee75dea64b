/*
 * The SQLite engine: one database file holds many meetings.
 *
 *   meetings(id TEXT PRIMARY KEY, created_at_ms INTEGER)            WITHOUT ROWID
 *   events(meeting, seq, type, at_ms, body BLOB, hash BLOB,
 *          PRIMARY KEY(meeting, seq))                                WITHOUT ROWID
 *   snapshots(meeting, seq, head BLOB, version, body BLOB, hash BLOB,
 *             PRIMARY KEY(meeting, seq))
 *   files(meeting, hash BLOB, media_type, size, stored_at_ms, body BLOB,
 *         PRIMARY KEY(meeting, hash))                                 (files.c)
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT returns only
 * after its WAL frames are on disk; one COMMIT (one fsync) may carry many
 * appends (writer.c). Readers on other connections see the last commit and
 * never wait for the writer.
 *
 * Schema versions: PRAGMA user_version is the number of migrations applied;
 * `migrations` below is the ordered list, and open applies the missing ones
 * in one BEGIN IMMEDIATE transaction, so a database is at one version or
 * the next, never between. PRAGMA application_id marks the file as Gavel's.
 * A newer version than this code knows is refused, never downgraded.
 *
 * Damage: SQLite itself reports a truncated or garbled file (SQLITE_CORRUPT,
 * SQLITE_NOTADB) on the statement that meets it; every such result becomes
 * GV_ECORRUPT with a message naming the file and what to do. The bytes of
 * events are covered by the hash chain (store.c), which SQLite does not
 * check. All statements are prepared once at open, so a damaged schema is
 * found there, and reused (sqlite3_reset after each use).
 *
 * Read-only media: a WAL database needs its -wal and -shm files beside it,
 * and SQLite creates them on open. In a folder that cannot be written (a
 * read-only file system, a read-only bind mount) a read-only open of a file
 * closed cleanly (no -wal, or an empty one) therefore uses SQLite's
 * `immutable` mode, safe because no writer can work there either; a -wal
 * holding commits with no -shm cannot be read there, and open says what to
 * do. A writable open first checks that the file and the folder can be
 * written (check_writable), so `gavel serve` or `apply` on such a database
 * fail at once with a message that says so, not at their first write.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 'Gvl1' in the file header: a Gavel event store. */
#define GV_SQLITE_APPLICATION_ID  0x47766c31
#define GV_SQLITE_BUSY_TIMEOUT_MS 5000

/* migrations[k] takes a database from user_version k to k + 1. */
static const char *const migrations[] = {
    /* 1: meetings and their event logs. */
    "CREATE TABLE meetings("
    " id TEXT PRIMARY KEY NOT NULL,"
    " created_at_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE events("
    " meeting TEXT NOT NULL REFERENCES meetings(id),"
    " seq INTEGER NOT NULL CHECK (seq >= 1),"
    " type TEXT NOT NULL,"
    " at_ms INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (meeting, seq)"
    ") WITHOUT ROWID;",
    /* 2: snapshots of the state beside the logs (large rows: not WITHOUT ROWID). */
    "CREATE TABLE snapshots("
    " meeting TEXT NOT NULL REFERENCES meetings(id),"
    " seq INTEGER NOT NULL CHECK (seq >= 1),"
    " head BLOB NOT NULL CHECK (length(head) = 32),"
    " version INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (meeting, seq));",
    /* 3: files beside the logs, by their SHA-256 (the body last, so that a
     * listing reads no overflow page of it). */
    "CREATE TABLE files("
    " meeting TEXT NOT NULL REFERENCES meetings(id),"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " media_type TEXT NOT NULL,"
    " size INTEGER NOT NULL CHECK (size >= 1),"
    " stored_at_ms INTEGER NOT NULL,"
    " body BLOB NOT NULL,"
    " PRIMARY KEY (meeting, hash));",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_CREATE_MEETING,
    ST_MEETING_EXISTS,
    ST_INSERT,
    ST_HEAD,
    ST_READ,
    ST_LIST,
    ST_PUT_SNAPSHOT,
    ST_DROP_SNAPSHOTS,
    ST_GET_SNAPSHOT,
    ST_SNAPSHOT_SEQS,
    ST_PUT_FILE,
    ST_GET_FILE,
    ST_LIST_FILES,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT gv_batch",
    [ST_RELEASE] = "RELEASE gv_batch",
    [ST_ROLLBACK_TO] = "ROLLBACK TO gv_batch",
    [ST_CREATE_MEETING] = "INSERT INTO meetings(id, created_at_ms) VALUES (?1, ?2)",
    [ST_MEETING_EXISTS] = "SELECT 1 FROM meetings WHERE id = ?1",
    [ST_INSERT] = "INSERT INTO events(meeting, seq, type, at_ms, body, hash)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_HEAD] = "SELECT seq, hash FROM events WHERE meeting = ?1 ORDER BY seq DESC LIMIT 1",
    [ST_READ] = "SELECT seq, type, at_ms, body, hash FROM events"
                " WHERE meeting = ?1 AND seq > ?2 ORDER BY seq",
    [ST_LIST] = "SELECT id, created_at_ms,"
                " (SELECT max(seq) FROM events WHERE meeting = meetings.id)"
                " FROM meetings ORDER BY id",
    [ST_PUT_SNAPSHOT] = "INSERT OR REPLACE INTO snapshots(meeting, seq, head, version, body, hash)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_DROP_SNAPSHOTS] = "DELETE FROM snapshots WHERE meeting = ?1 AND seq < (SELECT max(seq)"
                          " FROM snapshots WHERE meeting = ?1 AND seq < ?2)",
    [ST_GET_SNAPSHOT] = "SELECT seq, head, version, body, hash FROM snapshots"
                        " WHERE meeting = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1",
    [ST_SNAPSHOT_SEQS] = "SELECT seq FROM snapshots WHERE meeting = ?1 ORDER BY seq",
    [ST_PUT_FILE] =
        "INSERT OR IGNORE INTO files(meeting, hash, media_type, size, stored_at_ms, body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_GET_FILE] = "SELECT hash, media_type, size, stored_at_ms, body FROM files"
                    " WHERE meeting = ?1 AND hash = ?2",
    [ST_LIST_FILES] = "SELECT hash, media_type, size, stored_at_ms FROM files"
                      " WHERE meeting = ?1 ORDER BY hash",
};

struct gv__engine_impl {
    sqlite3 *db;
    char *path;
    bool empty_file; /** the file had 0 bytes when opened */
    sqlite3_stmt *st[ST_COUNT];
};

static bool sq_match(const char *location, const char **rest)
{
    if (strncmp(location, "sqlite:", 7) == 0) {
        *rest = location + 7;
        return **rest != '\0';
    }
    /* URLs belong to engines for servers (PostgreSQL), not to files. */
    if (strstr(location, "://"))
        return false;
    *rest = location;
    return true;
}

/* The disk is full: SQLITE_FULL, or an I/O error whose system error says so
 * (a failed fsync, or the -shm file that cannot grow). */
static int disk_full(const char *path, const char *doing, gv_error *err)
{
    return gv_error_set(err, GV_EFULL,
                        "the disk holding %s is full (while %s); nothing of this change was "
                        "stored: free some space and try again",
                        path, doing);
}

/*
 * Turns an SQLite result into a GV_E* code and a message saying what
 * happened to which file while doing what, and what to do about it. A full
 * disk is GV_EFULL and a file or file system that cannot be written
 * GV_EREADONLY, whichever SQLite result carries them, so that callers (the
 * command line's exit codes, the protocol's error codes) can tell them from
 * other I/O failures (GV_EIO).
 */
static int sq_error(gv__engine_impl *e, int rc, const char *doing, gv_error *err)
{
    const char *msg = e->db ? sqlite3_errmsg(e->db) : sqlite3_errstr(rc);
    int sys = e->db ? sqlite3_system_errno(e->db) : 0;
    const char *path = e->path ? e->path : "?";

    /* The system error is that of the last failed call: it speaks for this
     * result only when the result is an I/O one. */
    int prim = rc & 0xff;
    if (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN) {
        if (sys == ENOSPC || sys == EDQUOT)
            return disk_full(path, doing, err);
        if (sys == EROFS)
            return gv_error_set(err, GV_EREADONLY,
                                "database %s is on a read-only file system (while %s: %s); "
                                "remount it read-write, or use a command that only reads it",
                                path, doing, msg);
    }
    switch (prim) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return gv_error_set(err, GV_ECORRUPT,
                            "database %s is damaged or is not a Gavel database (%s, while %s). "
                            "Keep a copy of the file, stop writing to it and restore the last "
                            "backup; `gavel verify` shows which meetings still verify",
                            path, msg, doing);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return gv_error_set(err, GV_EBUSY,
                            "database %s stayed locked by another connection for more than %d "
                            "ms while %s (%s); try again when it is free",
                            path, GV_SQLITE_BUSY_TIMEOUT_MS, doing, msg);
    case SQLITE_NOMEM:
        return gv_error_set(err, GV_ENOMEM, "out of memory while %s on %s", doing, path);
    case SQLITE_FULL:
        return disk_full(path, doing, err);
    case SQLITE_READONLY:
        return gv_error_set(err, GV_EREADONLY,
                            "database %s cannot be written (while %s: %s); check the file's and "
                            "its folder's permissions",
                            path, doing, msg);
    case SQLITE_CANTOPEN:
        return gv_error_set(err, GV_EIO,
                            "cannot open database %s or the -wal and -shm files SQLite keeps "
                            "beside it (%s, while %s%s%s): check that the file and its folder "
                            "exist and can be read, and written by commands that change it",
                            path, msg, doing, sys ? ": " : "", sys ? strerror(sys) : "");
    case SQLITE_TOOBIG:
        return gv_error_set(err, GV_ELIMIT, "too large for database %s while %s (%s)", path, doing,
                            msg);
    case SQLITE_CONSTRAINT:
        return gv_error_set(err, GV_ESTATE, "database %s refused the change while %s (%s)", path,
                            doing, msg);
    default:
        return gv_error_set(err, GV_EIO,
                            "storage failure on %s while %s: %s%s%s%s; nothing of this change "
                            "was stored: check that the disk has space and works, then retry",
                            path, doing, msg, sys ? " (" : "", sys ? strerror(sys) : "",
                            sys ? ")" : "");
    }
}

/* Runs a cached statement that returns no rows. */
static int run(gv__engine_impl *e, enum stmt_id id, const char *doing, gv_error *err)
{
    sqlite3_stmt *st = e->st[id];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, doing, err);
    return 0;
}

static int bind_text(sqlite3_stmt *st, int col, const char *s)
{
    return sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

/* ---- open, schema, close ---------------------------------------------- */

static int exec(gv__engine_impl *e, const char *sql, const char *doing, gv_error *err)
{
    int rc = sqlite3_exec(e->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_error(e, rc, doing, err);
}

/* Reads one integer pragma (user_version, application_id). */
static int pragma_int(gv__engine_impl *e, const char *name, int64_t *out, gv_error *err)
{
    char sql[64];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "PRAGMA %s", name);
    int rc = sqlite3_prepare_v2(e->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(st, 0);
            rc = SQLITE_OK;
        }
    }
    if (rc != SQLITE_OK)
        rc = sq_error(e, rc, "reading the file header", err);
    sqlite3_finalize(st);
    return rc;
}

static int count_schema_objects(gv__engine_impl *e, int64_t *n, gv_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(e->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        rc = sq_error(e, rc, "reading the schema", err);
    sqlite3_finalize(st);
    return rc;
}

/* Checks the header's identity and version; says whether migrations are due. */
static int check_identity(gv__engine_impl *e, unsigned flags, int64_t *version, gv_error *err)
{
    int64_t app = 0, objects = 0;
    int rc;

    if ((rc = pragma_int(e, "application_id", &app, err)) ||
        (rc = pragma_int(e, "user_version", version, err)))
        return rc;
    if (app != 0 && app != GV_SQLITE_APPLICATION_ID)
        return gv_error_set(
            err, GV_EINVAL,
            "%s is an SQLite database of another program (application id 0x%08" PRIx64
            "), not a Gavel one; give the path of a Gavel database",
            e->path, (uint64_t)app & 0xffffffffu);
    if (*version > SCHEMA_VERSION)
        return gv_error_set(err, GV_ESTATE,
                            "%s was written by a newer Gavel (schema version %" PRId64
                            "; this one knows up to %d); use that newer version",
                            e->path, *version, SCHEMA_VERSION);
    if (*version == 0) {
        if ((rc = count_schema_objects(e, &objects, err)))
            return rc;
        if (objects > 0 || app != 0)
            return gv_error_set(err, GV_EINVAL,
                                "%s is an SQLite database but not a Gavel one (it has other "
                                "tables and no Gavel schema version); give another path",
                                e->path);
        if (!(flags & GV_STORE_CREATE))
            return gv_error_set(err, GV_ENOTFOUND,
                                "%s holds no Gavel database%s; create one with `gavel init`",
                                e->path,
                                e->empty_file ? " (the file is empty: if it held meetings, it "
                                                "was truncated; restore the last backup)"
                                              : "");
    }
    if (*version < SCHEMA_VERSION && (flags & GV_STORE_READONLY))
        return gv_error_set(err, GV_ESTATE,
                            "%s has schema version %" PRId64 " and needs upgrading to %d, which "
                            "a read-only open cannot do; open it once for writing",
                            e->path, *version, SCHEMA_VERSION);
    return 0;
}

/* Applies the missing migrations, all in one transaction. */
static int migrate(gv__engine_impl *e, unsigned flags, gv_error *err)
{
    int64_t version = 0;
    char sql[64];
    int rc = check_identity(e, flags, &version, err);
    if (rc || version == SCHEMA_VERSION)
        return rc;

    if ((rc = exec(e, "BEGIN IMMEDIATE", "starting the schema upgrade", err)))
        return rc;
    /* Another process may have migrated between our check and our lock. */
    if ((rc = check_identity(e, flags, &version, err)))
        goto fail;
    for (int64_t v = version; v < SCHEMA_VERSION; v++) {
        if ((rc = exec(e, migrations[v], "upgrading the schema", err)))
            goto fail;
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    if ((rc = exec(e, sql, "recording the schema version", err)))
        goto fail;
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", GV_SQLITE_APPLICATION_ID);
    if ((rc = exec(e, sql, "marking the file as a Gavel database", err)))
        goto fail;
    if ((rc = exec(e, "COMMIT", "committing the schema upgrade", err)))
        goto fail;
    return 0;

fail:
    if (!sqlite3_get_autocommit(e->db))
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int set_journal_wal(gv__engine_impl *e, gv_error *err)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    int rc = sqlite3_prepare_v2(e->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        ok = mode && strcmp(mode, "wal") == 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return sq_error(e, rc, "switching to WAL mode", err);
    if (!ok)
        return gv_error_set(err, GV_EIO,
                            "%s cannot use SQLite's WAL journal (a network file system?); put "
                            "the database on a local disk",
                            e->path);
    return 0;
}

static void sq_close(gv__engine_impl *e)
{
    if (!e)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(e->st[i]);
    /* The last connection to close checkpoints the WAL into the file. */
    sqlite3_close(e->db);
    free(e->path);
    free(e);
}

/* The folder of path (".", when path has no slash) into dir. */
static void folder_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* The size of path + suffix (-wal, -shm), -1 when there is no such file. */
static long long side_file_bytes(const char *path, const char *suffix)
{
    char side[PATH_MAX];
    struct stat sb;
    if (snprintf(side, sizeof side, "%s%s", path, suffix) >= (int)sizeof side)
        return -1;
    return stat(side, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Whether path + suffix exists and this process may write it. */
static bool side_file_writable(const char *path, const char *suffix)
{
    char side[PATH_MAX];
    if (snprintf(side, sizeof side, "%s%s", path, suffix) >= (int)sizeof side)
        return false;
    return access(side, W_OK) == 0;
}

/*
 * For a writable open: the file (when it exists) and the folder, where SQLite
 * makes the -wal and -shm files, must be writable; the folder need not be
 * when both of those exist and are writable. GV_EREADONLY saying what cannot
 * be written and what reads it anyway; GV_ENOTFOUND when the folder does not
 * exist; GV_EIO when the system says something else.
 */
static int check_writable(const char *path, bool exists, gv_error *err)
{
    char dir[PATH_MAX];
    folder_of(path, dir, sizeof dir);
    const char *what = NULL;
    int why = 0;
    if (exists && access(path, W_OK) != 0) {
        what = "the file";
        why = errno;
    } else if (access(dir, W_OK) != 0 &&
               !(side_file_writable(path, "-wal") && side_file_writable(path, "-shm"))) {
        what = "its folder, where SQLite keeps the -wal and -shm files";
        why = errno;
    }
    if (!what)
        return 0;
    if (why == ENOENT)
        return gv_error_set(err, GV_ENOTFOUND,
                            "cannot create database %s: folder %s does not exist; create it "
                            "first or check the path",
                            path, dir);
    return gv_error_set(err, why == EROFS || why == EACCES || why == EPERM ? GV_EREADONLY : GV_EIO,
                        "database %s cannot be written (%s: %s), and this command changes it. "
                        "Make it writable (remount the disk read-write, or fix the "
                        "permissions), or use a command that only reads it (`gavel log`, "
                        "`verify`, `state`, `report`)",
                        path, what, strerror(why));
}

/*
 * For a read-only open where SQLite cannot create the -shm file: a database
 * closed cleanly is opened `immutable` (*uri filled, returns 0); one whose
 * -wal holds commits cannot be read there (GV_EREADONLY saying what to do).
 * Returns 0 with *uri empty when a plain open works.
 */
static int read_only_media(const char *path, char *uri, size_t size, gv_error *err)
{
    char dir[PATH_MAX];
    uri[0] = '\0';
    folder_of(path, dir, sizeof dir);
    if (access(dir, W_OK) == 0 || side_file_bytes(path, "-shm") >= 0)
        return 0; /* SQLite makes the -shm, or reads the one there */
    if (side_file_bytes(path, "-wal") > 0)
        return gv_error_set(err, GV_EREADONLY,
                            "database %s was not closed cleanly: %s-wal holds changes not yet "
                            "copied into it, and SQLite needs to write a -shm file beside them "
                            "to read them, which this read-only folder does not allow. Make the "
                            "folder writable, or copy %s and %s-wal together to a writable "
                            "folder and open the copy",
                            path, path, path, path);
    /* file:PATH?immutable=1, the path percent-encoded where a URI needs it. */
    size_t n = (size_t)snprintf(uri, size, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < size; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            uri[n++] = (char)*p;
        else
            n += (size_t)snprintf(uri + n, size - n, "%%%02X", *p);
    }
    if (snprintf(uri + n, size - n, "?immutable=1") >= (int)(size - n))
        return gv_error_set(err, GV_EINVAL, "the path of database %.200s is too long", path);
    return 0;
}

static gv__engine_impl *sq_open(const char *path, unsigned flags, gv_error *err)
{
    gv__engine_impl *e = calloc(1, sizeof *e);
    struct stat sb;
    int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc;

    if (!e || !(e->path = strdup(path))) {
        gv_error_set(err, GV_ENOMEM, "out of memory opening %.200s", path);
        goto fail;
    }
    bool exists = stat(path, &sb) == 0;
    if (!exists) {
        if (errno != ENOENT || !(flags & GV_STORE_CREATE)) {
            if (errno == ENOENT)
                gv_error_set(err, GV_ENOTFOUND,
                             "no database at %s; create one with `gavel init` or check the path",
                             path);
            else
                gv_error_set(err, GV_EIO, "cannot open database %s: %s", path, strerror(errno));
            goto fail;
        }
    } else if (S_ISREG(sb.st_mode)) {
        e->empty_file = sb.st_size == 0;
    } else {
        gv_error_set(err, GV_EINVAL, "%s is not a regular file; give the path of a database file",
                     path);
        goto fail;
    }
    char uri[3 * PATH_MAX + 32] = "";
    if (flags & GV_STORE_READONLY) {
        oflags |= SQLITE_OPEN_READONLY;
        if (read_only_media(path, uri, sizeof uri, err))
            goto fail;
        if (uri[0])
            oflags |= SQLITE_OPEN_URI;
    } else {
        oflags |= SQLITE_OPEN_READWRITE | ((flags & GV_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
        if (check_writable(path, exists, err))
            goto fail;
    }
    rc = sqlite3_open_v2(uri[0] ? uri : path, &e->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        sq_error(e, rc, "opening the file", err);
        goto fail;
    }
    sqlite3_extended_result_codes(e->db, 1);
    sqlite3_busy_timeout(e->db, GV_SQLITE_BUSY_TIMEOUT_MS);

    /* The first statement reads the header: a file that is not SQLite, or
     * whose first page is damaged, is refused here. */
    int64_t probe;
    if (pragma_int(e, "application_id", &probe, err))
        goto fail;
    if (!(flags & GV_STORE_READONLY) && set_journal_wal(e, err))
        goto fail;
    if (exec(e, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "setting up", err))
        goto fail;
    if (migrate(e, flags, err))
        goto fail;
    for (int i = 0; i < ST_COUNT; i++) {
        rc = sqlite3_prepare_v3(e->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &e->st[i], NULL);
        if (rc != SQLITE_OK) {
            sq_error(e, rc, "reading the schema", err);
            goto fail;
        }
    }
    return e;

fail:
    sq_close(e);
    return NULL;
}

/* ---- transactions ----------------------------------------------------- */

static int sq_begin(gv__engine_impl *e, gv_error *err)
{
    return run(e, ST_BEGIN, "starting a transaction", err);
}

static int sq_commit(gv__engine_impl *e, gv_error *err)
{
    return run(e, ST_COMMIT, "committing", err);
}

static void sq_rollback(gv__engine_impl *e)
{
    /* After some I/O errors SQLite has rolled back already. */
    if (!sqlite3_get_autocommit(e->db))
        run(e, ST_ROLLBACK, "rolling back", NULL);
}

static int sq_savepoint(gv__engine_impl *e, gv_error *err)
{
    return run(e, ST_SAVEPOINT, "opening a savepoint", err);
}

static int sq_release(gv__engine_impl *e, gv_error *err)
{
    return run(e, ST_RELEASE, "releasing a savepoint", err);
}

static int sq_rollback_to(gv__engine_impl *e, gv_error *err)
{
    int rc;
    if (sqlite3_get_autocommit(e->db))
        return gv_error_set(err, GV_EIO,
                            "database %s rolled the whole transaction back after an error; "
                            "nothing of it was stored",
                            e->path);
    if ((rc = run(e, ST_ROLLBACK_TO, "rolling back to a savepoint", err)))
        return rc;
    return run(e, ST_RELEASE, "releasing a savepoint", err);
}

/* ---- rows ------------------------------------------------------------- */

static int meeting_exists(gv__engine_impl *e, const char *id, gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_MEETING_EXISTS];
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" in %s", id, e->path);
    return sq_error(e, rc, "looking up a meeting", err);
}

static int sq_create_meeting(gv__engine_impl *e, const char *id, int64_t created_at_ms,
                             gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_CREATE_MEETING];
    gv_error lookup;
    int rc = meeting_exists(e, id, &lookup);
    if (rc == 0)
        return gv_error_set(err, GV_ESTATE, "meeting \"%s\" already exists in %s", id, e->path);
    if (rc != GV_ENOTFOUND) {
        if (err)
            *err = lookup;
        return rc;
    }
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, created_at_ms);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "creating a meeting", err);
    return 0;
}

static int sq_insert(gv__engine_impl *e, const char *meeting, const gv_stored_event *ev,
                     gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_INSERT];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, ev->seq);
    bind_text(st, 3, ev->type);
    sqlite3_bind_int64(st, 4, ev->at_ms);
    sqlite3_bind_blob64(st, 5, ev->bytes, ev->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, ev->hash, GV_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    /* Unbind the caller's buffers so the statement keeps no pointer to them. */
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "appending an event", err);
    return 0;
}

static int sq_head(gv__engine_impl *e, const char *meeting, int64_t *seq,
                   unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_HEAD];
    int rc;

    bind_text(st, 1, meeting);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t s = sqlite3_column_int64(st, 0);
        const void *h = sqlite3_column_blob(st, 1);
        int hlen = sqlite3_column_bytes(st, 1);
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || !h || hlen != GV_HASH_BYTES) {
            sqlite3_reset(st);
            return gv_error_set(err, GV_ECORRUPT,
                                "database %s: the last event of meeting %s is damaged (seq or "
                                "hash unreadable); restore the last backup",
                                e->path, meeting);
        }
        *seq = s;
        memcpy(hash, h, GV_HASH_BYTES);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "reading the head of a log", err);
    if ((rc = meeting_exists(e, meeting, err)))
        return rc;
    *seq = 0;
    memset(hash, 0, GV_HASH_BYTES);
    return 0;
}

static int sq_read(gv__engine_impl *e, const char *meeting, int64_t after_seq, gv_store_event_fn fn,
                   void *ud, gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_READ];
    int rc = meeting_exists(e, meeting, err);
    if (rc)
        return rc;

    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, after_seq);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gv_stored_event ev = {
            .seq = sqlite3_column_int64(st, 0),
            .type = (const char *)sqlite3_column_text(st, 1),
            .at_ms = sqlite3_column_int64(st, 2),
            .bytes = sqlite3_column_blob(st, 3),
            .len = (size_t)sqlite3_column_bytes(st, 3),
        };
        const void *h = sqlite3_column_blob(st, 4);
        /* A damaged record can decode to other column types: refuse it
         * rather than hand the caller a wrong value. */
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 1) != SQLITE_TEXT ||
            sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 3) != SQLITE_BLOB ||
            sqlite3_column_type(st, 4) != SQLITE_BLOB || !ev.type || !ev.bytes || !h ||
            sqlite3_column_bytes(st, 4) != GV_HASH_BYTES) {
            sqlite3_reset(st);
            return gv_error_set(err, GV_ECORRUPT,
                                "database %s: the event after seq %" PRId64 " of meeting %s is "
                                "damaged (a column has the wrong type or size); restore the "
                                "last backup",
                                e->path, after_seq, meeting);
        }
        memcpy(ev.hash, h, GV_HASH_BYTES);
        after_seq = ev.seq;
        rc = fn(ud, &ev);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "reading events", err);
    return 0;
}

static int sq_list(gv__engine_impl *e, gv_store_meeting_fn fn, void *ud, gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_LIST];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gv_meeting_info m = {
            .id = (const char *)sqlite3_column_text(st, 0),
            .created_at_ms = sqlite3_column_int64(st, 1),
            .last_seq = sqlite3_column_int64(st, 2),
        };
        if (!m.id || sqlite3_column_type(st, 0) != SQLITE_TEXT) {
            sqlite3_reset(st);
            return gv_error_set(err, GV_ECORRUPT,
                                "database %s: a meeting's id is damaged; restore the last backup",
                                e->path);
        }
        rc = fn(ud, &m);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "listing meetings", err);
    return 0;
}

static int sq_check(gv__engine_impl *e, gv_error *err)
{
    sqlite3_stmt *st = NULL;
    char first[256] = "";
    int problems = 0;
    int rc = sqlite3_prepare_v2(e->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_error(e, rc, "checking the file", err);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line && strcmp(line, "ok") == 0)
            continue;
        if (problems++ == 0)
            snprintf(first, sizeof first, "%s", line ? line : "?");
    }
    if (rc != SQLITE_DONE)
        rc = sq_error(e, rc, "checking the file", err);
    else
        rc = 0;
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (problems)
        return gv_error_set(err, GV_ECORRUPT,
                            "database %s is damaged: %d problem(s), the first: %s. Keep a copy "
                            "of the file and restore the last backup",
                            e->path, problems, first);
    return 0;
}

/* ---- snapshots ---------------------------------------------------------- */

static int sq_put_snapshot(gv__engine_impl *e, const char *meeting, const gv_stored_snapshot *snap,
                           const unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_PUT_SNAPSHOT];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, snap->seq);
    sqlite3_bind_blob(st, 3, snap->head, GV_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, snap->version);
    sqlite3_bind_blob64(st, 5, snap->bytes, snap->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, hash, GV_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "storing a snapshot", err);
    st = e->st[ST_DROP_SNAPSHOTS];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, snap->seq);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_error(e, rc, "dropping older snapshots", err);
    return 0;
}

static int sq_get_snapshot(gv__engine_impl *e, const char *meeting, int64_t max_seq,
                           gv__snapshot_fn fn, void *ud, gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_GET_SNAPSHOT];
    bind_text(st, 1, meeting);
    sqlite3_bind_int64(st, 2, max_seq);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sq_error(e, rc, "reading a snapshot", err);
        return gv_error_set(err, GV_ENOTFOUND, "meeting %s has no snapshot at or before seq %lld",
                            meeting, (long long)max_seq);
    }
    gv_stored_snapshot snap = {
        .seq = sqlite3_column_int64(st, 0),
        .version = sqlite3_column_int(st, 2),
        .bytes = sqlite3_column_blob(st, 3),
        .len = (size_t)sqlite3_column_bytes(st, 3),
    };
    const void *head = sqlite3_column_blob(st, 1), *hash = sqlite3_column_blob(st, 4);
    if (!head || !hash || !snap.bytes || sqlite3_column_bytes(st, 1) != GV_HASH_BYTES ||
        sqlite3_column_bytes(st, 4) != GV_HASH_BYTES) {
        sqlite3_reset(st);
        return gv_error_set(err, GV_ECORRUPT,
                            "database %s: the snapshot at seq %lld of meeting %s is damaged",
                            e->path, (long long)snap.seq, meeting);
    }
    memcpy(snap.head, head, GV_HASH_BYTES);
    rc = fn(ud, &snap, hash);
    sqlite3_reset(st);
    return rc;
}

static int sq_snapshot_seqs(gv__engine_impl *e, const char *meeting, gv_store_seq_fn fn, void *ud,
                            gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_SNAPSHOT_SEQS];
    int rc;
    bind_text(st, 1, meeting);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = fn(ud, sqlite3_column_int64(st, 0)))) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sq_error(e, rc, "listing snapshots", err);
}

/* ---- files ------------------------------------------------------------- */

static int sq_put_file(gv__engine_impl *e, const char *meeting, const gv_stored_file *f,
                       gv_error *err)
{
    int rc = meeting_exists(e, meeting, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = e->st[ST_PUT_FILE];
    bind_text(st, 1, meeting);
    sqlite3_bind_blob(st, 2, f->hash, GV_FILE_HASH_BYTES, SQLITE_STATIC);
    bind_text(st, 3, f->media_type);
    sqlite3_bind_int64(st, 4, f->size_bytes);
    sqlite3_bind_int64(st, 5, f->stored_at_ms);
    sqlite3_bind_blob64(st, 6, f->bytes, f->len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : sq_error(e, rc, "storing a file", err);
}

/* The columns of a files row from column 0 (hash, media_type, size,
 * stored_at_ms[, body]) into f; false when damaged. */
static bool file_row(sqlite3_stmt *st, bool with_body, gv_stored_file *f)
{
    const void *hash = sqlite3_column_blob(st, 0);
    *f = (gv_stored_file){.media_type = (const char *)sqlite3_column_text(st, 1),
                          .size_bytes = sqlite3_column_int64(st, 2),
                          .stored_at_ms = sqlite3_column_int64(st, 3)};
    if (with_body) {
        f->bytes = sqlite3_column_blob(st, 4);
        f->len = (size_t)sqlite3_column_bytes(st, 4);
    }
    if (!hash || sqlite3_column_bytes(st, 0) != GV_FILE_HASH_BYTES || !f->media_type ||
        sqlite3_column_type(st, 2) != SQLITE_INTEGER || (with_body && !f->bytes))
        return false;
    memcpy(f->hash, hash, GV_FILE_HASH_BYTES);
    return true;
}

static int sq_get_file(gv__engine_impl *e, const char *meeting,
                       const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                       gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_GET_FILE];
    gv_stored_file f;
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(hash, hex);
    bind_text(st, 1, meeting);
    sqlite3_bind_blob(st, 2, hash, GV_FILE_HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = file_row(st, true, &f) ? fn(ud, &f)
                                    : gv_error_set(err, GV_ECORRUPT,
                                                   "database %s: the file %s of meeting %s is "
                                                   "damaged; restore the last backup",
                                                   e->path, hex, meeting);
    else if (rc == SQLITE_DONE)
        rc = gv_error_set(err, GV_ENOTFOUND, "meeting %s has no file %s", meeting, hex);
    else
        rc = sq_error(e, rc, "reading a file", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int sq_list_files(gv__engine_impl *e, const char *meeting, gv_store_file_fn fn, void *ud,
                         gv_error *err)
{
    sqlite3_stmt *st = e->st[ST_LIST_FILES];
    gv_stored_file f;
    int rc = meeting_exists(e, meeting, err);
    if (rc)
        return rc;
    bind_text(st, 1, meeting);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!file_row(st, false, &f))
            rc = gv_error_set(err, GV_ECORRUPT,
                              "database %s: a file of meeting %s is damaged; restore the last "
                              "backup",
                              e->path, meeting);
        else
            rc = fn(ud, &f);
        if (rc) {
            sqlite3_reset(st);
            return rc;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : sq_error(e, rc, "listing files", err);
}

const gv__store_engine gv__engine_sqlite = {
    .name = "sqlite",
    .match = sq_match,
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .create_meeting = sq_create_meeting,
    .insert = sq_insert,
    .head = sq_head,
    .read = sq_read,
    .list_meetings = sq_list,
    .check = sq_check,
    .put_snapshot = sq_put_snapshot,
    .get_snapshot = sq_get_snapshot,
    .snapshot_seqs = sq_snapshot_seqs,
    .put_file = sq_put_file,
    .get_file = sq_get_file,
    .list_files = sq_list_files,
};

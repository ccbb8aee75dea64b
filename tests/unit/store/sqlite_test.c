/*
 * The SQLite engine on real files: the schema and its migrations, files that
 * are not ours, truncated and byte-flipped files, rows changed behind the
 * store's back with plain sqlite3, and read-only opens.
 *
 * The rule checked for damaged files: every operation either fails with a
 * clear error, or everything read back is exactly what was written. Never a
 * crash (the sanitizer build runs this too) and never a wrong answer given
 * as right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "store_fixture.h"
#include "support.h"

#define N_ALPHA 300
#define N_BETA  200

typedef struct fixture {
    char *dir;
    char db[4200];
    char copy[4200];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = fx_tmpdir();
    assert_non_null(f->dir);
    fx_path(f->db, sizeof f->db, f->dir, "gavel.db");
    fx_path(f->copy, sizeof f->copy, f->dir, "damaged.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static void append_n(gv_store *s, const char *meeting, int64_t n)
{
    gv_error err;
    char buf[256];
    for (int64_t q = 1; q <= n; q++) {
        gv_event_in ev =
            fx_event(buf, sizeof buf, meeting, q, q == 1 ? "meeting_defined" : "note_added",
                     1700000000000 + 1000 * q);
        int rc = q == 1 ? gv_store_create_meeting(s, meeting, &ev, 1, &err)
                        : gv_store_append(s, meeting, &ev, 1, &err);
        if (rc)
            fail_msg("append %s %" PRId64 ": %s", meeting, q, err.msg);
    }
}

/* A database with two meetings, closed (so the WAL is folded into it). */
static void make_db(const char *path)
{
    gv_error err;
    gv_store *s = gv_store_open(path, GV_STORE_CREATE, &err);
    if (!s)
        fail_msg("create %s: %s", path, err.msg);
    append_n(s, "alpha", N_ALPHA);
    append_n(s, "beta", N_BETA);
    gv_store_close(s);
}

static void spit(const char *path, const unsigned char *buf, size_t len)
{
    char side[4300];
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
    /* A fresh copy must not meet an old copy's journal. */
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

/* The original content of both meetings, to compare damaged files with. */
typedef struct snapshot {
    fx_events *alpha, *beta;
} snapshot;

static void snapshot_take(const char *path, snapshot *snap)
{
    gv_error err;
    gv_store *s = gv_store_open(path, GV_STORE_READONLY, &err);
    assert_non_null(s);
    snap->alpha = fx_events_new();
    snap->beta = fx_events_new();
    assert_int_equal(gv_store_read(s, "alpha", 0, fx_collect, snap->alpha, &err), 0);
    assert_int_equal(gv_store_read(s, "beta", 0, fx_collect, snap->beta, &err), 0);
    assert_int_equal(snap->alpha->n, N_ALPHA);
    assert_int_equal(snap->beta->n, N_BETA);
    gv_store_close(s);
}

static void snapshot_release(snapshot *snap)
{
    fx_events_free(snap->alpha);
    fx_events_free(snap->beta);
}

static bool same_events(const fx_events *a, const fx_events *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->seq[i] != b->seq[i] || a->at_ms[i] != b->at_ms[i] ||
            strcmp(a->type[i], b->type[i]) != 0 || a->len[i] != b->len[i] ||
            memcmp(a->bytes[i], b->bytes[i], a->len[i]) != 0 ||
            memcmp(a->hash[i], b->hash[i], GV_HASH_BYTES) != 0)
            return false;
    return true;
}

static int list_ids(void *ud, const gv_meeting_info *m)
{
    char *out = ud;
    strncat(out, m->id, 200);
    strncat(out, ",", 2);
    return 0;
}

enum { PROBE_INTACT = 0, PROBE_WRONG = 1 };

/*
 * Everything `gavel verify` would do with a file: open, list, read and
 * verify each meeting (with the column check), check the structure.
 * Returns PROBE_INTACT when all of it worked and gave back the original,
 * a GV_E* code (err set) when something refused, PROBE_WRONG otherwise.
 */
static int probe(const char *path, const snapshot *snap, gv_error *err)
{
    const char *ids[2] = {"alpha", "beta"};
    const fx_events *want[2] = {snap->alpha, snap->beta};
    char listed[512] = "";
    int rc = 0, result = PROBE_INTACT;
    gv_store *s = gv_store_open(path, 0, err);
    if (!s)
        return err->code;
    for (int k = 0; k < 2 && rc == 0; k++) {
        fx_events *got = fx_events_new();
        int64_t bad;
        rc = gv_store_read(s, ids[k], 0, fx_collect, got, err);
        if (rc == 0)
            rc = gv_store_verify_chain(s, ids[k], fx_check_columns, NULL, &bad, err);
        if (rc == 0 && !same_events(got, want[k]))
            result = PROBE_WRONG;
        fx_events_free(got);
    }
    if (rc == 0)
        rc = gv_store_list_meetings(s, list_ids, listed, err);
    if (rc == 0 && strcmp(listed, "alpha,beta,") != 0)
        result = PROBE_WRONG;
    if (rc == 0)
        rc = gv_store_check(s, err);
    gv_store_close(s);
    return rc ? rc : result;
}

/* A refusal must carry one of the storage codes and a message. */
static void assert_clear_refusal(int rc, const gv_error *err, const char *what)
{
    if (rc == PROBE_WRONG)
        fail_msg("%s: the damage went unnoticed and wrong data was returned", what);
    if (rc == PROBE_INTACT)
        return;
    if (!(rc == GV_ECORRUPT || rc == GV_EINVAL || rc == GV_ENOTFOUND || rc == GV_ESTATE ||
          rc == GV_EIO))
        fail_msg("%s: unexpected code %d (%s)", what, rc, err->msg);
    if (err->code != rc || strlen(err->msg) < 20)
        fail_msg("%s: code %d without a clear message: \"%s\"", what, rc, err->msg);
}

/* ---- schema and migrations -------------------------------------------- */

static void schema_is_created_in_an_empty_file(void **state)
{
    fixture *f = *state;
    gv_error err;
    spit(f->db, (const unsigned char *)"", 0);

    /* Without CREATE an empty file is refused, and left as it was. */
    assert_null(gv_store_open(f->db, 0, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "gavel init"));
    assert_non_null(strstr(err.msg, "empty"));

    gv_store *s = gv_store_open(f->db, GV_STORE_CREATE, &err);
    if (!s)
        fail_msg("%s", err.msg);
    append_n(s, "alpha", 3);
    gv_store_close(s);

    sqlite3 *db = raw_open(f->db);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x47766c31);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM events WHERE meeting = 'alpha'"), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 4);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    /* Reopening finds the schema current and the data there. */
    s = gv_store_open(f->db, 0, &err);
    assert_non_null(s);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(s, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, 3);
    gv_store_close(s);
}

static void missing_file_needs_create(void **state)
{
    fixture *f = *state;
    gv_error err;
    struct stat sb;
    assert_null(gv_store_open(f->db, 0, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no database at"));
    assert_null(gv_store_open(f->db, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);
    assert_int_equal(stat(f->db, &sb), -1); /* not created */

    char sub[4300];
    snprintf(sub, sizeof sub, "%s/no/such/dir/x.db", f->dir);
    assert_null(gv_store_open(sub, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "does not exist"));
    assert_null(gv_store_open(f->dir, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));

    /* "sqlite:" names the same engine explicitly. */
    char loc[4300];
    snprintf(loc, sizeof loc, "sqlite:%s", f->db);
    gv_store *s = gv_store_open(loc, GV_STORE_CREATE, &err);
    assert_non_null(s);
    assert_string_equal(gv_store_engine(s), "sqlite");
    gv_store_close(s);
    assert_int_equal(stat(f->db, &sb), 0);
}

/* A database of version 2 (before the files beside the logs) gains the
 * files table at its first writable open, its logs untouched; a read-only
 * open first says to open it for writing. */
static void a_version_2_database_gains_the_files_table(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "DROP TABLE files; PRAGMA user_version = 2");
    sqlite3_close(db);

    assert_null(gv_store_open(f->db, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ESTATE);
    assert_non_null(strstr(err.msg, "open it once for writing"));
    gv_store *s = gv_store_open(f->db, 0, &err);
    if (!s)
        fail_msg("%s", err.msg);
    unsigned char hash[GV_FILE_HASH_BYTES];
    assert_int_equal(
        gv_store_put_file(s, "alpha", "text/plain", (const unsigned char *)"abc", 3, hash, &err),
        0);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(s, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, N_ALPHA);
    gv_store_close(s);
    db = raw_open(f->db);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM files"), 1);
    sqlite3_close(db);
}

static void newer_schema_is_refused(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "PRAGMA user_version = 7");
    sqlite3_close(db);

    assert_null(gv_store_open(f->db, 0, &err));
    assert_int_equal(err.code, GV_ESTATE);
    assert_non_null(strstr(err.msg, "newer Gavel"));
    assert_null(gv_store_open(f->db, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ESTATE);

    db = raw_open(f->db);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 7); /* never downgraded */
    sqlite3_close(db);
}

static void other_sqlite_databases_are_refused(void **state)
{
    fixture *f = *state;
    gv_error err;
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)");
    sqlite3_close(db);
    assert_null(gv_store_open(f->db, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "not a Gavel one"));
    db = raw_open(f->db);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 0); /* left alone */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_schema"), 1);
    raw_exec(db, "PRAGMA application_id = 1234");
    sqlite3_close(db);
    assert_null(gv_store_open(f->db, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "another program"));
}

static void garbage_files_are_refused(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char junk[8192];
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    spit(f->db, junk, sizeof junk);
    assert_null(gv_store_open(f->db, 0, &err));
    assert_int_equal(err.code, GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "damaged or is not a Gavel database"));
    assert_null(gv_store_open(f->db, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_ECORRUPT);

    const char *text = "meeting notes, not a database\n";
    spit(f->db, (const unsigned char *)text, strlen(text));
    assert_null(gv_store_open(f->db, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ECORRUPT);

    /* The refused files are left as they were. */
    size_t len;
    unsigned char *back = gvt_slurp(f->db, &len);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(back, text, len);
    free(back);
}

/* ---- damage ----------------------------------------------------------- */

static void truncated_files_give_clear_errors(void **state)
{
    fixture *f = *state;
    gv_error err;
    snapshot snap;
    size_t len;
    make_db(f->db);
    snapshot_take(f->db, &snap);
    unsigned char *orig = gvt_slurp(f->db, &len);
    assert_true(len >= 16 * 4096); /* several pages, so truncation loses rows */

    const size_t cuts[] = {0, 50, 100, 4096, 4096 + 1, len / 2, len - 4096, len - 100, len - 1};
    int refused = 0;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "truncated to %zu of %zu bytes", cuts[i], len);
        spit(f->copy, orig, cuts[i]);
        gv_error_clear(&err);
        int rc = probe(f->copy, &snap, &err);
        assert_clear_refusal(rc, &err, what);
        if (rc != PROBE_INTACT)
            refused++;
        else
            assert_true(cuts[i] >= len - 4096); /* only a cut in the last page may be harmless */
        print_message("  %s: %s\n", what, rc == PROBE_INTACT ? "intact" : err.msg);
    }
    assert_true(refused >= 6);
    free(orig);
    snapshot_release(&snap);
}

static void flipped_bytes_are_caught_or_harmless(void **state)
{
    fixture *f = *state;
    gv_error err;
    snapshot snap;
    size_t len;
    make_db(f->db);
    snapshot_take(f->db, &snap);
    unsigned char *orig = gvt_slurp(f->db, &len);
    unsigned char *buf = malloc(len);

    /* Every byte of the 100-byte header, then positions all over the file. */
    /* GV_FLIPS and GV_FLIP_SEED widen the search when run by hand. */
    enum { HEADER = 100 };
    const char *env_n = getenv("GV_FLIPS"), *env_seed = getenv("GV_FLIP_SEED");
    int RANDOM = env_n ? atoi(env_n) : 400;
    unsigned seed = env_seed ? (unsigned)strtoul(env_seed, NULL, 10) : 20240611;
    int outcomes[3] = {0}; /* intact, refused at open, refused later */
    for (int i = 0; i < HEADER + RANDOM; i++) {
        size_t pos = i < HEADER ? (size_t)i : (size_t)rand_r(&seed) % len;
        unsigned char x = (unsigned char)(1 + rand_r(&seed) % 255);
        char what[80];
        memcpy(buf, orig, len);
        buf[pos] ^= x;
        snprintf(what, sizeof what, "byte %zu of %zu xor 0x%02x", pos, len, x);
        spit(f->copy, buf, len);
        gv_error_clear(&err);
        int rc = probe(f->copy, &snap, &err);
        assert_clear_refusal(rc, &err, what);
        if (rc == PROBE_INTACT) {
            outcomes[0]++;
        } else {
            gv_store *s = gv_store_open(f->copy, 0, NULL);
            outcomes[s ? 2 : 1]++;
            gv_store_close(s);
        }
    }
    print_message("  %d flips: %d harmless, %d refused at open, %d refused on reading\n",
                  HEADER + RANDOM, outcomes[0], outcomes[1], outcomes[2]);
    assert_true(outcomes[1] + outcomes[2] > 0);
    free(buf);
    free(orig);
    snapshot_release(&snap);
}

/* Finds needle in the file's bytes; the offset, or fails. */
static size_t find_bytes(const unsigned char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return i;
    fail_msg("\"%s\" not in the file", needle);
    return 0;
}

static void flipped_body_byte_in_the_file_names_the_event(void **state)
{
    fixture *f = *state;
    gv_error err;
    size_t len;
    make_db(f->db);
    unsigned char *buf = gvt_slurp(f->db, &len);
    size_t at = find_bytes(buf, len, "alpha event 157\"");
    buf[at + 6] ^= 0x01; /* "event" -> "dvent": still valid JSON */
    spit(f->copy, buf, len);

    gv_store *s = gv_store_open(f->copy, 0, &err);
    assert_non_null(s);
    int64_t bad = 0;
    assert_int_equal(gv_store_verify_chain(s, "alpha", NULL, NULL, &bad, &err), GV_ECORRUPT);
    assert_int_equal(bad, 157);
    assert_non_null(strstr(err.msg, "event 157 does not match its stored hash"));
    assert_int_equal(gv_store_verify_chain(s, "beta", NULL, NULL, &bad, &err), 0);
    assert_int_equal(bad, 0);
    gv_store_close(s);
    free(buf);
}

/* ---- rows changed with plain sqlite3 ---------------------------------- */

static void tamper_body(sqlite3 *db, const char *meeting, int seq)
{
    sqlite3_stmt *st = NULL;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT body FROM events WHERE meeting = '%s' AND seq = %d", meeting,
             seq);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_bytes(st, 0);
    unsigned char *body = malloc((size_t)n);
    memcpy(body, sqlite3_column_blob(st, 0), (size_t)n);
    sqlite3_finalize(st);

    unsigned char *p = memchr(body, 'c', (size_t)n); /* in "chair" */
    assert_non_null(p);
    *p = 'C';
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE events SET body = ?1 WHERE meeting = ?2 AND seq = ?3", -1,
                           &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, body, n, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, meeting, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, seq);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    free(body);
}

static int64_t verify(const char *path, const char *meeting, bool with_check, gv_error *err)
{
    int64_t bad = -1;
    gv_store *s = gv_store_open(path, 0, err);
    assert_non_null(s);
    int rc =
        gv_store_verify_chain(s, meeting, with_check ? fx_check_columns : NULL, NULL, &bad, err);
    gv_store_close(s);
    assert_true(rc == 0 ? bad == 0 : bad > 0);
    return bad;
}

static void changed_body_names_the_first_tampered_event(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    assert_int_equal(verify(f->db, "alpha", true, &err), 0);

    sqlite3 *db = raw_open(f->db);
    tamper_body(db, "alpha", 240);
    tamper_body(db, "alpha", 77);
    sqlite3_close(db);
    assert_int_equal(verify(f->db, "alpha", false, &err), 77);
    assert_int_equal(err.code, GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "meeting alpha: event 77"));
    assert_int_equal(verify(f->db, "beta", true, &err), 0);
}

static void rewritten_hash_shows_at_the_next_event(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    tamper_body(db, "beta", 10);
    /* A forger recomputes event 10's hash so that it verifies by itself:
     * event 11 no longer chains from it. */
    sqlite3_stmt *st = NULL;
    unsigned char h9[GV_HASH_BYTES], h10[GV_HASH_BYTES];
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT hash FROM events WHERE meeting = 'beta' AND seq = 9", -1,
                           &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    memcpy(h9, sqlite3_column_blob(st, 0), GV_HASH_BYTES);
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT body FROM events WHERE meeting = 'beta' AND seq = 10", -1,
                           &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    gv_hash_event(h9, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), h10);
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_prepare_v2(db, "UPDATE events SET hash = ?1 WHERE meeting = 'beta' AND seq = 10",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, h10, GV_HASH_BYTES, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);

    assert_int_equal(verify(f->db, "beta", false, &err), 11);
    assert_non_null(strstr(err.msg, "hash of the event before it was rewritten"));
}

static void deleted_event_is_named_as_missing(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "DELETE FROM events WHERE meeting = 'alpha' AND seq IN (120, 121)");
    sqlite3_close(db);
    assert_int_equal(verify(f->db, "alpha", false, &err), 120);
    assert_non_null(strstr(err.msg, "event 120 is missing"));

    /* Deleting the last events cannot be seen from the chain alone: the
     * head (published with the record) is what shows it. */
    db = raw_open(f->db);
    raw_exec(db, "DELETE FROM events WHERE meeting = 'beta' AND seq > 150");
    sqlite3_close(db);
    assert_int_equal(verify(f->db, "beta", false, &err), 0);
    gv_store *s = gv_store_open(f->db, 0, &err);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(s, "beta", &seq, NULL, &err), 0);
    assert_int_equal(seq, 150);
    gv_store_close(s);
}

static void changed_columns_are_caught_by_the_check(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "UPDATE events SET type = 'floor_given' WHERE meeting = 'alpha' AND seq = 33");
    raw_exec(db, "UPDATE events SET at_ms = at_ms + 1 WHERE meeting = 'beta' AND seq = 44");
    sqlite3_close(db);
    /* The chain covers the bytes only; the caller's check sees the columns. */
    assert_int_equal(verify(f->db, "alpha", false, &err), 0);
    assert_int_equal(verify(f->db, "alpha", true, &err), 33);
    assert_non_null(strstr(err.msg, "type column"));
    assert_int_equal(verify(f->db, "beta", true, &err), 44);
    assert_non_null(strstr(err.msg, "at_ms column"));
}

static void undecodable_rows_are_refused(void **state)
{
    fixture *f = *state;
    gv_error err;
    make_db(f->db);
    sqlite3 *db = raw_open(f->db);
    raw_exec(db, "PRAGMA ignore_check_constraints = 1");
    raw_exec(db, "UPDATE events SET hash = x'00ff' WHERE meeting = 'alpha' AND seq = 12");
    raw_exec(db, "UPDATE events SET body = 'text, not a blob' WHERE meeting = 'beta' AND seq = 5");
    sqlite3_close(db);

    gv_store *s = gv_store_open(f->db, 0, &err);
    assert_non_null(s);
    fx_events *c = fx_events_new();
    assert_int_equal(gv_store_read(s, "alpha", 0, fx_collect, c, &err), GV_ECORRUPT);
    assert_int_equal(c->n, 11); /* the rows before it came through */
    assert_non_null(strstr(err.msg, "after seq 11"));
    fx_events_free(c);
    int64_t bad = 0;
    assert_int_equal(gv_store_verify_chain(s, "alpha", NULL, NULL, &bad, &err), GV_ECORRUPT);
    assert_int_equal(bad, 12);
    assert_int_equal(gv_store_verify_chain(s, "beta", NULL, NULL, &bad, &err), GV_ECORRUPT);
    assert_int_equal(bad, 5);
    gv_store_close(s);
}

/* ---- real write failures --------------------------------------------- */

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Appends `n` events of about 4 KiB each to alpha from seq `first`. */
static int append_big(gv_store *s, int64_t first, int n, gv_error *err)
{
    static char bodies[64][4200];
    gv_event_in ev[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        int64_t q = first + i;
        int len = snprintf(bodies[i], sizeof bodies[i],
                           "{\"at_ms\":%" PRId64 ",\"seq\":%" PRId64 ",\"text\":\"%04000d\","
                           "\"type\":\"note_added\"}",
                           q, q, i);
        ev[i] = (gv_event_in){.seq = q,
                              .type = "note_added",
                              .at_ms = q,
                              .bytes = (const unsigned char *)bodies[i],
                              .len = (size_t)len};
    }
    return gv_store_append(s, "alpha", ev, (size_t)n, err);
}

static void failing_disk_writes_store_nothing(void **state)
{
    fixture *f = *state;
    gv_error err;
    struct rlimit old, lim;
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    gv_store *s = gv_store_open(f->db, GV_STORE_CREATE, &err);
    assert_non_null(s);
    char buf[256];
    gv_event_in first = fx_event(buf, sizeof buf, "alpha", 1, "meeting_defined", 1);
    assert_int_equal(gv_store_create_meeting(s, "alpha", &first, 1, &err), 0);
    assert_int_equal(append_big(s, 2, 4, &err), 0);

    /* Files may not grow past their size now plus 8 KiB: the next big
     * append fails in the middle of writing, as on a full disk. */
    off_t biggest = file_size(f->db) > file_size(wal) ? file_size(f->db) : file_size(wal);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)biggest + 8192;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    gv_error_clear(&err);
    int rc = append_big(s, 6, 40, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    print_message("  append on a full file: %s\n", err.msg);
    assert_int_equal(rc, GV_EIO);
    assert_non_null(strstr(err.msg, f->db));

    /* Nothing of it is visible, and the store goes on once space is back. */
    int64_t seq = 0;
    assert_int_equal(gv_store_head(s, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(append_big(s, 6, 40, &err), 0);
    assert_int_equal(gv_store_verify_chain(s, "alpha", fx_check_columns, NULL, NULL, &err), 0);
    gv_store_close(s);

    s = gv_store_open(f->db, 0, &err);
    assert_non_null(s);
    assert_int_equal(gv_store_head(s, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, 45);
    assert_int_equal(gv_store_check(s, &err), 0);
    gv_store_close(s);
}

/* ---- read-only -------------------------------------------------------- */

static void readonly_open_reads_and_never_writes(void **state)
{
    fixture *f = *state;
    gv_error err;
    size_t len_before, len_after;
    make_db(f->db);
    unsigned char *before = gvt_slurp(f->db, &len_before);

    gv_store *s = gv_store_open(f->db, GV_STORE_READONLY, &err);
    if (!s)
        fail_msg("%s", err.msg);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(s, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, N_ALPHA);
    assert_int_equal(gv_store_verify_chain(s, "beta", fx_check_columns, NULL, NULL, &err), 0);
    assert_int_equal(gv_store_check(s, &err), 0);
    assert_int_equal(gv_store_create_meeting(s, "gamma", NULL, 0, &err), GV_EPERM);
    char buf[256];
    gv_event_in ev = fx_event(buf, sizeof buf, "alpha", N_ALPHA + 1, "note_added", 1);
    assert_int_equal(gv_store_append(s, "alpha", &ev, 1, &err), GV_EPERM);
    gv_store_close(s);

    unsigned char *after = gvt_slurp(f->db, &len_after);
    assert_int_equal(len_before, len_after);
    assert_memory_equal(before, after, len_before);
    free(before);
    free(after);
}

static void reader_sees_commits_of_another_handle(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_store *w = gv_store_open(f->db, GV_STORE_CREATE, &err);
    assert_non_null(w);
    append_n(w, "alpha", 5);
    gv_store *r = gv_store_open(f->db, GV_STORE_READONLY, &err);
    if (!r)
        fail_msg("%s", err.msg);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(r, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, 5);
    char buf[256];
    gv_event_in ev = fx_event(buf, sizeof buf, "alpha", 6, "note_added", 1);
    assert_int_equal(gv_store_append(w, "alpha", &ev, 1, &err), 0);
    assert_int_equal(gv_store_head(r, "alpha", &seq, NULL, &err), 0);
    assert_int_equal(seq, 6);
    gv_store_close(r);
    gv_store_close(w);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(schema_is_created_in_an_empty_file),
        T(missing_file_needs_create),
        T(a_version_2_database_gains_the_files_table),
        T(newer_schema_is_refused),
        T(other_sqlite_databases_are_refused),
        T(garbage_files_are_refused),
        T(truncated_files_give_clear_errors),
        T(flipped_bytes_are_caught_or_harmless),
        T(flipped_body_byte_in_the_file_names_the_event),
        T(changed_body_names_the_first_tampered_event),
        T(rewritten_hash_shows_at_the_next_event),
        T(deleted_event_is_named_as_missing),
        T(changed_columns_are_caught_by_the_check),
        T(undecodable_rows_are_refused),
        T(failing_disk_writes_store_nothing),
        T(readonly_open_reads_and_never_writes),
        T(reader_sees_commits_of_another_handle),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The store's engine-independent half: choosing the engine, checking
 * arguments, the sequence rule, the hash chain, verification and forced
 * failures. Engines (sqlite.c, memory.c) only keep rows and transactions.
 *
 * Invariants kept here, for every meeting and every engine:
 * - the stored seqs are exactly 1..head, without gap;
 * - the stored hash of event k is BLAKE2b-256(hash of k-1 || bytes of k),
 *   with 32 zero bytes before event 1;
 * - an append either stores all its events (and commits) or leaves the
 *   store as it was: every write happens inside a transaction, and every
 *   failure ends in a rollback.
 * The handle's mutex is held for the whole of each public call, so a
 * transaction never interleaves with another call on the same handle.
 */
#include "store/store_internal.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const gv__store_engine *const engines[] = {
    &gv__engine_memory, &gv__engine_pg,
    &gv__engine_sqlite, /* last: it takes any location the others did not */
};
#define N_ENGINES (sizeof engines / sizeof engines[0])

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status; /** sodium_init's result: 0 or 1 when ready, -1 when it failed */

static void sodium_start(void)
{
    sodium_status = sodium_init();
}

int64_t gv__store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- hashing ---------------------------------------------------------- */

void gv_hash_event(const unsigned char prev[GV_HASH_BYTES], const unsigned char *bytes, size_t len,
                   unsigned char out[GV_HASH_BYTES])
{
    crypto_generichash_state st;
    pthread_once(&sodium_once, sodium_start);
    crypto_generichash_init(&st, NULL, 0, GV_HASH_BYTES);
    crypto_generichash_update(&st, prev, GV_HASH_BYTES);
    if (len)
        crypto_generichash_update(&st, bytes, len);
    crypto_generichash_final(&st, out, GV_HASH_BYTES);
}

void gv_hash_to_hex(const unsigned char hash[GV_HASH_BYTES], char out[GV_HASH_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < GV_HASH_BYTES; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[2 * GV_HASH_BYTES] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int gv_hash_from_hex(const char *hex, unsigned char out[GV_HASH_BYTES])
{
    unsigned char tmp[GV_HASH_BYTES];
    if (!hex)
        return GV_EINVAL;
    for (size_t i = 0; i < GV_HASH_BYTES; i++) {
        int hi = hex_digit(hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return GV_EINVAL;
        tmp[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hex[2 * GV_HASH_BYTES] != '\0')
        return GV_EINVAL;
    memcpy(out, tmp, sizeof tmp);
    return 0;
}

/* ---- argument checks -------------------------------------------------- */

int gv__store_check_id(const char *id, gv_error *err)
{
    if (!id || !*id)
        return gv_error_set(err, GV_EINVAL, "a meeting id is required");
    size_t len = strlen(id);
    if (len > GV_MEETING_ID_MAX)
        return gv_error_set(err, GV_EINVAL, "meeting id is %zu bytes long; at most %d are allowed",
                            len, GV_MEETING_ID_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '~' || c == '-'))
            return gv_error_set(err, GV_EINVAL,
                                "meeting id has byte 0x%02x at position %zu; use only letters, "
                                "digits and . _ ~ -",
                                c, i + 1);
    }
    return 0;
}

static int check_type(const char *type, size_t i, gv_error *err)
{
    if (!type || !*type)
        return gv_error_set(err, GV_EINVAL, "event %zu of the append has no type", i + 1);
    size_t len = strlen(type);
    if (len > GV_EVENT_TYPE_MAX)
        return gv_error_set(err, GV_EINVAL,
                            "event %zu of the append has a type of %zu bytes; at most %d", i + 1,
                            len, GV_EVENT_TYPE_MAX);
    for (size_t k = 0; k < len; k++) {
        char c = type[k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return gv_error_set(err, GV_EINVAL,
                                "event %zu of the append has type \"%.64s\"; types use only a-z, "
                                "0-9 and _",
                                i + 1, type);
    }
    return 0;
}

int gv__store_check_events(const gv_event_in *events, size_t n, gv_error *err)
{
    if (n && !events)
        return gv_error_set(err, GV_EINVAL, "%zu events announced but none given", n);
    for (size_t i = 0; i < n; i++) {
        const gv_event_in *ev = &events[i];
        int rc = check_type(ev->type, i, err);
        if (rc)
            return rc;
        if (ev->seq < 1)
            return gv_error_set(err, GV_EINVAL,
                                "event %zu of the append has seq %" PRId64 "; seqs start at 1",
                                i + 1, ev->seq);
        if (ev->at_ms < 0)
            return gv_error_set(err, GV_EINVAL,
                                "event %zu of the append has time %" PRId64
                                " ms, before 1970; times are ms since the Unix epoch",
                                i + 1, ev->at_ms);
        if (!ev->bytes || ev->len == 0)
            return gv_error_set(err, GV_EINVAL, "event %zu of the append has no bytes", i + 1);
        if (ev->len > GV_EVENT_MAX_BYTES)
            return gv_error_set(err, GV_ELIMIT,
                                "event %zu of the append is %zu bytes; at most %u are stored",
                                i + 1, ev->len, GV_EVENT_MAX_BYTES);
    }
    return 0;
}

/* ---- open and close --------------------------------------------------- */

gv_store *gv_store_open(const char *location, unsigned flags, gv_error *err)
{
    gv_store *s = NULL;
    const gv__store_engine *engine = NULL;
    const char *rest = NULL;

    pthread_once(&sodium_once, sodium_start);
    if (sodium_status < 0) {
        gv_error_set(err, GV_EIO, "libsodium failed to start; cannot hash events");
        goto fail;
    }
    if (!location || !*location) {
        gv_error_set(err, GV_EINVAL, "a database location is required (a file path or memory:)");
        goto fail;
    }
    if (flags & ~(unsigned)(GV_STORE_CREATE | GV_STORE_READONLY)) {
        gv_error_set(err, GV_EINVAL, "unknown store flags 0x%x", flags);
        goto fail;
    }
    if ((flags & GV_STORE_CREATE) && (flags & GV_STORE_READONLY)) {
        gv_error_set(err, GV_EINVAL, "a store cannot be created read-only");
        goto fail;
    }
    for (size_t i = 0; i < N_ENGINES && !engine; i++)
        if (engines[i]->match(location, &rest))
            engine = engines[i];
    if (!engine) {
        gv_error_set(err, GV_EINVAL,
                     "no storage engine for \"%.200s\"; give a file path, sqlite:<path>, "
                     "postgresql://... or memory:",
                     location);
        goto fail;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        gv_error_set(err, GV_ENOMEM, "out of memory opening %.200s", location);
        goto fail;
    }
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        s = NULL;
        gv_error_set(err, GV_ENOMEM, "cannot create a mutex for %.200s", location);
        goto fail;
    }
    s->engine = engine;
    s->flags = flags;
    s->impl = engine->open(rest, flags, err);
    if (!s->impl)
        goto fail;
    return s;

fail:
    if (s) {
        pthread_mutex_destroy(&s->mu);
        free(s);
    }
    return NULL;
}

gv_store *gv_store_open_memory(gv_error *err)
{
    return gv_store_open("memory:", GV_STORE_CREATE, err);
}

void gv_store_close(gv_store *s)
{
    if (!s)
        return;
    s->engine->close(s->impl);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *gv_store_engine(const gv_store *s)
{
    return s->engine->name;
}

void gv_store_describe(const char *location, char *out, size_t size)
{
    const char *rest;
    if (!size)
        return;
    if (location && gv__engine_pg.match(location, &rest))
        gv__pg_describe(location, out, size);
    else
        snprintf(out, size, "%s", location ? location : "");
}

/* ---- forced failures -------------------------------------------------- */

void gv_store_fail_next(gv_store *s, gv_store_fault where, int skip, int n, int code)
{
    if (where != GV_STORE_FAULT_WRITE && where != GV_STORE_FAULT_COMMIT)
        return;
    pthread_mutex_lock(&s->mu);
    s->faults[where].skip = skip > 0 ? skip : 0;
    s->faults[where].n = n > 0 ? n : 0;
    s->faults[where].code = code < 0 ? code : GV_EIO;
    pthread_mutex_unlock(&s->mu);
}

/* Returns 0, or the forced failure's code (with err set) when one is due. */
int gv__store_fault_due(gv_store *s, gv_store_fault where, gv_error *err)
{
    gv__fault *f = &s->faults[where];
    if (f->n <= 0)
        return 0;
    if (f->skip > 0) {
        f->skip--;
        return 0;
    }
    f->n--;
    return gv_error_set(err, f->code, "forced %s failure (fault injection): %s",
                        where == GV_STORE_FAULT_WRITE ? "write" : "commit", gv_error_name(f->code));
}

/* ---- appends ---------------------------------------------------------- */

int gv__store_append_locked(gv_store *s, const char *meeting_id, bool create,
                            const unsigned char *after, const gv_event_in *events, size_t n,
                            gv__append_result *res, gv_error *err)
{
    const gv__store_engine *eng = s->engine;
    int64_t head = 0;
    unsigned char prev[GV_HASH_BYTES];
    int rc;

    if (s->flags & GV_STORE_READONLY)
        return gv_error_set(err, GV_EPERM,
                            "the store was opened read-only; meeting %s was not changed",
                            meeting_id);
    if (create) {
        rc = eng->create_meeting(s->impl, meeting_id, gv__store_now_ms(), err);
        if (rc)
            return rc;
    }
    rc = eng->head(s->impl, meeting_id, &head, prev, err);
    if (rc)
        return rc;
    if (n > 0 && head > INT64_MAX - (int64_t)n)
        return gv_error_set(err, GV_ELIMIT, "meeting %s: the log is full (seq %" PRId64 ")",
                            meeting_id, head);
    /* Every seq is checked before the first write, so a refused append
     * writes nothing even before its rollback. */
    for (size_t i = 0; i < n; i++) {
        int64_t want = head + 1 + (int64_t)i;
        if (events[i].seq != want)
            return gv_error_set(err, GV_ESTATE,
                                "meeting %s: event %zu of %zu has seq %" PRId64
                                " but the log ends at seq %" PRId64 ", so seq %" PRId64
                                " was expected; nothing was stored (reload the meeting and "
                                "retry)",
                                meeting_id, i + 1, n, events[i].seq, head, want);
    }
    /* The seq follows, but is the event before it the one the caller
     * decided after? Another writer's event in its place is not. */
    if (after && memcmp(after, prev, GV_HASH_BYTES) != 0)
        return gv_error_set(err, GV_ESTATE,
                            "meeting %s: event %" PRId64 " of the log is not the one this change "
                            "was decided after (another writer stored its own first); nothing "
                            "was stored: read the log again and decide again",
                            meeting_id, head);
    for (size_t i = 0; i < n; i++) {
        gv_stored_event ev = {
            .seq = events[i].seq,
            .type = events[i].type,
            .at_ms = events[i].at_ms,
            .bytes = events[i].bytes,
            .len = events[i].len,
        };
        rc = gv__store_fault_due(s, GV_STORE_FAULT_WRITE, err);
        if (rc)
            return rc;
        gv_hash_event(prev, ev.bytes, ev.len, ev.hash);
        rc = eng->insert(s->impl, meeting_id, &ev, err);
        if (rc)
            return rc;
        memcpy(prev, ev.hash, GV_HASH_BYTES);
    }
    if (res) {
        res->first_seq = n ? events[0].seq : 0;
        res->last_seq = head + (int64_t)n;
        memcpy(res->head, prev, GV_HASH_BYTES);
    }
    return 0;
}

int gv__store_commit_locked(gv_store *s, gv_error *err)
{
    int rc = gv__store_fault_due(s, GV_STORE_FAULT_COMMIT, err);
    if (rc)
        return rc;
    return s->engine->commit(s->impl, err);
}

bool gv__store_commit_in_doubt(gv_store *s)
{
    return s->engine->commit_in_doubt && s->engine->commit_in_doubt(s->impl);
}

/* One append in its own transaction, for callers without a writer. */
static int append_tx(gv_store *s, const char *meeting_id, bool create, const gv_event_in *events,
                     size_t n, gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    rc = gv__store_check_events(events, n, err);
    if (rc)
        return rc;
    if (n == 0 && !create)
        return 0;

    pthread_mutex_lock(&s->mu);
    rc = s->engine->begin(s->impl, err);
    if (rc)
        goto done;
    rc = gv__store_append_locked(s, meeting_id, create, NULL, events, n, NULL, err);
    if (rc == 0)
        rc = gv__store_commit_locked(s, err);
    if (rc)
        s->engine->rollback(s->impl);
done:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int gv_store_create_meeting(gv_store *s, const char *meeting_id, const gv_event_in *events,
                            size_t n, gv_error *err)
{
    return append_tx(s, meeting_id, true, events, n, err);
}

int gv_store_append(gv_store *s, const char *meeting_id, const gv_event_in *events, size_t n,
                    gv_error *err)
{
    return append_tx(s, meeting_id, false, events, n, err);
}

/* ---- reading ---------------------------------------------------------- */

int gv_store_list_meetings(gv_store *s, gv_store_meeting_fn fn, void *ud, gv_error *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = s->engine->list_meetings(s->impl, fn, ud, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int gv_store_read(gv_store *s, const char *meeting_id, int64_t after_seq, gv_store_event_fn fn,
                  void *ud, gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->read(s->impl, meeting_id, after_seq < 0 ? 0 : after_seq, fn, ud, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int gv_store_head(gv_store *s, const char *meeting_id, int64_t *seq,
                  unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    int64_t h_seq = 0;
    unsigned char h_hash[GV_HASH_BYTES];
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->head(s->impl, meeting_id, &h_seq, h_hash, err);
    pthread_mutex_unlock(&s->mu);
    if (rc)
        return rc;
    if (seq)
        *seq = h_seq;
    if (hash)
        memcpy(hash, h_hash, GV_HASH_BYTES);
    return 0;
}

int gv_store_check(gv_store *s, gv_error *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = s->engine->check(s->impl, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- snapshots -------------------------------------------------------- */

/* The hash of one stored event, found by a read that stops at it. */
typedef struct event_hash {
    int64_t seq;
    bool found;
    unsigned char hash[GV_HASH_BYTES];
} event_hash;

static int take_hash(void *ud, const gv_stored_event *ev)
{
    event_hash *h = ud;
    h->found = ev->seq == h->seq;
    memcpy(h->hash, ev->hash, GV_HASH_BYTES);
    return 1;
}

int gv__store_event_hash_locked(gv_store *s, const char *meeting_id, int64_t seq,
                                unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    event_hash at = {.seq = seq};
    int rc = s->engine->read(s->impl, meeting_id, seq - 1, take_hash, &at, err);
    if (rc < 0)
        return rc;
    if (!at.found)
        return 0;
    memcpy(hash, at.hash, GV_HASH_BYTES);
    return 1;
}

int gv__store_check_snapshot(const char *meeting_id, int64_t seq, const unsigned char *bytes,
                             size_t len, gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    if (seq < 1 || !bytes || len == 0)
        return gv_error_set(err, GV_EINVAL, "a snapshot needs a seq of 1 or more and its bytes");
    if (len > GV_SNAPSHOT_MAX_BYTES)
        return gv_error_set(err, GV_ELIMIT, "a snapshot of %zu bytes; at most %u are stored", len,
                            GV_SNAPSHOT_MAX_BYTES);
    return 0;
}

int gv__store_put_snapshot_locked(gv_store *s, const char *meeting_id, int64_t seq, int version,
                                  const unsigned char *bytes, size_t len, gv_error *err)
{
    const gv__store_engine *eng = s->engine;
    int64_t head = 0;
    unsigned char ignored[GV_HASH_BYTES], hash[GV_HASH_BYTES], at[GV_HASH_BYTES];
    int rc;
    if (s->flags & GV_STORE_READONLY)
        return gv_error_set(err, GV_EPERM, "the store was opened read-only; no snapshot stored");
    if ((rc = eng->head(s->impl, meeting_id, &head, ignored, err)))
        return rc;
    if (seq > head)
        return gv_error_set(err, GV_ESTATE,
                            "meeting %s: a snapshot at seq %" PRId64
                            " but the log ends at seq %" PRId64,
                            meeting_id, seq, head);
    rc = gv__store_event_hash_locked(s, meeting_id, seq, at, err);
    if (rc == 1)
        rc = 0;
    else if (rc == 0)
        rc = gv_error_set(err, GV_ECORRUPT, "meeting %s: event %" PRId64 " is missing", meeting_id,
                          seq);
    if (rc)
        return rc;
    crypto_generichash(hash, GV_HASH_BYTES, bytes, len, NULL, 0);
    gv_stored_snapshot snap = {.seq = seq, .version = version, .bytes = bytes, .len = len};
    memcpy(snap.head, at, GV_HASH_BYTES);
    return eng->put_snapshot(s->impl, meeting_id, &snap, hash, err);
}

int gv_store_put_snapshot(gv_store *s, const char *meeting_id, int64_t seq, int version,
                          const unsigned char *bytes, size_t len, gv_error *err)
{
    int rc = gv__store_check_snapshot(meeting_id, seq, bytes, len, err);
    if (rc)
        return rc;
    if (s->flags & GV_STORE_READONLY)
        return gv_error_set(err, GV_EPERM, "the store was opened read-only; no snapshot stored");
    pthread_mutex_lock(&s->mu);
    if ((rc = s->engine->begin(s->impl, err)))
        goto done;
    if ((rc = gv__store_put_snapshot_locked(s, meeting_id, seq, version, bytes, len, err)) ||
        (rc = gv__store_commit_locked(s, err)))
        goto rollback;
    goto done;
rollback:
    s->engine->rollback(s->impl);
done:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

typedef struct snap_check {
    const char *meeting;
    gv_store_snapshot_fn fn;
    void *ud;
    gv_error *err;
} snap_check;

static int check_snapshot(void *ud, const gv_stored_snapshot *snap,
                          const unsigned char hash[GV_HASH_BYTES])
{
    snap_check *c = ud;
    unsigned char h[GV_HASH_BYTES];
    crypto_generichash(h, GV_HASH_BYTES, snap->bytes, snap->len, NULL, 0);
    if (sodium_memcmp(h, hash, GV_HASH_BYTES) != 0)
        return gv_error_set(c->err, GV_ECORRUPT,
                            "meeting %s: the snapshot at seq %" PRId64
                            " is damaged (its bytes do not match their hash)",
                            c->meeting, snap->seq);
    return c->fn(c->ud, snap);
}

int gv_store_get_snapshot(gv_store *s, const char *meeting_id, int64_t max_seq,
                          gv_store_snapshot_fn fn, void *ud, gv_error *err)
{
    snap_check c = {.meeting = meeting_id, .fn = fn, .ud = ud, .err = err};
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->get_snapshot(s->impl, meeting_id, max_seq, check_snapshot, &c, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int gv_store_snapshot_seqs(gv_store *s, const char *meeting_id, gv_store_seq_fn fn, void *ud,
                           gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->snapshot_seqs(s->impl, meeting_id, fn, ud, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- verification ----------------------------------------------------- */

/** what verify_event returns to stop at the head read before the walk */
#define VERIFY_DONE 2

typedef struct verify_state {
    const char *meeting;
    unsigned char prev[GV_HASH_BYTES];
    int64_t expect; /** the seq the next event must carry */
    int64_t head;   /** the last seq when the walk started; later appends are not walked */
    int64_t bad;    /** first failing seq, 0 while all is well */
    int (*check)(void *ud, const gv_stored_event *ev, gv_error *err);
    void *ud;
    gv_error *err;
} verify_state;

static int verify_event(void *ud, const gv_stored_event *ev)
{
    verify_state *st = ud;
    unsigned char h[GV_HASH_BYTES];

    /* Another writer may append while the walk runs (a live database). */
    if (ev->seq == st->expect && ev->seq > st->head)
        return VERIFY_DONE;
    if (ev->seq != st->expect) {
        st->bad = st->expect;
        if (ev->seq > st->expect)
            gv_error_set(st->err, GV_ECORRUPT,
                         "meeting %s: event %" PRId64 " is missing (the log goes from seq %" PRId64
                         " to seq %" PRId64 "); the record is incomplete from there on",
                         st->meeting, st->expect, st->expect - 1, ev->seq);
        else
            gv_error_set(st->err, GV_ECORRUPT,
                         "meeting %s: seq %" PRId64 " appears again after seq %" PRId64
                         "; the record is damaged from event %" PRId64 " on",
                         st->meeting, ev->seq, st->expect - 1, st->expect);
        return 1;
    }
    gv_hash_event(st->prev, ev->bytes, ev->len, h);
    if (sodium_memcmp(h, ev->hash, GV_HASH_BYTES) != 0) {
        st->bad = ev->seq;
        gv_error_set(st->err, GV_ECORRUPT,
                     "meeting %s: event %" PRId64 " does not match its stored hash: its bytes "
                     "were changed after it was written%s; events before it verify",
                     st->meeting, ev->seq,
                     ev->seq > 1 ? " (or the hash of the event before it was rewritten)" : "");
        return 1;
    }
    if (st->check) {
        gv_error cerr;
        gv_error_clear(&cerr);
        if (st->check(st->ud, ev, &cerr) != 0) {
            st->bad = ev->seq;
            gv_error_set(st->err, GV_ECORRUPT, "meeting %s: event %" PRId64 ": %s", st->meeting,
                         ev->seq, cerr.msg[0] ? cerr.msg : "refused by the caller's check");
            return 1;
        }
    }
    memcpy(st->prev, h, GV_HASH_BYTES);
    st->expect++;
    return 0;
}

int gv_store_verify_chain(gv_store *s, const char *meeting_id,
                          int (*check)(void *ud, const gv_stored_event *ev, gv_error *err),
                          void *ud, int64_t *first_bad_seq, gv_error *err)
{
    verify_state st = {.meeting = meeting_id, .expect = 1, .check = check, .ud = ud, .err = err};
    int64_t head = 0;
    unsigned char head_hash[GV_HASH_BYTES];
    int rc;

    if (first_bad_seq)
        *first_bad_seq = 0;
    rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    memset(st.prev, 0, sizeof st.prev);
    pthread_mutex_lock(&s->mu);
    rc = s->engine->head(s->impl, meeting_id, &head, head_hash, err);
    st.head = head;
    if (rc == 0)
        rc = s->engine->read(s->impl, meeting_id, 0, verify_event, &st, err);
    pthread_mutex_unlock(&s->mu);
    if (rc == VERIFY_DONE)
        rc = 0;
    if (rc == 1) {
        rc = GV_ECORRUPT;
    } else if (rc == GV_ECORRUPT) {
        /* The engine refused a row it could not decode: the first event
         * not yet verified is where the damage starts. */
        st.bad = st.expect;
    } else if (rc == 0 && (st.expect - 1 != head ||
                           (head > 0 && sodium_memcmp(st.prev, head_hash, GV_HASH_BYTES) != 0))) {
        /* The head is found by another path through the file (the last
         * key) than the events (in order); a damaged index can hide a
         * tail of the log from the walk, which the chain alone cannot see. */
        st.bad = st.expect - 1 < head ? st.expect : head;
        rc = gv_error_set(err, GV_ECORRUPT,
                          "meeting %s: reading the log in order ends at event %" PRId64
                          " but its last event is %" PRId64
                          "; the file is damaged from event %" PRId64 " on",
                          meeting_id, st.expect - 1, head, st.bad);
    }
    if (first_bad_seq)
        *first_bad_seq = st.bad;
    return rc;
}

/*
 * The in-memory engine: the reference for what an engine does, and the store
 * of tests that need no file. Everything is gone when the handle closes.
 *
 * Meetings are kept in an array sorted by id (so lookups are a binary search
 * and listing is in id order, as in SQLite); each meeting holds its events in
 * an array where event k sits at index k - 1.
 *
 * Transactions keep an undo log: every change (a meeting created, an event
 * appended) pushes one entry first, so rolling back pops the entries in
 * reverse and can never fail for lack of memory. A savepoint is a position
 * in that log. Commit forgets the log.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"

typedef struct mem_event {
    int64_t seq;
    int64_t at_ms;
    char *type;
    unsigned char *bytes;
    size_t len;
    unsigned char hash[GV_HASH_BYTES];
} mem_event;

typedef struct mem_snapshot {
    gv_stored_snapshot s; /** its bytes are owned */
    unsigned char hash[GV_HASH_BYTES];
} mem_snapshot;

/* A meeting's snapshots, ascending by seq. */
typedef struct mem_snapshots {
    mem_snapshot *a;
    size_t n;
} mem_snapshots;

/* A file beside the log: the row as stored, its strings and bytes owned. */
typedef struct mem_file {
    gv_stored_file f;
} mem_file;

typedef struct mem_meeting {
    char *id;
    int64_t created_at_ms;
    mem_event *events; /** events[k - 1] is event k */
    size_t n, cap;
    mem_snapshots snaps;
    mem_file *files; /** ascending by hash */
    size_t n_files, cap_files;
} mem_meeting;

typedef struct mem_undo {
    enum { UNDO_MEETING_CREATED, UNDO_EVENT_APPENDED, UNDO_SNAPSHOTS, UNDO_FILE_ADDED } kind;
    mem_meeting *m;
    mem_snapshots was; /** UNDO_SNAPSHOTS: the set it replaced, owned until commit */
    size_t file;       /** UNDO_FILE_ADDED: where the file went in m->files */
} mem_undo;

struct gv__engine_impl {
    mem_meeting **meetings; /** sorted by id */
    size_t n, cap;
    bool in_tx;
    mem_undo *undo;
    size_t n_undo, cap_undo;
    size_t savepoint; /** undo-log length at the savepoint */
    bool has_savepoint;
};

static bool mem_match(const char *location, const char **rest)
{
    /* ":memory:" too, so that SQLite's spelling never creates a file by
     * that name in the current folder. */
    if (strcmp(location, "memory:") != 0 && strcmp(location, ":memory:") != 0)
        return false;
    *rest = "";
    return true;
}

static gv__engine_impl *mem_open(const char *rest, unsigned flags, gv_error *err)
{
    (void)rest;
    (void)flags;
    gv__engine_impl *e = calloc(1, sizeof *e);
    if (!e)
        gv_error_set(err, GV_ENOMEM, "out of memory opening an in-memory store");
    return e;
}

static void snapshots_free(mem_snapshots *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free((void *)ss->a[i].s.bytes);
    free(ss->a);
    ss->a = NULL;
    ss->n = 0;
}

static void file_release(mem_file *f)
{
    free((void *)f->f.media_type);
    free((void *)f->f.bytes);
}

static void meeting_free(mem_meeting *m)
{
    snapshots_free(&m->snaps);
    for (size_t i = 0; i < m->n_files; i++)
        file_release(&m->files[i]);
    free(m->files);
    for (size_t i = 0; i < m->n; i++) {
        free(m->events[i].type);
        free(m->events[i].bytes);
    }
    free(m->events);
    free(m->id);
    free(m);
}

static void mem_close(gv__engine_impl *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++)
        meeting_free(e->meetings[i]);
    free(e->meetings);
    free(e->undo);
    free(e);
}

/* Index of the meeting with this id, or where it would be inserted. */
static size_t find_pos(const gv__engine_impl *e, const char *id, bool *found)
{
    size_t lo = 0, hi = e->n;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->meetings[mid]->id, id);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static mem_meeting *find(const gv__engine_impl *e, const char *id)
{
    bool found;
    size_t i = find_pos(e, id, &found);
    return found ? e->meetings[i] : NULL;
}

static int not_found(const char *id, gv_error *err)
{
    return gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" in this store", id);
}

/* Makes room for one more undo entry, so that the change can be undone. */
static int reserve_undo(gv__engine_impl *e, gv_error *err)
{
    if (GV_ARRAY_RESERVE(e->undo, e->cap_undo, e->n_undo + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory in a transaction");
    return 0;
}

static void undo_one(gv__engine_impl *e, const mem_undo *u)
{
    mem_meeting *m = u->m;
    if (u->kind == UNDO_SNAPSHOTS) {
        snapshots_free(&m->snaps);
        m->snaps = u->was;
        return;
    }
    if (u->kind == UNDO_FILE_ADDED) {
        file_release(&m->files[u->file]);
        memmove(&m->files[u->file], &m->files[u->file + 1],
                (m->n_files - u->file - 1) * sizeof m->files[0]);
        m->n_files--;
        return;
    }
    if (u->kind == UNDO_EVENT_APPENDED) {
        mem_event *ev = &m->events[--m->n];
        free(ev->type);
        free(ev->bytes);
        return;
    }
    /* Entries are undone newest first, so the meeting's events are gone. */
    bool found;
    size_t i = find_pos(e, m->id, &found);
    if (found) {
        memmove(&e->meetings[i], &e->meetings[i + 1], (e->n - i - 1) * sizeof e->meetings[0]);
        e->n--;
    }
    meeting_free(m);
}

static void undo_to(gv__engine_impl *e, size_t len)
{
    while (e->n_undo > len)
        undo_one(e, &e->undo[--e->n_undo]);
}

static int mem_begin(gv__engine_impl *e, gv_error *err)
{
    if (e->in_tx)
        return gv_error_set(err, GV_ESTATE, "a transaction is already open on this store");
    e->in_tx = true;
    e->n_undo = 0;
    e->has_savepoint = false;
    return 0;
}

/* Frees what the undo log kept for a rollback that will not come. */
static void undo_forget(gv__engine_impl *e)
{
    for (size_t i = 0; i < e->n_undo; i++)
        if (e->undo[i].kind == UNDO_SNAPSHOTS)
            snapshots_free(&e->undo[i].was);
    e->n_undo = 0;
}

static int mem_commit(gv__engine_impl *e, gv_error *err)
{
    if (!e->in_tx)
        return gv_error_set(err, GV_ESTATE, "no transaction is open on this store");
    undo_forget(e);
    e->in_tx = false;
    e->n_undo = 0;
    e->has_savepoint = false;
    return 0;
}

static void mem_rollback(gv__engine_impl *e)
{
    if (!e->in_tx)
        return;
    undo_to(e, 0);
    e->in_tx = false;
    e->has_savepoint = false;
}

static int mem_savepoint(gv__engine_impl *e, gv_error *err)
{
    if (!e->in_tx || e->has_savepoint)
        return gv_error_set(err, GV_ESTATE, "a savepoint needs an open transaction, one at a time");
    e->savepoint = e->n_undo;
    e->has_savepoint = true;
    return 0;
}

static int mem_release(gv__engine_impl *e, gv_error *err)
{
    if (!e->has_savepoint)
        return gv_error_set(err, GV_ESTATE, "no savepoint to release");
    e->has_savepoint = false;
    return 0;
}

static int mem_rollback_to(gv__engine_impl *e, gv_error *err)
{
    if (!e->has_savepoint)
        return gv_error_set(err, GV_ESTATE, "no savepoint to roll back to");
    undo_to(e, e->savepoint);
    e->has_savepoint = false;
    return 0;
}

static int mem_create_meeting(gv__engine_impl *e, const char *id, int64_t created_at_ms,
                              gv_error *err)
{
    mem_meeting *m = NULL;
    bool found;
    size_t pos = find_pos(e, id, &found);
    int rc;

    if (found)
        return gv_error_set(err, GV_ESTATE, "meeting \"%s\" already exists in this store", id);
    if ((rc = reserve_undo(e, err)))
        return rc;
    if (GV_ARRAY_RESERVE(e->meetings, e->cap, e->n + 1) < 0)
        goto nomem;
    m = calloc(1, sizeof *m);
    if (!m || !(m->id = strdup(id)))
        goto nomem;
    m->created_at_ms = created_at_ms;
    memmove(&e->meetings[pos + 1], &e->meetings[pos], (e->n - pos) * sizeof e->meetings[0]);
    e->meetings[pos] = m;
    e->n++;
    e->undo[e->n_undo++] = (mem_undo){.kind = UNDO_MEETING_CREATED, .m = m};
    return 0;

nomem:
    if (m)
        meeting_free(m);
    return gv_error_set(err, GV_ENOMEM, "out of memory creating meeting %s", id);
}

static int mem_insert(gv__engine_impl *e, const char *meeting, const gv_stored_event *ev,
                      gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    mem_event nev = {.seq = ev->seq, .at_ms = ev->at_ms, .len = ev->len};
    int rc;

    if (!m)
        return not_found(meeting, err);
    if (ev->seq != (int64_t)m->n + 1)
        return gv_error_set(err, GV_ESTATE, "meeting %s: seq %lld does not follow %zu", meeting,
                            (long long)ev->seq, m->n);
    if ((rc = reserve_undo(e, err)))
        return rc;
    if (GV_ARRAY_RESERVE(m->events, m->cap, m->n + 1) < 0)
        goto nomem;
    nev.type = strdup(ev->type);
    nev.bytes = malloc(ev->len);
    if (!nev.type || !nev.bytes)
        goto nomem;
    memcpy(nev.bytes, ev->bytes, ev->len);
    memcpy(nev.hash, ev->hash, GV_HASH_BYTES);
    m->events[m->n++] = nev;
    e->undo[e->n_undo++] = (mem_undo){.kind = UNDO_EVENT_APPENDED, .m = m};
    return 0;

nomem:
    free(nev.type);
    free(nev.bytes);
    return gv_error_set(err, GV_ENOMEM, "out of memory appending to meeting %s", meeting);
}

static int mem_head(gv__engine_impl *e, const char *meeting, int64_t *seq,
                    unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    if (!m)
        return not_found(meeting, err);
    *seq = (int64_t)m->n;
    if (m->n)
        memcpy(hash, m->events[m->n - 1].hash, GV_HASH_BYTES);
    else
        memset(hash, 0, GV_HASH_BYTES);
    return 0;
}

static int mem_read(gv__engine_impl *e, const char *meeting, int64_t after_seq,
                    gv_store_event_fn fn, void *ud, gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    if (!m)
        return not_found(meeting, err);
    for (size_t i = (size_t)after_seq; i < m->n; i++) {
        const mem_event *me = &m->events[i];
        gv_stored_event ev = {.seq = me->seq,
                              .type = me->type,
                              .at_ms = me->at_ms,
                              .bytes = me->bytes,
                              .len = me->len};
        memcpy(ev.hash, me->hash, GV_HASH_BYTES);
        int rc = fn(ud, &ev);
        if (rc)
            return rc;
    }
    return 0;
}

static int mem_list(gv__engine_impl *e, gv_store_meeting_fn fn, void *ud, gv_error *err)
{
    (void)err;
    for (size_t i = 0; i < e->n; i++) {
        const mem_meeting *m = e->meetings[i];
        gv_meeting_info info = {
            .id = m->id, .created_at_ms = m->created_at_ms, .last_seq = (int64_t)m->n};
        int rc = fn(ud, &info);
        if (rc)
            return rc;
    }
    return 0;
}

static int mem_check(gv__engine_impl *e, gv_error *err)
{
    (void)e;
    (void)err;
    return 0;
}

/* ---- snapshots ---------------------------------------------------------- */

/* The new set (a copy of the newest older snapshot, and this one) is built
 * whole before it replaces the old set, which the undo log keeps until the
 * transaction ends. */
static int mem_put_snapshot(gv__engine_impl *e, const char *meeting, const gv_stored_snapshot *snap,
                            const unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    int rc;
    if (!m)
        return not_found(meeting, err);
    if ((rc = reserve_undo(e, err)))
        return rc;
    /* Kept: the newest snapshot before this one, and this one. */
    const mem_snapshot *keep = NULL;
    for (size_t i = 0; i < m->snaps.n; i++)
        if (m->snaps.a[i].s.seq < snap->seq)
            keep = &m->snaps.a[i];
    mem_snapshots next = {.a = calloc(2, sizeof(mem_snapshot))};
    unsigned char *bytes = malloc(snap->len);
    unsigned char *kept = keep ? malloc(keep->s.len) : NULL;
    if (!next.a || !bytes || (keep && !kept)) {
        free(next.a);
        free(bytes);
        free(kept);
        return gv_error_set(err, GV_ENOMEM, "out of memory storing a snapshot of %s", meeting);
    }
    if (keep) {
        next.a[0] = *keep;
        next.a[0].s.bytes = memcpy(kept, keep->s.bytes, keep->s.len);
        next.n = 1;
    }
    next.a[next.n].s = *snap;
    next.a[next.n].s.bytes = memcpy(bytes, snap->bytes, snap->len);
    memcpy(next.a[next.n].hash, hash, GV_HASH_BYTES);
    next.n++;
    e->undo[e->n_undo++] = (mem_undo){.kind = UNDO_SNAPSHOTS, .m = m, .was = m->snaps};
    m->snaps = next;
    return 0;
}

static int mem_get_snapshot(gv__engine_impl *e, const char *meeting, int64_t max_seq,
                            gv__snapshot_fn fn, void *ud, gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    for (size_t i = m ? m->snaps.n : 0; i-- > 0;)
        if (m->snaps.a[i].s.seq <= max_seq)
            return fn(ud, &m->snaps.a[i].s, m->snaps.a[i].hash);
    return gv_error_set(err, GV_ENOTFOUND, "meeting %s has no snapshot at or before seq %lld",
                        meeting, (long long)max_seq);
}

static int mem_snapshot_seqs(gv__engine_impl *e, const char *meeting, gv_store_seq_fn fn, void *ud,
                             gv_error *err)
{
    (void)err;
    mem_meeting *m = find(e, meeting);
    for (size_t i = 0; m && i < m->snaps.n; i++) {
        int rc = fn(ud, m->snaps.a[i].s.seq);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- files ------------------------------------------------------------- */

/* Where the file of this hash is in m->files, or would go. */
static size_t file_pos(const mem_meeting *m, const unsigned char hash[GV_FILE_HASH_BYTES],
                       bool *found)
{
    size_t lo = 0, hi = m->n_files;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(m->files[mid].f.hash, hash, GV_FILE_HASH_BYTES);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int mem_put_file(gv__engine_impl *e, const char *meeting, const gv_stored_file *f,
                        gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    bool found;
    int rc;
    if (!m)
        return not_found(meeting, err);
    size_t pos = file_pos(m, f->hash, &found);
    if (found)
        return 0;
    if ((rc = reserve_undo(e, err)))
        return rc;
    mem_file nf = {.f = *f};
    nf.f.media_type = strdup(f->media_type);
    nf.f.bytes = malloc(f->len);
    if (!nf.f.media_type || !nf.f.bytes ||
        GV_ARRAY_RESERVE(m->files, m->cap_files, m->n_files + 1) < 0) {
        file_release(&nf);
        return gv_error_set(err, GV_ENOMEM, "out of memory storing a file of %s", meeting);
    }
    memcpy((void *)nf.f.bytes, f->bytes, f->len);
    memmove(&m->files[pos + 1], &m->files[pos], (m->n_files - pos) * sizeof m->files[0]);
    m->files[pos] = nf;
    m->n_files++;
    e->undo[e->n_undo++] = (mem_undo){.kind = UNDO_FILE_ADDED, .m = m, .file = pos};
    return 0;
}

static int mem_get_file(gv__engine_impl *e, const char *meeting,
                        const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                        gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    bool found = false;
    size_t pos = m ? file_pos(m, hash, &found) : 0;
    if (!found) {
        char hex[GV_HASH_HEX_SIZE];
        gv_hash_to_hex(hash, hex);
        return gv_error_set(err, GV_ENOTFOUND, "meeting %s has no file %s", meeting, hex);
    }
    return fn(ud, &m->files[pos].f);
}

static int mem_list_files(gv__engine_impl *e, const char *meeting, gv_store_file_fn fn, void *ud,
                          gv_error *err)
{
    mem_meeting *m = find(e, meeting);
    if (!m)
        return not_found(meeting, err);
    for (size_t i = 0; i < m->n_files; i++) {
        gv_stored_file f = m->files[i].f;
        f.bytes = NULL;
        f.len = 0;
        int rc = fn(ud, &f);
        if (rc)
            return rc;
    }
    return 0;
}

const gv__store_engine gv__engine_memory = {
    .name = "memory",
    .match = mem_match,
    .open = mem_open,
    .close = mem_close,
    .begin = mem_begin,
    .commit = mem_commit,
    .rollback = mem_rollback,
    .savepoint = mem_savepoint,
    .release = mem_release,
    .rollback_to = mem_rollback_to,
    .create_meeting = mem_create_meeting,
    .insert = mem_insert,
    .head = mem_head,
    .read = mem_read,
    .list_meetings = mem_list,
    .check = mem_check,
    .put_snapshot = mem_put_snapshot,
    .get_snapshot = mem_get_snapshot,
    .snapshot_seqs = mem_snapshot_seqs,
    .put_file = mem_put_file,
    .get_file = mem_get_file,
    .list_files = mem_list_files,
};

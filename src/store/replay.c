/*
 * Replay of a stored log into a meeting. The store guarantees order and the
 * hash chain; this file adds what only the model can check: that the bytes are
 * one canonical JSON object, that the columns the store indexes (seq, type,
 * at_ms) say the same as the bytes, and that the event fits the state.
 *
 * Snapshots (core/snapshot.h) are stored as their canonical bytes, every
 * GV_SNAPSHOT_EVERY events by default. Loading starts from the newest one
 * that restores and is tied to the log: its head hash, chained with the
 * next stored event's bytes, must give that event's stored hash (or equal
 * the log's head when no event follows). Anything else about a snapshot is
 * `gavel verify`'s to check, which compares each one with the fold of the
 * whole log (gv_snapshot_check).
 */
#include "store/replay.h"

#include "core/snapshot.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *gv_replay_parse(const gv_stored_event *ev, gv_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        gv_error_set(err, GV_ECORRUPT, "event %lld is not valid JSON: %s (column %d)",
                     (long long)ev->seq, jerr.text, jerr.column);
        return NULL;
    }
    char *canon = gv_event_canonical(j);
    bool canonical = canon && strlen(canon) == ev->len && memcmp(canon, ev->bytes, ev->len) == 0;
    free(canon);
    json_t *seq = json_object_get(j, "seq"), *type = json_object_get(j, "type"),
           *at = json_object_get(j, "at_ms");
    if (!canonical || !json_is_integer(seq) || json_integer_value(seq) != ev->seq ||
        !json_is_string(type) || strcmp(json_string_value(type), ev->type) != 0 ||
        !json_is_integer(at) || json_integer_value(at) != ev->at_ms) {
        gv_error_set(err, GV_ECORRUPT,
                     "event %lld: its bytes do not match what was stored with them "
                     "(sequence, type, time or canonical form)",
                     (long long)ev->seq);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Parses, checks and applies one stored event; *out gets the parsed event
 * (the caller's) on success. */
static int apply_stored(gv_meeting *m, const gv_stored_event *ev, json_t **out, gv_error *err)
{
    json_t *j = gv_replay_parse(ev, err);
    if (!j)
        return err ? err->code : GV_ECORRUPT;
    gv_error why;
    int rc = gv_meeting_apply(m, j, &why);
    if (rc < 0) {
        json_decref(j);
        return gv_error_set(err, rc == GV_ENOMEM ? GV_ENOMEM : GV_ECORRUPT,
                            "event %lld (%s) does not fit the meeting: %s", (long long)ev->seq,
                            ev->type, why.msg);
    }
    *out = j;
    return 0;
}

int gv_replay_event(gv_meeting *m, const gv_stored_event *ev, gv_error *err)
{
    json_t *j = NULL;
    int rc = apply_stored(m, ev, &j, err);
    json_decref(j);
    return rc;
}

typedef struct range_ctx {
    gv_meeting *m;
    int64_t upto_seq;
    gv_replay_fn each;
    void *ud;
    gv_error *err;
    bool past; /** read past upto_seq: stopped there */
} range_ctx;

static int range_one(void *ud, const gv_stored_event *ev)
{
    range_ctx *r = ud;
    if (r->upto_seq > 0 && ev->seq > r->upto_seq) {
        r->past = true;
        return 1;
    }
    json_t *j = NULL;
    int rc = apply_stored(r->m, ev, &j, r->err);
    if (rc == 0 && r->each)
        rc = r->each(r->ud, ev, j);
    json_decref(j);
    return rc;
}

int gv_replay_range(gv_store *s, const char *meeting_id, int64_t after_seq, int64_t upto_seq,
                    gv_meeting *m, gv_replay_fn each, void *ud, gv_error *err)
{
    gv_error local = {0};
    range_ctx r = {m, upto_seq, each, ud, err ? err : &local, false};
    int rc = gv_store_read(s, meeting_id, after_seq, range_one, &r, r.err);
    return r.past ? 0 : rc;
}

int gv_replay(gv_store *s, const char *meeting_id, gv_meeting **out, gv_error *err)
{
    *out = NULL;
    gv_meeting *m = gv_meeting_new();
    if (!m)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    int rc = gv_replay_range(s, meeting_id, 0, 0, m, NULL, NULL, err);
    if (rc != 0) {
        gv_meeting_free(m);
        return rc < 0 ? rc : (err && err->code ? err->code : GV_ECORRUPT);
    }
    *out = m;
    return 0;
}

/* ---- snapshots ---------------------------------------------------------- */

static char *snapshot_bytes(const gv_meeting *m)
{
    json_t *snap = gv_meeting_snapshot(m);
    char *bytes = snap ? gv_event_canonical(snap) : NULL;
    json_decref(snap);
    return bytes;
}

int gv_snapshot_store(gv_store *s, const char *meeting_id, const gv_meeting *m, gv_error *err)
{
    char *bytes = snapshot_bytes(m);
    if (!bytes)
        return gv_error_set(err, GV_ENOMEM, "out of memory taking a snapshot of %s", meeting_id);
    int rc = gv_store_put_snapshot(s, meeting_id, gv_meeting_seq(m), GV_SNAPSHOT_VERSION,
                                   (const unsigned char *)bytes, strlen(bytes), err);
    free(bytes);
    return rc;
}

int gv_snapshot_if_due(gv_store *s, const char *meeting_id, const gv_meeting *m, int64_t prev_seq,
                       int64_t every, gv_error *err)
{
    int64_t seq = gv_meeting_seq(m);
    if (every <= 0 || seq <= 0 || seq / every <= prev_seq / every)
        return 0;
    return gv_snapshot_store(s, meeting_id, m, err);
}

int gv_snapshot_check(const gv_meeting *m, const unsigned char head[GV_HASH_BYTES],
                      const gv_stored_snapshot *snap, gv_error *err)
{
    if (snap->version != GV_SNAPSHOT_VERSION)
        return gv_error_set(err, GV_ESTATE,
                            "the snapshot at seq %" PRId64
                            " is of format %d (this Gavel writes %d) "
                            "and was not compared",
                            snap->seq, snap->version, GV_SNAPSHOT_VERSION);
    if (memcmp(head, snap->head, GV_HASH_BYTES) != 0)
        return gv_error_set(err, GV_ECORRUPT,
                            "the snapshot at seq %" PRId64
                            " names another head hash than event %" PRId64 " of the log",
                            snap->seq, snap->seq);
    char *bytes = snapshot_bytes(m);
    if (!bytes)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    size_t len = strlen(bytes), at = 0;
    while (at < len && at < snap->len && bytes[at] == (char)snap->bytes[at])
        at++;
    free(bytes);
    if (at == len && len == snap->len)
        return 0;
    return gv_error_set(err, GV_ECORRUPT,
                        "the snapshot at seq %" PRId64 " is not the state its events fold to (they "
                        "differ from byte %zu on)",
                        snap->seq, at + 1);
}

typedef struct load_ctx {
    gv_meeting *m;                     /** restored, NULL until one is */
    unsigned char head[GV_HASH_BYTES]; /** the snapshot's head hash */
    gv_error why;                      /** why the snapshot was passed over */
} load_ctx;

static int take_snapshot(void *ud, const gv_stored_snapshot *snap)
{
    load_ctx *c = ud;
    json_error_t jerr;
    if (snap->version != GV_SNAPSHOT_VERSION)
        return gv_error_set(&c->why, GV_ESTATE, "the snapshot at seq %" PRId64 " is of format %d",
                            snap->seq, snap->version);
    json_t *j = json_loadb((const char *)snap->bytes, snap->len, 0, &jerr);
    if (!j)
        return gv_error_set(&c->why, GV_ECORRUPT, "the snapshot at seq %" PRId64 " is not JSON: %s",
                            snap->seq, jerr.text);
    int rc = gv_meeting_restore(j, &c->m, &c->why);
    json_decref(j);
    if (rc == 0 && gv_meeting_seq(c->m) != snap->seq) {
        rc = gv_error_set(&c->why, GV_ECORRUPT,
                          "the snapshot at seq %" PRId64 " holds the state at seq %" PRId64,
                          snap->seq, gv_meeting_seq(c->m));
        gv_meeting_free(c->m);
        c->m = NULL;
    }
    memcpy(c->head, snap->head, GV_HASH_BYTES);
    return rc;
}

/* The first stored event after the snapshot, to tie the two together. */
typedef struct next_ctx {
    const unsigned char *head;
    bool found, chains;
} next_ctx;

static int check_next(void *ud, const gv_stored_event *ev)
{
    next_ctx *n = ud;
    unsigned char h[GV_HASH_BYTES];
    gv_hash_event(n->head, ev->bytes, ev->len, h);
    n->found = true;
    n->chains = memcmp(h, ev->hash, GV_HASH_BYTES) == 0;
    return 1;
}

/* GV_ESTATE unless the restored snapshot is tied to this log. */
static int check_tied(gv_store *s, const char *meeting_id, load_ctx *c, gv_error *err)
{
    unsigned char head[GV_HASH_BYTES];
    int64_t head_seq = 0, seq = gv_meeting_seq(c->m);
    next_ctx n = {.head = c->head};
    int rc = gv_store_read(s, meeting_id, seq, check_next, &n, err);
    if (rc < 0)
        return rc;
    if (n.found)
        return n.chains ? 0
                        : gv_error_set(err, GV_ESTATE,
                                       "the snapshot's head hash does not chain to event %" PRId64,
                                       seq + 1);
    if ((rc = gv_store_head(s, meeting_id, &head_seq, head, err)) < 0)
        return rc;
    if (head_seq != seq || memcmp(head, c->head, GV_HASH_BYTES) != 0)
        return gv_error_set(err, GV_ESTATE, "the snapshot's head hash is not the log's head");
    return 0;
}

int gv_load_snapshot(gv_store *s, const char *meeting_id, gv_meeting **out, gv_load_info *info,
                     gv_error *err)
{
    load_ctx c = {0};
    gv_error e;
    gv_error_clear(&e);
    *out = NULL;
    if (info)
        info->skipped[0] = '\0';
    int rc = gv_store_get_snapshot(s, meeting_id, INT64_MAX, take_snapshot, &c, &e);
    if (rc == 0 && c.m && (rc = check_tied(s, meeting_id, &c, &e)) == 0) {
        *out = c.m;
        if (info)
            info->snapshot_seq = gv_meeting_seq(c.m);
        return 0;
    }
    gv_meeting_free(c.m);
    if (rc == GV_ENOTFOUND)
        return gv_error_set(err, GV_ENOTFOUND, "meeting %s has no snapshot", meeting_id);
    if (info)
        snprintf(info->skipped, sizeof info->skipped, "%s", c.why.code ? c.why.msg : e.msg);
    return gv_error_set(err, GV_ENOTFOUND, "meeting %s has no usable snapshot: %s", meeting_id,
                        c.why.code ? c.why.msg : e.msg);
}

typedef struct tail_ctx {
    gv_meeting *m;
    int64_t folded;
    gv_error *err;
} tail_ctx;

static int fold_tail(void *ud, const gv_stored_event *ev)
{
    tail_ctx *t = ud;
    t->folded++;
    return gv_replay_event(t->m, ev, t->err);
}

int gv_load(gv_store *s, const char *meeting_id, gv_meeting **out, gv_load_info *info,
            gv_error *err)
{
    gv_load_info local;
    gv_error e;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    *out = NULL;
    if (gv_load_snapshot(s, meeting_id, out, info, &e) == 0) {
        tail_ctx t = {.m = *out, .err = &e};
        int rc = gv_store_read(s, meeting_id, gv_meeting_seq(*out), fold_tail, &t, &e);
        if (rc == 0) {
            info->events_folded = t.folded;
            return 0;
        }
        gv_meeting_free(*out);
        *out = NULL;
        info->snapshot_seq = 0;
        snprintf(info->skipped, sizeof info->skipped, "%s", e.msg);
    }
    /* Whatever went wrong with the snapshot, the log decides: fold it all
     * (a damaged log then fails there, as without snapshots). */
    int rc = gv_replay(s, meeting_id, out, err);
    if (rc == 0)
        info->events_folded = gv_meeting_seq(*out);
    return rc;
}

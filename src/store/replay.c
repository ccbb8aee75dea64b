/*
 * Replay of a stored log into a meeting. The store guarantees order and the
 * hash chain; this file adds what only the model can check: that the bytes are
 * one canonical JSON object, that the columns the store indexes (seq, type,
 * at_ms) say the same as the bytes, and that the event fits the state.
 */
#include "store/replay.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Parses the stored bytes and checks them against the columns. */
static json_t *parse_stored(const gv_stored_event *ev, gv_error *err)
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
    json_t *j = parse_stored(ev, err);
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

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

int gv_replay_event(gv_meeting *m, const gv_stored_event *ev, gv_error *err)
{
    json_t *j = parse_stored(ev, err);
    if (!j)
        return err ? err->code : GV_ECORRUPT;
    gv_error why;
    int rc = gv_meeting_apply(m, j, &why);
    json_decref(j);
    if (rc < 0)
        return gv_error_set(err, rc == GV_ENOMEM ? GV_ENOMEM : GV_ECORRUPT,
                            "event %lld (%s) does not fit the meeting: %s", (long long)ev->seq,
                            ev->type, why.msg);
    return 0;
}

static int replay_one(void *ud, const gv_stored_event *ev)
{
    void **ctx = ud;
    return gv_replay_event(ctx[0], ev, ctx[1]);
}

int gv_replay(gv_store *s, const char *meeting_id, gv_meeting **out, gv_error *err)
{
    *out = NULL;
    gv_meeting *m = gv_meeting_new();
    if (!m)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    gv_error local = {0};
    gv_error *e = err ? err : &local;
    void *ctx[2] = {m, e};
    int rc = gv_store_read(s, meeting_id, 0, replay_one, ctx, e);
    if (rc != 0) {
        gv_meeting_free(m);
        return rc < 0 ? rc : e->code;
    }
    *out = m;
    return 0;
}

/*
 * The record of a meeting as its stored log gives it. The log is read once,
 * in order; each event's chain hash is recomputed from the one before (so a
 * record never carries a hash the events do not produce), the event is folded
 * into a fresh meeting, and the person who caused it is noted (attendance
 * counts people who took part). Reading can stop at any event, which is how a
 * record made earlier is checked against a log that has grown since.
 */
#include "report/record.h"

#include <stdlib.h>
#include <string.h>

#include "report/summary.h"
#include "store/replay.h"

typedef struct reader {
    gv_meeting *m;
    json_t *actors;                    /** person id -> true */
    int64_t upto;                      /** last seq to read, 0 for all */
    int64_t seq;                       /** last seq read */
    unsigned char hash[GV_HASH_BYTES]; /** chain hash of event `seq` */
    gv_error *err;
} reader;

/* gv_store_read stops on any non-zero return and hands it back: this one
 * means "read far enough", not an error. */
#define READ_DONE 1

static int on_event(void *ud, const gv_stored_event *ev)
{
    reader *r = ud;
    if (r->upto && ev->seq > r->upto)
        return READ_DONE;
    unsigned char h[GV_HASH_BYTES];
    gv_hash_event(r->hash, ev->bytes, ev->len, h);
    if (ev->seq != r->seq + 1 || memcmp(h, ev->hash, GV_HASH_BYTES) != 0)
        return gv_error_set(r->err, GV_ECORRUPT,
                            "the log is damaged at event %lld: it does not follow from the "
                            "events before it; 'gavel verify' says more",
                            (long long)ev->seq);
    int rc = gv_replay_event(r->m, ev, r->err);
    if (rc < 0)
        return rc;
    /* The bytes were just checked to be one canonical JSON object. */
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, NULL);
    const char *by = json_string_value(json_object_get(j, "by"));
    rc = by && json_object_set_new(r->actors, by, json_true()) < 0 ? GV_ENOMEM : 0;
    json_decref(j);
    if (!j || rc < 0)
        return gv_error_set(r->err, GV_ENOMEM, "out of memory reading the log");
    memcpy(r->hash, h, GV_HASH_BYTES);
    r->seq = ev->seq;
    return 0;
}

int gv_record_from_store(gv_store *s, const char *meeting_id, int64_t upto_seq, json_t **record,
                         gv_error *err)
{
    gv_error local = {0};
    reader r = {.upto = upto_seq, .err = err ? err : &local};
    json_t *state = NULL;
    int rc;
    *record = NULL;
    if (upto_seq < 0)
        return gv_error_set(r.err, GV_EINVAL, "a record covers the log up to an event seq >= 1");
    r.m = gv_meeting_new();
    r.actors = json_object();
    if (!r.m || !r.actors) {
        rc = gv_error_set(r.err, GV_ENOMEM, "out of memory reading the log");
        goto fail;
    }
    rc = gv_store_read(s, meeting_id, 0, on_event, &r, r.err);
    if (rc < 0)
        goto fail;
    if (upto_seq && r.seq != upto_seq) {
        rc = gv_error_set(r.err, GV_ENOTFOUND,
                          "the log of %s ends at event %lld: it has no event %lld", meeting_id,
                          (long long)r.seq, (long long)upto_seq);
        goto fail;
    }
    if (!(state = gv_meeting_to_json(r.m))) {
        rc = gv_error_set(r.err, GV_ENOMEM, "out of memory reading the log");
        goto fail;
    }
    rc = gv_record_build(state, r.actors, meeting_id, r.seq, r.hash, record, r.err);
fail:
    json_decref(state);
    json_decref(r.actors);
    gv_meeting_free(r.m);
    return rc;
}

int gv_record_check_log(gv_store *s, const json_t *record, gv_error *err)
{
    gv_error local = {0};
    gv_error *e = err ? err : &local;
    const char *format = json_string_value(json_object_get(record, "format"));
    if (format && strcmp(format, GV_SUMMARY_FORMAT) == 0)
        return gv_summary_check_log(s, record, e);
    const json_t *v = json_object_get(record, "verification");
    const char *meeting = json_string_value(json_object_get(v, "meeting"));
    const char *hex = json_string_value(json_object_get(v, "hash"));
    json_int_t seq = json_integer_value(json_object_get(v, "last_seq"));
    unsigned char want[GV_HASH_BYTES];
    if (!meeting || !hex || seq < 1 || gv_hash_from_hex(hex, want) < 0)
        return gv_error_set(e, GV_EINVAL,
                            "the record's \"verification\" does not name a meeting, a last_seq "
                            "and a 64-digit hash");
    json_t *rebuilt = NULL;
    int rc = gv_record_from_store(s, meeting, seq, &rebuilt, e);
    if (rc < 0)
        return rc;
    const char *got =
        json_string_value(json_object_get(json_object_get(rebuilt, "verification"), "hash"));
    if (strcmp(got, hex) != 0) {
        rc = gv_error_set(e, GV_ECORRUPT,
                          "the record says the log's hash at event %lld is %s, the log says %s: "
                          "the record is not of this log",
                          (long long)seq, hex, got);
    } else if (!json_equal((json_t *)record, rebuilt)) {
        const char *key, *diff = "?";
        json_t *val;
        json_object_foreach(rebuilt, key, val)
        {
            if (!json_equal(val, json_object_get(record, key))) {
                diff = key;
                break;
            }
        }
        if (strcmp(diff, "?") == 0)
            diff = "(a field the log does not have)";
        rc = gv_error_set(e, GV_ECORRUPT,
                          "the record does not match the log of %s up to event %lld: it "
                          "differs in \"%s\"",
                          meeting, (long long)seq, diff);
    }
    json_decref(rebuilt);
    return rc;
}

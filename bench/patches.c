/*
 * gavel-patches: what keeping a page's state current costs, per event, in
 * bytes sent to each reader and in the server's time, for each way of doing
 * it (docs/decisions/0009-the-stream-carries-state-patches.md):
 *
 *   event     the event's frame alone (what the stream carried before)
 *   snapshot  the event's frame, then the page fetches the whole state
 *             (what the pages did before: GET .../snapshot per event)
 *   merge     the event's frame with an RFC 7386 merge patch of the view's state
 *   json      the event's frame with an RFC 6902 JSON Patch (gv_json_diff)
 * each also compressed the way a shared frame can be: every message deflated
 * on its own (permessage-deflate without context takeover; gzip for HTTP).
 *
 * The log is read as JSON lines (`gavel log --db DB --meeting ID`), folded
 * event by event; the figures start after --from (default 1: a page opened
 * once the meeting was defined). CPU time per event: the view's state as
 * JSON, its diff and the patch's encoding, the median over the events.
 *
 * usage: gavel log --db DB --meeting ID | gavel-patches [--from SEQ] [--each]
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/meeting.h"
#include "core/patch.h"
#include "core/view.h"

enum { K_EVENT, K_SNAPSHOT, K_MERGE, K_JSON, K_COUNT };
static const char *const kind_names[K_COUNT] = {"event", "snapshot", "merge", "json"};

typedef struct tally {
    size_t bytes[K_COUNT], deflated[K_COUNT];
    double *patch_us; /** time to make each JSON Patch */
    size_t n, cap;
} tally;

static void die(const char *msg)
{
    fprintf(stderr, "gavel-patches: %s\n", msg);
    exit(1);
}

/* CPU time of this thread: on a shared machine, what the work costs is
 * better told by the CPU it took than by the clock. */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Bytes of text deflated on its own: raw deflate, level 6, flushed as a
 * WebSocket message is (RFC 7692: the final 00 00 ff ff left out). */
static size_t deflated(const char *text, size_t len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("zlib");
    uLong bound = deflateBound(&z, len) + 16;
    unsigned char *out = malloc(bound);
    if (!out)
        die("out of memory");
    z.next_in = (unsigned char *)text;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_SYNC_FLUSH) != Z_OK)
        die("deflate");
    size_t n = bound - z.avail_out - 4;
    deflateEnd(&z);
    free(out);
    return n;
}

/* RFC 7386: the merge patch from a to b (new reference). It cannot say "set
 * to null" (null removes), so it is measured here, not used. */
static json_t *merge_diff(const json_t *a, const json_t *b)
{
    if (!json_is_object(a) || !json_is_object(b))
        return json_incref((json_t *)b);
    json_t *p = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (!json_object_get(b, k))
            json_object_set_new(p, k, json_null());
    }
    json_object_foreach((json_t *)b, k, v)
    {
        const json_t *old = json_object_get(a, k);
        if (!old)
            json_object_set(p, k, v);
        else if (!json_equal((json_t *)old, v))
            json_object_set_new(p, k, merge_diff(old, v));
    }
    return p;
}

static char *dumps(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        die("out of memory");
    return s;
}

static void add(tally *t, int kind, const char *text, size_t len)
{
    t->bytes[kind] += len;
    t->deflated[kind] += deflated(text, len);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One event in view v: the frame, and each way of bringing the state along. */
static void measure(tally *t, const gv_meeting *m, const json_t *ev, gv_view v, json_t **prev,
                    bool each)
{
    json_t *view_ev = NULL;
    if (gv_event_view(m, ev, v, &view_ev) < 0)
        die("out of memory");
    char *evtext = dumps(view_ev ? view_ev : ev);
    json_decref(view_ev);
    char *frame = NULL;
    if (asprintf(&frame, "{\"type\":\"event\",\"event\":%s}", evtext) < 0)
        die("out of memory");
    size_t flen = strlen(frame);
    add(t, K_EVENT, frame, flen);

    double t0 = now_us();
    json_t *state = gv_meeting_view_json(m, v), *ops = NULL;
    if (!state || gv_json_diff(*prev, state, gv_state_id_keys, &ops) < 0)
        die("out of memory");
    char *ptext = dumps(ops);
    double t1 = now_us();
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->patch_us = realloc(t->patch_us, t->cap * sizeof *t->patch_us);
        if (!t->patch_us)
            die("out of memory");
    }
    t->patch_us[t->n++] = t1 - t0;

    char *snap = dumps(state), *with = NULL;
    /* The HTTP snapshot's body: the state and a few fields around it. */
    t->bytes[K_SNAPSHOT] += flen + strlen(snap) + 120;
    t->deflated[K_SNAPSHOT] += deflated(frame, flen) + deflated(snap, strlen(snap)) + 120;

    json_t *mp = merge_diff(*prev, state);
    char *mtext = dumps(mp);
    if (asprintf(&with, "{\"type\":\"event\",\"patch\":%s,\"event\":%s}", mtext, evtext) < 0)
        die("out of memory");
    add(t, K_MERGE, with, strlen(with));
    free(with);
    if (asprintf(&with, "{\"type\":\"event\",\"patch\":{\"base\":%lld,\"ops\":%s},\"event\":%s}",
                 (long long)gv_meeting_seq(m) - 1, ptext, evtext) < 0)
        die("out of memory");
    add(t, K_JSON, with, strlen(with));
    if (each)
        printf("%s %lld %s: event %zu, json patch %zu, merge patch %zu, snapshot %zu\n",
               gv_view_names[v], (long long)gv_meeting_seq(m),
               json_string_value(json_object_get(ev, "type")), flen, strlen(ptext), strlen(mtext),
               strlen(snap));
    free(with);
    free(mtext);
    free(snap);
    free(ptext);
    free(frame);
    free(evtext);
    json_decref(mp);
    json_decref(ops);
    json_decref(*prev);
    *prev = state;
}

static void report(const tally *t, gv_view v, size_t events)
{
    printf("\n%s view, %zu events\n", gv_view_names[v], events);
    printf("  %-9s %12s %10s %8s %12s %10s %8s\n", "", "bytes", "per event", "x event", "deflated",
           "per event", "x event");
    for (int k = 0; k < K_COUNT; k++)
        printf("  %-9s %12zu %10.0f %8.2f %12zu %10.0f %8.2f\n", kind_names[k], t->bytes[k],
               (double)t->bytes[k] / (double)events,
               (double)t->bytes[k] / (double)t->bytes[K_EVENT], t->deflated[k],
               (double)t->deflated[k] / (double)events,
               (double)t->deflated[k] / (double)t->bytes[K_EVENT]);
    double *us = malloc(t->n * sizeof *us);
    if (!us)
        die("out of memory");
    memcpy(us, t->patch_us, t->n * sizeof *us);
    qsort(us, t->n, sizeof *us, cmp_double);
    printf("  making a JSON Patch (state as JSON, diff, encoding): median %.0f us, max %.0f us of "
           "CPU\n",
           us[t->n / 2], us[t->n - 1]);
    free(us);
}

int main(int argc, char **argv)
{
    int64_t from = 1;
    bool each = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--each") == 0)
            each = true;
        else
            die("usage: gavel log --db DB --meeting ID | gavel-patches [--from SEQ] [--each]");
    }
    gv_meeting *m = gv_meeting_new();
    json_t *prev[GV_VIEW_COUNT] = {0};
    tally t[GV_VIEW_COUNT] = {0};
    size_t events = 0;
    char *line = NULL;
    size_t cap = 0;
    gv_error err = {0};
    while (getline(&line, &cap, stdin) > 0) {
        json_error_t jerr;
        json_t *ev = json_loads(line, 0, &jerr);
        if (!ev)
            die("a line of the log is not JSON");
        if (gv_meeting_apply(m, ev, &err) < 0)
            die(err.msg);
        int64_t seq = gv_meeting_seq(m);
        for (int v = 0; v < GV_VIEW_COUNT; v++) {
            if (seq > from)
                measure(&t[v], m, ev, (gv_view)v, &prev[v], each);
            else if (seq == from && !(prev[v] = gv_meeting_view_json(m, (gv_view)v)))
                die("out of memory");
        }
        events += seq > from;
        json_decref(ev);
    }
    if (!events)
        die("no events after --from in the log");
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        report(&t[v], (gv_view)v, events);
        json_decref(prev[v]);
        free(t[v].patch_us);
    }
    free(line);
    gv_meeting_free(m);
    return 0;
}

/*
 * gavel-patches: what keeping a page's state current costs, per event, in
 * bytes sent to each reader and in the server's time, for each way of doing
 * it (docs/decisions/0009-the-stream-carries-state-patches.md):
 *
 *   event     the event's frame alone (what the stream carried before)
 *   snapshot  the event's frame, then the page fetches the whole state
 *             (what the pages did before: GET .../snapshot per event)
 *   merge     the event's frame with an RFC 7386 merge patch of the view's state
 *   json      the event's frame with an RFC 6902 JSON Patch (gv_json_diff),
 *             as the stream carries it: from the state once it took the
 *             event's seq and time (gv_state_took_event), which the patch
 *             does not repeat
 * each also compressed the way a shared frame can be: every message deflated
 * on its own (permessage-deflate without context takeover; gzip for HTTP),
 * and, for comparison, with the context kept from one message to the next
 * (one deflate stream per reader, flushed after each message).
 *
 * The log is read as JSON lines (`gavel log --db DB --meeting ID`), folded
 * event by event; the figures start after --from (default 1: a page opened
 * once the meeting was defined). CPU time per event: the view's state as
 * JSON, its diff and the patch's encoding, the median over the events.
 *
 * --types gives the json kind per event type: how many, the event's frame,
 * the patch's operations, the message deflated on its own and in context.
 *
 * usage: gavel log --db DB --meeting ID | gavel-patches [--from SEQ] [--each] [--types]
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

/* The json kind's bytes for one event type. */
typedef struct by_type {
    char name[48];
    size_t n, frame, ops, deflated, in_context;
} by_type;

typedef struct tally {
    size_t bytes[K_COUNT], deflated[K_COUNT], in_context[K_COUNT];
    z_stream ctx[K_COUNT]; /** a reader's deflate stream, context kept */
    bool ctx_ready[K_COUNT];
    double *patch_us; /** time to make each JSON Patch */
    size_t n, cap;
    by_type types[64];
    size_t n_types;
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

/* Bytes of text deflated in the reader's stream z (raw deflate, level 6,
 * started on first use), context kept from the messages before, flushed as
 * a WebSocket message is (RFC 7692: the final 00 00 ff ff left out). */
static size_t deflated_in(z_stream *z, bool *ready, const char *text, size_t len)
{
    if (!*ready && deflateInit2(z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("zlib");
    *ready = true;
    uLong bound = deflateBound(z, len) + 16;
    unsigned char *out = malloc(bound);
    if (!out)
        die("out of memory");
    z->next_in = (unsigned char *)text;
    z->avail_in = (uInt)len;
    z->next_out = out;
    z->avail_out = (uInt)bound;
    if (deflate(z, Z_SYNC_FLUSH) != Z_OK)
        die("deflate");
    size_t n = bound - z->avail_out - 4;
    free(out);
    return n;
}

/* Bytes of text deflated on its own: a stream of its own, ended after the
 * one message. */
static size_t deflated(const char *text, size_t len)
{
    z_stream z = {0};
    bool ready = false;
    size_t n = deflated_in(&z, &ready, text, len);
    deflateEnd(&z);
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
    t->in_context[kind] += deflated_in(&t->ctx[kind], &t->ctx_ready[kind], text, len);
}

static by_type *type_of(tally *t, const char *name)
{
    for (size_t i = 0; i < t->n_types; i++)
        if (strcmp(t->types[i].name, name) == 0)
            return &t->types[i];
    if (t->n_types == sizeof t->types / sizeof *t->types)
        die("more event types than gavel-patches counts");
    by_type *b = &t->types[t->n_types++];
    snprintf(b->name, sizeof b->name, "%s", name);
    return b;
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
    char *evtext = dumps(view_ev ? view_ev : ev), type[48];
    snprintf(type, sizeof type, "%s",
             json_string_value(json_object_get(view_ev ? view_ev : ev, "type")));
    json_decref(view_ev);
    char *frame = NULL;
    if (asprintf(&frame, "{\"type\":\"event\",\"event\":%s}", evtext) < 0)
        die("out of memory");
    size_t flen = strlen(frame);
    add(t, K_EVENT, frame, flen);

    double t0 = now_us();
    json_t *state = gv_meeting_view_json(m, v), *ops = NULL,
           *took = gv_state_took_event(*prev, gv_meeting_seq(m), gv_meeting_last_at_ms(m));
    if (!state || !took || gv_json_diff(took, state, gv_state_id_keys, &ops) < 0)
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
    size_t was = t->deflated[K_JSON], was_ctx = t->in_context[K_JSON];
    add(t, K_JSON, with, strlen(with));
    by_type *b = type_of(t, type);
    b->n++;
    b->frame += flen;
    b->ops += strlen(ptext);
    b->deflated += t->deflated[K_JSON] - was;
    b->in_context += t->in_context[K_JSON] - was_ctx;
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
    json_decref(took);
    json_decref(*prev);
    *prev = state;
}

static void report(const tally *t, gv_view v, size_t events, bool types)
{
    printf("\n%s view, %zu events\n", gv_view_names[v], events);
    printf("  %-9s %10s %9s %7s %10s %9s %7s %10s %9s %7s\n", "", "bytes", "per event", "x event",
           "deflated", "per event", "x event", "in context", "per event", "x event");
    double frame = (double)t->bytes[K_EVENT];
    for (int k = 0; k < K_COUNT; k++)
        printf("  %-9s %10zu %9.0f %7.2f %10zu %9.0f %7.2f %10zu %9.0f %7.2f\n", kind_names[k],
               t->bytes[k], (double)t->bytes[k] / (double)events, (double)t->bytes[k] / frame,
               t->deflated[k], (double)t->deflated[k] / (double)events,
               (double)t->deflated[k] / frame, t->in_context[k],
               (double)t->in_context[k] / (double)events, (double)t->in_context[k] / frame);
    if (types) {
        printf("  json, per event of each type: %-21s %5s %6s %6s %9s %10s %7s\n", "", "n", "frame",
               "ops", "deflated", "in context", "x frame");
        for (size_t i = 0; i < t->n_types; i++) {
            const by_type *b = &t->types[i];
            double n = (double)b->n;
            printf("    %-54s %5zu %6.0f %6.0f %9.0f %10.0f %7.2f\n", b->name, b->n,
                   (double)b->frame / n, (double)b->ops / n, (double)b->deflated / n,
                   (double)b->in_context / n, (double)b->deflated / (double)b->frame);
        }
    }
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
    bool each = false, types = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--each") == 0)
            each = true;
        else if (strcmp(argv[i], "--types") == 0)
            types = true;
        else
            die("usage: gavel log --db DB --meeting ID | gavel-patches [--from SEQ] [--each] "
                "[--types]");
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
        report(&t[v], (gv_view)v, events, types);
        for (int k = 0; k < K_COUNT; k++)
            if (t[v].ctx_ready[k])
                deflateEnd(&t[v].ctx[k]);
        json_decref(prev[v]);
        free(t[v].patch_us);
    }
    free(line);
    gv_meeting_free(m);
    return 0;
}

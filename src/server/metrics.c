/*
 * Metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * Counters and gauges are plain integers updated on the loop thread; the two
 * latency histograms keep per-bucket counts in microseconds and are written
 * cumulatively, in seconds, as Prometheus expects. Bucket bounds run from
 * 0.5 ms to 5 s: a commit takes one fsync (milliseconds), a broadcast one
 * pass of the loop.
 */
#include "server/metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/error.h"

/* Upper bounds of the buckets in microseconds; the last bucket is +Inf. */
static const int64_t bounds_us[GV__HIST_BUCKETS - 1] = {
    500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000,
};

void gv__histogram_observe(gv__histogram *h, int64_t us)
{
    if (us < 0)
        us = 0;
    unsigned i = 0;
    while (i < GV__HIST_BUCKETS - 1 && us > bounds_us[i])
        i++;
    h->counts[i]++;
    h->total++;
    h->sum_s += (double)us / 1e6;
}

void gv__metrics_command(gv__metrics *m, int code)
{
    unsigned i = code <= 0 && -code < GV__RESULTS - 1 ? (unsigned)-code : GV__RESULTS - 1;
    m->commands[i]++;
}

/* A growing text buffer; on ENOMEM it stops growing and reports failure at the end. */
typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        if (GV_ARRAY_RESERVE(t->s, t->cap, t->len + (size_t)n + 1) < 0) {
            t->failed = true;
            return;
        }
    }
}

static void histogram(text *t, const char *name, const char *help, const gv__histogram *h)
{
    put(t, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (unsigned i = 0; i < GV__HIST_BUCKETS - 1; i++) {
        cum += h->counts[i];
        put(t, "%s_bucket{le=\"%g\"} %llu\n", name, (double)bounds_us[i] / 1e6,
            (unsigned long long)cum);
    }
    put(t, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->total);
    put(t, "%s_sum %.6f\n%s_count %llu\n", name, h->sum_s, name, (unsigned long long)h->total);
}

char *gv__metrics_text(const gv__metrics *m, unsigned rooms_loaded)
{
    text t = {.s = malloc(4096), .cap = 4096};
    if (!t.s)
        return NULL;
    t.s[0] = '\0';
    put(&t,
        "# HELP gavel_connections Open streams by transport.\n"
        "# TYPE gavel_connections gauge\n"
        "gavel_connections{transport=\"websocket\"} %llu\n"
        "gavel_connections{transport=\"sse\"} %llu\n",
        (unsigned long long)m->ws_open, (unsigned long long)m->sse_open);
    put(&t,
        "# HELP gavel_connections_opened_total Streams opened since start.\n"
        "# TYPE gavel_connections_opened_total counter\n"
        "gavel_connections_opened_total{transport=\"websocket\"} %llu\n"
        "gavel_connections_opened_total{transport=\"sse\"} %llu\n",
        (unsigned long long)m->ws_total, (unsigned long long)m->sse_total);
    put(&t,
        "# HELP gavel_streams_refused_total Streams refused by a connection limit.\n"
        "# TYPE gavel_streams_refused_total counter\n"
        "gavel_streams_refused_total %llu\n",
        (unsigned long long)m->refused_streams);
    put(&t,
        "# HELP gavel_slow_readers_cut_total Readers cut off for falling behind.\n"
        "# TYPE gavel_slow_readers_cut_total counter\n"
        "gavel_slow_readers_cut_total %llu\n",
        (unsigned long long)m->slow_readers_cut);
    put(&t,
        "# HELP gavel_stream_resumes_total Streams resumed after a seq: with the events after "
        "it, or with the view's snapshot (the events no longer held, or heavier than it with "
        "resume=state).\n"
        "# TYPE gavel_stream_resumes_total counter\n"
        "gavel_stream_resumes_total{answer=\"events\"} %llu\n"
        "gavel_stream_resumes_total{answer=\"snapshot\"} %llu\n",
        (unsigned long long)m->resumed_events, (unsigned long long)m->resumed_snapshot);
    put(&t,
        "# HELP gavel_stream_snapshot_messages_total Snapshot messages made for the streams, "
        "one per view, seq and transport, shared by the readers that take it.\n"
        "# TYPE gavel_stream_snapshot_messages_total counter\n"
        "gavel_stream_snapshot_messages_total %llu\n",
        (unsigned long long)m->snapshot_frames);
    put(&t,
        "# HELP gavel_http_requests_total HTTP requests answered.\n"
        "# TYPE gavel_http_requests_total counter\n"
        "gavel_http_requests_total %llu\n",
        (unsigned long long)m->http_requests);
    put(&t,
        "# HELP gavel_events_committed_total Events made durable.\n"
        "# TYPE gavel_events_committed_total counter\n"
        "gavel_events_committed_total %llu\n",
        (unsigned long long)m->events_committed);
    put(&t,
        "# HELP gavel_snapshots_total Snapshots of meetings' states stored beside the log, by "
        "result.\n"
        "# TYPE gavel_snapshots_total counter\n"
        "gavel_snapshots_total{result=\"stored\"} %llu\n"
        "gavel_snapshots_total{result=\"failed\"} %llu\n",
        (unsigned long long)m->snapshots_stored, (unsigned long long)m->snapshots_failed);
    put(&t,
        "# HELP gavel_deflate_streams Views' deflate streams held, by transport (one per view "
        "and transport read, about 256 KiB each).\n"
        "# TYPE gavel_deflate_streams gauge\n"
        "gavel_deflate_streams{transport=\"websocket\"} %llu\n"
        "gavel_deflate_streams{transport=\"sse\"} %llu\n",
        (unsigned long long)m->deflate_streams[0], (unsigned long long)m->deflate_streams[1]);
    put(&t,
        "# HELP gavel_meetings_loaded Meetings held in memory.\n"
        "# TYPE gavel_meetings_loaded gauge\n"
        "gavel_meetings_loaded %u\n",
        rooms_loaded);
    put(&t, "# HELP gavel_commands_total Commands by result (an error code of docs/protocol.md).\n"
            "# TYPE gavel_commands_total counter\n");
    for (unsigned i = 0; i < GV__RESULTS; i++) {
        const char *name = i == GV__RESULTS - 1 ? "other" : gv_error_name(-(int)i);
        put(&t, "gavel_commands_total{result=\"%s\"} %llu\n", name,
            (unsigned long long)m->commands[i]);
    }
    histogram(&t, "gavel_commit_latency_seconds",
              "From a command's decision to its events being durable.", &m->commit_latency);
    histogram(&t, "gavel_broadcast_latency_seconds",
              "From events being durable to their frame being written to a live reader.",
              &m->broadcast_latency);
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    return t.s;
}

/*
 * Metrics: counters, gauges and latency histograms of the loop thread, and
 * their Prometheus text (metrics.c).
 */
#ifndef GV_SERVER_METRICS_H
#define GV_SERVER_METRICS_H

#include <stdint.h>

#include "core/error.h"

#define GV__HIST_BUCKETS 14

typedef struct gv__histogram {
    uint64_t counts[GV__HIST_BUCKETS]; /** per bucket, not cumulative; last is +Inf */
    uint64_t total;
    double sum_s;
} gv__histogram;

/* Results a command is counted under: ok, each GV_E* (index -code), and one
 * "other" for a code error.h does not know. */
#define GV__RESULTS (1 - GV_ELAST + 1)

typedef struct gv__metrics {
    uint64_t ws_open, sse_open; /** gauges */
    uint64_t ws_total, sse_total, http_requests;
    uint64_t refused_streams;  /** streams refused by per-address or total limits */
    uint64_t slow_readers_cut; /** readers cut off and told to resync */
    uint64_t resumed_events;   /** streams resumed (since >= 1) with the events after it */
    uint64_t
        resumed_snapshot; /** ... with the snapshot (events not held, or heavier: resume=state) */
    uint64_t snapshot_frames; /** snapshot messages made for the streams (view, seq, transport) */
    uint64_t events_committed;
    uint64_t snapshots_stored;   /** snapshots of rooms' states stored (the writer's count) */
    uint64_t snapshots_failed;   /** ... and those that could not be */
    uint64_t deflate_streams[2]; /** views' deflate streams held: WebSocket, SSE (a gauge) */
    uint64_t events_followed;    /** events other servers stored, folded here */
    uint64_t commands_redecided; /** commands decided again: another server took their seq */
    uint64_t refusals_rechecked; /** refusals decided again after reading the log */
    uint64_t log_reads_failed;   /** reads of the log that failed (database unreachable) */
    uint64_t bus_published, bus_publish_failed; /** events published on NATS, and failures */
    uint64_t bus_received;                      /** events received from NATS */
    uint64_t bus_dropped;            /** ... dropped before the loop took them (inbox full) */
    uint64_t bus_refused;            /** ... that failed their checks (headers, canonical JSON) */
    uint64_t commands[GV__RESULTS];  /** by result: index -code (0 = ok), last = other */
    gv__histogram commit_latency;    /** command decided -> durable */
    gv__histogram broadcast_latency; /** durable -> written to a live reader */
} gv__metrics;

void gv__histogram_observe(gv__histogram *h, int64_t us);
void gv__metrics_command(gv__metrics *m, int code);
/* The Prometheus text exposition as a new malloc'd string; NULL on ENOMEM. */
char *gv__metrics_text(const gv__metrics *m, unsigned rooms_loaded);

#endif

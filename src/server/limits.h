/*
 * Limits (limits.c): token buckets for rates, and the count of streams open
 * from each address, both kept in one kind of table keyed by a string.
 */
#ifndef GV_SERVER_LIMITS_H
#define GV_SERVER_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct gv_server;

typedef struct gv__bucket {
    double tokens;
    int64_t last_us;
} gv__bucket;

/* Fills the bucket (burst tokens). */
void gv__bucket_init(gv__bucket *b, unsigned burst, int64_t now_us);
/* Takes one token if there is one: true; false when the rate is exceeded. */
bool gv__bucket_take(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us);
/* Takes one token whether there is one or not: an empty bucket owes it
 * (down to -burst tokens) and refills from the debt. */
void gv__bucket_charge(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us);

/* A table of counts or buckets by key (an address; a meeting and person). */
typedef struct gv__limit_table gv__limit_table;
gv__limit_table *gv__limit_table_new(void);
void gv__limit_table_free(gv__limit_table *t);

/* Counts one more stream from addr if it has fewer than max: true; false
 * when it has max, or on ENOMEM. */
bool gv__addr_acquire(gv__limit_table *t, const char *addr, unsigned max);
void gv__addr_release(gv__limit_table *t, const char *addr);
/* Streams open from addr now. */
unsigned gv__addr_count(gv__limit_table *t, const char *addr);

/* Takes a token from the bucket of `key`, made full on first use: true;
 * false when the rate is exceeded, or on ENOMEM. */
bool gv__rate_take(gv__limit_table *t, const char *key, unsigned per_second, unsigned burst,
                   int64_t now_us);

/* Takes a token from the bucket of `key` without refusing (none left: it
 * owes it, gv__bucket_charge): for what counts toward a rate but was let
 * through elsewhere (a command another server stored). */
void gv__rate_charge(gv__limit_table *t, const char *key, unsigned per_second, unsigned burst,
                     int64_t now_us);

/* Takes one of the server's stream slots for a stream from addr, within
 * max_streams and max_streams_per_addr: 0, or GV_ERATE with err set (and
 * the refusal counted). */
int gv__stream_acquire(struct gv_server *s, const char *addr, gv_error *err);
/* Gives the slot back. */
void gv__stream_release(struct gv_server *s, const char *addr);
/* Would gv__stream_acquire refuse a stream from addr now? 0, or GV_ERATE
 * with err set (and the refusal counted); takes nothing. */
int gv__stream_check(struct gv_server *s, const char *addr, gv_error *err);

#endif

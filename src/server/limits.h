/*
 * Limits: token buckets for the command rate, and the count of streams open
 * from each address (limits.c).
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

typedef struct gv__addr_table gv__addr_table;
gv__addr_table *gv__addr_table_new(void);
void gv__addr_table_free(gv__addr_table *t);
/* Counts one more stream from addr if it has fewer than max: true; else false. */
bool gv__addr_acquire(gv__addr_table *t, const char *addr, unsigned max);
void gv__addr_release(gv__addr_table *t, const char *addr);
/* Streams open from addr now. */
unsigned gv__addr_count(const gv__addr_table *t, const char *addr);

/* One bucket per link and the person it acts as. */
typedef struct gv__rate_table gv__rate_table;
gv__rate_table *gv__rate_table_new(void);
void gv__rate_table_free(gv__rate_table *t);
/* Takes a token from the bucket of the link with this hash acting as actor
 * ("" for none), made full on first use. All connections of a person share
 * it, so that opening more connections does not multiply the rate. */
bool gv__rate_take(gv__rate_table *t, const unsigned char hash[32], const char *actor,
                   unsigned per_second, unsigned burst, int64_t now_us);

/* Takes one of the server's stream slots for a stream from addr, within
 * max_streams and max_streams_per_addr: 0, or GV_ELIMIT with err set (and
 * the refusal counted). */
int gv__stream_acquire(struct gv_server *s, const char *addr, gv_error *err);
/* Gives the slot back. */
void gv__stream_release(struct gv_server *s, const char *addr);
/* Would gv__stream_acquire refuse a stream from addr now? 0, or GV_ELIMIT
 * with err set (and the refusal counted); takes nothing. */
int gv__stream_check(struct gv_server *s, const char *addr, gv_error *err);

#endif

/*
 * Limits: rates (token buckets) and the number of streams open from one
 * address.
 *
 * A bucket holds at most `burst` tokens and refills at `per_second`; each
 * message or command takes one. A command let through by another server of
 * the same log is charged when this one folds it (gv__rate_charge): it takes
 * its token even from an empty bucket, which then owes it (down to -burst)
 * and repays it before it lets more through, so that a person who sends to
 * several servers at once gets through, over time, what one server allows,
 * and not that times the servers. Buckets live in the WebSocket's client (its
 * messages) and in a table by key: a meeting and a person for commands
 * (command.c), a link for the links routes' writes. Streams are counted by
 * peer address in a table of the same kind, a small chained hash table,
 * where an address's entry lives while its count is above zero; a rate's
 * entry lives as long as the server (people and links are few).
 */
#include "server/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

void gv__bucket_init(gv__bucket *b, unsigned burst, int64_t now_us)
{
    b->tokens = burst;
    b->last_us = now_us;
}

static void refill(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * per_second / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
        b->last_us = now_us;
    }
}

bool gv__bucket_take(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us)
{
    refill(b, per_second, burst, now_us);
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

void gv__bucket_charge(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us)
{
    refill(b, per_second, burst, now_us);
    b->tokens -= 1.0;
    if (b->tokens < -(double)burst)
        b->tokens = -(double)burst;
}

#define TABLE_BUCKETS 1024

/* An entry of a table: a count (addresses) or a bucket (rates). */
typedef struct entry {
    struct entry *next;
    unsigned count;
    gv__bucket bucket;
    char key[];
} entry;

struct gv__limit_table {
    entry *buckets[TABLE_BUCKETS];
};

gv__limit_table *gv__limit_table_new(void)
{
    return calloc(1, sizeof(gv__limit_table));
}

void gv__limit_table_free(gv__limit_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < TABLE_BUCKETS; i++) {
        entry *e = t->buckets[i];
        while (e) {
            entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t);
}

/* The slot where key's entry is, or where it would go. */
static entry **slot(gv__limit_table *t, const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *k = key; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    entry **p = &t->buckets[h % TABLE_BUCKETS];
    while (*p && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

/* Adds an empty entry for key at p (from slot). NULL on ENOMEM. */
static entry *add(entry **p, const char *key)
{
    size_t n = strlen(key) + 1;
    entry *e = calloc(1, sizeof *e + n);
    if (!e)
        return NULL;
    memcpy(e->key, key, n);
    *p = e;
    return e;
}

bool gv__addr_acquire(gv__limit_table *t, const char *addr, unsigned max)
{
    entry **p = slot(t, addr);
    if (!*p && (max == 0 || !add(p, addr)))
        return false;
    if ((*p)->count >= max)
        return false;
    (*p)->count++;
    return true;
}

void gv__addr_release(gv__limit_table *t, const char *addr)
{
    entry **p = slot(t, addr);
    if (!*p)
        return;
    if (--(*p)->count == 0) {
        entry *e = *p;
        *p = e->next;
        free(e);
    }
}

unsigned gv__addr_count(gv__limit_table *t, const char *addr)
{
    entry **p = slot(t, addr);
    return *p ? (*p)->count : 0;
}

/* The bucket of key, made full on first use; NULL on ENOMEM. */
static gv__bucket *rate_bucket(gv__limit_table *t, const char *key, unsigned burst, int64_t now_us)
{
    entry **p = slot(t, key);
    if (!*p) {
        if (!add(p, key))
            return NULL;
        gv__bucket_init(&(*p)->bucket, burst, now_us);
    }
    return &(*p)->bucket;
}

bool gv__rate_take(gv__limit_table *t, const char *key, unsigned per_second, unsigned burst,
                   int64_t now_us)
{
    gv__bucket *b = rate_bucket(t, key, burst, now_us);
    return b && gv__bucket_take(b, per_second, burst, now_us);
}

void gv__rate_charge(gv__limit_table *t, const char *key, unsigned per_second, unsigned burst,
                     int64_t now_us)
{
    gv__bucket *b = rate_bucket(t, key, burst, now_us);
    if (b)
        gv__bucket_charge(b, per_second, burst, now_us);
}

int gv__stream_check(struct gv_server *s, const char *addr, gv_error *err)
{
    if (s->n_streams >= s->cfg.max_streams) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ERATE,
                            "the server holds its maximum of %u streams: retry later",
                            s->cfg.max_streams);
    }
    if (gv__addr_count(s->addrs, addr) >= s->cfg.max_streams_per_addr) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ERATE,
                            "too many streams from %s: at most %u; close one and retry", addr,
                            s->cfg.max_streams_per_addr);
    }
    return 0;
}

int gv__stream_acquire(struct gv_server *s, const char *addr, gv_error *err)
{
    int rc = gv__stream_check(s, addr, err);
    if (rc < 0)
        return rc;
    if (!gv__addr_acquire(s->addrs, addr, s->cfg.max_streams_per_addr)) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ENOMEM, "out of memory counting the streams from %s: retry",
                            addr);
    }
    s->n_streams++;
    return 0;
}

void gv__stream_release(struct gv_server *s, const char *addr)
{
    gv__addr_release(s->addrs, addr);
    if (s->n_streams)
        s->n_streams--;
}

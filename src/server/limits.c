/*
 * Limits: the command rate (a token bucket per WebSocket, and one per link for
 * commands over HTTP, which have no connection to hang it on) and the number
 * of streams open from one address.
 *
 * The bucket holds at most `burst` tokens and refills at `per_second`; a
 * command takes one. The address table counts open WebSocket and SSE streams
 * by peer address in a small chained hash table; an entry lives while its
 * count is above zero. The link table keeps one bucket per link that sent a
 * command over HTTP (links are few: one a person or role).
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

bool gv__bucket_take(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * per_second / 1e6;
        if (b->tokens > burst)
            b->tokens = burst;
        b->last_us = now_us;
    }
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

#define ADDR_BUCKETS 1024

typedef struct addr_entry {
    struct addr_entry *next;
    unsigned count;
    char addr[];
} addr_entry;

struct gv__addr_table {
    addr_entry *buckets[ADDR_BUCKETS];
};

static unsigned addr_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % ADDR_BUCKETS;
}

gv__addr_table *gv__addr_table_new(void)
{
    return calloc(1, sizeof(gv__addr_table));
}

void gv__addr_table_free(gv__addr_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < ADDR_BUCKETS; i++) {
        addr_entry *e = t->buckets[i];
        while (e) {
            addr_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t);
}

static addr_entry **addr_find(gv__addr_table *t, const char *addr)
{
    addr_entry **p = &t->buckets[addr_hash(addr)];
    while (*p && strcmp((*p)->addr, addr) != 0)
        p = &(*p)->next;
    return p;
}

bool gv__addr_acquire(gv__addr_table *t, const char *addr, unsigned max)
{
    addr_entry **p = addr_find(t, addr);
    if (*p) {
        if ((*p)->count >= max)
            return false;
        (*p)->count++;
        return true;
    }
    if (max == 0)
        return false;
    size_t n = strlen(addr) + 1;
    addr_entry *e = malloc(sizeof *e + n);
    if (!e)
        return false;
    memcpy(e->addr, addr, n);
    e->count = 1;
    e->next = NULL;
    *p = e;
    return true;
}

void gv__addr_release(gv__addr_table *t, const char *addr)
{
    addr_entry **p = addr_find(t, addr);
    if (!*p)
        return;
    if (--(*p)->count == 0) {
        addr_entry *e = *p;
        *p = e->next;
        free(e);
    }
}

unsigned gv__addr_count(const gv__addr_table *t, const char *addr)
{
    for (const addr_entry *e = t->buckets[addr_hash(addr)]; e; e = e->next)
        if (strcmp(e->addr, addr) == 0)
            return e->count;
    return 0;
}

/* One bucket per link and person it acts as: a role link serves several
 * people, each at the full rate; a person's connections share theirs. */
typedef struct link_bucket {
    struct link_bucket *next;
    unsigned char hash[32];
    char actor[GV__ID_MAX + 1];
    gv__bucket bucket;
} link_bucket;

struct gv__rate_table {
    link_bucket *buckets[ADDR_BUCKETS];
};

gv__rate_table *gv__rate_table_new(void)
{
    return calloc(1, sizeof(gv__rate_table));
}

void gv__rate_table_free(gv__rate_table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < ADDR_BUCKETS; i++) {
        link_bucket *e = t->buckets[i];
        while (e) {
            link_bucket *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t);
}

bool gv__rate_take(gv__rate_table *t, const unsigned char hash[32], const char *actor,
                   unsigned per_second, unsigned burst, int64_t now_us)
{
    uint32_t h;
    memcpy(&h, hash, sizeof h);
    for (const char *a = actor; *a; a++)
        h = (h ^ (unsigned char)*a) * 16777619u;
    link_bucket **p = &t->buckets[h % ADDR_BUCKETS];
    while (*p && (memcmp((*p)->hash, hash, 32) != 0 || strcmp((*p)->actor, actor) != 0))
        p = &(*p)->next;
    if (!*p) {
        link_bucket *e = calloc(1, sizeof *e);
        if (!e)
            return false;
        memcpy(e->hash, hash, 32);
        snprintf(e->actor, sizeof e->actor, "%s", actor);
        gv__bucket_init(&e->bucket, burst, now_us);
        *p = e;
    }
    return gv__bucket_take(&(*p)->bucket, per_second, burst, now_us);
}

int gv__stream_check(struct gv_server *s, const char *addr, gv_error *err)
{
    if (s->n_streams >= s->cfg.max_streams) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ELIMIT,
                            "the server holds its maximum of %u streams: retry later",
                            s->cfg.max_streams);
    }
    if (gv__addr_count(s->addrs, addr) >= s->cfg.max_streams_per_addr) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ELIMIT,
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

/*
 * Helpers shared by the store's tests: scratch folders, events in the shape
 * the core writes them (compact JSON, sorted keys), a collector of read
 * events, and a check that the type and time columns agree with the bytes.
 */
#ifndef GV_TESTS_STORE_FIXTURE_H
#define GV_TESTS_STORE_FIXTURE_H

#include <dirent.h>
#include <stdbool.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

/* A new empty folder under $TMPDIR (or /tmp); the caller frees the string. */
static inline char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    if (!path)
        return NULL;
    snprintf(path, 4096, "%s/gv-store-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

/* Removes the folder made by fx_tmpdir and the files in it, then frees it. */
static inline void fx_rmdir(char *path)
{
    if (!path)
        return;
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        char file[4600];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(file, sizeof file, "%s/%s", path, de->d_name);
                unlink(file);
            }
        closedir(d);
    }
    rmdir(path);
    free(path);
}

/* "<dir>/<name>" in a static buffer of the caller. */
static inline const char *fx_path(char *buf, size_t size, const char *dir, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* An event as the core would write it; `tag` makes bodies differ between
 * meetings. The bytes live in ev_buf (at least 256 bytes). */
static inline gv_event_in fx_event(char *ev_buf, size_t size, const char *tag, int64_t seq,
                                   const char *type, int64_t at_ms)
{
    int len = snprintf(ev_buf, size,
                       "{\"at_ms\":%" PRId64 ",\"by\":\"chair\",\"note\":\"%s event %" PRId64
                       "\",\"seq\":%" PRId64 ",\"type\":\"%s\"}",
                       at_ms, tag, seq, seq, type);
    gv_event_in ev = {.seq = seq,
                      .type = type,
                      .at_ms = at_ms,
                      .bytes = (const unsigned char *)ev_buf,
                      .len = (size_t)len};
    return ev;
}

/* Events read back, with copies of their bytes. */
typedef struct fx_events {
    size_t n;
    int64_t seq[4096];
    int64_t at_ms[4096];
    char type[4096][GV_EVENT_TYPE_MAX + 1];
    char *bytes[4096];
    size_t len[4096];
    unsigned char hash[4096][GV_HASH_BYTES];
} fx_events;

static inline int fx_collect(void *ud, const gv_stored_event *ev)
{
    fx_events *c = ud;
    if (c->n >= 4096)
        return -100;
    c->seq[c->n] = ev->seq;
    c->at_ms[c->n] = ev->at_ms;
    snprintf(c->type[c->n], sizeof c->type[0], "%s", ev->type);
    c->bytes[c->n] = malloc(ev->len + 1);
    memcpy(c->bytes[c->n], ev->bytes, ev->len);
    c->bytes[c->n][ev->len] = '\0';
    c->len[c->n] = ev->len;
    memcpy(c->hash[c->n], ev->hash, GV_HASH_BYTES);
    c->n++;
    return 0;
}

static inline fx_events *fx_events_new(void)
{
    return calloc(1, sizeof(fx_events));
}

static inline void fx_events_free(fx_events *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->bytes[i]);
    free(c);
}

/*
 * A check for gv_store_verify_chain: the bytes must be a JSON object whose
 * "seq", "type" and "at_ms" equal the row's columns, as `gavel verify` does
 * with the core's parser.
 */
static inline int fx_check_columns(void *ud, const gv_stored_event *ev, gv_error *err)
{
    (void)ud;
    json_error_t jerr;
    json_t *o = json_loadb((const char *)ev->bytes, ev->len, 0, &jerr);
    int rc = 0;
    if (!o || !json_is_object(o)) {
        rc = gv_error_set(err, GV_ECORRUPT, "the bytes are not a JSON object");
    } else if (json_integer_value(json_object_get(o, "seq")) != ev->seq) {
        rc = gv_error_set(err, GV_ECORRUPT, "the seq column differs from the bytes");
    } else if (json_integer_value(json_object_get(o, "at_ms")) != ev->at_ms) {
        rc = gv_error_set(err, GV_ECORRUPT, "the at_ms column differs from the bytes");
    } else if (!json_is_string(json_object_get(o, "type")) ||
               strcmp(json_string_value(json_object_get(o, "type")), ev->type) != 0) {
        rc = gv_error_set(err, GV_ECORRUPT, "the type column differs from the bytes");
    }
    json_decref(o);
    return rc;
}

#endif

/*
 * Invitation tokens and the links log (see links.h for the model).
 *
 * In memory a gv_links is an array of links in issue order plus an open
 * addressing index on the hash, so finding the link of a presented token
 * costs one hash and a probe or two; the final comparison of the 32 hash
 * bytes is constant-time (sodium_memcmp). The index is keyed by the stored
 * hash, never by the token, so its probe timing tells nothing about tokens.
 *
 * The links log is appended to by several processes (the server issuing role
 * links at start, `gavel invite` at any time). The store refuses an append
 * whose seq does not follow the last one, so a writer that lost the race
 * reads the head again and retries.
 */
#include "server/links.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/meeting.h"

static const char *const kind_names[] = {"person", "role", "viewer"};

const char *gv_links_kind_name(gv_link_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

static int sodium_ready(gv_error *err)
{
    if (sodium_init() < 0)
        return gv_error_set(err, GV_EIO, "libsodium cannot be initialised");
    return 0;
}

void gv_links_token_hash(const char *token, unsigned char hash[GV_LINKS_HASH_BYTES])
{
    crypto_generichash(hash, GV_LINKS_HASH_BYTES, (const unsigned char *)token, strlen(token), NULL,
                       0);
}

int gv_links_token_new(char token[GV_LINKS_TOKEN_CHARS + 1],
                       unsigned char hash[GV_LINKS_HASH_BYTES])
{
    unsigned char raw[32];
    if (sodium_ready(NULL) < 0)
        return GV_EIO;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, GV_LINKS_TOKEN_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    gv_links_token_hash(token, hash);
    return 0;
}

bool gv_links_token_wellformed(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
        if (n >= GV_LINKS_TOKEN_CHARS)
            return false;
    }
    return n == GV_LINKS_TOKEN_CHARS;
}

/* ---- the set ------------------------------------------------------------ */

struct gv_links {
    gv_link *v;
    size_t n, cap;
    size_t *index; /** slots hold position + 1; 0 is empty */
    size_t index_cap;
    int64_t last_seq; /** seq of the last links-log event read */
    size_t revoked_last;
};

gv_links *gv_links_new(void)
{
    return calloc(1, sizeof(gv_links));
}

void gv_links_free(gv_links *l)
{
    if (!l)
        return;
    free(l->v);
    free(l->index);
    free(l);
}

static size_t slot_of(const unsigned char hash[GV_LINKS_HASH_BYTES], size_t cap)
{
    uint64_t h;
    memcpy(&h, hash, sizeof h);
    return (size_t)(h % cap);
}

const gv_link *gv_links_find(const gv_links *l, const unsigned char hash[GV_LINKS_HASH_BYTES])
{
    if (!l->index_cap)
        return NULL;
    for (size_t i = slot_of(hash, l->index_cap), probes = 0; probes < l->index_cap;
         i = (i + 1) % l->index_cap, probes++) {
        size_t pos = l->index[i];
        if (pos == 0)
            return NULL;
        if (sodium_memcmp(l->v[pos - 1].hash, hash, GV_LINKS_HASH_BYTES) == 0)
            return &l->v[pos - 1];
    }
    return NULL;
}

static void index_put(gv_links *l, size_t pos)
{
    size_t i = slot_of(l->v[pos].hash, l->index_cap);
    while (l->index[i])
        i = (i + 1) % l->index_cap;
    l->index[i] = pos + 1;
}

/* Keeps the index at most half full. */
static int index_grow(gv_links *l)
{
    if ((l->n + 1) * 2 <= l->index_cap)
        return 0;
    size_t cap = l->index_cap ? l->index_cap * 2 : 64;
    size_t *index = calloc(cap, sizeof *index);
    if (!index)
        return GV_ENOMEM;
    free(l->index);
    l->index = index;
    l->index_cap = cap;
    for (size_t p = 0; p < l->n; p++)
        index_put(l, p);
    return 0;
}

static int links_add(gv_links *l, const gv_link *link)
{
    if (gv_links_find(l, link->hash))
        return 0; /* issued twice: the first stands */
    if (index_grow(l) < 0)
        return GV_ENOMEM;
    if (GV_ARRAY_RESERVE(l->v, l->cap, l->n + 1) < 0)
        return GV_ENOMEM;
    l->v[l->n] = *link;
    index_put(l, l->n);
    l->n++;
    return 0;
}

int gv_links_each(const gv_links *l, int (*fn)(void *ud, const gv_link *link), void *ud)
{
    for (size_t i = 0; i < l->n; i++) {
        int rc = fn(ud, &l->v[i]);
        if (rc)
            return rc;
    }
    return 0;
}

size_t gv_links_revoked_by_last_refresh(const gv_links *l)
{
    return l->revoked_last;
}

static int copy_field(const json_t *ev, const char *key, char *out, size_t size, bool required)
{
    const char *v = json_string_value(json_object_get(ev, key));
    if (!v) {
        out[0] = '\0';
        return required ? GV_ECORRUPT : 0;
    }
    if (strlen(v) >= size)
        return GV_ECORRUPT;
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

typedef struct refresh_ctx {
    gv_links *l;
    gv_error *err;
} refresh_ctx;

static int on_link_event(void *ud, const gv_stored_event *ev)
{
    refresh_ctx *r = ud;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    unsigned char hash[GV_LINKS_HASH_BYTES];
    const char *hex = json_string_value(json_object_get(j, "hash"));
    if (!j || !hex || gv_hash_from_hex(hex, hash) < 0) {
        rc = GV_ECORRUPT;
    } else if (strcmp(ev->type, "link_issued") == 0) {
        gv_link link = {.issued_at_ms = ev->at_ms};
        memcpy(link.hash, hash, sizeof hash);
        char kind[16];
        rc = copy_field(j, "meeting", link.meeting, sizeof link.meeting, true);
        if (rc == 0)
            rc = copy_field(j, "kind", kind, sizeof kind, true);
        if (rc == 0)
            rc = copy_field(j, "subject", link.subject, sizeof link.subject, true);
        if (rc == 0)
            rc = copy_field(j, "label", link.label, sizeof link.label, false);
        if (rc == 0) {
            rc = GV_ECORRUPT;
            for (int k = 0; k < 3; k++)
                if (strcmp(kind, kind_names[k]) == 0) {
                    link.kind = (gv_link_kind)k;
                    rc = 0;
                }
        }
        if (rc == 0)
            rc = links_add(r->l, &link);
    } else if (strcmp(ev->type, "link_revoked") == 0) {
        gv_link *link = (gv_link *)gv_links_find(r->l, hash);
        if (link && !link->revoked_at_ms) {
            link->revoked_at_ms = ev->at_ms > 0 ? ev->at_ms : 1;
            r->l->revoked_last++;
        }
    }
    json_decref(j);
    if (rc == GV_ECORRUPT)
        return gv_error_set(r->err, GV_ECORRUPT,
                            "the links log is damaged at event %lld: check the database with "
                            "'gavel verify'",
                            (long long)ev->seq);
    if (rc < 0)
        return gv_error_set(r->err, rc, "out of memory reading the links log");
    r->l->last_seq = ev->seq;
    return 0;
}

int gv_links_refresh(gv_links *l, gv_store *st, gv_error *err)
{
    refresh_ctx r = {.l = l, .err = err};
    gv_error local;
    l->revoked_last = 0;
    int rc = gv_store_read(st, GV_LINKS_LOG, l->last_seq, on_link_event, &r, err ? err : &local);
    if (rc == GV_ENOTFOUND) {
        gv_error_clear(err);
        return 0; /* no link was ever issued */
    }
    return rc < 0 ? rc : 0;
}

/* ---- writing ------------------------------------------------------------ */

/* Appends one event to the links log, creating the log if needed; retries
 * when another process appended first. Takes the event's fields from `fields`
 * and sets seq, type, at_ms and by. */
static int links_append(gv_store *st, const char *type, json_t *fields, int64_t now_ms,
                        gv_error *err)
{
    int rc = GV_EBUSY;
    for (int attempt = 0; attempt < 20; attempt++) {
        int64_t head = 0;
        rc = gv_store_head(st, GV_LINKS_LOG, &head, NULL, err);
        bool exists = rc == 0;
        if (rc < 0 && rc != GV_ENOTFOUND)
            return rc;
        if (json_object_set_new(fields, "seq", json_integer(head + 1)) < 0 ||
            json_object_set_new(fields, "type", json_string(type)) < 0 ||
            json_object_set_new(fields, "at_ms", json_integer(now_ms)) < 0 ||
            json_object_set_new(fields, "by", json_string("system")) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        char *bytes = gv_json_text(fields);
        if (!bytes)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        gv_event_in ev = {.seq = head + 1,
                          .type = type,
                          .at_ms = now_ms,
                          .bytes = (const unsigned char *)bytes,
                          .len = strlen(bytes)};
        rc = exists ? gv_store_append(st, GV_LINKS_LOG, &ev, 1, err)
                    : gv_store_create_meeting(st, GV_LINKS_LOG, &ev, 1, err);
        free(bytes);
        if (rc != GV_ESTATE)
            return rc;
    }
    return rc;
}

int gv_links_issue(gv_store *st, const char *meeting, gv_link_kind kind, const char *subject,
                   const char *label, int64_t now_ms, char token[GV_LINKS_TOKEN_CHARS + 1],
                   gv_error *err)
{
    unsigned char hash[GV_LINKS_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];
    if (!gv_store_is_meeting_id(meeting))
        return gv_error_set(err, GV_EINVAL, "\"%s\" is not a meeting", meeting);
    if (strlen(subject) == 0 || strlen(subject) > GV_LINKS_FIELD_MAX ||
        strlen(label ? label : "") > GV_LINKS_FIELD_MAX)
        return gv_error_set(err, GV_EINVAL, "a link's person or role is 1 to %d bytes",
                            GV_LINKS_FIELD_MAX);
    int rc = gv_store_head(st, meeting, NULL, NULL, err);
    if (rc < 0)
        return rc;
    if ((rc = gv_links_token_new(token, hash)) < 0)
        return gv_error_set(err, rc, "cannot make a random token: libsodium failed");
    gv_hash_to_hex(hash, hex);
    json_t *fields =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "hash", hex, "meeting", meeting, "kind",
                  gv_links_kind_name(kind), "subject", subject, "label", label ? label : "");
    if (!fields)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    rc = links_append(st, "link_issued", fields, now_ms, err);
    json_decref(fields);
    if (rc < 0)
        sodium_memzero(token, GV_LINKS_TOKEN_CHARS + 1);
    return rc;
}

int gv_links_revoke(gv_store *st, const unsigned char hash[GV_LINKS_HASH_BYTES], int64_t now_ms,
                    gv_error *err)
{
    gv_links *l = gv_links_new();
    if (!l)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    int rc = gv_links_refresh(l, st, err);
    const gv_link *link = rc == 0 ? gv_links_find(l, hash) : NULL;
    if (rc == 0 && !link) {
        gv_error_set(err, GV_ENOTFOUND, "no such link in this database");
        rc = GV_ENOTFOUND;
    }
    if (link && !link->revoked_at_ms) {
        char hex[GV_HASH_HEX_SIZE];
        gv_hash_to_hex(hash, hex);
        json_t *fields = json_pack("{s:s}", "hash", hex);
        rc = fields ? links_append(st, "link_revoked", fields, now_ms, err)
                    : gv_error_set(err, GV_ENOMEM, "out of memory");
        json_decref(fields);
    }
    gv_links_free(l);
    return rc;
}

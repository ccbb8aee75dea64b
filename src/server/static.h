/*
 * The files built into the binary (static.c): the pages of web/, their
 * scripts, styles and translations.
 */
#ifndef GV_SERVER_STATIC_H
#define GV_SERVER_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "server/server_internal.h"

typedef struct gv__asset {
    const char *path;
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /** the bytes compressed with gzip, NULL when not smaller */
    size_t gz_len;
    const char *etag; /** 20 hex digits of the bytes' SHA-256, without quotes */
} gv__asset;

/* The built-in file at path, or NULL. */
const gv__asset *gv__static_find(const char *path);
/* A placeholder page for a meeting's role page (malloc'd HTML, no user text). */
char *gv__static_page(const char *page);
/* What a GET of path serves: a built-in file, "/" or a meeting's role page
 * /m/{meeting}/{page}; NULL when none. */
const gv__asset *gv__static_lookup(const char *path);
/* Answers a GET or HEAD with the file: gzip when the client takes it, 304
 * when If-None-Match names its entity tag. */
int gv__static_respond(struct lws *wsi, const gv__asset *a);
/* Does an Accept-Encoding value take gzip (a "gzip", "x-gzip" or "*" not
 * weighted q=0)? */
bool gv__accepts_gzip(const char *accept_encoding);
/* Does an If-None-Match value ("*", or a list of entity tags, weak or not)
 * match the quoted entity tag `etag`? Weak comparison, as RFC 9110 asks. */
bool gv__etag_matches(const char *if_none_match, const char *etag);

#endif

/*
 * Files served from the binary: the pages of web/, their scripts, styles and
 * translations, built in by cmake/embed_dir.cmake as the table gv__web_files
 * (sorted by path, every path under /static/).
 *
 * "/" is web/index.html; a meeting's role page /m/<meeting>/<page> is
 * web/<page>.html, the same file for every meeting (the page reads the
 * meeting id from its own address). Nothing here inserts request text into
 * HTML: pages are found by name in the fixed table. The strict
 * Content-Security-Policy comes with every answer (headers.c), so a page may
 * load only its own scripts and styles.
 *
 * How a file is answered (gv__static_respond):
 *   - compressed: the build keeps a `gzip -9n` copy of every text file that
 *     it makes smaller; a client whose Accept-Encoding takes gzip gets it
 *     with "content-encoding: gzip". Every answer says "vary:
 *     accept-encoding", so a cache keeps the two apart.
 *   - validated: the entity tag is a hash of the file's bytes (the build
 *     computes it), "-gz" added for the compressed copy, since the two are
 *     different representations. "cache-control: no-cache" lets a browser
 *     keep the file but ask each time; an If-None-Match naming the tag gets
 *     304 without a body. Not long-lived: the pages load their scripts by
 *     fixed names (/static/js/client.js), so a new build must be seen at
 *     once, and a revalidation costs one small round trip.
 *   - HEAD gets the headers GET would, without the body (http.c).
 */
#include "server/static.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/headers.h"
#include "server/http.h"

/* Generated from web/ at build time (build/embed/gv__web_files.c). */
extern const gv__asset gv__web_files[];
extern const size_t gv__web_files_count;

const gv__asset *gv__static_find(const char *path)
{
    if (strcmp(path, "/") == 0)
        path = "/static/index.html";
    size_t lo = 0, hi = gv__web_files_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(gv__web_files[mid].path, path);
        if (c == 0)
            return &gv__web_files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The asset of a meeting's role page, or NULL. */
static const gv__asset *page_asset(const char *page)
{
    char path[64];
    if (!gv__valid_id(page) || strlen(page) > 40)
        return NULL;
    snprintf(path, sizeof path, "/static/%s.html", page);
    return gv__static_find(path);
}

char *gv__static_page(const char *page)
{
    const gv__asset *a = page_asset(page);
    if (!a)
        return NULL;
    char *html = malloc(a->len + 1);
    if (html) {
        memcpy(html, a->data, a->len);
        html[a->len] = '\0';
    }
    return html;
}

const gv__asset *gv__static_lookup(const char *path)
{
    const gv__asset *a = gv__static_find(path);
    if (!a && strncmp(path, "/m/", 3) == 0)
        a = page_asset(strrchr(path, '/') + 1);
    return a;
}

/* ---- header values ------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Is the parameter list "; q=0.000" (and others) one that weighs the coding q=0? */
static bool weighs_zero(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ';'))
            p++;
        const char *param = p;
        while (p < end && *p != ';')
            p++;
        const char *pe = p;
        while (pe > param && is_space(pe[-1]))
            pe--;
        if (pe - param >= 2 && (param[0] == 'q' || param[0] == 'Q')) {
            const char *v = param + 1;
            while (v < pe && is_space(*v))
                v++;
            if (v < pe && *v == '=') {
                v++;
                while (v < pe && is_space(*v))
                    v++;
                /* q=0, 0., 0.0, 0.00, 0.000: zero; anything else is not. */
                if (v == pe || *v != '0')
                    return false;
                for (v++; v < pe; v++)
                    if (*v != '.' && *v != '0')
                        return false;
                return true;
            }
        }
    }
    return false;
}

bool gv__accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    bool gzip = false, star = false, gzip_named = false;
    const char *p = ae;
    while (*p) {
        while (*p == ',' || is_space(*p))
            p++;
        const char *item = p;
        while (*p && *p != ',')
            p++;
        const char *name_end = item;
        while (name_end < p && *name_end != ';' && !is_space(*name_end))
            name_end++;
        size_t n = (size_t)(name_end - item);
        bool zero = weighs_zero(name_end, p);
        if ((n == 4 && strncasecmp(item, "gzip", 4) == 0) ||
            (n == 6 && strncasecmp(item, "x-gzip", 6) == 0)) {
            gzip_named = true;
            gzip = !zero;
        } else if (n == 1 && item[0] == '*') {
            star = !zero;
        }
    }
    /* A coding named outright wins over "*" (RFC 9110, 12.5.3). */
    return gzip_named ? gzip : star;
}

bool gv__etag_matches(const char *inm, const char *etag)
{
    if (!inm || !etag)
        return false;
    size_t el = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ',' || is_space(*p))
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2; /* weak comparison: the W/ does not count */
        if (*p != '"') {
            p += strcspn(p, ","); /* not an entity tag: skip it */
            continue;
        }
        const char *close = strchr(p + 1, '"');
        if (!close)
            return false;
        size_t tl = (size_t)(close + 1 - p);
        if (tl == el && memcmp(p, etag, el) == 0)
            return true;
        p = close + 1;
    }
    return false;
}

/* ---- answering ---------------------------------------------------------- */

/* Copies request header t into buf ("" when absent or too long). */
static void header_value(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t size)
{
    if (gv__header_copy(wsi, t, buf, size) <= 0)
        buf[0] = '\0';
}

int gv__static_respond(struct lws *wsi, const gv__asset *a)
{
    char ae[256], inm[512], etag[40];
    header_value(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae);
    header_value(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof inm);
    bool gz = a->gz && gv__accepts_gzip(ae);
    snprintf(etag, sizeof etag, "\"%s%s\"", a->etag, gz ? "-gz" : "");
    gv__header h[5] = {{"etag:", etag},
                       {"cache-control:", "no-cache"},
                       {"vary:", "accept-encoding"},
                       {NULL, NULL},
                       {NULL, NULL}};
    if (inm[0] && gv__etag_matches(inm, etag))
        return gv__http_respond(wsi, 304, NULL, NULL, 0, h);
    if (gz)
        h[3] = (gv__header){"content-encoding:", "gzip"};
    return gv__http_respond_const(wsi, 200, a->content_type, gz ? a->gz : a->data,
                                  gz ? a->gz_len : a->len, h);
}

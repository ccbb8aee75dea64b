/*
 * Files served from the binary: the pages of web/, their scripts, styles and
 * translations, built in by cmake/embed_dir.cmake as the table gv__web_files
 * (sorted by path, every path under /static/).
 *
 * "/" is web/index.html; a meeting's role page /m/<meeting>/<page> is
 * web/<page>.html, the same file for every meeting (the page reads the
 * meeting id, and the console whether it serves the rapporteur, from its own
 * address). Nothing here inserts request text into
 * HTML: pages are found by name in the fixed table. The strict
 * Content-Security-Policy comes from lws's security headers option
 * (server.c), so a page may load only its own scripts and styles.
 */
#include "server/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

char *gv__static_page(const char *page)
{
    char path[64];
    if (!gv__valid_id(page) || strlen(page) > 40)
        return NULL;
    /* The rapporteur works in the console, which shows them the notes only. */
    if (strcmp(page, "rapporteur") == 0)
        page = "console";
    snprintf(path, sizeof path, "/static/%s.html", page);
    const gv__asset *a = gv__static_find(path);
    if (!a)
        return NULL;
    char *html = malloc(a->len + 1);
    if (html) {
        memcpy(html, a->data, a->len);
        html[a->len] = '\0';
    }
    return html;
}

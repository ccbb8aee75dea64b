/*
 * Fuzz target: what the server parses itself, outside libwebsockets, from a
 * request or from its own links log (src/server).
 *
 * Byte 0 picks what the rest of the input is:
 *   0  a request path: the meeting route (gv__route_meeting), id syntax
 *      (gv__valid_id), the built-in files and role pages (gv__static_find,
 *      gv__static_page);
 *   1  a token from a cookie, a bearer header or /join/<token>
 *      (gv_token_wellformed, gv_token_hash);
 *   2  an error message built from request text (gv__error_json), with
 *      byte 1 as the code and the rest as the message;
 *   3  the links log: one stored event a line, its type picked by the
 *      line's first byte, read back with gv_links_refresh as a server does
 *      once a second.
 * The cookie value and Last-Event-ID / since parsers are static functions
 * reached only through libwebsockets; the server's abuse tests drive them.
 *
 * Checked:
 *   - a routed meeting id is a valid id, exactly the path's segment, and the
 *     tail is the rest of the path; a valid id is 1 to GV__ID_MAX bytes of
 *     [A-Za-z0-9._~-], never starting with '~' (the server's own logs);
 *   - a built-in file is the one asked for; a role page is served only for a
 *     valid page name;
 *   - a well-formed token is exactly GV_TOKEN_CHARS base64url characters;
 *   - an error body is always made, is JSON with valid UTF-8, and carries
 *     the code's name, whatever bytes the message holds;
 *   - reading a links log returns 0 or "corrupt" and every link it keeps has
 *     a known kind and NUL-terminated fields within their bounds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"
#include "server/tokens.h"

#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken (%s:%d): ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define LINKS_EVENTS_MAX 32

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static void fuzz_path(const char *path)
{
    static const char prefix[] = "/api/v1/meetings/";
    char id[GV__ID_MAX + 1];
    const char *tail = NULL;
    if (gv__route_meeting(path, id, sizeof id, &tail)) {
        size_t n = strlen(id);
        FZ_CHECK(gv__valid_id(id), "routed an invalid id \"%s\"", id);
        FZ_CHECK(strncmp(path, prefix, sizeof prefix - 1) == 0, "routed without the prefix");
        FZ_CHECK(strncmp(path + sizeof prefix - 1, id, n) == 0, "id is not the path's segment");
        const char *after = path + sizeof prefix - 1 + n;
        FZ_CHECK(tail && (*after == '\0' ? *tail == '\0' : *after == '/' && tail == after + 1),
                 "tail is not the rest of the path");
    }
    if (gv__valid_id(path)) {
        size_t n = strlen(path);
        FZ_CHECK(n >= 1 && n <= GV__ID_MAX && path[0] != '~', "valid id of %zu bytes", n);
        for (size_t i = 0; i < n; i++)
            FZ_CHECK(id_char(path[i]), "valid id with byte 0x%02x", (unsigned char)path[i]);
    }
    const gv__asset *a = gv__static_find(path);
    if (a)
        FZ_CHECK(strcmp(a->path, path) == 0 ||
                     (strcmp(path, "/") == 0 && strcmp(a->path, "/static/index.html") == 0),
                 "asked for %s, found %s", path, a->path);
    char *html = gv__static_page(path);
    if (html) {
        FZ_CHECK(gv__valid_id(path), "a page for the invalid name \"%s\"", path);
        free(html);
    }
}

static void fuzz_token(const char *s)
{
    if (gv_token_wellformed(s)) {
        FZ_CHECK(strlen(s) == GV_TOKEN_CHARS, "well-formed token of %zu characters", strlen(s));
        for (const char *p = s; *p; p++)
            FZ_CHECK(id_char(*p) && *p != '.' && *p != '~', "token with byte 0x%02x",
                     (unsigned char)*p);
        unsigned char h1[GV_TOKEN_HASH_BYTES], h2[GV_TOKEN_HASH_BYTES];
        gv_token_hash(s, h1);
        gv_token_hash(s, h2);
        FZ_CHECK(memcmp(h1, h2, sizeof h1) == 0, "a token hashes two ways");
    }
}

static void fuzz_error(int code, const char *msg)
{
    json_t *id = json_string("req-1");
    char *body = gv__error_json(code & 1 ? id : NULL, -(code % 12), msg);
    FZ_CHECK(body, "no error body for a message of %zu bytes", strlen(msg));
    json_error_t jerr;
    json_t *j = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    FZ_CHECK(j, "the error body is not JSON (%s): %s", jerr.text, body);
    FZ_CHECK(json_is_string(json_object_get(j, "message")), "no message");
    FZ_CHECK(strcmp(json_string_value(json_object_get(j, "code")), gv_error_name(-(code % 12))) ==
                 0,
             "wrong code");
    FZ_CHECK(!(code & 1) || json_equal(json_object_get(j, "id"), id), "request id lost");
    json_decref(j);
    json_decref(id);
    free(body);
}

static int check_link(void *ud, const gv_link *l)
{
    (void)ud;
    FZ_CHECK(l->kind == GV_LINK_PERSON || l->kind == GV_LINK_ROLE || l->kind == GV_LINK_VIEWER,
             "link of kind %d", (int)l->kind);
    FZ_CHECK(memchr(l->meeting, '\0', sizeof l->meeting) &&
                 memchr(l->subject, '\0', sizeof l->subject) &&
                 memchr(l->label, '\0', sizeof l->label),
             "link field without its NUL");
    FZ_CHECK(gv_links_find(ud, l->hash), "a kept link is not found by its hash");
    return 0;
}

static void fuzz_links(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"link_issued", "link_revoked", "link_issued", "other"};
    gv_error err = {0};
    gv_store *st = gv_store_open_memory(&err);
    FZ_CHECK(st, "memory store: %s", err.msg);
    gv_event_in ev[LINKS_EVENTS_MAX];
    size_t n = 0, pos = 0;
    while (pos < size && n < LINKS_EVENTS_MAX) {
        const uint8_t *start = data + pos, *nl = memchr(start, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - start) : size - pos;
        pos += len + (nl ? 1 : 0);
        if (len < 2)
            continue;
        ev[n] = (gv_event_in){.seq = (int64_t)n + 1,
                              .type = types[start[0] % 4],
                              .at_ms = 1648729800000LL + (int64_t)n,
                              .bytes = start + 1,
                              .len = len - 1};
        n++;
    }
    int rc = gv_store_create_meeting(st, GV_LINKS_LOG, ev, n, &err);
    FZ_CHECK(rc == 0, "the store refuses a links log: %s", err.msg);
    gv_links *l = gv_links_new();
    FZ_CHECK(l, "out of memory");
    rc = gv_links_refresh(l, st, &err);
    FZ_CHECK(rc == 0 || rc == GV_ECORRUPT || rc == GV_ENOMEM, "reading links gave %s",
             gv_error_name(rc));
    FZ_CHECK(rc == 0 || err.msg[0], "refused without a message");
    gv_links_each(l, check_link, l);
    /* Reading again finds nothing new and changes nothing. */
    if (rc == 0)
        FZ_CHECK(gv_links_refresh(l, st, &err) == 0, "a second read fails: %s", err.msg);
    gv_links_free(l);
    gv_store_close(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    FZ_CHECK(s, "out of memory");
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0'; /* text up to its first NUL, as C strings from lws are */
    switch (data[0] % 4) {
    case 0:
        fuzz_path(s);
        break;
    case 1:
        fuzz_token(s);
        break;
    case 2:
        if (size >= 2)
            fuzz_error(data[1], s + 1);
        break;
    default:
        fuzz_links(data + 1, size - 1);
        break;
    }
    free(s);
    return 0;
}

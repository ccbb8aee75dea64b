/*
 * Fuzz target: what the server parses itself, outside libwebsockets, from a
 * request or from its own links log (src/server).
 *
 * Byte 0 picks what the rest of the input is:
 *   0  a request path: the route patterns (gv__http_match), id syntax
 *      (gv__valid_id), the built-in files and role pages (gv__static_find,
 *      gv__static_page);
 *   1  a token from a cookie, a bearer header or /join/<token>
 *      (gv_links_token_wellformed, gv_links_token_hash);
 *   2  an error message built from request text (gv__error_json), with
 *      byte 1 as the code and the rest as the message;
 *   3  the links log: one stored event a line, its type picked by the
 *      line's first byte, read back with gv_links_refresh as a server does
 *      once a second;
 *   4  a Cookie header: byte 1 sets the room for the value (1 to 64 bytes),
 *      then the cookie's name, a newline and the header (gv__cookie_value);
 *   5  a ?since= or Last-Event-ID value (gv__parse_seq);
 *   6  an Origin check: byte 1's bits 0-2 make the Origin, the Host and the
 *      public URL absent, then the three, one a line (gv__origin_allowed);
 *   7  conditional and compressed answers for static files: an
 *      Accept-Encoding value, a newline, an If-None-Match value
 *      (gv__accepts_gzip, gv__etag_matches).
 *
 * Checked:
 *   - a path a route pattern matches is the pattern with its captures put
 *     back, byte for byte: a meeting id that is a valid id, a '*' without a
 *     '/', a '**' of at least one byte; a valid id is 1 to GV__ID_MAX bytes
 *     of [A-Za-z0-9._~-], never starting with '~' (the server's own logs);
 *   - a built-in file is the one asked for; a role page is served only for a
 *     valid page name;
 *   - a well-formed token is exactly GV_LINKS_TOKEN_CHARS base64url characters;
 *   - an error body is always made, is JSON with valid UTF-8, and carries
 *     the code's name, whatever bytes the message holds;
 *   - reading a links log returns 0 or "corrupt" and every link it keeps has
 *     a known kind and NUL-terminated fields within their bounds;
 *   - a cookie value found fits its room, holds no ';' and stands in the
 *     header as name=value, whole; a cookie whose name is a meeting's is
 *     always found after other cookies;
 *   - a sequence number accepted is 1 to 16 digits whose value is at most
 *     2^53 and prints back to them (leading zeros aside); a refusal leaves
 *     the output alone, and every digit string up to 2^53 is accepted;
 *   - gzip is taken only when the value names gzip, x-gzip or "*"; an
 *     entity tag matches only a list holding "*" or the tag itself, and
 *     always matches "*", itself, its weak form, and a list of plain tokens
 *     followed by it;
 *   - an Origin passes only when absent, or when it is http(s)://authority
 *     with nothing else and that authority is the Host's or the public URL's
 *     (default ports aside); the Host's own origin and the public URL's
 *     always pass.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/client.h"
#include "server/headers.h"
#include "server/http.h"
#include "server/static.h"
#include "server/links.h"

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

/* The pattern with the captures of req put back in place of {m}, * and **. */
static void rebuild(const char *pattern, const gv__request *req, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = pattern; *p && n + 1 < size;) {
        const char *cap = NULL;
        size_t cl = 0, skip = 1;
        if (strncmp(p, "{m}", 3) == 0) {
            cap = req->meeting;
            cl = strlen(req->meeting);
            skip = 3;
        } else if (strncmp(p, "**", 2) == 0 || *p == '*') {
            cap = req->arg;
            cl = req->arg_len;
            skip = p[1] == '*' ? 2 : 1;
        }
        if (cap) {
            n += (size_t)snprintf(out + n, size - n, "%.*s", (int)cl, cap);
            p += skip;
        } else {
            out[n++] = *p++;
        }
    }
    out[n < size ? n : size - 1] = '\0';
}

static void fuzz_path(const char *path)
{
    static const char *const patterns[] = {"/api/v1/meetings/{m}/snapshot",
                                           "/api/v1/meetings/{m}/links/*/revoke", "/join/**",
                                           "/api/v1/meetings"};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        gv__request req;
        if (!gv__http_match(patterns[i], path, &req))
            continue;
        char back[4096];
        rebuild(patterns[i], &req, back, sizeof back);
        FZ_CHECK(strcmp(back, path) == 0, "%s matched %s but puts back %s", patterns[i], path,
                 back);
        FZ_CHECK(!strstr(patterns[i], "{m}") || gv__valid_id(req.meeting),
                 "routed an invalid id \"%s\"", req.meeting);
        FZ_CHECK(!strchr(patterns[i], '*') || req.arg_len > 0, "an empty * matched");
        FZ_CHECK(strstr(patterns[i], "**") || !memchr(req.arg, '/', req.arg_len), "a * took a '/'");
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
    if (gv_links_token_wellformed(s)) {
        FZ_CHECK(strlen(s) == GV_LINKS_TOKEN_CHARS, "well-formed token of %zu characters",
                 strlen(s));
        for (const char *p = s; *p; p++)
            FZ_CHECK(id_char(*p) && *p != '.' && *p != '~', "token with byte 0x%02x",
                     (unsigned char)*p);
        unsigned char h1[GV_LINKS_HASH_BYTES], h2[GV_LINKS_HASH_BYTES];
        gv_links_token_hash(s, h1);
        gv_links_token_hash(s, h2);
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

/* A cookie name as the server makes them: gavel_ and a meeting id. */
static bool n_valid_name(const char *name)
{
    return strncmp(name, "gavel_", 6) == 0 && gv__valid_id(name + 6);
}

static void fuzz_cookie(unsigned room, const char *text)
{
    const char *nl = strchr(text, '\n');
    if (!nl)
        return;
    char name[256];
    size_t nl_len = (size_t)(nl - text);
    if (nl_len >= sizeof name)
        return;
    memcpy(name, text, nl_len);
    name[nl_len] = '\0';
    const char *header = nl + 1;
    size_t size = room % 64 + 1;
    char out[65];
    memset(out, 'z', sizeof out);
    if (gv__cookie_value(header, name, out, size)) {
        size_t vl = strlen(out);
        FZ_CHECK(vl < size, "a value of %zu bytes in %zu", vl, size);
        FZ_CHECK(!strchr(out, ';'), "a value with ';': %s", out);
        /* name=value stands whole in the header: at its start or after a
         * space or ';', and followed by ';' or its end. */
        bool whole = false;
        size_t n = strlen(name);
        for (const char *p = strstr(header, name); p && *p && !whole; p = strstr(p + 1, name))
            whole = (p == header || p[-1] == ' ' || p[-1] == ';') && p[n] == '=' &&
                    strncmp(p + n + 1, out, vl) == 0 && (p[n + 1 + vl] == ';' || !p[n + 1 + vl]);
        FZ_CHECK(whole, "\"%s\" is not a whole cookie %s of \"%s\"", out, name, header);
    }
    /* A meeting's cookie after another cookie is found, whatever that holds;
     * the first cookie of that name decides. */
    if (n_valid_name(name)) {
        size_t n = strlen(name), first = strcspn(header, ";");
        char *h = malloc(first + n + 8);
        FZ_CHECK(h, "out of memory");
        sprintf(h, "%.*s; %s=v", (int)first, header, name);
        const char *p = h + strspn(h, " ");
        bool first_is_it = strncmp(p, name, n) == 0 && p[n] == '=';
        size_t want_len = first_is_it ? strcspn(p + n + 1, ";") : 1;
        bool found = gv__cookie_value(h, name, out, size);
        FZ_CHECK(found == (want_len < size), "cookie %s in \"%s\": found %d", name, h, found);
        FZ_CHECK(!found || strncmp(out, first_is_it ? p + n + 1 : "v", want_len) == 0,
                 "cookie %s in \"%s\" read as \"%s\"", name, h, out);
        free(h);
    }
}

static void fuzz_seq(const char *text)
{
    const int64_t max = INT64_C(1) << 53;
    int64_t v = -7;
    int rc = gv__parse_seq(text, &v);
    size_t len = strlen(text), digits = strspn(text, "0123456789");
    const char *sig = text + strspn(text, "0");
    if (rc == 0) {
        FZ_CHECK(len > 0 && digits == len, "accepted \"%s\"", text);
        FZ_CHECK(v >= 0 && v <= max, "accepted %" PRId64, v);
        char back[32];
        snprintf(back, sizeof back, "%" PRId64, v);
        FZ_CHECK(strcmp(back, *sig ? sig : "0") == 0, "\"%s\" read as %s", text, back);
    } else {
        FZ_CHECK(rc == GV_EINVAL && v == -7, "a refusal of \"%s\" gave %d, %" PRId64, text, rc, v);
        /* Only empty, non-digit or too large values are refused. */
        FZ_CHECK(len == 0 || digits != len || strlen(sig) > 16 || strtoll(sig, NULL, 10) > max,
                 "refused \"%s\"", text);
    }
}

/* The authority of "http[s]://authority", or NULL. */
static const char *origin_authority(const char *origin, bool *https)
{
    *https = strncasecmp(origin, "https://", 8) == 0;
    if (*https)
        return origin + 8;
    return strncasecmp(origin, "http://", 7) == 0 ? origin + 7 : NULL;
}

/* Compares host[:port] strings as the Origin rule does (default ports aside). */
static bool same_host(const char *a, size_t al, const char *b, size_t bl, bool https)
{
    const char *port = https ? ":443" : ":80";
    size_t pl = strlen(port);
    if (al > pl && strncmp(a + al - pl, port, pl) == 0)
        al -= pl;
    if (bl > pl && strncmp(b + bl - pl, port, pl) == 0)
        bl -= pl;
    return al == bl && strncasecmp(a, b, al) == 0;
}

/* Does `hay` hold `needle`, ignoring ASCII case? */
static bool has_nocase(const char *hay, const char *needle)
{
    for (size_t n = strlen(needle); *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static void fuzz_conditional(const char *text)
{
    char *copy = strdup(text);
    FZ_CHECK(copy, "out of memory");
    char *nl = strchr(copy, '\n');
    const char *inm = "";
    if (nl) {
        *nl = '\0';
        inm = nl + 1;
    }
    if (gv__accepts_gzip(copy))
        FZ_CHECK(has_nocase(copy, "gzip") || strchr(copy, '*'), "gzip taken from \"%s\"", copy);
    const char *etag = "\"0123456789abcdef0123-gz\"";
    if (gv__etag_matches(inm, etag))
        FZ_CHECK(strchr(inm, '*') || strstr(inm, etag), "\"%s\" matched %s", inm, etag);
    FZ_CHECK(gv__etag_matches("*", etag) && gv__etag_matches(etag, etag) &&
                 gv__etag_matches("W/\"0123456789abcdef0123-gz\"", etag),
             "an entity tag does not match itself");
    /* Plain tokens (no quote) before the tag in a list do not hide it. */
    if (!strchr(inm, '"') && strlen(inm) < 4000) {
        char list[4100];
        snprintf(list, sizeof list, "%s, %s", inm, etag);
        FZ_CHECK(gv__etag_matches(list, etag), "\"%s\" did not match %s", list, etag);
    }
    free(copy);
}

static void fuzz_origin(unsigned flags, const char *text)
{
    char *copy = strdup(text);
    FZ_CHECK(copy, "out of memory");
    char *fields[3] = {copy, NULL, NULL};
    for (int i = 1; i < 3 && fields[i - 1]; i++) {
        char *nl = strchr(fields[i - 1], '\n');
        if (nl) {
            *nl = '\0';
            fields[i] = nl + 1;
        }
    }
    const char *origin = flags & 1 ? NULL : fields[0];
    const char *host = flags & 2 ? NULL : fields[1];
    const char *base = flags & 4 ? NULL : fields[2];
    bool ok = gv__origin_allowed(origin, host, base);
    if (!origin) {
        FZ_CHECK(ok, "no Origin refused");
    } else if (ok) {
        bool https;
        const char *auth = origin_authority(origin, &https);
        FZ_CHECK(auth && *auth, "passed Origin \"%s\"", origin);
        size_t al = strlen(auth);
        for (const char *p = auth; *p; p++)
            FZ_CHECK(isalnum((unsigned char)*p) || strchr("-.:[]", *p),
                     "passed Origin \"%s\" with byte 0x%02x", origin, (unsigned char)*p);
        bool base_https;
        const char *base_auth = base ? origin_authority(base, &base_https) : NULL;
        bool by_host = host && same_host(auth, al, host, strlen(host), https);
        bool by_base = base_auth && base_https == https &&
                       same_host(auth, al, base_auth, strcspn(base_auth, "/?#"), https);
        FZ_CHECK(by_host || by_base, "passed Origin \"%s\" for Host \"%s\", public URL \"%s\"",
                 origin, host ? host : "(none)", base ? base : "(none)");
    }
    /* The Host's own page, and the public URL's, always pass. */
    if (host && *host && strlen(host) <= 255 &&
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
                     "KLMNOPQRSTUVWXYZ0123456789-.:[]") == strlen(host)) {
        char own[300];
        snprintf(own, sizeof own, "https://%s", host);
        FZ_CHECK(gv__origin_allowed(own, host, base), "the Host's own origin %s refused", own);
    }
    bool base_https;
    const char *base_auth = base ? origin_authority(base, &base_https) : NULL;
    size_t bl = base_auth ? strcspn(base_auth, "/?#") : 0;
    if (base_auth && bl > 0 && bl <= 255 &&
        strspn(base_auth, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:[]") ==
            bl) {
        char own[300];
        snprintf(own, sizeof own, "%s://%.*s", base_https ? "https" : "http", (int)bl, base_auth);
        FZ_CHECK(gv__origin_allowed(own, NULL, base), "the public URL's origin %s refused", own);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    FZ_CHECK(s, "out of memory");
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0'; /* text up to its first NUL, as C strings from lws are */
    switch (data[0] % 8) {
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
    case 3:
        fuzz_links(data + 1, size - 1);
        break;
    case 4:
        if (size >= 2)
            fuzz_cookie(data[1], s + 1);
        break;
    case 5:
        fuzz_seq(s);
        break;
    case 6:
        if (size >= 2)
            fuzz_origin(data[1], s + 1);
        break;
    default:
        fuzz_conditional(s);
        break;
    }
    free(s);
    return 0;
}

/*
 * Headers: what the server reads from a request itself (cookie values,
 * query arguments, a stream's position, the peer's address, the Origin of a
 * WebSocket or a command, the type of a command's body), and the security
 * headers it sends with every response.
 *
 * Parsing is kept apart from libwebsockets: gv__cookie_value,
 * gv__parse_seq and gv__origin_allowed take plain strings, so that the fuzz
 * target tests/fuzz/http_fuzz.c reaches them directly.
 *
 * The Origin rule (docs/security.md): a request without an Origin header is
 * a program, not a page, and carries its own credentials (a bearer token);
 * it passes. A request with one passes only when the page that sent it is
 * the server's own: the Origin's host and port are the request's Host (the
 * scheme is not compared, so that a plain server behind a TLS proxy that
 * keeps the Host works), or the Origin is exactly the origin of the public
 * URL. Default ports (:80 for http, :443 for https) are dropped before
 * comparing. "null", paths, user names and odd characters never pass.
 *
 * Security headers are given to lws once, as the vhost's canned headers,
 * which lws adds to every response it writes, ours and its own errors (not
 * the WebSocket handshake's 101). They replace lws's "best practices" set,
 * which has no HSTS, a connect-src open to every WebSocket host and the
 * obsolete X-XSS-Protection. The list lives in struct gv_server, which
 * outlives the context.
 */
#include "server/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool gv__cookie_value(const char *header, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            if (vl >= size)
                return false;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        p += len;
    }
    return false;
}

/* 2^53 bounds a sequence number: larger ones do not survive a JSON number
 * in a browser. The bound is checked before each digit is added (up to
 * 9007199254740999 passed when only v * 10 was bounded). */
int gv__parse_seq(const char *s, int64_t *out)
{
    const int64_t max = INT64_C(1) << 53;
    int64_t v = 0;
    if (!*s)
        return GV_EINVAL;
    for (; *s; s++) {
        int d = *s - '0';
        if (d < 0 || d > 9 || v > (max - d) / 10)
            return GV_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

bool gv__query_arg(struct lws *wsi, const char *name, char *buf, size_t size)
{
    char key[40];
    char tmp[1024]; /* a file name of 200 bytes, percent-encoded */
    snprintf(key, sizeof key, "%s=", name);
    const char *v = lws_get_urlarg_by_name(wsi, key, tmp, (int)sizeof tmp);
    if (!v)
        return false;
    snprintf(buf, size, "%s", v);
    return true;
}

/* Is addr one of the comma-separated addresses of list? */
static bool listed(const char *list, const char *addr)
{
    size_t n = strlen(addr);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, addr, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* An address as a proxy writes it: IPv4 or IPv6 characters only. */
static bool address_like(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 46 && strspn(s, "0123456789abcdefABCDEF.:") == n;
}

void gv__peer_addr(struct lws *wsi, char *addr, size_t size)
{
    addr[0] = '\0';
    if (!lws_get_peer_simple(wsi, addr, size)) {
        snprintf(addr, size, "unknown");
        return;
    }
    /* Behind a proxy the server trusts (--trusted-proxy), the client is the
     * address the proxy says (nginx: X-Real-IP $remote_addr). */
    const struct gv_server *s = gv__server_of(wsi);
    char real[64];
    if (s && s->cfg.trusted_proxies && listed(s->cfg.trusted_proxies, addr) &&
        lws_hdr_custom_copy(wsi, real, sizeof real, "x-real-ip:", 10) > 0 && address_like(real))
        snprintf(addr, size, "%s", real);
}

int gv__since_param(struct lws *wsi, int64_t *since, gv_error *err)
{
    char buf[64];
    *since = -1;
    int n = lws_hdr_custom_length(wsi, "last-event-id:", 14);
    if (n > 0) {
        if (n >= (int)sizeof buf ||
            lws_hdr_custom_copy(wsi, buf, sizeof buf, "last-event-id:", 14) < 0)
            return gv_error_set(err, GV_EINVAL, "Last-Event-ID is too long");
        if (buf[0] == '\0') /* an EventSource told to forget its place: start from a snapshot */
            return 0;
        if (gv__parse_seq(buf, since) < 0)
            return gv_error_set(err, GV_EINVAL,
                                "Last-Event-ID \"%.40s\" is not an event's sequence number", buf);
        return 0;
    }
    if (gv__query_arg(wsi, "since", buf, sizeof buf) && gv__parse_seq(buf, since) < 0)
        return gv_error_set(err, GV_EINVAL,
                            "since=\"%.40s\" is not a sequence number: give the seq of the last "
                            "event you have",
                            buf);
    return 0;
}

int gv__resume_param(struct lws *wsi, bool *state, gv_error *err)
{
    char buf[16];
    *state = false;
    if (!gv__query_arg(wsi, "resume", buf, sizeof buf) || strcmp(buf, "events") == 0)
        return 0;
    if (strcmp(buf, "state") == 0) {
        *state = true;
        return 0;
    }
    return gv_error_set(
        err, GV_EINVAL,
        "resume=\"%.15s\" is not a way to resume: say resume=state (the view's "
        "snapshot when the events missed weigh more) or resume=events (every event)",
        buf);
}

/* ---- origins -------------------------------------------------------------- */

/* Characters of a host[:port] as browsers send them (IPv6 in brackets). */
static bool authority_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == ':' || c == '[' || c == ']';
}

/* A host[:port] of 1..255 authority characters, ending at its length. */
static bool valid_authority(const char *a, size_t len)
{
    if (len == 0 || len > 255)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!authority_char(a[i]))
            return false;
    return true;
}

/*
 * Splits "http[s]://host[:port]..." into the scheme and the authority (up to
 * the first '/', '?' or '#'). With origin_only, nothing may follow the
 * authority. false when it is not such a URL.
 */
static bool split_url(const char *url, bool origin_only, bool *https, const char **auth,
                      size_t *len)
{
    if (strncasecmp(url, "https://", 8) == 0) {
        *https = true;
        *auth = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        *https = false;
        *auth = url + 7;
    } else {
        return false;
    }
    *len = strcspn(*auth, "/?#");
    if (origin_only && (*auth)[*len] != '\0')
        return false;
    return valid_authority(*auth, *len);
}

/* The authority's length without the scheme's default port. */
static size_t without_default_port(const char *a, size_t len, bool https)
{
    const char *port = https ? ":443" : ":80";
    size_t pl = strlen(port);
    if (len > pl && strncmp(a + len - pl, port, pl) == 0)
        return len - pl;
    return len;
}

static bool same_authority(const char *a, size_t al, const char *b, size_t bl, bool https)
{
    al = without_default_port(a, al, https);
    bl = without_default_port(b, bl, https);
    return al == bl && strncasecmp(a, b, al) == 0;
}

bool gv__origin_allowed(const char *origin, const char *host, const char *base_url)
{
    if (!origin)
        return true;
    bool https, base_https;
    const char *auth, *base_auth;
    size_t len, base_len;
    if (!split_url(origin, true, &https, &auth, &len))
        return false;
    if (host && valid_authority(host, strlen(host)) &&
        same_authority(auth, len, host, strlen(host), https))
        return true;
    return base_url && split_url(base_url, false, &base_https, &base_auth, &base_len) &&
           base_https == https && same_authority(auth, len, base_auth, base_len, https);
}

int gv__header_copy(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t size)
{
    int n = lws_hdr_total_length(wsi, t);
    if (n <= 0)
        return 0;
    if ((size_t)n >= size || lws_hdr_copy(wsi, buf, (int)size, t) < 0)
        return -1;
    return n;
}

int gv__origin_check(struct gv_server *s, struct lws *wsi, gv_error *err)
{
    char origin[300], host[300];
    int n = gv__header_copy(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
    if (n == 0)
        return 0;
    int h = gv__header_copy(wsi, WSI_TOKEN_HOST, host, sizeof host);
    if (h == 0)
        h = gv__header_copy(wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY, host, sizeof host);
    if (n > 0 && gv__origin_allowed(origin, h > 0 ? host : NULL, s->base_url))
        return 0;
    return gv_error_set(err, GV_EPERM,
                        "this request comes from a page of another site (Origin \"%.100s\"): "
                        "only pages served by %s may use a meeting's links",
                        n > 0 ? origin : "too long", s->base_url);
}

int gv__json_body_check(struct lws *wsi, gv_error *err)
{
    char ct[200];
    int n = gv__header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, ct, sizeof ct);
    static const char json[] = "application/json";
    if (n > 0 && strncasecmp(ct, json, sizeof json - 1) == 0 &&
        (ct[sizeof json - 1] == '\0' || ct[sizeof json - 1] == ';' || ct[sizeof json - 1] == ' '))
        return 0;
    return gv_error_set(err, GV_EINVAL,
                        "send the command as \"Content-Type: application/json\" (it was %s%.60s%s)",
                        n > 0 ? "\"" : "",
                        n > 0    ? ct
                        : n == 0 ? "missing"
                                 : "too long",
                        n > 0 ? "\"" : "");
}

/* ---- security headers --------------------------------------------------- */

/*
 * The Content-Security-Policy: this server's own scripts, styles, images and
 * fonts only, no inline script or style, no plugin, no frame around the
 * pages, no form to another site. connect-src names the WebSocket origin of
 * the public URL besides 'self', for browsers that do not count ws: and wss:
 * as 'self'.
 */
static void write_csp(struct gv_server *s)
{
    bool https = false;
    const char *auth = NULL;
    size_t len = 0;
    char ws[300] = "";
    if (s->base_url && split_url(s->base_url, false, &https, &auth, &len))
        snprintf(ws, sizeof ws, " %s://%.*s", https ? "wss" : "ws", (int)len, auth);
    snprintf(s->csp, sizeof s->csp,
             "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "font-src 'self'; connect-src 'self'%s; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'",
             ws);
}

void gv__security_headers_init(struct gv_server *s)
{
    static const char *const fixed[][2] = {
        {"x-content-type-options:", "nosniff"},
        /* Links carry tokens: no page tells another site where it came from. */
        {"referrer-policy:", "no-referrer"},
        {"x-frame-options:", "DENY"},
        {"cross-origin-opener-policy:", "same-origin"},
        {"cross-origin-resource-policy:", "same-origin"},
        {"permissions-policy:", "camera=(), microphone=(), geolocation=()"},
    };
    size_t n = 0;
    write_csp(s);
    s->sec_headers[n++] =
        (struct lws_protocol_vhost_options){.name = "content-security-policy:", .value = s->csp};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        s->sec_headers[n++] =
            (struct lws_protocol_vhost_options){.name = fixed[i][0], .value = fixed[i][1]};
    /* A year; no includeSubDomains, which is the domain owner's decision. */
    if (s->tls)
        s->sec_headers[n++] = (struct lws_protocol_vhost_options){
            .name = "strict-transport-security:", .value = "max-age=31536000"};
    for (size_t i = 0; i + 1 < n; i++)
        s->sec_headers[i].next = &s->sec_headers[i + 1];
}

void gv__security_headers_bound(struct gv_server *s)
{
    write_csp(s);
}

void gv__content_disposition(char *buf, size_t size, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    char plain[256], enc[768];
    size_t n = 0, k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n + 4 < sizeof enc; p++) {
        bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
        if (safe) {
            enc[n++] = (char)*p;
        } else {
            enc[n++] = '%';
            enc[n++] = hex[*p >> 4];
            enc[n++] = hex[*p & 15];
        }
        /* The quoted form keeps no quote, backslash, control or non-ASCII byte. */
        if (k + 1 < sizeof plain)
            plain[k++] = *p == '"' || *p == '\\' || *p < 0x20 || *p > 0x7e ? '_' : (char)*p;
    }
    enc[n] = '\0';
    plain[k] = '\0';
    snprintf(buf, size, "attachment; filename=\"%s\"; filename*=UTF-8''%s", plain, enc);
}

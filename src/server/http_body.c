/*
 * Request bodies and answers made later: the two ways a route's answer waits.
 *
 * A body (gv__http_read_body): the route checks what it can from the
 * headers, then asks for the body with a bound and a callback. The
 * announced Content-Length is checked first, so an oversized body is
 * refused before a byte of it is read (and the connection closed, since its
 * bytes would otherwise be taken for the next request). The pieces are
 * gathered into one buffer of the announced size; more than announced
 * closes the connection. A body the server must not hold (a caller without
 * the right to send it) is read and dropped, so the refusal reaches the
 * client on a connection that stays usable.
 *
 * Bodies being read count against one budget of the server's,
 * GV__BODIES_MAX_BYTES: a body that would pass it is refused (503, retry
 * later) before it is read, so that many slow senders of large bodies
 * cannot make the server hold more than that.
 *
 * A deferred answer (gv__later): the route hands work to another thread
 * and the transaction waits with no timeout; the wait is bounded by the
 * worker's queue. Who frees the gv__later is written in http.h.
 */
#include <stdlib.h>
#include <string.h>

#include "server/http.h"

/* Frees the body being read and gives its bytes back to the budget. */
static void drop_rx(gv__http_txn *t)
{
    if (t->rx)
        t->srv->body_bytes -= t->rx_max;
    free(t->rx);
    t->rx = NULL;
}

int gv__http_read_body(struct lws *wsi, size_t max, bool keep,
                       int (*done)(struct lws *wsi, char *body, size_t len))
{
    gv__http_txn *t = lws_wsi_user(wsi);
    char cl[24], *end;
    gv_error err;
    /* Refused bodies are not read: the connection cannot carry another request. */
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return gv__http_refuse(wsi, 411, GV_EINVAL, "send the body with a Content-Length");
    unsigned long long n = strtoull(cl, &end, 10);
    if (*end || cl[0] < '0' || cl[0] > '9')
        return gv__http_refuse(wsi, 400, GV_EINVAL, "the Content-Length is not a number");
    if (n == 0)
        return gv__http_error(wsi, GV_EINVAL, "the body is empty");
    if (n > max) {
        gv_error_set(&err, GV_ELIMIT, "the body is %llu bytes: at most %zu (%zu MiB)", n, max,
                     max >> 20);
        return gv__http_refuse(wsi, 413, GV_ELIMIT, err.msg);
    }
    drop_rx(t);
    struct gv_server *s = gv__server_of(wsi);
    if (keep && s->body_bytes + (size_t)n > GV__BODIES_MAX_BYTES)
        return gv__http_refuse(wsi, 503, GV_EBUSY,
                               "the server is receiving other large files: send again in a few "
                               "seconds");
    if (keep && !(t->rx = malloc((size_t)n + 1)))
        return gv__http_refuse(wsi, 503, GV_ENOMEM, "out of memory for the body: retry later");
    if (keep) {
        t->srv = s;
        s->body_bytes += (size_t)n;
    }
    t->rx_len = 0;
    t->rx_max = (size_t)n;
    t->rx_done = done;
    return 0;
}

int gv__http_body_piece(gv__http_txn *t, const void *in, size_t len)
{
    if (!t->rx_done)
        return 0;
    if (len > t->rx_max - t->rx_len)
        return -1; /* more than its Content-Length said */
    if (t->rx)
        memcpy(t->rx + t->rx_len, in, len);
    t->rx_len += len;
    return 0;
}

int gv__http_body_complete(struct lws *wsi, gv__http_txn *t)
{
    if (!t->rx_done)
        return 0;
    int (*done)(struct lws *, char *, size_t) = t->rx_done;
    char *body = t->rx;
    size_t n = t->rx_len;
    if (t->rx)
        t->srv->body_bytes -= t->rx_max;
    t->rx_done = NULL;
    t->rx = NULL;
    t->rx_len = 0;
    if (body)
        body[n] = '\0';
    return done(wsi, body, n);
}

/* The request lets go of l: answered, or its connection closed. */
static void later_release(gv__later *l)
{
    l->wsi = NULL;
    if (l->back)
        l->free(l);
}

void gv__later_back(gv__later *l)
{
    l->back = true;
    if (l->wsi)
        lws_callback_on_writable(l->wsi);
    else
        l->free(l);
}

void gv__http_defer(struct lws *wsi, gv__later *l)
{
    gv__http_txn *t = lws_wsi_user(wsi);
    t->later = l;
    l->wsi = wsi;
    l->back = false;
    /* The wait is bounded by the worker's queue, not a timer. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
}

int gv__http_later_write(struct lws *wsi, gv__http_txn *t)
{
    gv__later *l = t->later;
    if (!l)
        return 1;
    if (!l->back)
        return 0;
    t->later = NULL;
    int rc = l->write(l, wsi);
    later_release(l);
    return rc;
}

void gv__http_body_release(gv__http_txn *t)
{
    drop_rx(t);
    t->rx_len = 0;
    t->rx_done = NULL;
    if (t->later) {
        gv__later *l = t->later;
        t->later = NULL;
        later_release(l);
    }
}

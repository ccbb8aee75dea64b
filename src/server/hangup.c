/*
 * Closed SSE peers, found as soon as their socket says so.
 *
 * libwebsockets does not read an HTTP/1.1 connection while it sends the
 * response, and in libev's loop (decision 0010) it is not told of a hang-up
 * either: libev reports one as readable. So a closed peer's socket stays
 * readable and unread, and the loop would turn without waiting until the
 * tick's peek (server.c, peer_closed) found it, up to a second later. An SSE
 * client sends nothing after its request, so the server watches each
 * stream's socket for reading itself: readable with nothing to read (a peek
 * gives 0) or with an error means the peer is gone, and the stream is closed
 * there and then, outside every lws callback. Bytes after the request are
 * left to lws, as before, and the stream to the tick's peek.
 *
 * The peek is a system call per stream, 10,000 in one turn of the loop each
 * second at 10,000 streams, during which no event goes out; so the tick
 * peeks only at the streams not watched here (peeked, counted in n_peeked),
 * and walks the readers for it only when there are some.
 */
#include "server/hangup.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <ev.h>

static void readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    gv__client *c = w->data;
    char b;
    ssize_t n = recv(w->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    ev_io_stop(loop, w);
    if (n > 0) {
        gv__hangup_peek(c); /* bytes after the request: lws's to read */
        return;
    }
    if (!c->wsi)
        return;
    /* Closing calls gv__client_gone, which frees w and may free c. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
}

void gv__hangup_watch(gv__client *c)
{
    int fd = c->wsi ? lws_get_socket_fd(c->wsi) : -1;
    if (c->hangup)
        return;
    ev_io *w = fd < 0 ? NULL : malloc(sizeof *w);
    if (!w) {
        gv__hangup_peek(c);
        return;
    }
    ev_io_init(w, readable, fd, EV_READ);
    w->data = c;
    ev_io_start(c->srv->loop, w);
    c->hangup = w;
}

void gv__hangup_peek(gv__client *c)
{
    if (c->peeked)
        return;
    c->peeked = true;
    c->srv->n_peeked++;
}

void gv__hangup_unwatch(gv__client *c)
{
    if (c->peeked) {
        c->peeked = false;
        c->srv->n_peeked--;
    }
    if (!c->hangup)
        return;
    ev_io_stop(c->srv->loop, c->hangup);
    free(c->hangup);
    c->hangup = NULL;
}

/*
 * Frames: encoded messages shared by every connection that writes them.
 *
 * An event is encoded once per transport when its commit completes, and the
 * same frame is then written to every subscriber (docs/design.md, "Encode once").
 * lws_write needs LWS_PRE writable bytes before the payload for the protocol
 * header; each write fills them in and sends (or copies what the socket did
 * not take) before returning, so one frame can serve many connections in
 * turn on the loop thread. The reference count is not atomic: frames never
 * leave the loop thread.
 *
 * Compression is shared the same way: a message is compressed once, on its
 * own (no dictionary from earlier messages), so the compressed bytes are the
 * same for every connection that agreed to them. The WebSocket form carries
 * its frame header too: a server's frames are not masked, so the whole frame
 * is the same bytes for every reader. A room's events are also compressed
 * in one deflate stream per view, context kept (gv__frame_ws_in_context,
 * room_deflate.c), for the readers that follow that stream.
 */
#include "server/frame.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/meeting.h"
#include "server/server_internal.h"

gv__frame *gv__frame_new(size_t len)
{
    if (len > SIZE_MAX - sizeof(gv__frame) - LWS_PRE - 1)
        return NULL;
    gv__frame *f = malloc(sizeof *f + LWS_PRE + len + 1);
    if (!f)
        return NULL;
    f->refs = 1;
    f->made_us = gv__mono_us();
    memset(f->wire, 0, sizeof f->wire);
    f->crc = f->crc_op = 0;
    f->len = len;
    f->payload = f->mem + LWS_PRE;
    f->payload[len] = '\0';
    return f;
}

gv__frame *gv__frame_copy(const void *data, size_t len)
{
    gv__frame *f = gv__frame_new(len);
    if (f && len)
        memcpy(f->payload, data, len);
    return f;
}

gv__frame *gv__frame_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    gv__frame *f = gv__frame_new((size_t)n);
    if (!f)
        return NULL;
    va_start(ap, fmt);
    vsnprintf((char *)f->payload, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return f;
}

gv__frame *gv__frame_json(const json_t *json)
{
    char *text = gv_json_text(json);
    if (!text)
        return NULL;
    gv__frame *f = gv__frame_copy(text, strlen(text));
    free(text);
    return f;
}

gv__frame *gv__frame_ref(gv__frame *f)
{
    if (f)
        f->refs++;
    return f;
}

void gv__frame_unref(gv__frame *f)
{
    if (!f || --f->refs > 0)
        return;
    for (int w = 0; w < GV__WIRE_COUNT; w++)
        gv__frame_unref(f->wire[w]);
    free(f);
}

/* One deflater for every message compressed on its own (loop thread only),
 * reset for each. */
static z_stream deflater;
static bool deflater_ready;

/* f's payload deflated in z (its context as it stands), ending with a sync
 * flush (its last four bytes 00 00 ff ff), in a new frame with head bytes
 * free before it. */
static gv__frame *deflated_in(z_stream *z, const gv__frame *f, size_t head)
{
    size_t bound = deflateBound(z, f->len) + 16;
    gv__frame *out = gv__frame_new(head + bound);
    if (!out)
        return NULL;
    z->next_in = f->payload;
    z->avail_in = (uInt)f->len;
    z->next_out = out->payload + head;
    z->avail_out = (uInt)bound;
    if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in) {
        gv__frame_unref(out);
        return NULL;
    }
    out->len = head + bound - z->avail_out;
    return out;
}

/* f's payload deflated on its own. */
static gv__frame *deflated(const gv__frame *f, size_t head)
{
    if (!deflater_ready) {
        if (deflateInit2(&deflater, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return NULL;
        deflater_ready = true;
    } else if (deflateReset(&deflater) != Z_OK) {
        return NULL;
    }
    return deflated_in(&deflater, f, head);
}

/* Writes the header of an unmasked, final WebSocket text frame of len bytes
 * into out (at most 10 bytes); returns its length. */
static size_t ws_header(unsigned char *out, size_t len, bool compressed)
{
    out[0] = 0x80 | 0x01 | (compressed ? 0x40 : 0);
    if (len < 126) {
        out[1] = (unsigned char)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

/* z's output for one message (at z->payload + 10, with its trailing
 * 00 00 ff ff) made a compressed WebSocket frame: its header put just before
 * it, the trailer dropped (RFC 7692 7.2.1). */
static gv__frame *ws_compressed(gv__frame *z)
{
    unsigned char head[10];
    size_t zlen = z->len - 10 - 4;
    size_t h = ws_header(head, zlen, true);
    memcpy(z->payload + 10 - h, head, h);
    z->payload += 10 - h; /* the headroom before it grows: still LWS_PRE at least */
    z->len = h + zlen;
    return z;
}

/* The WebSocket frame: header then payload (plain), or header then the
 * payload deflated without its trailing 00 00 ff ff (RFC 7692 7.2.1). */
static gv__frame *ws_frame(const gv__frame *f, bool compress)
{
    unsigned char head[10];
    if (compress) {
        gv__frame *z = deflated(f, 10);
        if (!z)
            return NULL;
        if (z->len - 10 - 4 < f->len)
            return ws_compressed(z);
        gv__frame_unref(z); /* not smaller: sent as it is, which RFC 7692 allows */
    }
    size_t h = ws_header(head, f->len, false);
    gv__frame *w = gv__frame_new(h + f->len);
    if (w) {
        memcpy(w->payload, head, h);
        memcpy(w->payload + h, f->payload, f->len);
    }
    return w;
}

/* The payload's CRC-32, and what appends it to another's, made once per
 * frame (a frame may be compressed alone and in each view's stream): every
 * gzip reader's stream takes it with one crc32_combine_op. crc_op is never 0
 * once made (x^n modulo the CRC's polynomial). */
static void payload_crc(gv__frame *f)
{
    if (f->crc_op)
        return;
    f->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), f->payload, (uInt)f->len);
    f->crc_op = (uint32_t)crc32_combine_gen((z_off_t)f->len);
}

gv__frame *gv__frame_wire(gv__frame *f, gv__wire w)
{
    if (f->wire[w])
        return f->wire[w];
    if (w == GV__WIRE_GZIP) {
        f->wire[w] = deflated(f, 0);
        payload_crc(f);
    } else {
        f->wire[w] = ws_frame(f, w == GV__WIRE_WS_DEFLATE);
    }
    if (f->wire[w])
        f->wire[w]->made_us = f->made_us;
    return f->wire[w];
}

gv__frame *gv__frame_ws_in_context(const gv__frame *f, z_stream *z)
{
    gv__frame *out = deflated_in(z, f, 10);
    if (!out)
        return NULL;
    out->made_us = f->made_us;
    return ws_compressed(out);
}

gv__frame *gv__frame_gzip_in_context(gv__frame *f, z_stream *z)
{
    gv__frame *out = deflated_in(z, f, 0);
    if (!out)
        return NULL;
    out->made_us = f->made_us;
    payload_crc(f);
    return out;
}

void gv__frame_set_stream_form(gv__frame *f, gv__frame *z)
{
    gv__frame_unref(f->wire[GV__WIRE_GZIP_STREAM]);
    f->wire[GV__WIRE_GZIP_STREAM] = z;
}

/*
 * Frames: encoded messages shared by every connection that writes them.
 *
 * An event is encoded once per transport when its commit completes, and the
 * same frame is then written to every subscriber (DESIGN.md principle 5).
 * lws_write needs LWS_PRE writable bytes before the payload for the protocol
 * header; each write fills them in and sends (or copies what the socket did
 * not take) before returning, so one frame can serve many connections in
 * turn on the loop thread. The reference count is not atomic: frames never
 * leave the loop thread.
 */
#include "server/frame.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    char *text = json_dumps(json, JSON_COMPACT | JSON_SORT_KEYS);
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
    if (f && --f->refs == 0)
        free(f);
}

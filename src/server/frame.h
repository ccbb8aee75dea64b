/*
 * Frames: an encoded message, written as is to any number of connections
 * (frame.c says how).
 */
#ifndef GV_SERVER_FRAME_H
#define GV_SERVER_FRAME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An encoded message. It keeps LWS_PRE bytes of headroom before the payload
 * for lws_write. Reference counted on the loop thread; the last
 * gv__frame_unref frees it.
 */
typedef struct gv__frame {
    unsigned refs;
    int64_t made_us; /** gv__mono_us() when encoded, for the broadcast latency */
    size_t len;      /** payload bytes */
    unsigned char *payload;
    unsigned char mem[]; /** LWS_PRE headroom, payload, NUL */
} gv__frame;

/* A frame of len payload bytes (uninitialised, NUL-terminated), one reference.
 * NULL on ENOMEM. */
gv__frame *gv__frame_new(size_t len);
/* A frame holding a copy of data. NULL on ENOMEM. */
gv__frame *gv__frame_copy(const void *data, size_t len);
/* A frame holding the printf-style text. NULL on ENOMEM. */
gv__frame *gv__frame_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A frame holding json compactly encoded (keys sorted). NULL on ENOMEM. */
gv__frame *gv__frame_json(const json_t *json);
gv__frame *gv__frame_ref(gv__frame *f);
void gv__frame_unref(gv__frame *f);

#endif

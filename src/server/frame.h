/*
 * Frames: an encoded message, written as is to any number of connections
 * (frame.c says how).
 */
#ifndef GV_SERVER_FRAME_H
#define GV_SERVER_FRAME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/*
 * The forms a message takes on a connection, each made once, on first use,
 * and then written as is to every connection that takes that form:
 */
typedef enum gv__wire {
    GV__WIRE_WS,          /** a WebSocket text message: its header, then the payload */
    GV__WIRE_WS_DEFLATE,  /** the same compressed on its own (RFC 7692: RSV1 set, no
                           ** context taken over), or plain when that is not smaller */
    GV__WIRE_GZIP,        /** the payload deflated on its own and flushed in full: a
                           ** piece that fits anywhere in a gzip stream (SSE) */
    GV__WIRE_GZIP_STREAM, /** a message of a view's SSE deflate stream (a ping), as
                           ** compressed there: set by gv__frame_set_stream_form,
                           ** never made by gv__frame_wire */
    GV__WIRE_COUNT
} gv__wire;

/*
 * An encoded message. It keeps LWS_PRE bytes of headroom before the payload
 * for lws_write. Reference counted on the loop thread; the last
 * gv__frame_unref frees it, and its wire forms with it.
 */
typedef struct gv__frame {
    unsigned refs;
    int64_t made_us; /** gv__mono_us() when encoded, for the broadcast latency */
    size_t len;      /** payload bytes */
    unsigned char *payload;
    struct gv__frame *wire[GV__WIRE_COUNT]; /** its forms on the wire, NULL until made */
    uint32_t crc;                           /** CRC-32 of the payload, once the gzip form is made */
    uint32_t crc_op;     /** crc32_combine_gen(len), with it: appends crc to a stream's CRC-32 */
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
/* The bytes to write for f in form w (not GV__WIRE_GZIP_STREAM, which only
 * a stream gives): a frame owned by f (made on first use; its payload is
 * what goes on the wire). NULL on ENOMEM. */
gv__frame *gv__frame_wire(gv__frame *f, gv__wire w);
/* f as a compressed WebSocket frame, deflated in z with the context z holds
 * from the messages before (RFC 7692 with context takeover), z's next
 * message: a new frame (one reference), NULL on ENOMEM (z is then of no
 * further use until reset). */
gv__frame *gv__frame_ws_in_context(const gv__frame *f, z_stream *z);
/* f deflated in z with the context z holds, ending with a sync flush: the
 * next piece of a gzip stream whose reader was sent z's messages before
 * (a new frame, one reference; NULL on ENOMEM, z then of no further use
 * until reset). Sets f's CRC-32, which the stream's trailer sums. */
gv__frame *gv__frame_gzip_in_context(gv__frame *f, z_stream *z);
/* Gives f its form in a view's SSE stream (GV__WIRE_GZIP_STREAM; takes z's
 * reference). */
void gv__frame_set_stream_form(gv__frame *f, gv__frame *z);
gv__frame *gv__frame_ref(gv__frame *f);
void gv__frame_unref(gv__frame *f);

#endif

/*
 * Compressing answers (compress.c): gzip for HTTP bodies the client takes
 * compressed.
 */
#ifndef GV_SERVER_COMPRESS_H
#define GV_SERVER_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Bodies smaller than this go as they are: gzip's 18 bytes and a round of
 * the compressor are not worth it. */
#define GV__GZIP_MIN_BYTES 1024

/* Is a body of this content type worth compressing (text, JSON)? */
bool gv__compressible(const char *ctype);

/* data[0..len) as a gzip stream (RFC 1952), in a new malloc'd buffer of
 * *out_len bytes; NULL on ENOMEM. Any thread. */
unsigned char *gv__gzip(const void *data, size_t len, size_t *out_len);

#endif

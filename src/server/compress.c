/*
 * gzip for HTTP bodies (compress.h): the snapshot, the records, the links,
 * any text or JSON answer of at least GV__GZIP_MIN_BYTES when the request's
 * Accept-Encoding takes gzip (http.c decides; the record job compresses its
 * own on the job thread). Level 6, zlib's default: a snapshot of the example
 * meeting goes from 31 KB to 6 KB. The built-in pages are compressed at build
 * time instead (static.c); the streams compress each message once for all
 * readers (frame.c).
 */
#include "server/compress.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

bool gv__compressible(const char *ctype)
{
    return ctype &&
           (strncmp(ctype, "text/", 5) == 0 || strncmp(ctype, "application/json", 16) == 0);
}

unsigned char *gv__gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t bound = deflateBound(&z, len);
    unsigned char *out = malloc(bound ? bound : 1);
    if (!out)
        goto fail;
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        goto fail;
    *out_len = bound - z.avail_out;
    deflateEnd(&z);
    return out;
fail:
    free(out);
    deflateEnd(&z);
    return NULL;
}

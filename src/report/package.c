/*
 * XML through libxml2's xmlTextWriter and ZIP through libzip, both in
 * memory, for the office formats (package.h). Neither writes a byte of
 * markup or archive structure itself: this file only adds what the
 * formats need on top — sticky failure, text cleaned of what XML 1.0
 * cannot hold, and entries dated at one fixed time so that a document's
 * bytes depend on its content only.
 *
 * libzip writes the archive into a buffer source that the archive owns for
 * a while: the source is kept (zip_source_keep) across zip_close, which
 * writes into it, and is read back and freed in gv__zip_finish.
 */
#include "report/package.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>
#include <zip.h>

struct gv__xml {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    bool failed;
};

gv__xml *gv__xml_new(void)
{
    gv__xml *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->buf = xmlBufferCreate();
    x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
    if (!x->w || xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", "yes") < 0) {
        gv__xml_free(x);
        return NULL;
    }
    return x;
}

void gv__xml_free(gv__xml *x)
{
    if (!x)
        return;
    if (x->w)
        xmlFreeTextWriter(x->w);
    if (x->buf)
        xmlBufferFree(x->buf);
    free(x);
}

static void check(gv__xml *x, int rc)
{
    if (rc < 0)
        x->failed = true;
}

void gv__xml_start(gv__xml *x, const char *name)
{
    if (x && !x->failed)
        check(x, xmlTextWriterStartElement(x->w, (const xmlChar *)name));
}

void gv__xml_end(gv__xml *x)
{
    if (x && !x->failed)
        check(x, xmlTextWriterEndElement(x->w));
}

/* Length of the UTF-8 sequence at s (at most n bytes) that XML 1.0 may
 * carry, or 0 when the character must be left out (it is then skipped
 * one byte at a time, so broken UTF-8 loses only its broken bytes). */
static size_t xml_char(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c >= 0x20 || c == '\t' || c == '\n' ? 1 : 0;
    size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (len == 0 || len > n)
        return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    bool bad = (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF;
    return overlong || bad ? 0 : len;
}

/* A malloc'd copy of the n bytes at s without what xml_char leaves out;
 * NULL on ENOMEM. */
static char *clean_copy(const char *s, size_t n)
{
    char *clean = malloc(n + 1);
    if (!clean)
        return NULL;
    size_t used = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = xml_char(p + i, n - i);
        if (len == 0) {
            i++;
            continue;
        }
        memcpy(clean + used, p + i, len);
        used += len;
        i += len;
    }
    clean[used] = '\0';
    return clean;
}

void gv__xml_text_n(gv__xml *x, const char *s, size_t n)
{
    if (!x || x->failed)
        return;
    char *clean = clean_copy(s, n);
    if (!clean)
        x->failed = true;
    else
        check(x, xmlTextWriterWriteString(x->w, (const xmlChar *)clean));
    free(clean);
}

void gv__xml_text(gv__xml *x, const char *s)
{
    gv__xml_text_n(x, s, strlen(s));
}

void gv__xml_attr(gv__xml *x, const char *name, const char *value)
{
    if (!x || x->failed)
        return;
    /* An attribute value is text too: cleaned the same way, escaped by libxml2. */
    char *clean = clean_copy(value, strlen(value));
    if (!clean)
        x->failed = true;
    else
        check(x, xmlTextWriterWriteAttribute(x->w, (const xmlChar *)name, (const xmlChar *)clean));
    free(clean);
}

void gv__xml_empty(gv__xml *x, const char *name, ...)
{
    gv__xml_start(x, name);
    va_list ap;
    va_start(ap, name);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        gv__xml_attr(x, k, va_arg(ap, const char *));
    }
    va_end(ap);
    gv__xml_end(x);
}

char *gv__xml_finish(gv__xml *x, size_t *len, gv_error *err)
{
    char *out = NULL;
    if (!x) {
        gv_error_set(err, GV_ENOMEM, "out of memory while writing XML");
        return NULL;
    }
    if (!x->failed)
        check(x, xmlTextWriterEndDocument(x->w));
    if (!x->failed) {
        xmlFreeTextWriter(x->w); /* flushes into buf */
        x->w = NULL;
        size_t n = (size_t)xmlBufferLength(x->buf);
        out = malloc(n + 1);
        if (out) {
            memcpy(out, xmlBufferContent(x->buf), n);
            out[n] = '\0';
            *len = n;
        }
    }
    gv__xml_free(x);
    if (!out)
        gv_error_set(err, GV_ENOMEM, "out of memory while writing XML");
    return out;
}

struct gv__zip {
    zip_source_t *src;
    zip_t *za;
    uint16_t dos_time, dos_date;
    bool failed;
    char why[GV_ERROR_MSG_MAX]; /** the message of the first failure */
};

static void zip_failed(gv__zip *z, const char *why)
{
    if (!z->failed)
        snprintf(z->why, sizeof z->why, "%s", why ? why : "unknown error");
    z->failed = true;
}

gv__zip *gv__zip_new(int64_t mtime)
{
    gv__zip *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    zip_error_t ze;
    zip_error_init(&ze);
    z->src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (z->src) {
        zip_source_keep(z->src);
        z->za = zip_open_from_source(z->src, ZIP_TRUNCATE, &ze);
    }
    zip_error_fini(&ze);
    if (!z->za) {
        gv__zip_free(z);
        return NULL;
    }
    /* MS-DOS date and time of the moment in UTC, so that the archive does
     * not depend on the time zone of the machine that writes it. */
    time_t t = (time_t)mtime;
    struct tm tm;
    if (mtime < 315532800 || !gmtime_r(&t, &tm)) /* before 1980: ZIP's first day */
        tm = (struct tm){.tm_year = 80, .tm_mday = 1};
    z->dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    z->dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
    return z;
}

void gv__zip_free(gv__zip *z)
{
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za);
    if (z->src)
        zip_source_free(z->src);
    free(z);
}

void gv__zip_add(gv__zip *z, const char *name, const void *data, size_t len, bool store)
{
    if (!z || z->failed)
        return;
    void *copy = malloc(len ? len : 1);
    if (!copy) {
        zip_failed(z, "out of memory");
        return;
    }
    memcpy(copy, data, len);
    zip_source_t *s = zip_source_buffer(z->za, copy, len, 1);
    if (!s) {
        free(copy);
        zip_failed(z, zip_strerror(z->za));
        return;
    }
    zip_int64_t i = zip_file_add(z->za, name, s, ZIP_FL_ENC_UTF_8);
    if (i < 0) {
        zip_source_free(s);
        zip_failed(z, zip_strerror(z->za));
        return;
    }
    if (zip_set_file_compression(z->za, (zip_uint64_t)i, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) <
            0 ||
        zip_file_set_dostime(z->za, (zip_uint64_t)i, z->dos_time, z->dos_date, 0) < 0)
        zip_failed(z, zip_strerror(z->za));
}

void gv__zip_add_xml(gv__zip *z, const char *name, gv__xml *x)
{
    gv_error err;
    size_t len = 0;
    char *bytes = gv__xml_finish(x, &len, &err);
    if (!bytes) {
        if (z)
            zip_failed(z, err.msg);
        return;
    }
    gv__zip_add(z, name, bytes, len, false);
    free(bytes);
}

char *gv__zip_finish(gv__zip *z, size_t *len, gv_error *err)
{
    char *out = NULL;
    if (!z) {
        gv_error_set(err, GV_ENOMEM, "out of memory while writing an archive");
        return NULL;
    }
    if (!z->failed) {
        if (zip_close(z->za) < 0)
            zip_failed(z, zip_strerror(z->za));
        else
            z->za = NULL;
    }
    zip_stat_t st;
    if (!z->failed && (zip_source_stat(z->src, &st) < 0 || zip_source_open(z->src) < 0))
        zip_failed(z, "cannot read the archive back");
    if (!z->failed) {
        out = malloc(st.size ? st.size : 1);
        if (!out || zip_source_read(z->src, out, st.size) != (zip_int64_t)st.size) {
            free(out);
            out = NULL;
            zip_failed(z, "cannot read the archive back");
        } else {
            *len = (size_t)st.size;
        }
        zip_source_close(z->src);
    }
    if (!out)
        gv_error_set(err, GV_ENOMEM, "the archive could not be written: %s", z->why);
    gv__zip_free(z);
    return out;
}

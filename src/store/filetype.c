/*
 * What kind of file a statement is, from its bytes (filetype.h).
 *
 * The bytes come from outside (an upload, a file given to `gavel apply`)
 * and are believed only as far as they prove themselves:
 *
 *   PDF     "%PDF-" in the first KiB; "%%EOF" in the last KiB, and before
 *           it "startxref" with an offset inside the file pointing at a
 *           cross-reference table ("xref") or stream ("N G obj"): a PDF
 *           cut short by an interrupted upload or save has neither.
 *   ZIP     opened by libzip from memory with its consistency checks
 *           (ZIP_CHECKCONS): a truncated or damaged archive is refused.
 *             ODT   the first entry is "mimetype" and says
 *                   application/vnd.oasis.opendocument.text;
 *             DOCX  [Content_Types].xml and word/document.xml are there,
 *                   and no word/vbaProject.bin (macros are not taken).
 *           Anything else in a ZIP (a spreadsheet, a presentation) is
 *           named and refused.
 *   text    UTF-8 (no overlong forms, surrogates or code points past
 *           U+10FFFF) without NUL or control characters other than tab,
 *           line feed, carriage return and form feed; an optional BOM.
 *
 * Nothing is decompressed but the 64 bytes of an ODT's mimetype entry, so
 * an archive cannot make this inflate much; libzip reads its central
 * directory from the buffer, bounded by the buffer.
 */
#include "store/filetype.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

/* Entries an archive may have: a real document has dozens. */
#define ZIP_ENTRIES_MAX 20000

static int refuse(gv_error *err, const char *what)
{
    return gv_error_set(err, GV_EINVAL,
                        "%s: send the statement as a PDF, a Word document (.docx), an "
                        "OpenDocument text (.odt) or a plain-text file (UTF-8)",
                        what);
}

static bool starts(const unsigned char *b, size_t len, const char *magic)
{
    size_t n = strlen(magic);
    return len >= n && memcmp(b, magic, n) == 0;
}

/* Offset of the last occurrence of needle in b[from, to), or -1. */
static long last_of(const unsigned char *b, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = to >= n ? to - n + 1 : 0; i-- > from;)
        if (memcmp(b + i, needle, n) == 0)
            return (long)i;
    return -1;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' || c == 0;
}

/* Skips whitespace and digits at b[*i]; how many digits there were. */
static size_t digits(const unsigned char *b, size_t len, size_t *i)
{
    while (*i < len && is_space(b[*i]))
        (*i)++;
    size_t start = *i;
    while (*i < len && b[*i] >= '0' && b[*i] <= '9')
        (*i)++;
    return *i - start;
}

/* Does a cross-reference table or stream start at b[at]? */
static bool xref_at(const unsigned char *b, size_t len, size_t at)
{
    size_t i = at;
    if (at >= len)
        return false;
    if (starts(b + at, len - at, "xref"))
        return true;
    if (!digits(b, len, &i) || !digits(b, len, &i))
        return false;
    while (i < len && is_space(b[i]))
        i++;
    return starts(b + i, len - i, "obj");
}

static int check_pdf(const unsigned char *b, size_t len, size_t header, gv_error *err)
{
    size_t tail = len > 1024 ? len - 1024 : 0;
    long eof = last_of(b, tail, len, "%%EOF");
    long sx = eof < 0 ? -1 : last_of(b, 0, (size_t)eof, "startxref");
    if (eof < 0 || sx < 0)
        return refuse(err, "the PDF is cut short (it has no end-of-file marker): the upload or "
                           "the save did not finish");
    size_t i = (size_t)sx + strlen("startxref"), offset = 0;
    size_t n = digits(b, len, &i);
    if (n == 0 || n > 12)
        return refuse(err, "the PDF is damaged (its cross-reference offset is unreadable)");
    for (size_t k = i - n; k < i; k++)
        offset = offset * 10 + (size_t)(b[k] - '0');
    /* Offsets count from the file's start; a few writers count from the
     * header when junk precedes it. */
    if (!xref_at(b, len, offset) && !xref_at(b, len, offset + header))
        return refuse(err, "the PDF is damaged or cut short (its cross-reference table is not "
                           "where the file says)");
    return 0;
}

/* Reads at most cap bytes of entry `index` into buf; how many, or -1. */
static long read_entry(zip_t *za, zip_uint64_t index, char *buf, size_t cap)
{
    zip_file_t *f = zip_fopen_index(za, index, 0);
    if (!f)
        return -1;
    zip_int64_t n = zip_fread(f, buf, cap);
    zip_fclose(f);
    return (long)n;
}

static int check_zip_entries(zip_t *za, gv_doc_type *out, gv_error *err)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n <= 0)
        return refuse(err, "the file is an empty ZIP archive");
    if (n > ZIP_ENTRIES_MAX)
        return refuse(err, "the file is a ZIP archive of too many entries to be a document");
    const char *first = zip_get_name(za, 0, 0);
    if (first && strcmp(first, "mimetype") == 0) {
        char mime[65];
        long got = read_entry(za, 0, mime, sizeof mime - 1);
        mime[got > 0 ? got : 0] = '\0';
        if (strcmp(mime, gv_doc_types[GV_DOC_ODT].media_type) == 0 &&
            zip_name_locate(za, "content.xml", 0) >= 0) {
            *out = GV_DOC_ODT;
            return 0;
        }
        if (got > 0 && strncmp(mime, "application/vnd.oasis.opendocument.", 35) == 0)
            return refuse(err, "the file is an OpenDocument file but not a text (a spreadsheet "
                               "or a presentation?)");
        return refuse(err, "the file is an OpenDocument archive that is damaged");
    }
    if (zip_name_locate(za, "[Content_Types].xml", 0) < 0)
        return refuse(err, "the file is a ZIP archive, not a document");
    if (zip_name_locate(za, "word/document.xml", 0) < 0)
        return refuse(err, zip_name_locate(za, "xl/workbook.xml", 0) >= 0 ? "the file is an Excel "
                                                                            "workbook"
                           : zip_name_locate(za, "ppt/presentation.xml", 0) >= 0
                               ? "the file is a PowerPoint presentation"
                               : "the file is an Office archive, but not a Word document");
    if (zip_name_locate(za, "word/vbaProject.bin", 0) >= 0)
        return refuse(err, "the Word document holds macros (.docm): save it as a plain .docx");
    *out = GV_DOC_DOCX;
    return 0;
}

static int check_zip(const unsigned char *b, size_t len, gv_doc_type *out, gv_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(b, len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    int rc;
    if (!src) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory reading an archive");
    } else if (!za) {
        char what[200];
        snprintf(what, sizeof what,
                 "the file looks like a Word or OpenDocument file but is damaged or cut short "
                 "(%s)",
                 zip_error_strerror(&ze));
        zip_source_free(src);
        rc = refuse(err, what);
    } else {
        rc = check_zip_entries(za, out, err);
        zip_discard(za);
    }
    zip_error_fini(&ze);
    return rc;
}

/* Length of the UTF-8 sequence at b[i] (1 to 4), or 0 when it is not one. */
static size_t utf8_at(const unsigned char *b, size_t len, size_t i)
{
    unsigned char c = b[i];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || i + n > len)
        return 0;
    uint32_t cp = n == 1 ? c : c & (0x7fu >> n);
    for (size_t k = 1; k < n; k++) {
        if ((b[i + k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (b[i + k] & 0x3fu);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static int check_text(const unsigned char *b, size_t len, gv_error *err)
{
    for (size_t i = starts(b, len, "\xef\xbb\xbf") ? 3 : 0; i < len;) {
        unsigned char c = b[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return refuse(err, "the file is binary (or text with control characters), of no "
                               "kind taken");
        size_t n = utf8_at(b, len, i);
        if (!n)
            return refuse(err, "the file is not a PDF, a Word or OpenDocument file, nor text in "
                               "UTF-8 (save a text file as UTF-8)");
        i += n;
    }
    return 0;
}

int gv_filetype_identify(const unsigned char *bytes, size_t len, gv_doc_type *out, gv_error *err)
{
    if (!bytes || len == 0)
        return refuse(err, "the file is empty (0 bytes)");
    long pdf = last_of(bytes, 0, len < 1024 ? len : 1024, "%PDF-");
    if (pdf >= 0) {
        int rc = check_pdf(bytes, len, (size_t)pdf, err);
        if (rc == 0)
            *out = GV_DOC_PDF;
        return rc;
    }
    if (starts(bytes, len, "PK\x03\x04") || starts(bytes, len, "PK\x05\x06"))
        return check_zip(bytes, len, out, err);
    if (starts(bytes, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
        return refuse(err, "the file is an old Office document (.doc): save it as .docx or PDF");
    if (starts(bytes, len, "{\\rtf"))
        return refuse(err, "the file is in Rich Text Format (.rtf): save it as .docx or PDF");
    int rc = check_text(bytes, len, err);
    if (rc == 0)
        *out = GV_DOC_TEXT;
    return rc;
}

/*
 * The record in the formats people and machines read:
 *   md    Markdown (CommonMark with GitHub tables), user text escaped
 *   html  one self-contained page: inline CSS, SVG charts, no script, every
 *         user text escaped
 *   json  the record itself in canonical form (record.h), the signed format
 *   csv   the speeches, one row each, RFC 4180 with CRLF line ends; cells
 *         that a spreadsheet would run as a formula are prefixed with '
 *   pdf   A4, a table of contents, page numbers, vector charts, fonts that
 *         shape Arabic and Chinese (Noto), drawn with cairo and pango
 *   docx  Word (Office Open XML), A4, set as a United Nations document
 *   odt   OpenDocument text, the same document for LibreOffice and others
 * docs/record.md shows each of them.
 */
#ifndef GV_REPORT_RENDER_H
#define GV_REPORT_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

typedef enum gv_report_format {
    GV_REPORT_MD,
    GV_REPORT_HTML,
    GV_REPORT_JSON,
    GV_REPORT_CSV,
    GV_REPORT_PDF,
    GV_REPORT_DOCX,
    GV_REPORT_ODT,
} gv_report_format;

/* Reads "md", "html", "json", "csv", "pdf", "docx" or "odt". GV_EINVAL for
 * anything else, *fmt unchanged. */
int gv_report_format_from_name(const char *name, gv_report_format *fmt);

/* The usual file name extension of a format, without the dot. */
const char *gv_report_format_ext(gv_report_format fmt);

/* Whether a format's bytes are binary (PDF, DOCX, ODT), not text. */
int gv_report_format_binary(gv_report_format fmt);

/*
 * Renders a record (gv_record_build) in `fmt`. On success returns 0 and sets
 * *out to malloc'd bytes the caller frees (NUL-terminated for the text
 * formats; PDF, DOCX and ODT are binary) and *len to their length. On
 * failure returns GV_ENOMEM, GV_EINVAL (a record lacking its sections) or
 * GV_EIO (the PDF library failed) with err set, and *out NULL.
 */
int gv_report_render(const json_t *record, gv_report_format fmt, char **out, size_t *len,
                     gv_error *err);

/*
 * Frees the process-wide caches behind the PDF renderer (pango's font map,
 * cairo's static data, fontconfig's configuration), as a command does before
 * it exits so that leak checkers see only real leaks. Only when no report is
 * being rendered on any thread; rendering again afterwards loads them anew.
 */
void gv_report_release_fonts(void);

#endif

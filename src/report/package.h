/*
 * The two tools every office format of src/report is built with, so that no
 * renderer pastes XML or ZIP bytes together by hand:
 *   gv__xml  an XML document written through libxml2's xmlTextWriter into
 *            memory: elements, attributes and text, every text escaped and
 *            stripped of the characters XML 1.0 cannot carry;
 *   gv__zip  a ZIP archive built in memory with libzip: each entry deflated
 *            or stored, every entry dated at one given time so that the same
 *            content always gives the same bytes.
 * Both make failure sticky, as gv__buf does: after an allocation or library
 * error every later call does nothing, and the finishing call reports it, so
 * a renderer checks once at the end.
 */
#ifndef GV_REPORT_PACKAGE_H
#define GV_REPORT_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct gv__xml gv__xml;

/* A new document, its XML declaration written (UTF-8, standalone). NULL on
 * ENOMEM. */
gv__xml *gv__xml_new(void);
/* Opens element `name` ("w:p", a prefix is part of the name). */
void gv__xml_start(gv__xml *x, const char *name);
/* An attribute of the element just opened; value is escaped. */
void gv__xml_attr(gv__xml *x, const char *name, const char *value);
/* Text content, escaped; characters XML 1.0 forbids (C0 controls other than
 * tab and line feed, U+FFFE, U+FFFF, broken UTF-8) are left out, and a
 * carriage return too. */
void gv__xml_text(gv__xml *x, const char *s);
void gv__xml_text_n(gv__xml *x, const char *s, size_t n);
/* Closes the innermost open element. */
void gv__xml_end(gv__xml *x);
/* An element with attributes and no content: name, then NULL-ended pairs. */
void gv__xml_empty(gv__xml *x, const char *name, ...) __attribute__((sentinel));
/* Closes every open element and hands the bytes over (malloc'd, caller
 * frees) with *len set; NULL with err set when any call failed. Frees x. */
char *gv__xml_finish(gv__xml *x, size_t *len, gv_error *err);
/* Frees a document that is not finished. NULL is allowed. */
void gv__xml_free(gv__xml *x);

typedef struct gv__zip gv__zip;

/* A new, empty archive whose entries are all dated `mtime` (seconds since
 * 1970; ZIP keeps local time at 2-second steps from 1980 on). NULL on
 * ENOMEM. */
gv__zip *gv__zip_new(int64_t mtime);
/* Adds an entry `name` with a copy of `len` bytes, deflated unless `store`
 * (an ODF package's mimetype must be stored). */
void gv__zip_add(gv__zip *z, const char *name, const void *data, size_t len, bool store);
/* Adds a finished XML document as an entry and frees it (x may be NULL:
 * the failure is remembered). */
void gv__zip_add_xml(gv__zip *z, const char *name, gv__xml *x);
/* Writes the archive and hands its bytes over (malloc'd, caller frees);
 * NULL with err set when anything failed. Frees z. */
char *gv__zip_finish(gv__zip *z, size_t *len, gv_error *err);
/* Frees an archive that is not finished. NULL is allowed. */
void gv__zip_free(gv__zip *z);

#endif

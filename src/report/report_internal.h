/*
 * Shared by the files of src/report and by its unit tests, not beyond: a
 * growable byte buffer, the meeting's time zone, and the small formatting
 * rules every renderer follows (durations, shares, labels).
 */
#ifndef GV_REPORT_INTERNAL_H
#define GV_REPORT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

#include "core/error.h"

/* A growable byte buffer whose failure is sticky: after an allocation fails
 * every later call does nothing and gv__buf_take returns NULL, so a renderer
 * checks once at the end instead of after every write (as git's strbuf dies,
 * but without ending the process). */
typedef struct gv__buf {
    char *data; /** NUL-terminated while not failed */
    size_t len; /** bytes used, without the NUL */
    size_t cap; /** bytes allocated */
    bool failed;
} gv__buf;

void gv__buf_init(gv__buf *b);
void gv__buf_release(gv__buf *b);
void gv__buf_add(gv__buf *b, const char *s, size_t n);
void gv__buf_puts(gv__buf *b, const char *s);
void gv__buf_printf(gv__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes over (caller frees) and leaves b empty; NULL with err set
 * to GV_ENOMEM when any earlier write failed. */
char *gv__buf_take(gv__buf *b, size_t *len, gv_error *err);

/* The meeting's IANA time zone, looked up in the system's zoneinfo through
 * libical. The zone is libical's shared built-in object: never freed. */
int gv__zone_find(const char *name, icaltimezone **zone, gv_error *err);

/* A moment as the record writes it: {"ms", "utc", "local"} with ISO 8601
 * strings ("2022-03-31T12:30:00Z", "2022-03-31T14:30:00+02:00"); fractions of
 * a second appear only when there are some. New reference, NULL on ENOMEM. */
json_t *gv__time_json(icaltimezone *zone, int64_t ms);

/* Reads a definition's local "YYYY-MM-DDTHH:MM" in the zone into ms since 1970.
 * GV_EINVAL with err set when the text is not such a time. */
int gv__local_to_ms(icaltimezone *zone, const char *local, int64_t *ms, gv_error *err);

/* Splits `total` over n parts in proportion to values[], in thousandths that
 * add up to exactly 1000 (largest remainder; ties go to the earlier part).
 * All zero when the values add up to 0. Values must be >= 0. */
void gv__shares_permille(const int64_t *values, size_t n, int *permille);

/* Durations for people: "4:00", "1:05:30"; milliseconds are dropped (rounded
 * down to the second). `signed_` puts "+" before a positive one; a negative
 * one always gets "−" (U+2212). out holds at least 32 bytes. */
void gv__fmt_duration(int64_t ms, bool signed_, char out[32]);

/* A share in thousandths as "68.3%". out holds at least 16 bytes. */
void gv__fmt_permille(int permille, char out[16]);

/* Human labels of the record's keys: dimension is "group", "region", "gender",
 * "mode", "kind", "item_kind", "state" or "role". Unknown keys come back as
 * they are, so a newer core never breaks a report. */
const char *gv__label(const char *dimension, const char *key);

/* "HH:MM:SS" of a record time's local form (borrowed from the JSON), or "—"
 * when the time is null. */
const char *gv__local_hms(const json_t *t, char out[16]);

/* Field readers of a record that tolerate absence: "" / 0 / NULL. */
const char *gv__s(const json_t *obj, const char *key);
int64_t gv__i(const json_t *obj, const char *key);
const json_t *gv__a(const json_t *obj, const char *key);
const json_t *gv__o(const json_t *obj, const char *key);
/* The first object of list whose string field key equals value; NULL if none
 * (or value is NULL). */
const json_t *gv__find(const json_t *list, const char *key, const char *value);

/* The renderers, each filling b from a record (record.h describes it). */
/* Markdown, Word and OpenDocument also lay out a Chair's summary (summary.h)
 * with the record as its annex; summary is NULL for the record alone. */
int gv__render_md(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err);
int gv__render_html(const json_t *record, gv__buf *b, gv_error *err);
int gv__render_csv(const json_t *record, gv__buf *b, gv_error *err);
int gv__render_pdf(const json_t *record, gv__buf *b, gv_error *err);
int gv__render_docx(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err);
int gv__render_odt(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err);

/* Adds the record's "summary" section (the Chair's summary as it stands in
 * the state) to rec, times in zone. GV_ENOMEM with err set. */
int gv__record_summary(const json_t *state, icaltimezone *zone, json_t *rec, gv_error *err);

struct gv__doc;
/* What render_pdf.c draws a PDF from: a writer of the document's blocks
 * (doc.h), called once per layout pass, and the file's metadata. */
typedef struct gv__pdf_source {
    int (*write)(const void *ctx, struct gv__doc *d, gv_error *err);
    const void *ctx;
    const char *title;    /** metadata and the footer */
    const char *subject;  /** metadata */
    const char *date_utc; /** "YYYY-MM-DDTHH:MM:SS..." (UTC) for the metadata, or NULL */
    const char *page_of;  /** the footer's "Page {n} of {of}", translated; NULL for English */
    bool rtl;             /** a right-to-left page (Arabic) */
} gv__pdf_source;
int gv__render_pdf_source(const gv__pdf_source *src, gv__buf *b, gv_error *err);

/* Whether a user text put inside a sentence of ours (left to right) needs
 * Unicode bidi isolates around it: it holds a right-to-left letter (Hebrew,
 * Arabic, Syriac, Thaana, N'Ko ... and their presentation forms) or an
 * explicit bidi control that could reorder what follows. A Latin or Chinese
 * name reads right without them, and invisible marks around every name only
 * get in the way of those who copy or search the text. */
bool gv__bidi_needs_isolate(const char *s);
/* The same for the n bytes at s (a sequence cut at the end is not read). */
bool gv__bidi_needs_isolate_n(const char *s, size_t n);

/* One CSV cell, RFC 4180 quoted when needed, with a leading ' when the text
 * would start a formula in a spreadsheet (= + - @, tab, carriage return). */
void gv__csv_cell(gv__buf *b, const char *s);

/* Text escaped for HTML element content and attribute values (& < > " '). */
void gv__html_text(gv__buf *b, const char *s);
void gv__html_text_n(gv__buf *b, const char *s, size_t n);

/* Text escaped for Markdown where a line starts (a paragraph, a quote, a
 * heading): every character Markdown or inline HTML could read as markup is
 * backslash-escaped or written as an entity; line breaks become spaces. */
void gv__md_text(gv__buf *b, const char *s);
/* The same for the n bytes at s; with line_start false (inside a table
 * cell) the block markers of a line's start are left alone. */
void gv__md_text_n(gv__buf *b, const char *s, size_t n, bool line_start);

#endif

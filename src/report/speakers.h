/*
 * The provisional list of speakers of one agenda item as a file to download
 * (docs/speakers-list.md, "The provisional list in the state"): a PDF (A4, in
 * the language of the pages it is asked for, right to left for Arabic) or a
 * CSV (RFC 4180), made from the meeting's state as it stands. Before the item
 * runs that is its provisional list; while it runs, its live speakers' list.
 *
 * The words come from the pages' own translations (web/i18n/LANG.json, the
 * "sl." keys and a few others), handed in by the caller, so that the page,
 * the PDF and the CSV say the same thing in the same language. A missing
 * word shows its key, as on the pages.
 */
#ifndef GV_REPORT_SPEAKERS_H
#define GV_REPORT_SPEAKERS_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

typedef enum gv_speakers_format { GV_SPEAKERS_PDF, GV_SPEAKERS_CSV } gv_speakers_format;

/* Reads "pdf" or "csv". GV_EINVAL for anything else, *fmt unchanged. */
int gv_speakers_format_from_name(const char *name, gv_speakers_format *fmt);

/*
 * Renders the list of agenda item `item` of `state` (a meeting's state as
 * gv_meeting_to_json or its public view gives it) with the translations
 * `words` (a JSON object of key: text) of language `lang` ("en", "ar", ...).
 * On success returns 0 and sets *out to malloc'd bytes the caller frees and
 * *len to their length. GV_ENOTFOUND when the state has no such item,
 * GV_EINVAL for a state without its lists, GV_ENOMEM, or GV_EIO when the PDF
 * library fails; err says which, and *out is NULL.
 */
int gv_speakers_render(const json_t *state, const char *item, const json_t *words, const char *lang,
                       gv_speakers_format fmt, char **out, size_t *len, gv_error *err);

#endif

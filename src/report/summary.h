/*
 * The Chair's summary as a document: what the meeting sends onward, its
 * sections by guiding question with key messages and recommendations, built
 * from the record of the log (record.h) and nothing else.
 *
 * The summary is one JSON object, "gavel-summary/1" (docs/record.md,
 * "The Chair's summary"):
 *   format        "gavel-summary/1"
 *   status        "approved" or "draft"
 *   version       the summary's version (one more for the draft and each edit)
 *   approved      {version, seq, at, by, name}, or null for a draft
 *   meeting       the record's meeting: title, body, session, dates, venue
 *   chairs        the record's chairs; rapporteurs likewise
 *   sections      introduction, key messages, one a guiding question (with
 *                 the question's text), recommendations: {section,
 *                 guiding_question, question, text}
 *   verification  the record's: meeting, last_seq, hash
 * An approved summary is built from the log up to the event that approved
 * it, so it is tied to that event's chain hash, and is signed and verified
 * like a record (sign.h: gv_record_parse takes either).
 *
 * Errors: GV_ESTATE (no summary, or none approved when one is asked for),
 * GV_ECORRUPT, GV_ENOMEM and the record's codes; err says which.
 */
#ifndef GV_REPORT_SUMMARY_H
#define GV_REPORT_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "report/render.h"
#include "store/store.h"

#define GV_SUMMARY_FORMAT "gavel-summary/1"

/* The summary of a record (its "summary" section with the record's meeting
 * and verification). GV_ESTATE when the record has no summary yet. *summary
 * is a new reference the caller owns, NULL on error. */
int gv_summary_from_record(const json_t *record, json_t **summary, gv_error *err);

/*
 * The approved summary of a meeting, with the record of the log up to its
 * approval (the annex), or, with `draft`, the summary as it stands at the
 * end of the log with the whole record. GV_ESTATE when there is no summary,
 * or none approved and no draft was asked for. Both results are new
 * references the caller owns (record may be NULL when not wanted).
 */
int gv_summary_from_store(gv_store *s, const char *meeting_id, bool draft, json_t **summary,
                          json_t **record, gv_error *err);

/* Checks a summary against the log: rebuilt from the log up to its last_seq
 * it must be identical. 0, GV_ECORRUPT naming the difference (or a log with
 * no summary there), or another code. */
int gv_summary_check_log(gv_store *s, const json_t *summary, gv_error *err);

/*
 * The summary in `fmt`: json (canonical, the form to sign), or md, docx, odt
 * with `record` as its annex. GV_EINVAL for another format. *out is malloc'd
 * (caller frees), *len its length.
 */
int gv_summary_render(const json_t *summary, const json_t *record, gv_report_format fmt, char **out,
                      size_t *len, gv_error *err);

#endif

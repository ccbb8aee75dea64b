/*
 * The outcome record of a meeting: what was planned and what happened, built
 * from the replayed log and nothing else, so that the same log always gives
 * the same record, byte for byte, and anyone holding the log can rebuild it.
 *
 * The record is one JSON object, described field by field in docs/record.md
 * and checked by docs/record.schema.json:
 *   format             "gavel-record/1"
 *   meeting            title, body, session, zone, venue, online link,
 *                      languages, planned and actual times, status
 *   presiding          chair, moderators, rapporteurs, secretariat
 *   documents          symbol, title, link
 *   people             everyone defined, with attendance
 *   agenda             each item planned against actual
 *   speeches           every speech in order, with its speaker's details
 *                      and the written statements beside it
 *   statements         the written statements, each with its file's SHA-256
 *   guiding_questions  per question: speakers, audience questions, notes
 *   other_notes        notes on no guiding question
 *   questions          audience questions with votes and whether answered
 *   participation      attendance and speaking time by stakeholder group,
 *                      regional group, gender and room/online, with shares
 *   summary            the Chair's summary as it stands: version, approval,
 *                      sections (src/report/summary.c)
 *   verification       meeting id in the store, last seq, head hash of the log
 * Times are {"ms", "utc", "local"} objects in the meeting's time zone.
 *
 * Errors: GV_EINVAL (a state or record that is not what it should be),
 * GV_ENOTFOUND (no such meeting), GV_ECORRUPT (the log is damaged, or a
 * record does not match it), GV_ENOMEM, and the store's codes; err says
 * which and where.
 */
#ifndef GV_REPORT_RECORD_H
#define GV_REPORT_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

#define GV_RECORD_FORMAT "gavel-record/1"

/*
 * Builds the record from a meeting's state (gv_meeting_to_json), the ids of
 * the people who caused at least one event (a JSON object used as a set, keys
 * are person ids; NULL for none) and the head of its log: `meeting_id` in the
 * store, `last_seq` and the chain hash of that event. Everything is borrowed.
 * On success *record is a new reference the caller owns; on failure it is
 * NULL and err says why.
 */
int gv_record_build(const json_t *state, const json_t *actors, const char *meeting_id,
                    int64_t last_seq, const unsigned char hash[GV_HASH_BYTES], json_t **record,
                    gv_error *err);

/*
 * Replays the meeting `meeting_id` from the store up to and including event
 * `upto_seq` (0 for the whole log), recomputing the hash chain on the way,
 * and builds its record. GV_ECORRUPT when an event's stored hash or bytes are
 * not what the chain says; GV_ENOTFOUND for an unknown meeting or an upto_seq
 * beyond the log. *record is a new reference the caller owns, NULL on error.
 */
int gv_record_from_store(gv_store *s, const char *meeting_id, int64_t upto_seq, json_t **record,
                         gv_error *err);

/*
 * The canonical bytes of a record: compact JSON, keys sorted, UTF-8 as is,
 * followed by one newline. This is what `gavel report --format json` writes
 * and what a signature covers. Returns malloc'd bytes (caller frees) with
 * *len set, or NULL on ENOMEM.
 */
char *gv_record_canonical(const json_t *record, size_t *len);

/*
 * Reads a record file's bytes (a record, or a Chair's summary, summary.h:
 * both are signed alike). They must be exactly the canonical bytes of a
 * record (gv_record_canonical): a record that was reformatted, or in which
 * any byte changed in a way JSON would not notice, is refused, so that the
 * bytes a signature covers are the bytes one reads. GV_EINVAL with err naming
 * the problem; *record is a new reference on success.
 */
int gv_record_parse(const char *bytes, size_t len, json_t **record, gv_error *err);

/*
 * Checks that `record` is the record of its meeting in the store (a summary
 * is checked by gv_summary_check_log): the chain
 * is intact up to the record's last seq, the event there has the record's
 * hash, and the record rebuilt from the log up to that event is identical.
 * A log that has grown since the record was made still matches. Returns 0,
 * GV_ECORRUPT with err naming the first difference, or another GV_E* code.
 */
int gv_record_check_log(gv_store *s, const json_t *record, gv_error *err);

#endif

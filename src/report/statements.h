/*
 * The written statements of a meeting in its record, and all of them in
 * one archive (statements.c).
 */
#ifndef GV_REPORT_STATEMENTS_H
#define GV_REPORT_STATEMENTS_H

#include <jansson.h>
#include <stddef.h>

#include <libical/ical.h>

#include "core/error.h"
#include "store/store.h"

/*
 * Adds the record's "statements" section (the current statements of the
 * state, each beside the speech it belongs to) to rec, and to each of
 * rec's speeches its "statements" (their ids). rec's "speeches" must be
 * built. Times in zone. GV_ENOMEM with err set.
 */
int gv__record_statements(const json_t *state, icaltimezone *zone, json_t *rec, gv_error *err);

/*
 * Every statement of the record as one ZIP archive: each file, read from
 * the store and checked against its hash, as "NN-FILE NAME" in the order of
 * the record, and index.csv listing them (speaker, item, speech, file,
 * kind, size, SHA-256). Dated at the record's last event, so one log gives
 * one archive, byte for byte. *out is malloc'd (the caller frees);
 * GV_ECORRUPT / GV_ENOTFOUND when a file is damaged or missing, GV_ENOMEM.
 */
int gv_statements_archive(gv_store *st, const json_t *record, char **out, size_t *len,
                          gv_error *err);

#endif

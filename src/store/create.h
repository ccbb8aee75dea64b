/*
 * Creating a meeting: its definition's first event, made by the core, put in
 * a store as a new log. The one way `gavel init`, `gavel serve` and the
 * secretariat's page create meetings, with one rule for a meeting that is
 * there already: the store alone decides, in the transaction that would
 * create it, and says GV_ESTATE.
 */
#ifndef GV_STORE_CREATE_H
#define GV_STORE_CREATE_H

#include <jansson.h>
#include <stdint.h>

#include "core/meeting.h"
#include "store/store.h"
#include "store/writer.h"

/*
 * Stores m's first event `first` (what gv_meeting_from_definition gave) as
 * the log of a new meeting m's id: through the writer w when not NULL (in a
 * process whose writer owns the write connection, as a server's does), else
 * on s. Returns 0; GV_ESTATE with err "meeting X already exists in this
 * database" when it does; or the store's error (GV_EIO, GV_EBUSY, ...).
 */
int gv_create_meeting(gv_store *s, gv_writer *w, const gv_meeting *m, const json_t *first,
                      gv_error *err);

/*
 * gv_meeting_from_definition(definition, now_ms), then gv_create_meeting:
 * the meeting `definition` defines, created in s or through w. *id, when
 * not NULL, gets the meeting's id (malloc'd, the caller frees) whenever the
 * definition is valid, also when the meeting is there already. Returns as
 * gv_create_meeting, or the core's refusal of the definition (GV_EINVAL,
 * GV_ELIMIT).
 */
int gv_create_defined(gv_store *s, gv_writer *w, const json_t *definition, int64_t now_ms,
                      char **id, gv_error *err);

#endif

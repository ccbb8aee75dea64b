/*
 * Views: what each kind of link may read of a meeting.
 *
 * The log and the full state hold everything the record needs. Not all of it
 * is for everyone while the meeting runs:
 *
 *   full    the presiding officers, the secretariat and the rapporteur: all.
 *   public  panelists, participants and viewers (the room screen, the
 *           livestream): the state and events without
 *             - questions awaiting moderation, and dismissed ones;
 *             - who upvoted or unvoted a question;
 *             - the rapporteur's working notes;
 *             - anyone's declared gender;
 *             - the running totals ("totals": turns and time by person,
 *               group, region, mode), which only the chair's console shows.
 *
 * A person also reads their own part (gv_meeting_you_json): the questions they
 * asked that the public view leaves out, and the questions they voted for.
 *
 * Events keep their sequence numbers in every view, so resuming from a
 * sequence number works the same for all: an event the public may not read at
 * all becomes {"seq", "type": "withheld", "at_ms"}.
 */
#ifndef GV_CORE_VIEW_H
#define GV_CORE_VIEW_H

#include <jansson.h>

#include "core/meeting.h"

/* Each view reads a part of the one before it. */
typedef enum gv_view { GV_VIEW_FULL, GV_VIEW_PUBLIC, GV_VIEW_COUNT } gv_view;

/* "full", "public"; index = enum value. */
extern const char *const gv_view_names[GV_VIEW_COUNT];

/* The type of an event the public view leaves out entirely. */
#define GV_EVENT_WITHHELD "withheld"

/* The view of a person of the meeting: full when they hold a presiding,
 * secretariat or rapporteur role; public otherwise, and for unknown ids. */
gv_view gv_view_of_person(const gv_meeting *m, const char *person);

/* The view of a role by name ("chair", ...); public for unknown names. */
gv_view gv_view_of_role(const char *role);

/*
 * The meeting's state as view `v` reads it: gv_meeting_to_json for the full
 * view, the same with the parts listed above removed for the public one.
 * Returns a new reference, or NULL when out of memory.
 */
json_t *gv_meeting_view_json(const gv_meeting *m, gv_view v);

/*
 * What view v reads of `state`, the full state of m (gv_meeting_to_json): a
 * new reference, which shares with `state` every part the view reads as it
 * is (only the objects on the way to what it leaves out are copies), so that
 * one serialisation serves every view cheaply. `state` may hold only some
 * sections (gv_meeting_sections_json): the view then has those. Neither may be changed
 * afterwards; `state` is not changed. NULL on ENOMEM.
 */
json_t *gv_view_narrowed(const gv_meeting *m, const json_t *state, gv_view v);

/*
 * View v's state now, made from what it was before the events applied since
 * (`took`: that state as gv_state_took_event(was, seq now, time now) leaves
 * it), when those events changed only what `c` says (gv_changes_add for
 * each) and `part` is gv_meeting_sections_json(m, s) for sections s holding
 * c->sections: the sections and rows `c` names are made again (the sections
 * taken from `part`), narrowed to the view; the others are taken from
 * `took` as they are, the same values, so that a diff from `took` passes
 * over them at once. Equal to gv_meeting_view_json(m, v), which is what it
 * returns for the definition and when `took` is not a state. A new
 * reference sharing parts with `took` and `part` (change none afterwards);
 * NULL on ENOMEM.
 */
json_t *gv_view_update(const gv_meeting *m, const json_t *took, const json_t *part,
                       const gv_changes *c, gv_view v);

/*
 * What `person` reads beyond the public view:
 *   {"person": id, "votes": [question ids they voted for, ascending],
 *    "questions": [their questions not in the public view, as in the state]}
 * Anonymous questions are nobody's: their author is not kept. Returns a new
 * reference; NULL when person is not in the meeting or out of memory.
 */
json_t *gv_meeting_you_json(const gv_meeting *m, const char *person);

/*
 * The people whose own part (gv_meeting_you_json) event `event`, just applied
 * to `m`, may have changed: the voter of a vote; for an event naming a
 * question ("question", "into"), its author and the authors of the questions
 * merged into it (whose visibility follows it), and for a merge the voters of
 * the question merged into (their votes now count there). Calls each(arg,
 * person id) once per person, in no particular order; nobody else's part
 * changed. Returns 0, or GV_ENOMEM (each may have been called for some).
 */
int gv_event_you_people(const gv_meeting *m, const json_t *event,
                        void (*each)(void *arg, const char *person), void *arg);

/*
 * Event `event`, just applied to `m` (so that `m` is the state it made), as
 * view `v` reads it. Sets *out to NULL when the view reads the event
 * unchanged, else to a new reference to its view (a copy without the hidden
 * fields, or the "withheld" stub). Returns 0, or GV_ENOMEM with *out NULL.
 */
int gv_event_view(const gv_meeting *m, const json_t *event, gv_view v, json_t **out);

#endif

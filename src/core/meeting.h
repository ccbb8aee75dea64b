/*
 * The meeting: its state, the commands that change it and the fold over its
 * events. This is the public contract of the pure core.
 *
 *   command (JSON) --gv_meeting_decide--> events (JSON array)
 *   state + event  --gv_meeting_apply---> state
 *
 * decide never changes the state: it checks the command against the state and
 * the sender's roles and returns the events that would follow. Only after the
 * events are stored does the caller apply them, one by one, in order. A
 * command's optional "cid" (a client command id, random, the same when a
 * client sends the command again) is copied into each of its events, so that
 * the log itself says which command made them. Replaying
 * all stored events on a new meeting gives back the same state, byte for byte
 * as JSON (gv_meeting_to_json).
 *
 * Time is always an argument (milliseconds since the Unix epoch): the core reads
 * no clock, does no I/O and holds no globals.
 */
#ifndef GV_CORE_MEETING_H
#define GV_CORE_MEETING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct gv_meeting gv_meeting;

/* The pseudo-person that issues the first event (the definition). */
#define GV_ACTOR_SYSTEM "system"
/* The "by" of an anonymous question: its author is kept nowhere, not even in the log. */
#define GV_ACTOR_ANONYMOUS "anonymous"

/* A client command id ("cid"): 8 to 64 characters of A-Z a-z 0-9 - _. */
#define GV_CID_MIN_BYTES 8
#define GV_CID_MAX_BYTES 64

/* The latest time an event may have: the end of the year 9999 (ms since
 * 1970). Bounding every time keeps the sums of times and durations the core
 * makes far from overflowing; `gavel apply` and a stored log can carry any
 * number. */
#define GV_TIME_MAX_MS 253402300799999LL

/* Allocates an empty meeting (no definition, sequence 0). NULL on ENOMEM. */
gv_meeting *gv_meeting_new(void);

/* Frees the meeting and everything it owns. NULL is allowed. */
void gv_meeting_free(gv_meeting *m);

/*
 * The first event of every log: "meeting_defined", carrying the definition
 * (the JSON form of a meeting definition file, see docs/meeting-definition.md).
 * Returns a new reference the caller owns, or NULL with err set when the
 * definition is invalid, now_ms is outside 0 to GV_TIME_MAX_MS or the meeting
 * already has events.
 */
json_t *gv_meeting_define(const gv_meeting *m, const json_t *definition, int64_t now_ms,
                          gv_error *err);

/*
 * Decides what `command` (a JSON object with a "type") sent by the person with
 * id `actor` at `now_ms` (0 to GV_TIME_MAX_MS, else GV_EINVAL) does. On
 * success returns 0 and sets *events to a new JSON array (caller owns) of one
 * or more events, numbered from the meeting's next sequence number. On
 * failure returns a negative GV_E* code, fills err and leaves *events NULL.
 * The meeting is never changed.
 */
int gv_meeting_decide(const gv_meeting *m, const json_t *command, const char *actor, int64_t now_ms,
                      json_t **events, gv_error *err);

/*
 * Folds one event into the state. The event must carry the next sequence
 * number. Returns 0, or a negative code with err set and the state unchanged
 * when the event is malformed or does not fit the state (a damaged log).
 */
int gv_meeting_apply(gv_meeting *m, const json_t *event, gv_error *err);

/* The definition as the first event carried it (borrowed), NULL before it. */
const json_t *gv_meeting_definition(const gv_meeting *m);

/*
 * The events that the command with client command id `cid` made, as the log
 * holds them: 0 with *first_seq, *last_seq and *by (the "by" of its events,
 * borrowed: a person id, or GV_ACTOR_ANONYMOUS) set, or GV_ENOTFOUND when no
 * applied event carries that cid. Lets a server answer a command sent again
 * with its first answer instead of deciding it twice, also after a restart.
 */
int gv_meeting_command_events(const gv_meeting *m, const char *cid, int64_t *first_seq,
                              int64_t *last_seq, const char **by);

/* Sequence number of the last applied event (0 for a new meeting). */
int64_t gv_meeting_seq(const gv_meeting *m);

/* Time of the last applied event, in ms since 1970 (0 for a new meeting).
 * decide dates a command sent earlier than this at this time instead: a
 * log's time never runs backwards. */
int64_t gv_meeting_last_at_ms(const gv_meeting *m);

/* The whole state as a new JSON object (caller owns), NULL on ENOMEM. */
json_t *gv_meeting_to_json(const gv_meeting *m);

/*
 * The sections of the state: its top-level keys (besides "seq" and
 * "last_at_ms"), grouped by what changes them together. An event changes a
 * few of them; the live stream rebuilds only those
 * (docs/decisions/0021-patch-cost-follows-the-event.md).
 */
enum {
    GV_SECTION_MEETING = 1u << 0,     /** meeting, documents, guiding_questions */
    GV_SECTION_AGENDA = 1u << 1,      /** agenda (the items, with their runs) */
    GV_SECTION_PEOPLE = 1u << 2,      /** people (with their attendance) */
    GV_SECTION_NOTES = 1u << 3,       /** notes */
    GV_SECTION_PROCEEDINGS = 1u << 4, /** status, opened_at_ms, closed_at_ms, current_item,
                                          current_guiding_question */
    GV_SECTION_FLOOR = 1u << 5,       /** floor, floor_requests, speeches, totals, provisional */
    GV_SECTION_QUESTIONS = 1u << 6,   /** questions, shown_question */
    GV_SECTION_SUMMARY = 1u << 7,     /** summary */
    GV_SECTION_STATEMENTS = 1u << 8,  /** statements */
};
#define GV_SECTIONS_ALL ((GV_SECTION_STATEMENTS << 1) - 1u)

/*
 * The state with only the given sections (and "seq", "last_at_ms"): what
 * gv_meeting_to_json writes for them, the other keys left out. Before the
 * definition, no section has keys. A new object the caller owns; NULL on
 * ENOMEM.
 */
json_t *gv_meeting_sections_json(const gv_meeting *m, unsigned sections);

/*
 * The sections `event` may change when applied to `m` (call it before
 * gv_meeting_apply): those of its type (every one for the definition, and
 * for a type the core does not know), and the floor's whenever the event
 * moves the state's time, since the floor's countdowns, windows and closing
 * are read at the state's time. Never fewer than the event changes; "seq"
 * and "last_at_ms" change with every event (gv_state_took_event).
 */
unsigned gv_meeting_event_sections(const gv_meeting *m, const json_t *event);

/* The section whose key of the state `key` is; 0 for "seq" and
 * "last_at_ms" and for keys the state does not have. */
unsigned gv_meeting_key_section(const char *key);

/* How many single rows of "people" gv_changes holds before it counts the
 * whole section changed. */
#define GV_CHANGES_PEOPLE_MAX 64

/*
 * What the events applied since some moment may have changed, finer than
 * sections where it pays: someone arriving or leaving changes their own row
 * of "people" (a room of hundreds), not the others'. Starts zeroed.
 */
typedef struct gv_changes {
    unsigned sections;                 /** GV_SECTION_* that may have changed anywhere */
    size_t n_people;                   /** rows of "people" that may have changed besides: */
    int people[GV_CHANGES_PEOPLE_MAX]; /** their places in "people" (once each) */
} gv_changes;

/* Adds to c what `event` may change when applied to m (call it before
 * gv_meeting_apply): gv_meeting_event_sections, with one person's row
 * instead of all "people" where the event's type allows it. */
void gv_changes_add(gv_changes *c, const gv_meeting *m, const json_t *event);

/*
 * The meeting `definition` defines, with its first event applied (made at
 * now_ms, as gv_meeting_define makes it): for every place that creates a
 * meeting. *first, when not NULL, gets that event (a new reference). Returns
 * a new meeting the caller frees, or NULL with err set (the definition's
 * problem, GV_ENOMEM); *first is then NULL.
 */
gv_meeting *gv_meeting_from_definition(const json_t *definition, int64_t now_ms, json_t **first,
                                       gv_error *err);

/* The meeting's id, fixed by its definition (borrowed); NULL before it. */
const char *gv_meeting_id(const gv_meeting *m);

/* Is `role` a role a definition gives people ("chair", "moderator",
 * "secretariat", "rapporteur", "panelist", "participant")? */
bool gv_role_exists(const char *role);

/* Is `person` one of the meeting's people (false before the definition)? */
bool gv_meeting_has_person(const gv_meeting *m, const char *person);

/* Does `person` hold `role`? false for an unknown person or role. */
bool gv_meeting_person_has_role(const gv_meeting *m, const char *person, const char *role);

/* How many of the meeting's people hold `role` (0 for an unknown role);
 * *first, when not NULL, gets the first of them in the definition's order
 * (borrowed from m), or NULL. */
size_t gv_meeting_role_holders(const gv_meeting *m, const char *role, const char **first);

/* The canonical bytes of an event: compact JSON with sorted keys, no newline.
 * Returns a malloc'd NUL-terminated string the caller frees, NULL on ENOMEM. */
char *gv_event_canonical(const json_t *event);

/* The same canonical text of any JSON value (json_text.c): NULL on ENOMEM,
 * and never a text with a piece missing, which json_dumps may return when
 * an allocation fails. Everything stored or sent is made with it. */
char *gv_json_text(const json_t *json);

#endif

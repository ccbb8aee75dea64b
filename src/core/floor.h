/*
 * The floor: the speakers' list of the running agenda item, the provisional
 * lists of the others (inscription ahead), the ordering policies, speeches
 * and their timers, speaking budgets and totals. The part
 * of a meeting's state that src/core/floor*.c keep; meeting_internal.h embeds
 * a gv_floor in every meeting. Commands, events and the rules are in
 * docs/speakers-list.md.
 *
 * People, items, guiding questions are indices into the meeting's arrays
 * (-1 for none); requests and speeches are named outside by their ids (the
 * sequence number of the event that created them). The enums of
 * meeting_internal.h (gv_mode, gv_group, ...) are declared after this header,
 * so fields holding them are plain ints.
 */
#ifndef GV_CORE_FLOOR_H
#define GV_CORE_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/speech.h"

/* Requests made on one agenda item (all statuses); one more is refused. */
#define GV_FLOOR_REQUESTS_PER_ITEM_MAX 10000
/* Speeches in one meeting. */
#define GV_FLOOR_SPEECHES_MAX 100000
/* Depth of the undo stack; the oldest change falls off. */
#define GV_FLOOR_UNDO_MAX 100
/* Speaking-time budgets on one agenda item. */
#define GV_FLOOR_BUDGETS_PER_ITEM_MAX 256
/* Texts from outside, in bytes. */
#define GV_FLOOR_REASON_MAX_BYTES    500 /* a decline's reason; a list entry's reason */
#define GV_FLOOR_ON_BEHALF_MAX_BYTES 200 /* "on behalf of the Group of 77 and China" */
#define GV_FLOOR_KEY_MAX_BYTES       256 /* a budget key, a person or item id */
#define GV_FLOOR_LANGUAGE_MAX_BYTES  35  /* a BCP 47 tag, as definitions take them */
/* Room for the stakeholder groups of meeting_internal.h (checked there by floor_policy.c). */
#define GV_FLOOR_GROUPS_MAX 8

typedef enum gv_request_kind {
    GV_REQUEST_INTERVENTION,
    GV_REQUEST_QUESTION, /** a question to the panel, or to one panelist */
    GV_REQUEST_POINT_OF_ORDER,
    GV_REQUEST_REPLY, /** right of reply */
    GV_REQUEST_KIND_COUNT
} gv_request_kind;

/* Every request is in exactly one status; only waiting ones are on the list. */
typedef enum gv_request_status {
    GV_REQUEST_WAITING,
    GV_REQUEST_GRANTED,   /** given the floor: speech says which speech */
    GV_REQUEST_WITHDRAWN, /** by the person who asked */
    GV_REQUEST_DECLINED,  /** by the moderator */
    GV_REQUEST_LAPSED,    /** still waiting when its agenda item ended */
    GV_REQUEST_CANCELLED, /** an insertion or re-adding the moderator undid */
    GV_REQUEST_STATUS_COUNT
} gv_request_status;

/* Why an entry stands where it stands (set by the ordering, see floor_policy.c). */
typedef enum gv_reason {
    GV_REASON_POINT_OF_ORDER,
    GV_REASON_REPLY,
    GV_REASON_MOVED,   /** pinned by move_request / move_to_top */
    GV_REASON_PLACED,  /** pinned by insert_speaker with a position */
    GV_REASON_READDED, /** pinned on top by readd_last_speaker */
    GV_REASON_FIFO,
    GV_REASON_UN_GROUP_STATEMENT,
    GV_REASON_UN_MEMBER_STATE,
    GV_REASON_UN_OBSERVER_STATE,
    GV_REASON_UN_INTERGOVERNMENTAL,
    GV_REASON_UN_OTHER,
    GV_REASON_BALANCED_FIRST_TIME,
    GV_REASON_BALANCED_SPOKEN_BEFORE,
    GV_REASON_SWAPPED, /** took another's place at both's request (swap_inscriptions) */
    GV_REASON_COUNT
} gv_reason;

/* Names in commands, events and state JSON; index = enum value. */
extern const char *const gv_request_kind_names[GV_REQUEST_KIND_COUNT];
extern const char *const gv_request_status_names[GV_REQUEST_STATUS_COUNT];
extern const char *const gv_reason_codes[GV_REASON_COUNT];

typedef struct gv_request {
    int64_t id; /** sequence number of its floor_requested event */
    int person;
    int by;               /** who made it: the person, or the moderator who inserted them */
    int item;             /** agenda item it was made on */
    int kind;             /** gv_request_kind */
    int mode;             /** gv_mode: where they will speak from */
    int to;               /** panelist a question is addressed to, -1 */
    int guiding_question; /** -1 when none */
    char *on_behalf_of;   /** group of states a statement is made for, owned, NULL if none */
    int64_t at_ms;        /** when it was made */
    bool inserted;        /** by insert_speaker */
    bool readded;         /** by readd_last_speaker */
    bool pinned;          /** placed by the moderator: the policy does not move it */
    int pinned_by;        /** who moved or placed it, when pinned (-1: the moderator) */
    int level;            /** gv_level: the person's, or as declared for an inscription */
    bool inscribed;       /** inscribed ahead, before its item ran */
    /** the language they will speak in (BCP 47), "" when the request does not say */
    char language[GV_FLOOR_LANGUAGE_MAX_BYTES + 1];
    /* Its rank under the policy (floor_policy.c): class, then level, then the
     * event that set its time; a swap exchanges the three with another request. */
    int rank_class;
    int rank_level;
    int64_t rank_seq;
    int64_t swapped_with;        /** the request whose place it took, 0 */
    int64_t level_changed_at_ms; /** its last change of level, 0 */
    int64_t continues;           /** readded: the speech ended by mistake that it continues, 0 */
    int status;                  /** gv_request_status */
    int64_t closed_at_ms;        /** when it left the list, 0 while waiting */
    int64_t speech;              /** granted: id of its speech */
    char *decline_reason;        /** owned, NULL if none given */
    /* Set by the ordering for waiting requests (see floor_policy.c). */
    int reason;            /** gv_reason */
    int reason_rank;       /** arrival rank (1-based) within its class, for the text */
    int reason_prev_mode;  /** balanced: mode of the turn before, -1 none */
    int reason_prev_group; /** balanced: group of the turn before, -1 none */
} gv_request;

typedef struct gv_speech {
    int64_t id; /** sequence number of its floor_given event */
    int person;
    int item;
    int kind;        /** gv_request_kind */
    int mode;        /** gv_mode */
    int64_t request; /** id of the request granted, 0 when given directly */
    int to;          /** panelist questioned, -1 */
    int guiding_question;
    int64_t answer_to;    /** id of the speech this one answers, 0 */
    int64_t continues;    /** id of a speech ended by mistake that this one continues, 0 */
    bool ended_with_item; /** ended because its agenda item ended */
    gv_timer timer;
} gv_speech;

/* A count of turns and time, kept for one person, group, region, gender or mode. */
typedef struct gv_tally {
    int64_t turns; /** speeches ended (a continued speech is not a new turn) */
    int64_t spoken_ms;
    int64_t overtime_ms;
} gv_tally;

typedef enum gv_undo_change {
    GV_UNDO_DECLINE,
    GV_UNDO_MOVE,
    GV_UNDO_INSERT,
    GV_UNDO_READD,
    GV_UNDO_CLOSE,
    GV_UNDO_REOPEN,
    GV_UNDO_CHANGE_COUNT
} gv_undo_change;

/* One list change that undo_list_change can take back, with what it replaced. */
typedef struct gv_undo {
    int64_t seq;              /** the event that made the change */
    int change;               /** gv_undo_change */
    int64_t request;          /** request id for decline, move, insert, readd */
    bool was_pinned;          /** decline, move: the request was pinned ... */
    int was_at;               /** ... at this position ... */
    int was_reason;           /** ... for this reason (gv_reason) */
    bool was_closed;          /** close, reopen: the list's closed flag ... */
    int64_t was_closes_at_ms; /** ... and its automatic closing time */
} gv_undo;

typedef enum gv_budget_by {
    GV_BUDGET_GROUP,
    GV_BUDGET_DELEGATION,
    GV_BUDGET_BY_COUNT
} gv_budget_by;
extern const char *const gv_budget_by_names[GV_BUDGET_BY_COUNT];

typedef struct gv_budget {
    int item;
    int by;    /** gv_budget_by */
    char *key; /** group name or delegation, owned */
    int64_t initial_ms;
    int64_t added_ms;
} gv_budget;

/*
 * The provisional list of an agenda item that is not running: the requests
 * inscribed for it ahead, in order (floor_inscription.c). When the item
 * starts, its list becomes the running list (gv_floor.list).
 */
typedef struct gv_inscriptions {
    int *list; /** indices into requests: the waiting ones of this item, in order */
    size_t n, cap;
    bool window_set;            /** set_inscription replaced the definition's window */
    int64_t opens_at_ms;        /** people inscribe from then on; 0: no inscription ahead */
    int64_t closes_at_ms;       /** ... until then; 0: until the item starts */
    int64_t changed_at_ms;      /** last change to the list, 0 never */
    size_t ordered_at_speeches; /** n_speeches when last ordered (the balanced policy reads them) */
} gv_inscriptions;

typedef struct gv_floor {
    gv_request *requests; /** every request of the meeting, ascending id */
    size_t n_requests, cap_requests;
    int *list; /** indices into requests: the waiting ones of the running item, in order */
    size_t n_list, cap_list;
    int64_t *scratch;    /** work space of the ordering: GV__FLOOR_SCRATCH_PER_ENTRY a list entry */
    size_t cap_scratch;  /** int64_t the work space holds: enough for every list's cap */
    gv_speech *speeches; /** every speech of the meeting, ascending id */
    size_t n_speeches, cap_speeches;
    int current;    /** index into speeches of the speech under way, -1 */
    int last_ended; /** index of the last speech ended on the running item, -1 */
    int group_last[GV_FLOOR_GROUPS_MAX]; /** index of each group's last speech, -1 */

    bool closed;            /** closed by the moderator */
    int64_t closes_at_ms;   /** closes by itself at this time, 0 never */
    bool autopilot;         /** ending a speech gives the floor to the next speaker */
    int64_t segments_at_ms; /** when set_segments started the floor segment, 0 none */
    int64_t floor_ms;       /** length of the segment of statements from the floor */
    int64_t replies_ms;     /** length of the segment of the panel's replies after it */

    gv_undo undo[GV_FLOOR_UNDO_MAX]; /** oldest first */
    size_t n_undo;

    gv_budget *budgets;
    size_t n_budgets, cap_budgets;

    /* Allocated on the first request or speech, when the definition is known. */
    gv_tally *tallies;      /** (1 + items) scopes of stride tallies: see floor_totals.c */
    int *item_requests;     /** requests made on each item */
    int *person_last;       /** index of each person's last speech, -1 */
    gv_inscriptions *ahead; /** one per agenda item: its provisional list */
    size_t n_ahead;
} gv_floor;

#endif

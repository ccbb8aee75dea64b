/*
 * The meeting's state as the core's modules see it, and the contract between
 * meeting.c (dispatch, roles, sequence) and the modules that own families of
 * commands and events (floor, questions, agenda and attendance, notes).
 *
 * A module exports two tables, each ended by an entry with type NULL:
 *   gv_command_spec: command type, roles allowed to send it, decide function;
 *   gv_event_spec:   event type, apply function, the state's sections apply
 *                    may change (meeting.h, GV_SECTION_*).
 * meeting.c checks the sender's roles against the table before calling decide,
 * so a decide function only checks what depends on the state or on who the
 * sender is (a person may withdraw only their own request).
 *
 * Rules for module functions:
 * - decide reads the meeting and the command, never changes the meeting, and
 *   appends events with gv__event_add(); it returns 0 or a GV_E* code with err
 *   set (then the events it appended are discarded by the caller);
 * - apply validates everything it reads from the event before changing
 *   anything: a damaged event gives an error and leaves the state unchanged;
 * - apply of an event made by decide on the same state always succeeds.
 */
#ifndef GV_CORE_MEETING_INTERNAL_H
#define GV_CORE_MEETING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/meeting.h"
#include "core/floor.h"
#include "core/questions.h"

/* Roles, as a bit mask; a person may hold several. */
enum {
    GV_ROLE_CHAIR = 1u << 0,
    GV_ROLE_MODERATOR = 1u << 1,
    GV_ROLE_SECRETARIAT = 1u << 2,
    GV_ROLE_RAPPORTEUR = 1u << 3,
    GV_ROLE_PANELIST = 1u << 4,
    GV_ROLE_PARTICIPANT = 1u << 5,
    GV_ROLE_SYSTEM = 1u << 6, /* only the definition event */
};
#define GV_ROLES_PRESIDING (GV_ROLE_CHAIR | GV_ROLE_MODERATOR)
#define GV_ROLES_SPEAKING  (GV_ROLE_PANELIST | GV_ROLE_PARTICIPANT | GV_ROLES_PRESIDING)
#define GV_ROLES_ANY_PERSON                                                                        \
    (GV_ROLE_CHAIR | GV_ROLE_MODERATOR | GV_ROLE_SECRETARIAT | GV_ROLE_RAPPORTEUR |                \
     GV_ROLE_PANELIST | GV_ROLE_PARTICIPANT)

typedef enum gv_group {
    GV_GROUP_MEMBER_STATE,
    GV_GROUP_OBSERVER_STATE,
    GV_GROUP_INTERGOVERNMENTAL, /* UN entities and other intergovernmental organizations */
    GV_GROUP_PRIVATE_SECTOR,
    GV_GROUP_CIVIL_SOCIETY,
    GV_GROUP_TECHNICAL_ACADEMIC,
    GV_GROUP_COUNT
} gv_group;

typedef enum gv_region {
    GV_REGION_AFRICAN,
    GV_REGION_ASIA_PACIFIC,
    GV_REGION_EASTERN_EUROPEAN,
    GV_REGION_LATIN_AMERICAN_CARIBBEAN,
    GV_REGION_WESTERN_EUROPEAN_OTHERS,
    GV_REGION_NONE, /* not a state, or not declared */
    GV_REGION_COUNT
} gv_region;

typedef enum gv_gender {
    GV_GENDER_UNDISCLOSED,
    GV_GENDER_FEMALE,
    GV_GENDER_MALE,
    GV_GENDER_OTHER,
    GV_GENDER_COUNT
} gv_gender;

typedef enum gv_mode { GV_MODE_ROOM, GV_MODE_ONLINE, GV_MODE_COUNT } gv_mode;

/* Level of representation, in order of precedence (docs/speakers-list.md, "un"). */
typedef enum gv_level {
    GV_LEVEL_HEAD_OF_STATE,
    GV_LEVEL_HEAD_OF_GOVERNMENT,
    GV_LEVEL_VICE_PRESIDENT,
    GV_LEVEL_CROWN_PRINCE, /* ranks with a Vice-President */
    GV_LEVEL_MINISTER,
    GV_LEVEL_VICE_MINISTER,
    GV_LEVEL_HEAD_OF_DELEGATION, /* the default, and everyone who is not a state's speaker */
    GV_LEVEL_COUNT
} gv_level;

typedef enum gv_item_kind {
    GV_ITEM_OPENING,
    GV_ITEM_REPORT, /* introduction of a report */
    GV_ITEM_PRESENTATIONS,
    GV_ITEM_DISCUSSION,
    GV_ITEM_CLOSING,
    GV_ITEM_OTHER,
    GV_ITEM_KIND_COUNT
} gv_item_kind;

typedef enum gv_policy {
    GV_POLICY_FIFO,
    GV_POLICY_UN,
    GV_POLICY_BALANCED,
    GV_POLICY_COUNT
} gv_policy;

/* Names used in definitions, commands, events and state JSON; index = enum value. */
extern const char *const gv_group_names[GV_GROUP_COUNT];
extern const char *const gv_region_names[GV_REGION_COUNT];
extern const char *const gv_gender_names[GV_GENDER_COUNT];
extern const char *const gv_mode_names[GV_MODE_COUNT];
extern const char *const gv_level_names[GV_LEVEL_COUNT];
extern const char *const gv_item_kind_names[GV_ITEM_KIND_COUNT];
extern const char *const gv_policy_names[GV_POLICY_COUNT];
/* Role names, index = bit of GV_ROLE_*; the first GV_ROLE_PERSON_COUNT are the
 * roles a definition gives people, the last is the system's. */
#define GV_ROLE_PERSON_COUNT 6
#define GV_ROLE_COUNT        7
extern const char *const gv_role_names[GV_ROLE_COUNT];

/* Index of `name` in `names[n]`, or -1. */
int gv__name_index(const char *const *names, int n, const char *name);

typedef struct gv_person {
    char *id; /** stable identifier from the definition, used in commands */
    char *name;
    char *function;    /** title or function, may be "" */
    char *affiliation; /** organization or delegation, may be "" */
    char *delegation;  /** budget key for per-delegation time; affiliation when not set */
    gv_group group;
    gv_region region;
    gv_gender gender;
    gv_mode mode;             /** declared mode; a request may say otherwise */
    gv_level level;           /** level of representation; an inscription may say otherwise */
    unsigned roles;           /** GV_ROLE_* mask */
    int64_t checked_in_at_ms; /** first check-in in the room, 0 if never */
    int64_t joined_at_ms;     /** first join online, 0 if never */
    bool present;             /** checked in or joined and not left */
    char **speaks;            /** the languages they speak in (BCP 47 tags), the usual one first */
    size_t n_speaks;          /** 0 when the definition does not say */
} gv_person;

typedef struct gv_document {
    char *symbol; /** UN document symbol, may be "" */
    char *title;
    char *link;           /** may be "" */
    json_t *translations; /** {"fr": {"title": ...}, ...}, owned; NULL when none */
} gv_document;

typedef struct gv_guiding_question {
    char *id;
    char *text;
    json_t *translations; /** {"fr": {"text": ...}, ...}, owned; NULL when none */
} gv_guiding_question;

typedef struct gv_item {
    char *id;
    char *title;
    json_t *translations; /** {"fr": {"title": ...}, ...}, owned; NULL when none */
    gv_item_kind kind;
    int64_t planned_ms;           /** planned duration */
    int64_t limit_ms;             /** default speaking limit for this item */
    int64_t warning_ms;           /** warning when this much time has been spoken */
    gv_policy policy;             /** speakers' list ordering */
    int64_t list_closes_after_ms; /** list closes this long after the item starts; 0 never */
    int *speakers;                /** indices into people: planned speakers, in order */
    size_t n_speakers;
    char *inscription_opens;  /** inscription window as written ("...T09:00+01:00"), NULL none */
    char *inscription_closes; /** NULL: until the item starts */
    int64_t inscription_opens_ms;  /** the same in ms since 1970; 0 when not given */
    int64_t inscription_closes_ms; /** 0 when not given */
    int64_t started_at_ms;         /** first start; 0 until started */
    int64_t ended_at_ms;           /** end of the last run; 0 while running or never ended */
    int64_t resumed_at_ms;         /** start of the current (or last) run; 0 until started */
    int64_t actual_ms;             /** time the item ran, summed over its finished runs */
    int runs;                      /** how many times it was started (more than 1: resumed) */
} gv_item;

typedef enum gv_status { GV_STATUS_SCHEDULED, GV_STATUS_OPEN, GV_STATUS_CLOSED } gv_status;

typedef struct gv_note {
    int64_t id;     /** sequence number of the event that added it */
    int question;   /** guiding question index, -1 for the meeting as a whole */
    int64_t speech; /** id of the speech it is about, 0 for none */
    int author;     /** person index */
    int64_t at_ms;
    char *text;
    int64_t amended_at_ms;   /** last amendment, 0 if never amended */
    int amended_by;          /** person index of the last amendment, -1 if never amended */
    int64_t withdrawn_at_ms; /** withdrawn (kept in the log, out of the record), 0 if not */
    int withdrawn_by;        /** person index, -1 if not withdrawn */
} gv_note;

/* The Chair's summary: an introduction, one section per guiding question,
 * key messages and recommendations (summary.c). */
typedef enum gv_summary_part {
    GV_SUMMARY_INTRODUCTION,
    GV_SUMMARY_QUESTIONS, /** the guiding questions' sections, in definition order */
    GV_SUMMARY_KEY_MESSAGES,
    GV_SUMMARY_RECOMMENDATIONS,
} gv_summary_part;

typedef struct gv_summary_section {
    char *text;           /** plain text, paragraphs split by line breaks; "" when empty */
    int64_t version;      /** the summary's version when this section last changed */
    int edited_by;        /** person index of the last change */
    int64_t edited_at_ms; /** time of the last change */
} gv_summary_section;

typedef struct gv_summary {
    int64_t version; /** 0: no draft yet; +1 for the draft and each edit */
    /** introduction, one per guiding question, key messages, recommendations:
     * n_questions_def + 3 sections, allocated by the first draft */
    gv_summary_section *sections;
    size_t n_sections;
    int64_t approved_version; /** the version the chair approved (frozen), 0 for none */
    int64_t approved_seq;     /** sequence number of the summary_approved event */
    int64_t approved_at_ms;
    int approved_by; /** person index, -1 */
} gv_summary;

/* A written statement as the log says it (statements.c); the bytes are in
 * the store. */
typedef struct gv_statement {
    int64_t id;          /** sequence number of its statement_attached event */
    int person;          /** whose statement: person index */
    int by;              /** who attached it: person index */
    int item;            /** agenda item index */
    int64_t speech;      /** the speech it is for, 0 when attached to the item */
    char hash[65];       /** SHA-256 of the file, lower-case hex */
    int type;            /** gv_doc_type */
    int64_t size_bytes;  /** of the file */
    char *file_name;     /** owned */
    int64_t at_ms;       /** attached */
    int64_t replaces;    /** the statement it replaced, 0 */
    int64_t ended_at_ms; /** withdrawn or replaced, 0 while current */
    int ended_by;        /** person index, -1 while current */
    int64_t replaced_by; /** the statement that replaced it, 0 (withdrawn or current) */
} gv_statement;

struct gv_meeting {
    int64_t seq;        /** last applied event's sequence number */
    int64_t last_at_ms; /** time of the last applied event */
    bool defined;       /** the definition event has been applied */

    /* The definition, fixed by the first event. */
    json_t *definition; /** as the first event carried it, owned (for snapshots) */
    char *id;
    char *title;
    char *body;         /** convening body */
    char *session;      /** session name, may be "" */
    char *starts_local; /** "YYYY-MM-DDTHH:MM" in the meeting's zone */
    char *ends_local;
    char *timezone; /** IANA zone name */
    char *venue;
    char *online_link;
    char **languages;
    size_t n_languages;
    json_t *translations;     /** {"fr": {"title", "body", "session", "venue"}}, owned, or NULL */
    bool anonymous_questions; /** questions may be asked without a name */
    bool moderated_questions; /** questions are shown only once approved */

    gv_person *people;
    size_t n_people;
    int *people_by_id; /** indices into people, sorted by id (for gv__person_find) */
    gv_document *documents;
    size_t n_documents;
    gv_guiding_question *questions_def;
    size_t n_questions_def;
    gv_item *items;
    size_t n_items;

    /* The live state. */
    gv_status status;
    int64_t opened_at_ms;
    int64_t closed_at_ms;
    int current_item;     /** index into items, -1 when none */
    int current_question; /** guiding question under discussion, -1 when none */
    gv_note *notes;
    size_t n_notes, cap_notes;

    gv_statement *statements; /** ascending id, replaced and withdrawn ones included */
    size_t n_statements, cap_statements;

    gv_summary summary;     /** the Chair's summary, drafted from the notes */
    gv_floor floor;         /** speakers' list, speeches, timers, totals */
    gv_questions questions; /** questions from the audience */
    json_t *cids; /** client command id -> [first_seq, last_seq, by] of the events it made;
                      NULL until an event carries one (meeting.c) */
    /* A field added here is added to snapshot.c too, with a new
     * GV_SNAPSHOT_VERSION (snapshot_test shows a field left out). */
};

/* A command being decided. */
typedef struct gv_cmd {
    const char *type;     /** the command's "type" */
    const json_t *json;   /** the whole command object, borrowed */
    int actor;            /** index into people, -1 for the system */
    unsigned actor_roles; /** GV_ROLE_* mask of the actor */
    int64_t now_ms;       /** server time of the decision */
} gv_cmd;

typedef int (*gv_decide_fn)(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
typedef int (*gv_apply_fn)(gv_meeting *m, const json_t *event, gv_error *err);

typedef struct gv_command_spec {
    const char *type;
    unsigned roles; /** GV_ROLE_* mask of who may send it */
    gv_decide_fn decide;
} gv_command_spec;

typedef struct gv_event_spec {
    const char *type;
    gv_apply_fn apply;
    /** GV_SECTION_* of the state that apply may change, through any module:
     * when unsure, a section is named (0 would mean all of them); or
     * GV__ROW_PERSON */
    unsigned sections;
} gv_event_spec;

/* In an event spec's sections: of the state, only the row of "people" of
 * the person the event's "person" names changes (gv_changes_add). */
#define GV__ROW_PERSON (1u << 16)

/* ---- events (event.c) ------------------------------------------------------------------------ */

/*
 * Appends a new event {"seq", "type", "at_ms", "by"} to `events`, numbered
 * after the meeting's sequence and the events already in the array. *out (if
 * out is not NULL) is the event, borrowed from the array, for the caller to
 * add fields to. Returns 0, or GV_ENOMEM with err set.
 */
int gv__event_add(const gv_meeting *m, const gv_cmd *c, json_t *events, const char *type,
                  json_t **out, gv_error *err);
/* Sets ev[key] = v, taking v; GV_ENOMEM when v is NULL or the set fails. */
int gv__event_set(json_t *ev, const char *key, json_t *v, gv_error *err);
/* The event's "seq" and "at_ms" (0 when absent: apply has checked them). */
int64_t gv__event_seq(const json_t *ev);
int64_t gv__event_at(const json_t *ev);
/* A stored event that does not fit: GV_ECORRUPT naming the event and why. */
int gv__event_corrupt(const json_t *ev, gv_error *err, const char *why);
/* GV_ECORRUPT carrying the message a field reader left in err. */
int gv__event_corrupt_field(const json_t *ev, gv_error *err);
/* Person index named by event field `key` (an id string); GV_EINVAL/ENOTFOUND with err. */
int gv__event_person(const gv_meeting *m, const json_t *ev, const char *key, int *out,
                     gv_error *err);

/* Is s a language tag as definitions and commands take them (BCP 47's
 * shape: en, fr, zh-Hans, pt-BR; at most 35 bytes)? */
bool gv__language_ok(const char *s);

/* Index of the person with `id`, or -1. */
int gv__person_find(const gv_meeting *m, const char *id);
/* Index of the agenda item / guiding question with `id`, or -1. */
int gv__item_find(const gv_meeting *m, const char *id);
int gv__question_def_find(const gv_meeting *m, const char *id);
/* Index of the speech with this id in the floor's speeches, or -1 (floor.c). */
int gv__floor_speech_find(const gv_floor *f, int64_t id);

/* Module tables (each ended by a NULL type). */
extern const gv_command_spec gv__agenda_commands[];
extern const gv_event_spec gv__agenda_events[];
extern const gv_command_spec gv__floor_commands[];
extern const gv_event_spec gv__floor_events[];
extern const gv_command_spec gv__questions_commands[];
extern const gv_event_spec gv__questions_events[];
extern const gv_command_spec gv__summary_commands[];
extern const gv_event_spec gv__summary_events[];
extern const gv_command_spec gv__statements_commands[];
extern const gv_event_spec gv__statements_events[];

/* Module state lifecycles and JSON views (each adds its keys to `state`). */
void gv__floor_init(gv_floor *f);
void gv__floor_release(gv_floor *f);
int gv__floor_to_json(const gv_meeting *m, json_t *state);
/* Called by the agenda's apply after m->current_item changed (item started or
 * ended) at at_ms, so the speakers' list lapses or resets with the item. */
void gv__floor_item_changed(gv_meeting *m, int64_t at_ms);
/* Called by the agenda's apply when the meeting closed at at_ms: inscriptions
 * for items never held lapse. */
void gv__floor_lapse_inscriptions(gv_meeting *m, int64_t at_ms);
/* Appends, for a person about to leave (the agenda's decide_leave), the
 * withdrawal of their waiting request, if they have one: nobody is called to
 * speak who has gone. Returns 0 or GV_ENOMEM. */
int gv__floor_leaving(const gv_meeting *m, const gv_cmd *c, int person, json_t *events,
                      gv_error *err);
void gv__questions_init(gv_questions *q);
void gv__questions_release(gv_questions *q);
int gv__questions_to_json(const gv_meeting *m, json_t *state);
/* The question with event id `id`, or NULL. */
gv_question *gv__question_find(const gv_questions *q, int64_t id);
/* One question as it appears in the state's "questions" (new reference, NULL on ENOMEM). */
json_t *gv__question_json(const gv_meeting *m, const gv_question *q);

/* Summary module: the Chair's summary. */
void gv__summary_release(gv_summary *s);
int gv__summary_to_json(const gv_meeting *m, json_t *state);

/* Statements module: written statements. */
void gv__statements_release(gv_meeting *m);
int gv__statements_to_json(const gv_meeting *m, json_t *state);
/* The statements as snapshot rows into the array `rows` (snapshot.c); 0 or
 * GV_ENOMEM. */
int gv__statements_snapshot(const gv_meeting *m, json_t *rows);
/* The statements from snapshot rows, every value range-checked; 0,
 * GV_ECORRUPT or GV_ENOMEM with err set. */
int gv__statements_restore(gv_meeting *m, const json_t *rows, gv_error *err);

/* Agenda module: live meeting status, notes. */
int gv__agenda_to_json(const gv_meeting *m, json_t *state);
int gv__notes_to_json(const gv_meeting *m, json_t *state);
void gv__agenda_release(gv_meeting *m);

/* The command spec for `type`, or NULL. */
const gv_command_spec *gv__command_find(const char *type);
/* Stores up to max command specs in out; returns how many there are in all. */
size_t gv__command_list(const gv_command_spec **out, size_t max);
/* Name of a single GV_ROLE_* bit ("chair", ...). */
const char *gv__role_name(unsigned role);

/* Definition: check a JSON definition and build the meeting's fixed part from it. */
int gv__definition_load(gv_meeting *m, const json_t *def, gv_error *err);
void gv__definition_release(gv_meeting *m);
/* The definition's sections of the state: meeting, documents and
 * guiding_questions; agenda (the items); people. */
int gv__meeting_to_json(const gv_meeting *m, json_t *state);
/* The row of "people" of person i, as gv__people_to_json writes it (new
 * reference, NULL on ENOMEM). */
json_t *gv__person_json(const gv_meeting *m, size_t i);
int gv__items_to_json(const gv_meeting *m, json_t *state);
int gv__people_to_json(const gv_meeting *m, json_t *state);

#endif

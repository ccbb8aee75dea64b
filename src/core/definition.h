/*
 * Meeting definitions: the file a secretariat writes (YAML, or the same shape
 * in JSON) that fixes a meeting's title, times, documents, guiding questions,
 * agenda and people. The format is described field by field in
 * docs/meeting-definition.md.
 *
 * There is one validator, gv_definition_check(), that reports every problem
 * of a JSON definition with the node at fault. The YAML reader
 * gv_definition_from_yaml() turns a file into the JSON form, runs the same
 * validator and maps each problem to the line and column it comes from. The
 * core loads a definition (gv__definition_load in meeting_internal.h) through
 * the same validator, so what `gavel validate` accepts is exactly what a
 * meeting accepts.
 *
 * Nothing here does I/O: whether a time zone exists is asked of a callback.
 */
#ifndef GV_CORE_DEFINITION_H
#define GV_CORE_DEFINITION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Bounds of a definition (docs/meeting-definition.md lists them too). */
#define GV_DEF_ID_MAX_BYTES     64   /* ids of the meeting, people, items, questions */
#define GV_DEF_STRING_MAX_BYTES 500  /* names, functions, venue, links, ... */
#define GV_DEF_TEXT_MAX_BYTES   1000 /* titles and guiding question texts */
#define GV_DEF_ZONE_MAX_BYTES   64   /* time zone names */
#define GV_DEF_PEOPLE_MAX       5000
#define GV_DEF_ITEMS_MAX        200
#define GV_DEF_QUESTIONS_MAX    50
#define GV_DEF_DOCUMENTS_MAX    100
#define GV_DEF_LANGUAGES_MAX    50
#define GV_DEF_MINUTES_MAX      1440 /* any duration: at most a day */
/* Problems reported for one definition; the rest are counted, not described. */
#define GV_DEF_PROBLEMS_MAX 200

/*
 * Whether the IANA time zone `name` exists (the caller looks it up; see
 * src/cli/zone.h). `name` has already passed the syntax check.
 */
typedef bool (*gv_zone_fn)(const char *name, void *ud);

/* Where a problem is, relative to the JSON nodes of the definition. */
typedef enum gv_def_at {
    GV_DEF_AT_NODE,  /** the node itself: a missing field's object, the definition */
    GV_DEF_AT_VALUE, /** the value parent[key] (objects) or parent[index] (arrays) */
    GV_DEF_AT_KEY,   /** the key `key` of the object parent: an unknown field */
} gv_def_at;

typedef struct gv_def_problem {
    int code;           /** GV_EINVAL, or GV_ELIMIT for a bound exceeded */
    gv_def_at at;       /** how node, key and index locate the problem */
    const json_t *node; /** AT_NODE: the node at fault; otherwise its parent object or array */
    const char *key;    /** AT_VALUE in an object, AT_KEY: the key; AT_NODE: the missing
                            field, if that is the problem; otherwise NULL */
    size_t index;       /** AT_VALUE in an array: the index */
    const char *path;   /** JSON path of the node, "people[3].group"; "" for the whole */
    const char *msg;    /** what is wrong and what to do, without the path */
} gv_def_problem;

/* Called once for each problem; the problem and its strings are borrowed for the call. */
typedef void (*gv_def_report_fn)(const gv_def_problem *p, void *ud);

/*
 * Checks the JSON definition `def` and reports every problem through
 * `report` (may be NULL to only count them): unknown fields, wrong types,
 * missing fields, bad values, duplicate ids, unknown people named as speakers,
 * impossible times and bounds. When `zone_exists` is not NULL, the time zone
 * must also exist. At most GV_DEF_PROBLEMS_MAX problems are reported; the
 * last of them then says that more were found.
 *
 * Returns the number of problems (0: the definition is valid), or GV_ENOMEM.
 * Nothing is kept after the call.
 */
int gv_definition_check(const json_t *def, gv_zone_fn zone_exists, void *zone_ud,
                        gv_def_report_fn report, void *ud);

/*
 * What a valid definition holds, in a few figures, as `gavel validate --json`
 * and the secretariat's page show it: {"id", "title", "people",
 * "agenda_items", "guiding_questions", "documents"}. A new reference, or NULL
 * when out of memory.
 */
json_t *gv_definition_summary(const json_t *def);

/* One problem of a definition file, at a position in it. */
typedef struct gv_diag {
    unsigned line;   /** 1-based; 0 when the problem has no position */
    unsigned column; /** 1-based, in characters (Unicode code points) */
    char *msg;       /** what is wrong, with the JSON path when there is one; owned */
    char *text;      /** "FILE:LINE:COLUMN: MSG", ready to print; owned */
} gv_diag;

typedef struct gv_diag_list {
    gv_diag *items; /** sorted by line, then column, then the order they were found */
    size_t n;
} gv_diag_list;

/* Sets up an empty list; no allocation. */
void gv_diag_list_init(gv_diag_list *l);
/* Frees the diagnostics and empties the list. */
void gv_diag_list_release(gv_diag_list *l);

/*
 * Reads the YAML definition in buf[0..len) (UTF-8, one document; JSON is
 * read too, being YAML) into its JSON form and checks it with
 * gv_definition_check(). `filename` names the file in the diagnostics
 * ("<stdin>" for standard input). Plain YAML scalars that are numbers become
 * JSON numbers, true/false booleans, null/~/empty null; quoted scalars stay
 * strings. Anchors, aliases, tags, duplicate keys, bad UTF-8 and syntax
 * errors are problems of their own. A syntax error ends the reading, so it
 * is the last problem reported; every other problem of the file is reported.
 *
 * Returns 0 and sets *out to the definition (a new reference the caller
 * owns) when the file is valid. Returns GV_EINVAL when it is not: *out is
 * NULL, `diags` holds every problem (appended; the caller releases it) and
 * err says how many there are. Returns GV_ENOMEM with err set when memory
 * runs out.
 */
int gv_definition_from_yaml(const char *buf, size_t len, const char *filename,
                            gv_zone_fn zone_exists, void *zone_ud, json_t **out,
                            gv_diag_list *diags, gv_error *err);

#endif

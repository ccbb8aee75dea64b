/*
 * Written statements: the file a speaker (or the secretariat for them)
 * attaches to their speech, or to an agenda item before they speak. The
 * core keeps what the log says of each (who, on what, the file's SHA-256,
 * its kind, size and name); the bytes live in the store beside the log
 * (store.h, "Files") and are checked there (store/filetype.h). Commands,
 * events and the rules are in docs/statements.md.
 */
#ifndef GV_CORE_STATEMENTS_H
#define GV_CORE_STATEMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/meeting.h"

/** largest statement taken, in bytes */
#define GV_STATEMENT_MAX_BYTES (10u * 1024u * 1024u)
/** longest file name, in bytes of UTF-8 */
#define GV_STATEMENT_NAME_MAX_BYTES 200
/** statements attached in one meeting, replaced and withdrawn ones included */
#define GV_STATEMENTS_MAX 10000

/* The kinds of file a statement may be. */
typedef enum gv_doc_type {
    GV_DOC_PDF,
    GV_DOC_DOCX, /** Word, Office Open XML (not the old binary .doc) */
    GV_DOC_ODT,  /** OpenDocument text */
    GV_DOC_TEXT, /** plain text in UTF-8 */
    GV_DOC_TYPE_COUNT
} gv_doc_type;

typedef struct gv_doc_type_info {
    const char *media_type;    /** as stored and served: "application/pdf" */
    const char *label;         /** for people: "a PDF document" */
    const char *extensions[4]; /** the names it may have, lower case, NULL-ended */
} gv_doc_type_info;

/* Index = gv_doc_type. */
extern const gv_doc_type_info gv_doc_types[GV_DOC_TYPE_COUNT];

/* The kind of file with this media type, or -1. */
int gv_doc_type_of(const char *media_type);

/*
 * Whether `name` may name a statement of kind `type`: 1 to
 * GV_STATEMENT_NAME_MAX_BYTES of UTF-8 (as JSON gave it), a name and not a
 * path (no '/', '\', control characters or bidi controls, not starting with
 * '.'), ending in one of the kind's extensions. 0, or GV_EINVAL with err
 * saying what to rename it to.
 */
int gv_statement_name_check(const char *name, gv_doc_type type, gv_error *err);

/* What the server asks of a statement it is to hand out. Borrowed from the
 * meeting; valid until the next event is applied. */
typedef struct gv_statement_ref {
    int64_t id;             /** sequence number of its statement_attached event */
    const char *person;     /** whose statement it is */
    const char *file_name;  /** as attached */
    const char *media_type; /** gv_doc_types[...].media_type */
    int64_t size_bytes;
    const char *hash; /** the file's SHA-256, lower-case hex */
    bool current;     /** neither withdrawn nor replaced */
    bool delivered;   /** its speech was given, or its item is over (docs/statements.md) */
} gv_statement_ref;

/*
 * The statement whose file has SHA-256 `hash_hex` (64 lower-case hex
 * digits): of those that named it, a current one first, else the latest.
 * 0 with *out filled, or GV_ENOTFOUND.
 */
int gv_meeting_statement_find(const gv_meeting *m, const char *hash_hex, gv_statement_ref *out);

/*
 * Calls fn for every statement the log attached, withdrawn and replaced
 * ones too, in the order they were attached; stops at fn's first non-zero
 * value and returns it (0 after the last).
 */
int gv_meeting_statements_each(const gv_meeting *m, int (*fn)(void *ud, const gv_statement_ref *s),
                               void *ud);

#endif

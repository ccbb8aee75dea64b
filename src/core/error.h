/*
 * Errors of the whole project: a negative code plus a message fit for a person.
 *
 * Functions return 0 on success or a negative GV_E* code; when they take a
 * gv_error*, they also fill it with what was wrong, where, and what to do.
 * The short names from gv_error_name() are the stable error codes of the
 * protocol (docs/protocol.md) and of the command line.
 */
#ifndef GV_CORE_ERROR_H
#define GV_CORE_ERROR_H

#include <stddef.h>

enum {
    GV_OK = 0,
    GV_EINVAL = -1,     /* malformed input: bad JSON, wrong type, missing field */
    GV_EPERM = -2,      /* the sender's role does not allow this command */
    GV_ESTATE = -3,     /* well formed and allowed, but not possible now */
    GV_ENOTFOUND = -4,  /* names a person, item, request or question that does not exist */
    GV_ENOMEM = -5,     /* out of memory */
    GV_EIO = -6,        /* storage or operating system failure (not one of the two below) */
    GV_ECORRUPT = -7,   /* stored data fails its checks (hash chain, sequence, bytes) */
    GV_ELIMIT = -8,     /* a value, message or body is larger than its limit */
    GV_EAUTH = -9,      /* missing, forged or revoked credentials */
    GV_EBUSY = -10,     /* resource held elsewhere (database locked) */
    GV_ERATE = -11,     /* too many a second, or too many at once: wait, then try again */
    GV_EFULL = -12,     /* the disk (or quota) holding the database is full: nothing was stored */
    GV_EREADONLY = -13, /* the database cannot be written: read-only file system or permissions */
    GV_EUNAVAIL = -14,  /* the database server cannot be reached now: nothing was stored; retry */
    /* New codes go above this line, and GV_ELAST follows the last. */
};

/* The last code: every code lies in GV_ELAST..GV_OK, so that a table by -code
 * has 1 - GV_ELAST entries. */
#define GV_ELAST GV_EUNAVAIL

#define GV_ERROR_MSG_MAX 512

typedef struct gv_error {
    int code;                   /** one of GV_E*, 0 when no error was set */
    char msg[GV_ERROR_MSG_MAX]; /** what was wrong, where, what to do */
    const char *reason;         /** a refusal's stable key ("floor_changed") that pages
                                    translate, a static string, or NULL */
} gv_error;

/* Sets err (if not NULL) to code and a printf-style message, with no reason;
 * returns code. */
int gv_error_set(gv_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As gv_error_set, with a reason: a string literal naming the refusal for
 * clients that say it in their user's language (docs/protocol.md, "Errors",
 * lists the keys). Returns code. */
int gv_error_refuse(gv_error *err, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clears err to "no error". */
void gv_error_clear(gv_error *err);

/* Stable short name of a code ("bad_request", "forbidden", ...); never NULL. */
const char *gv_error_name(int code);

#endif

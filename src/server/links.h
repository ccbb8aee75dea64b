/*
 * Invitation links: random tokens, kept only as hashes, issued and revoked in
 * an append-only log stored beside the meetings.
 *
 * A link is https://host/join/TOKEN. TOKEN is 32 random bytes (libsodium's
 * randombytes) in unpadded base64url (43 characters). The store keeps only
 * BLAKE2b-256(TOKEN), so a copy of the database opens no meeting. Each link
 * grants one of:
 *   person  acts as one person of the meeting;
 *   role    acts as any person holding a role (the client names which);
 *   viewer  reads the snapshot and the streams, sends nothing.
 *
 * Issues and revocations are events of a reserved log in the same database,
 * GV_LINKS_LOG ("~links"): {"type":"link_issued","hash","meeting","kind",
 * "subject","label"} and {"type":"link_revoked","hash"}. Ids starting with
 * '~' are never meetings. Being a log, it is hash-chained like a meeting's
 * record, and a running server follows it by reading what was appended since
 * it last looked, so `gavel invite` and `gavel invite --revoke` take effect on
 * a running server within a second.
 */
#ifndef GV_SERVER_LINKS_H
#define GV_SERVER_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

#define GV_LINKS_LOG "~links"
/** characters of a token, without the NUL */
#define GV_LINKS_TOKEN_CHARS 43
#define GV_LINKS_HASH_BYTES  32
/** longest person id, role name or label a link carries */
#define GV_LINKS_FIELD_MAX 128

typedef enum gv_link_kind { GV_LINK_PERSON, GV_LINK_ROLE, GV_LINK_VIEWER } gv_link_kind;

typedef struct gv_link {
    unsigned char hash[GV_LINKS_HASH_BYTES];
    char meeting[GV_MEETING_ID_MAX + 1];
    gv_link_kind kind;
    char subject[GV_LINKS_FIELD_MAX + 1]; /** person id; role name; "viewer" */
    char label[GV_LINKS_FIELD_MAX + 1];   /** who issued it and why, may be "" */
    int64_t issued_at_ms;
    int64_t revoked_at_ms; /** 0 while valid */
} gv_link;

/* "person", "role" or "viewer". */
const char *gv_links_kind_name(gv_link_kind k);

/* Makes a new random token (NUL-terminated) and its hash. Returns 0, or
 * GV_EIO if libsodium cannot be initialised. */
int gv_links_token_new(char token[GV_LINKS_TOKEN_CHARS + 1],
                       unsigned char hash[GV_LINKS_HASH_BYTES]);

/* Is s shaped like a token (43 base64url characters)? */
bool gv_links_token_wellformed(const char *s);

/* The hash under which a token is stored. */
void gv_links_token_hash(const char *token, unsigned char hash[GV_LINKS_HASH_BYTES]);

/* ---- the links of a database, in memory --------------------------------- */

typedef struct gv_links gv_links;

/* An empty set; NULL on ENOMEM. */
gv_links *gv_links_new(void);
void gv_links_free(gv_links *l);

/*
 * Reads what the store's links log gained since this set last read it and
 * applies it (the first call reads everything). A database without a links
 * log is an empty set. Returns 0 or a negative GV_E* code with err set.
 */
int gv_links_refresh(gv_links *l, gv_store *st, gv_error *err);

/* The link whose token hashes to hash, compared in constant time, or NULL.
 * Borrowed: valid until the next refresh or free. */
const gv_link *gv_links_find(const gv_links *l, const unsigned char hash[GV_LINKS_HASH_BYTES]);

/* Calls fn for every link, in the order they were issued, until it returns
 * non-zero (which is returned). */
int gv_links_each(const gv_links *l, int (*fn)(void *ud, const gv_link *link), void *ud);

/* Number of links revoked by the last refresh (for callers that close streams). */
size_t gv_links_revoked_by_last_refresh(const gv_links *l);

/* ---- writing ------------------------------------------------------------ */

/*
 * Issues a link: writes its hash to the links log and fills token (the only
 * copy of it; nothing stores it). `meeting` must exist; for GV_LINK_PERSON the
 * caller has checked that the person exists. Retries if another process
 * appends at the same moment. Returns 0 or a negative GV_E* code with err set.
 */
int gv_links_issue(gv_store *st, const char *meeting, gv_link_kind kind, const char *subject,
                   const char *label, int64_t now_ms, char token[GV_LINKS_TOKEN_CHARS + 1],
                   gv_error *err);

/* Revokes the link with this hash. GV_ENOTFOUND if none; 0 if already revoked. */
int gv_links_revoke(gv_store *st, const unsigned char hash[GV_LINKS_HASH_BYTES], int64_t now_ms,
                    gv_error *err);

#endif

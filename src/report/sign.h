/*
 * Signed records: an Ed25519 signature (libsodium) over the BLAKE2b-256 hash
 * of a record's canonical bytes (record.h), with key pairs made by
 * gv_sign_keypair.
 *
 *   message   = "gavel-record-signature/1\n" || BLAKE2b-256(record bytes)
 *   signature = Ed25519(secret key, message)
 *
 * The context string keeps a signature over a record from being taken for a
 * signature over anything else signed with the same key.
 *
 * Files (all text, one line, ending in a newline):
 *   secret key  "gavel-ed25519-secret-key <64 hex digits: the seed>"
 *   public key  "gavel-ed25519-public-key <64 hex digits>"
 *   signature   canonical JSON {"algorithm": "ed25519", "format":
 *               "gavel-signature/1", "last_seq", "meeting", "public_key",
 *               "record_hash", "signature"}: what was signed, by which key.
 * A verifier trusts only the public key it is given, never the one named in
 * the signature file (that one is there for people, and must agree).
 *
 * Errors: GV_EINVAL (a file that is not what it should be), GV_EAUTH (the
 * signature does not verify, or the record's bytes are not the ones signed),
 * GV_ENOMEM; err says which and what to do.
 */
#ifndef GV_REPORT_SIGN_H
#define GV_REPORT_SIGN_H

#include <stddef.h>

#include "core/error.h"

#define GV_SIGN_KEY_BYTES 32 /** a public key, and a secret key's seed */
#define GV_SIGN_SIG_BYTES 64
#define GV_SIGN_FORMAT    "gavel-signature/1"
#define GV_SIGN_CONTEXT   "gavel-record-signature/1\n"

/* Makes a new key pair from the system's randomness. Returns 0, or GV_EIO
 * when libsodium cannot start. The caller wipes `seed` after use. */
int gv_sign_keypair(unsigned char pk[GV_SIGN_KEY_BYTES], unsigned char seed[GV_SIGN_KEY_BYTES],
                    gv_error *err);

/* The text of a key file (see above) into out, which holds at least 128
 * bytes. */
void gv_sign_format_key(const unsigned char key[GV_SIGN_KEY_BYTES], int secret, char out[128]);

/* Reads a key file's text: `secret` says which kind is expected. Returns 0,
 * or GV_EINVAL naming what is wrong (a public key given as secret, or the
 * other way round, bad hex, extra text); key is unchanged on failure. */
int gv_sign_parse_key(const char *text, size_t len, int secret,
                      unsigned char key[GV_SIGN_KEY_BYTES], gv_error *err);

/*
 * Signs a record file's bytes (they must be a canonical record, see
 * gv_record_parse) with the key pair of `seed`. On success *sig is the
 * signature file's text (malloc'd, caller frees) and *sig_len its length.
 */
int gv_sign_record(const char *record, size_t record_len,
                   const unsigned char seed[GV_SIGN_KEY_BYTES], char **sig, size_t *sig_len,
                   gv_error *err);

/*
 * Checks a signature file against a record file's bytes and the trusted
 * public key `pk`. Returns 0 when the record is exactly the bytes that key
 * signed and the signature file describes that record (its hash, meeting and
 * last event, and nothing more); GV_EAUTH with err saying what differs (a
 * changed byte, another key, a forged signature, an edited signature file);
 * GV_EINVAL for files that are not a record or a signature.
 */
int gv_sign_verify(const char *record, size_t record_len, const char *sig, size_t sig_len,
                   const unsigned char pk[GV_SIGN_KEY_BYTES], gv_error *err);

#endif

/*
 * Ed25519 signatures over records, with libsodium. The record is hashed from
 * its exact bytes, which gv_record_parse has checked to be canonical: any
 * byte changed, added or removed gives another hash (or a file that is not
 * canonical), so a signature never covers bytes other than those signed.
 *
 * Secret key material lives on the stack and is wiped with sodium_memzero
 * before every return.
 */
#include "report/sign.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "report/record.h"

static const char secret_tag[] = "gavel-ed25519-secret-key ";
static const char public_tag[] = "gavel-ed25519-public-key ";

static int start(gv_error *err)
{
    if (sodium_init() < 0)
        return gv_error_set(err, GV_EIO, "libsodium could not start (no randomness?)");
    return 0;
}

int gv_sign_keypair(unsigned char pk[GV_SIGN_KEY_BYTES], unsigned char seed[GV_SIGN_KEY_BYTES],
                    gv_error *err)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = start(err);
    if (rc < 0)
        return rc;
    randombytes_buf(seed, GV_SIGN_KEY_BYTES);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof sk);
    return 0;
}

void gv_sign_format_key(const unsigned char key[GV_SIGN_KEY_BYTES], int secret, char out[128])
{
    char hex[2 * GV_SIGN_KEY_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, key, GV_SIGN_KEY_BYTES);
    snprintf(out, 128, "%s%s\n", secret ? secret_tag : public_tag, hex);
    sodium_memzero(hex, sizeof hex);
}

/* Exactly 64 hex digits into 32 bytes. */
static int from_hex(const char *hex, size_t len, unsigned char *out, size_t out_len)
{
    size_t got = 0;
    if (len != 2 * out_len)
        return GV_EINVAL;
    for (size_t i = 0; i < len; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return GV_EINVAL;
    }
    if (sodium_hex2bin(out, out_len, hex, len, NULL, &got, NULL) != 0 || got != out_len)
        return GV_EINVAL;
    return 0;
}

int gv_sign_parse_key(const char *text, size_t len, int secret,
                      unsigned char key[GV_SIGN_KEY_BYTES], gv_error *err)
{
    const char *want = secret ? secret_tag : public_tag, *other = secret ? public_tag : secret_tag;
    size_t tl = strlen(want);
    unsigned char tmp[GV_SIGN_KEY_BYTES];
    if (len >= tl && memcmp(text, other, tl) == 0)
        return gv_error_set(err, GV_EINVAL,
                            secret ? "this is a public key; signing needs the secret key file "
                                     "(the one without .pub)"
                                   : "this is a secret key; give the public key (the .pub file), "
                                     "and keep the secret one to yourself");
    if (len < tl || memcmp(text, want, tl) != 0)
        return gv_error_set(err, GV_EINVAL, "not a Gavel %s key file (it should start with \"%s\")",
                            secret ? "secret" : "public", want);
    size_t n = len - tl;
    if (n > 0 && text[tl + n - 1] == '\n')
        n--;
    int rc = from_hex(text + tl, n, tmp, sizeof tmp);
    if (rc < 0) {
        sodium_memzero(tmp, sizeof tmp);
        return gv_error_set(err, GV_EINVAL, "the key is not 64 hex digits on one line");
    }
    memcpy(key, tmp, GV_SIGN_KEY_BYTES);
    sodium_memzero(tmp, sizeof tmp);
    return 0;
}

/* The message signed for a record's bytes. */
static void message(const char *record, size_t len, unsigned char hash[32],
                    unsigned char msg[sizeof GV_SIGN_CONTEXT - 1 + 32])
{
    crypto_generichash(hash, 32, (const unsigned char *)record, len, NULL, 0);
    memcpy(msg, GV_SIGN_CONTEXT, sizeof GV_SIGN_CONTEXT - 1);
    memcpy(msg + sizeof GV_SIGN_CONTEXT - 1, hash, 32);
}

int gv_sign_record(const char *record, size_t record_len,
                   const unsigned char seed[GV_SIGN_KEY_BYTES], char **sig, size_t *sig_len,
                   gv_error *err)
{
    unsigned char pk[GV_SIGN_KEY_BYTES], sk[crypto_sign_SECRETKEYBYTES], hash[32],
        msg[sizeof GV_SIGN_CONTEXT - 1 + 32], s[GV_SIGN_SIG_BYTES];
    char hash_hex[65], pk_hex[65], sig_hex[2 * GV_SIGN_SIG_BYTES + 1];
    json_t *rec = NULL, *out = NULL;
    int rc;
    *sig = NULL;
    if ((rc = start(err)) < 0)
        return rc;
    if ((rc = gv_record_parse(record, record_len, &rec, err)) < 0)
        return rc;
    crypto_sign_seed_keypair(pk, sk, seed);
    message(record, record_len, hash, msg);
    crypto_sign_detached(s, NULL, msg, sizeof msg, sk);
    sodium_memzero(sk, sizeof sk);
    sodium_bin2hex(hash_hex, sizeof hash_hex, hash, sizeof hash);
    sodium_bin2hex(pk_hex, sizeof pk_hex, pk, sizeof pk);
    sodium_bin2hex(sig_hex, sizeof sig_hex, s, sizeof s);
    const json_t *v = json_object_get(rec, "verification");
    out = json_pack("{s:s, s:s, s:O, s:O, s:s, s:s, s:s}", "format", GV_SIGN_FORMAT, "algorithm",
                    "ed25519", "meeting", json_object_get(v, "meeting"), "last_seq",
                    json_object_get(v, "last_seq"), "public_key", pk_hex, "record_hash", hash_hex,
                    "signature", sig_hex);
    char *text = out ? gv_json_text(out) : NULL;
    if (!text) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    size_t n = strlen(text);
    char *t = realloc(text, n + 2);
    if (!t) {
        free(text);
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto done;
    }
    t[n] = '\n';
    t[n + 1] = '\0';
    *sig = t;
    *sig_len = n + 1;
    rc = 0;
done:
    json_decref(out);
    json_decref(rec);
    return rc;
}

int gv_sign_verify(const char *record, size_t record_len, const char *sig, size_t sig_len,
                   const unsigned char pk[GV_SIGN_KEY_BYTES], gv_error *err)
{
    unsigned char hash[32], msg[sizeof GV_SIGN_CONTEXT - 1 + 32], s[GV_SIGN_SIG_BYTES],
        named_pk[GV_SIGN_KEY_BYTES], named_hash[32];
    json_t *rec = NULL, *j = NULL;
    json_error_t jerr;
    int rc = start(err);
    if (rc < 0)
        return rc;
    if (!(j = json_loadb(sig, sig_len, JSON_REJECT_DUPLICATES, &jerr)) ||
        !json_is_string(json_object_get(j, "format")) ||
        strcmp(json_string_value(json_object_get(j, "format")), GV_SIGN_FORMAT) != 0) {
        rc = gv_error_set(err, GV_EINVAL, "the signature file is not a %s file", GV_SIGN_FORMAT);
        goto done;
    }
    const char *alg = json_string_value(json_object_get(j, "algorithm"));
    const char *pk_hex = json_string_value(json_object_get(j, "public_key"));
    const char *hash_hex = json_string_value(json_object_get(j, "record_hash"));
    const char *sig_hex = json_string_value(json_object_get(j, "signature"));
    if (!alg || strcmp(alg, "ed25519") != 0 || !pk_hex ||
        from_hex(pk_hex, strlen(pk_hex), named_pk, sizeof named_pk) < 0 || !hash_hex ||
        from_hex(hash_hex, strlen(hash_hex), named_hash, sizeof named_hash) < 0 || !sig_hex ||
        from_hex(sig_hex, strlen(sig_hex), s, sizeof s) < 0) {
        rc = gv_error_set(err, GV_EINVAL,
                          "the signature file lacks an ed25519 public_key, record_hash or "
                          "signature in hex");
        goto done;
    }
    gv_error why = {0};
    if ((rc = gv_record_parse(record, record_len, &rec, &why)) < 0) {
        /* A record that is no longer canonical was changed after signing. */
        rc = gv_error_set(err, rc == GV_EINVAL ? GV_EAUTH : rc,
                          "the record was changed after it was signed: %s", why.msg);
        goto done;
    }
    message(record, record_len, hash, msg);
    if (sodium_memcmp(named_pk, pk, GV_SIGN_KEY_BYTES) != 0) {
        rc = gv_error_set(err, GV_EAUTH,
                          "the record was signed with another key (%.16s...), not with the "
                          "public key given",
                          pk_hex);
        goto done;
    }
    if (crypto_sign_verify_detached(s, msg, sizeof msg, pk) != 0) {
        rc = gv_error_set(err, GV_EAUTH,
                          sodium_memcmp(named_hash, hash, 32) != 0
                              ? "the record's bytes are not the ones signed: it was changed "
                                "after signing"
                              : "the signature does not verify: it was forged or damaged");
        goto done;
    }
    /* The signature covers the record's hash only: what else the file says
     * must agree with it, or the file was edited after signing. */
    const json_t *v = json_object_get(rec, "verification");
    if (sodium_memcmp(named_hash, hash, 32) != 0 || json_object_size(j) != 7 ||
        !json_equal(json_object_get(j, "meeting"), json_object_get(v, "meeting")) ||
        !json_equal(json_object_get(j, "last_seq"), json_object_get(v, "last_seq"))) {
        rc = gv_error_set(err, GV_EAUTH,
                          "the signature file does not describe this record (its hash, meeting "
                          "or last event differ, or it has other fields): it was edited");
        goto done;
    }
    rc = 0;
done:
    json_decref(rec);
    json_decref(j);
    return rc;
}

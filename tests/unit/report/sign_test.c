/*
 * Signed records (src/report/sign.c): a signature verifies for the bytes
 * signed and the key that signed them, and for nothing else: every single
 * changed byte of a signed record fails, as do another key, a changed
 * signature and key files of the wrong kind.
 */
#include "report_fixture.h"

#include <sodium.h>

#include "report/record.h"
#include "report/sign.h"

static char *small_record(size_t *len)
{
    rfx f;
    rfx_open(&f);
    rfx_send(&f, "chair", AT(0), "{\"type\": \"open_meeting\"}");
    rfx_send(&f, "chair", AT(10), "{\"type\": \"start_item\", \"item\": \"opening\"}");
    rfx_send(&f, "chair", AT(20), "{\"type\": \"give_floor\", \"person\": \"chair\"}");
    rfx_send(&f, "chair", AT(200), "{\"type\": \"end_speech\"}");
    json_t *rec = NULL;
    assert_int_equal(gv_record_from_store(f.store, RFX_MEETING, 0, &rec, NULL), 0);
    char *text = gv_record_canonical(rec, len);
    json_decref(rec);
    rfx_close(&f);
    return text;
}

typedef struct keys {
    unsigned char pk[GV_SIGN_KEY_BYTES], seed[GV_SIGN_KEY_BYTES];
} keys;

static void sign_and_verify(void **state)
{
    (void)state;
    keys k;
    size_t len, slen;
    char *rec = small_record(&len), *sig = NULL;
    gv_error err = {0};
    assert_int_equal(gv_sign_keypair(k.pk, k.seed, &err), 0);
    assert_int_equal(gv_sign_record(rec, len, k.seed, &sig, &slen, &err), 0);
    assert_int_equal(gv_sign_verify(rec, len, sig, slen, k.pk, &err), 0);
    /* The signature file names the BLAKE2b-256 of the record's bytes and the key. */
    unsigned char h[32];
    char hex[65], pkhex[65];
    crypto_generichash(h, 32, (const unsigned char *)rec, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    sodium_bin2hex(pkhex, sizeof pkhex, k.pk, 32);
    json_t *j = json_loadb(sig, slen, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "record_hash")), hex);
    assert_string_equal(json_string_value(json_object_get(j, "public_key")), pkhex);
    assert_string_equal(json_string_value(json_object_get(j, "meeting")), RFX_MEETING);
    json_decref(j);
    /* Signing is deterministic (Ed25519): the same bytes, the same signature. */
    char *again = NULL;
    size_t alen;
    assert_int_equal(gv_sign_record(rec, len, k.seed, &again, &alen, &err), 0);
    assert_string_equal(sig, again);
    free(again);
    free(sig);
    free(rec);
}

/* Every byte of the record, changed alone, makes verification fail. */
static void every_changed_byte_fails(void **state)
{
    (void)state;
    keys k;
    size_t len, slen;
    char *rec = small_record(&len), *sig = NULL;
    assert_int_equal(gv_sign_keypair(k.pk, k.seed, NULL), 0);
    assert_int_equal(gv_sign_record(rec, len, k.seed, &sig, &slen, NULL), 0);
    for (size_t i = 0; i < len; i++) {
        char *copy = malloc(len);
        memcpy(copy, rec, len);
        /* Flip one bit, or make a digit another digit (still valid JSON). */
        copy[i] = (copy[i] >= '0' && copy[i] <= '8') ? (char)(copy[i] + 1) : (char)(copy[i] ^ 1);
        gv_error err = {0};
        int rc = gv_sign_verify(copy, len, sig, slen, k.pk, &err);
        if (rc != GV_EAUTH)
            fail_msg("byte %zu changed ('%c' to '%c'): verify gave %d", i, rec[i], copy[i], rc);
        free(copy);
    }
    /* A byte added at the end, or the last one taken away. */
    char *longer = malloc(len + 1);
    memcpy(longer, rec, len);
    longer[len] = '\n';
    assert_int_equal(gv_sign_verify(longer, len + 1, sig, slen, k.pk, NULL), GV_EAUTH);
    assert_int_equal(gv_sign_verify(rec, len - 1, sig, slen, k.pk, NULL), GV_EAUTH);
    free(longer);
    free(sig);
    free(rec);
}

static void other_key_or_signature_fails(void **state)
{
    (void)state;
    keys k, other;
    size_t len, slen;
    char *rec = small_record(&len), *sig = NULL;
    gv_error err = {0};
    assert_int_equal(gv_sign_keypair(k.pk, k.seed, NULL), 0);
    assert_int_equal(gv_sign_keypair(other.pk, other.seed, NULL), 0);
    assert_int_equal(gv_sign_record(rec, len, k.seed, &sig, &slen, NULL), 0);
    assert_int_equal(gv_sign_verify(rec, len, sig, slen, other.pk, &err), GV_EAUTH);
    assert_non_null(strstr(err.msg, "another key"));
    /* A signature file that names the verifier's key but carries another's signature. */
    char *forged = NULL;
    size_t flen;
    assert_int_equal(gv_sign_record(rec, len, other.seed, &forged, &flen, NULL), 0);
    json_t *j = json_loadb(forged, flen, 0, NULL);
    char pkhex[65];
    sodium_bin2hex(pkhex, sizeof pkhex, k.pk, 32);
    json_object_set_new(j, "public_key", json_string(pkhex));
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_int_equal(gv_sign_verify(rec, len, text, strlen(text), k.pk, &err), GV_EAUTH);
    assert_non_null(strstr(err.msg, "does not verify"));
    /* The right signature, but the file's description of the record edited. */
    char *good = NULL;
    size_t glen;
    assert_int_equal(gv_sign_record(rec, len, k.seed, &good, &glen, NULL), 0);
    json_t *g = json_loadb(good, glen, 0, NULL);
    json_object_set_new(g, "last_seq", json_integer(3));
    char *edited = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS);
    assert_int_equal(gv_sign_verify(rec, len, edited, strlen(edited), k.pk, &err), GV_EAUTH);
    assert_non_null(strstr(err.msg, "edited"));
    free(edited);
    json_object_set_new(g, "last_seq", json_integer(5));
    json_object_set_new(g, "note", json_string("extra"));
    edited = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS);
    assert_int_equal(gv_sign_verify(rec, len, edited, strlen(edited), k.pk, &err), GV_EAUTH);
    free(edited);
    json_decref(g);
    free(good);
    /* Not a signature file at all. */
    assert_int_equal(gv_sign_verify(rec, len, "{}", 2, k.pk, &err), GV_EINVAL);
    free(text);
    json_decref(j);
    free(forged);
    free(sig);
    free(rec);
}

static void key_files(void **state)
{
    (void)state;
    keys k;
    char sec[128], pub[128];
    unsigned char back[GV_SIGN_KEY_BYTES];
    gv_error err = {0};
    assert_int_equal(gv_sign_keypair(k.pk, k.seed, NULL), 0);
    gv_sign_format_key(k.seed, 1, sec);
    gv_sign_format_key(k.pk, 0, pub);
    assert_int_equal(strncmp(sec, "gavel-ed25519-secret-key ", 25), 0);
    assert_int_equal(strlen(pub), 25 + 64 + 1);
    assert_int_equal(gv_sign_parse_key(sec, strlen(sec), 1, back, &err), 0);
    assert_memory_equal(back, k.seed, 32);
    assert_int_equal(gv_sign_parse_key(pub, strlen(pub), 0, back, &err), 0);
    assert_memory_equal(back, k.pk, 32);
    /* The wrong kind, each way, is named. */
    assert_int_equal(gv_sign_parse_key(pub, strlen(pub), 1, back, &err), GV_EINVAL);
    assert_non_null(strstr(err.msg, "public key"));
    assert_int_equal(gv_sign_parse_key(sec, strlen(sec), 0, back, &err), GV_EINVAL);
    assert_non_null(strstr(err.msg, "secret key"));
    /* Short, non-hex, trailing text, nothing. */
    assert_int_equal(gv_sign_parse_key(pub, strlen(pub) - 3, 0, back, &err), GV_EINVAL);
    char bad[128];
    snprintf(bad, sizeof bad, "%s", pub);
    bad[30] = 'g';
    assert_int_equal(gv_sign_parse_key(bad, strlen(bad), 0, back, &err), GV_EINVAL);
    snprintf(bad, sizeof bad, "%.*s extra\n", (int)strlen(pub) - 1, pub);
    assert_int_equal(gv_sign_parse_key(bad, strlen(bad), 0, back, &err), GV_EINVAL);
    assert_int_equal(gv_sign_parse_key("", 0, 0, back, &err), GV_EINVAL);
    sodium_memzero(sec, sizeof sec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_and_verify),
        cmocka_unit_test(every_changed_byte_fails),
        cmocka_unit_test(other_key_or_signature_fails),
        cmocka_unit_test(key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

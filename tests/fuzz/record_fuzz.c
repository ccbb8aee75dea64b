/*
 * Fuzz target: verifying outcome records (src/report), what `gavel verify
 * --record` and anyone holding a record, its signature and a public key do.
 *
 * At start the fixture's closed meeting (fuzz_meeting.h) is stored in an
 * in-memory store, its record built (gv_record_from_store) and signed with a
 * fixed key. Byte 0 then picks what the rest of the input is:
 *   0  a record file: gv_record_parse, then gv_record_check_log against the
 *      stored log;
 *   1  a signature file, checked with gv_sign_verify over the true record;
 *   2  a record file, checked with gv_sign_verify against the true
 *      signature;
 *   3  a key file (byte 1: secret or public), read with gv_sign_parse_key.
 * With FZ_DUMP_DIR set, the true record, signature and keys are written
 * there, for tests/fuzz/make-seeds.
 *
 * Checked:
 *   - a record that parses is byte for byte its canonical form;
 *   - a record that checks against the log is the record the log gives at
 *     its last seq, and nothing else (codes: invalid, not found, corrupt);
 *   - a signature that verifies over the true record is the true signature
 *     (a forged one is refused with "auth" or "invalid");
 *   - a record that the true signature verifies is the true record's bytes;
 *   - a key that parses prints back to a file that parses to the same key.
 */
#include "fuzz_meeting.h"
#include "report/record.h"
#include "report/sign.h"
#include "store/store.h"

#define MEETING "cstd25-wsis-panel"

static gv_store *store;
static char *record_bytes, *sig_bytes;
static size_t record_len, sig_len;
static unsigned char pk[GV_SIGN_KEY_BYTES];
static const unsigned char seed[GV_SIGN_KEY_BYTES] = {
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const char *sig_hex; /* "signature" of the true signature file */
static json_t *sig_json;
static bool trace; /* FZ_TRACE=1 prints each check's result */

static void dump(const char *name, const void *bytes, size_t len)
{
    const char *dir = getenv("FZ_DUMP_DIR");
    if (!dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FZ_CHECK(f && fwrite(bytes, 1, len, f) == len && fclose(f) == 0, "cannot write %s", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    trace = getenv("FZ_TRACE") != NULL;
    gv_error err = {0};
    store = gv_store_open_memory(&err);
    FZ_CHECK(store, "memory store: %s", err.msg);
    const json_t *log = fz_states[FZ_CLOSED].log;
    size_t n = json_array_size(log);
    gv_event_in *in = calloc(n, sizeof *in);
    json_t **parsed = calloc(n, sizeof *parsed);
    FZ_CHECK(in && parsed, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(log, i);
        parsed[i] = json_loads(json_string_value(b), 0, NULL);
        in[i] = (gv_event_in){.seq = (int64_t)i + 1,
                              .type = json_string_value(json_object_get(parsed[i], "type")),
                              .at_ms = json_integer_value(json_object_get(parsed[i], "at_ms")),
                              .bytes = (const unsigned char *)json_string_value(b),
                              .len = json_string_length(b)};
    }
    FZ_CHECK(gv_store_create_meeting(store, MEETING, in, n, &err) == 0, "store: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        json_decref(parsed[i]);
    free(parsed);
    free(in);

    json_t *record = NULL;
    FZ_CHECK(gv_record_from_store(store, MEETING, 0, &record, &err) == 0, "record: %s", err.msg);
    record_bytes = gv_record_canonical(record, &record_len);
    FZ_CHECK(record_bytes, "out of memory");
    json_decref(record);
    FZ_CHECK(gv_sign_record(record_bytes, record_len, seed, &sig_bytes, &sig_len, &err) == 0,
             "sign: %s", err.msg);
    sig_json = json_loadb(sig_bytes, sig_len, 0, NULL);
    sig_hex = json_string_value(json_object_get(sig_json, "signature"));
    FZ_CHECK(sig_hex, "the signature file has no signature");
    char pk_text[128], sk_text[128];
    gv_sign_format_key(seed, 1, sk_text);
    FZ_CHECK(gv_sign_parse_key(sk_text, strlen(sk_text), 1, (unsigned char[32]){0}, &err) == 0,
             "secret key: %s", err.msg);
    /* The public key is the one the signature file names, checked below. */
    const char *pk_named = json_string_value(json_object_get(sig_json, "public_key"));
    FZ_CHECK(pk_named && strlen(pk_named) == 2 * GV_SIGN_KEY_BYTES, "no public key named");
    for (size_t i = 0; i < GV_SIGN_KEY_BYTES; i++)
        FZ_CHECK(sscanf(pk_named + 2 * i, "%2hhx", &pk[i]) == 1, "public key not hex");
    gv_sign_format_key(pk, 0, pk_text);
    FZ_CHECK(gv_sign_verify(record_bytes, record_len, sig_bytes, sig_len, pk, &err) == 0,
             "the true signature does not verify: %s", err.msg);
    dump("record.json", record_bytes, record_len);
    json_t *early = NULL;
    FZ_CHECK(gv_record_from_store(store, MEETING, 20, &early, &err) == 0, "record: %s", err.msg);
    size_t early_len = 0;
    char *early_bytes = gv_record_canonical(early, &early_len);
    FZ_CHECK(early_bytes, "out of memory");
    dump("record-early.json", early_bytes, early_len);
    free(early_bytes);
    json_decref(early);
    dump("record.sig", sig_bytes, sig_len);
    dump("public.key", pk_text, strlen(pk_text));
    dump("secret.key", sk_text, strlen(sk_text));
    return 0;
}

static void fuzz_record_file(const char *bytes, size_t len)
{
    gv_error err = {0};
    json_t *rec = NULL;
    int rc = gv_record_parse(bytes, len, &rec, &err);
    if (rc < 0) {
        fz_check_refusal(rc, &err, "gv_record_parse");
        FZ_CHECK(!rec, "refused but gave a record");
        return;
    }
    size_t clen = 0;
    char *canon = gv_record_canonical(rec, &clen);
    FZ_CHECK(canon && clen == len && memcmp(canon, bytes, len) == 0,
             "a parsed record is not its canonical bytes");
    free(canon);
    rc = gv_record_check_log(store, rec, &err);
    if (trace)
        fprintf(stderr, "check_log: %s %s\n", gv_error_name(rc), rc < 0 ? err.msg : "");
    if (rc < 0) {
        fz_check_refusal(rc, &err, "gv_record_check_log");
        FZ_CHECK(rc == GV_EINVAL || rc == GV_ENOTFOUND || rc == GV_ECORRUPT || rc == GV_ENOMEM,
                 "checking a record gave %s", gv_error_name(rc));
    } else {
        json_int_t seq =
            json_integer_value(json_object_get(json_object_get(rec, "verification"), "last_seq"));
        json_t *truth = NULL;
        FZ_CHECK(gv_record_from_store(store, MEETING, seq, &truth, &err) == 0, "rebuild: %s",
                 err.msg);
        FZ_CHECK(json_equal(rec, truth), "a record that is not the log's passed the check");
        json_decref(truth);
    }
    json_decref(rec);
}

static void fuzz_signature(const char *bytes, size_t len)
{
    gv_error err = {0};
    int rc = gv_sign_verify(record_bytes, record_len, bytes, len, pk, &err);
    if (rc < 0) {
        fz_check_refusal(rc, &err, "gv_sign_verify");
        FZ_CHECK(rc == GV_EAUTH || rc == GV_EINVAL || rc == GV_ENOMEM, "verify gave %s",
                 gv_error_name(rc));
        return;
    }
    json_t *j = json_loadb(bytes, len, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "signature"));
    FZ_CHECK(s && strcasecmp(s, sig_hex) == 0, "a signature other than the true one verified");
    json_decref(j);
}

static void fuzz_signed_record(const char *bytes, size_t len)
{
    gv_error err = {0};
    int rc = gv_sign_verify(bytes, len, sig_bytes, sig_len, pk, &err);
    if (rc < 0) {
        fz_check_refusal(rc, &err, "gv_sign_verify");
        FZ_CHECK(rc == GV_EAUTH || rc == GV_EINVAL || rc == GV_ENOMEM, "verify gave %s",
                 gv_error_name(rc));
        return;
    }
    FZ_CHECK(len == record_len && memcmp(bytes, record_bytes, len) == 0,
             "the signature verified other bytes than the record signed");
}

static void fuzz_key(int secret, const char *bytes, size_t len)
{
    gv_error err = {0};
    unsigned char key[GV_SIGN_KEY_BYTES], again[GV_SIGN_KEY_BYTES];
    memset(key, 0xa5, sizeof key);
    int rc = gv_sign_parse_key(bytes, len, secret, key, &err);
    if (rc < 0) {
        fz_check_refusal(rc, &err, "gv_sign_parse_key");
        for (size_t i = 0; i < sizeof key; i++)
            FZ_CHECK(key[i] == 0xa5, "a refused key file changed the key");
        return;
    }
    char text[128];
    gv_sign_format_key(key, secret, text);
    FZ_CHECK(gv_sign_parse_key(text, strlen(text), secret, again, &err) == 0 &&
                 memcmp(key, again, sizeof key) == 0,
             "a key does not print back to itself: %s", err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* A copy of exactly the input, so that reading past it is caught. */
    size_t len = size - 1;
    char *bytes = malloc(len ? len : 1);
    FZ_CHECK(bytes, "out of memory");
    memcpy(bytes, data + 1, len);
    switch (data[0] % 4) {
    case 0:
        fuzz_record_file(bytes, len);
        break;
    case 1:
        fuzz_signature(bytes, len);
        break;
    case 2:
        fuzz_signed_record(bytes, len);
        break;
    default:
        if (len >= 1)
            fuzz_key(bytes[0] & 1, bytes + 1, len - 1);
        break;
    }
    free(bytes);
    return 0;
}

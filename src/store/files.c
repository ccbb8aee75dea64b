/*
 * Files beside the logs: the bytes of speakers' written statements, named
 * by their SHA-256 and kept once per meeting and hash (store.h).
 *
 * Content addressing makes a file's name its proof: the store computes the
 * hash itself when it takes the bytes, so no caller can file bytes under a
 * name that is not theirs, and it checks the bytes against the name each
 * time it hands them out, so damage is found where it would be served.
 * SHA-256 rather than the chain's BLAKE2b: a statement is a file people
 * hold and pass on, and `sha256sum` is everywhere to check it.
 *
 * Events never carry the bytes: the event that names a file carries its
 * hash, which the log's chain covers, so the record proves which bytes were
 * filed even though they live in another table. A file is written before
 * the event that names it (the server stores the upload, then decides the
 * command), so no event ever names a file the store lacks; a file whose
 * event was then refused stays, named by nothing (`gavel verify` counts
 * such files).
 */
#include "store/store_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void gv_file_hash(const unsigned char *bytes, size_t len, unsigned char out[GV_FILE_HASH_BYTES])
{
    crypto_hash_sha256(out, bytes, len);
}

int gv__store_check_file(const char *meeting_id, const char *media_type, const unsigned char *bytes,
                         size_t len, gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    if (!bytes || len == 0)
        return gv_error_set(err, GV_EINVAL, "a file needs at least one byte");
    if (len > GV_FILE_MAX_BYTES)
        return gv_error_set(err, GV_ELIMIT, "a file of %zu bytes; at most %u are stored", len,
                            GV_FILE_MAX_BYTES);
    size_t n = media_type ? strlen(media_type) : 0;
    if (n == 0 || n > GV_FILE_MEDIA_TYPE_MAX)
        return gv_error_set(err, GV_EINVAL, "a file's media type is 1 to %d bytes, not %zu",
                            GV_FILE_MEDIA_TYPE_MAX, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)media_type[i] < 0x20 || (unsigned char)media_type[i] > 0x7e)
            return gv_error_set(err, GV_EINVAL,
                                "a file's media type is printable ASCII; byte %zu is 0x%02x", i + 1,
                                (unsigned char)media_type[i]);
    return 0;
}

int gv__store_put_file_locked(gv_store *s, const char *meeting_id, const char *media_type,
                              const unsigned char *bytes, size_t len,
                              unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err)
{
    if (s->flags & GV_STORE_READONLY)
        return gv_error_set(err, GV_EPERM, "the store was opened read-only; no file stored");
    int rc = gv__store_fault_due(s, GV_STORE_FAULT_WRITE, err);
    if (rc)
        return rc;
    gv_stored_file f = {.media_type = media_type,
                        .size_bytes = (int64_t)len,
                        .stored_at_ms = gv__store_now_ms(),
                        .bytes = bytes,
                        .len = len};
    gv_file_hash(bytes, len, f.hash);
    if ((rc = s->engine->put_file(s->impl, meeting_id, &f, err)))
        return rc;
    memcpy(hash, f.hash, GV_FILE_HASH_BYTES);
    return 0;
}

int gv_store_put_file(gv_store *s, const char *meeting_id, const char *media_type,
                      const unsigned char *bytes, size_t len,
                      unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err)
{
    int rc = gv__store_check_file(meeting_id, media_type, bytes, len, err);
    if (rc)
        return rc;
    if (s->flags & GV_STORE_READONLY)
        return gv_error_set(err, GV_EPERM, "the store was opened read-only; no file stored");
    pthread_mutex_lock(&s->mu);
    if ((rc = s->engine->begin(s->impl, err)))
        goto done;
    if ((rc = gv__store_put_file_locked(s, meeting_id, media_type, bytes, len, hash, err)) ||
        (rc = gv__store_commit_locked(s, err)))
        s->engine->rollback(s->impl);
done:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

typedef struct file_check {
    const char *meeting;
    gv_store_file_fn fn;
    void *ud;
    gv_error *err;
} file_check;

/* The bytes as stored, against their name, before anyone sees them. */
static int check_file(void *ud, const gv_stored_file *f)
{
    file_check *c = ud;
    unsigned char h[GV_FILE_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];
    gv_file_hash(f->bytes, f->len, h);
    if ((int64_t)f->len != f->size_bytes || sodium_memcmp(h, f->hash, GV_FILE_HASH_BYTES) != 0) {
        gv_hash_to_hex(f->hash, hex);
        return gv_error_set(c->err, GV_ECORRUPT,
                            "meeting %s: the file %s is damaged (its %zu bytes do not match "
                            "their hash or size); restore the last backup",
                            c->meeting, hex, f->len);
    }
    return c->fn(c->ud, f);
}

int gv_store_get_file(gv_store *s, const char *meeting_id,
                      const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                      gv_error *err)
{
    file_check c = {.meeting = meeting_id, .fn = fn, .ud = ud, .err = err};
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->get_file(s->impl, meeting_id, hash, check_file, &c, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int gv_store_list_files(gv_store *s, const char *meeting_id, gv_store_file_fn fn, void *ud,
                        gv_error *err)
{
    int rc = gv__store_check_id(meeting_id, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->mu);
    rc = s->engine->list_files(s->impl, meeting_id, fn, ud, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

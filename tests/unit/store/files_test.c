/*
 * Files beside the logs (store.h, "Files"; src/store/files.c), one body run
 * against every engine (memory, SQLite and PostgreSQL, a throwaway server
 * started for this program): a file named by its SHA-256 comes back byte
 * for byte; the same bytes are kept once; files are kept per meeting; a
 * failed write or commit leaves none; bad arguments change nothing; the
 * writer thread stores one in its place among the batches; damaged bytes
 * are refused where they would be served (SQLite, edited underneath).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "engines_fixture.h"
#include "store/store_internal.h"
#include "store/writer.h"

static int setup(void **state)
{
    gv_error err;
    fixture *f = fx_engine_open(state);
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    return 0;
}

/* What a callback saw of one file. */
typedef struct seen {
    int calls;
    unsigned char hash[GV_FILE_HASH_BYTES];
    char media_type[GV_FILE_MEDIA_TYPE_MAX + 1];
    int64_t size_bytes;
    unsigned char *bytes;
    size_t len;
    bool had_bytes;
} seen;

static int see(void *ud, const gv_stored_file *file)
{
    seen *s = ud;
    s->calls++;
    memcpy(s->hash, file->hash, GV_FILE_HASH_BYTES);
    snprintf(s->media_type, sizeof s->media_type, "%s", file->media_type);
    s->size_bytes = file->size_bytes;
    s->had_bytes = file->bytes != NULL;
    free(s->bytes);
    s->bytes = file->len ? malloc(file->len) : NULL;
    if (s->bytes)
        memcpy(s->bytes, file->bytes, file->len);
    s->len = file->len;
    return 0;
}

static const char sha256_abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void a_file_comes_back_by_its_sha256(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char hash[GV_FILE_HASH_BYTES], want[GV_FILE_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];
    seen s = {0};

    assert_int_equal(
        gv_store_put_file(f->s, "m", "text/plain", (const unsigned char *)"abc", 3, hash, &err), 0);
    /* The name is SHA-256 as `sha256sum` prints it (FIPS 180-2's "abc"). */
    gv_hash_to_hex(hash, hex);
    assert_string_equal(hex, sha256_abc);
    assert_int_equal(gv_hash_from_hex(sha256_abc, want), 0);
    assert_int_equal(gv_store_get_file(f->s, "m", want, see, &s, &err), 0);
    assert_int_equal(s.calls, 1);
    assert_memory_equal(s.hash, want, GV_FILE_HASH_BYTES);
    assert_string_equal(s.media_type, "text/plain");
    assert_int_equal(s.size_bytes, 3);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.bytes, "abc", 3);

    /* Bytes of every value, and more than a page. */
    size_t big = 300000;
    unsigned char *b = malloc(big);
    for (size_t i = 0; i < big; i++)
        b[i] = (unsigned char)(i * 7 + (i >> 8));
    assert_int_equal(gv_store_put_file(f->s, "m", "application/pdf", b, big, hash, &err), 0);
    assert_int_equal(gv_store_get_file(f->s, "m", hash, see, &s, &err), 0);
    assert_int_equal(s.len, big);
    assert_memory_equal(s.bytes, b, big);
    assert_string_equal(s.media_type, "application/pdf");
    free(b);
    free(s.bytes);
}

static int count(void *ud, const gv_stored_file *file)
{
    seen *s = ud;
    s->calls++;
    s->had_bytes = s->had_bytes || file->bytes || file->len;
    /* Listed in order of hash. */
    if (s->calls > 1)
        assert_true(memcmp(s->hash, file->hash, GV_FILE_HASH_BYTES) < 0);
    memcpy(s->hash, file->hash, GV_FILE_HASH_BYTES);
    return 0;
}

static void the_same_bytes_are_kept_once_and_per_meeting(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char h1[GV_FILE_HASH_BYTES], h2[GV_FILE_HASH_BYTES], h3[GV_FILE_HASH_BYTES];
    seen s = {0};
    assert_int_equal(gv_store_create_meeting(f->s, "n", NULL, 0, &err), 0);
    assert_int_equal(
        gv_store_put_file(f->s, "m", "text/plain", (const unsigned char *)"one", 3, h1, &err), 0);
    assert_int_equal(
        gv_store_put_file(f->s, "m", "text/plain", (const unsigned char *)"one", 3, h2, &err), 0);
    assert_memory_equal(h1, h2, GV_FILE_HASH_BYTES);
    assert_int_equal(
        gv_store_put_file(f->s, "m", "text/plain", (const unsigned char *)"two", 3, h3, &err), 0);
    assert_int_equal(gv_store_list_files(f->s, "m", count, &s, &err), 0);
    assert_int_equal(s.calls, 2);
    assert_false(s.had_bytes);

    /* Meeting n has none of them until it stores its own copy. */
    assert_int_equal(gv_store_get_file(f->s, "n", h1, see, &s, &err), GV_ENOTFOUND);
    seen t = {0};
    assert_int_equal(gv_store_list_files(f->s, "n", count, &t, &err), 0);
    assert_int_equal(t.calls, 0);
    assert_int_equal(
        gv_store_put_file(f->s, "n", "text/plain", (const unsigned char *)"one", 3, h2, &err), 0);
    assert_int_equal(gv_store_get_file(f->s, "n", h1, see, &t, &err), 0);
    assert_int_equal(t.calls, 1);
    free(t.bytes);
    free(s.bytes);
}

static void failed_writes_and_commits_leave_no_file(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char hash[GV_FILE_HASH_BYTES];
    seen s = {0};
    const unsigned char *b = (const unsigned char *)"statement";

    gv_store_fail_next(f->s, GV_STORE_FAULT_COMMIT, 0, 1, GV_EIO);
    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain", b, 9, hash, &err), GV_EIO);
    gv_store_fail_next(f->s, GV_STORE_FAULT_WRITE, 0, 1, GV_EFULL);
    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain", b, 9, hash, &err), GV_EFULL);
    assert_int_equal(gv_store_list_files(f->s, "m", count, &s, &err), 0);
    assert_int_equal(s.calls, 0);

    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain", b, 9, hash, &err), 0);
    assert_int_equal(gv_store_get_file(f->s, "m", hash, see, &s, &err), 0);
    free(s.bytes);
}

static void bad_arguments_change_nothing(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char hash[GV_FILE_HASH_BYTES];
    seen s = {0};
    const unsigned char *b = (const unsigned char *)"x";
    assert_int_equal(gv_store_put_file(f->s, "nobody", "text/plain", b, 1, hash, &err),
                     GV_ENOTFOUND);
    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain", b, 0, hash, &err), GV_EINVAL);
    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain", NULL, 1, hash, &err), GV_EINVAL);
    assert_int_equal(gv_store_put_file(f->s, "m", "", b, 1, hash, &err), GV_EINVAL);
    assert_int_equal(gv_store_put_file(f->s, "m", "text/\nplain", b, 1, hash, &err), GV_EINVAL);
    assert_int_equal(
        gv_store_put_file(f->s, "m", "text/plain", b, GV_FILE_MAX_BYTES + 1u, hash, &err),
        GV_ELIMIT);
    assert_int_equal(gv_store_put_file(f->s, "bad id", "text/plain", b, 1, hash, &err), GV_EINVAL);
    assert_int_equal(gv_store_list_files(f->s, "nobody", count, &s, &err), GV_ENOTFOUND);
    assert_int_equal(gv_store_list_files(f->s, "m", count, &s, &err), 0);
    assert_int_equal(s.calls, 0);
}

static void the_writer_stores_a_file_and_waits_for_it(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char hash[GV_FILE_HASH_BYTES], want[GV_FILE_HASH_BYTES];
    char b[256];
    seen s = {0};
    gv_writer *w = gv_writer_new(f->s, NULL, NULL, &err);
    assert_non_null(w);
    /* An append queued before the file is committed with it or before it. */
    gv_event_in ev = fx_event(b, sizeof b, "m", 1, "meeting_defined", 1);
    assert_int_equal(gv_writer_submit(w, "m", 0, &ev, 1, NULL, &err), 0);
    assert_int_equal(
        gv_writer_put_file_wait(w, "m", "text/plain", (const unsigned char *)"abc", 3, hash, &err),
        0);
    assert_int_equal(gv_hash_from_hex(sha256_abc, want), 0);
    assert_memory_equal(hash, want, GV_FILE_HASH_BYTES);
    int64_t seq = 0;
    assert_int_equal(gv_store_head(f->s, "m", &seq, NULL, &err), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(gv_store_get_file(f->s, "m", hash, see, &s, &err), 0);
    assert_int_equal(s.len, 3);
    /* Refusals come back as the store's. */
    assert_int_equal(gv_writer_put_file_wait(w, "nobody", "text/plain",
                                             (const unsigned char *)"abc", 3, hash, &err),
                     GV_ENOTFOUND);
    assert_int_equal(gv_writer_put_file_wait(w, "m", "text/plain", NULL, 0, hash, &err), GV_EINVAL);
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    assert_int_equal(st.files, 1);
    gv_writer_stop(w);
    gv_writer_poll(w, NULL, NULL);
    gv_writer_free(w);
    free(s.bytes);
}

static void damaged_bytes_are_refused_where_served(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char hash[GV_FILE_HASH_BYTES];
    seen s = {0};
    assert_int_equal(gv_store_put_file(f->s, "m", "text/plain",
                                       (const unsigned char *)"the statement", 13, hash, &err),
                     0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->location, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE files SET body = CAST('the statemenT' AS BLOB)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    gv_error_clear(&err);
    assert_int_equal(gv_store_get_file(f->s, "m", hash, see, &s, &err), GV_ECORRUPT);
    assert_int_equal(s.calls, 0);
    assert_non_null(strstr(err.msg, "damaged"));
}

#define ALL(t) FX_ON_EACH_ENGINE(t, setup, fx_engine_close)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ALL(a_file_comes_back_by_its_sha256),
        ALL(the_same_bytes_are_kept_once_and_per_meeting),
        ALL(failed_writes_and_commits_leave_no_file),
        ALL(bad_arguments_change_nothing),
        ALL(the_writer_stores_a_file_and_waits_for_it),
        cmocka_unit_test_prestate_setup_teardown(damaged_bytes_are_refused_where_served, setup,
                                                 fx_engine_close, (void *)"sqlite"),
    };
    return cmocka_run_group_tests(tests, pgfx_group_setup, pgfx_group_teardown);
}

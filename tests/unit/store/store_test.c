/*
 * The store's contract, one body run against every engine (memory, SQLite
 * and PostgreSQL, a throwaway server started for this program): append,
 * read and head; the sequence rule; atomic appends under forced failures;
 * meetings kept apart; logs longer than one read page; a writer racing
 * another handle for the same seq; argument checks; the hash chain against
 * an independent BLAKE2b implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "engines_fixture.h"
#include "store/store_internal.h"

static int setup(void **state)
{
    fixture *f = fx_engine_open(state);
    assert_string_equal(gv_store_engine(f->s), f->engine);
    return 0;
}

/* Appends events first..last (seqs) to the meeting, one call. */
static int append_range(gv_store *s, const char *meeting, int64_t first, int64_t last,
                        gv_error *err)
{
    static char bufs[64][256];
    gv_event_in ev[64];
    size_t n = 0;
    assert_true(last - first < 64);
    for (int64_t q = first; q <= last; q++, n++)
        ev[n] = fx_event(bufs[n], sizeof bufs[n], meeting, q, "note_added", 1000 * q);
    return gv_store_append(s, meeting, ev, n, err);
}

static int64_t head_seq(gv_store *s, const char *meeting)
{
    int64_t seq = -1;
    gv_error err;
    if (gv_store_head(s, meeting, &seq, NULL, &err) != 0)
        fail_msg("head %s: %s", meeting, err.msg);
    return seq;
}

static fx_events *read_all(gv_store *s, const char *meeting)
{
    fx_events *c = fx_events_new();
    gv_error err;
    if (gv_store_read(s, meeting, 0, fx_collect, c, &err) != 0)
        fail_msg("read %s: %s", meeting, err.msg);
    return c;
}

static void append_read_head_round_trip(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b1[256];
    gv_event_in first = fx_event(b1, sizeof b1, "m", 1, "meeting_defined", 5000);
    unsigned char head[GV_HASH_BYTES], zero[GV_HASH_BYTES] = {0};

    assert_int_equal(gv_store_create_meeting(f->s, "m", &first, 1, &err), 0);
    assert_int_equal(append_range(f->s, "m", 2, 4, &err), 0);
    assert_int_equal(append_range(f->s, "m", 5, 5, &err), 0);

    fx_events *c = read_all(f->s, "m");
    assert_int_equal(c->n, 5);
    unsigned char prev[GV_HASH_BYTES] = {0}, h[GV_HASH_BYTES];
    for (size_t i = 0; i < c->n; i++) {
        char want[256];
        gv_event_in ev = fx_event(want, sizeof want, "m", (int64_t)i + 1,
                                  i == 0 ? "meeting_defined" : "note_added",
                                  i == 0 ? 5000 : 1000 * ((int64_t)i + 1));
        assert_int_equal(c->seq[i], (int64_t)i + 1);
        assert_string_equal(c->type[i], ev.type);
        assert_int_equal(c->at_ms[i], ev.at_ms);
        assert_int_equal(c->len[i], ev.len);
        assert_memory_equal(c->bytes[i], want, ev.len);
        gv_hash_event(prev, ev.bytes, ev.len, h);
        assert_memory_equal(c->hash[i], h, GV_HASH_BYTES);
        memcpy(prev, h, GV_HASH_BYTES);
    }

    int64_t seq = 0;
    assert_int_equal(gv_store_head(f->s, "m", &seq, head, &err), 0);
    assert_int_equal(seq, 5);
    assert_memory_equal(head, prev, GV_HASH_BYTES);
    assert_memory_not_equal(head, zero, GV_HASH_BYTES);

    fx_events *tail = fx_events_new();
    assert_int_equal(gv_store_read(f->s, "m", 3, fx_collect, tail, &err), 0);
    assert_int_equal(tail->n, 2);
    assert_int_equal(tail->seq[0], 4);
    assert_memory_equal(tail->hash[1], head, GV_HASH_BYTES);
    fx_events_free(tail);
    fx_events_free(c);

    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "m", fx_check_columns, NULL, &bad, &err), 0);
    assert_int_equal(bad, 0);
}

static void empty_meeting_has_zero_head(void **state)
{
    fixture *f = *state;
    gv_error err;
    unsigned char head[GV_HASH_BYTES], zero[GV_HASH_BYTES] = {0};
    int64_t seq = -1, bad = -1;
    assert_int_equal(gv_store_create_meeting(f->s, "empty", NULL, 0, &err), 0);
    assert_int_equal(gv_store_head(f->s, "empty", &seq, head, &err), 0);
    assert_int_equal(seq, 0);
    assert_memory_equal(head, zero, GV_HASH_BYTES);
    assert_int_equal(gv_store_verify_chain(f->s, "empty", NULL, NULL, &bad, &err), 0);
    assert_int_equal(bad, 0);
    /* An append of nothing is allowed and changes nothing. */
    assert_int_equal(gv_store_append(f->s, "empty", NULL, 0, &err), 0);
    assert_int_equal(head_seq(f->s, "empty"), 0);
}

static void seq_gap_is_refused_and_nothing_written(void **state)
{
    fixture *f = *state;
    gv_error err;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 2, &err), 0);

    gv_error_clear(&err);
    assert_int_equal(append_range(f->s, "m", 4, 6, &err), GV_ESTATE);
    assert_int_equal(err.code, GV_ESTATE);
    assert_non_null(strstr(err.msg, "seq 3 was expected"));
    assert_non_null(strstr(err.msg, "nothing was stored"));
    assert_int_equal(head_seq(f->s, "m"), 2);

    /* Starting a log at seq 2 is a gap too. */
    assert_int_equal(gv_store_create_meeting(f->s, "n", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "n", 2, 3, &err), GV_ESTATE);
    assert_int_equal(head_seq(f->s, "n"), 0);
}

static void seq_duplicate_is_refused_and_nothing_written(void **state)
{
    fixture *f = *state;
    gv_error err;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 3, &err), 0);
    unsigned char before[GV_HASH_BYTES], after[GV_HASH_BYTES];
    assert_int_equal(gv_store_head(f->s, "m", NULL, before, &err), 0);

    assert_int_equal(append_range(f->s, "m", 3, 4, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "seq 4 was expected"));
    assert_int_equal(append_range(f->s, "m", 1, 1, &err), GV_ESTATE);
    assert_int_equal(head_seq(f->s, "m"), 3);
    assert_int_equal(gv_store_head(f->s, "m", NULL, after, &err), 0);
    assert_memory_equal(before, after, GV_HASH_BYTES);

    fx_events *c = read_all(f->s, "m");
    assert_int_equal(c->n, 3);
    fx_events_free(c);
}

static void seqs_inside_one_append_must_follow(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b[3][256];
    gv_event_in ev[3] = {
        fx_event(b[0], sizeof b[0], "m", 1, "a", 1),
        fx_event(b[1], sizeof b[1], "m", 2, "b", 2),
        fx_event(b[2], sizeof b[2], "m", 4, "c", 3),
    };
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(gv_store_append(f->s, "m", ev, 3, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "event 3 of 3 has seq 4"));
    assert_int_equal(head_seq(f->s, "m"), 0);
}

static void multi_event_append_is_atomic_when_a_later_write_fails(void **state)
{
    fixture *f = *state;
    gv_error err;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 2, &err), 0);

    /* Events 3 and 4 are written, event 5 fails: 3 and 4 must go too. */
    gv_store_fail_next(f->s, GV_STORE_FAULT_WRITE, 2, 1, GV_EIO);
    gv_error_clear(&err);
    assert_int_equal(append_range(f->s, "m", 3, 6, &err), GV_EIO);
    assert_non_null(strstr(err.msg, "forced write failure"));
    assert_int_equal(head_seq(f->s, "m"), 2);
    fx_events *c = read_all(f->s, "m");
    assert_int_equal(c->n, 2);
    fx_events_free(c);

    /* The failure was used up: the same append now goes through whole. */
    assert_int_equal(append_range(f->s, "m", 3, 6, &err), 0);
    assert_int_equal(head_seq(f->s, "m"), 6);
    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "m", fx_check_columns, NULL, &bad, &err), 0);
}

static int count_meeting(void *ud, const gv_meeting_info *m)
{
    (void)m;
    (*(int *)ud)++;
    return 0;
}

static void failed_commit_leaves_nothing(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b[256];
    gv_event_in first = fx_event(b, sizeof b, "m", 1, "meeting_defined", 1);
    int n = 0;

    gv_store_fail_next(f->s, GV_STORE_FAULT_COMMIT, 0, 1, GV_EIO);
    assert_int_equal(gv_store_create_meeting(f->s, "m", &first, 1, &err), GV_EIO);
    assert_int_equal(gv_store_list_meetings(f->s, count_meeting, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(gv_store_head(f->s, "m", NULL, NULL, &err), GV_ENOTFOUND);

    assert_int_equal(gv_store_create_meeting(f->s, "m", &first, 1, &err), 0);
    gv_store_fail_next(f->s, GV_STORE_FAULT_COMMIT, 0, 1, GV_EIO);
    assert_int_equal(append_range(f->s, "m", 2, 4, &err), GV_EIO);
    assert_int_equal(head_seq(f->s, "m"), 1);
    assert_int_equal(append_range(f->s, "m", 2, 4, &err), 0);
    assert_int_equal(head_seq(f->s, "m"), 4);
}

static void create_is_refused_for_an_existing_meeting(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b[256];
    gv_event_in ev = fx_event(b, sizeof b, "m", 1, "meeting_defined", 1);
    assert_int_equal(gv_store_create_meeting(f->s, "m", &ev, 1, &err), 0);
    gv_error_clear(&err);
    assert_int_equal(gv_store_create_meeting(f->s, "m", &ev, 1, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(head_seq(f->s, "m"), 1);
}

static int stop_at_two(void *ud, const gv_stored_event *ev)
{
    (*(int *)ud)++;
    return ev->seq == 2 ? 42 : 0;
}

static void unknown_meeting_and_callback_stop(void **state)
{
    fixture *f = *state;
    gv_error err;
    int calls = 0;
    assert_int_equal(gv_store_read(f->s, "nope", 0, stop_at_two, &calls, &err), GV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "nope"));
    assert_int_equal(append_range(f->s, "nope", 1, 1, &err), GV_ENOTFOUND);
    assert_int_equal(gv_store_verify_chain(f->s, "nope", NULL, NULL, NULL, &err), GV_ENOTFOUND);

    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 4, &err), 0);
    assert_int_equal(gv_store_read(f->s, "m", 0, stop_at_two, &calls, &err), 42);
    assert_int_equal(calls, 2);
}

typedef struct listed {
    int n;
    char ids[80][GV_MEETING_ID_MAX + 1];
    int64_t last[80];
} listed;

static int list_into(void *ud, const gv_meeting_info *m)
{
    listed *l = ud;
    snprintf(l->ids[l->n], sizeof l->ids[0], "%s", m->id);
    l->last[l->n++] = m->last_seq;
    return 0;
}

static void many_meetings_are_kept_apart(void **state)
{
    fixture *f = *state;
    gv_error err;
    enum { MEETINGS = 60 };
    char id[32];

    for (int k = MEETINGS - 1; k >= 0; k--) {
        snprintf(id, sizeof id, "session-%03d", k);
        assert_int_equal(gv_store_create_meeting(f->s, id, NULL, 0, &err), 0);
    }
    /* Interleave: round r appends event r to every meeting that has r. */
    for (int r = 1; r <= 8; r++)
        for (int k = 0; k < MEETINGS; k++) {
            if (r > 1 + k % 8)
                continue;
            snprintf(id, sizeof id, "session-%03d", k);
            assert_int_equal(append_range(f->s, id, r, r, &err), 0);
        }

    listed *l = calloc(1, sizeof *l);
    assert_int_equal(gv_store_list_meetings(f->s, list_into, l, &err), 0);
    assert_int_equal(l->n, MEETINGS);
    unsigned char heads[MEETINGS][GV_HASH_BYTES];
    for (int k = 0; k < MEETINGS; k++) {
        snprintf(id, sizeof id, "session-%03d", k);
        assert_string_equal(l->ids[k], id); /* in id order */
        assert_int_equal(l->last[k], 1 + k % 8);

        fx_events *c = read_all(f->s, id);
        assert_int_equal(c->n, (size_t)(1 + k % 8));
        for (size_t i = 0; i < c->n; i++) {
            char want[256];
            gv_event_in ev = fx_event(want, sizeof want, id, (int64_t)i + 1, "note_added",
                                      1000 * ((int64_t)i + 1));
            assert_int_equal(c->len[i], ev.len);
            assert_memory_equal(c->bytes[i], want, ev.len);
        }
        fx_events_free(c);
        assert_int_equal(gv_store_head(f->s, id, NULL, heads[k], &err), 0);
        for (int j = 0; j < k; j++)
            assert_memory_not_equal(heads[j], heads[k], GV_HASH_BYTES);
        assert_int_equal(gv_store_verify_chain(f->s, id, fx_check_columns, NULL, NULL, &err), 0);
    }
    free(l);
}

static void bad_arguments_are_refused_and_change_nothing(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b[256], longid[GV_MEETING_ID_MAX + 2];
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);

    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    const char *bad_ids[] = {"",        "with space", "a/b",        "semi;colon",
                             "quote\"", longid,       "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        gv_error_clear(&err);
        assert_int_equal(gv_store_create_meeting(f->s, bad_ids[i], NULL, 0, &err), GV_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(gv_store_create_meeting(f->s, NULL, NULL, 0, &err), GV_EINVAL);

    gv_event_in ev = fx_event(b, sizeof b, "m", 1, "note_added", 1);
    gv_event_in bad = ev;
    bad.type = "NoteAdded";
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    assert_non_null(strstr(err.msg, "a-z"));
    bad = ev;
    bad.type = "";
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.type = NULL;
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.at_ms = -1;
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.len = 0;
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.bytes = NULL;
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.seq = 0;
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_EINVAL);
    bad = ev;
    bad.len = (size_t)GV_EVENT_MAX_BYTES + 1; /* checked before the bytes are read */
    assert_int_equal(gv_store_append(f->s, "m", &bad, 1, &err), GV_ELIMIT);
    assert_int_equal(gv_store_append(f->s, "m", NULL, 2, &err), GV_EINVAL);

    int n = 0;
    assert_int_equal(gv_store_list_meetings(f->s, count_meeting, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(head_seq(f->s, "m"), 0);
    /* The good event still goes in. */
    assert_int_equal(gv_store_append(f->s, "m", &ev, 1, &err), 0);
}

static int refuse_seq_3(void *ud, const gv_stored_event *ev, gv_error *err)
{
    (void)ud;
    if (ev->seq == 3)
        return gv_error_set(err, GV_ECORRUPT, "the caller does not like this one");
    return 0;
}

static void verify_reports_what_the_callers_check_refuses(void **state)
{
    fixture *f = *state;
    gv_error err;
    int64_t bad = -1;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 5, &err), 0);
    assert_int_equal(gv_store_verify_chain(f->s, "m", refuse_seq_3, NULL, &bad, &err), GV_ECORRUPT);
    assert_int_equal(bad, 3);
    assert_non_null(strstr(err.msg, "event 3"));
    assert_non_null(strstr(err.msg, "does not like"));
}

static void chain_hash_matches_independent_blake2b(void **state)
{
    (void)state;
    /* Expected values from Python's hashlib (an independent BLAKE2b):
     *   h1 = blake2b(b'\0' * 32 + b'abc', digest_size=32)
     *   h2 = blake2b(h1.digest() + b'{"seq":2}', digest_size=32) */
    const char *h1_hex = "5db827e5e925e6b933a86596a0446c345c0d74d77f55a751ade5d7c7162eead8";
    const char *h2_hex = "daec5e70b107076f680d26105d6750889c45a2c2768eec65b21ade1d73be9119";
    unsigned char zero[GV_HASH_BYTES] = {0}, h1[GV_HASH_BYTES], h2[GV_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];

    gv_hash_event(zero, (const unsigned char *)"abc", 3, h1);
    gv_hash_to_hex(h1, hex);
    assert_string_equal(hex, h1_hex);
    gv_hash_event(h1, (const unsigned char *)"{\"seq\":2}", 9, h2);
    gv_hash_to_hex(h2, hex);
    assert_string_equal(hex, h2_hex);

    unsigned char back[GV_HASH_BYTES];
    assert_int_equal(gv_hash_from_hex(h2_hex, back), 0);
    assert_memory_equal(back, h2, GV_HASH_BYTES);
    char upper[GV_HASH_HEX_SIZE];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(h2_hex[i] >= 'a' ? h2_hex[i] - 32 : h2_hex[i]);
    assert_int_equal(gv_hash_from_hex(upper, back), 0);
    assert_memory_equal(back, h2, GV_HASH_BYTES);

    memcpy(back, zero, sizeof back);
    assert_int_equal(gv_hash_from_hex("5db8", back), GV_EINVAL);
    char longer[80];
    snprintf(longer, sizeof longer, "%s0", h1_hex);
    assert_int_equal(gv_hash_from_hex(longer, back), GV_EINVAL);
    char notHex[GV_HASH_HEX_SIZE];
    memcpy(notHex, h1_hex, sizeof notHex);
    notHex[10] = 'g';
    assert_int_equal(gv_hash_from_hex(notHex, back), GV_EINVAL);
    assert_int_equal(gv_hash_from_hex(NULL, back), GV_EINVAL);
    assert_memory_equal(back, zero, GV_HASH_BYTES); /* unchanged on failure */
}

static void store_head_matches_the_chain_rule(void **state)
{
    fixture *f = *state;
    gv_error err;
    const char *bodies[] = {"abc", "{\"seq\":2}"};
    gv_event_in ev[2] = {
        {.seq = 1, .type = "a", .at_ms = 0, .bytes = (const unsigned char *)bodies[0], .len = 3},
        {.seq = 2, .type = "b", .at_ms = 0, .bytes = (const unsigned char *)bodies[1], .len = 9},
    };
    unsigned char head[GV_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];
    assert_int_equal(gv_store_create_meeting(f->s, "kat", ev, 2, &err), 0);
    assert_int_equal(gv_store_head(f->s, "kat", NULL, head, &err), 0);
    gv_hash_to_hex(head, hex);
    assert_string_equal(hex, "daec5e70b107076f680d26105d6750889c45a2c2768eec65b21ade1d73be9119");
}

static void open_refuses_bad_locations_and_flags(void **state)
{
    (void)state;
    gv_error err;
    assert_null(gv_store_open("mysql://db.example/gavel", 0, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "no storage engine"));
    /* A PostgreSQL URI where no server listens: said at once, no password shown. */
    assert_null(gv_store_open("postgresql://gavel:secret@127.0.0.1:1/gavel", 0, &err));
    assert_int_equal(err.code, GV_EUNAVAIL);
    assert_non_null(
        strstr(err.msg, "cannot connect to PostgreSQL at postgresql://gavel@127.0.0.1:1/gavel"));
    assert_null(strstr(err.msg, "secret"));
    assert_null(gv_store_open("", 0, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_null(gv_store_open(NULL, 0, &err));
    assert_null(gv_store_open("memory:", GV_STORE_CREATE | GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_null(gv_store_open("memory:", 1u << 7, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_null(gv_store_open("sqlite:", GV_STORE_CREATE, &err));

    /* SQLite's spelling of an in-memory database never becomes a file. */
    gv_store *s = gv_store_open(":memory:", GV_STORE_CREATE, &err);
    assert_non_null(s);
    assert_string_equal(gv_store_engine(s), "memory");
    gv_store_close(s);
    assert_int_equal(access(":memory:", F_OK), -1);
}

static void readonly_memory_store_refuses_writes(void **state)
{
    (void)state;
    gv_error err;
    gv_store *s = gv_store_open("memory:", GV_STORE_READONLY, &err);
    assert_non_null(s);
    assert_int_equal(gv_store_create_meeting(s, "m", NULL, 0, &err), GV_EPERM);
    assert_non_null(strstr(err.msg, "read-only"));
    int n = 0;
    assert_int_equal(gv_store_list_meetings(s, count_meeting, &n, &err), 0);
    assert_int_equal(n, 0);
    gv_store_close(s);
}

static int count_in_order(void *ud, const gv_stored_event *ev)
{
    int64_t *next = ud;
    if (ev->seq != *next)
        return -100;
    (*next)++;
    return 0;
}

/* Appends events first..last in appends of at most 500 events. */
static void append_many(gv_store *s, const char *meeting, int64_t first, int64_t last)
{
    enum { CHUNK = 500 };
    static char bufs[CHUNK][128];
    static gv_event_in ev[CHUNK];
    gv_error err;
    while (first <= last) {
        size_t n = 0;
        for (; n < CHUNK && first <= last; n++, first++)
            ev[n] = fx_event(bufs[n], sizeof bufs[n], meeting, first, "note_added", first);
        if (gv_store_append(s, meeting, ev, n, &err) != 0)
            fail_msg("append up to %" PRId64 ": %s", first - 1, err.msg);
    }
}

static void a_long_log_reads_in_order_from_any_seq(void **state)
{
    fixture *f = *state;
    gv_error err;
    enum { N = 5000 };
    assert_int_equal(gv_store_create_meeting(f->s, "long", NULL, 0, &err), 0);
    append_many(f->s, "long", 1, N);
    const int64_t from[] = {0, 1, 2047, 2048, 2049, 4096, N - 1, N, N + 10};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        int64_t next = from[i] + 1;
        assert_int_equal(gv_store_read(f->s, "long", from[i], count_in_order, &next, &err), 0);
        assert_int_equal(next, from[i] < N ? N + 1 : from[i] + 1);
    }
    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "long", fx_check_columns, NULL, &bad, &err), 0);
    assert_int_equal(head_seq(f->s, "long"), N);
}

static void a_second_handle_sees_commits_and_loses_the_race(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b1[256], b2[256];
    if (strcmp(f->engine, "memory") == 0)
        return; /* every in-memory handle is a store of its own */
    gv_store *other = gv_store_open(f->location, 0, &err);
    if (!other)
        fail_msg("second handle: %s", err.msg);
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 3, &err), 0);
    assert_int_equal(head_seq(other, "m"), 3);

    /* Both decide seq 4; the first to commit wins, the other is told so
     * and stores nothing. */
    gv_event_in mine = fx_event(b1, sizeof b1, "mine", 4, "note_added", 4);
    gv_event_in theirs = fx_event(b2, sizeof b2, "theirs", 4, "note_added", 4);
    assert_int_equal(gv_store_append(other, "m", &theirs, 1, &err), 0);
    gv_error_clear(&err);
    assert_int_equal(gv_store_append(f->s, "m", &mine, 1, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "seq 5 was expected"));
    fx_events *c = read_all(f->s, "m");
    assert_int_equal(c->n, 4);
    assert_memory_equal(c->bytes[3], b2, theirs.len);
    fx_events_free(c);
    gv_store_close(other);
}

/* A check that appends one event through another handle while the walk runs. */
typedef struct appender {
    gv_store *other;
    int64_t at_seq; /** append when the walk reaches this seq */
    int64_t seq;    /** the seq to append */
} appender;

static int append_during_walk(void *ud, const gv_stored_event *ev, gv_error *err)
{
    appender *a = ud;
    char b[128];
    if (ev->seq != a->at_seq)
        return 0;
    gv_event_in in = fx_event(b, sizeof b, "late", a->seq, "note_added", a->seq);
    return gv_store_append(a->other, "m", &in, 1, err);
}

static void verify_walks_to_the_head_it_read_first(void **state)
{
    fixture *f = *state;
    gv_error err;
    enum { N = 2100 };
    if (strcmp(f->engine, "memory") == 0)
        return; /* one handle: nothing can append during its own walk */
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    append_many(f->s, "m", 1, N);
    appender a = {.at_seq = 10, .seq = N + 1};
    a.other = gv_store_open(f->location, 0, &err);
    assert_non_null(a.other);
    /* A live database: an event appended during the walk is not damage. */
    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "m", append_during_walk, &a, &bad, &err), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(head_seq(f->s, "m"), N + 1);
    assert_int_equal(gv_store_verify_chain(f->s, "m", NULL, NULL, &bad, &err), 0);
    gv_store_close(a.other);
}

static void postgresql_schema_is_versioned_and_guarded(void **state)
{
    fixture *f = *state;
    gv_error err;
    char uri[4200], sql[256];

    /* An empty schema: nothing to read, and only a creating open makes one. */
    assert_int_equal(pgfx_new_store(&pgfx_server, uri, sizeof uri), 0);
    assert_null(gv_store_open(uri, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "holds no Gavel database"));
    assert_null(gv_store_open(uri, 0, &err));
    assert_int_equal(err.code, GV_ENOTFOUND);

    /* Another program's tables of the same name are left alone. */
    snprintf(sql, sizeof sql, "CREATE TABLE t%d.events(x int)", pgfx_server.schemas);
    assert_int_equal(pgfx_exec(pgfx_server.uri, sql), 0);
    assert_null(gv_store_open(uri, GV_STORE_CREATE, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "not Gavel's"));

    /* A store written by a newer Gavel is refused, read-only or not. */
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(pgfx_exec(f->location, "UPDATE gavel_meta SET value = '99'"
                                            " WHERE key = 'schema_version'"),
                     0);
    assert_null(gv_store_open(f->location, GV_STORE_READONLY, &err));
    assert_int_equal(err.code, GV_ESTATE);
    assert_non_null(strstr(err.msg, "newer Gavel"));
    assert_null(gv_store_open(f->location, 0, &err));
    assert_int_equal(err.code, GV_ESTATE);
}

/* Ends every other server process of the store's connections, as a
 * restart of the server would. */
static void kill_connections(void)
{
    assert_int_equal(pgfx_exec(pgfx_server.uri,
                               "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE application_name = 'gavel'"),
                     0);
}

static void postgresql_survives_a_lost_connection(void **state)
{
    fixture *f = *state;
    gv_error err;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 3, &err), 0);

    /* A read finds the connection gone, connects again and answers. */
    kill_connections();
    assert_int_equal(head_seq(f->s, "m"), 3);

    /* A write that meets a lost connection fails whole, and says so; the
     * next one connects again. */
    kill_connections();
    gv_error_clear(&err);
    int rc = append_range(f->s, "m", 4, 5, &err);
    if (rc != 0) {
        assert_int_equal(rc, GV_EUNAVAIL);
        assert_non_null(strstr(err.msg, "connection"));
        assert_int_equal(head_seq(f->s, "m"), 3);
        assert_int_equal(append_range(f->s, "m", 4, 5, &err), 0);
    }
    assert_int_equal(head_seq(f->s, "m"), 5);
    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "m", fx_check_columns, NULL, &bad, &err), 0);
}

/* Another node's append, run on a thread so that a wait for a row lock
 * cannot stall the test. */
typedef struct racer {
    gv_store *s;
    gv_event_in ev;
    int rc;
    gv_error err;
    bool done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} racer;

static void *race_append(void *arg)
{
    racer *r = arg;
    int rc = gv_store_append(r->s, "m", &r->ev, 1, &r->err);
    pthread_mutex_lock(&r->mu);
    r->rc = rc;
    r->done = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void postgresql_a_node_that_loses_the_race_stores_nothing(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b1[256], b2[256];
    gv_store *node2 = gv_store_open(f->location, 0, &err);
    assert_non_null(node2);
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 3, &err), 0);

    /* Node 2 decides seq 4 inside its transaction (it read the head, 3)... */
    gv_event_in two = fx_event(b2, sizeof b2, "node2", 4, "note_added", 4);
    gv__append_result res;
    pthread_mutex_lock(&node2->mu);
    assert_int_equal(node2->engine->begin(node2->impl, &err), 0);
    assert_int_equal(gv__store_append_locked(node2, "m", false, NULL, &two, 1, &res, &err), 0);

    /* ... while node 1 also appends seq 4, against the same head. */
    racer r = {.s = f->s, .ev = fx_event(b1, sizeof b1, "node1", 4, "note_added", 4)};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, race_append, &r), 0);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&r.mu);
    while (!r.done && pthread_cond_timedwait(&r.cv, &r.mu, &deadline) == 0)
        ;
    bool node1_first = r.done;
    pthread_mutex_unlock(&r.mu);

    gv_error_clear(&err);
    int rc2 = gv__store_commit_locked(node2, &err);
    if (rc2)
        node2->engine->rollback(node2->impl);
    pthread_mutex_unlock(&node2->mu);
    pthread_join(t, NULL);

    print_message("  node %d committed first\n", node1_first ? 1 : 2);
    /* Exactly one wins; the other is told to read again, never stored. */
    if (node1_first) {
        assert_int_equal(r.rc, 0);
        assert_int_equal(rc2, GV_ESTATE);
        assert_non_null(strstr(err.msg, "another writer stored the same event first"));
    } else {
        assert_int_equal(rc2, 0);
        assert_int_equal(r.rc, GV_ESTATE);
    }
    fx_events *c = read_all(f->s, "m");
    assert_int_equal(c->n, 4);
    assert_memory_equal(c->bytes[3], node1_first ? b1 : b2, c->len[3]);
    fx_events_free(c);
    int64_t bad = -1;
    assert_int_equal(gv_store_verify_chain(f->s, "m", fx_check_columns, NULL, &bad, &err), 0);
    /* The loser goes on from the new head. */
    assert_int_equal(append_range(node2, "m", 5, 5, &err), 0);
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);
    gv_store_close(node2);
}

/* The newest snapshot at or before max_seq, copied. */
typedef struct got_snap {
    int64_t seq;
    int version;
    unsigned char head[GV_HASH_BYTES];
    char bytes[64];
} got_snap;

static int copy_snap(void *ud, const gv_stored_snapshot *snap)
{
    got_snap *g = ud;
    g->seq = snap->seq;
    g->version = snap->version;
    memcpy(g->head, snap->head, GV_HASH_BYTES);
    snprintf(g->bytes, sizeof g->bytes, "%.*s", (int)snap->len, (const char *)snap->bytes);
    return 0;
}

static int put_snap(gv_store *s, const char *meeting, int64_t seq, const char *text, gv_error *err)
{
    return gv_store_put_snapshot(s, meeting, seq, 7, (const unsigned char *)text, strlen(text),
                                 err);
}

typedef struct seq_list {
    int n;
    int64_t seq[8];
} seq_list;

static int list_seq(void *ud, int64_t seq)
{
    seq_list *l = ud;
    if (l->n < 8)
        l->seq[l->n++] = seq;
    return 0;
}

static void snapshots_are_tied_to_their_event_and_the_newest_kept(void **state)
{
    fixture *f = *state;
    gv_error err;
    got_snap g = {0};
    seq_list l = {0};
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 8, &err), 0);
    fx_events *c = read_all(f->s, "m");

    assert_int_equal(gv_store_get_snapshot(f->s, "m", INT64_MAX, copy_snap, &g, &err),
                     GV_ENOTFOUND);
    assert_int_equal(put_snap(f->s, "m", 9, "beyond", &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "the log ends at seq 8"));
    assert_int_equal(put_snap(f->s, "m", 0, "none", &err), GV_EINVAL);
    assert_int_equal(put_snap(f->s, "nope", 1, "no meeting", &err), GV_ENOTFOUND);

    assert_int_equal(put_snap(f->s, "m", 3, "state at 3", &err), 0);
    assert_int_equal(gv_store_get_snapshot(f->s, "m", INT64_MAX, copy_snap, &g, &err), 0);
    assert_int_equal(g.seq, 3);
    assert_int_equal(g.version, 7);
    assert_string_equal(g.bytes, "state at 3");
    assert_memory_equal(g.head, c->hash[2], GV_HASH_BYTES); /* the chain hash of event 3 */

    /* Each new one keeps the newest before it and drops the rest. */
    assert_int_equal(put_snap(f->s, "m", 5, "state at 5", &err), 0);
    assert_int_equal(put_snap(f->s, "m", 7, "state at 7", &err), 0);
    assert_int_equal(gv_store_snapshot_seqs(f->s, "m", list_seq, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seq[0], 5);
    assert_int_equal(l.seq[1], 7);
    assert_int_equal(gv_store_get_snapshot(f->s, "m", 6, copy_snap, &g, &err), 0);
    assert_int_equal(g.seq, 5);
    assert_int_equal(gv_store_get_snapshot(f->s, "m", 4, copy_snap, &g, &err), GV_ENOTFOUND);
    /* The same seq again replaces it. */
    assert_int_equal(put_snap(f->s, "m", 7, "state at 7, again", &err), 0);
    assert_int_equal(gv_store_get_snapshot(f->s, "m", 8, copy_snap, &g, &err), 0);
    assert_string_equal(g.bytes, "state at 7, again");
    assert_memory_equal(g.head, c->hash[6], GV_HASH_BYTES);

    /* A failed commit stores nothing of it. */
    gv_store_fail_next(f->s, GV_STORE_FAULT_COMMIT, 0, 1, GV_EIO);
    assert_int_equal(put_snap(f->s, "m", 8, "state at 8", &err), GV_EIO);
    l.n = 0;
    assert_int_equal(gv_store_snapshot_seqs(f->s, "m", list_seq, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seq[1], 7);
    assert_int_equal(gv_store_get_snapshot(f->s, "m", 8, copy_snap, &g, &err), 0);
    assert_string_equal(g.bytes, "state at 7, again");
    /* Snapshots never touch the log. */
    assert_int_equal(gv_store_verify_chain(f->s, "m", fx_check_columns, NULL, NULL, &err), 0);
    assert_int_equal(head_seq(f->s, "m"), 8);
    fx_events_free(c);
}

static void a_damaged_snapshot_is_named(void **state)
{
    fixture *f = *state;
    gv_error err;
    got_snap g = {0};
    char sql[300];
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 4, &err), 0);
    assert_int_equal(put_snap(f->s, "m", 2, "state at 2", &err), 0);
    assert_int_equal(put_snap(f->s, "m", 4, "state at 4", &err), 0);
    /* One changed byte of the newest, as a disk or a hand could make it. */
    snprintf(sql, sizeof sql, "UPDATE snapshots SET body = %s WHERE seq = 4",
             strcmp(f->engine, "sqlite") == 0 ? "CAST('state at 5' AS BLOB)"
                                              : "convert_to('state at 5', 'UTF8')");
    if (strcmp(f->engine, "sqlite") == 0) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(f->location, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    } else {
        assert_int_equal(pgfx_exec(f->location, sql), 0);
    }
    assert_int_equal(gv_store_get_snapshot(f->s, "m", INT64_MAX, copy_snap, &g, &err), GV_ECORRUPT);
    assert_non_null(strstr(err.msg, "snapshot at seq 4 is damaged"));
    /* The one before it is still there to fall back on. */
    assert_int_equal(gv_store_get_snapshot(f->s, "m", 3, copy_snap, &g, &err), 0);
    assert_string_equal(g.bytes, "state at 2");
}

static void a_read_only_store_takes_no_snapshot(void **state)
{
    fixture *f = *state;
    gv_error err;
    assert_int_equal(gv_store_create_meeting(f->s, "m", NULL, 0, &err), 0);
    assert_int_equal(append_range(f->s, "m", 1, 2, &err), 0);
    gv_store *ro = gv_store_open(f->location, GV_STORE_READONLY, &err);
    if (!ro)
        fail_msg("read-only open: %s", err.msg);
    assert_int_equal(put_snap(ro, "m", 2, "no", &err), GV_EPERM);
    gv_store_close(ro);
}

#define ALL(t) FX_ON_EACH_ENGINE(t, setup, fx_engine_close)
#define PG(t)                                                                                      \
    cmocka_unit_test_prestate_setup_teardown(t, setup, fx_engine_close, (void *)"postgresql")
#define SQ(t) cmocka_unit_test_prestate_setup_teardown(t, setup, fx_engine_close, (void *)"sqlite")

int main(void)
{
    const struct CMUnitTest tests[] = {
        ALL(append_read_head_round_trip),
        ALL(empty_meeting_has_zero_head),
        ALL(seq_gap_is_refused_and_nothing_written),
        ALL(seq_duplicate_is_refused_and_nothing_written),
        ALL(seqs_inside_one_append_must_follow),
        ALL(multi_event_append_is_atomic_when_a_later_write_fails),
        ALL(failed_commit_leaves_nothing),
        ALL(create_is_refused_for_an_existing_meeting),
        ALL(unknown_meeting_and_callback_stop),
        ALL(many_meetings_are_kept_apart),
        ALL(bad_arguments_are_refused_and_change_nothing),
        ALL(verify_reports_what_the_callers_check_refuses),
        ALL(store_head_matches_the_chain_rule),
        cmocka_unit_test(chain_hash_matches_independent_blake2b),
        cmocka_unit_test(open_refuses_bad_locations_and_flags),
        cmocka_unit_test(readonly_memory_store_refuses_writes),
        ALL(a_long_log_reads_in_order_from_any_seq),
        ALL(a_second_handle_sees_commits_and_loses_the_race),
        ALL(verify_walks_to_the_head_it_read_first),
        PG(postgresql_schema_is_versioned_and_guarded),
        PG(postgresql_survives_a_lost_connection),
        PG(postgresql_a_node_that_loses_the_race_stores_nothing),
        ALL(snapshots_are_tied_to_their_event_and_the_newest_kept),
        SQ(a_damaged_snapshot_is_named),
        PG(a_damaged_snapshot_is_named),
        SQ(a_read_only_store_takes_no_snapshot),
        PG(a_read_only_store_takes_no_snapshot),
    };
    return cmocka_run_group_tests(tests, pgfx_group_setup, pgfx_group_teardown);
}

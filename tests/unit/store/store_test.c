/*
 * The store's contract, run against every engine (memory and SQLite): append,
 * read and head; the sequence rule; atomic appends under forced failures;
 * meetings kept apart; argument checks; the hash chain against an
 * independent BLAKE2b implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store_fixture.h"

typedef struct fixture {
    const char *engine; /** "memory" or "sqlite" */
    char *dir;          /** scratch folder (sqlite only) */
    char location[4200];
    gv_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    gv_error err;
    f->engine = *state;
    if (strcmp(f->engine, "sqlite") == 0) {
        f->dir = fx_tmpdir();
        assert_non_null(f->dir);
        fx_path(f->location, sizeof f->location, f->dir, "store.db");
    } else {
        snprintf(f->location, sizeof f->location, "memory:");
    }
    f->s = gv_store_open(f->location, GV_STORE_CREATE, &err);
    if (!f->s)
        fail_msg("open %s: %s", f->location, err.msg);
    assert_string_equal(gv_store_engine(f->s), f->engine);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gv_store_close(f->s);
    fx_rmdir(f->dir);
    free(f);
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
    assert_null(gv_store_open("postgresql://db.example/gavel", 0, &err));
    assert_int_equal(err.code, GV_EINVAL);
    assert_non_null(strstr(err.msg, "no storage engine"));
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

#define BOTH(t)                                                                                    \
    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"memory"),                \
        cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"sqlite")

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(append_read_head_round_trip),
        BOTH(empty_meeting_has_zero_head),
        BOTH(seq_gap_is_refused_and_nothing_written),
        BOTH(seq_duplicate_is_refused_and_nothing_written),
        BOTH(seqs_inside_one_append_must_follow),
        BOTH(multi_event_append_is_atomic_when_a_later_write_fails),
        BOTH(failed_commit_leaves_nothing),
        BOTH(create_is_refused_for_an_existing_meeting),
        BOTH(unknown_meeting_and_callback_stop),
        BOTH(many_meetings_are_kept_apart),
        BOTH(bad_arguments_are_refused_and_change_nothing),
        BOTH(verify_reports_what_the_callers_check_refuses),
        BOTH(store_head_matches_the_chain_rule),
        cmocka_unit_test(chain_hash_matches_independent_blake2b),
        cmocka_unit_test(open_refuses_bad_locations_and_flags),
        cmocka_unit_test(readonly_memory_store_refuses_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

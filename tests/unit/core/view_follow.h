/*
 * A reader that follows a log by the stream's patches, made as the server
 * makes them (room_patch.c): events applied in settles of one or more, each
 * settle rebuilding only the sections and rows of the state its events
 * named (gv_changes_add; gv_view_update), diffing that
 * against the view's last patched state, and the reader applying the patch
 * to what it holds after taking the event's seq and time.
 *
 * gvt_assert_views_follow checks, after every settle and in every view,
 * that both the server's patched state and the reader's own equal the view
 * of the whole state (gv_meeting_view_json), byte for byte. A section an
 * event changes but does not name shows up here.
 *
 * Include after <cmocka.h> (through support.h).
 */
#ifndef GV_TEST_VIEW_FOLLOW_H
#define GV_TEST_VIEW_FOLLOW_H

#include <stdint.h>

#include "support.h"

#include "core/patch.h"
#include "core/view.h"

static inline char *gvt_view_text(const json_t *state)
{
    char *t = gv_json_text(state);
    assert_non_null(t);
    return t;
}

/* One settle of view v at m's last event: the server's `*patched` and the
 * reader's `*held` move to now. */
static inline void gvt_view_settle(const gv_meeting *m, gv_view v, const json_t *part,
                                   const gv_changes *c, json_t **patched, json_t **held)
{
    int64_t seq = gv_meeting_seq(m), at = gv_meeting_last_at_ms(m);
    json_t *took = gv_state_took_event(*patched, seq, at), *ops = NULL;
    assert_non_null(took);
    json_t *now = gv_view_update(m, took, part, c, v);
    json_t *want = gv_meeting_view_json(m, v);
    assert_non_null(now);
    assert_non_null(want);
    assert_int_equal(gv_json_diff(took, now, gv_state_id_keys, &ops), 0);
    json_t *reader = gv_state_took_event(*held, seq, at);
    assert_non_null(reader);
    gv_error err = {0};
    if (gv_json_patch(&reader, ops, &err) < 0)
        fail_msg("view %s, event %lld: the patch does not apply: %s", gv_view_names[v],
                 (long long)seq, err.msg);
    /* json_equal tells 1 from 1.0 and compares objects whatever their keys' order. */
    if (!json_equal(now, want) || !json_equal(reader, want)) {
        char *w = gvt_view_text(want), *n = gvt_view_text(now), *r = gvt_view_text(reader);
        fail_msg("view %s after event %lld (sections 0x%x, %zu people):\n  whole view  %s\n  "
                 "patched     %s\n  reader      %s",
                 gv_view_names[v], (long long)seq, c->sections, c->n_people, w, n, r);
    }
    json_decref(want);
    json_decref(ops);
    json_decref(took);
    json_decref(*patched);
    json_decref(*held);
    *patched = now;
    *held = reader;
}

/*
 * Replays `log` (every event of a meeting, the definition first) on a new
 * meeting, settling after 1 to max_batch events (drawn from `seed`), and
 * checks every view after every settle (above). Returns the number of
 * settles.
 */
static inline int gvt_assert_views_follow(const json_t *log, int max_batch, uint64_t seed)
{
    gv_meeting *m = gv_meeting_new();
    json_t *patched[GV_VIEW_COUNT] = {0}, *held[GV_VIEW_COUNT] = {0};
    gv_changes c = {0};
    int pending = 0, batch = 1, settles = 0;
    gv_error err;
    assert_non_null(m);
    for (size_t i = 0; i < json_array_size(log); i++) {
        const json_t *ev = json_array_get(log, i);
        gv_changes_add(&c, m, ev);
        if (gv_meeting_apply(m, ev, &err) < 0)
            fail_msg("event %zu of the log does not apply: %s", i, err.msg);
        if (i == 0) { /* the readers start from the defined meeting */
            for (int v = 0; v < GV_VIEW_COUNT; v++) {
                patched[v] = gv_meeting_view_json(m, (gv_view)v);
                held[v] = json_deep_copy(patched[v]);
                assert_non_null(held[v]);
            }
            c = (gv_changes){0};
            continue;
        }
        if (++pending < batch && i + 1 < json_array_size(log))
            continue;
        json_t *part = gv_meeting_sections_json(m, c.sections);
        assert_non_null(part);
        for (int v = 0; v < GV_VIEW_COUNT; v++)
            gvt_view_settle(m, (gv_view)v, part, &c, &patched[v], &held[v]);
        json_decref(part);
        settles++;
        c = (gv_changes){0};
        pending = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        batch = 1 + (int)((seed >> 33) % (uint64_t)max_batch);
    }
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        json_decref(patched[v]);
        json_decref(held[v]);
    }
    gv_meeting_free(m);
    return settles;
}

#endif

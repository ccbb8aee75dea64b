/*
 * A speech's timer: the arithmetic of a speaking clock that can be paused,
 * resumed, extended and ended, with time always passed in by the caller.
 *
 * The timer holds only what happened (start, finished pauses, the open pause,
 * the end, the limit), never a running count, so any reader with a clock can
 * draw it: elapsed = (end or now) - started - paused - (now - paused_at if paused).
 * The floor keeps one timer per speech; clients draw the same arithmetic from
 * the state JSON.
 */
#ifndef GV_CORE_SPEECH_H
#define GV_CORE_SPEECH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/* The longest limit, warning or extension a timer accepts: one day, in ms. */
#define GV_TIMER_MAX_MS (24LL * 60 * 60 * 1000)

typedef struct gv_timer {
    int64_t started_at_ms;
    int64_t last_at_ms;   /** time of the last change; later changes may not come before it */
    int64_t paused_ms;    /** sum of the finished pauses */
    int64_t paused_at_ms; /** start of the open pause; meaningful only when paused */
    int64_t ended_at_ms;  /** meaningful only when ended */
    int64_t limit_ms;     /** speaking time allowed, extensions included */
    int64_t warning_ms;   /** warn once this much has been spoken; 0 <= warning <= limit */
    int64_t extended_ms;  /** sum of the extensions, for the record */
    bool paused;
    bool ended;
} gv_timer;

/*
 * Starts t at at_ms with a limit and a warning. GV_EINVAL (t unchanged) unless
 * 0 < limit_ms <= GV_TIMER_MAX_MS and 0 <= warning_ms <= limit_ms.
 */
int gv_timer_start(gv_timer *t, int64_t at_ms, int64_t limit_ms, int64_t warning_ms, gv_error *err);

/*
 * The changes. Each returns 0, or leaves t unchanged and returns GV_ESTATE when
 * the timer is not in a state that allows it (pausing a paused or ended timer,
 * resuming one that is not paused, changing an ended one), GV_EINVAL when
 * at_ms is before the last change or an amount is out of range.
 */
int gv_timer_pause(gv_timer *t, int64_t at_ms, gv_error *err);
int gv_timer_resume(gv_timer *t, int64_t at_ms, gv_error *err);
/* Adds added_ms (1..GV_TIMER_MAX_MS) to the limit and moves the warning by as
 * much, so the warning keeps its distance from the end. The limit may not
 * exceed GV_TIMER_MAX_MS. */
int gv_timer_extend(gv_timer *t, int64_t at_ms, int64_t added_ms, gv_error *err);
/* Replaces limit and warning (same bounds as gv_timer_start). */
int gv_timer_set_limit(gv_timer *t, int64_t at_ms, int64_t limit_ms, int64_t warning_ms,
                       gv_error *err);
/* Ends the timer; an open pause ends with it. */
int gv_timer_end(gv_timer *t, int64_t at_ms, gv_error *err);

/*
 * Readings at now_ms (for an ended timer, at its end whatever now_ms is).
 * now_ms before the last change gives the reading at the last change; before
 * the start, 0 spoken.
 */
int64_t gv_timer_elapsed_ms(const gv_timer *t, int64_t now_ms);      /* time spoken */
int64_t gv_timer_paused_total_ms(const gv_timer *t, int64_t now_ms); /* time paused */
int64_t gv_timer_remaining_ms(const gv_timer *t, int64_t now_ms); /* limit - spoken, may be < 0 */
int64_t gv_timer_overtime_ms(const gv_timer *t, int64_t now_ms);  /* spoken beyond the limit */

#endif

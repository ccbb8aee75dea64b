/*
 * Speech timers.
 *
 * States and transitions:
 *
 *   running --gv_timer_pause--> paused --gv_timer_resume--> running
 *   running, paused --gv_timer_end--> ended
 *   running, paused --gv_timer_extend / gv_timer_set_limit--> same state
 *
 * Invariants: started_at_ms <= paused_at_ms (when paused) <= last_at_ms;
 * paused_ms >= 0 is the sum of the finished pauses; when ended, ended_at_ms ==
 * last_at_ms and paused is false; 0 <= warning_ms <= limit_ms <=
 * GV_TIMER_MAX_MS (set_limit may lower the limit below the time already
 * spoken: the overtime then counts from the new limit).
 *
 * Every change checks before it writes, so a refused change leaves the timer
 * as it was. Readings clamp the time they are asked about into
 * [started, end], because a clock reading taken just before an event was
 * applied must not give a negative time.
 */
#include "core/speech.h"

static int check_bounds(int64_t limit_ms, int64_t warning_ms, gv_error *err)
{
    if (limit_ms <= 0 || limit_ms > GV_TIMER_MAX_MS)
        return gv_error_set(err, GV_EINVAL,
                            "a speaking limit of %lld ms is out of range: give 1 to %lld ms",
                            (long long)limit_ms, (long long)GV_TIMER_MAX_MS);
    if (warning_ms < 0 || warning_ms > limit_ms)
        return gv_error_set(err, GV_EINVAL,
                            "a warning at %lld ms does not fit a limit of %lld ms: give 0 to "
                            "the limit",
                            (long long)warning_ms, (long long)limit_ms);
    return 0;
}

/* A change at at_ms to a timer that has not ended. */
static int check_change(const gv_timer *t, int64_t at_ms, gv_error *err)
{
    if (t->ended)
        return gv_error_set(err, GV_ESTATE, "the speech has ended");
    if (at_ms < t->last_at_ms)
        return gv_error_set(err, GV_EINVAL,
                            "time %lld ms comes before the timer's last change at %lld ms",
                            (long long)at_ms, (long long)t->last_at_ms);
    return 0;
}

int gv_timer_start(gv_timer *t, int64_t at_ms, int64_t limit_ms, int64_t warning_ms, gv_error *err)
{
    int rc = check_bounds(limit_ms, warning_ms, err);
    if (rc < 0)
        return rc;
    *t = (gv_timer){.started_at_ms = at_ms,
                    .last_at_ms = at_ms,
                    .limit_ms = limit_ms,
                    .warning_ms = warning_ms};
    return 0;
}

int gv_timer_pause(gv_timer *t, int64_t at_ms, gv_error *err)
{
    int rc = check_change(t, at_ms, err);
    if (rc < 0)
        return rc;
    if (t->paused)
        return gv_error_set(err, GV_ESTATE, "the speech is already paused");
    t->paused = true;
    t->paused_at_ms = at_ms;
    t->last_at_ms = at_ms;
    return 0;
}

int gv_timer_resume(gv_timer *t, int64_t at_ms, gv_error *err)
{
    int rc = check_change(t, at_ms, err);
    if (rc < 0)
        return rc;
    if (!t->paused)
        return gv_error_set(err, GV_ESTATE, "the speech is not paused");
    t->paused_ms += at_ms - t->paused_at_ms;
    t->paused = false;
    t->last_at_ms = at_ms;
    return 0;
}

int gv_timer_extend(gv_timer *t, int64_t at_ms, int64_t added_ms, gv_error *err)
{
    int rc = check_change(t, at_ms, err);
    if (rc < 0)
        return rc;
    if (added_ms <= 0 || added_ms > GV_TIMER_MAX_MS - t->limit_ms)
        return gv_error_set(err, GV_EINVAL,
                            "cannot add %lld ms to a limit of %lld ms: the limit may not "
                            "exceed %lld ms",
                            (long long)added_ms, (long long)t->limit_ms,
                            (long long)GV_TIMER_MAX_MS);
    t->limit_ms += added_ms;
    t->warning_ms += added_ms;
    t->extended_ms += added_ms;
    t->last_at_ms = at_ms;
    return 0;
}

int gv_timer_set_limit(gv_timer *t, int64_t at_ms, int64_t limit_ms, int64_t warning_ms,
                       gv_error *err)
{
    int rc;
    if ((rc = check_change(t, at_ms, err)) < 0 ||
        (rc = check_bounds(limit_ms, warning_ms, err)) < 0)
        return rc;
    t->limit_ms = limit_ms;
    t->warning_ms = warning_ms;
    t->last_at_ms = at_ms;
    return 0;
}

int gv_timer_end(gv_timer *t, int64_t at_ms, gv_error *err)
{
    int rc = check_change(t, at_ms, err);
    if (rc < 0)
        return rc;
    if (t->paused) {
        t->paused_ms += at_ms - t->paused_at_ms;
        t->paused = false;
    }
    t->ended = true;
    t->ended_at_ms = at_ms;
    t->last_at_ms = at_ms;
    return 0;
}

/* The time a reading is taken at: now, held within [last change, end]. */
static int64_t reading_at(const gv_timer *t, int64_t now_ms)
{
    if (t->ended)
        return t->ended_at_ms;
    return now_ms < t->last_at_ms ? t->last_at_ms : now_ms;
}

int64_t gv_timer_paused_total_ms(const gv_timer *t, int64_t now_ms)
{
    int64_t at = reading_at(t, now_ms);
    return t->paused_ms + (t->paused ? at - t->paused_at_ms : 0);
}

int64_t gv_timer_elapsed_ms(const gv_timer *t, int64_t now_ms)
{
    int64_t at = reading_at(t, now_ms);
    int64_t spoken = at - t->started_at_ms - gv_timer_paused_total_ms(t, now_ms);
    return spoken < 0 ? 0 : spoken;
}

int64_t gv_timer_remaining_ms(const gv_timer *t, int64_t now_ms)
{
    return t->limit_ms - gv_timer_elapsed_ms(t, now_ms);
}

int64_t gv_timer_overtime_ms(const gv_timer *t, int64_t now_ms)
{
    int64_t over = gv_timer_elapsed_ms(t, now_ms) - t->limit_ms;
    return over > 0 ? over : 0;
}

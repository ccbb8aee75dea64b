/*
 * libwebsockets' log, bounded. lws logs some refusals itself, one line each
 * (a request whose headers do not fit: "Ran out of header data space"), so a
 * client that repeats them writes the server's log at its own pace: about
 * 550 lines a second from one loopback client
 * (tests/integration/server/abuse_wait_test.c). At most GV__LOG_LINES_PER_S lines a second are
 * written; the rest are counted and reported in one line once the second is
 * over, when the next line comes.
 *
 * lws's log callback takes no argument, so the window is file state, behind
 * a mutex since lws may log from any thread that calls into it.
 */
#include "server/logging.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>

#include "server/server_internal.h"

#define GV__LOG_LINES_PER_S 10

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t window_start_us;  /** start of the current second */
static unsigned window_lines;    /** lines written in it */
static unsigned long suppressed; /** lines dropped since the last report */

void gv__lws_log(int level, const char *line)
{
    int64_t now = gv__mono_us();
    pthread_mutex_lock(&log_lock);
    if (now - window_start_us >= 1000000) {
        if (suppressed) {
            char note[160];
            snprintf(note, sizeof note,
                     "gavel: %lu more libwebsockets messages not shown (at most %d a second)\n",
                     suppressed, GV__LOG_LINES_PER_S);
            lwsl_emit_stderr(LLL_WARN, note);
            suppressed = 0;
        }
        window_start_us = now;
        window_lines = 0;
    }
    if (window_lines < GV__LOG_LINES_PER_S) {
        window_lines++;
        lwsl_emit_stderr(level, line);
    } else {
        suppressed++;
    }
    pthread_mutex_unlock(&log_lock);
}

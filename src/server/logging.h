/*
 * The server's log (logging.c): libwebsockets' lines, bounded in rate.
 */
#ifndef GV_SERVER_LOGGING_H
#define GV_SERVER_LOGGING_H

/* lws's log callback: at most a few lines a second reach stderr. */
void gv__lws_log(int level, const char *line);

#endif

/*
 * Opening a database and choosing the meeting a subcommand works on.
 */
#ifndef GV_CLI_DB_H
#define GV_CLI_DB_H

#include "store/store.h"

/*
 * Opens the database at `db` with `flags` and picks the meeting: `meeting` if
 * given (it must exist), else the only meeting in the database. On success
 * returns GV_EXIT_OK with *store (close with gv_store_close) and *meeting_id
 * (free) set. Otherwise prints why, prefixed with `cmd`, and returns the exit
 * code to end with.
 */
int gv_cli_open_meeting(const char *cmd, const char *db, unsigned flags, const char *meeting,
                        gv_store **store, char **meeting_id);

#endif

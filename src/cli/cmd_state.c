/*
 * gavel state: replays a meeting's log and prints the resulting state as JSON
 * (the same object the live server sends as its snapshot).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "store/replay.h"

static const char usage_text[] =
    "usage: gavel state --db DB [--meeting ID] [--pretty]\n"
    "Replays the meeting's log and prints its state as one JSON object (sorted keys).\n"
    "exit codes: 0 printed, 1 unknown meeting, 2 usage error, 3 database error or damaged log,\n"
    "            5 a -wal to recover on a read-only disk\n";

int gv_cli_state(int argc, char **argv)
{
    static const struct option opts[] = {
        GV_CLI_DB_OPTIONS, {"pretty", no_argument, 0, 'p'}, {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        flags = JSON_INDENT(2) | JSON_SORT_KEYS; /* --pretty */
    }
    if (optind != argc) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("state", o.db, GV_STORE_READONLY, o.meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    gv_meeting *m = NULL;
    gv_load_info info;
    int r = gv_load(s, id, &m, &info, &err);
    if (r == 0 && info.skipped[0])
        gv_cli_error("state", "note: a stored snapshot was not used (%s); the whole log was folded",
                     info.skipped);
    if (r < 0) {
        gv_cli_error("state", "%s", err.msg);
        rc = GV_EXIT_SYSTEM;
    } else {
        json_t *state = gv_meeting_to_json(m);
        if (!state || json_dumpf(state, stdout, flags) < 0) {
            gv_cli_error("state", "out of memory");
            rc = GV_EXIT_SYSTEM;
        }
        putchar('\n');
        json_decref(state);
    }
    gv_meeting_free(m);
    free(id);
    gv_store_close(s);
    return rc;
}

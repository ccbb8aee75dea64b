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
    "exit codes: 0 printed, 1 unknown meeting, 2 usage error, 3 database error or damaged log\n";

int gv_cli_state(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"meeting", required_argument, 0, 'm'},
                                         {"pretty", no_argument, 0, 'p'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *meeting = NULL;
    size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'm':
            meeting = optarg;
            break;
        case 'p':
            flags = JSON_INDENT(2) | JSON_SORT_KEYS;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return GV_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return GV_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("state", db, GV_STORE_READONLY, meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    gv_meeting *m = NULL;
    int r = gv_replay(s, id, &m, &err);
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

/*
 * gavel calendar: the meeting's agenda as an iCalendar file, one event per
 * item at its planned times in the meeting's time zone
 * (src/report/calendar.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "report/calendar.h"
#include "report/file.h"
#include "report/record.h"

static const char usage_text[] =
    "usage: gavel calendar --db DB [--meeting ID] [-o FILE.ics]\n"
    "Writes the agenda as iCalendar: the meeting's time zone (VTIMEZONE) and one event\n"
    "per agenda item at its planned start and end. Default output: standard output.\n"
    "exit codes: 0 written, 1 unknown meeting, 2 usage error,\n"
    "            3 database error, damaged log or cannot write, 4 the disk is full,\n"
    "            5 a -wal to recover on a read-only disk\n";

int gv_cli_calendar(int argc, char **argv)
{
    static const struct option opts[] = {
        GV_CLI_DB_OPTIONS, {"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    const char *output = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        output = optarg; /* -o, --output */
    }
    if (optind != argc) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("calendar", o.db, GV_STORE_READONLY, o.meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    json_t *record = NULL;
    char *ics = NULL;
    size_t len = 0;
    int r = gv_record_from_store(s, id, 0, &record, &err);
    if (r == 0)
        r = gv_calendar_from_record(record, &ics, &len, &err);
    if (r == 0) {
        if (output)
            r = gv_file_write(output, ics, len, 0644, false, &err);
        else if (fwrite(ics, 1, len, stdout) != len || fflush(stdout) != 0)
            r = gv_error_set(&err, GV_EIO, "cannot write to standard output");
    }
    if (r < 0) {
        gv_cli_error("calendar", "%s", err.msg);
        rc = r == GV_ENOTFOUND || r == GV_EINVAL ? GV_EXIT_REFUSED : gv_cli_exit_system(r);
    }
    free(ics);
    json_decref(record);
    free(id);
    gv_store_close(s);
    return rc;
}

/*
 * gavel init: creates a meeting's log in a database from its definition. The
 * log's first event carries the whole definition, so the log alone is the
 * record. A database may hold many meetings; init adds one each time.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/load.h"
#include "cli/util.h"
#include "core/meeting.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: gavel init --db DB [--at MS] [FILE.yaml|-]\n"
    "Creates the meeting defined in FILE (default: the built-in example meeting) in the\n"
    "database DB, creating DB if needed. The meeting's id comes from its definition.\n"
    "  --at MS   the time of the definition event, in ms since 1970 (default: now)\n"
    "exit codes: 0 created, 1 invalid definition or the meeting exists, 2 usage error,\n"
    "            3 database error, 4 the disk is full, 5 the database cannot be written\n";

static int create(const char *db, const json_t *def, int64_t now)
{
    gv_error err = {0};
    gv_meeting *m = gv_meeting_new();
    json_t *ev = m ? gv_meeting_define(m, def, now, &err) : NULL;
    char *bytes = ev ? gv_event_canonical(ev) : NULL;
    gv_store *s = NULL;
    int rc = GV_EXIT_OK;
    const char *id = json_string_value(json_object_get(json_object_get(def, "meeting"), "id"));
    if (!bytes) {
        gv_cli_error("init", "%s", ev ? "out of memory" : err.msg);
        rc = ev ? GV_EXIT_SYSTEM : GV_EXIT_REFUSED;
        goto out;
    }
    if (!(s = gv_store_open(db, GV_STORE_CREATE, &err))) {
        gv_cli_error("init", "%s", err.msg);
        rc = gv_cli_exit_for(err.code);
        goto out;
    }
    gv_event_in in = {.seq = 1,
                      .type = "meeting_defined",
                      .at_ms = now,
                      .bytes = (const unsigned char *)bytes,
                      .len = strlen(bytes)};
    if (gv_store_create_meeting(s, id, &in, 1, &err) < 0) {
        gv_cli_error("init", "%s", err.msg);
        rc = err.code == GV_ESTATE ? GV_EXIT_REFUSED : gv_cli_exit_for(err.code);
        goto out;
    }
    char where[512];
    gv_store_describe(db, where, sizeof where);
    printf("created meeting %s in %s\n", id, where);
out:
    gv_store_close(s);
    free(bytes);
    json_decref(ev);
    gv_meeting_free(m);
    return rc;
}

int gv_cli_init(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"at", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    long long at = gv_cli_now_ms();
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        if (gv_cli_int_option("init", "at", "milliseconds since 1970", optarg, 0, &at) < 0)
            return GV_EXIT_USAGE;
    }
    const char *db = o.db;
    if (!db || argc - optind > 1) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    json_t *def = NULL;
    int rc = gv_cli_load_definition("init", optind < argc ? argv[optind] : NULL, &def);
    if (rc == GV_EXIT_OK)
        rc = create(db, def, at);
    json_decref(def);
    return rc;
}

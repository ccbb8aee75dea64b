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
#include "store/create.h"
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
    char *id = NULL;
    gv_store *s = gv_store_open(db, GV_STORE_CREATE, &err);
    int rc = s ? gv_create_defined(s, NULL, def, now, &id, &err) : err.code;
    gv_store_close(s);
    char where[512];
    gv_store_describe(db, where, sizeof where);
    if (rc == 0)
        printf("created meeting %s in %s\n", id, where);
    else
        gv_cli_error("init", "%s%s", err.msg,
                     rc == GV_ESTATE ? ": give the new one another meeting.id, or serve it as it is"
                                     : "");
    free(id);
    return rc == 0 ? GV_EXIT_OK : gv_cli_exit_for(rc);
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

/*
 * gavel log: prints a meeting's stored events, one canonical JSON object a
 * line, exactly the bytes the hash chain covers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"

static const char usage_text[] =
    "usage: gavel log --db DB [--meeting ID] [--since SEQ] [--hash]\n"
    "Prints the meeting's events after SEQ (default: all), one JSON object a line.\n"
    "  --hash   prefix each line with the event's chain hash and a tab\n"
    "exit codes: 0 printed, 1 unknown meeting, 2 usage error, 3 database error,\n"
    "            5 a -wal to recover on a read-only disk\n";

typedef struct log_ctx {
    int with_hash;
} log_ctx;

static int print_event(void *ud, const gv_stored_event *ev)
{
    const log_ctx *ctx = ud;
    if (ctx->with_hash) {
        char hex[GV_HASH_HEX_SIZE];
        gv_hash_to_hex(ev->hash, hex);
        printf("%s\t", hex);
    }
    fwrite(ev->bytes, 1, ev->len, stdout);
    putchar('\n');
    return 0;
}

int gv_cli_log(int argc, char **argv)
{
    static const struct option opts[] = {GV_CLI_DB_OPTIONS,
                                         {"since", required_argument, 0, 's'},
                                         {"hash", no_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    long long since = 0;
    log_ctx ctx = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        if (c == 'H')
            ctx.with_hash = 1;
        else if (gv_cli_int_option("log", "since", "a sequence number", optarg, 0, &since) < 0)
            return GV_EXIT_USAGE;
    }
    if (optind != argc) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("log", o.db, GV_STORE_READONLY, o.meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    int r = gv_store_read(s, id, since, print_event, &ctx, &err);
    if (r < 0) {
        gv_cli_error("log", "%s", err.msg);
        rc = gv_cli_exit_for(r);
    }
    free(id);
    gv_store_close(s);
    return rc;
}

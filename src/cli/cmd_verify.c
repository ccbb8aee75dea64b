/*
 * gavel verify: checks a database and the logs of its meetings. For each
 * meeting, the hash chain is recomputed from the stored bytes and every event
 * is replayed into a fresh meeting, so a changed byte, a missing event or an
 * event that does not fit the state is found and named.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "core/array.h"
#include "store/replay.h"

static const char usage_text[] =
    "usage: gavel verify --db DB [--meeting ID]\n"
    "       gavel verify --record RECORD.json --sig RECORD.sig --pub KEY.pub [--db DB]\n"
    "Checks the database file, recomputes each meeting's hash chain and replays every\n"
    "event; names the first damaged event. Without --meeting, checks every meeting.\n"
    "exit codes: 0 intact, 1 a log is damaged, 2 usage error, 3 cannot read the database,\n"
    "            5 a -wal to recover on a read-only disk\n";

static int replay_check(void *ud, const gv_stored_event *ev, gv_error *err)
{
    return gv_replay_event(ud, ev, err);
}

/* Verifies one meeting; prints its verdict. Returns an exit code. */
static int verify_meeting(gv_store *s, const char *id)
{
    gv_error err;
    int64_t bad = 0, head = 0;
    unsigned char hash[GV_HASH_BYTES];
    gv_meeting *m = gv_meeting_new();
    if (!m) {
        gv_cli_error("verify", "out of memory");
        return GV_EXIT_SYSTEM;
    }
    /* A log that is not a meeting (the server's links) has a chain but no meeting to replay. */
    int rc = gv_store_verify_chain(s, id, gv_store_is_meeting_id(id) ? replay_check : NULL, m, &bad,
                                   &err);
    gv_meeting_free(m);
    if (rc == GV_ECORRUPT && bad > 0) {
        printf("%s: DAMAGED at event %lld: %s\n", id, (long long)bad, err.msg);
        return GV_EXIT_REFUSED;
    }
    if (rc < 0) {
        gv_cli_error("verify", "%s: %s", id, err.msg);
        return gv_cli_exit_for(rc);
    }
    if (gv_store_head(s, id, &head, hash, &err) < 0) {
        gv_cli_error("verify", "%s: %s", id, err.msg);
        return gv_cli_exit_for(err.code);
    }
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(hash, hex);
    printf("%s: intact, %lld events, head hash %s\n", id, (long long)head, hex);
    return GV_EXIT_OK;
}

typedef struct all_ctx {
    char **ids;
    size_t n, cap;
} all_ctx;

static int collect(void *ud, const gv_meeting_info *info)
{
    all_ctx *a = ud;
    if (GV_ARRAY_RESERVE(a->ids, a->cap, a->n + 1) < 0 || !(a->ids[a->n] = strdup(info->id)))
        return GV_ENOMEM;
    a->n++;
    return 0;
}

int gv_cli_verify(int argc, char **argv)
{
    static const struct option opts[] = {GV_CLI_DB_OPTIONS, {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    int c;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--record", 8) == 0)
            return gv_cli_verify_record(argc, argv);
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r != GV_CLI_OPT_TAKEN)
            return r == GV_CLI_OPT_OWN ? GV_EXIT_USAGE : r;
    }
    const char *db = o.db, *meeting = o.meeting;
    if (optind != argc || !db) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    gv_error err;
    gv_store *s = gv_store_open(db, GV_STORE_READONLY, &err);
    if (!s) {
        gv_cli_error("verify", "%s", err.msg);
        return err.code == GV_ECORRUPT ? GV_EXIT_REFUSED : gv_cli_exit_for(err.code);
    }
    int rc = GV_EXIT_OK;
    all_ctx all = {0};
    if (gv_store_check(s, &err) < 0) {
        char where[512];
        gv_store_describe(db, where, sizeof where);
        printf("%s: DAMAGED database: %s\n", where, err.msg);
        rc = GV_EXIT_REFUSED;
    } else if (meeting) {
        all.ids = malloc(sizeof *all.ids);
        if (all.ids && (all.ids[0] = strdup(meeting)))
            all.n = 1;
    } else if (gv_store_list_meetings(s, collect, &all, &err) != 0) {
        gv_cli_error("verify", "%s", err.msg);
        rc = GV_EXIT_SYSTEM;
    }
    for (size_t i = 0; i < all.n; i++) {
        int r = verify_meeting(s, all.ids[i]);
        if (r > rc)
            rc = r;
        free(all.ids[i]);
    }
    free(all.ids);
    gv_store_close(s);
    return rc;
}

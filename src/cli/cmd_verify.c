/*
 * gavel verify: checks a database and the logs of its meetings. For each
 * meeting, the hash chain is recomputed from the stored bytes and every event
 * is replayed into a fresh meeting, so a changed byte, a missing event or an
 * event that does not fit the state is found and named. Every stored
 * snapshot is compared, byte for byte, with the state the replay reached at
 * its seq (store/replay.h, gv_snapshot_check); one that differs is damage
 * too, though the log itself may be intact. The snapshots' bytes are read
 * through a second handle, since the replay runs inside the first one's
 * walk. Every written statement the log names (withdrawn and replaced ones
 * too) must have its file in the store, its bytes matching the SHA-256, the
 * size and the kind the event gave; files no statement names (an upload
 * whose command was then refused) are counted, not damage.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "core/array.h"
#include "core/statements.h"
#include "store/replay.h"

static const char usage_text[] =
    "usage: gavel verify --db DB [--meeting ID]\n"
    "       gavel verify --record RECORD.json --sig RECORD.sig --pub KEY.pub [--db DB]\n"
    "Checks the database file, recomputes each meeting's hash chain and replays every\n"
    "event; names the first damaged event. Without --meeting, checks every meeting.\n"
    "exit codes: 0 intact, 1 a log is damaged, 2 usage error, 3 cannot read the database,\n"
    "            5 a -wal to recover on a read-only disk\n";

/* One meeting's replay, and its snapshots to compare on the way. */
typedef struct verify_ctx {
    const char *id;
    gv_meeting *m;
    gv_store *snaps;              /** a second handle on the database */
    int64_t *seqs;                /** the seqs of the stored snapshots, ascending */
    size_t n_seqs, next;          /** next: the first not yet reached */
    const unsigned char *at_hash; /** the chain hash of the event just replayed */
    int checked, other_version;
    int64_t bad_seq; /** the first snapshot that is not the fold, 0 */
    gv_error bad;
} verify_ctx;

static int add_seq(void *ud, int64_t seq)
{
    verify_ctx *v = ud;
    int64_t *seqs = realloc(v->seqs, (v->n_seqs + 1) * sizeof *seqs);
    if (!seqs)
        return GV_ENOMEM;
    v->seqs = seqs;
    v->seqs[v->n_seqs++] = seq;
    return 0;
}

static int compare_snapshot(void *ud, const gv_stored_snapshot *snap)
{
    verify_ctx *v = ud;
    gv_error e;
    int rc = gv_snapshot_check(v->m, v->at_hash, snap, &e);
    if (rc == GV_ESTATE)
        v->other_version++;
    else if (rc == 0)
        v->checked++;
    else if (!v->bad_seq) {
        v->bad_seq = snap->seq;
        v->bad = e;
    }
    return 0;
}

static int replay_check(void *ud, const gv_stored_event *ev, gv_error *err)
{
    verify_ctx *v = ud;
    gv_error e;
    int rc = gv_replay_event(v->m, ev, err);
    if (rc < 0 || v->next >= v->n_seqs || v->seqs[v->next] != ev->seq)
        return rc;
    v->next++;
    v->at_hash = ev->hash;
    rc = gv_store_get_snapshot(v->snaps, v->id, ev->seq, compare_snapshot, v, &e);
    if (rc < 0 && !v->bad_seq) {
        v->bad_seq = ev->seq;
        v->bad = e;
    }
    return 0;
}

/* The statements' files of one meeting, checked against what the log says. */
typedef struct files_ctx {
    gv_store *st;
    const char *id;
    const gv_statement_ref *at; /** the statement being checked */
    int checked;
    json_t *named; /** hashes the log names (a set) */
    int unnamed;   /** stored files no statement names */
    gv_error bad;
    int64_t bad_statement;
} files_ctx;

static int file_matches(void *ud, const gv_stored_file *f)
{
    files_ctx *c = ud;
    if (f->size_bytes != c->at->size_bytes || strcmp(f->media_type, c->at->media_type) != 0)
        return gv_error_set(&c->bad, GV_ECORRUPT,
                            "its file is stored as %lld bytes of %s, the log says %lld bytes of "
                            "%s",
                            (long long)f->size_bytes, f->media_type, (long long)c->at->size_bytes,
                            c->at->media_type);
    return 0;
}

static int check_statement(void *ud, const gv_statement_ref *s)
{
    files_ctx *c = ud;
    unsigned char hash[GV_FILE_HASH_BYTES];
    c->at = s;
    json_object_set_new(c->named, s->hash, json_true());
    if (gv_hash_from_hex(s->hash, hash) < 0 ||
        gv_store_get_file(c->st, c->id, hash, file_matches, c, &c->bad) < 0) {
        c->bad_statement = s->id;
        return 1;
    }
    c->checked++;
    return 0;
}

static int count_unnamed(void *ud, const gv_stored_file *f)
{
    files_ctx *c = ud;
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(f->hash, hex);
    c->unnamed += json_object_get(c->named, hex) == NULL;
    return 0;
}

/* Checks the meeting's statements' files; prints a damaged one. 0 when all
 * are there and right, GV_ECORRUPT when not, another code when unreadable. */
static int verify_files(gv_store *st, const char *id, const gv_meeting *m, files_ctx *c)
{
    gv_error err;
    *c = (files_ctx){.st = st, .id = id, .named = json_object()};
    if (!c->named)
        return GV_ENOMEM;
    int rc = gv_meeting_statements_each(m, check_statement, c);
    if (rc) {
        printf("%s: DAMAGED statement %lld: %s\n", id, (long long)c->bad_statement, c->bad.msg);
        return GV_ECORRUPT;
    }
    if ((rc = gv_store_list_files(st, id, count_unnamed, c, &err)) < 0)
        gv_cli_error("verify", "%s: %s", id, err.msg);
    return rc;
}

/* Verifies one meeting; prints its verdict. Returns an exit code. */
static int verify_meeting(gv_store *s, gv_store *snaps, const char *id)
{
    gv_error err;
    int64_t bad = 0, head = 0;
    unsigned char hash[GV_HASH_BYTES];
    verify_ctx v = {.id = id, .snaps = snaps, .m = gv_meeting_new()};
    int rc, code = GV_EXIT_OK;
    if (!v.m) {
        gv_cli_error("verify", "out of memory");
        return GV_EXIT_SYSTEM;
    }
    /* A log that is not a meeting (the server's links) has a chain but no meeting to replay. */
    bool meeting = gv_store_is_meeting_id(id);
    if (meeting && (rc = gv_store_snapshot_seqs(s, id, add_seq, &v, &err)) < 0)
        goto failed;
    rc = gv_store_verify_chain(s, id, meeting ? replay_check : NULL, &v, &bad, &err);
    if (rc == GV_ECORRUPT && bad > 0) {
        printf("%s: DAMAGED at event %lld: %s\n", id, (long long)bad, err.msg);
        code = GV_EXIT_REFUSED;
        goto out;
    }
    if (rc < 0 || (rc = gv_store_head(s, id, &head, hash, &err)) < 0)
        goto failed;
    if (v.next < v.n_seqs && !v.bad_seq) {
        v.bad_seq = v.seqs[v.next];
        gv_error_set(&v.bad, GV_ECORRUPT,
                     "it is beyond the log's last event, %lld; the log was cut short or the "
                     "snapshot does not belong to it",
                     (long long)head);
    }
    if (v.bad_seq) {
        printf("%s: DAMAGED snapshot at seq %lld: %s (the log itself verifies; `gavel state` "
               "folds the whole log when the newest snapshot does not fit)\n",
               id, (long long)v.bad_seq, v.bad.msg);
        code = GV_EXIT_REFUSED;
        goto out;
    }
    files_ctx files;
    if (meeting && (rc = verify_files(snaps, id, v.m, &files)) < 0) {
        json_decref(files.named);
        code = rc == GV_ECORRUPT ? GV_EXIT_REFUSED : gv_cli_exit_for(rc);
        goto out;
    }
    char hex[GV_HASH_HEX_SIZE], snapshots[96] = "", statements[160] = "";
    gv_hash_to_hex(hash, hex);
    if (v.checked || v.other_version)
        snprintf(snapshots, sizeof snapshots, " (%d snapshot%s checked%s)", v.checked,
                 v.checked == 1 ? "" : "s",
                 v.other_version ? ", others of another format not compared" : "");
    if (meeting && (files.checked || files.unnamed))
        snprintf(statements, sizeof statements, ", the files of %d statement%s checked%s",
                 files.checked, files.checked == 1 ? "" : "s",
                 files.unnamed ? " (and stored files no statement names)" : "");
    if (meeting)
        json_decref(files.named);
    printf("%s: intact, %lld events%s%s, head hash %s\n", id, (long long)head, snapshots,
           statements, hex);
    goto out;
failed:
    gv_cli_error("verify", "%s: %s", id, err.msg);
    code = gv_cli_exit_for(rc);
out:
    gv_meeting_free(v.m);
    free(v.seqs);
    return code;
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
    gv_store *snaps = rc == GV_EXIT_OK ? gv_store_open(db, GV_STORE_READONLY, &err) : NULL;
    if (rc == GV_EXIT_OK && !snaps) {
        gv_cli_error("verify", "%s", err.msg);
        rc = gv_cli_exit_for(err.code);
    }
    for (size_t i = 0; snaps && i < all.n; i++) {
        int r = verify_meeting(s, snaps, all.ids[i]);
        if (r > rc)
            rc = r;
    }
    for (size_t i = 0; i < all.n; i++)
        free(all.ids[i]);
    free(all.ids);
    gv_store_close(snaps);
    gv_store_close(s);
    return rc;
}

/*
 * gavel apply: applies commands to a meeting as a person, stores the events
 * and prints them.
 *
 * Input is JSON lines. A line is either a command ({"type": ...}) sent by the
 * --as person at the current time, or an envelope {"as": PERSON, "at_ms": T,
 * "command": {...}} that names its sender and time (scripted replays use it).
 * Blank lines and lines starting with '#' are skipped.
 *
 * Time never runs backwards in a log. A command whose time is given (an
 * envelope's at_ms, or --at) before the meeting's last event is refused
 * like any bad line: a scripted replay out of order is a mistake to fix,
 * not something to redate quietly. A command timed by the clock when the
 * clock is behind the log (a clock set back) is dated at the last event, as
 * the server does, with a warning that says so.
 *
 * The input is one transaction: commands are decided and applied in memory in
 * order, and the events are stored together at the end. A rejected command
 * stops everything and nothing is stored, unless --keep-going, which reports
 * it and goes on with the next line.
 *
 * A written statement is attached with {"type": "attach_statement", "file":
 * PATH, ...}: the file (a path relative to the script's folder) is read,
 * identified by its bytes (store/filetype.h) and named by its SHA-256, which
 * fill the command's hash, media_type, size_bytes and, unless given,
 * file_name. The files are stored beside the log before the events that
 * name them (docs/statements.md).
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
#include "core/jsonf.h"
#include "core/statements.h"
#include "store/filetype.h"
#include "store/replay.h"

static const char usage_text[] =
    "usage: gavel apply --db DB --as PERSON [--meeting ID] [--at MS] [--keep-going]\n"
    "                   [--snapshot-every N] [COMMANDS.jsonl|-]\n"
    "Applies commands (JSON lines, one command a line) as PERSON and prints the\n"
    "resulting events as JSON lines. A line may also be an envelope\n"
    "  {\"as\": \"PERSON\", \"at_ms\": MS, \"command\": {...}}\n"
    "naming its own sender and time. Blank lines and lines starting with '#' are skipped.\n"
    "A time given (at_ms or --at) before the meeting's last event is refused.\n"
    "A statement is attached with {\"type\": \"attach_statement\", \"file\": PATH, ...}\n"
    "(PATH relative to the file of commands): gavel stores the file and names it.\n"
    "  --at MS        the time of every command, in ms since 1970 (default: now)\n"
    "  --keep-going   report a rejected command and go on (default: reject all)\n"
    "  --snapshot-every N   store a snapshot of the state when the log passes a\n"
    "                 multiple of N events (default 10000; 0 never)\n"
    "exit codes: 0 applied, 1 a command was rejected (nothing stored without --keep-going),\n"
    "            2 usage error, 3 database error, 4 the disk is full, 5 the database cannot\n"
    "            be written (nothing stored in each case)\n";

#define MAX_LINE_BYTES (64 * 1024)

typedef struct apply_opts {
    const char *as;
    long long at_ms; /** fixed time, or -1 for the clock */
    int keep_going;
    long long snapshot_every; /** events between snapshots, 0 for none */
    const char *dir;          /** the folder statements' paths are relative to */
} apply_opts;

/* The statements' files read so far, stored before the events. */
typedef struct file_list {
    struct {
        gv_doc_type type;
        unsigned char *bytes;
        size_t len;
    } * v;
    size_t n, cap;
} file_list;

static void files_release(file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++)
        free(fl->v[i].bytes);
    free(fl->v);
}

/* Reads the file at path (relative to dir) whole, at most max bytes. */
static int read_file(const char *dir, const char *path, size_t max, unsigned char **out,
                     size_t *len, gv_error *err)
{
    char full[4200];
    snprintf(full, sizeof full, "%s%s%s", path[0] == '/' ? "" : dir, path[0] == '/' ? "" : "/",
             path);
    FILE *f = fopen(full, "rb");
    if (!f)
        return gv_error_set(err, GV_ENOTFOUND, "cannot open the statement's file %.300s", full);
    unsigned char *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!b)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (bad || n > max) {
        free(b);
        return bad ? gv_error_set(err, GV_EIO, "cannot read %.300s", full)
                   : gv_error_set(err, GV_ELIMIT,
                                  "%.300s is larger than %u MiB, the most a "
                                  "statement may be",
                                  full, GV_STATEMENT_MAX_BYTES >> 20);
    }
    *out = b;
    *len = n;
    return 0;
}

/* An attach_statement naming its "file": the file read and identified, its
 * hash, kind and size put in the command instead. */
static int statement_file(json_t *cmd, const char *dir, file_list *fl, gv_error *err)
{
    const char *path = NULL;
    int rc = gv__json_string(cmd, "file", false, 4000, &path, err);
    if (rc < 0)
        return rc;
    if (!path)
        return gv_error_set(err, GV_EINVAL,
                            "attach_statement needs \"file\": the path of the statement's file "
                            "(gavel reads it, stores it and names it by its SHA-256)");
    unsigned char *bytes = NULL, hash[GV_FILE_HASH_BYTES];
    char hex[GV_HASH_HEX_SIZE];
    size_t len = 0;
    gv_doc_type type;
    if ((rc = read_file(dir, path, GV_STATEMENT_MAX_BYTES, &bytes, &len, err)) < 0)
        return rc;
    if ((rc = gv_filetype_identify(bytes, len, &type, err)) < 0 ||
        GV_ARRAY_RESERVE(fl->v, fl->cap, fl->n + 1) < 0) {
        free(bytes);
        return rc < 0 ? rc : gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    gv_file_hash(bytes, len, hash);
    gv_hash_to_hex(hash, hex);
    const char *base = strrchr(path, '/');
    if (!json_object_get(cmd, "file_name"))
        json_object_set_new(cmd, "file_name", json_string(base ? base + 1 : path));
    json_object_del(cmd, "file");
    json_object_set_new(cmd, "hash", json_string(hex));
    json_object_set_new(cmd, "media_type", json_string(gv_doc_types[type].media_type));
    json_object_set_new(cmd, "size_bytes", json_integer((json_int_t)len));
    fl->v[fl->n].type = type;
    fl->v[fl->n].bytes = bytes;
    fl->v[fl->n].len = len;
    fl->n++;
    return 0;
}

/* Checks a command's time against the meeting's last event: a given time
 * before it is refused (GV_ESTATE), a clock behind it is warned about. */
static int check_time(const gv_meeting *m, int64_t at, bool given, size_t lineno, gv_error *err)
{
    int64_t last = gv_meeting_last_at_ms(m);
    if (at >= last)
        return 0;
    if (given)
        return gv_error_set(err, GV_ESTATE,
                            "the command is dated %lld ms, %.3f s before the meeting's last event "
                            "(event %lld at %lld ms): a log's time never runs backwards; date it "
                            "at %lld or later, or put the lines in order",
                            (long long)at, (double)(last - at) / 1000.0,
                            (long long)gv_meeting_seq(m), (long long)last, (long long)last);
    fprintf(stderr,
            "gavel apply: line %zu: warning: the clock reads %lld ms, %.3f s before the "
            "meeting's last event; the command is dated %lld ms, the time of that event\n",
            lineno, (long long)at, (double)(last - at) / 1000.0, (long long)last);
    return 0;
}

/* Decides one line's command and applies its events to m, appending them to all. */
static int apply_line(gv_meeting *m, const apply_opts *o, const char *line, size_t lineno,
                      json_t *all, file_list *fl, gv_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return gv_error_set(err, GV_EINVAL, "not valid JSON: %s (column %d)", jerr.text,
                            jerr.column);
    json_t *cmd = j;
    const char *as = o->as;
    int64_t at = o->at_ms >= 0 ? o->at_ms : gv_cli_now_ms();
    bool given = o->at_ms >= 0;
    int rc = 0;
    json_t *events = NULL;
    if (json_object_get(j, "command")) {
        static const char *const env_keys[] = {"as", "at_ms", "command", NULL};
        if ((rc = gv__json_only(j, env_keys, err)) < 0 ||
            (rc = gv__json_string(j, "as", false, 128, &as, err)) < 0 ||
            (rc = gv__json_int(j, "at_ms", false, 0, INT64_MAX, &at, err)) < 0)
            goto out;
        given = given || json_object_get(j, "at_ms");
        cmd = json_object_get(j, "command");
    }
    if (!as) {
        rc = gv_error_set(err, GV_EINVAL, "no sender: give --as PERSON or \"as\" in the line");
        goto out;
    }
    const char *type = json_string_value(json_object_get(cmd, "type"));
    size_t files_before = fl->n;
    if (type && strcmp(type, "attach_statement") == 0 &&
        (rc = statement_file(cmd, o->dir, fl, err)) < 0)
        goto out;
    if ((rc = check_time(m, at, given, lineno, err)) < 0 ||
        (rc = gv_meeting_decide(m, cmd, as, at, &events, err)) < 0) {
        while (fl->n > files_before) /* the command's file goes with it */
            free(fl->v[--fl->n].bytes);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *ev = json_array_get(events, i);
        if ((rc = gv_meeting_apply(m, ev, err)) < 0)
            goto out;
        json_array_append(all, ev);
    }
out:
    json_decref(events);
    json_decref(j);
    return rc;
}

/* Stores the statements' files, then the events of `all` (after the
 * meeting's stored head), and prints the events. */
static int store_and_print(gv_store *s, const char *id, json_t *all, const file_list *fl,
                           gv_error *err)
{
    size_t n = json_array_size(all);
    unsigned char hash[GV_FILE_HASH_BYTES];
    for (size_t i = 0; n && i < fl->n; i++) {
        int rc = gv_store_put_file(s, id, gv_doc_types[fl->v[i].type].media_type, fl->v[i].bytes,
                                   fl->v[i].len, hash, err);
        if (rc < 0)
            return rc;
    }
    gv_event_in *in = calloc(n ? n : 1, sizeof *in);
    char **bytes = calloc(n ? n : 1, sizeof *bytes);
    int rc = 0;
    if (!in || !bytes) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_array_get(all, i);
        if (!(bytes[i] = gv_event_canonical(ev))) {
            rc = gv_error_set(err, GV_ENOMEM, "out of memory");
            goto out;
        }
        in[i] = (gv_event_in){.seq = json_integer_value(json_object_get(ev, "seq")),
                              .type = json_string_value(json_object_get(ev, "type")),
                              .at_ms = json_integer_value(json_object_get(ev, "at_ms")),
                              .bytes = (const unsigned char *)bytes[i],
                              .len = strlen(bytes[i])};
    }
    if ((rc = gv_store_append(s, id, in, n, err)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        puts(bytes[i]);
out:
    for (size_t i = 0; bytes && i < n; i++)
        free(bytes[i]);
    free(bytes);
    free(in);
    return rc;
}

/* Reads lines from f and applies them; returns an exit code. */
static int apply_stream(gv_store *s, const char *id, FILE *f, const apply_opts *o)
{
    gv_error err;
    gv_meeting *m = NULL;
    json_t *all = json_array();
    file_list fl = {0};
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = GV_EXIT_OK;
    if (!all || gv_load(s, id, &m, NULL, &err) < 0) {
        gv_cli_error("apply", "%s", all ? err.msg : "out of memory");
        rc = GV_EXIT_SYSTEM;
        goto out;
    }
    int64_t loaded_seq = gv_meeting_seq(m);
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        size_t skip = strspn(line, " \t");
        if (line[skip] == '\0' || line[skip] == '#')
            continue;
        int r = len > MAX_LINE_BYTES
                    ? gv_error_set(&err, GV_ELIMIT, "line is longer than %d bytes", MAX_LINE_BYTES)
                    : apply_line(m, o, line, lineno, all, &fl, &err);
        if (r < 0) {
            gv_cli_error("apply", "line %zu: %s: %s", lineno, gv_error_name(r), err.msg);
            rc = GV_EXIT_REFUSED;
            if (!o->keep_going) {
                fprintf(stderr, "gavel apply: nothing was stored\n");
                goto out;
            }
        }
    }
    if (store_and_print(s, id, all, &fl, &err) < 0) {
        gv_cli_error("apply", "%s; nothing was stored", err.msg);
        rc = gv_cli_exit_for(err.code);
    } else if (gv_snapshot_if_due(s, id, m, loaded_seq, o->snapshot_every, &err) < 0) {
        /* The events are stored; a snapshot only saves time later. */
        gv_cli_error("apply",
                     "note: the events are stored, but a snapshot of the state could "
                     "not be: %s",
                     err.msg);
    }
out:
    free(line);
    files_release(&fl);
    json_decref(all);
    gv_meeting_free(m);
    return rc;
}

int gv_cli_apply(int argc, char **argv)
{
    static const struct option opts[] = {GV_CLI_DB_OPTIONS,
                                         {"as", required_argument, 0, 'a'},
                                         {"at", required_argument, 0, 't'},
                                         {"keep-going", no_argument, 0, 'k'},
                                         {"snapshot-every", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    gv_cli_db_opts d = {0};
    apply_opts o = {.at_ms = -1, .snapshot_every = GV_SNAPSHOT_EVERY};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &d);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        if (c == 'a')
            o.as = optarg;
        else if (c == 'k')
            o.keep_going = 1;
        else if (c == 's') {
            if (gv_cli_int_option("apply", "snapshot-every", "events", optarg, 0,
                                  &o.snapshot_every) < 0)
                return GV_EXIT_USAGE;
        } else if (gv_cli_int_option("apply", "at", "milliseconds since 1970", optarg, 0,
                                     &o.at_ms) < 0)
            return GV_EXIT_USAGE;
    }
    if (argc - optind > 1) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        gv_cli_error("apply", "cannot open %s", path);
        return GV_EXIT_USAGE;
    }
    /* Statements' files are found beside the script. */
    char dir[4096] = ".";
    const char *slash = strrchr(path, '/');
    if (strcmp(path, "-") != 0 && slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    o.dir = dir;
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("apply", d.db, 0, d.meeting, &s, &id);
    if (rc == GV_EXIT_OK) {
        rc = apply_stream(s, id, f, &o);
        free(id);
        gv_store_close(s);
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

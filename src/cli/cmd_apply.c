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
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "core/jsonf.h"
#include "store/replay.h"

static const char usage_text[] =
    "usage: gavel apply --db DB --as PERSON [--meeting ID] [--at MS] [--keep-going]\n"
    "                   [--snapshot-every N] [COMMANDS.jsonl|-]\n"
    "Applies commands (JSON lines, one command a line) as PERSON and prints the\n"
    "resulting events as JSON lines. A line may also be an envelope\n"
    "  {\"as\": \"PERSON\", \"at_ms\": MS, \"command\": {...}}\n"
    "naming its own sender and time. Blank lines and lines starting with '#' are skipped.\n"
    "A time given (at_ms or --at) before the meeting's last event is refused.\n"
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
} apply_opts;

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
                      json_t *all, gv_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return gv_error_set(err, GV_EINVAL, "not valid JSON: %s (column %d)", jerr.text,
                            jerr.column);
    const json_t *cmd = j;
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
    if ((rc = check_time(m, at, given, lineno, err)) < 0 ||
        (rc = gv_meeting_decide(m, cmd, as, at, &events, err)) < 0)
        goto out;
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

/* Stores the events of `all` (after the meeting's stored head) and prints them. */
static int store_and_print(gv_store *s, const char *id, json_t *all, gv_error *err)
{
    size_t n = json_array_size(all);
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
                    : apply_line(m, o, line, lineno, all, &err);
        if (r < 0) {
            gv_cli_error("apply", "line %zu: %s: %s", lineno, gv_error_name(r), err.msg);
            rc = GV_EXIT_REFUSED;
            if (!o->keep_going) {
                fprintf(stderr, "gavel apply: nothing was stored\n");
                goto out;
            }
        }
    }
    if (store_and_print(s, id, all, &err) < 0) {
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

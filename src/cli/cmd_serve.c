/*
 * `gavel serve`: puts the meetings of a database on the network (server.h).
 *
 *   gavel serve [--db DB] [--listen ADDR:PORT] [options] [DEFINITION.yaml]
 *
 * With a definition, its meeting is created in the database unless it is
 * there already; with none, the built-in example meeting is. Every meeting in
 * the database is served, including those `gavel init` adds while the server
 * runs. On start it prints where it listens and a fresh link for each role of
 * the meeting it was given, then "ready". SIGTERM or SIGINT stops it cleanly
 * (exit 0).
 *
 * The server library does not include the report module (docs/design.md,
 * "The layers"): this command hands it the record renderer (render_record, the code of `gavel
 * report` and `gavel calendar`) and the time zone lookup of `gavel validate`.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/load.h"
#include "cli/util.h"
#include "cli/zone.h"
#include "report/calendar.h"
#include "report/record.h"
#include "report/render.h"
#include "report/statements.h"
#include "report/summary.h"
#include "report/speakers.h"
#include "server/server.h"
#include "store/create.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: gavel serve [--db DB] [--listen ADDR:PORT] [options] [DEFINITION.yaml]\n"
    "       gavel serve [--db DB] [--listen ADDR:PORT] [options] --meeting ID\n"
    "Serves the meetings of DB (default ./gavel.db) over HTTP, WebSocket and SSE\n"
    "(docs/protocol.md). DEFINITION.yaml's meeting is created in DB if it is not\n"
    "there; without one, the built-in example meeting is; with --meeting, the meeting\n"
    "ID already in DB is chosen and nothing is created. Prints a new link for each\n"
    "role of the chosen meeting. SIGTERM or Ctrl-C stops the server cleanly.\n"
    "  --listen ADDR:PORT          where to listen (default 127.0.0.1:8080; port 0: any)\n"
    "  --public-url URL            start of printed links (default http://ADDR:PORT)\n"
    "  --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key\n"
    "  --max-message-bytes N       largest command or message (default 16384)\n"
    "  --commands-per-second N     per person (all their links and connections), and\n"
    "                              per WebSocket for every message (default 10)\n"
    "  --command-burst N           how many may come at once (default 30)\n"
    "  --no-web-setup              refuse to create meetings from the secretariat's page\n"
    "  --max-streams N             WebSocket and SSE streams in all (default 20000; kept\n"
    "                              below the files the process may open)\n"
    "  --max-streams-per-addr N    WebSocket and SSE streams per address (default 1024)\n"
    "  --idle-timeout SECONDS      ping a silent WebSocket after this, close after twice\n"
    "                              (default 30)\n"
    "  --max-lag-events N          a reader this far behind is cut off (default 1024)\n"
    "  --snapshot-every N          store a snapshot of a meeting's state every N events\n"
    "                              (default 10000; 0 never)\n"
    "  --test-clock                for tests only: POST /test/clock?now_ms=T moves the\n"
    "                              server's time forward (docs/protocol.md)\n"
    "Several servers on one PostgreSQL database (docs/deployment.md):\n"
    "  --node NAME                 this server's name in /healthz and /metrics\n"
    "                              (default ADDR:PORT; letters, digits, . _ : -)\n"
    "  --nats URL                  NATS carries each event to the other servers at once\n"
    "                              (nats://HOST:PORT, several separated by commas); without\n"
    "                              it, or while it is down, they read the database twice a\n"
    "                              second\n"
    "  --nats-subject PREFIX       first tokens of the subjects (default gavel.events), for\n"
    "                              several databases on one NATS\n"
    "  --trusted-proxy ADDR[,ADDR] a proxy (nginx) whose X-Real-IP header names the client:\n"
    "                              the per-address limits count the clients, not the proxy\n"
    "exit codes: 0 stopped cleanly, 1 the definition was refused, 2 usage error,\n"
    "            3 storage or network error, 4 the disk is full, 5 the database cannot\n"
    "            be written\n";

/*
 * Makes sure the meeting of `def` is in the database; *id gets its id
 * (malloc'd). A meeting there already (GV_ESTATE, the one rule of
 * store/create.h) is served as stored.
 */
static int ensure_meeting(const char *db, const json_t *def, char **id, gv_error *err)
{
    gv_store *st = gv_store_open(db, GV_STORE_CREATE, err);
    if (!st)
        return err->code;
    int rc = gv_create_defined(st, NULL, def, gv_cli_now_ms(), id, err);
    gv_store_close(st);
    if (rc == GV_ESTATE) {
        printf("meeting %s is in %s already: serving it as stored\n", *id, db);
        rc = 0;
    }
    return rc;
}

/* Set by render_record on the job thread when it drew a PDF; read after the
 * server (and so the thread) is gone. */
static bool pdf_rendered;

/*
 * The server's render_record (server.h): the record as `gavel report
 * --format F` writes it, or the agenda as `gavel calendar` does for "ics",
 * read on a read-only connection of its own so that it never waits for the
 * server's writer, nor the writer for it.
 */
static int render_record(void *ctx, const char *db_path, const char *meeting, const char *document,
                         const char *format, char **out, size_t *len, gv_error *err)
{
    (void)ctx;
    gv_report_format fmt = GV_REPORT_JSON;
    bool ics = strcmp(format, "ics") == 0;
    bool archive = strcmp(document, "statements") == 0;
    bool summary = !archive && strcmp(document, "record") != 0;
    json_t *record = NULL, *doc = NULL;
    *out = NULL;
    if (archive ? strcmp(format, "zip") != 0 : !ics && gv_report_format_from_name(format, &fmt) < 0)
        return gv_error_set(err, GV_EINVAL, "unknown format \"%.20s\"", format);
    gv_store *st = gv_store_open(db_path, GV_STORE_READONLY, err);
    if (!st)
        return err->code;
    int rc = summary ? gv_summary_from_store(st, meeting, strcmp(document, "draft") == 0, &doc,
                                             &record, err)
                     : gv_record_from_store(st, meeting, 0, &record, err);
    if (rc == 0 && archive)
        rc = gv_statements_archive(st, record, out, len, err);
    else if (rc == 0 && summary)
        rc = gv_summary_render(doc, record, fmt, out, len, err);
    else if (rc == 0 && ics)
        rc = gv_calendar_from_record(record, out, len, err);
    else if (rc == 0)
        rc = gv_report_render(record, fmt, out, len, err);
    if (!ics && !archive && fmt == GV_REPORT_PDF)
        pdf_rendered = true;
    json_decref(doc);
    json_decref(record);
    gv_store_close(st);
    return rc;
}

/* The server's render_speakers (server.h): a list of speakers as a file. */
static int render_speakers(void *ctx, const json_t *state, const char *item, const json_t *words,
                           const char *lang, const char *format, char **out, size_t *len,
                           gv_error *err)
{
    (void)ctx;
    gv_speakers_format fmt;
    if (gv_speakers_format_from_name(format, &fmt) < 0)
        return gv_error_set(err, GV_EINVAL, "unknown format \"%.20s\"", format);
    if (fmt == GV_SPEAKERS_PDF)
        pdf_rendered = true;
    return gv_speakers_render(state, item, words, lang, fmt, out, len, err);
}

static void print_link(void *arg, const char *role, const char *url)
{
    (void)arg;
    printf("  %s: %s\n", role, url);
}

/* Parses ADDR:PORT or [IPV6]:PORT; the address part may be empty (then 127.0.0.1). */
static int parse_listen(const char *s, char *addr, size_t size, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    size_t n = (size_t)(colon - s);
    if (n >= size)
        return -1;
    memcpy(addr, s, n);
    addr[n] = '\0';
    if (n == 0)
        snprintf(addr, size, "127.0.0.1");
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') { /* [::1]:8080 */
        memmove(addr, addr + 1, n - 2);
        addr[n - 2] = '\0';
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535 || colon[1] == '\0')
        return -1;
    *port = (int)p;
    return 0;
}

/* 1 to 64 letters, digits and the characters of `extra`; for a subject
 * (dotted), no empty token. */
static bool name_ok(const char *s, const char *extra, bool dotted)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || (dotted && (s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(extra, *p)))
            return false;
    return true;
}

static int parse_count(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*v == '\0' || *end || n == 0 || n > max) {
        gv_cli_error("serve", "%s wants a whole number from 1 to %lu, not \"%s\"", opt, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

int gv_cli_serve(int argc, char **argv)
{
    enum {
        O_DB = 1,
        O_LISTEN,
        O_PUBLIC,
        O_CERT,
        O_KEY,
        O_MSG,
        O_CPS,
        O_BURST,
        O_STREAMS,
        O_NO_SETUP,
        O_PERADDR,
        O_IDLE,
        O_LAG,
        O_SNAPSHOTS,
        O_MEETING,
        O_TEST_CLOCK,
        O_NODE,
        O_NATS,
        O_NATS_SUBJECT,
        O_PROXY,
        O_HELP
    };
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"listen", required_argument, 0, O_LISTEN},
                                         {"public-url", required_argument, 0, O_PUBLIC},
                                         {"tls-cert", required_argument, 0, O_CERT},
                                         {"tls-key", required_argument, 0, O_KEY},
                                         {"max-message-bytes", required_argument, 0, O_MSG},
                                         {"commands-per-second", required_argument, 0, O_CPS},
                                         {"command-burst", required_argument, 0, O_BURST},
                                         {"max-streams", required_argument, 0, O_STREAMS},
                                         {"no-web-setup", no_argument, 0, O_NO_SETUP},
                                         {"max-streams-per-addr", required_argument, 0, O_PERADDR},
                                         {"idle-timeout", required_argument, 0, O_IDLE},
                                         {"max-lag-events", required_argument, 0, O_LAG},
                                         {"snapshot-every", required_argument, 0, O_SNAPSHOTS},
                                         {"meeting", required_argument, 0, O_MEETING},
                                         {"test-clock", no_argument, 0, O_TEST_CLOCK},
                                         {"node", required_argument, 0, O_NODE},
                                         {"nats", required_argument, 0, O_NATS},
                                         {"nats-subject", required_argument, 0, O_NATS_SUBJECT},
                                         {"trusted-proxy", required_argument, 0, O_PROXY},
                                         {"help", no_argument, 0, O_HELP},
                                         {0, 0, 0, 0}};
    gv_server_config cfg;
    gv_server_config_init(&cfg);
    cfg.render_record = render_record;
    cfg.render_speakers = render_speakers;
    cfg.zone_exists = gv_zone_exists;
    char addr[256] = "127.0.0.1";
    const char *meeting = NULL;
    unsigned long v;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DB:
            cfg.db_path = optarg;
            break;
        case O_LISTEN:
            if (parse_listen(optarg, addr, sizeof addr, &cfg.port) < 0) {
                gv_cli_error("serve", "--listen wants ADDR:PORT (e.g. 127.0.0.1:8080), not \"%s\"",
                             optarg);
                return GV_EXIT_USAGE;
            }
            break;
        case O_PUBLIC:
            cfg.public_url = optarg;
            break;
        case O_CERT:
            cfg.tls_cert = optarg;
            break;
        case O_KEY:
            cfg.tls_key = optarg;
            break;
        case O_MSG:
            if (parse_count("--max-message-bytes", optarg, 16u << 20, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.max_message_bytes = v;
            break;
        case O_CPS:
            if (parse_count("--commands-per-second", optarg, 100000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.commands_per_second = (unsigned)v;
            break;
        case O_BURST:
            if (parse_count("--command-burst", optarg, 100000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.command_burst = (unsigned)v;
            break;
        case O_NO_SETUP:
            cfg.no_web_setup = true;
            break;
        case O_TEST_CLOCK:
            cfg.test_clock = true;
            break;
        case O_STREAMS:
            if (parse_count("--max-streams", optarg, 10000000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.max_streams = (unsigned)v;
            break;
        case O_PERADDR:
            if (parse_count("--max-streams-per-addr", optarg, 1000000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.max_streams_per_addr = (unsigned)v;
            break;
        case O_IDLE:
            if (parse_count("--idle-timeout", optarg, 3600, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.idle_timeout_s = (unsigned)v;
            break;
        case O_LAG:
            if (parse_count("--max-lag-events", optarg, 1000000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.max_lag_events = (unsigned)v;
            break;
        case O_SNAPSHOTS:
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (parse_count("--snapshot-every", optarg, 100000000, &v) < 0)
                return GV_EXIT_USAGE;
            cfg.snapshot_every = (unsigned)v;
            break;
        case O_MEETING:
            meeting = optarg;
            break;
        case O_NODE:
            if (!name_ok(optarg, "._:-", false)) {
                gv_cli_error("serve",
                             "--node wants 1 to 64 letters, digits and . _ : -, not \"%.80s\"",
                             optarg);
                return GV_EXIT_USAGE;
            }
            cfg.node_name = optarg;
            break;
        case O_NATS:
            if (strncmp(optarg, "nats://", 7) != 0 && strncmp(optarg, "tls://", 6) != 0) {
                gv_cli_error("serve",
                             "--nats wants nats://HOST:PORT (several separated by "
                             "commas), not \"%.80s\"",
                             optarg);
                return GV_EXIT_USAGE;
            }
            cfg.nats_url = optarg;
            break;
        case O_NATS_SUBJECT:
            if (!name_ok(optarg, "_-.", true)) {
                gv_cli_error("serve",
                             "--nats-subject wants 1 to 64 letters, digits, _ and -, in tokens "
                             "separated by dots (gavel.events), not \"%.80s\"",
                             optarg);
                return GV_EXIT_USAGE;
            }
            cfg.nats_subject = optarg;
            break;
        case O_PROXY:
            if (strlen(optarg) > 1000 ||
                strspn(optarg, "0123456789abcdefABCDEF.:,") != strlen(optarg)) {
                gv_cli_error("serve",
                             "--trusted-proxy wants addresses separated by commas "
                             "(127.0.0.1,::1), not \"%.80s\"",
                             optarg);
                return GV_EXIT_USAGE;
            }
            cfg.trusted_proxies = optarg;
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            return GV_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return GV_EXIT_USAGE;
        }
    }
    if (argc - optind > (meeting ? 0 : 1)) {
        gv_cli_error("serve", meeting ? "--meeting and a definition do not go together"
                                      : "one definition at most");
        return GV_EXIT_USAGE;
    }
    if (!cfg.tls_cert != !cfg.tls_key) {
        gv_cli_error("serve", "--tls-cert and --tls-key go together");
        return GV_EXIT_USAGE;
    }
    cfg.listen_addr = addr;

    gv_error err;
    gv_error_clear(&err);
    char *id = NULL;
    int rc;
    if (meeting) {
        rc = (id = strdup(meeting)) ? 0 : gv_error_set(&err, GV_ENOMEM, "out of memory");
    } else {
        json_t *def = NULL;
        int exit_code = gv_cli_load_definition("serve", optind < argc ? argv[optind] : NULL, &def);
        if (exit_code != GV_EXIT_OK)
            return exit_code; /* every problem is printed */
        rc = ensure_meeting(cfg.db_path, def, &id, &err);
        json_decref(def);
    }
    if (rc < 0) {
        gv_cli_error("serve", "%s", err.msg);
        free(id);
        return gv_cli_exit_for(rc);
    }
    signal(SIGPIPE, SIG_IGN);
    gv_server *s = gv_server_new(&cfg, &err);
    if (!s) {
        gv_cli_error("serve", "%s", err.msg);
        free(id);
        return gv_cli_exit_for(err.code);
    }
    bool v6 = strchr(addr, ':') != NULL;
    char where[512];
    gv_store_describe(cfg.db_path, where, sizeof where);
    printf("gavel serve: %s listening on %s://%s%s%s:%d\n", where, cfg.tls_cert ? "https" : "http",
           v6 ? "[" : "", addr, v6 ? "]" : "", gv_server_port(s));
    unsigned fd_limit, streams = gv_server_max_streams(s, &fd_limit);
    printf("streams: at most %u at once (the process may open %u files%s)\n", streams, fd_limit,
           streams < cfg.max_streams ? "; lowered to keep a reserve" : "");
    if (cfg.test_clock)
        printf("test clock: on; POST /test/clock?now_ms=T moves this server's time (tests "
               "only)\n");
    if (strncmp(cfg.db_path, "postgres", 8) == 0 || cfg.nats_url)
        printf("node %s: the log is shared with the other servers of %s; their events come %s\n",
               gv_server_node_name(s), where,
               cfg.nats_url ? "over NATS (the database is read every 5 s for any it lost, and "
                              "twice a second while it is down)"
                            : "from the database, read twice a second (no --nats)");
    printf("meeting %s, a new link for each role:\n", id);
    if (gv_server_role_links(s, id, print_link, NULL, &err) < 0) {
        gv_cli_error("serve", "%s", err.msg);
        gv_server_free(s);
        free(id);
        return gv_cli_exit_for(err.code);
    }
    printf("ready: stop with Ctrl-C or SIGTERM\n");
    fflush(stdout);
    rc = gv_server_run(s);
    gv_server_free(s);
    if (pdf_rendered)
        gv_report_release_fonts(); /* the job thread is gone: nothing renders any more */
    free(id);
    if (rc < 0) {
        gv_cli_error("serve", "the event loop failed");
        return GV_EXIT_SYSTEM;
    }
    return GV_EXIT_OK;
}

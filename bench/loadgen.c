/*
 * gavel-loadgen: opens many WebSocket or Server-Sent Events clients against
 * Gavel's live server (or, for comparison, against nginx with the Nchan
 * module) over loopback and measures what docs/performance.md reports:
 *
 *   hold       N clients connect, a few hundred handshakes in flight at a
 *              time, spread over 127.1.x.y source addresses (bound before
 *              connect) so that neither the ephemeral port range nor the
 *              server's streams-per-address limit is reached; the server's
 *              resident memory (VmRSS) is read before and after. Against
 *              Gavel each client is a page (loadgen_page.c): it opens as
 *              the page does, keeps its state from the stream's snapshot
 *              and patches, makes the page's requests, and reconnects;
 *   broadcast  the chair (Gavel) or the publisher (Nchan) sends one command
 *              at a time; for each, the time from the send to the moment the
 *              last of the N clients has the resulting event, and each
 *              client's own delay; after --warmup events counted in nothing;
 *   catch-up   some clients, as pages whose state is some events old,
 *              reconnect from it (?since= over WebSocket, Last-Event-ID
 *              over SSE, asking for resume=state as pages do: the server
 *              may send the view's snapshot instead of the events) and are
 *              timed until their state is the newest;
 *   commands   M clients, each acting as its own person, send durable
 *              commands (check_in, leave, check_in, ...): first as fast as
 *              acknowledgements come back (a window of W in flight each),
 *              then at a fixed rate (half the maximum unless --rate says),
 *              every acknowledgement timed from the moment its command was
 *              due, so that a stalled server cannot hide its stalls;
 *   follow     (--follow SEQ, instead of all the above) the clients open
 *              and follow the meeting until their state reaches SEQ, and the
 *              run reports what they received and asked for: the figures a
 *              test sets beside a real page's.
 *
 * Processes: the controller holds the chair's or publisher's connection and
 * the commanders; the N clients are shared among worker processes forked
 * once the meeting is set up (one worker unless a process's descriptor limit
 * is too small for its share). Every process runs one epoll loop over
 * non-blocking sockets. Workers write the moment each client reached the
 * awaited event into an array shared with the controller (CLOCK_MONOTONIC
 * is one clock for every process) and talk to it over a SOCK_SEQPACKET
 * pair: WAIT seq -> WAITING; then GOT once every client has the event or the
 * deadline passed. The command is sent only after every worker is WAITING,
 * so no arrival goes unrecorded.
 *
 * This is a test peer, not product code: the WebSocket side is the minimum
 * a client needs (masked text frames, ping answered with pong, close), the
 * HTTP side reads a status, Content-Length or chunked bodies. Every wait has
 * a deadline and the whole run an alarm (--max-seconds), so it always ends.
 */
#define _GNU_SOURCE
#include "loadgen.h"

/* ---- output ------------------------------------------------------------- */

static const char *proto_name(int p)
{
    return p == P_WS ? "ws" : p == P_SSE ? "sse" : "http";
}

static void print_dist_json(FILE *f, const char *name, const dist *d, bool comma)
{
    fprintf(f,
            "\"%s\":{\"n\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}%s",
            name, d->n, d->p50, d->p99, d->max, d->mean, comma ? "," : "");
}

static void print_json(const lg *g, const results *r)
{
    const options *o = &g->o;
    FILE *f = stdout;
    double per_conn =
        r->held ? (double)(r->rss_held - r->rss_before) * 1024.0 / (double)r->held : 0;
    double tcp_per = r->held && r->slab_before >= 0
                         ? (double)(r->slab_held - r->slab_before) * 1024.0 / (double)r->held
                         : 0;
    fprintf(f,
            "{\"label\":\"%s\",\"target\":\"%s\",\"transport\":\"%s\",\"clients\":%d,\"procs\":%d,",
            o->label ? o->label : "", o->target == T_GAVEL ? "gavel" : "nchan",
            proto_name(o->proto), o->clients, g->procs);
    fprintf(f,
            "\"hold\":{\"held\":%ld,\"failed\":%ld,\"pending\":%ld,\"ramp_s\":%.3f,\"rss_before_"
            "kib\":%ld,"
            "\"rss_held_kib\":%ld,\"rss_per_conn_bytes\":%.0f,\"kernel_slab_per_conn_bytes\":%.0f,"
            "\"lost\":%ld,\"resyncs\":%ld,\"gaps\":%ld},",
            r->held, r->failed, r->pending, r->ramp_s, r->rss_before, r->rss_held, per_conn,
            tcp_per, r->lost, r->resyncs, r->gaps);
    fprintf(f,
            "\"readers\":{\"requests\":%ld,\"bytes\":%ld,\"snapshots\":%ld,\"fetched\":%ld,"
            "\"patches\":%ld,\"yous\":%ld,\"reopened\":%ld},",
            r->requests, r->bytes, r->snapshots, r->fetched, r->patches, r->yous, r->reopened);
    fprintf(f,
            "\"broadcast\":{\"events\":%d,\"missed_events\":%d,\"missed_deliveries\":%ld,"
            "\"server_cpu_ms_per_event\":%.3f,\"generator_cpu_ms_per_event\":%.3f,"
            "\"other_processes_cores\":%.2f,\"bytes_per_event_per_reader\":%.1f,",
            r->events, r->missed_events, r->missed_deliveries, r->cpu_ms_per_event,
            r->gen_cpu_ms_per_event, r->others_cores, r->bytes_per_event);
    print_dist_json(f, "last", &r->last, true);
    print_dist_json(f, "each", &r->each, true);
    print_dist_json(f, "first", &r->first, true);
    fprintf(f, "\"warmup\":%d,\"per_event\":[", o->warmup);
    for (int i = 0; i < r->events; i++) {
        const double *ev = &r->per_event[(size_t)i * EVENT_FIGURES];
        fputs(i ? ",[" : "[", f);
        for (int k = 0; k < EVENT_FIGURES; k++) {
            if (k)
                fputc(',', f);
            if (isnan(ev[k]))
                fputs("null", f);
            else
                fprintf(f, "%.3f", ev[k]);
        }
        fputc(']', f);
    }
    fprintf(f, "]},\"catchup\":{\"clients\":%d,\"caught\":%ld,\"behind\":%d,", r->catch_want,
            r->catch_done, o->catchup_behind);
    print_dist_json(f, "time", &r->catchup, false);
    fprintf(f,
            "},\"commands\":{\"commanders\":%d,\"transport\":\"%s\",\"window\":%d,"
            "\"max_per_s\":%.1f,",
            r->commanders, proto_name(o->cmd_proto), cmd_window(g), r->max_rate);
    print_dist_json(f, "max_ack", &r->max_lat, true);
    fprintf(f, "\"rate_per_s\":%.1f,\"rate_sent_per_s\":%.1f,", r->rate, r->rate_sent);
    print_dist_json(f, "rate_ack", &r->rate_lat, true);
    fprintf(f, "\"acks\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"committed\":%lld}}\n", r->cmd_acks,
            r->cmd_errors, (long long)r->committed);
}

static void print_table(const lg *g, const results *r)
{
    const options *o = &g->o;
    printf("\n%s, %s, %d clients (%d worker process%s, %d clients per source address)\n",
           o->target == T_GAVEL ? "Gavel" : "nginx + Nchan", o->proto == P_WS ? "WebSocket" : "SSE",
           o->clients, g->procs, g->procs > 1 ? "es" : "", o->per_addr);
    printf("  %-26s %ld of %d held, %ld failed, %ld unanswered, ramp %.2f s\n", "connections",
           r->held, o->clients, r->failed, r->pending, r->ramp_s);
    if (o->n_pids) {
        double per = r->held ? (double)(r->rss_held - r->rss_before) * 1024.0 / (double)r->held : 0;
        printf("  %-26s RSS %.1f MiB -> %.1f MiB: %.0f bytes per connection", "server memory",
               (double)r->rss_before / 1024, (double)r->rss_held / 1024, per);
        if (r->slab_before >= 0 && r->held)
            printf(" (kernel slab, both ends: %.0f bytes per connection)",
                   (double)(r->slab_held - r->slab_before) * 1024.0 / (double)r->held);
        printf("\n");
    }
    if (r->events) {
        printf("  %-26s last client: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", "broadcast latency",
               r->last.p50, r->last.p99, r->last.max);
        printf("  %-26s each client: p50 %.2f ms, p99 %.2f ms (%zu deliveries)\n", "", r->each.p50,
               r->each.p99, r->each.n);
        printf("  %-26s first client: p50 %.2f ms, p99 %.2f ms\n", "", r->first.p50, r->first.p99);
        printf("  %-26s %d events after %d of warm-up, %d incomplete (%ld deliveries missing); "
               "%.0f bytes per event and reader",
               "", r->events, o->warmup, r->missed_events, r->missed_deliveries,
               r->bytes_per_event);
        if (o->n_pids)
            printf("; CPU per event: server %.2f ms, clients %.2f ms", r->cpu_ms_per_event,
                   r->gen_cpu_ms_per_event);
        printf("\n  %-26s other processes kept %.2f of the machine's cores busy meanwhile%s\n", "",
               r->others_cores, r->others_cores > 0.2 ? ": these figures are noisy" : "");
    }
    printf("  %-26s %ld requests, %ld bytes received, %ld snapshots on the stream, %ld fetched, "
           "%ld patches, %ld \"you\", %ld reconnections\n",
           "readers, all together", r->requests, r->bytes, r->snapshots, r->fetched, r->patches,
           r->yous, r->reopened);
    if (r->lost || r->resyncs || r->gaps)
        printf("  %-26s %ld connections lost, %ld told to resync, %ld events missing\n", "trouble",
               r->lost, r->resyncs, r->gaps);
    if (r->catch_want)
        printf(
            "  %-26s %ld of %d clients %d events behind: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            "catch-up", r->catch_done, r->catch_want, o->catchup_behind, r->catchup.p50,
            r->catchup.p99, r->catchup.max);
    if (r->commanders) {
        printf("  %-26s %d %s clients, window %d: %.0f commands/s; ack p50 %.2f ms, p99 %.2f ms, "
               "max %.2f ms\n",
               "commands, flat out", r->commanders, o->cmd_proto == P_WS ? "WebSocket" : "HTTP",
               cmd_window(g), r->max_rate, r->max_lat.p50, r->max_lat.p99, r->max_lat.max);
        printf("  %-26s %.0f/s asked, %.0f/s sent: ack p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               "commands, fixed rate", r->rate, r->rate_sent, r->rate_lat.p50, r->rate_lat.p99,
               r->rate_lat.max);
        printf("  %-26s %" PRIu64 " acknowledged, %" PRIu64 " refused, %lld events committed\n", "",
               r->cmd_acks, r->cmd_errors, (long long)r->committed);
    }
}

/* --check: what a correct server gives whatever its speed. */
static int check(const options *o, const results *r)
{
    int bad = 0;
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "gavel-loadgen: check failed: " __VA_ARGS__);                          \
            fputc('\n', stderr);                                                                   \
            bad = 1;                                                                               \
        }                                                                                          \
    } while (0)
    EXPECT(r->held == o->clients && r->failed == 0 && r->pending == 0,
           "%ld of %d clients held, %ld failed, %ld unanswered", r->held, o->clients, r->failed,
           r->pending);
    EXPECT(r->lost == 0 && r->resyncs == 0, "%ld connections lost, %ld cut off", r->lost,
           r->resyncs);
    EXPECT(r->gaps == 0, "%ld events missing from clients' sequences", r->gaps);
    EXPECT(r->fetched == 0, "%ld snapshots fetched: a page was out of step", r->fetched);
    EXPECT(r->missed_events == 0, "%d of %d events did not reach every client", r->missed_events,
           r->events);
    EXPECT(r->catch_done == r->catch_want, "%ld of %d clients caught up", r->catch_done,
           r->catch_want);
    EXPECT(r->cmd_errors == 0, "%" PRIu64 " commands refused", r->cmd_errors);
    EXPECT((int64_t)r->cmd_acks == r->committed, "%" PRIu64 " commands acknowledged, %lld events",
           r->cmd_acks, (long long)r->committed);
#undef EXPECT
    return bad;
}

/* ---- main --------------------------------------------------------------- */

static const char usage_text[] =
    "usage: gavel-loadgen --port PORT [options]\n"
    "  --target gavel|nchan       what is measured (default gavel)\n"
    "  --transport ws|sse         the clients' transport (default ws)\n"
    "  --clients N                clients to hold (default 1000)\n"
    "  --procs N                  worker processes (default: as the descriptor limit needs)\n"
    "  --per-addr N               clients per 127.1.x.y source address (default 200)\n"
    "  --ramp-window N            handshakes in flight at once (default 256)\n"
    "  --ramp-timeout S           give up ramping after S seconds (default 120)\n"
    "  --events N                 events broadcast one after the other (default 100)\n"
    "  --gap-ms MS                pause between events (default 20)\n"
    "  --warmup N                 N events before those counted, counted in nothing, not\n"
    "                             even as missed (default 0)\n"
    "  --event-timeout-ms MS      an event not everywhere by then is incomplete (default 10000)\n"
    "  --catchup N --behind E     N clients reconnect E events behind (default 100, 50)\n"
    "  --commanders M             clients sending commands (default 16; 0: none)\n"
    "  --cmd-transport ws|http    how they send them (default ws)\n"
    "  --window W                 commands in flight per WebSocket commander (default 8)\n"
    "  --cmd-seconds S            flat-out phase (default 3); --rate-seconds S (default 3)\n"
    "  --rate R                   fixed-rate phase, commands/s (default: half the flat-out rate)\n"
    "  --follow SEQ               only open the clients and follow until each has SEQ\n"
    "Gavel: --meeting ID --viewer-token T --chair-token T --participant-token T\n"
    "       --person-fmt FMT (commander i acts as FMT % (i+1), default p%03d)\n"
    "       --viewer-as FMT --viewer-people N (reader i acts as FMT % (i % N + 1),\n"
    "       with a role link as --viewer-token; default N 300)\n"
    "Nchan: --sub-path PATH --pub-path PATH (default /sub, /pub); each message is what a\n"
    "       Gavel page receives for the event Gavel's run sends\n"
    "  --server-pid PID[,PID...]  processes whose memory and CPU are read from /proc\n"
    "  --reader-ports P[,P...]    readers (and their pages' requests) spread over these ports,\n"
    "                             reader i on the (i mod N)-th: several servers of one log;\n"
    "                             commands still go to --port\n"
    "  --label TEXT --json --max-seconds S (default 600: the run ends by then)\n"
    "  --check                    exit 1 unless every client was held and got every event in\n"
    "                             order, and every acknowledged command is a stored event\n";

static int int_arg(const char *name, const char *v, int min, int max)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < min || n > max)
        die("%s wants a whole number from %d to %d, not \"%s\"", name, min, max, v);
    return (int)n;
}

static void parse_options(options *o, int argc, char **argv)
{
    enum {
        O_TARGET = 1,
        O_TRANSPORT,
        O_PORT,
        O_CLIENTS,
        O_PROCS,
        O_PER_ADDR,
        O_RAMP_WINDOW,
        O_RAMP_TIMEOUT,
        O_EVENTS,
        O_WARMUP,
        O_GAP,
        O_EVENT_TIMEOUT,
        O_CATCHUP,
        O_BEHIND,
        O_COMMANDERS,
        O_CMD_TRANSPORT,
        O_WINDOW,
        O_CMD_SECONDS,
        O_RATE_SECONDS,
        O_RATE,
        O_FOLLOW,
        O_VIEWER_AS,
        O_VIEWER_PEOPLE,
        O_MEETING,
        O_VIEWER,
        O_CHAIR,
        O_PARTICIPANT,
        O_PERSON_FMT,
        O_SUB,
        O_PUB,
        O_PID,
        O_READER_PORTS,
        O_LABEL,
        O_JSON,
        O_CHECK,
        O_MAX_SECONDS,
        O_HELP
    };
    static const struct option opts[] = {
        {"target", required_argument, 0, O_TARGET},
        {"transport", required_argument, 0, O_TRANSPORT},
        {"port", required_argument, 0, O_PORT},
        {"clients", required_argument, 0, O_CLIENTS},
        {"procs", required_argument, 0, O_PROCS},
        {"per-addr", required_argument, 0, O_PER_ADDR},
        {"ramp-window", required_argument, 0, O_RAMP_WINDOW},
        {"ramp-timeout", required_argument, 0, O_RAMP_TIMEOUT},
        {"events", required_argument, 0, O_EVENTS},
        {"gap-ms", required_argument, 0, O_GAP},
        {"warmup", required_argument, 0, O_WARMUP},
        {"event-timeout-ms", required_argument, 0, O_EVENT_TIMEOUT},
        {"catchup", required_argument, 0, O_CATCHUP},
        {"behind", required_argument, 0, O_BEHIND},
        {"commanders", required_argument, 0, O_COMMANDERS},
        {"cmd-transport", required_argument, 0, O_CMD_TRANSPORT},
        {"window", required_argument, 0, O_WINDOW},
        {"cmd-seconds", required_argument, 0, O_CMD_SECONDS},
        {"rate-seconds", required_argument, 0, O_RATE_SECONDS},
        {"rate", required_argument, 0, O_RATE},
        {"follow", required_argument, 0, O_FOLLOW},
        {"viewer-as", required_argument, 0, O_VIEWER_AS},
        {"viewer-people", required_argument, 0, O_VIEWER_PEOPLE},
        {"meeting", required_argument, 0, O_MEETING},
        {"viewer-token", required_argument, 0, O_VIEWER},
        {"chair-token", required_argument, 0, O_CHAIR},
        {"participant-token", required_argument, 0, O_PARTICIPANT},
        {"person-fmt", required_argument, 0, O_PERSON_FMT},
        {"sub-path", required_argument, 0, O_SUB},
        {"pub-path", required_argument, 0, O_PUB},
        {"server-pid", required_argument, 0, O_PID},
        {"reader-ports", required_argument, 0, O_READER_PORTS},
        {"label", required_argument, 0, O_LABEL},
        {"json", no_argument, 0, O_JSON},
        {"check", no_argument, 0, O_CHECK},
        {"max-seconds", required_argument, 0, O_MAX_SECONDS},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    *o = (options){
        .target = T_GAVEL,
        .proto = P_WS,
        .cmd_proto = P_WS,
        .person_fmt = "p%03d",
        .sub_path = "/sub",
        .pub_path = "/pub",
        .clients = 1000,
        .per_addr = 200,
        .ramp_window = 256,
        .ramp_timeout_s = 120,
        .events = 100,
        .gap_ms = 20,
        .event_timeout_ms = 10000,
        .catchup = 100,
        .catchup_behind = 50,
        .commanders = 16,
        .window = 8,
        .cmd_seconds = 3,
        .rate_seconds = 3,
        .viewer_people = 300,
        .max_seconds = 600,
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TARGET:
            if (strcmp(optarg, "gavel") && strcmp(optarg, "nchan"))
                die("--target is gavel or nchan");
            o->target = strcmp(optarg, "gavel") ? T_NCHAN : T_GAVEL;
            break;
        case O_TRANSPORT:
            if (strcmp(optarg, "ws") && strcmp(optarg, "sse"))
                die("--transport is ws or sse");
            o->proto = strcmp(optarg, "ws") ? P_SSE : P_WS;
            break;
        case O_CMD_TRANSPORT:
            if (strcmp(optarg, "ws") && strcmp(optarg, "http"))
                die("--cmd-transport is ws or http");
            o->cmd_proto = strcmp(optarg, "ws") ? P_HTTP : P_WS;
            break;
        case O_PORT:
            o->port = int_arg("--port", optarg, 1, 65535);
            break;
        case O_CLIENTS:
            o->clients = int_arg("--clients", optarg, 1, 1000000);
            break;
        case O_PROCS:
            o->procs = int_arg("--procs", optarg, 1, 64);
            break;
        case O_PER_ADDR:
            o->per_addr = int_arg("--per-addr", optarg, 1, 60000);
            break;
        case O_RAMP_WINDOW:
            o->ramp_window = int_arg("--ramp-window", optarg, 1, 100000);
            break;
        case O_RAMP_TIMEOUT:
            o->ramp_timeout_s = int_arg("--ramp-timeout", optarg, 1, 3600);
            break;
        case O_EVENTS:
            o->events = int_arg("--events", optarg, 0, 1000000);
            break;
        case O_WARMUP:
            o->warmup = int_arg("--warmup", optarg, 0, 1000000);
            break;
        case O_GAP:
            o->gap_ms = int_arg("--gap-ms", optarg, 0, 60000);
            break;
        case O_EVENT_TIMEOUT:
            o->event_timeout_ms = int_arg("--event-timeout-ms", optarg, 1, 600000);
            break;
        case O_CATCHUP:
            o->catchup = int_arg("--catchup", optarg, 0, 1000000);
            break;
        case O_BEHIND:
            o->catchup_behind = int_arg("--behind", optarg, 1, 10000000);
            break;
        case O_COMMANDERS:
            o->commanders = int_arg("--commanders", optarg, 0, 5000);
            break;
        case O_WINDOW:
            o->window = int_arg("--window", optarg, 1, WINDOW_MAX);
            break;
        case O_CMD_SECONDS:
            o->cmd_seconds = int_arg("--cmd-seconds", optarg, 1, 600);
            break;
        case O_RATE_SECONDS:
            o->rate_seconds = int_arg("--rate-seconds", optarg, 1, 600);
            break;
        case O_RATE:
            o->rate = strtod(optarg, NULL);
            if (!(o->rate > 0 && o->rate < 1e7))
                die("--rate wants commands per second, more than 0");
            break;
        case O_FOLLOW:
            o->follow = int_arg("--follow", optarg, 1, INT32_MAX);
            break;
        case O_VIEWER_AS:
            o->viewer_as = optarg;
            break;
        case O_VIEWER_PEOPLE:
            o->viewer_people = int_arg("--viewer-people", optarg, 1, 1000000);
            break;
        case O_MEETING:
            o->meeting = optarg;
            break;
        case O_VIEWER:
            o->viewer_token = optarg;
            break;
        case O_CHAIR:
            o->chair_token = optarg;
            break;
        case O_PARTICIPANT:
            o->participant_token = optarg;
            break;
        case O_PERSON_FMT:
            o->person_fmt = optarg;
            break;
        case O_SUB:
            o->sub_path = optarg;
            break;
        case O_PUB:
            o->pub_path = optarg;
            break;
        case O_PID:
            for (char *p = optarg; *p && o->n_pids < 16;) {
                o->pids[o->n_pids++] = (pid_t)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
                else if (*p)
                    die("--server-pid wants PID[,PID...]");
            }
            break;
        case O_READER_PORTS:
            for (char *p = optarg; *p && o->n_reader_ports < 16;) {
                long port = strtol(p, &p, 10);
                if (port < 1 || port > 65535 || (*p && *p != ','))
                    die("--reader-ports wants PORT[,PORT...]");
                o->reader_ports[o->n_reader_ports++] = (int)port;
                p += *p == ',';
            }
            break;
        case O_LABEL:
            o->label = optarg;
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_CHECK:
            o->check = true;
            break;
        case O_MAX_SECONDS:
            o->max_seconds = int_arg("--max-seconds", optarg, 1, 86400);
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            exit(0);
        default:
            fputs(usage_text, stderr);
            exit(2);
        }
    }
    if (optind < argc || !o->port) {
        fputs(usage_text, stderr);
        exit(2);
    }
    if (o->follow) {
        if (o->target != T_GAVEL || !o->meeting || !o->viewer_token)
            die("--follow follows a Gavel meeting: it needs --meeting and --viewer-token");
        o->events = o->catchup = o->commanders = 0;
    } else if (o->target == T_GAVEL && (!o->meeting || !o->viewer_token || !o->chair_token ||
                                        (o->commanders && !o->participant_token))) {
        die("Gavel needs --meeting, --viewer-token, --chair-token and, with commanders, "
            "--participant-token");
    }
    if (!o->events)
        o->warmup = 0; /* a warm-up leads to counted events: without them, none is sent */
    if (o->target == T_NCHAN)
        o->commanders = o->catchup = 0; /* Nchan stores nothing: only the broadcast compares */
}

int main(int argc, char **argv)
{
    lg *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    parse_options(&g->o, argc, argv);
    const options *o = &g->o;
    signal(SIGPIPE, SIG_IGN);
    /* Every process of the run ends by then, whatever it waits for. */
    alarm((unsigned)o->max_seconds);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    /* A page's second connection (its fetches) is short-lived: room for one
     * per handshake in flight. */
    long per_proc = (long)rl.rlim_cur - 64 - o->ramp_window;
    g->procs = o->procs ? o->procs : (int)((o->clients + per_proc - 1) / per_proc);
    if ((long)o->clients / g->procs + 1 > per_proc)
        die("%d clients in %d processes: more than the %ld descriptors a process may open",
            o->clients, g->procs, per_proc);

    snprintf(g->host, sizeof g->host, "127.0.0.1:%d", o->port);
    g->rbuf = xmalloc(READ_BUF);
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->chair.fd = g->pub.fd = -1;
    size_t shared_bytes =
        (size_t)g->procs * sizeof(wstat) + 2 * (size_t)o->clients * sizeof(int64_t);
    char *shm = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    g->stats = (wstat *)shm;
    g->recv_us = (int64_t *)(shm + (size_t)g->procs * sizeof(wstat));
    g->catch_us = g->recv_us + o->clients;

    if (o->follow) {
        /* Nothing to set up: the meeting moves by someone else's commands. */
    } else if (o->target == T_GAVEL) {
        setup_gavel(g);
    } else {
        open_control(g, &g->pub, R_PUB, P_HTTP, 0, INADDR_LOOPBACK, -1);
        wait_open(g, &g->pub);
    }
    fprintf(stderr, "gavel-loadgen: %s, %s, %d clients on 127.0.0.1:%d, %d worker process%s\n",
            o->target == T_GAVEL ? "Gavel" : "Nchan", o->proto == P_WS ? "WebSocket" : "SSE",
            o->clients, o->port, g->procs, g->procs > 1 ? "es" : "");
    fork_workers(g);

    results r = {0};
    phase_hold(g, &r);
    if (o->follow)
        phase_follow(g, &r);
    if (o->events)
        fprintf(stderr, "  broadcasting %d events (after %d of warm-up)\n", o->events, o->warmup);
    phase_broadcast(g, &r);
    if (o->target == T_GAVEL && o->catchup)
        fprintf(stderr, "  catch-up: %d clients\n", o->catchup);
    phase_catchup(g, &r);
    r.lost = STAT(g, lost);
    r.resyncs = STAT(g, resyncs);
    r.gaps = STAT(g, gaps);
    r.snapshots = STAT(g, snapshots);
    r.fetched = STAT(g, fetched);
    r.requests = STAT(g, requests);
    r.bytes = STAT(g, bytes);
    r.patches = STAT(g, patches);
    r.yous = STAT(g, yous);
    r.reopened = STAT(g, reopened);
    broadcast_all(g, W_QUIT, 0, 0, 0, 0);
    for (int w = 0; w < g->procs; w++) {
        waitpid(g->kids[w], NULL, 0);
        epoll_ctl(g->ep, EPOLL_CTL_DEL, g->links[w].fd, NULL);
        close(g->links[w].fd);
    }
    if (o->target == T_GAVEL && o->commanders)
        fprintf(stderr, "  commands: %d clients\n", o->commanders);
    phase_commands(g, &r);
    if (o->json)
        print_json(g, &r);
    else
        print_table(g, &r);
    int status = o->check ? check(o, &r) : 0;
    free(r.per_event);
    return status;
}

/*
 * gavel-loadgen's controller: the chair's or the publisher's connection, the
 * commanders, and the phases of a run in order (hold, broadcast, catch-up,
 * commands), with the server's memory and CPU time read from /proc.
 */
#define _GNU_SOURCE
#include "loadgen.h"

void controller_link(lg *g, conn *l)
{
    wmsg m;
    ssize_t n = recv(l->fd, &m, sizeof m, 0);
    if (n == 0)
        die("worker %d ended early (see above)", l->slot);
    if (n != (ssize_t)sizeof m)
        return;
    switch (m.kind) {
    case W_READY:
        g->ready++;
        break;
    case W_WAITING:
        g->waiting++;
        break;
    case W_GOT:
        g->got++;
        g->got_count += m.count;
        break;
    case W_CAUGHT:
        g->caught++;
        g->caught_count += m.count;
        break;
    default:
        break;
    }
}

/* Runs the loop until *flag reaches want or the deadline passes: true if reached. */
bool wait_for(lg *g, const int *flag, int want, int64_t deadline)
{
    while (*flag < want) {
        int64_t left = deadline - now_us();
        if (left <= 0)
            return false;
        loop_once(g, left < 100000 ? left : 100000);
    }
    return true;
}

void pause_ms(lg *g, int ms)
{
    int64_t end = now_us() + (int64_t)ms * 1000;
    for (int64_t left; (left = end - now_us()) > 0;)
        loop_once(g, left);
}

void broadcast_all(lg *g, int kind, int count, int64_t seq, int64_t head, int64_t deadline)
{
    for (int w = 0; w < g->procs; w++)
        link_send(g->links[w].fd, kind, count, seq, head, deadline);
}

long sum_stat(lg *g, size_t offset)
{
    long s = 0;
    for (int w = 0; w < g->procs; w++)
        s += atomic_load((_Atomic long *)((char *)&g->stats[w] + offset));
    return s;
}

/* Server figures from /proc: resident memory (KiB) and CPU time (ms), summed over pids. */
long proc_rss_kib(const options *o)
{
    long total = 0;
    for (int i = 0; i < o->n_pids; i++) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", (int)o->pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmRSS:", 6) == 0)
                total += strtol(line + 6, NULL, 10);
        fclose(f);
    }
    return total;
}

double proc_cpu_ms(const pid_t *pids, int n_pids)
{
    double total = 0;
    long hz = sysconf(_SC_CLK_TCK);
    for (int i = 0; i < n_pids; i++) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
        unsigned long ut = 0, stt = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
            total += (double)(ut + stt) * 1000.0 / (double)hz;
    }
    return total;
}

/* CPU time (ms) the whole machine spent busy since boot, from /proc/stat:
 * with the server's and the generator's own, it tells how much other
 * processes took during a phase, that is, how noisy the figures are. */
static double machine_busy_ms(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8)
        return 0;
    /* user nice system [idle iowait] irq softirq steal */
    unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return (double)busy * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* The kernel's slab memory (KiB, /proc/meminfo): sockets, their buffers and
 * file structures live there. On loopback it counts both ends of each
 * connection, and anything else the machine did meanwhile. */
long slab_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Slab:", 5) == 0)
            kib = strtol(line + 5, NULL, 10);
    fclose(f);
    return kib;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

dist summarize(sample_set *s)
{
    dist d = {.n = s->n};
    if (!s->n)
        return d;
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    d.p50 = s->v[(size_t)ceil(0.50 * (double)s->n) - 1];
    d.p99 = s->v[(size_t)ceil(0.99 * (double)s->n) - 1];
    d.max = s->v[s->n - 1];
    d.mean = sum / (double)s->n;
    return d;
}

/* Opens a controller connection (chair, publisher, commander) and waits until it is open. */
void open_control(lg *g, conn *c, int role, int proto, int slot, uint32_t src, int64_t since)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->role = (uint8_t)role;
    c->proto = (uint8_t)proto;
    c->slot = slot;
    c->since = since;
    if (conn_start(g, c, src) < 0)
        die("cannot connect to 127.0.0.1:%d: %s", g->o.port, strerror(errno));
}

void wait_open(lg *g, conn *c)
{
    int64_t deadline = now_us() + 10000000;
    while (c->state != S_OPEN) {
        if (now_us() > deadline)
            die("no answer from the server on 127.0.0.1:%d", g->o.port);
        loop_once(g, 100000);
    }
}

/* Sends a command as the chair; waits for its answer. Returns true if acknowledged. */
bool chair_command(lg *g, const char *json)
{
    int before = g->chair_answers, errors = g->chair_errors;
    ws_send(g, &g->chair, 1, json, strlen(json));
    if (!wait_for(g, &g->chair_answers, before + 1, now_us() + 10000000))
        die("the chair's command %s got no answer", json);
    return g->chair_errors == errors;
}

/* Gavel only: the chair opens the meeting and starts the discussion (refusals
 * are fine: a reused database is already there), and the head is known. */
void setup_gavel(lg *g)
{
    open_control(g, &g->chair, R_CHAIR, P_WS, 0, INADDR_LOOPBACK, -1);
    wait_open(g, &g->chair);
    /* The hello and the snapshot tell the head. */
    int64_t deadline = now_us() + 10000000;
    while (g->head == 0 && now_us() < deadline)
        loop_once(g, 100000);
    chair_command(g, "{\"type\":\"open_meeting\",\"id\":\"setup-1\"}");
    chair_command(g, "{\"type\":\"start_item\",\"item\":\"discussion\",\"id\":\"setup-2\"}");
    /* gq1 is current from here on (refused if it was already): the events
     * then alternate gq2, gq1, ..., each one a change. */
    chair_command(g, "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\","
                     "\"id\":\"setup-3\"}");
}

void phase_hold(lg *g, results *r)
{
    r->rss_before = proc_rss_kib(&g->o);
    r->slab_before = slab_kib();
    int64_t t0 = now_us(), deadline = t0 + (int64_t)g->o.ramp_timeout_s * 1000000;
    int64_t last_print = 0;
    r->started_us = t0;
    while (g->ready < g->procs && now_us() < deadline) {
        loop_once(g, 100000);
        if (now_us() - last_print > 250000 || g->ready == g->procs) {
            last_print = now_us();
            fprintf(stderr, "\r  ramping: %ld of %d held, %ld failed, %.1f s   ", STAT(g, held),
                    g->o.clients, STAT(g, failed), (double)(now_us() - t0) / 1e6);
        }
    }
    r->ramp_s = (double)(now_us() - t0) / 1e6;
    fprintf(stderr, "\n");
    pause_ms(g, 500); /* let the server finish writing hellos */
    r->held = STAT(g, held);
    r->failed = STAT(g, failed);
    /* Handshakes still unanswered when the ramp timed out (a server out of descriptors
     * leaves them in its listen backlog): neither held nor refused. */
    r->pending = g->o.clients - STAT(g, done);
    r->rss_held = proc_rss_kib(&g->o);
    r->slab_held = slab_kib();
    if (r->failed) {
        for (int w = 0; w < g->procs; w++)
            if (g->stats[w].first_error[0]) {
                fprintf(stderr, "  first refusal: %s\n", g->stats[w].first_error);
                break;
            }
    }
}

/* Sends event k: the chair sets a guiding question, or the publisher posts. */
static void send_event(lg *g, int k, int64_t seq)
{
    char body[2048];
    if (g->o.target == T_GAVEL) {
        snprintf(body, sizeof body,
                 "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq%d\",\"id\":%d}",
                 2 - (k & 1), k);
        ws_send(g, &g->chair, 1, body, strlen(body));
        return;
    }
    /* What a page of Gavel's receives for this event, numbered the same way:
     * the event and the state's patch, so that both servers carry messages
     * of the same size that compress alike. */
    long long t = 1700000000000LL + seq * 1000;
    int q = 1 + (k & 1);
    int n =
        snprintf(body, sizeof body,
                 "{\"type\":\"event\",\"patch\":{\"base\":%lld,\"ops\":["
                 "{\"op\":\"replace\",\"path\":\"/seq\",\"value\":%lld},"
                 "{\"op\":\"replace\",\"path\":\"/last_at_ms\",\"value\":%lld},"
                 "{\"op\":\"replace\",\"path\":\"/current_guiding_question\",\"value\":\"gq%d\"},"
                 "{\"op\":\"replace\",\"path\":\"/floor/as_of_ms\",\"value\":%lld}]},"
                 "\"event\":{\"at_ms\":%lld,\"by\":\"chair\",\"guiding_question\":\"gq%d\","
                 "\"seq\":%lld,\"type\":\"guiding_question_set\"}}",
                 (long long)seq - 1, (long long)seq, t, q, t, t, q, (long long)seq);
    char req[2400];
    int rl = snprintf(req, sizeof req,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n%s",
                      g->o.pub_path, g->host, n, body);
    g->pub_answered = false;
    conn_send(g, &g->pub, req, (size_t)rl);
}

/* One event: sent once every worker is waiting for it, then waited for until
 * every client has it or the deadline passes (arrival times in recv_us).
 * Returns when it was sent. */
static int64_t event_round(lg *g, int k, int64_t seq)
{
    for (int i = 0; i < g->o.clients; i++)
        g->recv_us[i] = 0;
    g->waiting = g->got = 0;
    g->got_count = 0;
    int64_t deadline = now_us() + (int64_t)g->o.event_timeout_ms * 1000;
    broadcast_all(g, W_WAIT, 0, seq, 0, deadline);
    if (!wait_for(g, &g->waiting, g->procs, now_us() + 10000000))
        die("the workers did not answer");
    int answers = g->chair_answers, errors = g->chair_errors;
    int64_t t0 = now_us();
    send_event(g, k, seq);
    /* Wait for every worker, or for the chair's refusal. */
    while (g->got < g->procs) {
        loop_once(g, 100000);
        if (g->o.target == T_GAVEL && g->chair_errors > errors)
            die("the chair's command was refused: %s", g->chair_error);
    }
    if (g->o.target == T_GAVEL)
        wait_for(g, &g->chair_answers, answers + 1, now_us() + 10000000);
    else
        while (!g->pub_answered)
            loop_once(g, 100000);
    if (g->o.target == T_GAVEL && g->head != seq)
        die("the chair's event has seq %lld, not %lld: is someone else using the meeting?",
            (long long)g->head, (long long)seq);
    return t0;
}

/* Counts event e's arrivals (it was sent at t0) into the run's figures, and
 * keeps its own (per_event; those of an event some client missed are NAN but
 * when it was sent and its first client). */
static void count_round(lg *g, results *r, int e, int64_t t0, sample_set *each)
{
    size_t from = each->n;
    for (int i = 0; i < g->o.clients; i++)
        if (g->recv_us[i] > 0)
            sample_add(each, (double)(g->recv_us[i] - t0) / 1000.0);
    /* This event's arrivals: the samples just added, which summarize sorts in
     * place (each's order matters to nothing: it is summarized whole). Taken
     * after the adds, which may move each's samples. */
    sample_set one = {.n = each->n - from};
    if (one.n)
        one.v = each->v + from;
    dist d = summarize(&one);
    double *ev = &r->per_event[(size_t)e * EVENT_FIGURES];
    ev[EV_AT_S] = (double)(t0 - r->started_us) / 1e6;
    ev[EV_FIRST_MS] = one.n ? one.v[0] : NAN;
    ev[EV_LAST_MS] = ev[EV_MEDIAN_MS] = NAN;
    long live = STAT(g, held);
    if ((long)one.n < live) {
        r->missed_events++;
        r->missed_deliveries += live - (long)one.n;
    } else if (one.n) {
        ev[EV_LAST_MS] = d.max;
        ev[EV_MEDIAN_MS] = d.p50;
    }
}

/* Figure col of the events every client got (those with a last client),
 * summarized. */
static dist complete_events(const results *r, int col)
{
    sample_set s = {0};
    for (int e = 0; e < r->events; e++) {
        const double *ev = &r->per_event[(size_t)e * EVENT_FIGURES];
        if (!isnan(ev[EV_LAST_MS]))
            sample_add(&s, ev[col]);
    }
    dist d = summarize(&s);
    free(s.v);
    return d;
}

/* The warm-up's events first, counted in nothing, not even as missed
 * (docs/performance.md, "Warmed up, each on its own core", says why); then
 * the events counted, with the server's and the generator's CPU time over
 * them. */
void phase_broadcast(lg *g, results *r)
{
    sample_set each = {0};
    int64_t seq = g->o.target == T_GAVEL ? g->head : 0;
    int k = 0;
    for (; k < g->o.warmup; k++) {
        event_round(g, k, ++seq);
        pause_ms(g, g->o.gap_ms);
    }
    r->per_event = xmalloc((size_t)g->o.events * EVENT_FIGURES * sizeof *r->per_event);
    double cpu0 = proc_cpu_ms(g->o.pids, g->o.n_pids), own0 = proc_cpu_ms(g->kids, g->procs);
    long bytes0 = STAT(g, bytes);
    pid_t self = getpid();
    double me0 = proc_cpu_ms(&self, 1), busy0 = machine_busy_ms();
    int64_t wall0 = now_us();
    for (int e = 0; e < g->o.events; e++, k++) {
        int64_t t0 = event_round(g, k, ++seq);
        count_round(g, r, e, t0, &each);
        pause_ms(g, g->o.gap_ms);
    }
    double cpu1 = proc_cpu_ms(g->o.pids, g->o.n_pids), own1 = proc_cpu_ms(g->kids, g->procs);
    long held = STAT(g, held);
    r->bytes_per_event =
        g->o.events && held ? (double)(STAT(g, bytes) - bytes0) / (double)g->o.events / (double)held
                            : 0;
    double me1 = proc_cpu_ms(&self, 1), busy1 = machine_busy_ms();
    double wall_ms = (double)(now_us() - wall0) / 1000.0;
    double others = (busy1 - busy0) - (cpu1 - cpu0) - (own1 - own0) - (me1 - me0);
    r->others_cores = wall_ms > 0 && others > 0 ? others / wall_ms : 0;
    r->events = g->o.events;
    r->cpu_ms_per_event = g->o.events ? (cpu1 - cpu0) / g->o.events : 0;
    r->gen_cpu_ms_per_event = g->o.events ? (own1 - own0) / g->o.events : 0;
    r->last = complete_events(r, EV_LAST_MS);
    r->each = summarize(&each);
    r->first = complete_events(r, EV_FIRST_MS);
    free(each.v);
}

void phase_catchup(lg *g, results *r)
{
    if (g->o.target != T_GAVEL || g->o.catchup <= 0)
        return;
    int64_t head = g->head;
    int64_t since = head - g->o.catchup_behind;
    if (since < 1)
        since = 1;
    g->caught = 0;
    g->caught_count = 0;
    for (int i = 0; i < g->o.clients; i++)
        g->catch_us[i] = 0;
    int64_t deadline = now_us() + 30000000;
    for (int w = 0; w < g->procs; w++) {
        int share = g->o.catchup / g->procs + (w < g->o.catchup % g->procs);
        link_send(g->links[w].fd, W_CATCHUP, share, since, head, deadline);
    }
    wait_for(g, &g->caught, g->procs, deadline + 1000000);
    sample_set s = {0};
    for (int i = 0; i < g->o.clients; i++)
        if (g->catch_us[i] > 0)
            sample_add(&s, (double)g->catch_us[i] / 1000.0);
    r->catch_want = g->o.catchup;
    r->catch_done = g->caught_count;
    r->catchup = summarize(&s);
    free(s.v);
}

static void commander_send(lg *g, conn *c, int64_t due)
{
    char person[64], body[200], req[800];
    snprintf(person, sizeof person, g->o.person_fmt, c->slot + 1);
    int n = snprintf(body, sizeof body, "{\"type\":\"%s\",\"id\":%u}",
                     c->sent % 2 ? "leave" : "check_in", c->sent);
    c->due[c->sent % WINDOW_MAX] = due;
    c->sent++;
    if (c->proto == P_WS) {
        ws_send(g, c, 1, body, (size_t)n);
        return;
    }
    int rl = snprintf(req, sizeof req,
                      "POST /api/v1/meetings/%s/commands?as=%s HTTP/1.1\r\nHost: %s\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n%s",
                      g->o.meeting, person, g->host, g->o.participant_token, n, body);
    conn_send(g, c, req, (size_t)rl);
}

int cmd_window(const lg *g)
{
    return g->o.cmd_proto == P_HTTP ? 1 : g->o.window;
}

static bool commanders_idle(const lg *g)
{
    for (int i = 0; i < g->n_cmds; i++)
        if (g->cmds[i].answered != g->cmds[i].sent)
            return false;
    return true;
}

static void drain_commands(lg *g)
{
    int64_t deadline = now_us() + 30000000;
    while (!commanders_idle(g) && now_us() < deadline)
        loop_once(g, 100000);
}

void phase_commands(lg *g, results *r)
{
    const options *o = &g->o;
    if (o->target != T_GAVEL || o->commanders <= 0)
        return;
    int m = o->commanders, win = cmd_window(g);
    /* The chair would be one more reader of every event, and would be cut off
     * once it fell max_lag_events behind: it has done its part. */
    conn_close(g, &g->chair);
    g->n_cmds = m;
    g->cmds = calloc((size_t)m, sizeof *g->cmds);
    for (int i = 0; i < m; i++) {
        conn *c = &g->cmds[i];
        open_control(g, c, R_CMD, o->cmd_proto, i, source_addr(2, i / o->per_addr),
                     o->cmd_proto == P_WS ? g->head : -1);
        c->due = xmalloc(WINDOW_MAX * sizeof *c->due);
    }
    for (int i = 0; i < m; i++)
        wait_open(g, &g->cmds[i]);
    pause_ms(g, 200);
    int64_t seq0 = g->head;
    g->max_acked = seq0;
    r->commanders = m;

    /* As fast as answers come back: a window of `win` in flight each. */
    g->cmd_lat.n = 0;
    g->acks = g->cmd_errors = 0;
    int64_t t0 = now_us(), stop = t0 + (int64_t)o->cmd_seconds * 1000000;
    for (int i = 0; i < m; i++)
        for (int k = 0; k < win; k++)
            commander_send(g, &g->cmds[i], now_us());
    while (now_us() < stop) {
        loop_once(g, 1000);
        int64_t t = now_us();
        for (int i = 0; i < m && t < stop; i++)
            while ((int)(g->cmds[i].sent - g->cmds[i].answered) < win)
                commander_send(g, &g->cmds[i], t);
    }
    drain_commands(g);
    double secs = (double)(now_us() - t0) / 1e6;
    r->max_rate = (double)g->acks / secs;
    r->max_seconds = secs;
    r->max_lat = summarize(&g->cmd_lat);
    uint64_t acks = g->acks, errors = g->cmd_errors;

    /* At a fixed rate, timed from when each command was due. */
    double rate = o->rate > 0 ? o->rate : r->max_rate / 2;
    g->cmd_lat.n = 0;
    g->acks = 0;
    int64_t period_ns = (int64_t)(1e9 / rate);
    int64_t start = now_us(), end = start + (int64_t)o->rate_seconds * 1000000;
    uint64_t next = 0, rr = 0;
    for (;;) {
        int64_t t = now_us();
        if (t >= end)
            break;
        for (;;) {
            int64_t due = start + (int64_t)(next * (uint64_t)period_ns / 1000);
            if (due > t || due >= end)
                break;
            int tried = 0;
            while (tried < m && (int)(g->cmds[rr % (uint64_t)m].sent -
                                      g->cmds[rr % (uint64_t)m].answered) >= win) {
                rr++;
                tried++;
            }
            if (tried == m)
                break; /* every window full: the command waits, its due time kept */
            commander_send(g, &g->cmds[rr % (uint64_t)m], due);
            rr++;
            next++;
        }
        int64_t due = start + (int64_t)(next * (uint64_t)period_ns / 1000);
        int64_t wait = due - now_us();
        loop_once(g, wait < 0 ? 0 : wait > 1000 ? 1000 : wait);
    }
    drain_commands(g);
    r->rate = rate;
    r->rate_sent = (double)next / ((double)(end - start) / 1e6);
    r->rate_lat = summarize(&g->cmd_lat);
    free(g->cmd_lat.v);
    g->cmd_lat = (sample_set){0};
    r->cmd_acks = acks + g->acks;
    r->cmd_errors = errors + g->cmd_errors;
    /* Each acknowledged command is one event: the acknowledgements' last seq
     * tells how many the log gained, to compare with their count. */
    r->committed = g->max_acked - seq0;
    for (int i = 0; i < m; i++) {
        conn_close(g, &g->cmds[i]);
        free(g->cmds[i].due);
    }
    free(g->cmds);
    g->cmds = NULL;
    g->n_cmds = 0;
}

void phase_follow(lg *g, results *r)
{
    /* A test starts moving the meeting once it reads this line. */
    fprintf(stderr, "  following: until every reader's state is at seq %lld\n",
            (long long)g->o.follow);
    g->waiting = g->got = 0;
    g->got_count = 0;
    int64_t deadline = now_us() + (int64_t)g->o.max_seconds * 1000000;
    broadcast_all(g, W_WAIT, 0, g->o.follow, 0, deadline);
    if (!wait_for(g, &g->waiting, g->procs, now_us() + 10000000))
        die("the workers did not answer");
    wait_for(g, &g->got, g->procs, deadline + 1000000);
    long live = STAT(g, held);
    if (g->got_count < live) {
        r->missed_events = 1;
        r->missed_deliveries = live - g->got_count;
    }
}

/*
 * gavel-replay: how long it takes to fold a long meeting log into its state,
 * and to produce the outcome record from it.
 *
 * The log is made the way the server makes one: commands go through the
 * core's gv_meeting_decide and gv_meeting_apply, and the events they give are
 * appended to an SQLite store (in transactions of 10,000, so that making a
 * million takes seconds, not hours of fsyncs). The meeting is the CSTD
 * example with 300 more participants, and the commands are a mix a long,
 * busy meeting produces: attendance, floor requests and speeches with
 * pauses and extensions, audience questions and votes, notes, guiding
 * questions, agenda items. A command the core refuses (a second check-in,
 * a vote on a question not yet approved) is dropped, as it would be live,
 * and the mix moves on; so the log holds only events a real meeting could.
 *
 * As the log is made, a snapshot of the state is stored every
 * --snapshot-every events (default 10,000, as the server and `gavel apply`
 * do).
 *
 * Then, each timed (best of --runs):
 *   read      the store's rows, nothing else (SQLite)
 *   parse     + each event's JSON (jansson)
 *   fold      + gv_meeting_apply: the state, as the server loads a room
 *   load      gv_load: the newest snapshot and the events after it
 *   snapshot  gv_meeting_snapshot and its canonical bytes: taking one
 *   replay    gv_replay: the same with the checks `gavel state` makes
 *             (canonical bytes, stored seq, type and time)
 *   apply     gv_meeting_apply alone over events parsed beforehand: the core
 *   record    gv_record_from_store: fold, hash chain and the outcome record
 *   build     gv_record_build alone, from the folded state
 *   render    the record as Markdown, HTML, JSON and CSV (and PDF with --pdf)
 * The folded state must equal the state the log was made with, byte for
 * byte, or the run fails.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/definition.h"
#include "core/meeting.h"
#include "core/snapshot.h"
#include "report/record.h"
#include "report/render.h"
#include "store/replay.h"
#include "store/store.h"

#define MEETING      "replay-panel"
#define FLUSH_EVENTS 10000
#define PARTICIPANTS 300

/* Wall-clock time, or with --cpu the process's CPU time: on a machine shared
 * with other work, CPU time is what the step itself costs. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gavel-replay: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- making the log ----------------------------------------------------- */

typedef struct gen {
    gv_meeting *m;
    gv_store *st;
    int64_t now_ms;
    uint64_t rng;
    json_t *pending; /** events decided and applied, not yet stored */
    int64_t snapshot_every;
    int64_t *questions;
    size_t n_questions, cap_questions;
    long commands, refused;
} gen;

static uint64_t rnd(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static unsigned pick(gen *g, unsigned n)
{
    return (unsigned)(rnd(g) % n);
}

static void flush(gen *g)
{
    size_t n = json_array_size(g->pending);
    if (!n)
        return;
    gv_event_in *in = calloc(n, sizeof *in);
    char **bytes = calloc(n, sizeof *bytes);
    if (!in || !bytes)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        const json_t *ev = json_array_get(g->pending, i);
        if (!(bytes[i] = gv_event_canonical(ev)))
            die("out of memory");
        in[i] = (gv_event_in){
            .seq = json_integer_value(json_object_get(ev, "seq")),
            .type = json_string_value(json_object_get(ev, "type")),
            .at_ms = json_integer_value(json_object_get(ev, "at_ms")),
            .bytes = (const unsigned char *)bytes[i],
            .len = strlen(bytes[i]),
        };
    }
    gv_error err = {0};
    int rc = in[0].seq == 1 ? gv_store_create_meeting(g->st, MEETING, in, n, &err)
                            : gv_store_append(g->st, MEETING, in, n, &err);
    if (rc < 0)
        die("storing events: %s", err.msg);
    /* g->m has applied exactly the events just stored. */
    if (gv_snapshot_if_due(g->st, MEETING, g->m, in[0].seq - 1, g->snapshot_every, &err) < 0)
        die("storing a snapshot: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        free(bytes[i]);
    free(bytes);
    free(in);
    json_array_clear(g->pending);
}

/* Decides cmd as actor; applies and queues its events. Returns the number of
 * events, 0 when the core refused the command. */
static size_t run(gen *g, const char *actor, json_t *cmd)
{
    json_t *events = NULL;
    gv_error err = {0};
    g->commands++;
    g->now_ms += 20 + pick(g, 300);
    int rc = gv_meeting_decide(g->m, cmd, actor, g->now_ms, &events, &err);
    json_decref(cmd);
    if (rc < 0) {
        g->refused++;
        return 0;
    }
    size_t i, n = json_array_size(events);
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if (gv_meeting_apply(g->m, ev, &err) < 0)
            die("an event the core decided does not apply: %s", err.msg);
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (strcmp(type, "question_asked") == 0) {
            if (g->n_questions == g->cap_questions) {
                g->cap_questions = g->cap_questions ? 2 * g->cap_questions : 1024;
                g->questions = realloc(g->questions, g->cap_questions * sizeof *g->questions);
                if (!g->questions)
                    die("out of memory");
            }
            g->questions[g->n_questions++] = json_integer_value(json_object_get(ev, "question"));
        }
        json_array_append(g->pending, ev);
    }
    json_decref(events);
    if (json_array_size(g->pending) >= FLUSH_EVENTS)
        flush(g);
    return n;
}

static const char *participant(gen *g, char *buf, size_t size)
{
    snprintf(buf, size, "p%03u", 1 + pick(g, PARTICIPANTS));
    return buf;
}

static int64_t some_question(gen *g)
{
    return g->n_questions ? g->questions[pick(g, (unsigned)g->n_questions)] : 1;
}

/* One step of a long meeting: a command chosen by weight. */
static size_t step(gen *g)
{
    static const char *const items[] = {"opening", "report", "panel", "discussion", "closing"};
    static const char *const gqs[] = {"gq1", "gq2", "gq3", "gq4", "gq5"};
    char who[16];
    unsigned w = pick(g, 1000);
    if (w < 250) {
        static const char *const t[] = {"check_in", "join", "leave"};
        return run(g, participant(g, who, sizeof who), json_pack("{s:s}", "type", t[pick(g, 3)]));
    }
    if (w < 400)
        return run(g, participant(g, who, sizeof who),
                   json_pack("{s:s, s:I}", "type", pick(g, 4) ? "upvote" : "unvote", "question",
                             (json_int_t)some_question(g)));
    if (w < 480)
        return run(
            g, participant(g, who, sizeof who),
            json_pack("{s:s, s:s}", "type", "request_floor", "guiding_question", gqs[pick(g, 5)]));
    if (w < 500)
        return run(g, participant(g, who, sizeof who), json_pack("{s:s}", "type", "withdraw"));
    if (w < 570)
        return run(g, "chair", json_pack("{s:s}", "type", "next_speaker"));
    if (w < 640)
        return run(g, "chair", json_pack("{s:s}", "type", "end_speech"));
    if (w < 700)
        return run(g, "chair",
                   json_pack("{s:s}", "type", pick(g, 2) ? "pause_speech" : "resume_speech"));
    if (w < 730)
        return run(g, "chair", json_pack("{s:s, s:i}", "type", "extend_speech", "added_ms", 30000));
    if (w < 790)
        return run(g, participant(g, who, sizeof who),
                   json_pack("{s:s, s:s, s:s}", "type", "ask_question", "text",
                             "How can countries with weak connectivity take part on equal terms, "
                             "and what should the Commission do about it?",
                             "guiding_question", gqs[pick(g, 5)]));
    if (w < 840)
        return run(g, "moderator",
                   json_pack("{s:s, s:I}", "type", "approve_question", "question",
                             (json_int_t)some_question(g)));
    if (w < 860)
        return run(g, "moderator",
                   json_pack("{s:s, s:I}", "type", "mark_answered", "question",
                             (json_int_t)some_question(g)));
    if (w < 900)
        return run(g, "rapporteur",
                   json_pack("{s:s, s:s, s:s}", "type", "add_note", "text",
                             "Several delegations stressed capacity building and affordable "
                             "access; one asked for regional data.",
                             "guiding_question", gqs[pick(g, 5)]));
    if (w < 960)
        return run(g, "chair",
                   json_pack("{s:s, s:s}", "type", "set_guiding_question", "guiding_question",
                             gqs[pick(g, 5)]));
    if (w < 963)
        return run(g, "chair",
                   json_pack("{s:s, s:s}", "type", "start_item", "item", items[pick(g, 5)]));
    return run(g, "secretariat",
               json_pack("{s:s, s:s}", "type", pick(g, 2) ? "check_in" : "join", "person",
                         participant(g, who, sizeof who)));
}

/* The definition: the example file plus PARTICIPANTS generated people. */
static json_t *definition(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s: give the example definition with --definition", path);
    char *buf = malloc(1 << 20);
    size_t len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf)
        die("out of memory");
    gv_diag_list diags;
    gv_diag_list_init(&diags);
    gv_error err = {0};
    json_t *def = NULL;
    if (gv_definition_from_yaml(buf, len, path, NULL, NULL, &def, &diags, &err) < 0)
        die("%s: %s", path, diags.n ? diags.items[0].text : err.msg);
    gv_diag_list_release(&diags);
    free(buf);
    static const char *const groups[] = {"member_state",   "observer_state", "intergovernmental",
                                         "private_sector", "civil_society",  "technical_academic"};
    json_t *people = json_object_get(def, "people");
    for (int i = 1; i <= PARTICIPANTS; i++) {
        char id[16], name[32];
        snprintf(id, sizeof id, "p%03d", i);
        snprintf(name, sizeof name, "Participant %d", i);
        json_array_append_new(people, json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "id", id, "name",
                                                name, "group", groups[i % 6], "mode",
                                                i % 2 ? "online" : "room", "roles", "participant"));
    }
    json_object_set_new(json_object_get(def, "meeting"), "id", json_string(MEETING));
    return def;
}

static void make_log(gen *g, const char *def_path, long events)
{
    gv_error err = {0};
    json_t *def = definition(def_path);
    g->now_ms = 1648729800000; /* 31 March 2022, 14:30 in Geneva */
    json_t *ev = gv_meeting_define(g->m, def, g->now_ms, &err);
    if (!ev)
        die("the definition: %s", err.msg);
    if (gv_meeting_apply(g->m, ev, &err) < 0)
        die("the definition event: %s", err.msg);
    json_array_append_new(g->pending, ev);
    json_decref(def);
    run(g, "chair", json_pack("{s:s}", "type", "open_meeting"));
    run(g, "chair", json_pack("{s:s, s:s}", "type", "start_item", "item", "discussion"));
    long made = (long)gv_meeting_seq(g->m), last_print = 0;
    while (made < events) {
        made += (long)step(g);
        if (made - last_print >= 100000) {
            last_print = made;
            fprintf(stderr, "\r  making the log: %ld events", made);
        }
        if (g->commands > 50 * events)
            die("the mix got stuck at %ld events", made);
    }
    flush(g);
    fprintf(stderr, "\r  making the log: %ld events from %ld commands (%ld refused)\n", made,
            g->commands, g->refused);
}

/* ---- timing ------------------------------------------------------------- */

typedef struct fold_ctx {
    int mode; /** 0 read, 1 parse, 2 fold */
    gv_meeting *m;
    json_t **keep; /** when set, parsed events are kept here */
    long n;
    gv_error *err;
} fold_ctx;

static int on_event(void *ud, const gv_stored_event *ev)
{
    fold_ctx *f = ud;
    f->n++;
    if (f->mode == 0)
        return 0;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, &jerr);
    if (!j)
        die("event %lld is not JSON: %s", (long long)ev->seq, jerr.text);
    int rc = f->mode == 2 ? gv_meeting_apply(f->m, j, f->err) : 0;
    if (f->keep)
        f->keep[f->n - 1] = j;
    else
        json_decref(j);
    return rc;
}

static char *state_text(const gv_meeting *m)
{
    json_t *j = gv_meeting_to_json(m);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!s)
        die("out of memory");
    return s;
}

typedef struct timing {
    const char *name;
    double best, total;
    int runs;
} timing;

static void note(timing *t, double secs)
{
    if (!t->runs || secs < t->best)
        t->best = secs;
    t->total += secs;
    t->runs++;
}

int main(int argc, char **argv)
{
    long events = 1000000, snapshot_every = GV_SNAPSHOT_EVERY;
    int runs = 3;
    bool pdf = false, json_out = false, apply_only = true;
    const char *db = NULL, *def_path = "examples/cstd-2022-high-level-panel.yaml";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            events = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "--definition") == 0 && i + 1 < argc)
            def_path = argv[++i];
        else if (strcmp(argv[i], "--pdf") == 0)
            pdf = true;
        else if (strcmp(argv[i], "--no-apply-only") == 0)
            apply_only = false;
        else if (strcmp(argv[i], "--json") == 0)
            json_out = true;
        else if (strcmp(argv[i], "--cpu") == 0)
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        else if (strcmp(argv[i], "--snapshot-every") == 0 && i + 1 < argc)
            snapshot_every = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr,
                    "usage: gavel-replay [--events N] [--runs R] [--db FILE] [--definition YAML]\n"
                    "                    [--pdf] [--no-apply-only] [--json] [--snapshot-every N] "
                    "[--cpu]\n"
                    "Makes a log of N events (default 1000000) in FILE (default: a temporary\n"
                    "file, removed at the end) and times folding it and making its record.\n");
            return 2;
        }
    }
    if (events < 10 || events > 100000000 || runs < 1 || runs > 100)
        die("--events from 10 to 100000000, --runs from 1 to 100");
    char tmp[64] = "";
    if (!db) {
        snprintf(tmp, sizeof tmp, "/tmp/gavel-replay-XXXXXX");
        int fd = mkstemp(tmp);
        if (fd < 0)
            die("cannot make a temporary file");
        close(fd);
        unlink(tmp);
        db = tmp;
    }
    gv_error err = {0};
    gv_store *st = gv_store_open(db, GV_STORE_CREATE, &err);
    if (!st)
        die("%s: %s", db, err.msg);
    int64_t head = 0;
    char *expect = NULL;
    double make_s = 0;
    long commands = 0, refused = 0;
    if (gv_store_head(st, MEETING, &head, NULL, &err) == 0) {
        fprintf(stderr, "  %s already holds %lld events: timing those\n", db, (long long)head);
        gv_meeting *m = NULL;
        if (gv_replay(st, MEETING, &m, &err) < 0)
            die("%s", err.msg);
        expect = state_text(m);
        gv_meeting_free(m);
    } else {
        gen g = {.m = gv_meeting_new(),
                 .st = st,
                 .rng = 88172645463325252ull,
                 .pending = json_array(),
                 .snapshot_every = snapshot_every};
        double t0 = now_s();
        make_log(&g, def_path, events);
        make_s = now_s() - t0;
        expect = state_text(g.m);
        head = gv_meeting_seq(g.m);
        commands = g.commands;
        refused = g.refused;
        gv_meeting_free(g.m);
        json_decref(g.pending);
        free(g.questions);
    }

    timing t[] = {{"read"},        {"parse"},       {"fold"},       {"load"},      {"snapshot"},
                  {"replay"},      {"apply"},       {"record"},     {"build"},     {"render md"},
                  {"render html"}, {"render json"}, {"render csv"}, {"render pdf"}};
    enum {
        T_READ,
        T_PARSE,
        T_FOLD,
        T_LOAD,
        T_SNAPSHOT,
        T_REPLAY,
        T_APPLY,
        T_RECORD,
        T_BUILD,
        T_RENDER
    };
    gv_load_info load = {0};
    size_t snapshot_bytes = 0;
    static const gv_report_format fmts[] = {GV_REPORT_MD, GV_REPORT_HTML, GV_REPORT_JSON,
                                            GV_REPORT_CSV, GV_REPORT_PDF};
    size_t out_bytes[5] = {0};
    long state_bytes = (long)strlen(expect);
    for (int r = 0; r < runs; r++) {
        for (int mode = 0; mode < 3; mode++) {
            fold_ctx f = {.mode = mode, .m = gv_meeting_new(), .err = &err};
            double t0 = now_s();
            if (gv_store_read(st, MEETING, 0, on_event, &f, &err) < 0)
                die("reading the log: %s", err.msg);
            note(&t[mode], now_s() - t0);
            if (f.n != head)
                die("read %ld events of %lld", f.n, (long long)head);
            if (mode == 2) {
                char *got = state_text(f.m);
                if (strcmp(got, expect) != 0)
                    die("the folded state differs from the state the log was made with");
                free(got);
            }
            gv_meeting_free(f.m);
        }
        gv_meeting *m = NULL;
        double t0 = now_s();
        if (gv_load(st, MEETING, &m, &load, &err) < 0)
            die("gv_load: %s", err.msg);
        note(&t[T_LOAD], now_s() - t0);
        if (load.skipped[0])
            die("the snapshot was not used: %s", load.skipped);
        char *loaded = state_text(m);
        if (strcmp(loaded, expect) != 0)
            die("the state loaded from the snapshot differs from the state the log was made with");
        free(loaded);
        t0 = now_s();
        json_t *snap = gv_meeting_snapshot(m);
        char *snap_text = snap ? gv_event_canonical(snap) : NULL;
        note(&t[T_SNAPSHOT], now_s() - t0);
        if (!snap_text)
            die("out of memory");
        snapshot_bytes = strlen(snap_text);
        free(snap_text);
        json_decref(snap);
        gv_meeting_free(m);

        t0 = now_s();
        if (gv_replay(st, MEETING, &m, &err) < 0)
            die("gv_replay: %s", err.msg);
        note(&t[T_REPLAY], now_s() - t0);
        json_t *state = gv_meeting_to_json(m);
        gv_meeting_free(m);

        if (apply_only) {
            json_t **evs = calloc((size_t)head, sizeof *evs);
            fold_ctx f = {.mode = 1, .keep = evs, .err = &err};
            if (!evs || gv_store_read(st, MEETING, 0, on_event, &f, &err) < 0)
                die("reading the log: %s", err.msg);
            gv_meeting *am = gv_meeting_new();
            t0 = now_s();
            for (int64_t i = 0; i < head; i++)
                if (gv_meeting_apply(am, evs[i], &err) < 0)
                    die("apply: %s", err.msg);
            note(&t[T_APPLY], now_s() - t0);
            gv_meeting_free(am);
            for (int64_t i = 0; i < head; i++)
                json_decref(evs[i]);
            free(evs);
        }

        json_t *record = NULL;
        t0 = now_s();
        if (gv_record_from_store(st, MEETING, 0, &record, &err) < 0)
            die("gv_record_from_store: %s", err.msg);
        note(&t[T_RECORD], now_s() - t0);
        json_decref(record);

        /* The record from the state alone: the people who acted, as the store's reader finds them.
         */
        json_t *actors = json_object();
        unsigned char hash[GV_HASH_BYTES] = {0};
        json_object_set_new(actors, "chair", json_true());
        t0 = now_s();
        if (gv_record_build(state, actors, MEETING, head, hash, &record, &err) < 0)
            die("gv_record_build: %s", err.msg);
        note(&t[T_BUILD], now_s() - t0);
        json_decref(actors);
        json_decref(state);
        for (int k = 0; k < (pdf ? 5 : 4); k++) {
            char *out = NULL;
            size_t len = 0;
            t0 = now_s();
            if (gv_report_render(record, fmts[k], &out, &len, &err) < 0)
                die("rendering %s: %s", gv_report_format_ext(fmts[k]), err.msg);
            note(&t[T_RENDER + k], now_s() - t0);
            out_bytes[k] = len;
            free(out);
        }
        json_decref(record);
    }
    if (pdf)
        gv_report_release_fonts();
    size_t nt = sizeof t / sizeof t[0];
    if (json_out) {
        printf("{\"events\":%lld,\"runs\":%d,\"make_s\":%.3f,\"commands\":%ld,\"refused\":%ld,"
               "\"state_bytes\":%ld,\"snapshot_seq\":%lld,\"snapshot_bytes\":%zu",
               (long long)head, runs, make_s, commands, refused, state_bytes,
               (long long)load.snapshot_seq, snapshot_bytes);
        for (size_t i = 0; i < nt; i++) {
            if (!t[i].runs)
                continue;
            char key[32];
            snprintf(key, sizeof key, "%s", t[i].name);
            for (char *p = key; *p; p++)
                if (*p == ' ')
                    *p = '_';
            printf(",\"%s_s\":%.4f", key, t[i].best);
        }
        printf("}\n");
    } else {
        printf("\nReplay of a log of %lld events (best of %d runs, %s; state %ld bytes as JSON)\n",
               (long long)head, runs, bench_clock == CLOCK_MONOTONIC ? "wall clock" : "CPU time",
               state_bytes);
        if (make_s > 0)
            printf("  %-14s %8.2f s  (%ld commands, %ld refused by the core)\n", "making it",
                   make_s, commands, refused);
        for (size_t i = 0; i < nt; i++) {
            if (!t[i].runs)
                continue;
            printf("  %-14s %8.3f s  %6.2f µs per event", t[i].name, t[i].best,
                   t[i].best * 1e6 / (double)head);
            if (i >= T_RENDER)
                printf("  (%zu bytes)", out_bytes[i - T_RENDER]);
            if (i == T_LOAD)
                printf("  (snapshot at seq %lld, then %lld events)", (long long)load.snapshot_seq,
                       (long long)load.events_folded);
            if (i == T_SNAPSHOT)
                printf("  (%zu bytes)", snapshot_bytes);
            printf("\n");
        }
    }
    gv_store_close(st);
    if (tmp[0]) {
        char path[96];
        unlink(tmp);
        snprintf(path, sizeof path, "%s-wal", tmp);
        unlink(path);
        snprintf(path, sizeof path, "%s-shm", tmp);
        unlink(path);
    }
    free(expect);
    return 0;
}

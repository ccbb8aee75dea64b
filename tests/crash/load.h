/*
 * A steady load of commands on a real `gavel serve`, from several people at
 * once, and the bookkeeping that says afterwards whether the log holds what
 * the server acknowledged.
 *
 * Senders are people of the test meeting (tests/unit/support.h): some on a
 * WebSocket with a few commands in flight each, some sending HTTP POSTs one
 * at a time on a fresh connection. Each plays its part: participants ask
 * questions, request and withdraw the floor and upvote; the moderator
 * approves questions; the chair calls the next speaker and ends speeches;
 * the rapporteur writes notes. Every command has a campaign-wide id (its
 * index in the command table), sent as the request id and echoed by its
 * ack or error, and texts that say who wrote them and which command they
 * were ("rap-1234"), so the log can be matched both ways.
 *
 * A command is SENT until its answer arrives: ACKED with the seq range the
 * ack named, REFUSED with an error code, or LOST when the server died before
 * answering (in flight at the kill: it may or may not be stored, but never
 * twice). Refusal codes other than those the test allows fail the test.
 *
 * Header-only, like tests/support/server_client.h which it builds on.
 */
#ifndef GV_TESTS_CRASH_LOAD_H
#define GV_TESTS_CRASH_LOAD_H

#include "support.h"

#include "server_client.h"
#include "store/store.h"

#include <sys/mount.h>

#define CL_MEETING      "test-panel"
#define CL_MAX_SENDERS  12
#define CL_TEXT_BYTES   1100
#define CL_WINDOW       4 /** commands in flight per WebSocket */
#define CL_MAX_QUESTION 4096

typedef enum cl_state { CL_SENT, CL_ACKED, CL_REFUSED, CL_LOST } cl_state;

/* One command sent, by id (its index in cl_load.cmds). */
typedef struct cl_cmd {
    int sender;
    const char *type;   /** the command's type */
    const char *expect; /** the event type its ack must name */
    bool has_text;      /** note or question: text is "<sender>-<id>" */
    int64_t question;   /** upvote/approve: the question id; 0 otherwise */
    cl_state state;
    int64_t first, last; /** the ack's seq range */
    char code[16];       /** the refusal's code */
    int round;           /** the round that sent it */
} cl_cmd;

typedef struct cl_sender {
    const char *person; /** person id, the "by" of its events */
    const char *role;   /** the role link it uses */
    bool http;          /** HTTP POST instead of a WebSocket */
    /** what it sends, in turn: "ask", "floor", "withdraw", "upvote",
     * "approve", "note", "next", "end" */
    const char *plays[6];
    int turn;
    int vote_next; /** index in cl_load.visible of the next question to upvote */
    tc_ws ws;
    bool open;            /** WebSocket open (or HTTP allowed to send) */
    int in_flight;        /** WebSocket commands without an answer */
    tc_conn post;         /** the HTTP request on its way (fd -1 when none) */
    int post_cmd;         /** its command id */
    int64_t last_ack_ms;  /** when it last had an ack */
    int64_t next_send_ms; /** paced: not before this (monotonic) */
    char why[200];        /** why it stopped (open false) */
} cl_sender;

typedef struct cl_load {
    cl_sender s[CL_MAX_SENDERS];
    int n_senders;
    cl_cmd *cmds;
    size_t n_cmds, cap_cmds;
    uint64_t rng;
    int round;
    int port;
    char tokens[8][64]; /** token of the running server by cl_roles index */
    /** refusal codes the test accepts ("conflict,not_found"); others fail */
    char allowed[128];
    int text_bytes; /** pad texts of notes to this length (questions to 500) */
    int pace_ms;    /** a sender sends at most one command this often (0: no pacing) */
    /** WebSockets open with ?since= this seq (no snapshot) when > 0 */
    int64_t since;
    /** most questions asked over the whole run (a meeting takes 10,000);
     * past it, an ask becomes a request for the floor */
    int max_asks;
    int asks;
    /** most commands sent in one round (0: no limit) */
    int max_sent;
    /** questions awaiting approval, and those visible (take votes) */
    int64_t pending[CL_MAX_QUESTION], visible[CL_MAX_QUESTION];
    int n_pending, n_visible;
    /* counts of the current round */
    int sent, acked, refused, lost;
    int refused_by_code_full, refused_by_code_busy;
    char last_refusal[GV_ERROR_MSG_MAX + 128];
} cl_load;

static TC_UNUSED uint64_t cl_rand(cl_load *l)
{
    /* xorshift64*: the same sequence for the same seed, on every machine. */
    l->rng ^= l->rng >> 12;
    l->rng ^= l->rng << 25;
    l->rng ^= l->rng >> 27;
    return l->rng * 2685821657736338717ULL;
}

/* The seed of a run: GV_CRASH_SEED if set, else from the clock; printed. */
static TC_UNUSED uint64_t cl_seed(const char *test)
{
    const char *env = getenv("GV_CRASH_SEED");
    uint64_t seed =
        env && *env ? strtoull(env, NULL, 10) : (uint64_t)tc_wall_ms() ^ (uint64_t)getpid();
    if (seed == 0)
        seed = 1;
    printf("%s: seed %llu (GV_CRASH_SEED=%llu replays this run)\n", test, (unsigned long long)seed,
           (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

static TC_UNUSED void cl_add_sender(cl_load *l, const char *person, const char *role, bool http,
                                    const char *const *plays)
{
    assert_true(l->n_senders < CL_MAX_SENDERS);
    cl_sender *s = &l->s[l->n_senders++];
    memset(s, 0, sizeof *s);
    s->person = person;
    s->role = role;
    s->http = http;
    s->ws.c.fd = -1;
    s->post.fd = -1;
    for (int i = 0; i < 6 && plays[i]; i++)
        s->plays[i] = plays[i];
}

/* The people every crash test has, over WebSockets: the chair moving the
 * list on, the moderator approving questions, the rapporteur writing notes,
 * and a participant who asks, requests the floor, upvotes and withdraws.
 * A test adds the others it needs. */
static TC_UNUSED void cl_cast_officers(cl_load *l)
{
    cl_add_sender(l, "chair", "chair", false, (const char *const[]){"next", "end", NULL});
    cl_add_sender(l, "mod", "moderator", false, (const char *const[]){"approve", NULL});
    cl_add_sender(l, "rap", "rapporteur", false, (const char *const[]){"note", NULL});
    cl_add_sender(l, "p1", "participant", false,
                  (const char *const[]){"ask", "floor", "upvote", "withdraw", NULL});
}

/* The roles whose links the server prints at start: cl_load.tokens by index. */
static const char *const cl_roles[] TC_UNUSED = {
    "chair", "moderator", "secretariat", "rapporteur", "panelist", "participant", "viewer"};
#define CL_N_ROLES (int)(sizeof cl_roles / sizeof cl_roles[0])

/* Takes the role tokens of a freshly started server. */
static TC_UNUSED void cl_use_server(cl_load *l, const tc_server *srv)
{
    l->port = srv->port;
    for (int i = 0; i < CL_N_ROLES; i++) {
        const char *t = tc_role_token(srv, cl_roles[i]);
        assert_non_null(t);
        snprintf(l->tokens[i], sizeof l->tokens[i], "%s", t);
    }
}

static TC_UNUSED const char *cl_token(const cl_load *l, const char *role)
{
    for (int i = 0; i < CL_N_ROLES; i++)
        if (strcmp(cl_roles[i], role) == 0)
            return l->tokens[i];
    fail_msg("no role %s", role);
    return NULL;
}

/* The path of a sender's stream or commands, with ?as= for shared role links. */
static TC_UNUSED void cl_path(const cl_sender *s, const char *what, int64_t since, char *out,
                              size_t size)
{
    bool shared = strcmp(s->role, "participant") == 0 || strcmp(s->role, "panelist") == 0;
    int n = snprintf(out, size, "/api/v1/meetings/" CL_MEETING "/%s", what);
    if (since > 0)
        n += snprintf(out + n, size - (size_t)n, "?since=%lld", (long long)since);
    if (shared)
        snprintf(out + n, size - (size_t)n, "%sas=%s", since > 0 ? "&" : "?", s->person);
}

/* Opens every WebSocket sender and reads up to its snapshot. */
static TC_UNUSED void cl_close(cl_load *l);

static TC_UNUSED void cl_open(cl_load *l)
{
    cl_close(l);
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        s->in_flight = 0;
        s->post.fd = -1;
        s->open = true;
        s->why[0] = '\0';
        if (s->http)
            continue;
        char extra[128], path[160];
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", cl_token(l, s->role));
        cl_path(s, "ws", l->since, path, sizeof path);
        assert_int_equal(tc_ws_open(&s->ws, l->port, path, extra, NULL), 101);
        /* With ?since= the stream starts after hello; else with the snapshot. */
        const char *first = l->since > 0 ? "hello" : "snapshot";
        json_t *j = tc_ws_until(&s->ws, first, 10000, NULL, NULL);
        if (!j)
            fail_msg("%s: no %s on the WebSocket", s->person, first);
        json_decref(j);
    }
}

static TC_UNUSED void cl_close(cl_load *l)
{
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        if (!s->http && s->ws.c.fd >= 0)
            tc_ws_close(&s->ws);
        s->ws.c.fd = -1;
        if (s->post.fd >= 0)
            tc_conn_close(&s->post);
        s->post.fd = -1;
        s->open = false;
    }
}

static TC_UNUSED bool cl_code_allowed(const cl_load *l, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = l->allowed; (p = strstr(p, code)) != NULL; p += n)
        if ((p == l->allowed || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* Remembers a new question so that the moderator approves it and others vote. */
static TC_UNUSED void cl_push(int64_t *v, int *n, int64_t q)
{
    if (*n < CL_MAX_QUESTION)
        v[(*n)++] = q;
}

static TC_UNUSED int64_t cl_pop_oldest(int64_t *v, int *n)
{
    if (*n == 0)
        return 0;
    int64_t q = v[0];
    memmove(v, v + 1, (size_t)(*n - 1) * sizeof *v);
    (*n)--;
    return q;
}

/* An answer (ack or error object) for command id. */
static TC_UNUSED void cl_answer(cl_load *l, const json_t *j)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    json_t *jid = json_object_get(j, "id");
    if (!type || !json_is_integer(jid))
        return;
    json_int_t id = json_integer_value(jid);
    if (id < 0 || (size_t)id >= l->n_cmds)
        fail_msg("an answer names command %lld, which was never sent", (long long)id);
    cl_cmd *c = &l->cmds[id];
    cl_sender *s = &l->s[c->sender];
    if (c->state != CL_SENT) {
        char *text = json_dumps(j, JSON_COMPACT);
        fail_msg("%s's %s (command %lld, round %d) was answered twice: first %s %s (seq "
                 "%lld..%lld), then %s",
                 s->person, c->type, (long long)id, c->round,
                 c->state == CL_ACKED     ? "ack"
                 : c->state == CL_REFUSED ? "error"
                                          : "lost",
                 c->code, (long long)c->first, (long long)c->last, text ? text : "?");
    }
    if (strcmp(type, "ack") == 0) {
        c->state = CL_ACKED;
        c->first = json_integer_value(json_object_get(j, "first_seq"));
        c->last = json_integer_value(json_object_get(j, "last_seq"));
        if (c->first < 1 || c->last < c->first)
            fail_msg("ack of command %lld names seq %lld..%lld", (long long)id, (long long)c->first,
                     (long long)c->last);
        l->acked++;
        s->last_ack_ms = tc_now_ms();
        if (strcmp(c->type, "ask_question") == 0)
            cl_push(l->pending, &l->n_pending, c->first);
        else if (strcmp(c->type, "approve_question") == 0)
            cl_push(l->visible, &l->n_visible, c->question);
    } else if (strcmp(type, "error") == 0) {
        const char *code = json_string_value(json_object_get(j, "code"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        c->state = CL_REFUSED;
        snprintf(c->code, sizeof c->code, "%s", code ? code : "?");
        if (!code || !cl_code_allowed(l, code)) {
            fail_msg("%s's %s (command %lld) was refused with %s: %s", s->person, c->type,
                     (long long)id, code ? code : "no code", msg ? msg : "no message");
            return;
        }
        /* A conflict is the meeting's answer (already voted, not waiting...);
         * a command that storage did not take must say so with its own code. */
        if (strcmp(code, "conflict") == 0 && msg && strstr(msg, "could not be stored"))
            fail_msg("%s's %s (command %lld) was not stored but is refused as a conflict: %s",
                     s->person, c->type, (long long)id, msg);
        l->refused++;
        l->refused_by_code_full += strcmp(code, "disk_full") == 0;
        l->refused_by_code_busy += strcmp(code, "busy") == 0;
        snprintf(l->last_refusal, sizeof l->last_refusal, "%s: %s", code, msg ? msg : "");
        if (strcmp(c->type, "approve_question") == 0 && strcmp(code, "disk_full") == 0)
            cl_push(l->pending, &l->n_pending, c->question); /* not approved: try again later */
    }
}

/* Makes the next command of sender si; returns its id and fills body. */
static TC_UNUSED int cl_next(cl_load *l, int si, char *body, size_t size)
{
    cl_sender *s = &l->s[si];
    int n_plays = 0;
    while (n_plays < 6 && s->plays[n_plays])
        n_plays++;
    assert_true(n_plays > 0);
    const char *play = s->plays[s->turn++ % n_plays];
    if (l->n_cmds == l->cap_cmds) {
        l->cap_cmds = l->cap_cmds ? l->cap_cmds * 2 : 4096;
        l->cmds = realloc(l->cmds, l->cap_cmds * sizeof *l->cmds);
        assert_non_null(l->cmds);
    }
    int id = (int)l->n_cmds++;
    cl_cmd *c = &l->cmds[id];
    memset(c, 0, sizeof *c);
    c->sender = si;
    c->round = l->round;
    c->state = CL_SENT;
    char pad[CL_TEXT_BYTES + 1];
    /* Each person votes for the visible questions in turn, each once; with
     * none left to vote for, asks for the floor (questions are few: a
     * meeting takes at most 10,000). */
    if (strcmp(play, "upvote") == 0 && s->vote_next >= l->n_visible)
        play = "floor";
    if (strcmp(play, "approve") == 0 && l->n_pending == 0)
        play = "next";
    if (strcmp(play, "ask") == 0 && l->max_asks && l->asks >= l->max_asks)
        play = "floor";
    l->asks += strcmp(play, "ask") == 0;
    if (strcmp(play, "ask") == 0 || strcmp(play, "note") == 0) {
        /* "<person>-<id>", then padding up to the wanted size (questions <= 500). */
        int want =
            strcmp(play, "ask") == 0 ? (l->text_bytes < 500 ? l->text_bytes : 500) : l->text_bytes;
        int head = snprintf(pad, sizeof pad, "%s-%d", s->person, id);
        if (want > head) {
            pad[head] = ' ';
            for (int i = head + 1; i < want && i < CL_TEXT_BYTES; i++)
                pad[i] = (char)('a' + (i % 26));
            pad[want < CL_TEXT_BYTES ? want : CL_TEXT_BYTES] = '\0';
        }
        c->has_text = true;
        c->type = strcmp(play, "ask") == 0 ? "ask_question" : "add_note";
        c->expect = strcmp(play, "ask") == 0 ? "question_asked" : "note_added";
        snprintf(body, size, "{\"type\":\"%s\",\"text\":\"%s\",\"id\":%d}", c->type, pad, id);
    } else if (strcmp(play, "upvote") == 0) {
        c->question = l->visible[s->vote_next++];
        c->type = "upvote";
        c->expect = "question_upvoted";
        snprintf(body, size, "{\"type\":\"upvote\",\"question\":%lld,\"id\":%d}",
                 (long long)c->question, id);
    } else if (strcmp(play, "approve") == 0) {
        c->question = cl_pop_oldest(l->pending, &l->n_pending);
        c->type = "approve_question";
        c->expect = "question_approved";
        snprintf(body, size, "{\"type\":\"approve_question\",\"question\":%lld,\"id\":%d}",
                 (long long)c->question, id);
    } else if (strcmp(play, "floor") == 0) {
        c->type = "request_floor";
        c->expect = "floor_requested";
        snprintf(body, size, "{\"type\":\"request_floor\",\"id\":%d}", id);
    } else if (strcmp(play, "withdraw") == 0) {
        c->type = "withdraw";
        c->expect = "request_withdrawn";
        snprintf(body, size, "{\"type\":\"withdraw\",\"id\":%d}", id);
    } else if (strcmp(play, "next") == 0) {
        c->type = "next_speaker";
        c->expect = "floor_given";
        snprintf(body, size, "{\"type\":\"next_speaker\",\"id\":%d}", id);
    } else {
        c->type = "end_speech";
        c->expect = "speech_ended";
        snprintf(body, size, "{\"type\":\"end_speech\",\"id\":%d}", id);
    }
    l->sent++;
    return id;
}

/* Starts an HTTP POST of sender si's next command; false if the server is gone. */
static TC_UNUSED bool cl_post(cl_load *l, int si)
{
    cl_sender *s = &l->s[si];
    char body[CL_TEXT_BYTES + 256], path[160], req[CL_TEXT_BYTES + 1024];
    memset(&s->post, 0, sizeof s->post);
    s->post.fd = tc_connect(l->port);
    if (s->post.fd < 0) {
        s->open = false;
        snprintf(s->why, sizeof s->why, "it could not connect: %s", strerror(errno));
        return false;
    }
    int id = cl_next(l, si, body, sizeof body);
    cl_path(s, "commands", 0, path, sizeof path);
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     path, l->port, cl_token(l, s->role), strlen(body), body);
    s->post_cmd = id;
    if (tc_write_all(s->post.fd, req, (size_t)n) < 0) {
        /* The server died between connect and write: in flight, answer unknown. */
        tc_conn_close(&s->post);
        s->post.fd = -1;
        s->open = false;
    }
    return s->open;
}

/* Reads the answer of sender si's POST if it is complete; final marks EOF as loss. */
static TC_UNUSED void cl_post_read(cl_load *l, int si, int wait_ms)
{
    cl_sender *s = &l->s[si];
    if (s->post.fd < 0)
        return;
    int64_t deadline = tc_now_ms() + wait_ms;
    while (!s->post.eof && tc_fill(&s->post, deadline) > 0)
        ;
    if (!s->post.eof)
        return;
    char *end = s->post.len ? strstr(s->post.buf, "\r\n\r\n") : NULL;
    json_t *j = NULL;
    if (end) {
        json_error_t jerr;
        j = json_loads(end + 4, 0, &jerr);
    }
    if (j) {
        cl_answer(l, j);
    } else {
        s->open = false; /* cut off without an answer: the server died */
        snprintf(s->why, sizeof s->why, "its POST (command %d) got no answer: %.120s", s->post_cmd,
                 s->post.len ? s->post.buf : "(nothing)");
    }
    json_decref(j);
    tc_conn_close(&s->post);
    s->post.fd = -1;
}

/* Reads what a WebSocket sender has now; 0 once its stream ended. */
static TC_UNUSED int cl_ws_read(cl_load *l, int si, int wait_ms)
{
    cl_sender *s = &l->s[si];
    for (int first = 1;; first = 0) {
        char *m = NULL;
        int op = tc_ws_recv(&s->ws, first ? wait_ms : 0, &m, NULL);
        if (op == -1) {
            free(m);
            return 1;
        }
        if (op == 0 || op == TC_WS_CLOSE) {
            free(m);
            s->open = false;
            snprintf(s->why, sizeof s->why, "its WebSocket %s (close code %d)",
                     op == 0 ? "ended" : "was closed", s->ws.close_code);
            return 0;
        }
        if (op != TC_WS_TEXT) {
            free(m);
            continue;
        }
        json_error_t jerr;
        json_t *j = json_loads(m, 0, &jerr);
        free(m);
        const char *type = json_string_value(json_object_get(j, "type"));
        if (type && (strcmp(type, "ack") == 0 || strcmp(type, "error") == 0)) {
            json_t *id = json_object_get(j, "id");
            if (json_is_integer(id) && json_integer_value(id) >= 0 &&
                (size_t)json_integer_value(id) < l->n_cmds &&
                l->cmds[json_integer_value(id)].sender == si)
                s->in_flight--;
            cl_answer(l, j);
        }
        json_decref(j);
    }
}

/*
 * One turn of the load: every sender with room sends, then answers are read
 * for up to wait_ms. Returns the number of senders still connected.
 */
static TC_UNUSED int cl_pump(cl_load *l, int wait_ms)
{
    char body[CL_TEXT_BYTES + 256];
    int64_t now = tc_now_ms();
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        if (!s->open || (l->max_sent && l->sent >= l->max_sent))
            continue;
        if (s->http) {
            if (s->post.fd < 0 && now >= s->next_send_ms) {
                cl_post(l, i);
                s->next_send_ms = now + l->pace_ms;
            }
        } else {
            while (s->in_flight < CL_WINDOW && now >= s->next_send_ms &&
                   (!l->max_sent || l->sent < l->max_sent)) {
                s->next_send_ms = now + l->pace_ms;
                cl_next(l, i, body, sizeof body);
                if (tc_ws_send(&s->ws, body) < 0) {
                    s->open = false;
                    snprintf(s->why, sizeof s->why, "it could not send: %s", strerror(errno));
                    break;
                }
                s->in_flight++;
            }
        }
    }
    struct pollfd p[CL_MAX_SENDERS];
    int np = 0;
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        int fd = s->http ? s->post.fd : s->ws.c.fd;
        if (s->open && fd >= 0)
            p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    if (np)
        poll(p, (nfds_t)np, wait_ms);
    int open = 0;
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        if (!s->open)
            continue;
        if (s->http)
            cl_post_read(l, i, 0);
        else
            cl_ws_read(l, i, 0);
        open += s->open;
    }
    return open;
}

/* Marks what is still unanswered as lost (its server died): it may or may
 * not be stored, never twice. Returns how many. */
static TC_UNUSED int cl_mark_lost(cl_load *l)
{
    int lost = 0;
    for (size_t id = 0; id < l->n_cmds; id++)
        if (l->cmds[id].state == CL_SENT) {
            l->cmds[id].state = CL_LOST;
            lost++;
            /* An approval that may not have happened: ask again next round. */
            if (strcmp(l->cmds[id].type, "approve_question") == 0)
                cl_push(l->pending, &l->n_pending, l->cmds[id].question);
        }
    l->lost += lost;
    return lost;
}

/*
 * After the server died: reads every answer still buffered in the sockets
 * (acks written before the kill count), then marks what stayed unanswered
 * as lost. Returns how many were lost.
 */
static TC_UNUSED int cl_drain(cl_load *l)
{
    for (int i = 0; i < l->n_senders; i++) {
        cl_sender *s = &l->s[i];
        if (s->http)
            cl_post_read(l, i, 5000);
        else if (s->ws.c.fd >= 0)
            while (cl_ws_read(l, i, 5000))
                ;
    }
    int lost = cl_mark_lost(l);
    cl_close(l);
    return lost;
}

/*
 * Waits, still reading, until every command sent has its answer (or
 * timeout_ms passes: then fails). For a server that stays up.
 */
static TC_UNUSED void cl_settle(cl_load *l, int timeout_ms)
{
    int64_t deadline = tc_now_ms() + timeout_ms;
    for (;;) {
        bool waiting = false;
        for (int i = 0; i < l->n_senders; i++) {
            cl_sender *s = &l->s[i];
            if (s->http)
                cl_post_read(l, i, 0);
            else if (s->ws.c.fd >= 0)
                cl_ws_read(l, i, 0);
            waiting |= s->http ? s->post.fd >= 0 : s->in_flight > 0;
        }
        if (!waiting)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("commands still unanswered after %d ms", timeout_ms);
        tc_sleep_ms(5);
    }
}

/* Fails naming the senders that stopped and why. */
static TC_UNUSED void cl_fail_cut(const cl_load *l, const char *when)
{
    char text[1200] = "";
    for (int i = 0; i < l->n_senders; i++)
        if (!l->s[i].open)
            snprintf(text + strlen(text), sizeof text - strlen(text), " %s: %s;", l->s[i].person,
                     l->s[i].why);
    fail_msg("%s: senders were cut off:%s", when, text);
}

static TC_UNUSED void cl_round_reset(cl_load *l, int round)
{
    l->round = round;
    l->sent = l->acked = l->refused = l->lost = 0;
    l->refused_by_code_full = l->refused_by_code_busy = 0;
    l->last_refusal[0] = '\0';
}

/* ---- the log ------------------------------------------------------------ */

typedef struct cl_event {
    char type[32];
    char by[16];
    char *text; /** malloc'd; NULL when none */
} cl_event;

typedef struct cl_log {
    cl_event *ev; /** by seq; ev[0] unused */
    int64_t n;    /** head seq */
    size_t cap;   /** entries allocated */
} cl_log;

static TC_UNUSED int cl_on_event(void *ud, const gv_stored_event *ev)
{
    cl_log *g = ud;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, &jerr);
    if (!j || ev->seq != g->n + 1) {
        json_decref(j);
        return GV_ECORRUPT;
    }
    if ((size_t)ev->seq >= g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4096;
        g->ev = realloc(g->ev, g->cap * sizeof *g->ev);
        if (!g->ev)
            return GV_ENOMEM;
    }
    cl_event *e = &g->ev[ev->seq];
    memset(e, 0, sizeof *e);
    snprintf(e->type, sizeof e->type, "%s", json_string_value(json_object_get(j, "type")));
    snprintf(e->by, sizeof e->by, "%s",
             json_string_value(json_object_get(j, "by"))
                 ? json_string_value(json_object_get(j, "by"))
                 : "");
    const char *t = json_string_value(json_object_get(j, "text"));
    e->text = t ? strdup(t) : NULL;
    g->n = ev->seq;
    json_decref(j);
    return 0;
}

/* Reads the meeting's whole log from db (read-only, beside a running server or not). */
static TC_UNUSED void cl_log_read(const char *db, cl_log *g)
{
    gv_error err;
    gv_error_clear(&err);
    memset(g, 0, sizeof *g);
    gv_store *st = gv_store_open(db, GV_STORE_READONLY, &err);
    if (!st)
        fail_msg("the database cannot be opened: %s", err.msg);
    if (gv_store_read(st, CL_MEETING, 0, cl_on_event, g, &err) < 0)
        fail_msg("the log cannot be read: %s", err.msg);
    gv_store_close(st);
}

static TC_UNUSED void cl_log_free(cl_log *g)
{
    for (int64_t i = 1; i <= g->n; i++)
        free(g->ev[i].text);
    free(g->ev);
    memset(g, 0, sizeof *g);
}

static TC_UNUSED int cl_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The leading "<person>-<id>" of a text, as the command id; -1 if not ours. */
static TC_UNUSED long cl_text_id(const char *text)
{
    const char *dash = strchr(text, '-');
    if (!dash || dash[1] < '0' || dash[1] > '9')
        return -1;
    return strtol(dash + 1, NULL, 10);
}

typedef struct cl_check {
    int acked_in_log; /** acknowledged commands found at their seq */
    int lost_in_log;  /** commands lost at a kill whose text is in the log anyway */
} cl_check;

/*
 * Checks the log against every command ever sent:
 * - each acknowledged command's events are at the seqs its ack named, made
 *   by its sender, of the type it makes, with its own text;
 * - no two acks name the same seq;
 * - no text appears twice in the log; none of a refused command appears;
 * - every text of ours in the log belongs to a command that was acked or lost.
 * Fails the test on the first problem; fills *out.
 */
static TC_UNUSED void cl_check_log(const cl_load *l, const cl_log *g, cl_check *out)
{
    memset(out, 0, sizeof *out);
    int *owner = calloc((size_t)g->n + 1, sizeof *owner);
    assert_non_null(owner);
    for (size_t id = 0; id < l->n_cmds; id++) {
        const cl_cmd *c = &l->cmds[id];
        const cl_sender *s = &l->s[c->sender];
        if (c->state != CL_ACKED)
            continue;
        if (c->last > g->n)
            fail_msg("round %d: %s's %s (command %zu) was acknowledged as seq %lld..%lld, but the "
                     "log ends at %lld",
                     c->round, s->person, c->type, id, (long long)c->first, (long long)c->last,
                     (long long)g->n);
        bool found = false;
        for (int64_t q = c->first; q <= c->last; q++) {
            const cl_event *e = &g->ev[q];
            if (owner[q])
                fail_msg("seq %lld was acknowledged twice: commands %d and %zu", (long long)q,
                         owner[q] - 1, id);
            owner[q] = (int)id + 1;
            if (strcmp(e->by, s->person) != 0)
                fail_msg("round %d: seq %lld, acknowledged to %s for %s, was made by %s (%s)",
                         c->round, (long long)q, s->person, c->type, e->by, e->type);
            if (strcmp(e->type, c->expect) == 0) {
                if (c->has_text) {
                    if (!e->text || cl_text_id(e->text) != (long)id)
                        fail_msg("round %d: seq %lld holds \"%.40s\", not the text of command %zu",
                                 c->round, (long long)q, e->text ? e->text : "(none)", id);
                }
                found = true;
            }
        }
        if (!found)
            fail_msg("round %d: %s's %s (command %zu, seq %lld..%lld) has no %s event in the log",
                     c->round, s->person, c->type, id, (long long)c->first, (long long)c->last,
                     c->expect);
        out->acked_in_log++;
    }
    /* Texts: each once, each of a command acked or lost. */
    char **texts = calloc((size_t)g->n + 1, sizeof *texts);
    assert_non_null(texts);
    size_t nt = 0;
    for (int64_t q = 1; q <= g->n; q++) {
        const char *t = g->ev[q].text;
        long id = t ? cl_text_id(t) : -1;
        if (id < 0 || (size_t)id >= l->n_cmds ||
            (strcmp(g->ev[q].type, "note_added") != 0 &&
             strcmp(g->ev[q].type, "question_asked") != 0))
            continue;
        const cl_cmd *c = &l->cmds[id];
        if (c->state == CL_REFUSED)
            fail_msg("seq %lld holds the text of command %ld, which was refused (%s)", (long long)q,
                     id, c->code);
        if (c->state == CL_LOST)
            out->lost_in_log++;
        texts[nt++] = g->ev[q].text;
    }
    qsort(texts, nt, sizeof *texts, cl_cmp_str);
    for (size_t i = 1; i < nt; i++)
        if (strcmp(texts[i - 1], texts[i]) == 0)
            fail_msg("\"%.40s\" is in the log twice", texts[i]);
    free(texts);
    free(owner);
}

/*
 * Runs the gavel binary with args (NULL-ended), standard output and error
 * together into *out (malloc'd) when given. Returns its exit code, -1 if it
 * did not exit normally, -2 if it was still running after timeout_ms (then
 * it is killed): a server that should have refused to start.
 */
static TC_UNUSED int cl_run(char **out, const char *const *args, int timeout_ms)
{
    int fd;
    pid_t pid = tc_spawn_gavel(args, true, &fd);
    if (pid < 0)
        return -1;
    tc_conn c = {.fd = fd};
    int64_t deadline = tc_now_ms() + timeout_ms;
    while (!c.eof && tc_now_ms() < deadline)
        tc_fill(&c, deadline);
    bool timed_out = !c.eof;
    if (timed_out)
        kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    if (out)
        *out = strdup(c.buf ? c.buf : "");
    tc_conn_close(&c);
    if (timed_out)
        return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `gavel verify` on every log of db (meetings and links): its exit code. */
static TC_UNUSED int cl_verify(const char *db, char **out)
{
    const char *args[] = {"verify", "--db", db, NULL};
    return tc_gavel(out, args);
}

/* One command over HTTP from a role (person for shared links); the status, body in *r. */
static TC_UNUSED int cl_command(const cl_load *l, const char *role, const char *as,
                                const char *body, tc_response *r)
{
    char extra[160], path[200];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", cl_token(l, role));
    snprintf(path, sizeof path, "/api/v1/meetings/" CL_MEETING "/commands%s%s", as ? "?as=" : "",
             as ? as : "");
    if (tc_http(l->port, "POST", path, extra, body, strlen(body), r, 20000) < 0)
        return -1;
    return r->status;
}

/* The chair opens the meeting and starts the discussion, which the load works on. */
static TC_UNUSED void cl_open_discussion(const cl_load *l)
{
    const char *cmds[] = {"{\"type\":\"open_meeting\"}",
                          "{\"type\":\"start_item\",\"item\":\"discussion\"}"};
    for (int i = 0; i < 2; i++) {
        tc_response r;
        int status = cl_command(l, "chair", NULL, cmds[i], &r);
        if (status != 200)
            fail_msg("%s: %d %s", cmds[i], status, r.body ? r.body : "");
        tc_response_free(&r);
    }
}

/* The snapshot's seq as a viewer sees it, or -1. */
static TC_UNUSED int64_t cl_snapshot_seq(const cl_load *l)
{
    tc_response r;
    int64_t seq = -1;
    if (tc_get(l->port, "/api/v1/meetings/" CL_MEETING "/snapshot", cl_token(l, "viewer"), &r) ==
        200) {
        json_t *j = tc_json(&r);
        seq = json_is_integer(json_object_get(j, "seq"))
                  ? json_integer_value(json_object_get(j, "seq"))
                  : -1;
        json_decref(j);
    }
    tc_response_free(&r);
    return seq;
}

/*
 * For the tests that mount a tmpfs: returns when this process may mount one;
 * otherwise says so and exits GV_CRASH_SKIP, which CTest reports as skipped
 * (never as passed).
 */
static TC_UNUSED void cl_require_mount(const char *test)
{
    char probe[128];
    tc_tempdir(probe, sizeof probe, "crash-mount");
    if (!probe[0] || mount("gavel-crash", probe, "tmpfs", 0, "size=64k") < 0) {
        printf("SKIP: %s needs to mount a small tmpfs and cannot (%s); run it as root or with "
               "CAP_SYS_ADMIN\n",
               test, strerror(errno));
        rmdir(probe);
        exit(GV_CRASH_SKIP);
    }
    umount2(probe, 0);
    rmdir(probe);
}

/* The size of a file, -1 when there is none. */
static TC_UNUSED long long cl_file_bytes(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static TC_UNUSED void cl_free(cl_load *l)
{
    cl_close(l);
    free(l->cmds);
    l->cmds = NULL;
}

/* ---- the test's folder and database: on its own small tmpfs (full disk,
 * read-only media), or plainly in the folder (kills) ----------------------- */

typedef struct cl_disk {
    char dir[128]; /** temporary folder */
    char mnt[160]; /** dir/tmpfs: the mount, or just the folder of the database */
    char db[200];  /** mnt/gavel.db */
    char wal[210], shm[210];
    char filler[200]; /** mnt/filler: the full-disk test's way to take the room */
    bool mounted;
    tc_server srv;
    cl_load load;
} cl_disk;

/* Mounts (or, with MS_REMOUNT in flags, remounts) a tmpfs of kib KiB. */
static TC_UNUSED int cl_mount_tmpfs(const char *where, int kib, unsigned long flags)
{
    char opts[64];
    snprintf(opts, sizeof opts, "size=%dk,mode=0755", kib);
    return mount("gavel-crash", where, "tmpfs", flags, opts);
}

/* A cl_disk with a new database on a kib KiB tmpfs, as *state: a cmocka setup. */
/* The folder, its database and a cl_disk for them; kib > 0 mounts a tmpfs
 * of that size for the database (0: none). A cmocka setup's body. */
static TC_UNUSED int cl_disk_make(void **state, const char *name, int kib)
{
    cl_disk *d = calloc(1, sizeof *d);
    tc_tempdir(d->dir, sizeof d->dir, name);
    snprintf(d->mnt, sizeof d->mnt, "%s/tmpfs", d->dir);
    snprintf(d->db, sizeof d->db, "%s/gavel.db", d->mnt);
    snprintf(d->filler, sizeof d->filler, "%s/filler", d->mnt);
    snprintf(d->wal, sizeof d->wal, "%s-wal", d->db);
    snprintf(d->shm, sizeof d->shm, "%s-shm", d->db);
    if (mkdir(d->mnt, 0755) < 0 || (kib > 0 && cl_mount_tmpfs(d->mnt, kib, 0) < 0)) {
        fprintf(stderr, "could not set up %s: %s\n", d->mnt, strerror(errno));
        return tc_setup_failed(d, d->dir);
    }
    d->mounted = kib > 0;
    if (tc_make_db(d->db) < 0) {
        if (d->mounted)
            umount2(d->mnt, MNT_DETACH);
        return tc_setup_failed(d, d->dir);
    }
    *state = d;
    return 0;
}

/* The database on a tmpfs of kib KiB: a cmocka setup. */
static TC_UNUSED int cl_disk_setup(void **state, const char *name, int kib)
{
    return cl_disk_make(state, name, kib);
}

/* The database in the folder, on the disk the folder is on: a cmocka setup. */
static TC_UNUSED int cl_dir_setup(void **state, const char *name)
{
    return cl_disk_make(state, name, 0);
}

/* Stops the server, unmounts and removes everything: a cmocka teardown. */
static TC_UNUSED int cl_disk_teardown(void **state)
{
    cl_disk *d = *state;
    if (d->srv.pid)
        tc_server_stop(&d->srv, SIGKILL);
    cl_free(&d->load);
    if (d->mounted && umount2(d->mnt, 0) < 0 && umount2(d->mnt, MNT_DETACH) < 0)
        fprintf(stderr, "could not unmount %s: %s\n", d->mnt, strerror(errno));
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", d->dir);
    free(d);
    return 0;
}

#endif

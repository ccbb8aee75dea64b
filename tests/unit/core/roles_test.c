/*
 * Every command by every role: allowed, or refused with "forbidden".
 *
 * The expected table below is written out by hand from docs/protocol.md's
 * role table, not read from the code, so a change of who may do what shows up
 * here. Each (command, role) pair runs on a fresh meeting in the same state:
 * open, the discussion item under way, a request from p1 waiting, an approved
 * question from p5, p2 speaking, a note from the rapporteur, and p3 inscribed
 * ahead for the closing item, a statement of p3's on the discussion.
 */
#include "support.h"

#include "core/meeting_internal.h"

typedef struct row {
    const char *type;
    const char *allowed; /** roles that may send it, space separated */
    const char *fields;  /** the rest of the command; %R request, %Q question, %S speech, %N note,
                             %I inscription, %T statement */
} row;

static const row table[] = {
    {"open_meeting", "chair moderator secretariat", ""},
    {"start_item", "chair moderator", "\"item\": \"closing\""},
    {"end_item", "chair moderator", ""},
    {"close_meeting", "chair moderator", ""},
    {"set_guiding_question", "chair moderator", "\"guiding_question\": \"gq2\""},
    {"check_in", "chair moderator secretariat rapporteur panelist participant", ""},
    {"join", "chair moderator secretariat rapporteur panelist participant", ""},
    {"leave", "chair moderator secretariat rapporteur panelist participant", ""},
    {"add_note", "chair moderator rapporteur", "\"text\": \"A point\""},
    {"amend_note", "chair moderator rapporteur", "\"note\": %N, \"text\": \"Amended\""},
    {"withdraw_note", "chair moderator rapporteur", "\"note\": %N"},
    {"draft_summary", "chair moderator rapporteur secretariat", ""},
    {"edit_summary", "chair moderator rapporteur secretariat",
     "\"section\": \"introduction\", \"text\": \"x\", \"base\": 1"},
    {"approve_summary", "chair", "\"version\": 1"},
    {"reopen_summary", "chair", ""},
    {"request_floor", "chair moderator panelist participant", ""},
    {"withdraw", "chair moderator secretariat rapporteur panelist participant", ""},
    {"decline", "chair moderator", "\"request\": %R"},
    {"move_request", "chair moderator", "\"request\": %R, \"position\": 0"},
    {"move_to_top", "chair moderator", "\"request\": %R"},
    {"insert_speaker", "chair moderator", "\"person\": \"p3\""},
    {"give_floor", "chair moderator", "\"request\": %R"},
    {"next_speaker", "chair moderator", ""},
    {"close_list", "chair moderator", ""},
    {"reopen_list", "chair moderator", ""},
    {"undo_list_change", "chair moderator", ""},
    {"set_segments", "chair moderator", "\"floor_ms\": 600000, \"replies_ms\": 300000"},
    {"set_budget", "chair moderator",
     "\"by\": \"group\", \"key\": \"member_state\", "
     "\"budget_ms\": 600000"},
    {"add_budget_time", "chair moderator",
     "\"by\": \"group\", \"key\": \"member_state\", "
     "\"added_ms\": 60000"},
    {"readd_last_speaker", "chair moderator", ""},
    {"set_autopilot", "chair moderator", "\"on\": true"},
    {"pause_speech", "chair moderator", ""},
    {"resume_speech", "chair moderator", ""},
    {"extend_speech", "chair moderator", "\"added_ms\": 30000"},
    {"set_speech_limit", "chair moderator", "\"limit_ms\": 240000, \"warning_ms\": 180000"},
    {"end_speech", "chair moderator", ""},
    {"ask_question", "chair moderator secretariat rapporteur panelist participant",
     "\"text\": \"Why?\""},
    {"upvote", "chair moderator secretariat rapporteur panelist participant", "\"question\": %Q"},
    {"unvote", "chair moderator secretariat rapporteur panelist participant", "\"question\": %Q"},
    {"approve_question", "chair moderator", "\"question\": %Q"},
    {"dismiss_question", "chair moderator", "\"question\": %Q"},
    {"mark_answered", "chair moderator", "\"question\": %Q"},
    {"merge_question", "chair moderator", "\"question\": %Q, \"into\": %Q"},
    {"link_question", "chair moderator", "\"question\": %Q, \"guiding_question\": \"gq1\""},
    {"inscribe", "chair moderator panelist participant", "\"item\": \"closing\""},
    {"inscribe_speaker", "chair moderator secretariat",
     "\"item\": \"closing\", \"person\": \"p2\""},
    {"withdraw_inscription", "chair moderator secretariat participant", "\"request\": %I"},
    {"move_inscription", "chair moderator secretariat", "\"request\": %I, \"position\": 0"},
    {"swap_inscriptions", "chair moderator secretariat", "\"request\": %I, \"with\": %I"},
    {"set_speaker_level", "chair moderator secretariat participant",
     "\"request\": %I, \"level\": \"minister\""},
    {"set_inscription", "chair moderator secretariat",
     "\"item\": \"closing\", \"opens_at_ms\": null"},
    {"edit_question", "chair moderator", "\"question\": %Q, \"text\": \"Why not?\""},
    {"show_question", "chair moderator", "\"question\": %Q"},
    /* For oneself (and the secretariat, chair, moderators for anyone). */
    {"attach_statement", "chair moderator secretariat rapporteur panelist participant",
     "\"item\": \"discussion\", \"hash\": "
     "\"2222222222222222222222222222222222222222222222222222222222222222\", \"media_type\": "
     "\"text/plain\", \"size_bytes\": 5, \"file_name\": \"mine.txt\""},
    /* p3's statement: p3 (the participant sender) and the officers. */
    {"withdraw_statement", "chair moderator secretariat participant", "\"statement\": %T"},
};
#define N_ROWS (sizeof table / sizeof table[0])

/* One person holding only this role, in the fixture. */
static const struct {
    const char *role;
    const char *person;
} senders[] = {{"chair", "chair"},    {"moderator", "mod"}, {"secretariat", "sec"},
               {"rapporteur", "rap"}, {"panelist", "pan1"}, {"participant", "p3"}};
#define N_SENDERS (sizeof senders / sizeof senders[0])

typedef struct ids {
    int64_t request, question, speech, note, inscription, statement;
} ids;

static gv_meeting *prepared(ids *out)
{
    gv_meeting *m = gvt_meeting();
    int64_t t = GVT_T0;
    gvt_ok(m, "chair", t, "{\"type\": \"open_meeting\"}");
    gvt_ok(m, "chair", t += 1000, "{\"type\": \"start_item\", \"item\": \"discussion\"}");
    gvt_ok(m, "p1", t += 1000, "{\"type\": \"request_floor\"}");
    out->request = gv_meeting_seq(m);
    gvt_ok(m, "p5", t += 1000, "{\"type\": \"ask_question\", \"text\": \"What now?\"}");
    out->question = gv_meeting_seq(m);
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"approve_question\", \"question\": %lld}",
           (long long)out->question);
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"give_floor\", \"person\": \"p2\"}");
    out->speech = gv_meeting_seq(m);
    gvt_ok(m, "rap", t += 1000, "{\"type\": \"add_note\", \"text\": \"First point\"}");
    out->note = gv_meeting_seq(m);
    t += 1000;
    gvt_ok(m, "sec", t,
           "{\"type\": \"set_inscription\", \"item\": \"closing\", \"opens_at_ms\": %lld}",
           (long long)t);
    gvt_ok(m, "p3", t += 1000, "{\"type\": \"inscribe\", \"item\": \"closing\"}");
    out->inscription = gv_meeting_seq(m);
    gvt_ok(m, "p3", t += 1000,
           "{\"type\": \"attach_statement\", \"hash\": "
           "\"1111111111111111111111111111111111111111111111111111111111111111\", \"media_type\": "
           "\"application/pdf\", \"size_bytes\": 10, \"file_name\": \"p3.pdf\"}");
    out->statement = gv_meeting_seq(m);
    return m;
}

/* Expands %R %Q %S %N in fields into buf. */
static void expand(const char *fields, const ids *id, char *buf, size_t size)
{
    size_t n = 0;
    for (const char *p = fields; *p && n + 24 < size; p++) {
        if (p[0] == '%' && p[1]) {
            int64_t v = p[1] == 'R'   ? id->request
                        : p[1] == 'Q' ? id->question
                        : p[1] == 'S' ? id->speech
                        : p[1] == 'I' ? id->inscription
                        : p[1] == 'T' ? id->statement
                                      : id->note;
            n += (size_t)snprintf(buf + n, size - n, "%lld", (long long)v);
            p++;
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = '\0';
}

static bool role_listed(const char *list, const char *role)
{
    size_t len = strlen(role);
    for (const char *p = list; (p = strstr(p, role)); p += len)
        if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

static void every_command_by_every_role(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t r = 0; r < N_ROWS; r++) {
        for (size_t s = 0; s < N_SENDERS; s++) {
            ids id;
            gv_meeting *m = prepared(&id);
            char fields[512], cmd[700];
            expand(table[r].fields, &id, fields, sizeof fields);
            snprintf(cmd, sizeof cmd, "{\"type\": \"%s\"%s%s}", table[r].type,
                     fields[0] ? ", " : "", fields);
            int rc = gvt_send(m, senders[s].person, GVT_T0 + 60000, "%s", cmd);
            bool allowed = role_listed(table[r].allowed, senders[s].role);
            if (allowed && rc == GV_EPERM)
                fail_msg("%s by %s: refused as forbidden, but the role may send it", cmd,
                         senders[s].role);
            if (!allowed && rc != GV_EPERM)
                fail_msg("%s by %s: %s (%d), but the role may not send it", cmd, senders[s].role,
                         rc == 0 ? "accepted" : gv_error_name(rc), rc);
            checked++;
            gv_meeting_free(m);
        }
    }
    assert_int_equal(checked, N_ROWS * N_SENDERS);
}

/* The table above covers every command the core knows, and nothing else. */
static void table_covers_every_command(void **state)
{
    (void)state;
    const gv_command_spec *specs[256];
    size_t n = gv__command_list(specs, 256);
    assert_true(n <= 256);
    assert_int_equal(n, N_ROWS);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t r = 0; r < N_ROWS && !found; r++)
            found = strcmp(table[r].type, specs[i]->type) == 0;
        if (!found)
            fail_msg("command \"%s\" is missing from the role table", specs[i]->type);
    }
}

/* A person not in the meeting is refused before any role check. */
static void unknown_sender_is_unauthorized(void **state)
{
    (void)state;
    ids id;
    gv_meeting *m = prepared(&id);
    assert_int_equal(gvt_send(m, "intruder", GVT_T0 + 60000, "{\"type\": \"close_list\"}"),
                     GV_EAUTH);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_command_by_every_role),
        cmocka_unit_test(table_covers_every_command),
        cmocka_unit_test(unknown_sender_is_unauthorized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

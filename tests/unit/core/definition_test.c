/*
 * Meeting definitions in their JSON form: the validator (every check, each on
 * its own and several at once), loading into a meeting, the state view and
 * the lookups.
 *
 * Most checks are tested as one change to a valid definition that must give
 * exactly one problem, at the expected path, with the expected words: a check
 * that reports too much is as wrong as one that misses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/definition.h"
#include "core/meeting_internal.h"

/* The definition part of the state: its three sections (definition_json.c). */
static int definition_to_json(const gv_meeting *m, json_t *state)
{
    if (gv__meeting_to_json(m, state) < 0 || gv__items_to_json(m, state) < 0 ||
        gv__people_to_json(m, state) < 0)
        return GV_ENOMEM;
    return 0;
}

/* JSON written with single quotes (easier to read in C) and parsed. */
static json_t *json_q(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON: %s: %s", e.text, s);
    free(s);
    return v;
}

static const char *const BASE =
    "{'meeting': {'id': 'm-1', 'title': 'A panel', 'body': 'A commission', 'session': 'S25',"
    "  'starts': '2022-03-31T14:30', 'ends': '2022-03-31T16:30', 'timezone': 'Europe/Zurich',"
    "  'venue': 'Geneva', 'online_link': 'https://example.org/m', 'languages': ['en', 'zh-Hans'],"
    "  'questions': {'anonymous': true, 'moderated': false}},"
    " 'documents': [{'symbol': 'A/1', 'title': 'Report', 'link': 'https://example.org/a1'},"
    "               {'title': 'Notes'}],"
    " 'guiding_questions': [{'id': 'gq1', 'text': 'Why?'}, {'id': 'gq2', 'text': 'How?'}],"
    " 'agenda': [{'id': 'opening', 'title': 'Opening', 'kind': 'opening', 'planned_minutes': 5,"
    "             'speaking': {'limit_minutes': 2.5, 'warning_minutes': 2}, 'speakers': ['chair']},"
    "            {'id': 'debate', 'title': 'Debate', 'kind': 'discussion', 'planned_minutes': 60,"
    "             'speaking': {'limit_minutes': 3, 'warning_minutes': 2}, 'policy': 'balanced',"
    "             'list_closes_after_minutes': 40, 'speakers': ['p2', 'p1']}],"
    " 'people': [{'id': 'chair', 'name': 'The Chair', 'function': 'Chair', 'affiliation': "
    "'Aldoria',"
    "             'group': 'member_state', 'region': 'african', 'gender': 'female', 'mode': 'room',"
    "             'roles': ['chair', 'participant']},"
    "            {'id': 'p1', 'name': 'One', 'affiliation': 'Org', 'delegation': 'Del',"
    "             'group': 'civil_society', 'mode': 'online', 'roles': ['panelist']},"
    "            {'id': 'p2', 'name': 'Two', 'group': 'private_sector', 'mode': 'room',"
    "             'roles': ['participant']},"
    "            {'id': 'p3', 'name': 'Three', 'group': 'intergovernmental', 'mode': 'room',"
    "             'roles': ['secretariat']}]}";

/* ---- collecting problems ------------------------------------------------------------------- */

typedef struct seen {
    int code;
    gv_def_at at;
    const json_t *node;
    char key[80];
    size_t index;
    char path[160];
    char msg[700];
} seen;

typedef struct got {
    int n;
    seen p[GV_DEF_PROBLEMS_MAX + 8];
} got;

static void collect(const gv_def_problem *p, void *ud)
{
    got *g = ud;
    assert_true(g->n < (int)(sizeof g->p / sizeof g->p[0]));
    seen *s = &g->p[g->n++];
    s->code = p->code;
    s->at = p->at;
    s->node = p->node;
    snprintf(s->key, sizeof s->key, "%s", p->key ? p->key : "");
    s->index = p->index;
    snprintf(s->path, sizeof s->path, "%s", p->path);
    snprintf(s->msg, sizeof s->msg, "%s", p->msg);
}

/* A time zone database for tests: the zones named here exist. */
static bool test_zone(const char *name, void *ud)
{
    (void)ud;
    return strcmp(name, "Europe/Zurich") == 0 || strcmp(name, "Asia/Shanghai") == 0;
}

static int check(const json_t *def, got *g)
{
    memset(g, 0, sizeof *g);
    return gv_definition_check(def, test_zone, NULL, collect, g);
}

/* ---- editing a definition by path ---------------------------------------------------------- */

/* Sets (value != NULL, taken) or deletes the node at a path like "people[0].roles[1]". */
static void edit(json_t *def, const char *path, json_t *value)
{
    json_t *parent = def;
    char key[128] = "";
    long index = -1;
    const char *p = path;
    for (;;) {
        if (*p == '[') {
            char *end;
            index = strtol(p + 1, &end, 10);
            key[0] = '\0';
            p = end + 1;
        } else {
            size_t n = strcspn(p, ".[");
            memcpy(key, p, n);
            key[n] = '\0';
            index = -1;
            p += n;
        }
        if (*p == '.')
            p++;
        if (*p == '\0')
            break;
        parent = index >= 0 ? json_array_get(parent, (size_t)index) : json_object_get(parent, key);
        assert_non_null(parent);
    }
    if (index >= 0) {
        assert_true(json_is_array(parent));
        if (value)
            assert_int_equal(json_array_set_new(parent, (size_t)index, value), 0);
        else
            assert_int_equal(json_array_remove(parent, (size_t)index), 0);
    } else {
        assert_true(json_is_object(parent));
        if (value)
            assert_int_equal(json_object_set_new(parent, key, value), 0);
        else
            assert_int_equal(json_object_del(parent, key), 0);
    }
}

static json_t *repeat_string(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    json_t *v = json_string(s);
    free(s);
    return v;
}

/* A list of n copies of item (JSON text). */
static json_t *repeat_json(const char *item, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_q(item));
    return list;
}

/* n people with ids p0..p<n-1>, the first one chairing. */
static json_t *many_people(size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%zu", i);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "id", id, "name", id,
                                              "group", "civil_society", "mode", "room", "roles",
                                              i == 0 ? "chair" : "participant"));
    }
    return list;
}

/* ---- one change, one problem --------------------------------------------------------------- */

typedef struct change {
    const char *path;  /** where to change BASE */
    const char *value; /** new value as JSON text (single quotes); NULL deletes */
    const char *want_path;
    gv_def_at want_at;
    const char *want_key; /** AT_KEY and AT_NODE: the key named; NULL: not checked */
    int want_code;
    const char *want_msg; /** words the message must contain */
} change;

#define V   GV_DEF_AT_VALUE
#define K   GV_DEF_AT_KEY
#define N   GV_DEF_AT_NODE
#define INV GV_EINVAL
#define LIM GV_ELIMIT

static const change changes[] = {
    /* unknown fields, with and without a suggestion */
    {"colour", "'blue'", "", K, "colour", INV,
     "unknown field \"colour\"; the fields of a definition are: meeting,"},
    {"meeting.titel", "'x'", "meeting", K, "titel", INV,
     "unknown field \"titel\"; did you mean \"title\"?"},
    {"people[1].Group", "'x'", "people[1]", K, "Group", INV, "did you mean \"group\"?"},
    {"agenda[0].speaking.limit", "1", "agenda[0].speaking", K, "limit", INV,
     "unknown field \"limit\""},
    {"meeting.questions.anonymus", "true", "meeting.questions", K, "anonymus", INV,
     "did you mean \"anonymous\"?"},
    {"documents[0].url", "'https://x.org'", "documents[0]", K, "url", INV, "unknown field \"url\""},
    {"guiding_questions[0].txt", "'x'", "guiding_questions[0]", K, "txt", INV,
     "did you mean \"text\"?"},
    /* missing fields */
    {"meeting", NULL, "", N, "meeting", INV, "field \"meeting\" is required"},
    {"meeting.title", NULL, "meeting", N, "title", INV, "field \"title\" is required"},
    {"meeting.timezone", NULL, "meeting", N, "timezone", INV, "field \"timezone\" is required"},
    {"people[2].name", NULL, "people[2]", N, "name", INV, "field \"name\" is required"},
    {"people[2].mode", NULL, "people[2]", N, "mode", INV, "field \"mode\" is required"},
    {"agenda[1].speaking", NULL, "agenda[1]", N, "speaking", INV, "field \"speaking\" is required"},
    {"agenda[1].speaking.warning_minutes", NULL, "agenda[1].speaking", N, "warning_minutes", INV,
     "is required"},
    {"documents[1].title", NULL, "documents[1]", N, "title", INV, "field \"title\" is required"},
    {"meeting.title", "null", "meeting", N, "title", INV, "field \"title\" is required"},
    /* wrong types */
    {"meeting.title", "5", "meeting.title", V, NULL, INV, "must be text, not a number"},
    {"meeting.languages", "'en'", "meeting.languages", V, NULL, INV,
     "must be a list of languages, not text"},
    {"meeting.questions", "true", "meeting.questions", V, NULL, INV,
     "must be a mapping of fields, not true/false"},
    {"meeting.questions.moderated", "'no'", "meeting.questions.moderated", V, NULL, INV,
     "must be true or false, not text"},
    {"people", "{}", "people", V, NULL, INV, "must be a list of persons, not a mapping"},
    {"people[3]", "'p3'", "people[3]", V, NULL, INV,
     "each person must be a mapping of fields, not text"},
    {"documents[0]", "[]", "documents[0]", V, NULL, INV,
     "each document must be a mapping of fields, not a list"},
    {"agenda[0].planned_minutes", "'5'", "agenda[0].planned_minutes", V, NULL, INV,
     "must be a number of minutes, not text"},
    {"agenda[1].speakers", "'p1'", "agenda[1].speakers", V, NULL, INV,
     "must be a list of speakers, not text"},
    {"people[2].group", "1", "people[2].group", V, NULL, INV,
     "must be one of: member_state, observer_state"},
    /* text */
    {"meeting.body", "'  '", "meeting.body", V, NULL, INV, "must not be empty"},
    {"people[2].name", "'A\\nB'", "people[2].name", V, NULL, INV,
     "contains the control character U+000A; write it on one line"},
    {"meeting.title", "'a\\u0007b'", "meeting.title", V, NULL, INV, "control character U+0007"},
    /* ids */
    {"meeting.id", "'m_1'", "meeting.id", V, NULL, INV, "\"m_1\" is not a valid id"},
    {"people[3].id", "'P3'", "people[3].id", V, NULL, INV, "\"P3\" is not a valid id"},
    {"guiding_questions[1].id", "'gq 2'", "guiding_questions[1].id", V, NULL, INV,
     "is not a valid id"},
    {"people[3].id", "'system'", "people[3].id", V, NULL, INV, "\"system\" is reserved"},
    /* duplicates */
    {"people[3].id", "'p1'", "people[3].id", V, NULL, INV,
     "person id \"p1\" is already used by people[1]"},
    {"agenda[1].id", "'opening'", "agenda[1].id", V, NULL, INV,
     "agenda item id \"opening\" is already used by agenda[0]"},
    {"guiding_questions[1].id", "'gq1'", "guiding_questions[1].id", V, NULL, INV,
     "guiding question id \"gq1\" is already used"},
    {"meeting.languages[1]", "'EN'", "meeting.languages[1]", V, NULL, INV,
     "language \"EN\" is listed twice"},
    {"people[1].roles", "['panelist', 'panelist']", "people[1].roles[1]", V, NULL, INV,
     "role \"panelist\" is listed twice"},
    {"agenda[1].speakers", "['p1', 'p1']", "agenda[1].speakers[1]", V, NULL, INV,
     "\"p1\" is already listed as a speaker"},
    /* speakers */
    {"agenda[1].speakers[0]", "'p9'", "agenda[1].speakers[0]", V, NULL, INV,
     "no person has the id \"p9\"; did you mean"},
    {"agenda[1].speakers[0]", "'nobody-at-all'", "agenda[1].speakers[0]", V, NULL, INV,
     "no person has the id \"nobody-at-all\"; speakers are ids from people"},
    {"agenda[0].speakers[0]", "'chiar'", "agenda[0].speakers[0]", V, NULL, INV,
     "did you mean \"chair\"?"},
    /* enums */
    {"people[2].group", "'memberstate'", "people[2].group", V, NULL, INV,
     "\"memberstate\" is not a stakeholder group; did you mean \"member_state\"?"},
    {"people[2].region", "'europe'", "people[2].region", V, NULL, INV,
     "use one of: african, asia_pacific, eastern_european, latin_american_caribbean, "
     "western_european_others, none"},
    {"people[2].gender", "'f'", "people[2].gender", V, NULL, INV, "is not a gender"},
    {"people[2].mode", "'hybrid'", "people[2].mode", V, NULL, INV, "use one of: room, online"},
    {"people[2].roles[0]", "'boss'", "people[2].roles[0]", V, NULL, INV, "\"boss\" is not a role"},
    {"agenda[0].kind", "'speech'", "agenda[0].kind", V, NULL, INV,
     "use one of: opening, report, presentations, discussion, closing, other"},
    {"agenda[1].policy", "'UN'", "agenda[1].policy", V, NULL, INV, "did you mean \"un\"?"},
    /* times and zones */
    {"meeting.starts", "'2022-03-31 14:30'", "meeting.starts", V, NULL, INV,
     "is not a local date and time: write YYYY-MM-DDTHH:MM"},
    {"meeting.starts", "'2022-03-31T14:30:00'", "meeting.starts", V, NULL, INV,
     "is not a local date and time"},
    {"meeting.starts", "'2022-02-29T14:30'", "meeting.starts", V, NULL, INV,
     "is not a local date and time"},
    {"meeting.starts", "'2022-13-01T14:30'", "meeting.starts", V, NULL, INV,
     "is not a local date and time"},
    {"meeting.starts", "'2022-03-31T24:00'", "meeting.starts", V, NULL, INV,
     "is not a local date and time"},
    {"meeting.ends", "'2022-03-31T14:00'", "meeting.ends", V, NULL, INV,
     "the meeting ends (2022-03-31T14:00) before it starts (2022-03-31T14:30)"},
    {"meeting.ends", "'2022-03-31T14:30'", "meeting.ends", V, NULL, INV,
     "ends (2022-03-31T14:30) when it starts"},
    {"meeting.timezone", "'../etc/passwd'", "meeting.timezone", V, NULL, INV,
     "is not a time zone name"},
    {"meeting.timezone", "'/Europe/Zurich'", "meeting.timezone", V, NULL, INV,
     "is not a time zone name"},
    {"meeting.timezone", "'Europe//Zurich'", "meeting.timezone", V, NULL, INV,
     "is not a time zone name"},
    {"meeting.timezone", "'Europe/Zurich/'", "meeting.timezone", V, NULL, INV,
     "is not a time zone name"},
    {"meeting.timezone", "'Europe/.hidden'", "meeting.timezone", V, NULL, INV,
     "is not a time zone name"},
    {"meeting.timezone", "'Mars/Olympus_Mons'", "meeting.timezone", V, NULL, INV,
     "unknown time zone \"Mars/Olympus_Mons\""},
    /* links and languages */
    {"meeting.online_link", "'ftp://example.org'", "meeting.online_link", V, NULL, INV,
     "is not a web link"},
    {"meeting.online_link", "'https://'", "meeting.online_link", V, NULL, INV, "is not a web link"},
    {"documents[0].link", "'www.example.org'", "documents[0].link", V, NULL, INV,
     "is not a web link"},
    {"documents[0].link", "'https://example.org/a b'", "documents[0].link", V, NULL, INV,
     "must not contain spaces"},
    {"meeting.languages", "[]", "meeting.languages", V, NULL, INV,
     "must list at least one language"},
    {"meeting.languages[0]", "'english!'", "meeting.languages[0]", V, NULL, INV,
     "is not a language tag"},
    {"meeting.languages[0]", "'e'", "meeting.languages[0]", V, NULL, INV, "is not a language tag"},
    {"meeting.languages[0]", "'en-'", "meeting.languages[0]", V, NULL, INV,
     "is not a language tag"},
    /* durations */
    {"agenda[0].planned_minutes", "0", "agenda[0].planned_minutes", V, NULL, INV,
     "must be more than 0 minutes"},
    {"agenda[0].planned_minutes", "-5", "agenda[0].planned_minutes", V, NULL, INV,
     "must be more than 0 minutes"},
    {"agenda[0].planned_minutes", "1441", "agenda[0].planned_minutes", V, NULL, LIM,
     "at most 1440"},
    {"agenda[0].planned_minutes", "0.001", "agenda[0].planned_minutes", V, NULL, INV,
     "less than a second"},
    {"agenda[1].list_closes_after_minutes", "0", "agenda[1].list_closes_after_minutes", V, NULL,
     INV, "must be more than 0 minutes"},
    {"agenda[1].speaking.warning_minutes", "3", "agenda[1].speaking.warning_minutes", V, NULL, INV,
     "the warning (3 minutes) must come before the limit (3 minutes)"},
    {"agenda[0].speaking.warning_minutes", "2.75", "agenda[0].speaking.warning_minutes", V, NULL,
     INV, "the warning (2.75 minutes) must come before the limit (2.5 minutes)"},
    /* lists that must not be empty, and who presides */
    {"people", "[]", "people", V, NULL, INV, "must list at least one person"},
    {"agenda", "[]", "agenda", V, NULL, INV, "must list at least one agenda item"},
    {"people[1].roles", "[]", "people[1].roles", V, NULL, INV, "must list at least one role"},
    {"people[0].roles", "['participant']", "people", V, NULL, INV,
     "no one presides: give at least one person the role chair or moderator"},
    /* the definition itself */
    {"meeting", "[]", "meeting", V, NULL, INV, "must be a mapping of fields, not a list"},
    /* the languages a person speaks in (the interpreters' page) */
    {"people[1].speaks", "[]", "people[1].speaks", V, NULL, INV, "must list at least one language"},
    {"people[1].speaks", "['ar', 'arabic!']", "people[1].speaks[1]", V, NULL, INV,
     "is not a language tag"},
    {"people[1].speaks", "['fr', 'FR']", "people[1].speaks[1]", V, NULL, INV, "listed twice"},
    {"people[1].speaks", "'fr'", "people[1].speaks", V, NULL, INV, ""},
    /* levels of representation and inscription ahead (docs/speakers-list.md) */
    {"people[0].level", "'king'", "people[0].level", V, NULL, INV, "head_of_state"},
    {"people[1].level", "'minister'", "people[1].level", V, NULL, INV,
     "only a state's speaker has a level above head_of_delegation"},
    {"agenda[1].inscription", "{'closes': '2022-03-30T18:00+02:00'}", "agenda[1].inscription", N,
     "opens", INV, "field \"opens\" is required"},
    {"agenda[1].inscription", "{'opens': '2022-03-24T10:00'}", "agenda[1].inscription.opens", V,
     NULL, INV, "is not a date and time with its UTC offset"},
    {"agenda[1].inscription", "{'opens': '2022-03-24T10:00+1:00'}", "agenda[1].inscription.opens",
     V, NULL, INV, "is not a date and time with its UTC offset"},
    {"agenda[1].inscription", "{'opens': '2022-02-30T10:00Z'}", "agenda[1].inscription.opens", V,
     NULL, INV, "is not a date and time with its UTC offset"},
    {"agenda[1].inscription",
     "{'opens': '2022-03-30T18:00+02:00', 'closes': '2022-03-30T17:00+01:00'}",
     "agenda[1].inscription.closes", V, NULL, INV, "it must close after it opens"},
    {"agenda[1].inscription", "{'opens': '2022-03-24T10:00Z', 'close': 'x'}",
     "agenda[1].inscription", K, "close", INV, "did you mean \"closes\"?"},
    /* translations */
    {"meeting.translations", "['fr']", "meeting.translations", V, NULL, INV,
     "must be a mapping of fields, not a list"},
    {"meeting.translations", "{'french!': {'title': 'x'}}", "meeting.translations", K, "french!",
     INV, "\"french!\" is not a language tag"},
    {"meeting.translations", "{'fr': 'Un panel'}", "meeting.translations.fr", V, NULL, INV,
     "must be a mapping of fields, not text"},
    {"meeting.translations", "{'fr': {'titre': 'x'}}", "meeting.translations.fr", K, "titre", INV,
     "did you mean \"title\"?"},
    {"meeting.translations", "{'fr': {'venue': 'A\\nB'}}", "meeting.translations.fr.venue", V, NULL,
     INV, "write it on one line"},
    {"agenda[0].translations", "{'fr': {'text': 'x'}}", "agenda[0].translations.fr", K, "text", INV,
     "unknown field \"text\"; the fields of a translation are: title"},
    {"guiding_questions[0].translations", "{'ar': {'text': 5}}",
     "guiding_questions[0].translations.ar.text", V, NULL, INV, "must be text, not a number"},
    {"documents[0].translations", "{'zh': {'title': 'x', 'link': 'y'}}",
     "documents[0].translations.zh", K, "link", INV, "unknown field \"link\""},
};

static void each_change_gives_one_problem(void **state)
{
    (void)state;
    got g;
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        const change *c = &changes[i];
        json_t *def = json_q(BASE);
        edit(def, c->path, c->value ? json_q(c->value) : NULL);
        int n = check(def, &g);
        if (n != 1 || g.n != 1) {
            for (int k = 0; k < g.n; k++)
                print_message("  got: %s: %s\n", g.p[k].path, g.p[k].msg);
            fail_msg("change %zu (%s = %s): %d problems, 1 expected", i, c->path,
                     c->value ? c->value : "deleted", n);
        }
        const seen *p = &g.p[0];
        if (strcmp(p->path, c->want_path) != 0 || p->at != c->want_at || p->code != c->want_code ||
            !strstr(p->msg, c->want_msg) || (c->want_key && strcmp(p->key, c->want_key) != 0))
            fail_msg("change %zu (%s): got at=%d code=%d key=%s %s: %s; want at=%d code=%d "
                     "%s: ...%s...",
                     i, c->path, p->at, p->code, p->key, p->path, p->msg, c->want_at, c->want_code,
                     c->want_path, c->want_msg);
        json_decref(def);
    }
}

static void base_and_edge_values_are_valid(void **state)
{
    (void)state;
    got g;
    static const change ok[] = {
        {"meeting.starts", "'2020-02-29T00:00'"},
        {"meeting.ends", "'2099-12-31T23:59'"},
        {"meeting.timezone", "'Asia/Shanghai'"},
        {"meeting.online_link", "'http://example.org'"},
        {"meeting.languages", "['en', 'fr', 'ar', 'zh-Hans-CN', 'sr-Latn', 'no']"},
        {"meeting.session", "''"},
        {"meeting.questions", "{}"},
        {"documents", "[]"},
        {"guiding_questions", NULL},
        {"people[1].function", "null"},
        {"people[3].id", "'p_3-x9'"},
        {"agenda[0].planned_minutes", "1440"},
        {"agenda[0].speaking", "{'limit_minutes': 0.5, 'warning_minutes': 0.25}"},
        {"agenda[1].speakers", "[]"},
        {"people[0].roles", "['moderator']"},
        {"people[1].speaks", "['ar', 'fr', 'zh-Hans']"},
    };
    json_t *def = json_q(BASE);
    assert_int_equal(check(def, &g), 0);
    json_decref(def);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        def = json_q(BASE);
        edit(def, ok[i].path, ok[i].value ? json_q(ok[i].value) : NULL);
        int n = check(def, &g);
        if (n != 0)
            fail_msg("%s = %s: %s: %s", ok[i].path, ok[i].value ? ok[i].value : "deleted",
                     g.p[0].path, g.p[0].msg);
        json_decref(def);
    }
}

static void bounds_are_enforced_exactly(void **state)
{
    (void)state;
    got g;
    struct {
        const char *path;
        json_t *(*make)(size_t);
        size_t ok, too_many;
        const char *want_path;
    } lists[] = {
        {"people", many_people, GV_DEF_PEOPLE_MAX, GV_DEF_PEOPLE_MAX + 1, "people"},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        json_t *def = json_q(BASE);
        edit(def, "agenda[0].speakers", json_q("[]"));
        edit(def, "agenda[1].speakers", json_q("[]"));
        edit(def, lists[i].path, lists[i].make(lists[i].ok));
        assert_int_equal(check(def, &g), 0);
        edit(def, lists[i].path, lists[i].make(lists[i].too_many));
        assert_int_equal(check(def, &g), 1);
        assert_int_equal(g.p[0].code, GV_ELIMIT);
        assert_string_equal(g.p[0].path, lists[i].want_path);
        assert_non_null(strstr(g.p[0].msg, "at most 5000 are allowed"));
        json_decref(def);
    }

    struct {
        const char *path, *item;
        size_t max;
    } counted[] = {
        {"documents", "{'title': 'D'}", GV_DEF_DOCUMENTS_MAX},
        {"meeting.languages", NULL, GV_DEF_LANGUAGES_MAX},
    };
    for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++) {
        json_t *def = json_q(BASE), *list;
        if (counted[i].item) {
            list = repeat_json(counted[i].item, counted[i].max + 1);
        } else {
            list = json_array();
            for (size_t k = 0; k <= counted[i].max; k++) {
                char tag[16];
                snprintf(tag, sizeof tag, "en-x%zu", k);
                json_array_append_new(list, json_string(tag));
            }
        }
        edit(def, counted[i].path, json_deep_copy(list));
        assert_int_equal(check(def, &g), 1);
        assert_int_equal(g.p[0].code, GV_ELIMIT);
        json_array_remove(list, 0);
        edit(def, counted[i].path, list);
        assert_int_equal(check(def, &g), 0);
        json_decref(def);
    }

    /* guiding questions and agenda items need distinct ids: built one by one */
    json_t *def = json_q(BASE);
    json_t *qs = json_array(), *items = json_array();
    for (int k = 0; k <= GV_DEF_QUESTIONS_MAX; k++) {
        char id[16];
        snprintf(id, sizeof id, "q%d", k);
        json_array_append_new(qs, json_pack("{s:s, s:s}", "id", id, "text", "t"));
    }
    for (int k = 0; k <= GV_DEF_ITEMS_MAX; k++) {
        char id[16];
        snprintf(id, sizeof id, "i%d", k);
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:s, s:i, s:{s:i, s:i}}", "id", id, "title",
                                        "t", "kind", "other", "planned_minutes", 1, "speaking",
                                        "limit_minutes", 2, "warning_minutes", 1));
    }
    edit(def, "guiding_questions", json_deep_copy(qs));
    edit(def, "agenda", json_deep_copy(items));
    assert_int_equal(check(def, &g), 2);
    assert_string_equal(g.p[0].path, "guiding_questions");
    assert_string_equal(g.p[1].path, "agenda");
    assert_int_equal(g.p[0].code, GV_ELIMIT);
    assert_int_equal(g.p[1].code, GV_ELIMIT);
    json_array_remove(qs, 0);
    json_array_remove(items, 0);
    edit(def, "guiding_questions", qs);
    edit(def, "agenda", items);
    assert_int_equal(check(def, &g), 0);

    /* strings: at the bound is fine, one byte more is not */
    struct {
        const char *path;
        size_t max;
    } strings[] = {
        {"meeting.venue", GV_DEF_STRING_MAX_BYTES},
        {"meeting.title", GV_DEF_TEXT_MAX_BYTES},
        {"guiding_questions[0].text", GV_DEF_TEXT_MAX_BYTES},
        {"people[1].affiliation", GV_DEF_STRING_MAX_BYTES},
        {"meeting.id", GV_DEF_ID_MAX_BYTES},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        edit(def, strings[i].path, repeat_string('a', strings[i].max));
        assert_int_equal(check(def, &g), 0);
        edit(def, strings[i].path, repeat_string('a', strings[i].max + 1));
        assert_int_equal(check(def, &g), 1);
        assert_int_equal(g.p[0].code, GV_ELIMIT);
        assert_string_equal(g.p[0].path, strings[i].path);
        edit(def, strings[i].path, repeat_string('a', 3));
    }
    json_decref(def);
}

static void every_problem_is_reported(void **state)
{
    (void)state;
    got g;
    json_t *def = json_q(BASE);
    edit(def, "meeting.ends", json_q("'2022-03-31T10:00'"));
    edit(def, "meeting.venue", NULL);
    edit(def, "people[2].group", json_q("'ngo'"));
    edit(def, "people[3].id", json_q("'p1'"));
    edit(def, "agenda[1].kind", json_q("'debate'"));
    edit(def, "agenda[1].speakers[0]", json_q("'p7'"));
    assert_int_equal(check(def, &g), 6);
    /* in walk order: meeting, documents, questions, people, agenda */
    assert_string_equal(g.p[0].path, "meeting.ends");
    assert_string_equal(g.p[1].path, "meeting");
    assert_string_equal(g.p[2].path, "people[2].group");
    assert_string_equal(g.p[3].path, "people[3].id");
    assert_string_equal(g.p[4].path, "agenda[1].kind");
    assert_string_equal(g.p[5].path, "agenda[1].speakers[0]");
    json_decref(def);
}

static void the_number_of_described_problems_is_capped(void **state)
{
    (void)state;
    got g;
    json_t *def = json_q(BASE);
    json_t *people = many_people(300);
    for (size_t i = 0; i < 300; i++)
        json_object_set_new(json_array_get(people, i), "group", json_string("nobody"));
    edit(def, "people", people);
    edit(def, "agenda[0].speakers", json_q("[]"));
    edit(def, "agenda[1].speakers", json_q("[]"));
    assert_int_equal(check(def, &g), 300);
    assert_int_equal(g.n, GV_DEF_PROBLEMS_MAX);
    assert_string_equal(g.p[GV_DEF_PROBLEMS_MAX - 2].path, "people[198].group");
    assert_non_null(strstr(g.p[GV_DEF_PROBLEMS_MAX - 1].msg, "more problems follow"));
    /* without a report function the problems are only counted */
    assert_int_equal(gv_definition_check(def, NULL, NULL, NULL, NULL), 300);
    json_decref(def);
}

static void not_an_object_is_one_problem(void **state)
{
    (void)state;
    got g;
    const char *texts[] = {"[]", "'meeting'", "3", "null"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *def = json_q(texts[i]);
        assert_int_equal(check(def, &g), 1);
        assert_int_equal(g.p[0].at, GV_DEF_AT_NODE);
        assert_ptr_equal(g.p[0].node, def);
        assert_string_equal(g.p[0].path, "");
        assert_non_null(strstr(g.p[0].msg, "must be a mapping with the fields meeting"));
        json_decref(def);
    }
    assert_int_equal(check(NULL, &g), 1);
}

/* The problem's node is the parent, so a position table can find it. */
static void problems_point_at_their_parent_node(void **state)
{
    (void)state;
    got g;
    json_t *def = json_q(BASE);
    edit(def, "people[2].mode", json_q("true"));
    edit(def, "people[2].extra", json_q("1"));
    edit(def, "agenda[1].speakers[1]", json_q("'zz'"));
    assert_int_equal(check(def, &g), 3);
    const json_t *p2 = json_array_get(json_object_get(def, "people"), 2);
    const json_t *speakers =
        json_object_get(json_array_get(json_object_get(def, "agenda"), 1), "speakers");
    assert_ptr_equal(g.p[0].node, p2);
    assert_int_equal(g.p[0].at, GV_DEF_AT_KEY);
    assert_string_equal(g.p[0].key, "extra");
    assert_ptr_equal(g.p[1].node, p2);
    assert_int_equal(g.p[1].at, GV_DEF_AT_VALUE);
    assert_string_equal(g.p[1].key, "mode");
    assert_ptr_equal(g.p[2].node, speakers);
    assert_int_equal(g.p[2].index, 1);
    assert_string_equal(g.p[2].key, "");
    json_decref(def);
}

/* ---- loading ------------------------------------------------------------------------------- */

static gv_meeting *meeting_new(void)
{
    gv_meeting *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->current_item = -1;
    m->current_question = -1;
    return m;
}

static void meeting_free(gv_meeting *m)
{
    gv__definition_release(m);
    free(m);
}

static gv_meeting *load_text(const char *text)
{
    gv_meeting *m = meeting_new();
    json_t *def = json_q(text);
    gv_error err;
    gv_error_clear(&err);
    if (gv__definition_load(m, def, &err) != 0)
        fail_msg("load: %s", err.msg);
    json_decref(def);
    return m;
}

static void load_fills_the_meeting(void **state)
{
    (void)state;
    gv_meeting *m = load_text(BASE);
    assert_string_equal(m->id, "m-1");
    assert_string_equal(m->title, "A panel");
    assert_string_equal(m->body, "A commission");
    assert_string_equal(m->session, "S25");
    assert_string_equal(m->starts_local, "2022-03-31T14:30");
    assert_string_equal(m->ends_local, "2022-03-31T16:30");
    assert_string_equal(m->timezone, "Europe/Zurich");
    assert_string_equal(m->venue, "Geneva");
    assert_string_equal(m->online_link, "https://example.org/m");
    assert_int_equal(m->n_languages, 2);
    assert_string_equal(m->languages[1], "zh-Hans");
    assert_true(m->anonymous_questions);
    assert_false(m->moderated_questions);

    assert_int_equal(m->n_documents, 2);
    assert_string_equal(m->documents[0].symbol, "A/1");
    assert_string_equal(m->documents[1].symbol, "");
    assert_string_equal(m->documents[1].link, "");
    assert_int_equal(m->n_questions_def, 2);
    assert_string_equal(m->questions_def[1].id, "gq2");
    assert_string_equal(m->questions_def[1].text, "How?");

    assert_int_equal(m->n_items, 2);
    gv_item *op = &m->items[0], *db = &m->items[1];
    assert_int_equal(op->kind, GV_ITEM_OPENING);
    assert_int_equal(op->planned_ms, 5 * 60000);
    assert_int_equal(op->limit_ms, 150000);
    assert_int_equal(op->warning_ms, 120000);
    assert_int_equal(op->policy, GV_POLICY_FIFO);
    assert_int_equal(op->list_closes_after_ms, 0);
    assert_int_equal(op->n_speakers, 1);
    assert_int_equal(op->speakers[0], 0);
    assert_int_equal(db->kind, GV_ITEM_DISCUSSION);
    assert_int_equal(db->policy, GV_POLICY_BALANCED);
    assert_int_equal(db->list_closes_after_ms, 40 * 60000);
    assert_int_equal(db->n_speakers, 2);
    assert_int_equal(db->speakers[0], 2);
    assert_int_equal(db->speakers[1], 1);
    assert_int_equal(db->started_at_ms, 0);

    assert_int_equal(m->n_people, 4);
    gv_person *chair = &m->people[0], *p1 = &m->people[1], *p2 = &m->people[2];
    assert_string_equal(chair->function, "Chair");
    assert_string_equal(chair->delegation, "Aldoria"); /* the affiliation, by default */
    assert_int_equal(chair->group, GV_GROUP_MEMBER_STATE);
    assert_int_equal(chair->region, GV_REGION_AFRICAN);
    assert_int_equal(chair->gender, GV_GENDER_FEMALE);
    assert_int_equal(chair->roles, GV_ROLE_CHAIR | GV_ROLE_PARTICIPANT);
    assert_string_equal(p1->delegation, "Del");
    assert_int_equal(p1->mode, GV_MODE_ONLINE);
    assert_int_equal(p1->roles, GV_ROLE_PANELIST);
    assert_string_equal(p2->function, "");
    assert_string_equal(p2->affiliation, "");
    assert_string_equal(p2->delegation, "");
    assert_int_equal(p2->region, GV_REGION_NONE);
    assert_int_equal(p2->gender, GV_GENDER_UNDISCLOSED);
    assert_false(p2->present);
    assert_int_equal(p2->checked_in_at_ms, 0);
    assert_int_equal(p2->n_speaks, 0); /* not said */
    meeting_free(m);

    /* What a person speaks in, the usual language first, as written. */
    json_t *def = json_q(BASE);
    edit(def, "people[1].speaks", json_q("['ar', 'fr']"));
    char *text = json_dumps(def, 0);
    json_decref(def);
    m = load_text(text);
    free(text);
    assert_int_equal(m->people[1].n_speaks, 2);
    assert_string_equal(m->people[1].speaks[0], "ar");
    assert_string_equal(m->people[1].speaks[1], "fr");
    meeting_free(m);
}

static void minutes_round_to_the_second(void **state)
{
    (void)state;
    struct {
        const char *value;
        int64_t ms;
    } cases[] = {
        {"7", 420000}, {"2.5", 150000}, {"1.3333", 80000}, {"0.01", 1000}, {"1440", 86400000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *def = json_q(BASE);
        edit(def, "agenda[1].planned_minutes", json_q(cases[i].value));
        gv_meeting *m = meeting_new();
        assert_int_equal(gv__definition_load(m, def, NULL), 0);
        assert_int_equal(m->items[1].planned_ms, cases[i].ms);
        meeting_free(m);
        json_decref(def);
    }
}

static char *state_text(const gv_meeting *m)
{
    json_t *s = json_object();
    assert_int_equal(definition_to_json(m, s), 0);
    char *text = json_dumps(s, JSON_COMPACT);
    json_decref(s);
    assert_non_null(text);
    return text;
}

static void failed_load_changes_nothing(void **state)
{
    (void)state;
    gv_meeting *m = load_text(BASE);
    char *before = state_text(m);
    json_t *bad = json_q(BASE);
    edit(bad, "meeting.title", json_q("'A new title'"));
    edit(bad, "people[2].group", json_q("'ngo'"));
    edit(bad, "agenda[0].kind", json_q("'speech'"));
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv__definition_load(m, bad, &err), GV_EINVAL);
    assert_int_equal(err.code, GV_EINVAL);
    assert_string_equal(err.msg, "invalid meeting definition: people[2].group: \"ngo\" is not a "
                                 "stakeholder group; use one of: member_state, observer_state, "
                                 "intergovernmental, private_sector, civil_society, "
                                 "technical_academic (and 1 more problems; `gavel validate` "
                                 "lists them all)");
    char *after = state_text(m);
    assert_string_equal(before, after);
    free(after);

    /* one problem: no count; a bound: GV_ELIMIT */
    edit(bad, "people[2].group", json_q("'civil_society'"));
    edit(bad, "agenda[0].kind", json_q("'opening'"));
    edit(bad, "meeting.venue", repeat_string('v', 501));
    assert_int_equal(gv__definition_load(m, bad, &err), GV_ELIMIT);
    assert_string_equal(err.msg, "invalid meeting definition: meeting.venue: is 501 bytes long; at "
                                 "most 500 are allowed");
    after = state_text(m);
    assert_string_equal(before, after);
    free(after);
    free(before);
    json_decref(bad);
    meeting_free(m);

    /* an empty meeting stays empty */
    m = meeting_new();
    assert_int_equal(gv__definition_load(m, NULL, &err), GV_EINVAL);
    assert_null(m->id);
    assert_null(m->people);
    assert_int_equal(m->n_people, 0);
    meeting_free(m);
}

static void a_second_load_replaces_the_definition(void **state)
{
    (void)state;
    gv_meeting *m = load_text(BASE);
    json_t *def = json_q(BASE);
    edit(def, "people", many_people(3));
    edit(def, "agenda[0].speakers", json_q("['p2']"));
    edit(def, "agenda[1].speakers", json_q("[]"));
    assert_int_equal(gv__definition_load(m, def, NULL), 0);
    assert_int_equal(m->n_people, 3);
    assert_int_equal(gv__person_find(m, "p2"), 2);
    assert_int_equal(gv__person_find(m, "chair"), -1);
    assert_int_equal(m->items[0].speakers[0], 2);
    json_decref(def);
    meeting_free(m);
}

/* ---- the state view ------------------------------------------------------------------------ */

static void to_json_is_deterministic(void **state)
{
    (void)state;
    gv_meeting *a = load_text(BASE), *b = load_text(BASE);
    char *ta = state_text(a), *tb = state_text(b), *ta2 = state_text(a);
    assert_string_equal(ta, tb);
    assert_string_equal(ta, ta2);
    free(ta);
    free(tb);
    free(ta2);
    meeting_free(a);
    meeting_free(b);
}

static void to_json_writes_the_definition_back(void **state)
{
    (void)state;
    gv_meeting *m = load_text(BASE);
    json_t *s = json_object();
    assert_int_equal(definition_to_json(m, s), 0);
    assert_int_equal(json_object_size(s), 5);
    json_t *want = json_q("{'id': 'm-1', 'title': 'A panel', 'body': 'A commission', 'session': "
                          "'S25', 'starts': '2022-03-31T14:30', 'ends': '2022-03-31T16:30', "
                          "'timezone': 'Europe/Zurich', 'venue': 'Geneva', 'online_link': "
                          "'https://example.org/m', 'languages': ['en', 'zh-Hans'], 'questions': "
                          "{'anonymous': true, 'moderated': false}, 'translations': null}");
    assert_true(json_equal(json_object_get(s, "meeting"), want));
    json_decref(want);
    want = json_q("{'id': 'opening', 'title': 'Opening', 'kind': 'opening', 'planned_minutes': 5, "
                  "'speaking': {'limit_minutes': 2.5, 'warning_minutes': 2}, 'policy': 'fifo', "
                  "'list_closes_after_minutes': null, 'speakers': ['chair'], 'inscription': null, "
                  "'started_at_ms': "
                  "null, 'ended_at_ms': null, 'resumed_at_ms': null, 'actual_ms': 0, 'runs': 0, "
                  "'translations': null}");
    assert_true(json_equal(json_array_get(json_object_get(s, "agenda"), 0), want));
    json_decref(want);
    want = json_q("{'id': 'p2', 'name': 'Two', 'function': null, 'affiliation': null, "
                  "'delegation': null, 'group': 'private_sector', 'region': 'none', 'gender': "
                  "'undisclosed', 'mode': 'room', 'level': 'head_of_delegation', 'roles': "
                  "['participant'], 'checked_in_at_ms': null, 'joined_at_ms': null, 'present': "
                  "false}");
    assert_true(json_equal(json_array_get(json_object_get(s, "people"), 2), want));
    json_decref(want);
    want = json_q("[{'symbol': 'A/1', 'title': 'Report', 'link': 'https://example.org/a1', "
                  "'translations': null}, {'symbol': null, 'title': 'Notes', 'link': null, "
                  "'translations': null}]");
    assert_true(json_equal(json_object_get(s, "documents"), want));
    json_decref(want);

    /* live fields */
    m->people[1].present = true;
    m->people[1].joined_at_ms = 1648733400000;
    m->people[1].mode = GV_MODE_ROOM;
    m->items[1].started_at_ms = 1648734000000;
    m->items[1].resumed_at_ms = 1648734000000;
    m->items[1].runs = 1;
    json_decref(s);
    s = json_object();
    assert_int_equal(definition_to_json(m, s), 0);
    const json_t *p1 = json_array_get(json_object_get(s, "people"), 1);
    assert_true(json_is_true(json_object_get(p1, "present")));
    assert_int_equal(json_integer_value(json_object_get(p1, "joined_at_ms")), 1648733400000);
    assert_string_equal(json_string_value(json_object_get(p1, "mode")), "room");
    const json_t *it = json_array_get(json_object_get(s, "agenda"), 1);
    assert_int_equal(json_integer_value(json_object_get(it, "started_at_ms")), 1648734000000);
    assert_int_equal(json_integer_value(json_object_get(it, "runs")), 1);
    assert_true(json_is_null(json_object_get(it, "ended_at_ms")));
    json_decref(s);
    meeting_free(m);
}

/* The definition part of a state, without its live fields, loads to the same meeting. */
static void to_json_round_trips(void **state)
{
    (void)state;
    static const char *const item_live[] = {"started_at_ms", "ended_at_ms", "resumed_at_ms",
                                            "actual_ms", "runs"};
    static const char *const person_live[] = {"checked_in_at_ms", "joined_at_ms", "present"};
    const char *variants[] = {BASE, NULL};
    json_t *odd = json_q(BASE);
    edit(odd, "agenda[1].planned_minutes", json_q("1.3333"));
    edit(odd, "agenda[1].speaking.limit_minutes", json_q("0.1"));
    edit(odd, "agenda[1].speaking.warning_minutes", json_q("0.05"));
    edit(odd, "meeting.online_link", NULL);
    edit(odd, "people[1].delegation", json_q("''"));
    edit(odd, "meeting.translations",
         json_q("{'fr': {'title': 'Un panel', 'venue': 'Genève'}, 'ar': {'body': 'لجنة'}}"));
    edit(odd, "agenda[0].translations", json_q("{'zh': {'title': '开幕'}}"));
    edit(odd, "guiding_questions[0].translations", json_q("{'es': {'text': '¿Qué?'}}"));
    edit(odd, "documents[1].translations", json_q("{'ru': {'title': 'Записки'}}"));
    edit(odd, "people[2].speaks", json_q("['es', 'en']"));
    char *odd_text = json_dumps(odd, 0);
    variants[1] = odd_text;
    for (size_t v = 0; v < 2; v++) {
        gv_meeting *m = meeting_new();
        json_t *def = json_loads(variants[v], 0, NULL);
        if (!def)
            def = json_q(variants[v]);
        assert_int_equal(gv__definition_load(m, def, NULL), 0);
        json_decref(def);
        json_t *s = json_object();
        assert_int_equal(definition_to_json(m, s), 0);
        if (v == 1) {
            json_t *fr = json_object_get(
                json_object_get(json_object_get(s, "meeting"), "translations"), "fr");
            assert_string_equal(json_string_value(json_object_get(fr, "venue")), "Genève");
        }
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(s, "agenda"), i, x)
        {
            for (size_t k = 0; k < sizeof item_live / sizeof item_live[0]; k++)
                assert_int_equal(json_object_del(x, item_live[k]), 0);
        }
        json_array_foreach(json_object_get(s, "people"), i, x)
        {
            for (size_t k = 0; k < sizeof person_live / sizeof person_live[0]; k++)
                assert_int_equal(json_object_del(x, person_live[k]), 0);
        }
        gv_meeting *again = meeting_new();
        gv_error err;
        if (gv__definition_load(again, s, &err) != 0)
            fail_msg("reload: %s", err.msg);
        char *a = state_text(m), *b = state_text(again);
        assert_string_equal(a, b);
        free(a);
        free(b);
        json_decref(s);
        meeting_free(m);
        meeting_free(again);
    }
    free(odd_text);
    json_decref(odd);
}

/* ---- lookups ------------------------------------------------------------------------------- */

static void lookups_find_by_id(void **state)
{
    (void)state;
    gv_meeting *m = meeting_new();
    json_t *def = json_q(BASE);
    edit(def, "people", many_people(GV_DEF_PEOPLE_MAX));
    edit(def, "agenda[0].speakers", json_q("['p4999', 'p0']"));
    edit(def, "agenda[1].speakers", json_q("[]"));
    assert_int_equal(gv__definition_load(m, def, NULL), 0);
    for (int i = 0; i < GV_DEF_PEOPLE_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        assert_int_equal(gv__person_find(m, id), i);
    }
    assert_int_equal(m->items[0].speakers[0], 4999);
    assert_int_equal(gv__person_find(m, "p5000"), -1);
    assert_int_equal(gv__person_find(m, ""), -1);
    assert_int_equal(gv__person_find(m, NULL), -1);
    assert_int_equal(gv__item_find(m, "debate"), 1);
    assert_int_equal(gv__item_find(m, "nope"), -1);
    assert_int_equal(gv__item_find(m, NULL), -1);
    assert_int_equal(gv__question_def_find(m, "gq2"), 1);
    assert_int_equal(gv__question_def_find(m, "gq3"), -1);
    json_decref(def);
    meeting_free(m);
}

static void names_map_to_their_enum(void **state)
{
    (void)state;
    assert_int_equal(gv__name_index(gv_group_names, GV_GROUP_COUNT, "civil_society"),
                     GV_GROUP_CIVIL_SOCIETY);
    assert_int_equal(gv__name_index(gv_region_names, GV_REGION_COUNT, "none"), GV_REGION_NONE);
    assert_int_equal(gv__name_index(gv_gender_names, GV_GENDER_COUNT, "other"), GV_GENDER_OTHER);
    assert_int_equal(gv__name_index(gv_mode_names, GV_MODE_COUNT, "online"), GV_MODE_ONLINE);
    assert_int_equal(gv__name_index(gv_item_kind_names, GV_ITEM_KIND_COUNT, "report"),
                     GV_ITEM_REPORT);
    assert_int_equal(gv__name_index(gv_policy_names, GV_POLICY_COUNT, "un"), GV_POLICY_UN);
    assert_int_equal(gv__name_index(gv_policy_names, GV_POLICY_COUNT, "UN"), -1);
    assert_int_equal(gv__name_index(gv_policy_names, GV_POLICY_COUNT, NULL), -1);
}

/* The figures `gavel validate` and the secretariat's page show. */
static void summary_counts_what_is_defined(void **state)
{
    (void)state;
    json_t *def = json_q(BASE);
    json_t *sum = gv_definition_summary(def);
    json_t *want = json_q("{'id': 'm-1', 'title': 'A panel', 'people': 4, 'agenda_items': 2,"
                          " 'guiding_questions': 2, 'documents': 2}");
    assert_true(json_equal(sum, want));
    json_decref(want);
    json_decref(sum);
    json_decref(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_change_gives_one_problem),
        cmocka_unit_test(summary_counts_what_is_defined),
        cmocka_unit_test(base_and_edge_values_are_valid),
        cmocka_unit_test(bounds_are_enforced_exactly),
        cmocka_unit_test(every_problem_is_reported),
        cmocka_unit_test(the_number_of_described_problems_is_capped),
        cmocka_unit_test(not_an_object_is_one_problem),
        cmocka_unit_test(problems_point_at_their_parent_node),
        cmocka_unit_test(load_fills_the_meeting),
        cmocka_unit_test(minutes_round_to_the_second),
        cmocka_unit_test(failed_load_changes_nothing),
        cmocka_unit_test(a_second_load_replaces_the_definition),
        cmocka_unit_test(to_json_is_deterministic),
        cmocka_unit_test(to_json_writes_the_definition_back),
        cmocka_unit_test(to_json_round_trips),
        cmocka_unit_test(lookups_find_by_id),
        cmocka_unit_test(names_map_to_their_enum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Meeting definitions read from YAML: the built-in example, the broken files
 * of tests/definitions (each states the problems it must give as
 * "# expect: LINE:COLUMN: words" comments), how scalars are read, positions
 * with multi-byte characters and CRLF, bad UTF-8, YAML features that are
 * refused, and the time zone lookup the command line plugs in.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/zone.h"
#include "core/definition.h"
#include "core/meeting_internal.h"

typedef struct result {
    int rc;
    json_t *def;
    gv_diag_list diags;
    gv_error err;
} result;

static result read_yaml_as(const char *buf, size_t len, const char *name, gv_zone_fn zone)
{
    result r = {0};
    gv_diag_list_init(&r.diags);
    gv_error_clear(&r.err);
    r.rc = gv_definition_from_yaml(buf, len, name, zone, NULL, &r.def, &r.diags, &r.err);
    return r;
}

static result read_yaml(const char *text)
{
    return read_yaml_as(text, strlen(text), "t.yaml", NULL);
}

static void result_release(result *r)
{
    json_decref(r->def);
    gv_diag_list_release(&r->diags);
}

static void print_diags(const result *r)
{
    for (size_t i = 0; i < r->diags.n; i++)
        print_message("  %s\n", r->diags.items[i].text);
}

static void assert_valid(const result *r)
{
    if (r->rc != 0 || r->diags.n != 0 || !r->def) {
        print_diags(r);
        fail_msg("not valid (rc %d): %s", r->rc, r->err.msg);
    }
}

/* Exactly one problem, at line:col, whose message contains `words`. */
static void expect_one(const char *text, unsigned line, unsigned col, const char *words)
{
    result r = read_yaml(text);
    if (r.rc != GV_EINVAL || r.diags.n != 1 || r.diags.items[0].line != line ||
        r.diags.items[0].column != col || !strstr(r.diags.items[0].msg, words)) {
        print_diags(&r);
        fail_msg("want one problem at %u:%u with \"%s\" (rc %d) in:\n%s", line, col, words, r.rc,
                 text);
    }
    assert_null(r.def);
    result_release(&r);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- the example ----------------------------------------------------------------------------- */

static bool has_script(const char *s, unsigned lo, unsigned hi)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c;
        int n;
        if (*p < 0x80)
            c = *p, n = 1;
        else if ((*p & 0xE0) == 0xC0)
            c = *p & 0x1Fu, n = 2;
        else if ((*p & 0xF0) == 0xE0)
            c = *p & 0x0Fu, n = 3;
        else
            c = *p & 0x07u, n = 4;
        for (int i = 1; i < n; i++)
            c = (c << 6) | (p[i] & 0x3Fu);
        if (c >= lo && c <= hi)
            return true;
        p += n;
    }
    return false;
}

static void the_embedded_example_validates_and_loads(void **state)
{
    (void)state;
    result r =
        read_yaml_as((const char *)gv_example_yaml, gv_example_yaml_len, "example", gv_zone_exists);
    assert_valid(&r);

    gv_meeting *m = calloc(1, sizeof *m);
    assert_non_null(m);
    gv_error err;
    if (gv__definition_load(m, r.def, &err) != 0)
        fail_msg("load: %s", err.msg);

    /* the concept note's facts */
    assert_string_equal(m->starts_local, "2022-03-31T14:30");
    assert_string_equal(m->ends_local, "2022-03-31T16:30");
    assert_string_equal(m->timezone, "Europe/Zurich");
    assert_non_null(strstr(m->title, "World Summit on the Information Society"));
    assert_int_equal(m->n_questions_def, 5);
    assert_int_equal(m->n_documents, 3);
    assert_string_equal(m->documents[0].symbol, "A/77/62-E/2022/8");
    assert_string_equal(m->documents[1].symbol, "E/RES/2021/28");
    assert_string_equal(m->documents[2].link, "https://unctad.org/meeting/"
                                              "commission-science-and-technology-development-"
                                              "twenty-fifth-session");
    int panel = gv__item_find(m, "panel"), discussion = gv__item_find(m, "discussion");
    assert_true(panel >= 0 && discussion > panel);
    assert_int_equal(m->items[panel].kind, GV_ITEM_PRESENTATIONS);
    assert_int_equal(m->items[panel].limit_ms, 7 * 60000);
    assert_int_equal(m->items[panel].warning_ms, 5 * 60000);
    assert_int_equal(m->items[discussion].kind, GV_ITEM_DISCUSSION);
    assert_int_equal(m->items[discussion].policy, GV_POLICY_BALANCED);
    assert_int_equal(m->items[discussion].limit_ms, 3 * 60000);
    assert_int_equal(m->items[discussion].warning_ms, 2 * 60000);
    assert_true(m->items[discussion].list_closes_after_ms > 0);
    assert_int_equal(m->items[0].kind, GV_ITEM_OPENING);
    assert_int_equal(m->items[m->n_items - 1].kind, GV_ITEM_CLOSING);
    int64_t planned = 0;
    for (size_t i = 0; i < m->n_items; i++)
        planned += m->items[i].planned_ms;
    assert_int_equal(planned, 120 * 60000);

    /* the people: every role, and a spread over groups, regions, genders and modes */
    int roles[6] = {0}, groups[GV_GROUP_COUNT] = {0}, regions[GV_REGION_COUNT] = {0},
        genders[GV_GENDER_COUNT] = {0}, modes[GV_MODE_COUNT] = {0};
    bool arabic = false, chinese = false;
    for (size_t i = 0; i < m->n_people; i++) {
        const gv_person *p = &m->people[i];
        for (int b = 0; b < 6; b++)
            roles[b] += (p->roles >> b) & 1u;
        groups[p->group]++;
        regions[p->region]++;
        genders[p->gender]++;
        modes[p->mode]++;
        arabic |= has_script(p->name, 0x0600, 0x06FF);
        chinese |= has_script(p->name, 0x4E00, 0x9FFF);
    }
    assert_int_equal(roles[0], 1); /* chair */
    assert_int_equal(roles[1], 1); /* moderator */
    assert_int_equal(roles[2], 1); /* secretariat */
    assert_int_equal(roles[3], 1); /* rapporteur */
    assert_in_range(roles[4], 4, 5);
    assert_in_range(roles[5], 10, 16);
    for (int g = 0; g < GV_GROUP_COUNT; g++)
        assert_true(groups[g] > 0);
    for (int g = 0; g < GV_REGION_COUNT; g++)
        assert_true(regions[g] > 0);
    for (int g = 0; g < GV_GENDER_COUNT; g++)
        assert_true(genders[g] > 0);
    assert_true(modes[GV_MODE_ROOM] > 0 && modes[GV_MODE_ONLINE] > 0);
    assert_true(arabic);
    assert_true(chinese);
    /* the panelists are the planned speakers of the presentations */
    assert_int_equal(m->items[panel].n_speakers, (size_t)roles[4]);
    for (size_t i = 0; i < m->items[panel].n_speakers; i++)
        assert_true(m->people[m->items[panel].speakers[i]].roles & GV_ROLE_PANELIST);

    gv__definition_release(m);
    free(m);
    result_release(&r);
}

/* JSON is YAML: the JSON form of the example reads back to the same definition, and a
 * problem in a JSON file is placed on its line and column. */
static void json_files_read_the_same(void **state)
{
    (void)state;
    result r = read_yaml_as((const char *)gv_example_yaml, gv_example_yaml_len, "example", NULL);
    assert_int_equal(r.rc, 0);
    size_t flags[] = {JSON_COMPACT, JSON_INDENT(2) | JSON_ENSURE_ASCII};
    for (size_t i = 0; i < 2; i++) {
        char *text = json_dumps(r.def, flags[i]);
        result again = read_yaml(text);
        assert_valid(&again);
        assert_true(json_equal(r.def, again.def));
        result_release(&again);
        free(text);
    }

    json_object_set_new(json_array_get(json_object_get(r.def, "people"), 3), "gender",
                        json_string("f"));
    char *text = json_dumps(r.def, JSON_INDENT(2));
    const char *at = strstr(text, "\"gender\": \"f\"");
    assert_non_null(at);
    unsigned line = 1, col = 1;
    for (const char *p = text; p < at + strlen("\"gender\": "); p++) {
        if (*p == '\n')
            line++, col = 1;
        else if ((*p & 0xC0) != 0x80)
            col++;
    }
    expect_one(text, line, col, "people[3].gender: \"f\" is not a gender");
    free(text);
    result_release(&r);
}

/* ---- the broken files ---------------------------------------------------------------------- */

typedef struct expectation {
    unsigned line, col;
    char words[400];
} expectation;

static size_t expectations(const char *buf, expectation *out, size_t max)
{
    size_t n = 0;
    for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        int used = 0;
        if (strncmp(p, "# expect: ", 10) != 0)
            continue;
        assert_true(n < max);
        if (sscanf(p + 10, "%u:%u: %n", &out[n].line, &out[n].col, &used) != 2 || used == 0)
            fail_msg("bad expectation: %.60s", p);
        size_t len = strcspn(p + 10 + used, "\r\n");
        snprintf(out[n].words, sizeof out[n].words, "%.*s", (int)len, p + 10 + used);
        n++;
    }
    return n;
}

/* Checks the problems of buf against its "# expect:" lines; returns how many there were. */
static size_t check_expectations(const char *name, const char *buf, size_t len)
{
    expectation want[32];
    size_t n = expectations(buf, want, 32);
    assert_true(n > 0);
    result r = read_yaml_as(buf, len, name, gv_zone_exists);
    bool ok = r.rc == GV_EINVAL && r.diags.n == n && !r.def;
    for (size_t i = 0; ok && i < n; i++) {
        const gv_diag *d = &r.diags.items[i];
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s:%u:%u: ", name, want[i].line, want[i].col);
        ok = d->line == want[i].line && d->column == want[i].col && strstr(d->msg, want[i].words) &&
             strncmp(d->text, prefix, strlen(prefix)) == 0 &&
             strcmp(d->text + strlen(prefix), d->msg) == 0;
    }
    if (!ok) {
        print_diags(&r);
        for (size_t i = 0; i < n; i++)
            print_message("  want %u:%u: %s\n", want[i].line, want[i].col, want[i].words);
        fail_msg("%s: problems differ from its expectations (rc %d)", name, r.rc);
    }
    char summary[64];
    snprintf(summary, sizeof summary, ": %zu problem%s", n, n == 1 ? "" : "s");
    assert_non_null(strstr(r.err.msg, summary));
    result_release(&r);
    return n;
}

static void broken_files_give_their_expected_problems(void **state)
{
    (void)state;
    const char *dir = GV_SOURCE_DIR "/tests/definitions";
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".yaml") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *buf = read_file(path, &len);
        check_expectations(e->d_name, buf, len);
        files++;
        free(buf);
    }
    closedir(d);
    assert_true(files >= 9);
}

/* The same positions with CRLF line ends (a file saved on Windows). */
static void crlf_files_give_the_same_positions(void **state)
{
    (void)state;
    const char *names[] = {"several-errors.yaml", "duplicate-id.yaml", "bad-utf8.yaml",
                           "syntax-error.yaml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/definitions/%s", GV_SOURCE_DIR, names[i]);
        size_t len, n = 0;
        char *buf = read_file(path, &len);
        char *crlf = malloc(len * 2 + 1);
        assert_non_null(crlf);
        for (size_t k = 0; k < len; k++) {
            if (buf[k] == '\n')
                crlf[n++] = '\r';
            crlf[n++] = buf[k];
        }
        crlf[n] = '\0';
        check_expectations(names[i], crlf, n);
        free(crlf);
        free(buf);
    }
}

/* ---- scalars ------------------------------------------------------------------------------- */

static const char *const VALID =
    "meeting:\n"
    "  id: m\n"
    "  title: %s\n"
    "  body: B\n"
    "  session: %s\n"
    "  starts: 2022-03-31T14:30\n"
    "  ends: 2022-03-31T16:30\n"
    "  timezone: Europe/Zurich\n"
    "  venue: V\n"
    "  languages: %s\n"
    "agenda:\n"
    "  - {id: a, title: A, kind: other, planned_minutes: %s, speaking: {limit_minutes: 2, "
    "warning_minutes: 1}}\n"
    "people:\n"
    "  - {id: c, name: C, group: member_state, mode: room, roles: [chair]}\n";

/* The definition with the four placeholders filled in. */
static result read_filled(const char *title, const char *session, const char *languages,
                          const char *minutes)
{
    char text[2048];
    snprintf(text, sizeof text, VALID, title, session, languages, minutes);
    return read_yaml(text);
}

static void plain_scalars_resolve_like_yaml_core(void **state)
{
    (void)state;
    struct {
        const char *minutes;
        double want;
    } numbers[] = {{"5", 5},     {"+5", 5},      {"007", 7},     {".5", 0.5},
                   {"5.", 5},    {"1e1", 10},    {"2.5E0", 2.5}, {"0.25e1 ", 2.5},
                   {"0010", 10}, {"000.5", 0.5}, {"+00.5e1", 5}};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        result r = read_filled("T", "S", "[en]", numbers[i].minutes);
        assert_valid(&r);
        const json_t *v =
            json_object_get(json_array_get(json_object_get(r.def, "agenda"), 0), "planned_minutes");
        assert_true(json_is_number(v));
        assert_true(json_number_value(v) == numbers[i].want);
        result_release(&r);
    }
    /* integers stay integers, decimals become reals */
    result r = read_filled("T", "S", "[en]", "7");
    assert_true(json_is_integer(
        json_object_get(json_array_get(json_object_get(r.def, "agenda"), 0), "planned_minutes")));
    result_release(&r);

    /* yes/no/on/off are text: Norwegian is "no" */
    r = read_filled("T", "S", "[no, yes, on, off, 'NO']", "5");
    assert_int_equal(r.rc, GV_EINVAL); /* 'NO' repeats "no" */
    assert_int_equal(r.diags.n, 1);
    assert_non_null(strstr(r.diags.items[0].msg, "language \"NO\" is listed twice"));
    result_release(&r);

    /* null, ~ and nothing are absent; quoted text stays text */
    const char *absent[] = {"~", "null", "Null", "NULL", ""};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        r = read_filled("T", absent[i], "[en]", "5");
        assert_int_equal(r.rc, 0);
        assert_true(json_is_null(json_object_get(json_object_get(r.def, "meeting"), "session")));
        result_release(&r);
    }
    const char *texts[] = {"'5'", "\"true\"", "'null'", "2022-03-31", "0x10", ".inf", "1_000"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        r = read_filled(texts[i], "S", "[en]", "5");
        assert_valid(&r);
        assert_true(json_is_string(json_object_get(json_object_get(r.def, "meeting"), "title")));
        result_release(&r);
    }

    /* refused: a number or boolean where text is wanted, text where a number is */
    char text[2048];
    snprintf(text, sizeof text, VALID, "5", "S", "[en]", "5");
    expect_one(text, 3, 10, "meeting.title: must be text, not a number (put it in quotes");
    snprintf(text, sizeof text, VALID, "True", "S", "[en]", "5");
    expect_one(text, 3, 10, "meeting.title: must be text, not true/false");
    snprintf(text, sizeof text, VALID, "T", "S", "[en]", "0x10");
    expect_one(text, 12, 53, "agenda[0].planned_minutes: must be a number of minutes, not text");
    snprintf(text, sizeof text, VALID, "T", "S", "[en]", "99999999999999999999");
    expect_one(text, 12, 53, "agenda[0].planned_minutes: is 1e+20 minutes; at most 1440");
    snprintf(text, sizeof text, VALID, "T", "S", "[en]", "1e999");
    expect_one(text, 12, 53, "must be a number of minutes, not text");
}

/* ---- positions ----------------------------------------------------------------------------- */

static void columns_count_characters_not_bytes(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, VALID, "T", "S", "[en]", "5");
    /* the person on one line, after a Chinese name: "grup" is character 28, byte 34 */
    char *p = strstr(text, "  - {id: c, name: C, group:");
    assert_non_null(p);
    strcpy(p, "  - {id: chair, name: 陈思远, grup: member_state, mode: room, roles: [chair]}\n");
    result r = read_yaml(text);
    assert_int_equal(r.diags.n, 2);
    assert_int_equal(r.diags.items[0].line, 14);
    assert_int_equal(r.diags.items[0].column, 5);
    assert_non_null(strstr(r.diags.items[0].msg, "people[0]: field \"group\" is required"));
    assert_int_equal(r.diags.items[1].line, 14);
    assert_int_equal(r.diags.items[1].column, 28);
    assert_non_null(
        strstr(r.diags.items[1].msg, "unknown field \"grup\"; did you mean \"group\"?"));
    assert_string_equal(r.diags.items[1].text,
                        "t.yaml:14:28: people[0]: unknown field \"grup\"; did you mean \"group\"?");
    result_release(&r);
}

static void bad_bytes_are_placed_exactly(void **state)
{
    (void)state;
    struct {
        const char *text;
        unsigned line, col;
        const char *words;
    } cases[] = {
        {"meeting:\n  title: ab\xff"
         "cd\n",
         2, 12, "not valid UTF-8 here (invalid leading UTF-8 octet)"},
        {"meeting:\n  title: ab\x80"
         "cd\n",
         2, 12, "not valid UTF-8 here (invalid leading UTF-8 octet)"},
        {"meeting:\n  title: \"\xe9t\xe9\"\n", 2, 11,
         "not valid UTF-8 here (invalid trailing UTF-8 octet)"},
        {"meeting:\n  title: \xc0\xaf\n", 2, 10,
         "not valid UTF-8 here (invalid length of a UTF-8 sequence)"},
        {"meeting:\n  title: \xed\xa0\x80\n", 2, 10,
         "not valid UTF-8 here (invalid Unicode character)"},
        {"meeting:\n  title: 陈\xe6\x80", 2, 11,
         "not valid UTF-8 here (incomplete UTF-8 octet sequence)"},
        {"meeting:\n\n  title: a\x01\n", 3, 11, "the character U+0001 is not allowed in YAML"},
        {"# \xe2\x80\xa8 is a line break for libyaml\nmeeting: {title: a\x7f}\n", 3, 19,
         "the character U+007F is not allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_one(cases[i].text, cases[i].line, cases[i].col, cases[i].words);
    /* a NUL byte inside the buffer */
    const char nul[] = "meeting:\n  title: a\0b\n";
    result r = read_yaml_as(nul, sizeof nul - 1, "nul.yaml", NULL);
    assert_int_equal(r.diags.n, 1);
    assert_int_equal(r.diags.items[0].line, 2);
    assert_int_equal(r.diags.items[0].column, 11);
    assert_non_null(strstr(r.diags.items[0].msg, "the character U+0000 is not allowed"));
    result_release(&r);
}

static void refused_yaml_shapes(void **state)
{
    (void)state;
    expect_one("", 1, 1,
               "a meeting definition must be a mapping with the fields meeting, agenda "
               "and people, not empty");
    expect_one("# nothing but a comment\n", 1, 1, "not empty");
    expect_one("\n\n- meeting\n- agenda\n", 3, 1,
               "must be a mapping with the fields meeting, "
               "agenda and people, not a list");
    expect_one("just text", 1, 1, "not text");
    char deep[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    expect_one(deep, 1, 33, "nested more than 32 levels deep");
    /* a complex key is refused, and so is what it maps to; the rest is checked */
    result r = read_yaml("? [a, b]\n: c\n");
    assert_int_equal(r.diags.n, 4);
    assert_non_null(strstr(r.diags.items[0].msg, "field \"meeting\" is required"));
    assert_int_equal(r.diags.items[3].line, 1);
    assert_int_equal(r.diags.items[3].column, 3);
    assert_non_null(strstr(r.diags.items[3].msg, "a key must be a plain name, not a list"));
    result_release(&r);
    /* anchors on containers, aliases as keys */
    r = read_yaml("meeting: &m {}\n*m : 1\n");
    bool anchor = false, alias = false;
    for (size_t i = 0; i < r.diags.n; i++) {
        anchor |= r.diags.items[i].line == 1 && r.diags.items[i].column == 10 &&
                  strstr(r.diags.items[i].msg, "anchors (&m) are not supported");
        alias |= r.diags.items[i].line == 2 && r.diags.items[i].column == 1 &&
                 strstr(r.diags.items[i].msg, "aliases (*m) are not supported");
    }
    assert_true(anchor && alias);
    result_release(&r);
}

static void diagnostics_are_sorted_and_appended(void **state)
{
    (void)state;
    gv_diag_list l;
    gv_diag_list_init(&l);
    json_t *def = NULL;
    const char *a = "agenda: 1\nmeeting: 2\npeople: 3\n";
    assert_int_equal(gv_definition_from_yaml(a, strlen(a), "a.yaml", NULL, NULL, &def, &l, NULL),
                     GV_EINVAL);
    assert_null(def);
    assert_int_equal(l.n, 3);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.items[i].line, i + 1);
    assert_string_equal(l.items[0].text,
                        "a.yaml:1:9: agenda: must be a list of agenda items, not a number");
    const char *b = "meeting: {id: x}";
    assert_int_equal(gv_definition_from_yaml(b, strlen(b), NULL, NULL, NULL, &def, &l, NULL),
                     GV_EINVAL);
    assert_true(l.n > 3);
    assert_string_equal(l.items[3].text, "<input>:1:1: field \"people\" is required");
    gv_diag_list_release(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

/* ---- time zones ---------------------------------------------------------------------------- */

static void write_file(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void zones_are_looked_up_safely(void **state)
{
    (void)state;
    assert_true(gv_zone_exists("Europe/Zurich", NULL));
    assert_true(gv_zone_exists("America/Argentina/Buenos_Aires", NULL));
    assert_true(gv_zone_exists("Etc/GMT+5", NULL));
    assert_true(gv_zone_exists("UTC", NULL));
    assert_false(gv_zone_exists("Europe/Atlantis", NULL));
    assert_false(gv_zone_exists("europe/zurich", NULL));
    assert_false(gv_zone_exists("Europe", NULL));   /* a directory */
    assert_false(gv_zone_exists("zone.tab", NULL)); /* not a zone */
    assert_false(gv_zone_exists("tzdata.zi", NULL));
    assert_false(gv_zone_exists("../zoneinfo/Europe/Zurich", NULL));
    assert_false(gv_zone_exists("Europe/../Europe/Zurich", NULL));
    assert_false(gv_zone_exists("/usr/share/zoneinfo/Europe/Zurich", NULL));
    assert_false(gv_zone_exists("", NULL));
    assert_false(gv_zone_exists(NULL, NULL));

    char dir[] = "/tmp/gv-zone-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], good[96], text[96];
    snprintf(sub, sizeof sub, "%s/Test", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(good, sizeof good, "%s/Zone", sub);
    snprintf(text, sizeof text, "%s/Text", sub);
    write_file(good, "TZif2 and the rest of a zone file");
    write_file(text, "Europe/Zurich");
    assert_true(gv_zone_exists("Test/Zone", dir));
    assert_false(gv_zone_exists("Test/Text", dir));
    assert_false(gv_zone_exists("Europe/Zurich", dir));
    unlink(good);
    unlink(text);
    rmdir(sub);
    rmdir(dir);

    /* the check asks the callback only for names that pass the syntax check */
    result r = read_filled("T", "S", "[en]", "5");
    assert_int_equal(r.rc, 0);
    result_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_embedded_example_validates_and_loads),
        cmocka_unit_test(json_files_read_the_same),
        cmocka_unit_test(broken_files_give_their_expected_problems),
        cmocka_unit_test(crlf_files_give_the_same_positions),
        cmocka_unit_test(plain_scalars_resolve_like_yaml_core),
        cmocka_unit_test(columns_count_characters_not_bytes),
        cmocka_unit_test(bad_bytes_are_placed_exactly),
        cmocka_unit_test(refused_yaml_shapes),
        cmocka_unit_test(diagnostics_are_sorted_and_appended),
        cmocka_unit_test(zones_are_looked_up_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

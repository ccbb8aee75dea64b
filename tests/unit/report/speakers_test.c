/*
 * The provisional list of speakers as a file (src/report/speakers.c): the
 * CSV's rows and words, in English and in French; the PDF read back with
 * pdftotext in English and in Arabic (the words, the names, the "why here"
 * of each place); both in each of the six languages of the pages; the
 * running item's live list; and the refusals.
 *
 * The meeting is support.h's: its item "un-round" (policy un) gets an
 * inscription window and five inscriptions days before the meeting.
 */
#include "support.h"

#include "report/render.h"
#include "report/speakers.h"

#include "pdf_text.h"

#define DAY 86400000LL

/* Under the sanitizers: cairo's font subsetter keeps some bytes for each
 * font subset it embeds, a leak of cairo's (tests/integration/server/pdf_lsan.supp
 * says more); the font caches are freed at the end (gv_report_release_fonts). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\n";
}

static int release_fonts(void **state)
{
    (void)state;
    gv_report_release_fonts();
    return 0;
}

static json_t *words(const char *lang)
{
    char path[1024];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/web/i18n/%s.json", GV_SOURCE_DIR, lang);
    json_t *w = json_load_file(path, 0, &jerr);
    if (!w)
        fail_msg("%s: %s", path, jerr.text);
    return w;
}

/* The meeting with p1 (Minister), p2, p3 (observer), p5 (NGO) and p6 (on
 * behalf of nobody: a firm) inscribed for un-round; p2 and p1 swapped. */
static gv_meeting *inscribed(void)
{
    gv_error err = {0};
    json_t *def = json_loads(gvt_definition_json, 0, NULL);
    gv_meeting *m = gv_meeting_new();
    json_t *ev = gv_meeting_define(m, def, GVT_T0 - 10 * DAY, &err);
    if (!ev || gv_meeting_apply(m, ev, &err) < 0)
        fail_msg("definition: %s", err.msg);
    json_decref(ev);
    json_decref(def);
    int64_t t = GVT_T0 - 7 * DAY;
    gvt_ok(m, "sec", t,
           "{\"type\": \"set_inscription\", \"item\": \"un-round\", \"opens_at_ms\": %lld, "
           "\"closes_at_ms\": %lld}",
           (long long)t, (long long)(GVT_T0 - DAY));
    gvt_ok(m, "p5", t += DAY, "{\"type\": \"inscribe\", \"item\": \"un-round\"}");
    gvt_ok(m, "p2", t += 1000, "{\"type\": \"inscribe\", \"item\": \"un-round\"}");
    gvt_ok(m, "p1", t += 1000,
           "{\"type\": \"inscribe\", \"item\": \"un-round\", \"level\": \"minister\"}");
    gvt_ok(m, "p3", t += 1000,
           "{\"type\": \"inscribe\", \"item\": \"un-round\", \"level\": "
           "\"head_of_state\"}");
    gvt_ok(m, "sec", t += 1000,
           "{\"type\": \"inscribe_speaker\", \"item\": \"un-round\", \"person\": \"p4\", "
           "\"on_behalf_of\": \"the Group of Agencies\"}");
    return m;
}

static char *render(const gv_meeting *m, const char *lang, gv_speakers_format fmt, size_t *len)
{
    json_t *state = gv_meeting_to_json(m), *w = words(lang);
    char *out = NULL;
    gv_error err = {0};
    if (gv_speakers_render(state, "un-round", w, lang, fmt, &out, len, &err) < 0)
        fail_msg("render %s: %s", lang, err.msg);
    json_decref(state);
    json_decref(w);
    return out;
}

static void expect_in(const char *text, const char *what)
{
    if (!strstr(text, what))
        fail_msg("\"%s\" is not in:\n%s", what, text);
}

static void csv_in_english_and_french(void **state)
{
    (void)state;
    gv_meeting *m = inscribed();
    size_t len = 0;
    char *csv = render(m, "en", GV_SPEAKERS_CSV, &len);
    assert_int_equal(strlen(csv), len);
    /* Group statement, member states by level (p1 Minister before p2), then the observer's
     * Head of State, then civil society. */
    const char *want[] = {
        "No.,Speaker,Delegation,Level,On behalf of,Room or online,Why here,request,person,"
        "level_code,reason_code,pinned,requested_at_utc\r\n",
        "1,Agency Four,Agency,\xE2\x80\x94,the Group of Agencies,Online,\"statement on behalf of "
        "\xE2\x81\xA8the Group of Agencies\xE2\x81\xA9, Head of delegation, no. 1 at this level by "
        "time of inscription\",",
        "\r\n2,Delegate One,Arcadia,Minister,,In the room,\"member state, Minister, no. 1 at this "
        "level by time of inscription\",",
        "\r\n3,Delegate Two,Borduria,Head of delegation,,Online,",
        "\r\n4,Observer Three,Carpania,Head of State,,In the room,\"observer state, Head of State, "
        "no. 1 at this level by time of inscription\",",
        "\r\n5,Civil Five,NGO,\xE2\x80\x94,,Online,\"other stakeholder, no. 1 by time of "
        "inscription\",",
        ",p5,head_of_delegation,un_other,false,2022-03-25T12:30:00Z\r\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        expect_in(csv, want[i]);
    free(csv);
    csv = render(m, "fr", GV_SPEAKERS_CSV, &len);
    expect_in(csv, "No,Orateur,Délégation,Niveau,Au nom de,Salle ou en ligne,Pourquoi ici,");
    expect_in(csv, "\"État membre, Ministre, no 1 à ce niveau par heure d'inscription\"");
    free(csv);
    gv_meeting_free(m);
}

static void pdf_reads_back_in_english_and_arabic(void **state)
{
    (void)state;
    gv_meeting *m = inscribed();
    int64_t p1 = 0, p2 = 0;
    json_t *s = gv_meeting_to_json(m), *e;
    size_t i;
    json_array_foreach(json_object_get(s, "floor_requests"), i, e)
    {
        const char *who = json_string_value(json_object_get(e, "person"));
        if (strcmp(who, "p1") == 0)
            p1 = json_integer_value(json_object_get(e, "request"));
        if (strcmp(who, "p2") == 0)
            p2 = json_integer_value(json_object_get(e, "request"));
    }
    json_decref(s);
    gvt_ok(m, "sec", GVT_T0 - 2 * DAY,
           "{\"type\": \"swap_inscriptions\", \"request\": %lld, \"with\": %lld}", (long long)p1,
           (long long)p2);
    size_t len = 0;
    char *pdf = render(m, "en", GV_SPEAKERS_PDF, &len);
    assert_true(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
    char *text = gvt_pdf_text(pdf, len);
    const char *en[] = {"PROVISIONAL LIST OF SPEAKERS",
                        "Statements",
                        "Test panel",
                        "United Nations practice",
                        "open from 2022-03-24 13:30 (UTC+01:00) until 2022-03-30 14:30 (UTC+02:00)",
                        "Last changed",
                        "2022-03-29 14:30 (UTC+02:00)",
                        "Why here",
                        "Borduria",
                        "swapped places with Arcadia at their request",
                        "Head of State",
                        "Page 1 of 1"};
    for (size_t k = 0; k < sizeof en / sizeof *en; k++)
        expect_in(text, en[k]);
    free(text);
    free(pdf);

    pdf = render(m, "ar", GV_SPEAKERS_PDF, &len);
    text = gvt_pdf_text(pdf, len);
    const char *ar[] = {"القائمة المؤقتة للمتكلمين",
                        "المتكلم",
                        "الوفد",
                        "سبب الترتيب",
                        "رئيس دولة",
                        "دولة مراقبة",
                        "الصفحة",
                        "تبادل المكان مع",
                        "Arcadia",
                        "Carpania"};
    for (size_t k = 0; k < sizeof ar / sizeof *ar; k++)
        expect_in(text, ar[k]);
    free(text);
    free(pdf);
    gv_meeting_free(m);
}

/* Each language the pages speak (web/i18n): the CSV's columns and the
 * PDF's column heads, read back with pdftotext, are that language's words,
 * taken from its file (not written here), and the names are there. */
static void every_language_of_the_pages(void **state)
{
    (void)state;
    static const char *const langs[] = {"en", "fr", "es", "ru", "zh", "ar"};
    static const char *const keys[] = {"sl.col.speaker", "sl.col.delegation", "sl.col.why"};
    gv_meeting *m = inscribed();
    for (size_t l = 0; l < sizeof langs / sizeof *langs; l++) {
        json_t *w = words(langs[l]);
        size_t len = 0;
        char *csv = render(m, langs[l], GV_SPEAKERS_CSV, &len);
        char *pdf = render(m, langs[l], GV_SPEAKERS_PDF, &len);
        char *text = gvt_pdf_text(pdf, len);
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            const char *word = json_string_value(json_object_get(w, keys[k]));
            if (!word)
                fail_msg("%s: no %s in web/i18n/%s.json", langs[l], keys[k], langs[l]);
            if (!strstr(csv, word) || !strstr(text, word))
                fail_msg("%s: \"%s\" (%s) is not in the %s:\n%s", langs[l], word, keys[k],
                         strstr(csv, word) ? "PDF" : "CSV", strstr(csv, word) ? text : csv);
        }
        expect_in(text, "Arcadia");
        expect_in(csv, "Arcadia");
        free(text);
        free(pdf);
        free(csv);
        json_decref(w);
    }
    gv_meeting_free(m);
}

static void the_running_item_gives_its_live_list(void **state)
{
    (void)state;
    gv_meeting *m = inscribed();
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"open_meeting\"}");
    gvt_ok(m, "chair", GVT_T0 + 1000, "{\"type\": \"start_item\", \"item\": \"un-round\"}");
    gvt_ok(m, "p6", GVT_T0 + 2000, "{\"type\": \"request_floor\"}");
    size_t len = 0;
    char *csv = render(m, "en", GV_SPEAKERS_CSV, &len);
    expect_in(csv, "\r\n6,Business Six,Firm,\xE2\x80\x94,,In the room,\"other stakeholder, no. 2 "
                   "by time of inscription\"");
    free(csv);
    gv_meeting_free(m);
}

static void refusals(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    json_t *s = gv_meeting_to_json(m), *w = words("en");
    char *out = (char *)1;
    size_t len = 1;
    gv_error err = {0};
    assert_int_equal(gv_speakers_render(s, "nope", w, "en", GV_SPEAKERS_PDF, &out, &len, &err),
                     GV_ENOTFOUND);
    assert_null(out);
    assert_non_null(strstr(err.msg, "no agenda item \"nope\""));
    json_object_del(s, "provisional");
    assert_int_equal(gv_speakers_render(s, "opening", w, "en", GV_SPEAKERS_CSV, &out, &len, &err),
                     GV_EINVAL);
    gv_speakers_format f = GV_SPEAKERS_CSV;
    assert_int_equal(gv_speakers_format_from_name("docx", &f), GV_EINVAL);
    assert_int_equal(gv_speakers_format_from_name("pdf", &f), 0);
    assert_int_equal(f, GV_SPEAKERS_PDF);
    json_decref(s);
    json_decref(w);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_in_english_and_french),
        cmocka_unit_test(pdf_reads_back_in_english_and_arabic),
        cmocka_unit_test(every_language_of_the_pages),
        cmocka_unit_test(the_running_item_gives_its_live_list),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, release_fonts);
}

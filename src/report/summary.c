/*
 * The Chair's summary (summary.h): its part of the record, the summary
 * document built from a record, and the summary laid out for people with
 * the record as its annex.
 *
 * The record carries the summary as it stood at its last event ("summary":
 * version, approval, sections), so everything here is a function of the
 * log like the record itself: the approved summary is the one in the
 * record of the log up to the approval event. Its layout follows a United
 * Nations Chair's summary: the title fields, I. Introduction, II. Key
 * messages, III. The discussion, by guiding question (A, B, ... each with
 * the question and what was said on it), IV. Recommendations, then the
 * outcome record as the annex. A section's text is one paragraph a line; a
 * line that starts with "- " or "* " is a point of a list ("• ").
 */
#include "report/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/record.h"
#include "report/report_internal.h"

static json_t *name_of(const json_t *state, const char *id)
{
    const json_t *p = gv__find(json_object_get(state, "people"), "id", id);
    return p ? json_incref(json_object_get(p, "name")) : json_null();
}

int gv__record_summary(const json_t *state, icaltimezone *zone, json_t *rec, gv_error *err)
{
    const json_t *s = json_object_get(state, "summary");
    const json_t *a = json_object_get(s, "approved");
    json_t *sections = json_array();
    json_t *approved =
        json_is_object(a)
            ? json_pack("{s:O, s:O, s:o, s:O, s:o}", "version", json_object_get(a, "version"),
                        "seq", json_object_get(a, "seq"), "at",
                        gv__time_json(zone, gv__i(a, "at_ms")), "by", json_object_get(a, "by"),
                        "name", name_of(state, gv__s(a, "by")))
            : json_null();
    json_t *o = json_pack("{s:I, s:o, s:o}", "version", (json_int_t)gv__i(s, "version"), "approved",
                          approved, "sections", sections);
    if (!o || json_object_set_new(rec, "summary", o) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory while building the record");
    size_t i;
    const json_t *sec;
    json_array_foreach(json_object_get(s, "sections"), i, sec)
    {
        json_t *row = json_pack(
            "{s:O, s:O, s:O, s:O, s:o, s:O, s:o}", "section", json_object_get(sec, "section"),
            "guiding_question", json_object_get(sec, "guiding_question"), "text",
            json_object_get(sec, "text"), "version", json_object_get(sec, "version"), "edited",
            gv__time_json(zone, gv__i(sec, "edited_at_ms")), "edited_by",
            json_object_get(sec, "edited_by"), "edited_by_name",
            name_of(state, gv__s(sec, "edited_by")));
        if (json_array_append_new(sections, row) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory while building the record");
    }
    return 0;
}

/* The text of guiding question `id` in the record, or null. */
static json_t *question_text(const json_t *record, const char *id)
{
    const json_t *g = gv__find(gv__a(record, "guiding_questions"), "id", id);
    return g ? json_incref(json_object_get(g, "text")) : json_null();
}

int gv_summary_from_record(const json_t *record, json_t **summary, gv_error *err)
{
    const json_t *s = gv__o(record, "summary");
    *summary = NULL;
    if (!s || gv__i(s, "version") < 1)
        return gv_error_set(err, GV_ESTATE,
                            "the meeting has no summary yet: the rapporteur or the secretariat "
                            "builds the draft from the notes first");
    const json_t *a = json_object_get(s, "approved");
    json_t *sections = json_array();
    json_t *doc = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:o, s:O}", "format",
                            GV_SUMMARY_FORMAT, "status", json_is_object(a) ? "approved" : "draft",
                            "version", json_object_get(s, "version"), "approved", a, "meeting",
                            json_object_get(record, "meeting"), "chairs",
                            json_object_get(gv__o(record, "presiding"), "chairs"), "rapporteurs",
                            json_object_get(gv__o(record, "presiding"), "rapporteurs"), "sections",
                            sections, "verification", json_object_get(record, "verification"));
    if (!doc)
        return gv_error_set(err, GV_EINVAL, "the record lacks some of its sections");
    size_t i;
    const json_t *sec;
    json_array_foreach(gv__a(s, "sections"), i, sec)
    {
        json_t *row = json_pack("{s:O, s:O, s:o, s:O}", "section", json_object_get(sec, "section"),
                                "guiding_question", json_object_get(sec, "guiding_question"),
                                "question", question_text(record, gv__s(sec, "guiding_question")),
                                "text", json_object_get(sec, "text"));
        if (json_array_append_new(sections, row) < 0) {
            json_decref(doc);
            return gv_error_set(err, GV_ENOMEM, "out of memory while building the summary");
        }
    }
    *summary = doc;
    return 0;
}

int gv_summary_from_store(gv_store *s, const char *meeting_id, bool draft, json_t **summary,
                          json_t **record, gv_error *err)
{
    json_t *rec = NULL;
    *summary = NULL;
    if (record)
        *record = NULL;
    int rc = gv_record_from_store(s, meeting_id, 0, &rec, err);
    if (rc < 0)
        return rc;
    const json_t *a = gv__o(gv__o(rec, "summary"), "approved");
    int64_t version = gv__i(gv__o(rec, "summary"), "version");
    int64_t approved_seq = gv__i(a, "seq");
    int64_t last_seq = gv__i(gv__o(rec, "verification"), "last_seq");
    if (!draft && version > 0 && !a) {
        json_decref(rec);
        return gv_error_set(err, GV_ESTATE,
                            "the summary of %s is not approved yet (version %lld is a draft): "
                            "the chair approves it, or ask for the draft",
                            meeting_id, (long long)version);
    }
    if (!draft && a && approved_seq != last_seq) {
        /* Tied to the approval: the record of the log up to that event. */
        json_decref(rec);
        if ((rc = gv_record_from_store(s, meeting_id, approved_seq, &rec, err)) < 0)
            return rc;
    }
    if ((rc = gv_summary_from_record(rec, summary, err)) < 0 || !record)
        json_decref(rec);
    else
        *record = rec;
    return rc;
}

int gv_summary_check_log(gv_store *s, const json_t *summary, gv_error *err)
{
    const json_t *v = json_object_get(summary, "verification");
    const char *meeting = json_string_value(json_object_get(v, "meeting"));
    json_int_t seq = json_integer_value(json_object_get(v, "last_seq"));
    if (!meeting || seq < 1)
        return gv_error_set(err, GV_EINVAL,
                            "the summary's \"verification\" does not name a meeting and a "
                            "last_seq");
    json_t *rec = NULL, *rebuilt = NULL;
    int rc = gv_record_from_store(s, meeting, seq, &rec, err);
    if (rc == 0 && (rc = gv_summary_from_record(rec, &rebuilt, err)) == GV_ESTATE)
        rc = gv_error_set(err, GV_ECORRUPT,
                          "the log of %s has no summary at event %lld: the summary is not of "
                          "this log",
                          meeting, (long long)seq);
    if (rc == 0 && !json_equal((json_t *)summary, rebuilt)) {
        const char *key, *diff = "(a field the log does not have)";
        json_t *val;
        json_object_foreach(rebuilt, key, val)
        {
            if (!json_equal(val, json_object_get(summary, key))) {
                diff = key;
                break;
            }
        }
        rc = gv_error_set(err, GV_ECORRUPT,
                          "the summary does not match the log of %s up to event %lld: it "
                          "differs in \"%s\"",
                          meeting, (long long)seq, diff);
    }
    json_decref(rec);
    json_decref(rebuilt);
    return rc;
}

/* ---- the summary as a document ------------------------------------------------------------- */

static void heading(gv__doc *d, int level, const char *id, const char *text)
{
    gv__heading h = {.level = level};
    snprintf(h.id, sizeof h.id, "%s", id);
    snprintf(h.text, sizeof h.text, "%s", text);
    d->heading(d, &h);
}

/* A section's text, one paragraph a line, "- " and "* " as points. */
static void paragraphs(gv__doc *d, const char *text, const char *none)
{
    bool any = false;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t'))
            n--;
        size_t lead = 0;
        while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
            lead++;
        if (lead < n) {
            bool point = n - lead > 2 && (p[lead] == '-' || p[lead] == '*') && p[lead + 1] == ' ';
            char *line = malloc(n - lead + 8);
            if (line) {
                snprintf(line, n - lead + 8, "%s%.*s", point ? "\xE2\x80\xA2 " : "",
                         (int)(n - lead - (point ? 2 : 0)), p + lead + (point ? 2 : 0));
                d->para(d, line);
                free(line);
            }
            any = true;
        }
        p = nl ? nl + 1 : p + strlen(p);
    }
    if (!any)
        d->para(d, none);
}

static const json_t *section_of(const json_t *summary, const char *name)
{
    return gv__find(gv__a(summary, "sections"), "section", name);
}

static void write_fields(gv__doc *d, const json_t *summary)
{
    const json_t *m = gv__o(summary, "meeting");
    const json_t *start = gv__o(gv__o(m, "planned"), "start");
    const json_t *opened = gv__o(m, "opened");
    char date[64], status[200], chairs[1024] = "";
    gv__fmt_date(gv__s(opened ? opened : start, "local"), date);
    size_t i, used = 0;
    const json_t *c;
    json_array_foreach(gv__a(summary, "chairs"), i, c)
    {
        int n =
            snprintf(chairs + used, sizeof chairs - used, "%s%s", i ? "; " : "", gv__s(c, "name"));
        if (n < 0 || (size_t)n >= sizeof chairs - used)
            break;
        used += (size_t)n;
    }
    const json_t *a = gv__o(summary, "approved");
    if (a) {
        char when[64], hms[16];
        gv__fmt_date(gv__s(gv__o(a, "at"), "local"), when);
        snprintf(status, sizeof status, "Approved by %s on %s at %s (version %lld)",
                 gv__s(a, "name"), when, gv__local_hms(gv__o(a, "at"), hms),
                 (long long)gv__i(a, "version"));
    } else {
        snprintf(status, sizeof status, "Draft (version %lld), not approved by the Chair",
                 (long long)gv__i(summary, "version"));
    }
    const char *keys[] = {"Body", "Session", "Date", "Venue", "Chair", "Status"};
    const char *vals[] = {
        gv__s(m, "body"), gv__s(m, "session"), date, gv__s(m, "venue"), chairs, status};
    const char *k[6], *v[6];
    size_t n = 0;
    for (size_t f = 0; f < 6; f++) {
        if (vals[f][0]) {
            k[n] = keys[f];
            v[n++] = vals[f];
        }
    }
    d->fields(d, n, k, v);
}

static void write_summary(gv__doc *d, const json_t *summary)
{
    d->title(d, gv__s(gv__o(summary, "meeting"), "title"), "Chair's summary");
    write_fields(d, summary);
    heading(d, 1, "introduction", "Introduction");
    paragraphs(d, gv__s(section_of(summary, "introduction"), "text"), "(no introduction yet)");
    heading(d, 1, "key-messages", "Key messages");
    paragraphs(d, gv__s(section_of(summary, "key_messages"), "text"), "(no key messages yet)");
    heading(d, 1, "discussion", "The discussion, by guiding question");
    size_t i, q = 0;
    const json_t *s;
    json_array_foreach(gv__a(summary, "sections"), i, s)
    {
        if (strcmp(gv__s(s, "section"), "guiding_question") != 0)
            continue;
        char id[32], title[64];
        snprintf(id, sizeof id, "summary-gq-%zu", ++q);
        snprintf(title, sizeof title, "Guiding question %zu", q);
        heading(d, 2, id, title);
        d->quote(d, gv__s(s, "question"), NULL);
        paragraphs(d, gv__s(s, "text"), "(nothing summarised on this question)");
    }
    heading(d, 1, "recommendations", "Recommendations");
    paragraphs(d, gv__s(section_of(summary, "recommendations"), "text"),
               "(no recommendations yet)");
    const json_t *v = gv__o(summary, "verification");
    char line[300];
    snprintf(line, sizeof line,
             "Built from the event log of meeting \xE2\x80\x9C%s\xE2\x80\x9D up to event %lld, "
             "whose chain hash is:",
             gv__s(v, "meeting"), (long long)gv__i(v, "last_seq"));
    d->para(d, line);
    d->mono(d, gv__s(v, "hash"));
}

int gv__doc_write_all(const json_t *summary, const json_t *record, gv__doc *d, gv_error *err)
{
    if (!summary)
        return gv__doc_write(record, d, err);
    write_summary(d, summary);
    if (d->annex)
        d->annex(d);
    return gv__doc_write(record, d, err);
}

int gv_summary_render(const json_t *summary, const json_t *record, gv_report_format fmt, char **out,
                      size_t *len, gv_error *err)
{
    gv__buf b;
    int rc;
    *out = NULL;
    *len = 0;
    if (fmt == GV_REPORT_JSON) {
        if (!(*out = gv_record_canonical(summary, len)))
            return gv_error_set(err, GV_ENOMEM, "out of memory while writing the summary");
        return 0;
    }
    gv__buf_init(&b);
    switch (fmt) {
    case GV_REPORT_MD:
        rc = gv__render_md(summary, record, &b, err);
        break;
    case GV_REPORT_DOCX:
        rc = gv__render_docx(summary, record, &b, err);
        break;
    case GV_REPORT_ODT:
        rc = gv__render_odt(summary, record, &b, err);
        break;
    default:
        rc = gv_error_set(err, GV_EINVAL,
                          "the summary is written as json, md, docx or odt, not as %s",
                          gv_report_format_ext(fmt));
    }
    if (rc < 0) {
        gv__buf_release(&b);
        return rc;
    }
    *out = gv__buf_take(&b, len, err);
    return *out ? 0 : GV_ENOMEM;
}

/*
 * CSV of the speeches: one header row, then one row per speech in the order
 * given, as RFC 4180 says (comma separated, CRLF line ends, a field with a
 * comma, a quote or a line break in double quotes, quotes doubled). Names and
 * affiliations come from users and the file is meant for spreadsheets, so a
 * cell starting with = + - @ (or a tab or carriage return) is written with a
 * leading apostrophe: a spreadsheet shows it as text and never runs it as a
 * formula. Numbers are never negative, so no figure is touched by that rule.
 *
 * The file starts with a UTF-8 byte-order mark: without it Excel reads a CSV
 * in the machine's legacy code page and turns Arabic and Chinese names into
 * mojibake; LibreOffice, Python's csv module with utf-8-sig and R read the
 * mark as what it is.
 *
 * The last two columns name the written statements beside each speech:
 * their files and their SHA-256, several joined by "; ".
 */
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

static const char *const columns[] = {"n",
                                      "speech",
                                      "start_local",
                                      "start_utc",
                                      "end_local",
                                      "item",
                                      "item_title",
                                      "guiding_question",
                                      "person",
                                      "name",
                                      "function",
                                      "affiliation",
                                      "delegation",
                                      "stakeholder_group",
                                      "regional_group",
                                      "gender",
                                      "mode",
                                      "kind",
                                      "to",
                                      "answer_to",
                                      "duration_ms",
                                      "duration",
                                      "limit_ms",
                                      "overtime_ms",
                                      "paused_ms",
                                      "extended_ms",
                                      "in_progress",
                                      "statements",
                                      "statement_sha256"};
#define NCOLS (sizeof columns / sizeof columns[0])

static void int_cell(gv__buf *b, const json_t *v)
{
    if (json_is_integer(v))
        gv__buf_printf(b, "%lld", (long long)json_integer_value(v));
}

/* The files and SHA-256 of the statements beside speech s, each cell a
 * list joined by "; ". */
static void statement_cells(gv__buf *b, const json_t *statements, const json_t *s)
{
    gv__buf files, hashes;
    gv__buf_init(&files);
    gv__buf_init(&hashes);
    size_t i, k;
    const json_t *id, *st;
    json_array_foreach(gv__a(s, "statements"), i, id)
    {
        json_array_foreach(statements, k, st)
        {
            if (gv__i(st, "statement") != json_integer_value(id))
                continue;
            gv__buf_printf(&files, "%s%s", files.len ? "; " : "", gv__s(st, "file_name"));
            gv__buf_printf(&hashes, "%s%s", hashes.len ? "; " : "", gv__s(st, "sha256"));
        }
    }
    gv__csv_cell(b, files.data ? files.data : "");
    gv__buf_puts(b, ",");
    gv__buf_puts(b, hashes.data ? hashes.data : "");
    b->failed = b->failed || files.failed || hashes.failed;
    gv__buf_release(&files);
    gv__buf_release(&hashes);
}

int gv__render_csv(const json_t *record, gv__buf *b, gv_error *err)
{
    const json_t *speeches = gv__a(record, "speeches"), *agenda = gv__a(record, "agenda");
    if (!speeches)
        return gv_error_set(err, GV_EINVAL, "the record has no speeches section");
    gv__buf_puts(b, "\xEF\xBB\xBF");
    for (size_t c = 0; c < NCOLS; c++) {
        if (c)
            gv__buf_puts(b, ",");
        gv__buf_puts(b, columns[c]);
    }
    gv__buf_puts(b, "\r\n");
    size_t i;
    const json_t *s;
    json_array_foreach(speeches, i, s)
    {
        /* Agenda ids are unique (definition_check.c). */
        const json_t *it = gv__find(agenda, "id", gv__s(s, "item"));
        const char *title = it ? gv__s(it, "title") : "";
        char dur[32];
        gv__fmt_duration(gv__i(s, "duration_ms"), false, dur);
        const json_t *start = gv__o(s, "start"), *end = gv__o(s, "end");
        int_cell(b, json_object_get(s, "n"));
        gv__buf_puts(b, ",");
        int_cell(b, json_object_get(s, "speech"));
        const char *text[] = {gv__s(start, "local"),
                              gv__s(start, "utc"),
                              gv__s(end, "local"),
                              gv__s(s, "item"),
                              title,
                              gv__s(s, "guiding_question"),
                              gv__s(s, "person"),
                              gv__s(s, "name"),
                              gv__s(s, "function"),
                              gv__s(s, "affiliation"),
                              gv__s(s, "delegation"),
                              gv__s(s, "group"),
                              gv__s(s, "region"),
                              gv__s(s, "gender"),
                              gv__s(s, "mode"),
                              gv__s(s, "kind"),
                              gv__s(s, "to")};
        for (size_t t = 0; t < sizeof text / sizeof text[0]; t++) {
            gv__buf_puts(b, ",");
            gv__csv_cell(b, text[t]);
        }
        gv__buf_puts(b, ",");
        int_cell(b, json_object_get(s, "answer_to"));
        gv__buf_puts(b, ",");
        int_cell(b, json_object_get(s, "duration_ms"));
        gv__buf_puts(b, ",");
        gv__csv_cell(b, dur);
        static const char *const ints[] = {"limit_ms", "overtime_ms", "paused_ms", "extended_ms"};
        for (size_t t = 0; t < sizeof ints / sizeof ints[0]; t++) {
            gv__buf_puts(b, ",");
            int_cell(b, json_object_get(s, ints[t]));
        }
        gv__buf_puts(b, json_is_true(json_object_get(s, "in_progress")) ? ",true," : ",false,");
        statement_cells(b, gv__a(record, "statements"), s);
        gv__buf_puts(b, "\r\n");
    }
    return 0;
}

/*
 * gavel report: the outcome record of a meeting in Markdown, HTML, JSON, CSV,
 * PDF, Word or OpenDocument, built by replaying its log (src/report/record.h). The output goes
 * to a file (written whole or not at all) or to standard output.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "report/file.h"
#include "report/record.h"
#include "report/render.h"
#include "report/statements.h"
#include "report/summary.h"

static const char usage_text[] =
    "usage: gavel report --db DB [--meeting ID] --format md|html|json|csv|pdf|docx|odt\n"
    "                    [-o FILE] [--upto SEQ | --summary [--draft]]\n"
    "       gavel report --db DB [--meeting ID] --statements -o FILE.zip [--upto SEQ]\n"
    "Writes the outcome record of the meeting: the agenda as held, every speech, the\n"
    "guiding questions with their speakers and notes, questions from the audience,\n"
    "participation figures and the log's verification hash.\n"
    "  --format F   md, html (one self-contained page), json (the record to sign, see\n"
    "               docs/record.md), csv (the speeches), pdf (A4), docx (Word, A4),\n"
    "               odt (OpenDocument text, A4)\n"
    "  -o FILE      write to FILE (default: standard output)\n"
    "  --upto SEQ   the record as it stood after event SEQ (default: the whole log)\n"
    "  --summary    the Chair's summary as approved, with the record up to its\n"
    "               approval as the annex (json: the summary alone, to sign);\n"
    "               formats json, md, docx, odt\n"
    "  --draft      with --summary: the summary as it stands, approved or not\n"
    "  --statements the written statements, every current one as filed, with an\n"
    "               index (index.csv), as one ZIP archive\n"
    "exit codes: 0 written, 1 unknown meeting or event, no summary (approved), 2 usage error,\n"
    "            3 database error, damaged log or cannot write, 4 the disk is full,\n"
    "            5 a -wal to recover on a read-only disk\n";

/* Writes what was made (r == 0) to `output`, or to standard output; says
 * what went wrong otherwise. Returns the exit code. */
static int deliver(int r, const char *output, const char *bytes, size_t len, gv_error *err)
{
    if (r == 0) {
        if (output)
            r = gv_file_write(output, bytes, len, 0644, false, err);
        else if (fwrite(bytes, 1, len, stdout) != len || fflush(stdout) != 0)
            r = gv_error_set(err, GV_EIO, "cannot write to standard output");
    }
    if (r == 0)
        return GV_EXIT_OK;
    gv_cli_error("report", "%s", err->msg);
    return r == GV_ENOTFOUND || r == GV_EINVAL || r == GV_ESTATE ? GV_EXIT_REFUSED
                                                                 : gv_cli_exit_system(r);
}

/* gavel report --statements: the archive of the written statements. */
static int report_statements(const gv_cli_db_opts *o, const char *format, const char *output,
                             long long upto, bool summary, int argc)
{
    if (optind != argc || summary || (format && strcmp(format, "zip") != 0)) {
        gv_cli_error("report", "--statements writes one ZIP archive: give -o FILE.zip (and "
                               "--upto SEQ if wanted), no --format or --summary");
        return GV_EXIT_USAGE;
    }
    if (!output && isatty(STDOUT_FILENO)) {
        gv_cli_error("report", "a ZIP archive is not for the terminal: give -o FILE.zip");
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("report", o->db, GV_STORE_READONLY, o->meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    json_t *record = NULL;
    char *bytes = NULL;
    size_t len = 0;
    int r = gv_record_from_store(s, id, upto, &record, &err);
    if (r == 0)
        r = gv_statements_archive(s, record, &bytes, &len, &err);
    rc = deliver(r, output, bytes, len, &err);
    free(bytes);
    json_decref(record);
    free(id);
    gv_store_close(s);
    return rc;
}

int gv_cli_report(int argc, char **argv)
{
    static const struct option opts[] = {GV_CLI_DB_OPTIONS,
                                         {"format", required_argument, 0, 'f'},
                                         {"output", required_argument, 0, 'o'},
                                         {"upto", required_argument, 0, 'u'},
                                         {"summary", no_argument, 0, 'S'},
                                         {"draft", no_argument, 0, 'D'},
                                         {"statements", no_argument, 0, 'T'},
                                         {0, 0, 0, 0}};
    gv_cli_db_opts o = {0};
    const char *format = NULL, *output = NULL;
    long long upto = 0;
    bool summary = false, draft = false, statements = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        int r = gv_cli_db_option(c, usage_text, &o);
        if (r == GV_CLI_OPT_TAKEN)
            continue;
        if (r != GV_CLI_OPT_OWN)
            return r;
        if (c == 'f')
            format = optarg;
        else if (c == 'o')
            output = optarg;
        else if (c == 'S')
            summary = true;
        else if (c == 'D')
            draft = true;
        else if (c == 'T')
            statements = true;
        else if (gv_cli_int_option("report", "upto", "an event number >= 1", optarg, 1, &upto) < 0)
            return GV_EXIT_USAGE;
    }
    if (statements)
        return report_statements(&o, format, output, upto, summary, argc);
    gv_report_format fmt;
    if (optind != argc || !format) {
        if (!format && optind == argc)
            gv_cli_error("report", "--format is required: md, html, json, csv, pdf, docx or odt");
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    if (gv_report_format_from_name(format, &fmt) < 0) {
        gv_cli_error("report", "unknown format \"%s\": use md, html, json, csv, pdf, docx or odt",
                     format);
        return GV_EXIT_USAGE;
    }
    if ((draft && !summary) || (summary && upto)) {
        gv_cli_error("report", draft ? "--draft goes with --summary"
                                     : "--summary is the summary as approved (or, with --draft, "
                                       "as it stands): it takes no --upto");
        return GV_EXIT_USAGE;
    }
    if (summary && fmt != GV_REPORT_JSON && fmt != GV_REPORT_MD && fmt != GV_REPORT_DOCX &&
        fmt != GV_REPORT_ODT) {
        gv_cli_error("report", "the summary is written as json, md, docx or odt, not as %s",
                     format);
        return GV_EXIT_USAGE;
    }
    if (!output && gv_report_format_binary(fmt) && isatty(STDOUT_FILENO)) {
        gv_cli_error("report", "a %s file is not for the terminal: give -o FILE.%s",
                     gv_report_format_ext(fmt), gv_report_format_ext(fmt));
        return GV_EXIT_USAGE;
    }
    gv_store *s;
    char *id;
    int rc = gv_cli_open_meeting("report", o.db, GV_STORE_READONLY, o.meeting, &s, &id);
    if (rc != GV_EXIT_OK)
        return rc;
    gv_error err;
    json_t *record = NULL, *doc = NULL;
    char *bytes = NULL;
    size_t len = 0;
    int r = summary ? gv_summary_from_store(s, id, draft, &doc, &record, &err)
                    : gv_record_from_store(s, id, upto, &record, &err);
    if (r == 0)
        r = summary ? gv_summary_render(doc, record, fmt, &bytes, &len, &err)
                    : gv_report_render(record, fmt, &bytes, &len, &err);
    rc = deliver(r, output, bytes, len, &err);
    if (fmt == GV_REPORT_PDF)
        gv_report_release_fonts();
    free(bytes);
    json_decref(doc);
    json_decref(record);
    free(id);
    gv_store_close(s);
    return rc;
}

/*
 * Markdown backend of the record document: CommonMark with GitHub's pipe
 * tables. Every user text goes through gv__md_text, so a name like
 * "*Bold* | <script>" reads as itself and cannot open a link, an emphasis,
 * a new table cell or raw HTML. Line breaks inside a cell become <br>, the
 * one piece of inline HTML written here on purpose. Charts become the tables
 * beside them: Markdown has no drawing.
 */
#include <string.h>

#include "report/doc.h"
#include "report/report_internal.h"

static gv__buf *out(gv__doc *d)
{
    return d->ud;
}

/* Escaped text of a table cell, where '\n' becomes <br>. */
static void cell_text(gv__buf *b, const char *s)
{
    for (;;) {
        const char *nl = strchr(s, '\n');
        if (!nl) {
            gv__md_text_n(b, s, strlen(s), false);
            return;
        }
        gv__md_text_n(b, s, (size_t)(nl - s), false);
        gv__buf_puts(b, "<br>");
        s = nl + 1;
    }
}

static void md_title(gv__doc *d, const char *title, const char *subtitle)
{
    gv__buf_puts(out(d), "# ");
    gv__md_text(out(d), subtitle);
    gv__buf_puts(out(d), ": ");
    gv__md_text(out(d), title);
    gv__buf_puts(out(d), "\n\n");
}

static void md_contents(gv__doc *d)
{
    (void)d;
}

static void md_heading(gv__doc *d, const gv__heading *h)
{
    gv__buf_puts(out(d), h->level == 1 ? "## " : "### ");
    gv__md_text(out(d), h->text);
    gv__buf_puts(out(d), "\n\n");
}

static void md_para(gv__doc *d, const char *text)
{
    gv__md_text(out(d), text);
    gv__buf_puts(out(d), "\n\n");
}

static void md_fields(gv__doc *d, size_t n, const char *const *keys, const char *const *values)
{
    gv__buf_puts(out(d), "| | |\n| --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        gv__buf_puts(out(d), "| ");
        cell_text(out(d), keys[i]);
        gv__buf_puts(out(d), " | ");
        cell_text(out(d), values[i]);
        gv__buf_puts(out(d), " |\n");
    }
    gv__buf_puts(out(d), "\n");
}

static void md_table(gv__doc *d, const gv__table *t)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "|");
    for (size_t c = 0; c < t->ncols; c++) {
        gv__buf_puts(b, " ");
        cell_text(b, t->head[c]);
        gv__buf_puts(b, " |");
    }
    gv__buf_puts(b, "\n|");
    for (size_t c = 0; c < t->ncols; c++)
        gv__buf_puts(b, t->align[c] == GV__RIGHT ? " ---: |" : " --- |");
    gv__buf_puts(b, "\n");
    for (size_t r = 0; r < t->nrows; r++) {
        gv__buf_puts(b, "|");
        for (size_t c = 0; c < t->ncols; c++) {
            gv__buf_puts(b, " ");
            cell_text(b, gv__table_cell(t, r, c));
            gv__buf_puts(b, " |");
        }
        gv__buf_puts(b, "\n");
    }
    gv__buf_puts(b, "\n");
}

static void md_quote(gv__doc *d, const char *text, const char *by)
{
    gv__buf_puts(out(d), "> ");
    gv__md_text(out(d), text);
    if (by) {
        gv__buf_puts(out(d), "\n>\n> \xE2\x80\x94 ");
        gv__md_text(out(d), by);
    }
    gv__buf_puts(out(d), "\n\n");
}

static void md_mono(gv__doc *d, const char *text)
{
    /* A fenced block: its content is literal, only a fence could end it. */
    gv__buf_puts(out(d), "```\n");
    for (const char *p = text; *p; p++)
        gv__buf_add(out(d), *p == '`' ? "'" : p, 1);
    gv__buf_puts(out(d), "\n```\n\n");
}

static void md_chart(gv__doc *d, const gv__chart *c)
{
    (void)d;
    (void)c;
}

static void md_annex(gv__doc *d)
{
    gv__buf_puts(out(d), "---\n\n# Annex\n\n");
}

int gv__render_md(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err)
{
    gv__doc d = {.ud = b,
                 .title = md_title,
                 .contents = md_contents,
                 .heading = md_heading,
                 .para = md_para,
                 .fields = md_fields,
                 .table = md_table,
                 .quote = md_quote,
                 .mono = md_mono,
                 .chart = md_chart,
                 .annex = md_annex};
    return gv__doc_write_all(summary, record, &d, err);
}

/*
 * HTML backend of the record document: one self-contained page. Styles are
 * inline in a <style> element, charts are inline SVG, there is no script and
 * nothing is loaded from elsewhere, so the file can be mailed, archived and
 * opened offline. Every text from the record goes through gv__html_text
 * (element content and attribute values alike); the only markup written is
 * this file's own. A cell that is exactly one http(s) URL becomes a link,
 * its href escaped the same way (no other scheme is ever linked).
 */
#include <stdio.h>
#include <string.h>

#include "report/doc.h"
#include "report/report_internal.h"

static const char style[] =
    "body{font-family:'Noto Sans','Noto Sans Arabic','Noto Sans CJK SC',system-ui,sans-serif;"
    "color:#1b1b1b;background:#fff;margin:0;line-height:1.45}"
    "main{max-width:64rem;margin:0 auto;padding:1.5rem}"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;color:#555;font-size:.85rem;margin:0}"
    "h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.3rem;margin-top:2.2rem;"
    "border-bottom:2px solid #1f4e79;padding-bottom:.2rem}h3{font-size:1.1rem;margin-top:1.6rem}"
    "dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}"
    "dl.fields dt{font-weight:600;color:#333}dl.fields dd{margin:0}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0 1rem}"
    "th,td{border-bottom:1px solid #ccd;padding:.3rem .45rem;text-align:left;vertical-align:top}"
    "th{background:#eef2f7}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}"
    "blockquote{margin:.6rem 0;padding:.4rem .9rem;border-left:4px solid #1f4e79;"
    "background:#f6f8fb}blockquote footer{color:#555;font-size:.9rem}"
    "pre.hash{font-size:.85rem;background:#f6f8fb;padding:.6rem;overflow-wrap:anywhere;"
    "white-space:pre-wrap}"
    "nav ol{padding-left:1.3rem}figure{margin:.6rem 0 1.4rem}svg{max-width:100%;height:auto}"
    "figcaption{font-size:.9rem;color:#444}"
    "@media print{main{max-width:none}a{color:inherit}}";

static gv__buf *out(gv__doc *d)
{
    return d->ud;
}

static bool is_url(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ')
            return false;
    return true;
}

/* Escaped text; '\n' becomes <br>; a lone URL becomes a link. */
static void text(gv__buf *b, const char *s)
{
    if (is_url(s)) {
        gv__buf_puts(b, "<a href=\"");
        gv__html_text(b, s);
        gv__buf_puts(b, "\">");
        gv__html_text(b, s);
        gv__buf_puts(b, "</a>");
        return;
    }
    for (;;) {
        const char *nl = strchr(s, '\n');
        if (!nl) {
            gv__html_text(b, s);
            return;
        }
        gv__html_text_n(b, s, (size_t)(nl - s));
        gv__buf_puts(b, "<br>");
        s = nl + 1;
    }
}

static void html_title(gv__doc *d, const char *title, const char *subtitle)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>");
    gv__html_text(b, subtitle);
    gv__buf_puts(b, ": ");
    gv__html_text(b, title);
    gv__buf_puts(b, "</title>\n<style>");
    gv__buf_puts(b, style);
    gv__buf_puts(b, "</style>\n</head>\n<body>\n<main>\n<header>\n<p class=\"kicker\">");
    gv__html_text(b, subtitle);
    gv__buf_puts(b, "</p>\n<h1>");
    gv__html_text(b, title);
    gv__buf_puts(b, "</h1>\n</header>\n");
}

static void html_contents(gv__doc *d)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "<nav aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    for (size_t i = 0; i < d->ntoc; i++) {
        const gv__heading *h = &d->toc[i];
        gv__buf_printf(b, "<li><a href=\"#%s\">", h->id);
        gv__html_text(b, h->text);
        gv__buf_puts(b, "</a>");
        bool next_is_child = i + 1 < d->ntoc && d->toc[i + 1].level > h->level;
        bool last_child = h->level == 2 && (i + 1 == d->ntoc || d->toc[i + 1].level == 1);
        if (next_is_child)
            gv__buf_puts(b, "\n<ol>\n");
        else
            gv__buf_puts(b, "</li>\n");
        if (last_child)
            gv__buf_puts(b, "</ol></li>\n");
    }
    gv__buf_puts(b, "</ol>\n</nav>\n");
}

static void html_heading(gv__doc *d, const gv__heading *h)
{
    int tag = h->level == 1 ? 2 : 3;
    gv__buf_printf(out(d), "<h%d id=\"%s\">", tag, h->id);
    gv__html_text(out(d), h->text);
    gv__buf_printf(out(d), "</h%d>\n", tag);
}

static void html_para(gv__doc *d, const char *s)
{
    gv__buf_puts(out(d), "<p>");
    text(out(d), s);
    gv__buf_puts(out(d), "</p>\n");
}

static void html_fields(gv__doc *d, size_t n, const char *const *keys, const char *const *values)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "<dl class=\"fields\">\n");
    for (size_t i = 0; i < n; i++) {
        gv__buf_puts(b, "<dt>");
        gv__html_text(b, keys[i]);
        gv__buf_puts(b, "</dt><dd>");
        text(b, values[i]);
        gv__buf_puts(b, "</dd>\n");
    }
    gv__buf_puts(b, "</dl>\n");
}

static void html_table(gv__doc *d, const gv__table *t)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "<table>\n<thead><tr>");
    for (size_t c = 0; c < t->ncols; c++) {
        gv__buf_puts(b, t->align[c] == GV__RIGHT ? "<th scope=\"col\" class=\"r\">"
                                                 : "<th scope=\"col\">");
        gv__html_text(b, t->head[c]);
        gv__buf_puts(b, "</th>");
    }
    gv__buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; r < t->nrows; r++) {
        gv__buf_puts(b, "<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            gv__buf_puts(b, t->align[c] == GV__RIGHT ? "<td class=\"r\">" : "<td>");
            text(b, gv__table_cell(t, r, c));
            gv__buf_puts(b, "</td>");
        }
        gv__buf_puts(b, "</tr>\n");
    }
    gv__buf_puts(b, "</tbody>\n</table>\n");
}

static void html_quote(gv__doc *d, const char *s, const char *by)
{
    gv__buf *b = out(d);
    gv__buf_puts(b, "<blockquote><p>");
    text(b, s);
    gv__buf_puts(b, "</p>");
    if (by) {
        gv__buf_puts(b, "<footer>\xE2\x80\x94 ");
        gv__html_text(b, by);
        gv__buf_puts(b, "</footer>");
    }
    gv__buf_puts(b, "</blockquote>\n");
}

static void html_mono(gv__doc *d, const char *s)
{
    gv__buf_puts(out(d), "<pre class=\"hash\">");
    gv__html_text(out(d), s);
    gv__buf_puts(out(d), "</pre>\n");
}

/* Geometry of the SVG chart, in its own units (scaled by the viewBox). */
enum { CHART_W = 760, LABEL_W = 300, BAR_X = 310, BAR_W = 280, BAR_H = 13, ROW_H = 38, TOP = 34 };

static void html_chart(gv__doc *d, const gv__chart *c)
{
    gv__buf *b = out(d);
    int h = TOP + (int)c->n * ROW_H + 6;
    gv__buf_printf(b,
                   "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                   "width=\"%d\" height=\"%d\" role=\"img\" font-family=\"Noto Sans, sans-serif\" "
                   "font-size=\"13\">\n<title>",
                   CHART_W, h, CHART_W, h);
    gv__html_text(b, c->title);
    gv__buf_puts(b, ": shares of ");
    gv__html_text(b, c->a_name);
    gv__buf_puts(b, " and of ");
    gv__html_text(b, c->b_name);
    gv__buf_puts(b, "</title>\n");
    gv__buf_printf(b,
                   "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#9db7d5\"/>"
                   "<text x=\"%d\" y=\"17\">",
                   BAR_X, BAR_X + 18);
    gv__html_text(b, c->a_name);
    gv__buf_printf(b,
                   "</text>\n<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#1f4e79\"/>"
                   "<text x=\"%d\" y=\"17\">",
                   BAR_X + 150, BAR_X + 168);
    gv__html_text(b, c->b_name);
    gv__buf_puts(b, "</text>\n");
    for (size_t i = 0; i < c->n; i++) {
        const gv__bar *bar = &c->bars[i];
        int y = TOP + (int)i * ROW_H;
        int wa = bar->a_permille * BAR_W / 1000, wb = bar->b_permille * BAR_W / 1000;
        gv__buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W, y + 18);
        gv__html_text(b, bar->label);
        gv__buf_printf(b,
                       "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "fill=\"#9db7d5\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">",
                       BAR_X, y, wa, BAR_H, BAR_X + wa + 6, y + 11);
        gv__html_text(b, bar->a_text);
        gv__buf_printf(b,
                       "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "fill=\"#1f4e79\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">",
                       BAR_X, y + BAR_H + 2, wb, BAR_H, BAR_X + wb + 6, y + BAR_H + 13);
        gv__html_text(b, bar->b_text);
        gv__buf_puts(b, "</text>\n");
    }
    gv__buf_puts(b, "</svg>\n<figcaption>");
    gv__html_text(b, c->title);
    gv__buf_puts(b, ": share of the people who attended (light) and of the speaking time "
                    "(dark).</figcaption>\n</figure>\n");
}

int gv__render_html(const json_t *record, gv__buf *b, gv_error *err)
{
    gv__doc d = {.ud = b,
                 .title = html_title,
                 .contents = html_contents,
                 .heading = html_heading,
                 .para = html_para,
                 .fields = html_fields,
                 .table = html_table,
                 .quote = html_quote,
                 .mono = html_mono,
                 .chart = html_chart};
    int rc = gv__doc_write(record, &d, err);
    if (rc == 0)
        gv__buf_puts(b, "</main>\n</body>\n</html>\n");
    return rc;
}

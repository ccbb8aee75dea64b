/*
 * OpenDocument text (.odt) backend of the record document: the same
 * document as the Word one (render_docx.c) for LibreOffice and every other
 * ODF reader: A4, Times New Roman 10 pt, chapters I, II, III and sections
 * A, B, C, tables whose header row repeats on every page, "Page n of N" in
 * the footer. A paragraph whose first letter is right to left is laid out
 * right to left; inside a left-to-right sentence an Arabic name keeps the
 * bidi isolates the document put around it, which ODF readers resolve by
 * the Unicode bidi algorithm.
 *
 * ODF wants the automatic styles of content.xml (each table's column
 * widths) before the body, so the document is walked twice: the first walk
 * only measures the tables, the second writes the body. Parts, each written
 * with libxml2's writer and packed with libzip (package.h): mimetype
 * (first, stored), META-INF/manifest.xml, meta.xml, styles.xml,
 * content.xml. Dates are the record's as_of, so one log gives one file.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/office.h"
#include "report/package.h"
#include "report/report_internal.h"

#define NS_OFFICE   "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_STYLE    "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
#define NS_TEXT     "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_TABLE    "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define NS_FO       "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
#define NS_META     "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
#define NS_DC       "http://purl.org/dc/elements/1.1/"
#define NS_MANIFEST "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
#define MIME_ODT    "application/vnd.oasis.opendocument.text"
#define ODF_VERSION "1.3"

/* The text width of A4 with 2 cm margins, in micrometres. */
#define TEXT_W_UM 170000L

typedef struct odt {
    gv__xml *x;
    gv__numbering num;
    /** column widths of every table, in order (first walk fills them) */
    long *widths;
    size_t nwidths, cap;
    size_t ntables; /** tables seen in this walk */
    size_t next;    /** index in widths of the next table's first column */
    bool measuring, failed;
} odt;

static odt *O(gv__doc *d)
{
    return d->ud;
}

/* Text in ODF: runs of spaces, tabs and line breaks are elements, since
 * ODF readers collapse white space in text. */
static void odf_text(gv__xml *x, const char *s, size_t n)
{
    size_t start = 0;
    bool space_before = false; /* a lone space after another (or first) collapses */
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '\0';
        if (c != ' ' && c != '\t' && c != '\n' && i < n) {
            space_before = false;
            continue;
        }
        if (c == ' ' && !space_before && i > 0) {
            space_before = true;
            continue;
        }
        gv__xml_text_n(x, s + start, i - start);
        start = i + 1;
        if (i == n)
            break;
        if (c == ' ')
            gv__xml_empty(x, "text:s", NULL);
        else
            gv__xml_empty(x, c == '\t' ? "text:tab" : "text:line-break", NULL);
        space_before = c == ' ';
    }
}

static void paragraph(odt *w, const char *element, const char *style, const char *text)
{
    bool rtl = gv__office_rtl_paragraph(text);
    char name[64];
    snprintf(name, sizeof name, "%s%s", style, rtl ? "_RTL" : "");
    gv__xml_start(w->x, element);
    gv__xml_attr(w->x, "text:style-name", name);
    if (strcmp(element, "text:h") == 0)
        gv__xml_attr(w->x, "text:outline-level", strcmp(style, "Heading_20_1") == 0 ? "1" : "2");
    odf_text(w->x, text, strlen(text));
    gv__xml_end(w->x);
}

static void od_title(gv__doc *d, const char *title, const char *subtitle)
{
    if (O(d)->measuring)
        return;
    paragraph(O(d), "text:p", "Subtitle", subtitle);
    paragraph(O(d), "text:p", "Title", title);
}

static void od_contents(gv__doc *d)
{
    (void)d;
}

static void od_heading(gv__doc *d, const gv__heading *h)
{
    if (O(d)->measuring)
        return;
    char text[300];
    gv__office_heading(&O(d)->num, h, text);
    paragraph(O(d), "text:h", h->level <= 1 ? "Heading_20_1" : "Heading_20_2", text);
}

static void od_para(gv__doc *d, const char *text)
{
    if (!O(d)->measuring)
        paragraph(O(d), "text:p", "Text_20_body", text);
}

static void cell(odt *w, const char *text, bool head, bool right)
{
    gv__xml_start(w->x, "table:table-cell");
    gv__xml_attr(w->x, "table:style-name", head ? "CellHead" : "Cell");
    gv__xml_attr(w->x, "office:value-type", "string");
    const char *p = text;
    do {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        if (!line) {
            w->failed = true;
            break;
        }
        paragraph(w, "text:p",
                  head    ? (right ? "Table_20_Heading_20_Right" : "Table_20_Heading")
                  : right ? "Table_20_Contents_20_Right"
                          : "Table_20_Contents",
                  line);
        free(line);
        p = nl ? nl + 1 : NULL;
    } while (p);
    gv__xml_end(w->x);
}

/* Measures (first walk) or writes (second walk) a table. */
static void table(odt *w, const gv__table *t, bool head)
{
    assert(t->ncols <= GV__TABLE_MAX_COLS);
    size_t k = w->ntables++;
    if (w->measuring) {
        if (w->nwidths + t->ncols > w->cap) {
            size_t cap = (w->cap ? w->cap * 2 : 64) + t->ncols;
            long *ws = realloc(w->widths, cap * sizeof *ws);
            if (!ws) {
                w->failed = true;
                return;
            }
            w->widths = ws;
            w->cap = cap;
        }
        gv__office_widths(t, TEXT_W_UM, w->widths + w->nwidths);
        w->nwidths += t->ncols;
        return;
    }
    char name[32], col[64];
    snprintf(name, sizeof name, "Table%zu", k + 1);
    gv__xml_start(w->x, "table:table");
    gv__xml_attr(w->x, "table:name", name);
    gv__xml_attr(w->x, "table:style-name", name);
    for (size_t c = 0; c < t->ncols; c++) {
        snprintf(col, sizeof col, "%s.C%zu", name, c + 1);
        gv__xml_empty(w->x, "table:table-column", "table:style-name", col, NULL);
    }
    if (head) {
        gv__xml_start(w->x, "table:table-header-rows");
        gv__xml_start(w->x, "table:table-row");
        for (size_t c = 0; c < t->ncols; c++)
            cell(w, t->head[c], true, t->align[c] == GV__RIGHT);
        gv__xml_end(w->x);
        gv__xml_end(w->x);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        gv__xml_start(w->x, "table:table-row");
        for (size_t c = 0; c < t->ncols; c++)
            cell(w, gv__table_cell(t, r, c), false, t->align[c] == GV__RIGHT);
        gv__xml_end(w->x);
    }
    gv__xml_end(w->x);
}

static void od_table(gv__doc *d, const gv__table *t)
{
    table(O(d), t, true);
}

static void od_fields(gv__doc *d, size_t n, const char *const *keys, const char *const *values)
{
    gv__table t;
    if (!gv__office_fields(n, keys, values, &t))
        O(d)->failed = true;
    else
        table(O(d), &t, false);
    gv__table_release(&t);
}

static void od_quote(gv__doc *d, const char *text, const char *by)
{
    if (O(d)->measuring)
        return;
    paragraph(O(d), "text:p", "Quotations", text);
    if (by) {
        char line[1200];
        snprintf(line, sizeof line, "\xE2\x80\x94 %s", by);
        paragraph(O(d), "text:p", "Quotation_20_By", line);
    }
}

static void od_mono(gv__doc *d, const char *text)
{
    if (!O(d)->measuring)
        paragraph(O(d), "text:p", "Preformatted_20_Text", text);
}

static void od_chart(gv__doc *d, const gv__chart *c)
{
    /* The table before it carries every figure of the chart. */
    (void)d;
    (void)c;
}

/* ---- styles ------------------------------------------------------------------------------- */

typedef struct para_style {
    const char *name, *display;
    const char *size;          /** font size, or NULL for the default */
    const char *above, *below; /** margins */
    const char *indent;        /** left margin, or NULL */
    bool bold, italic, keep, right;
    const char *font; /** or NULL */
    bool new_page;    /** starts a page, centred (the annex) */
} para_style;

static const para_style para_styles[] = {
    {"Text_20_body", "Text body", NULL, "0cm", "0.21cm", NULL, false, false, false, false, NULL},
    {"Title", "Title", "17pt", "0cm", "0.42cm", NULL, true, false, true, false, NULL},
    {"Subtitle", "Subtitle", "10pt", "0.42cm", "0.1cm", NULL, true, false, true, false, NULL},
    {"Heading_20_1", "Heading 1", "12pt", "0.63cm", "0.21cm", NULL, true, false, true, false, NULL},
    {"Heading_20_2", "Heading 2", "10pt", "0.42cm", "0.21cm", "1cm", true, false, true, false,
     NULL},
    {"Quotations", "Quotations", NULL, "0.1cm", "0cm", "1cm", false, true, false, false, NULL},
    {"Quotation_20_By", "Quotation by", "9pt", "0cm", "0.21cm", "1cm", false, false, false, false,
     NULL},
    {"Preformatted_20_Text", "Preformatted Text", "8pt", "0.1cm", "0.21cm", NULL, false, false,
     false, false, "Courier New"},
    {"Table_20_Contents", "Table Contents", "8.5pt", "0.03cm", "0.03cm", NULL, false, false, false,
     false, NULL},
    {"Table_20_Contents_20_Right", "Table Contents Right", "8.5pt", "0.03cm", "0.03cm", NULL, false,
     false, false, true, NULL},
    {"Table_20_Heading", "Table Heading", "8.5pt", "0.03cm", "0.03cm", NULL, true, false, true,
     false, NULL},
    {"Table_20_Heading_20_Right", "Table Heading Right", "8.5pt", "0.03cm", "0.03cm", NULL, true,
     false, true, true, NULL},
    {"Annex", "Annex", "12pt", "0cm", "0.42cm", NULL, true, false, true, false, NULL, true},
};
#define N_PARA_STYLES (sizeof para_styles / sizeof para_styles[0])

/* A paragraph style; with rtl, the right-to-left twin "NAME_RTL" of a
 * style, as an automatic style of content.xml. */
static void write_para_style(gv__xml *x, const para_style *s, bool rtl)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", s->name, rtl ? "_RTL" : "");
    gv__xml_start(x, "style:style");
    gv__xml_attr(x, "style:name", name);
    gv__xml_attr(x, "style:family", "paragraph");
    if (rtl) {
        gv__xml_attr(x, "style:parent-style-name", s->name);
    } else {
        gv__xml_attr(x, "style:display-name", s->display);
        if (strcmp(s->name, "Heading_20_1") == 0 || strcmp(s->name, "Heading_20_2") == 0)
            gv__xml_attr(x, "style:default-outline-level", s->name[11] == '1' ? "1" : "2");
    }
    gv__xml_start(x, "style:paragraph-properties");
    if (rtl) {
        gv__xml_attr(x, "style:writing-mode", "rl-tb");
        gv__xml_attr(x, "fo:text-align", s->right ? "end" : "start");
    } else {
        gv__xml_attr(x, "fo:margin-top", s->above);
        gv__xml_attr(x, "fo:margin-bottom", s->below);
        if (s->indent)
            gv__xml_attr(x, "fo:margin-left", s->indent);
        if (s->keep)
            gv__xml_attr(x, "fo:keep-with-next", "always");
        if (s->right)
            gv__xml_attr(x, "fo:text-align", "end");
        if (s->new_page) {
            gv__xml_attr(x, "fo:break-before", "page");
            gv__xml_attr(x, "fo:text-align", "center");
        }
    }
    gv__xml_end(x);
    if (!rtl && (s->size || s->bold || s->italic || s->font)) {
        gv__xml_start(x, "style:text-properties");
        if (s->font)
            gv__xml_attr(x, "style:font-name", s->font);
        if (s->size) {
            gv__xml_attr(x, "fo:font-size", s->size);
            gv__xml_attr(x, "style:font-size-asian", s->size);
            gv__xml_attr(x, "style:font-size-complex", s->size);
        }
        if (s->bold) {
            gv__xml_attr(x, "fo:font-weight", "bold");
            gv__xml_attr(x, "style:font-weight-asian", "bold");
            gv__xml_attr(x, "style:font-weight-complex", "bold");
        }
        if (s->italic) {
            gv__xml_attr(x, "fo:font-style", "italic");
            gv__xml_attr(x, "style:font-style-complex", "italic");
        }
        gv__xml_end(x);
    }
    gv__xml_end(x);
}

static void font_faces(gv__xml *x)
{
    static const char *const fonts[][2] = {
        {"Times New Roman", "roman"}, {"SimSun", "system"}, {"Courier New", "modern"}};
    gv__xml_start(x, "office:font-face-decls");
    for (size_t i = 0; i < sizeof fonts / sizeof fonts[0]; i++) {
        char family[64];
        snprintf(family, sizeof family, "'%s'", fonts[i][0]);
        gv__xml_empty(x, "style:font-face", "style:name", fonts[i][0], "svg:font-family", family,
                      "style:font-family-generic", fonts[i][1], NULL);
    }
    gv__xml_end(x);
}

static void namespaces(gv__xml *x)
{
    gv__xml_attr(x, "xmlns:office", NS_OFFICE);
    gv__xml_attr(x, "xmlns:style", NS_STYLE);
    gv__xml_attr(x, "xmlns:text", NS_TEXT);
    gv__xml_attr(x, "xmlns:table", NS_TABLE);
    gv__xml_attr(x, "xmlns:fo", NS_FO);
    gv__xml_attr(x, "xmlns:svg", "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0");
    gv__xml_attr(x, "office:version", ODF_VERSION);
}

/* Cell borders: a rule under the header row and under each row. */
static void cell_style(gv__xml *x, const char *name, const char *bottom)
{
    gv__xml_start(x, "style:style");
    gv__xml_attr(x, "style:name", name);
    gv__xml_attr(x, "style:family", "table-cell");
    gv__xml_empty(x, "style:table-cell-properties", "fo:padding", "0.05cm", "fo:border-top", "none",
                  "fo:border-left", "none", "fo:border-right", "none", "fo:border-bottom", bottom,
                  NULL);
    gv__xml_end(x);
}

static gv__xml *styles_xml(void)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "office:document-styles");
    namespaces(x);
    font_faces(x);
    gv__xml_start(x, "office:styles");
    gv__xml_start(x, "style:default-style");
    gv__xml_attr(x, "style:family", "paragraph");
    gv__xml_empty(x, "style:text-properties", "style:font-name", "Times New Roman",
                  "style:font-name-asian", "SimSun", "style:font-name-complex", "Times New Roman",
                  "fo:font-size", "10pt", "style:font-size-asian", "10pt",
                  "style:font-size-complex", "10pt", "fo:language", "en", "fo:country", "GB",
                  "style:language-asian", "zh", "style:country-asian", "CN",
                  "style:language-complex", "ar", "style:country-complex", "SA", NULL);
    gv__xml_end(x);
    gv__xml_start(x, "style:style");
    gv__xml_attr(x, "style:name", "Standard");
    gv__xml_attr(x, "style:family", "paragraph");
    gv__xml_end(x);
    for (size_t i = 0; i < N_PARA_STYLES; i++)
        write_para_style(x, &para_styles[i], false);
    gv__xml_start(x, "style:style");
    gv__xml_attr(x, "style:name", "Footer");
    gv__xml_attr(x, "style:family", "paragraph");
    gv__xml_empty(x, "style:paragraph-properties", "fo:text-align", "center", NULL);
    gv__xml_empty(x, "style:text-properties", "fo:font-size", "9pt", NULL);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_start(x, "office:automatic-styles");
    gv__xml_start(x, "style:page-layout");
    gv__xml_attr(x, "style:name", "A4");
    gv__xml_empty(x, "style:page-layout-properties", "fo:page-width", "21cm", "fo:page-height",
                  "29.7cm", "style:print-orientation", "portrait", "fo:margin-top", "2.5cm",
                  "fo:margin-bottom", "2cm", "fo:margin-left", "2cm", "fo:margin-right", "2cm",
                  NULL);
    gv__xml_start(x, "style:footer-style");
    gv__xml_empty(x, "style:header-footer-properties", "fo:min-height", "0.6cm", "fo:margin-top",
                  "0.3cm", NULL);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_start(x, "office:master-styles");
    gv__xml_start(x, "style:master-page");
    gv__xml_attr(x, "style:name", "Standard");
    gv__xml_attr(x, "style:page-layout-name", "A4");
    gv__xml_start(x, "style:footer");
    gv__xml_start(x, "text:p");
    gv__xml_attr(x, "text:style-name", "Footer");
    gv__xml_text(x, "Page ");
    gv__xml_start(x, "text:page-number");
    gv__xml_attr(x, "text:select-page", "current");
    gv__xml_text(x, "1");
    gv__xml_end(x);
    gv__xml_text(x, " of ");
    gv__xml_start(x, "text:page-count");
    gv__xml_text(x, "1");
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    return x;
}

/* content.xml's automatic styles: each table's width and columns, the
 * cells' rules, and the right-to-left twin of every paragraph style. */
static void automatic_styles(gv__xml *x, const odt *w)
{
    gv__xml_start(x, "office:automatic-styles");
    size_t at = 0;
    for (size_t k = 0; k < w->ntables; k++) {
        char name[32], col[64], width[48];
        snprintf(name, sizeof name, "Table%zu", k + 1);
        gv__xml_start(x, "style:style");
        gv__xml_attr(x, "style:name", name);
        gv__xml_attr(x, "style:family", "table");
        gv__xml_empty(x, "style:table-properties", "style:width", "17cm", "table:align", "left",
                      "fo:margin-bottom", "0.21cm", "table:border-model", "collapsing", NULL);
        gv__xml_end(x);
        /* Columns until their widths add up to the text's width. */
        long sum = 0;
        for (size_t c = 0; at < w->nwidths && sum < TEXT_W_UM; c++, at++) {
            sum += w->widths[at];
            snprintf(col, sizeof col, "%s.C%zu", name, c + 1);
            snprintf(width, sizeof width, "%ld.%03ldcm", w->widths[at] / 10000,
                     (w->widths[at] % 10000) / 10);
            gv__xml_start(x, "style:style");
            gv__xml_attr(x, "style:name", col);
            gv__xml_attr(x, "style:family", "table-column");
            gv__xml_empty(x, "style:table-column-properties", "style:column-width", width, NULL);
            gv__xml_end(x);
        }
    }
    cell_style(x, "CellHead", "0.5pt solid #000000");
    cell_style(x, "Cell", "0.25pt solid #999999");
    for (size_t i = 0; i < N_PARA_STYLES; i++)
        write_para_style(x, &para_styles[i], true);
    gv__xml_end(x);
}

static gv__xml *meta_xml(const char *title, const char *subject, const char *created)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "office:document-meta");
    gv__xml_attr(x, "xmlns:office", NS_OFFICE);
    gv__xml_attr(x, "xmlns:meta", NS_META);
    gv__xml_attr(x, "xmlns:dc", NS_DC);
    gv__xml_attr(x, "office:version", ODF_VERSION);
    gv__xml_start(x, "office:meta");
    gv__xml_start(x, "dc:title");
    gv__xml_text(x, title);
    gv__xml_end(x);
    gv__xml_start(x, "dc:subject");
    gv__xml_text(x, subject);
    gv__xml_end(x);
    gv__xml_start(x, "dc:language");
    gv__xml_text(x, "en-GB");
    gv__xml_end(x);
    gv__xml_start(x, "meta:creation-date");
    gv__xml_text(x, created);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    return x;
}

static gv__xml *manifest_xml(void)
{
    static const char *const parts[][2] = {
        {"/", MIME_ODT},
        {"content.xml", "text/xml"},
        {"styles.xml", "text/xml"},
        {"meta.xml", "text/xml"},
    };
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "manifest:manifest");
    gv__xml_attr(x, "xmlns:manifest", NS_MANIFEST);
    gv__xml_attr(x, "manifest:version", ODF_VERSION);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        gv__xml_start(x, "manifest:file-entry");
        gv__xml_attr(x, "manifest:full-path", parts[i][0]);
        if (i == 0)
            gv__xml_attr(x, "manifest:version", ODF_VERSION);
        gv__xml_attr(x, "manifest:media-type", parts[i][1]);
        gv__xml_end(x);
    }
    gv__xml_end(x);
    return x;
}

/* The annex starts a page with "Annex" centred, and its own numbering. */
static void od_annex(gv__doc *d)
{
    if (O(d)->measuring)
        return;
    paragraph(O(d), "text:p", "Annex", "Annex");
    O(d)->num = (gv__numbering){0};
}

int gv__render_odt(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err)
{
    const json_t *m = gv__o(record, "meeting");
    const json_t *as_of = gv__o(m, "as_of");
    odt w = {.measuring = true};
    gv__doc d = {.ud = &w,
                 .title = od_title,
                 .contents = od_contents,
                 .heading = od_heading,
                 .para = od_para,
                 .fields = od_fields,
                 .table = od_table,
                 .quote = od_quote,
                 .mono = od_mono,
                 .chart = od_chart,
                 .annex = od_annex};
    int rc = gv__doc_write_all(summary, record, &d, err);
    if (rc < 0 || w.failed) {
        free(w.widths);
        return rc < 0 ? rc : gv_error_set(err, GV_ENOMEM, "out of memory while writing ODT");
    }
    w.measuring = false;
    w.x = gv__xml_new();
    gv__xml_start(w.x, "office:document-content");
    namespaces(w.x);
    font_faces(w.x);
    automatic_styles(w.x, &w);
    gv__xml_start(w.x, "office:body");
    gv__xml_start(w.x, "office:text");
    w.ntables = 0;
    rc = gv__doc_write_all(summary, record, &d, err);
    free(w.widths);
    if (rc < 0 || w.failed) {
        gv__xml_free(w.x);
        return rc < 0 ? rc : gv_error_set(err, GV_ENOMEM, "out of memory while writing ODT");
    }
    static const char mimetype[] = MIME_ODT;
    gv__zip *z = gv__zip_new(gv__i(as_of, "ms") / 1000);
    gv__zip_add(z, "mimetype", mimetype, sizeof mimetype - 1, true);
    gv__zip_add_xml(z, "META-INF/manifest.xml", manifest_xml());
    gv__zip_add_xml(z, "meta.xml",
                    meta_xml(gv__s(m, "title"), summary ? "Chair's summary" : "Outcome record",
                             gv__s(as_of, "utc")));
    gv__zip_add_xml(z, "styles.xml", styles_xml());
    gv__zip_add_xml(z, "content.xml", w.x);
    size_t len = 0;
    char *bytes = gv__zip_finish(z, &len, err);
    if (!bytes)
        return GV_ENOMEM;
    gv__buf_add(b, bytes, len);
    free(bytes);
    return 0;
}

/*
 * Word (Office Open XML, .docx) backend of the record document: A4, Times
 * New Roman 10 pt as United Nations documents are set, chapters numbered
 * I, II, III and sections A, B, C, tables with a header row that repeats on
 * every page and rules above and below, "Page n of N" in the footer.
 *
 * Every part is written with libxml2's writer and packed with libzip
 * (package.h); no markup is pasted together. Scripts: a run that holds
 * Arabic (or another right-to-left script) is marked <w:rtl/>, so Word
 * shapes it with the complex-script font and lays it right to left, and a
 * paragraph whose first letter is right to left (an Arabic note, an Arabic
 * name alone in a cell) gets <w:bidi/>; Chinese is set in the East Asian
 * font Word picks by character. The bidi isolates the document puts around
 * right-to-left names are dropped: the runs carry the direction instead.
 *
 * Parts: [Content_Types].xml, _rels/.rels, docProps/core.xml,
 * word/document.xml, word/styles.xml, word/settings.xml, word/footer1.xml,
 * word/_rels/document.xml.rels. The archive's dates and the document's
 * creation time are the record's as_of, so one log gives one file.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/doc.h"
#include "report/office.h"
#include "report/package.h"
#include "report/report_internal.h"

#define NS_W   "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_R   "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"
#define REL_OD "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define CT_WML "application/vnd.openxmlformats-officedocument.wordprocessingml."

/* A4 in twentieths of a point, with 2 cm side margins. */
#define PAGE_W   "11906"
#define PAGE_H   "16838"
#define MARGIN   1134
#define TEXT_W   (11906 - 2 * MARGIN)
#define FONT     "Times New Roman"
#define FONT_CJK "SimSun"

typedef struct docx {
    gv__xml *x;
    gv__numbering num;
    bool bold; /** runs being written are bold (a table's header row) */
} docx;

static docx *D(gv__doc *d)
{
    return d->ud;
}

/* One run of text in one direction (gv__office_line's callback). */
static void run(void *ud, const char *s, size_t n, bool rtl)
{
    docx *w = ud;
    gv__xml_start(w->x, "w:r");
    if (rtl || w->bold) {
        gv__xml_start(w->x, "w:rPr");
        if (w->bold) {
            gv__xml_empty(w->x, "w:b", NULL);
            gv__xml_empty(w->x, "w:bCs", NULL);
        }
        if (rtl)
            gv__xml_empty(w->x, "w:rtl", NULL);
        gv__xml_end(w->x);
    }
    /* A tab is an element of its own in WordprocessingML, not a character. */
    for (;;) {
        const char *tab = memchr(s, '\t', n);
        size_t part = tab ? (size_t)(tab - s) : n;
        if (part > 0) {
            gv__xml_start(w->x, "w:t");
            gv__xml_attr(w->x, "xml:space", "preserve");
            gv__xml_text_n(w->x, s, part);
            gv__xml_end(w->x);
        }
        if (!tab)
            break;
        gv__xml_empty(w->x, "w:tab", NULL);
        s = tab + 1;
        n -= part + 1;
    }
    gv__xml_end(w->x);
}

/* The runs of a text, its line breaks as <w:br/>. */
static void runs(docx *w, const char *text)
{
    const char *p = text;
    for (;;) {
        const char *q = gv__office_line(p, run, w);
        if (q == p || q[-1] != '\n') /* nothing more, or the line ended the text */
            break;
        gv__xml_start(w->x, "w:r");
        gv__xml_empty(w->x, "w:br", NULL);
        gv__xml_end(w->x);
        p = q;
    }
}

/* Opens a paragraph of style `style` (NULL: Normal), right to left when
 * the text starts so, aligned `jc` (NULL: the style's). */
static void para_open(docx *w, const char *style, const char *text, const char *jc)
{
    gv__xml_start(w->x, "w:p");
    gv__xml_start(w->x, "w:pPr");
    if (style)
        gv__xml_empty(w->x, "w:pStyle", "w:val", style, NULL);
    if (text && gv__office_rtl_paragraph(text))
        gv__xml_empty(w->x, "w:bidi", NULL);
    if (jc)
        gv__xml_empty(w->x, "w:jc", "w:val", jc, NULL);
    gv__xml_end(w->x);
}

static void paragraph(docx *w, const char *style, const char *text, const char *jc)
{
    para_open(w, style, text, jc);
    runs(w, text);
    gv__xml_end(w->x);
}

static void dx_title(gv__doc *d, const char *title, const char *subtitle)
{
    paragraph(D(d), "Subtitle", subtitle, NULL);
    paragraph(D(d), "Title", title, NULL);
}

static void dx_contents(gv__doc *d)
{
    (void)d;
}

static void dx_heading(gv__doc *d, const gv__heading *h)
{
    char text[300];
    gv__office_heading(&D(d)->num, h, text);
    paragraph(D(d), h->level <= 1 ? "Heading1" : "Heading2", text, NULL);
}

static void dx_para(gv__doc *d, const char *text)
{
    paragraph(D(d), NULL, text, NULL);
}

/* A table cell of width w_twips: one paragraph a line, "right" for figures. */
static void cell(docx *w, const char *text, long w_twips, bool right)
{
    char width[24];
    snprintf(width, sizeof width, "%ld", w_twips);
    gv__xml_start(w->x, "w:tc");
    gv__xml_start(w->x, "w:tcPr");
    gv__xml_empty(w->x, "w:tcW", "w:w", width, "w:type", "dxa", NULL);
    gv__xml_end(w->x);
    const char *p = text;
    do {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        if (!line) {
            gv__xml_free(w->x); /* the failure is reported by gv__zip_add_xml */
            w->x = NULL;
            return;
        }
        paragraph(w, "TableText", line, right ? "right" : NULL);
        free(line);
        p = nl ? nl + 1 : NULL;
    } while (p);
    gv__xml_end(w->x);
}

/* A table of style `style`, with its header row when `head`. */
static void table(docx *w, const char *style, const gv__table *t, bool head)
{
    long widths[GV__TABLE_MAX_COLS];
    size_t ncols = t->ncols;
    assert(ncols <= GV__TABLE_MAX_COLS);
    gv__office_widths(t, TEXT_W, widths);
    gv__xml_start(w->x, "w:tbl");
    gv__xml_start(w->x, "w:tblPr");
    gv__xml_empty(w->x, "w:tblStyle", "w:val", style, NULL);
    gv__xml_empty(w->x, "w:tblW", "w:w", "5000", "w:type", "pct", NULL);
    gv__xml_empty(w->x, "w:tblLayout", "w:type", "fixed", NULL);
    gv__xml_end(w->x);
    gv__xml_start(w->x, "w:tblGrid");
    for (size_t c = 0; c < ncols; c++) {
        char width[24];
        snprintf(width, sizeof width, "%ld", widths[c]);
        gv__xml_empty(w->x, "w:gridCol", "w:w", width, NULL);
    }
    gv__xml_end(w->x);
    if (head) {
        gv__xml_start(w->x, "w:tr");
        gv__xml_start(w->x, "w:trPr");
        gv__xml_empty(w->x, "w:tblHeader", NULL);
        gv__xml_empty(w->x, "w:cantSplit", NULL);
        gv__xml_end(w->x);
        w->bold = true;
        for (size_t c = 0; c < ncols; c++)
            cell(w, t->head[c], widths[c], t->align[c] == GV__RIGHT);
        w->bold = false;
        gv__xml_end(w->x);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        gv__xml_start(w->x, "w:tr");
        gv__xml_start(w->x, "w:trPr");
        gv__xml_empty(w->x, "w:cantSplit", NULL);
        gv__xml_end(w->x);
        for (size_t c = 0; c < ncols; c++)
            cell(w, gv__table_cell(t, r, c), widths[c], t->align[c] == GV__RIGHT);
        gv__xml_end(w->x);
    }
    gv__xml_end(w->x);
    /* Two tables in a row would merge into one: a paragraph keeps them apart. */
    paragraph(w, "AfterTable", "", NULL);
}

static void dx_table(gv__doc *d, const gv__table *t)
{
    table(D(d), "RecordTable", t, true);
}

static void dx_fields(gv__doc *d, size_t n, const char *const *keys, const char *const *values)
{
    gv__table t;
    if (!gv__office_fields(n, keys, values, &t)) {
        gv__xml_free(D(d)->x);
        D(d)->x = NULL;
    } else {
        table(D(d), "FieldsTable", &t, false);
    }
    gv__table_release(&t);
}

static void dx_quote(gv__doc *d, const char *text, const char *by)
{
    paragraph(D(d), "Quote", text, NULL);
    if (by) {
        char line[1200];
        snprintf(line, sizeof line, "\xE2\x80\x94 %s", by);
        paragraph(D(d), "QuoteBy", line, NULL);
    }
}

static void dx_mono(gv__doc *d, const char *text)
{
    paragraph(D(d), "Mono", text, NULL);
}

static void dx_chart(gv__doc *d, const gv__chart *c)
{
    /* The table before it carries every figure of the chart. */
    (void)d;
    (void)c;
}

/* ---- the package's other parts -------------------------------------------------------------- */

/* <w:rPr> of a style: bold, italic, size in half-points (0: inherited). */
static void style_rpr(gv__xml *x, bool bold, bool italic, const char *half_points, const char *font)
{
    gv__xml_start(x, "w:rPr");
    if (font)
        gv__xml_empty(x, "w:rFonts", "w:ascii", font, "w:hAnsi", font, "w:cs", font, NULL);
    if (bold) {
        gv__xml_empty(x, "w:b", NULL);
        gv__xml_empty(x, "w:bCs", NULL);
    }
    if (italic) {
        gv__xml_empty(x, "w:i", NULL);
        gv__xml_empty(x, "w:iCs", NULL);
    }
    if (half_points) {
        gv__xml_empty(x, "w:sz", "w:val", half_points, NULL);
        gv__xml_empty(x, "w:szCs", "w:val", half_points, NULL);
    }
    gv__xml_end(x);
}

typedef struct para_style {
    const char *id, *name;
    const char *before, *after; /** spacing in twips */
    const char *indent;         /** left indent in twips, or NULL */
    bool bold, italic, keep_next;
    const char *size; /** half-points, or NULL */
    const char *font;
    int outline; /** 0 none, else outline level + 1 */
} para_style;

static const para_style para_styles[] = {
    {"Normal", "Normal", "0", "120", NULL, false, false, false, NULL, NULL, 0},
    {"Title", "Title", "0", "240", NULL, true, false, true, "34", NULL, 0},
    {"Subtitle", "Subtitle", "240", "60", NULL, true, false, true, "20", NULL, 0},
    {"Heading1", "heading 1", "360", "120", NULL, true, false, true, "24", NULL, 1},
    {"Heading2", "heading 2", "240", "120", "567", true, false, true, "20", NULL, 2},
    {"Quote", "Quote", "60", "0", "567", false, true, false, NULL, NULL, 0},
    {"QuoteBy", "Quote author", "0", "120", "567", false, false, false, "18", NULL, 0},
    {"Mono", "Hash", "60", "120", NULL, false, false, false, "16", "Courier New", 0},
    {"TableText", "Table text", "20", "20", NULL, false, false, false, "17", NULL, 0},
    {"AfterTable", "After table", "0", "0", NULL, false, false, false, "8", NULL, 0},
    {"Annex", "Annex", "0", "240", NULL, true, false, true, "24", NULL, 0},
};

static void write_para_style(gv__xml *x, const para_style *s)
{
    gv__xml_start(x, "w:style");
    gv__xml_attr(x, "w:type", "paragraph");
    gv__xml_attr(x, "w:styleId", s->id);
    if (strcmp(s->id, "Normal") == 0)
        gv__xml_attr(x, "w:default", "1");
    gv__xml_empty(x, "w:name", "w:val", s->name, NULL);
    if (strcmp(s->id, "Normal") != 0)
        gv__xml_empty(x, "w:basedOn", "w:val", "Normal", NULL);
    gv__xml_empty(x, "w:qFormat", NULL);
    gv__xml_start(x, "w:pPr");
    if (s->keep_next)
        gv__xml_empty(x, "w:keepNext", NULL);
    gv__xml_empty(x, "w:spacing", "w:before", s->before, "w:after", s->after, NULL);
    if (s->indent)
        gv__xml_empty(x, "w:ind", "w:left", s->indent, NULL);
    if (s->outline) {
        char lvl[16];
        snprintf(lvl, sizeof lvl, "%d", s->outline - 1);
        gv__xml_empty(x, "w:outlineLvl", "w:val", lvl, NULL);
    }
    gv__xml_end(x);
    style_rpr(x, s->bold, s->italic, s->size, s->font);
    gv__xml_end(x);
}

/* A table style: rules above, below the header and below the table, as
 * United Nations tables have them; none for the title fields. */
static void write_table_style(gv__xml *x, const char *id, const char *name, bool rules)
{
    gv__xml_start(x, "w:style");
    gv__xml_attr(x, "w:type", "table");
    gv__xml_attr(x, "w:styleId", id);
    gv__xml_empty(x, "w:name", "w:val", name, NULL);
    gv__xml_start(x, "w:tblPr");
    gv__xml_start(x, "w:tblBorders");
    const char *v = rules ? "single" : "nil";
    gv__xml_empty(x, "w:top", "w:val", v, "w:sz", "8", "w:space", "0", "w:color", "000000", NULL);
    gv__xml_empty(x, "w:bottom", "w:val", v, "w:sz", "8", "w:space", "0", "w:color", "000000",
                  NULL);
    gv__xml_empty(x, "w:insideH", "w:val", v, "w:sz", "2", "w:space", "0", "w:color", "999999",
                  NULL);
    gv__xml_end(x);
    gv__xml_start(x, "w:tblCellMar");
    gv__xml_empty(x, "w:left", "w:w", "57", "w:type", "dxa", NULL);
    gv__xml_empty(x, "w:right", "w:w", "57", "w:type", "dxa", NULL);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
}

static gv__xml *styles_xml(void)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "w:styles");
    gv__xml_attr(x, "xmlns:w", NS_W);
    gv__xml_start(x, "w:docDefaults");
    gv__xml_start(x, "w:rPrDefault");
    gv__xml_start(x, "w:rPr");
    gv__xml_empty(x, "w:rFonts", "w:ascii", FONT, "w:hAnsi", FONT, "w:cs", FONT, "w:eastAsia",
                  FONT_CJK, NULL);
    gv__xml_empty(x, "w:sz", "w:val", "20", NULL);
    gv__xml_empty(x, "w:szCs", "w:val", "20", NULL);
    gv__xml_empty(x, "w:lang", "w:val", "en-GB", "w:eastAsia", "zh-CN", "w:bidi", "ar-SA", NULL);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_start(x, "w:pPrDefault");
    gv__xml_start(x, "w:pPr");
    gv__xml_empty(x, "w:spacing", "w:after", "120", "w:line", "240", "w:lineRule", "auto", NULL);
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
    for (size_t i = 0; i < sizeof para_styles / sizeof para_styles[0]; i++)
        write_para_style(x, &para_styles[i]);
    write_table_style(x, "RecordTable", "Record table", true);
    write_table_style(x, "FieldsTable", "Fields table", false);
    gv__xml_end(x);
    return x;
}

static gv__xml *content_types_xml(void)
{
    static const char *const parts[][2] = {
        {"/word/document.xml", CT_WML "document.main+xml"},
        {"/word/styles.xml", CT_WML "styles+xml"},
        {"/word/settings.xml", CT_WML "settings+xml"},
        {"/word/footer1.xml", CT_WML "footer+xml"},
        {"/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"},
    };
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "Types");
    gv__xml_attr(x, "xmlns", "http://schemas.openxmlformats.org/package/2006/content-types");
    gv__xml_empty(x, "Default", "Extension", "rels", "ContentType",
                  "application/vnd.openxmlformats-package.relationships+xml", NULL);
    gv__xml_empty(x, "Default", "Extension", "xml", "ContentType", "application/xml", NULL);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        gv__xml_empty(x, "Override", "PartName", parts[i][0], "ContentType", parts[i][1], NULL);
    gv__xml_end(x);
    return x;
}

/* A relationships part: n (id, type, target) triples. */
static gv__xml *rels_xml(size_t n, const char *const (*rels)[3])
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "Relationships");
    gv__xml_attr(x, "xmlns", NS_PKG);
    for (size_t i = 0; i < n; i++)
        gv__xml_empty(x, "Relationship", "Id", rels[i][0], "Type", rels[i][1], "Target", rels[i][2],
                      NULL);
    gv__xml_end(x);
    return x;
}

static gv__xml *core_xml(const char *title, const char *subject, const char *created)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "cp:coreProperties");
    gv__xml_attr(x, "xmlns:cp",
                 "http://schemas.openxmlformats.org/package/2006/metadata/core-properties");
    gv__xml_attr(x, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    gv__xml_attr(x, "xmlns:dcterms", "http://purl.org/dc/terms/");
    gv__xml_attr(x, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    gv__xml_start(x, "dc:title");
    gv__xml_text(x, title);
    gv__xml_end(x);
    gv__xml_start(x, "dc:subject");
    gv__xml_text(x, subject);
    gv__xml_end(x);
    gv__xml_start(x, "dc:language");
    gv__xml_text(x, "en");
    gv__xml_end(x);
    gv__xml_start(x, "dcterms:created");
    gv__xml_attr(x, "xsi:type", "dcterms:W3CDTF");
    gv__xml_text(x, created);
    gv__xml_end(x);
    gv__xml_end(x);
    return x;
}

static gv__xml *settings_xml(void)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "w:settings");
    gv__xml_attr(x, "xmlns:w", NS_W);
    gv__xml_empty(x, "w:defaultTabStop", "w:val", "567", NULL);
    gv__xml_empty(x, "w:characterSpacingControl", "w:val", "doNotCompress", NULL);
    gv__xml_end(x);
    return x;
}

/* A field (PAGE, NUMPAGES) as a simple field with its last value. */
static void field(gv__xml *x, const char *instr)
{
    gv__xml_start(x, "w:fldSimple");
    gv__xml_attr(x, "w:instr", instr);
    gv__xml_start(x, "w:r");
    gv__xml_start(x, "w:t");
    gv__xml_text(x, "1");
    gv__xml_end(x);
    gv__xml_end(x);
    gv__xml_end(x);
}

static void text_run(gv__xml *x, const char *text)
{
    gv__xml_start(x, "w:r");
    gv__xml_start(x, "w:t");
    gv__xml_attr(x, "xml:space", "preserve");
    gv__xml_text(x, text);
    gv__xml_end(x);
    gv__xml_end(x);
}

static gv__xml *footer_xml(void)
{
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "w:ftr");
    gv__xml_attr(x, "xmlns:w", NS_W);
    gv__xml_start(x, "w:p");
    gv__xml_start(x, "w:pPr");
    gv__xml_empty(x, "w:jc", "w:val", "center", NULL);
    gv__xml_end(x);
    text_run(x, "Page ");
    field(x, " PAGE ");
    text_run(x, " of ");
    field(x, " NUMPAGES ");
    gv__xml_end(x);
    gv__xml_end(x);
    return x;
}

static void section(gv__xml *x)
{
    char margin[16];
    snprintf(margin, sizeof margin, "%d", MARGIN);
    gv__xml_start(x, "w:sectPr");
    gv__xml_empty(x, "w:footerReference", "w:type", "default", "r:id", "rIdFooter", NULL);
    gv__xml_empty(x, "w:pgSz", "w:w", PAGE_W, "w:h", PAGE_H, NULL);
    gv__xml_empty(x, "w:pgMar", "w:top", "1418", "w:right", margin, "w:bottom", "1418", "w:left",
                  margin, "w:header", "709", "w:footer", "709", "w:gutter", "0", NULL);
    gv__xml_end(x);
}

/* The annex starts a page with "Annex" centred, and its own numbering. */
static void dx_annex(gv__doc *d)
{
    docx *w = D(d);
    gv__xml_start(w->x, "w:p");
    gv__xml_start(w->x, "w:r");
    gv__xml_empty(w->x, "w:br", "w:type", "page", NULL);
    gv__xml_end(w->x);
    gv__xml_end(w->x);
    paragraph(w, "Annex", "Annex", "center");
    w->num = (gv__numbering){0};
}

int gv__render_docx(const json_t *summary, const json_t *record, gv__buf *b, gv_error *err)
{
    const json_t *m = gv__o(record, "meeting");
    const json_t *as_of = gv__o(m, "as_of");
    int64_t ms = gv__i(as_of, "ms");
    docx w = {.x = gv__xml_new()};
    gv__doc d = {.ud = &w,
                 .title = dx_title,
                 .contents = dx_contents,
                 .heading = dx_heading,
                 .para = dx_para,
                 .fields = dx_fields,
                 .table = dx_table,
                 .quote = dx_quote,
                 .mono = dx_mono,
                 .chart = dx_chart,
                 .annex = dx_annex};
    gv__xml_start(w.x, "w:document");
    gv__xml_attr(w.x, "xmlns:w", NS_W);
    gv__xml_attr(w.x, "xmlns:r", NS_R);
    gv__xml_start(w.x, "w:body");
    int rc = gv__doc_write_all(summary, record, &d, err);
    if (rc < 0) {
        gv__xml_free(w.x);
        return rc;
    }
    section(w.x);
    static const char *const pkg_rels[][3] = {
        {"rId1", REL_OD "officeDocument", "word/document.xml"},
        {"rId2", NS_PKG "/metadata/core-properties", "docProps/core.xml"},
    };
    static const char *const doc_rels[][3] = {
        {"rIdStyles", REL_OD "styles", "styles.xml"},
        {"rIdSettings", REL_OD "settings", "settings.xml"},
        {"rIdFooter", REL_OD "footer", "footer1.xml"},
    };
    gv__zip *z = gv__zip_new(ms / 1000);
    gv__zip_add_xml(z, "[Content_Types].xml", content_types_xml());
    gv__zip_add_xml(z, "_rels/.rels", rels_xml(2, pkg_rels));
    gv__zip_add_xml(z, "docProps/core.xml",
                    core_xml(gv__s(m, "title"), summary ? "Chair's summary" : "Outcome record",
                             gv__s(as_of, "utc")));
    gv__zip_add_xml(z, "word/document.xml", w.x);
    gv__zip_add_xml(z, "word/styles.xml", styles_xml());
    gv__zip_add_xml(z, "word/settings.xml", settings_xml());
    gv__zip_add_xml(z, "word/footer1.xml", footer_xml());
    gv__zip_add_xml(z, "word/_rels/document.xml.rels", rels_xml(3, doc_rels));
    size_t len = 0;
    char *bytes = gv__zip_finish(z, &len, err);
    if (!bytes)
        return GV_ENOMEM;
    gv__buf_add(b, bytes, len);
    free(bytes);
    return 0;
}

/*
 * PDF backend of the record document, drawn with cairo and laid out with
 * pango: A4 portrait, a table of contents with page numbers (and links),
 * "page n of N" on every page, PDF bookmarks, tables that repeat their header
 * after a page break, and bar charts drawn as vectors.
 *
 * Text is always set with pango_layout_set_text, never as markup, so no user
 * text is read as formatting. Pango shapes every script through HarfBuzz and
 * falls back, glyph by glyph, from Noto Sans to the Noto fonts that have the
 * glyphs (Noto Naskh Arabic, Noto Sans CJK): Arabic names are joined and laid
 * right to left inside the left-to-right page, Chinese ones get their glyphs.
 * cairo writes the text's Unicode with the glyphs, so the PDF's text can be
 * searched and extracted (tests/integration/report_pdf.sh does).
 *
 * Page numbers of the contents are only known once everything is laid out,
 * so the document is laid out twice: the first pass, on a PDF surface whose
 * bytes are thrown away, notes the page and position of every heading and
 * the number of pages; the second draws the same layout with those figures.
 * The contents have the same size in both passes (one line per heading), so
 * nothing moves between them.
 *
 * The same machinery draws other documents (gv__pdf_source: the provisional
 * list of speakers, src/report/speakers.c), in a page language's direction:
 * right to left, every block and table column is mirrored and text is set
 * flush right, as an Arabic reader expects.
 */
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "report/doc.h"
#include "report/render.h"
#include "report/report_internal.h"

/* A4 in points, and the margins (2 cm; the bottom one holds the footer). */
#define PAGE_W    595.276
#define PAGE_H    841.890
#define MARGIN    56.693
#define BOTTOM    70.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)

/* Noto Naskh Arabic rather than Noto Sans Arabic: the latter draws lam with
 * alef maksura as one glyph, whose two letters text extractors (pdftotext)
 * give back in the wrong order inside a right-to-left word. */
#define FONT_FAMILY "Noto Sans, Noto Naskh Arabic, Noto Sans CJK SC"
#define FONT_BODY   FONT_FAMILY " 9.5"
#define FONT_SMALL  FONT_FAMILY " 7.5"
#define FONT_BOLD_S FONT_FAMILY " Bold 7.5"
#define FONT_FIELD  FONT_FAMILY " Bold 9.5"
#define FONT_QUOTE  FONT_FAMILY " Italic 9.5"
#define FONT_H1     FONT_FAMILY " Bold 14"
#define FONT_H2     FONT_FAMILY " Bold 11.5"
#define FONT_TITLE  FONT_FAMILY " Bold 18"
#define FONT_KICKER FONT_FAMILY " Bold 8.5"
#define FONT_MONO   "Noto Sans Mono CJK SC, monospace 8.5"

/* Cell padding in tables, in points. */
#define PAD 3.0
/* Columns a table may have (the record's widest has 10). */
#define GV__MAX_COLS 16

typedef struct pdf {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pc;    /** one per pass: 72 dpi, left to right */
    int pass;            /** 1: measuring, 2: drawing */
    int page;            /** current page, from 1 */
    int pages;           /** pages in all (known in pass 2) */
    double y;            /** top of the free space on the page */
    const char *title;   /** for the footer */
    const char *page_of; /** the footer's "Page {n} of {of}" */
    bool rtl;            /** right to left: blocks mirrored, text flush right */
    gv__doc *d;
    /** column widths of each table, found in pass 1 */
    double (*widths)[GV__MAX_COLS];
    size_t nwidths, cap_widths, next_table;
    /** per heading, in order: page and y found in pass 1 */
    struct head_at {
        int page;
        double y;
    } * heads;
    size_t nhead, cap_heads, next_head;
    int outline_parent; /** bookmark id of the last level-1 heading */
} pdf;

static pdf *P(gv__doc *d)
{
    return d->ud;
}

static PangoLayout *layout(pdf *p, const char *font, const char *text, double width)
{
    PangoLayout *l = pango_layout_new(p->pc);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    /* The page reads left to right; a right-to-left name keeps its own order
     * inside it (the bidi algorithm), but does not flip its paragraph. */
    pango_layout_set_auto_dir(l, FALSE);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
        if (p->rtl)
            pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    }
    pango_layout_set_text(l, text, -1);
    return l;
}

static double height_of(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double width_of(PangoLayout *l)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(l, &ink, &logical);
    return (double)logical.width / PANGO_SCALE;
}

/* Where a box of width w that starts x from the left margin's side goes:
 * mirrored on a right-to-left page. */
static double at_x(const pdf *p, double x, double w)
{
    return p->rtl ? PAGE_W - x - w : x;
}

/* The footer's page words: {n} and {of} of the template filled in. */
static void page_words(const pdf *p, char *out, size_t size)
{
    char n[16], of[16];
    snprintf(n, sizeof n, "%d", p->page);
    snprintf(of, sizeof of, "%d", p->pages);
    size_t o = 0;
    for (const char *t = p->page_of; *t && o + 1 < size;) {
        const char *v = NULL;
        size_t skip = 1;
        if (strncmp(t, "{n}", 3) == 0) {
            v = n;
            skip = 3;
        } else if (strncmp(t, "{of}", 4) == 0) {
            v = of;
            skip = 4;
        }
        if (!v) {
            out[o++] = *t++;
            continue;
        }
        for (; *v && o + 1 < size; v++)
            out[o++] = *v;
        t += skip;
    }
    out[o] = '\0';
}

static void draw_layout(pdf *p, PangoLayout *l, double x, double y)
{
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

static void footer(pdf *p)
{
    char right[128];
    page_words(p, right, sizeof right);
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, MARGIN, PAGE_H - BOTTOM + 22);
    cairo_line_to(p->cr, PAGE_W - MARGIN, PAGE_H - BOTTOM + 22);
    cairo_stroke(p->cr);
    PangoLayout *r = layout(p, FONT_SMALL, right, 0);
    double rw = width_of(r);
    draw_layout(p, r, at_x(p, PAGE_W - MARGIN - rw, rw), PAGE_H - BOTTOM + 27);
    PangoLayout *t = layout(p, FONT_SMALL, p->title, 0);
    pango_layout_set_width(t, (int)((CONTENT_W - rw - 20) * PANGO_SCALE));
    pango_layout_set_ellipsize(t, PANGO_ELLIPSIZE_END);
    if (p->rtl)
        pango_layout_set_alignment(t, PANGO_ALIGN_RIGHT);
    draw_layout(p, t, at_x(p, MARGIN, CONTENT_W - rw - 20), PAGE_H - BOTTOM + 27);
    g_object_unref(r);
    g_object_unref(t);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void new_page(pdf *p)
{
    footer(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = MARGIN;
}

static double space_left(const pdf *p)
{
    return PAGE_H - BOTTOM - p->y;
}

/* Makes room for h points, on a new page if this one has too little; a block
 * taller than a whole page starts at the top of one and runs over. */
static void need(pdf *p, double h)
{
    if (h > space_left(p) && p->y > MARGIN)
        new_page(p);
}

/* Draws a layout at x, breaking it between lines across pages. */
static void flow(pdf *p, PangoLayout *l, double x)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double shift = 0; /* how far down the lines have moved by page breaks */
    double top = p->y;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double ly = top + shift + (double)logical.y / PANGO_SCALE;
        double lh = (double)logical.height / PANGO_SCALE;
        if (ly + lh > PAGE_H - BOTTOM && ly > MARGIN) {
            new_page(p);
            shift += MARGIN - ly;
            ly = MARGIN;
        }
        int baseline = pango_layout_iter_get_baseline(it);
        cairo_move_to(p->cr, x + (double)logical.x / PANGO_SCALE,
                      top + shift + (double)baseline / PANGO_SCALE);
        pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
        p->y = ly + lh;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
}

static void pdf_title(gv__doc *d, const char *title, const char *subtitle)
{
    pdf *p = P(d);
    char upper[128];
    size_t i = 0;
    for (; i < sizeof upper - 1 && subtitle[i]; i++)
        upper[i] =
            (subtitle[i] >= 'a' && subtitle[i] <= 'z') ? (char)(subtitle[i] - 32) : subtitle[i];
    upper[i] = '\0';
    PangoLayout *k = layout(p, FONT_KICKER, upper, CONTENT_W);
    cairo_set_source_rgb(p->cr, 0.12, 0.31, 0.47);
    draw_layout(p, k, MARGIN, p->y);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += height_of(k) + 4;
    g_object_unref(k);
    PangoLayout *t = layout(p, FONT_TITLE, title, CONTENT_W);
    flow(p, t, MARGIN);
    g_object_unref(t);
    p->y += 14;
}

static void pdf_fields(gv__doc *d, size_t n, const char *const *keys, const char *const *values)
{
    pdf *p = P(d);
    const double kw = 92;
    for (size_t i = 0; i < n; i++) {
        PangoLayout *k = layout(p, FONT_FIELD, keys[i], kw - 6);
        PangoLayout *v = layout(p, FONT_BODY, values[i], CONTENT_W - kw);
        double h = height_of(v) > height_of(k) ? height_of(v) : height_of(k);
        need(p, h);
        draw_layout(p, k, at_x(p, MARGIN, kw - 6), p->y);
        draw_layout(p, v, at_x(p, MARGIN + kw, CONTENT_W - kw), p->y);
        p->y += h + 3;
        g_object_unref(k);
        g_object_unref(v);
    }
    p->y += 8;
}

static void pdf_contents(gv__doc *d)
{
    pdf *p = P(d);
    PangoLayout *h = layout(p, FONT_H1, "Contents", CONTENT_W);
    need(p, height_of(h) + 40);
    p->y += 6;
    draw_layout(p, h, MARGIN, p->y);
    p->y += height_of(h) + 6;
    g_object_unref(h);
    for (size_t i = 0; i < d->ntoc; i++) {
        const gv__heading *e = &d->toc[i];
        double indent = e->level == 1 ? 0 : 16;
        char num[16] = "";
        if (p->pass == 2 && i < p->nhead)
            snprintf(num, sizeof num, "%d", p->heads[i].page);
        PangoLayout *pn = layout(p, e->level == 1 ? FONT_FIELD : FONT_BODY, num, 0);
        PangoLayout *t =
            layout(p, e->level == 1 ? FONT_FIELD : FONT_BODY, e->text, CONTENT_W - indent - 40);
        double lh = height_of(t);
        need(p, lh);
        if (p->pass == 2 && i < p->nhead) {
            char link[96];
            snprintf(link, sizeof link, "page=%d pos=[%.2f %.2f]", p->heads[i].page, MARGIN,
                     p->heads[i].y);
            cairo_tag_begin(p->cr, CAIRO_TAG_LINK, link);
        }
        draw_layout(p, t, MARGIN + indent, p->y);
        draw_layout(p, pn, PAGE_W - MARGIN - width_of(pn), p->y);
        if (p->pass == 2 && i < p->nhead)
            cairo_tag_end(p->cr, CAIRO_TAG_LINK);
        p->y += lh + (e->level == 1 ? 3 : 1);
        g_object_unref(pn);
        g_object_unref(t);
    }
    /* The record's sections start on a page of their own. */
    new_page(p);
}

static void pdf_heading(gv__doc *d, const gv__heading *h)
{
    pdf *p = P(d);
    PangoLayout *l = layout(p, h->level == 1 ? FONT_H1 : FONT_H2, h->text, CONTENT_W);
    double lh = height_of(l);
    /* Keep a heading with the start of what follows it. */
    if (p->y > MARGIN)
        p->y += h->level == 1 ? 14 : 8;
    need(p, lh + 70);
    size_t i = p->next_head++;
    if (p->pass == 1) {
        if (GV_ARRAY_RESERVE(p->heads, p->cap_heads, i + 1) == 0) {
            p->heads[i] = (struct head_at){p->page, p->y};
            p->nhead = i + 1;
        }
    } else {
        char dest[96];
        snprintf(dest, sizeof dest, "page=%d pos=[%.2f %.2f]", p->page, MARGIN, p->y);
        int id = cairo_pdf_surface_add_outline(
            p->surface, h->level == 1 ? CAIRO_PDF_OUTLINE_ROOT : p->outline_parent, h->text, dest,
            0);
        if (h->level == 1)
            p->outline_parent = id;
    }
    cairo_set_source_rgb(p->cr, 0.12, 0.31, 0.47);
    draw_layout(p, l, MARGIN, p->y);
    p->y += lh + 2;
    if (h->level == 1) {
        cairo_set_line_width(p->cr, 1.2);
        cairo_move_to(p->cr, MARGIN, p->y);
        cairo_line_to(p->cr, PAGE_W - MARGIN, p->y);
        cairo_stroke(p->cr);
        p->y += 4;
    }
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += 4;
    g_object_unref(l);
}

static void pdf_para(gv__doc *d, const char *text)
{
    pdf *p = P(d);
    PangoLayout *l = layout(p, FONT_BODY, text, CONTENT_W);
    flow(p, l, MARGIN);
    p->y += 6;
    g_object_unref(l);
}

static void pdf_quote(gv__doc *d, const char *text, const char *by)
{
    pdf *p = P(d);
    const double indent = 14;
    PangoLayout *l = layout(p, FONT_QUOTE, text, CONTENT_W - indent);
    double top = p->y;
    int page = p->page;
    flow(p, l, MARGIN + indent);
    g_object_unref(l);
    if (by) {
        char line[600];
        snprintf(line, sizeof line, "\xE2\x80\x94 %s", by);
        PangoLayout *b = layout(p, FONT_SMALL, line, CONTENT_W - indent);
        need(p, height_of(b));
        cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
        draw_layout(p, b, MARGIN + indent, p->y + 1);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        p->y += height_of(b) + 1;
        g_object_unref(b);
    }
    /* The bar beside the quote, on its last page. */
    cairo_set_source_rgb(p->cr, 0.12, 0.31, 0.47);
    cairo_rectangle(p->cr, MARGIN + 2, page == p->page ? top : MARGIN, 2.5,
                    p->y - (page == p->page ? top : MARGIN));
    cairo_fill(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += 8;
}

static void pdf_mono(gv__doc *d, const char *text)
{
    pdf *p = P(d);
    PangoLayout *l = layout(p, FONT_MONO, text, CONTENT_W - 12);
    double h = height_of(l) + 10;
    need(p, h);
    cairo_set_source_rgb(p->cr, 0.95, 0.96, 0.98);
    cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, h);
    cairo_fill(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    draw_layout(p, l, MARGIN + 6, p->y + 5);
    p->y += h + 8;
    g_object_unref(l);
}

/* Widest unbreakable word of a cell: a column is never narrower. Laid out
 * one unit wide, breaking at words only, each word takes a line of its own
 * and the widest line is the widest word. */
static double widest_word(pdf *p, const char *font, const char *s)
{
    PangoLayout *l = layout(p, font, s, 0);
    pango_layout_set_width(l, PANGO_SCALE);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD);
    double w = width_of(l);
    g_object_unref(l);
    return w;
}

/* Column widths that fill the text width: every column gets its widest word,
 * then the rest is shared in proportion to what each still lacks to show its
 * longest line unwrapped. */
static void column_widths(pdf *p, const gv__table *t, double *width)
{
    double nat[GV__MAX_COLS], min[GV__MAX_COLS], sum_nat = 0, sum_min = 0;
    size_t nc = t->ncols < GV__MAX_COLS ? t->ncols : GV__MAX_COLS;
    for (size_t c = 0; c < nc; c++) {
        PangoLayout *h = layout(p, FONT_BOLD_S, t->head[c], 0);
        nat[c] = width_of(h);
        g_object_unref(h);
        min[c] = widest_word(p, FONT_BOLD_S, t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            PangoLayout *l = layout(p, FONT_SMALL, gv__table_cell(t, r, c), 0);
            if (width_of(l) > nat[c])
                nat[c] = width_of(l);
            g_object_unref(l);
            double ww = widest_word(p, FONT_SMALL, gv__table_cell(t, r, c));
            if (ww > min[c])
                min[c] = ww;
        }
        nat[c] += 2 * PAD;
        min[c] += 2 * PAD;
        if (min[c] > nat[c])
            min[c] = nat[c];
        sum_nat += nat[c];
        sum_min += min[c];
    }
    for (size_t c = 0; c < nc; c++) {
        if (sum_nat <= CONTENT_W)
            width[c] = nat[c] + (CONTENT_W - sum_nat) * nat[c] / sum_nat;
        else if (sum_min <= CONTENT_W)
            width[c] = min[c] + (CONTENT_W - sum_min) * (nat[c] - min[c]) / (sum_nat - sum_min);
        else
            width[c] = min[c] * CONTENT_W / sum_min;
    }
}

static PangoLayout *cell_layout(pdf *p, const gv__table *t, size_t c, const char *text,
                                double width, bool head)
{
    PangoLayout *l = layout(p, head ? FONT_BOLD_S : FONT_SMALL, text, width - 2 * PAD);
    bool right = (t->align[c] == GV__RIGHT) != p->rtl;
    pango_layout_set_alignment(l, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    return l;
}

/* Lays out one row's cells into ls[] (the caller unrefs them); returns the
 * row's height. Each cell is shaped once, then measured and drawn. */
static double row_layouts(pdf *p, const gv__table *t, const double *width, const char *const *cells,
                          bool head, PangoLayout **ls)
{
    double h = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        ls[c] = cell_layout(p, t, c, cells[c], width[c], head);
        if (height_of(ls[c]) > h)
            h = height_of(ls[c]);
    }
    return h + 2 * PAD;
}

/* Draws a laid-out row at the current y and unrefs its layouts. */
static void draw_row(pdf *p, const gv__table *t, const double *width, PangoLayout **ls, double h,
                     bool head, bool shade)
{
    if (head || shade) {
        if (head)
            cairo_set_source_rgb(p->cr, 0.90, 0.93, 0.96);
        else
            cairo_set_source_rgb(p->cr, 0.97, 0.975, 0.985);
        cairo_rectangle(p->cr, MARGIN, p->y, CONTENT_W, h);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
    }
    double x = MARGIN;
    for (size_t c = 0; c < t->ncols; c++) {
        draw_layout(p, ls[c], at_x(p, x + PAD, width[c] - 2 * PAD), p->y + PAD);
        x += width[c];
        g_object_unref(ls[c]);
    }
    cairo_set_source_rgb(p->cr, 0.75, 0.77, 0.82);
    cairo_set_line_width(p->cr, 0.4);
    cairo_move_to(p->cr, MARGIN, p->y + h);
    cairo_line_to(p->cr, PAGE_W - MARGIN, p->y + h);
    cairo_stroke(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    p->y += h;
}

static void draw_head(pdf *p, const gv__table *t, const double *width)
{
    PangoLayout *ls[GV__MAX_COLS];
    double h = row_layouts(p, t, width, t->head, true, ls);
    draw_row(p, t, width, ls, h, true, false);
}

/* Column widths of the next table: measured in the first pass, remembered
 * for the second (the tables come in the same order). */
static bool table_widths(pdf *p, const gv__table *t, double *width)
{
    size_t i = p->next_table++;
    if (p->pass == 2 && i < p->nwidths) {
        memcpy(width, p->widths[i], sizeof p->widths[i]);
        return true;
    }
    column_widths(p, t, width);
    if (p->pass == 1) {
        if (GV_ARRAY_RESERVE(p->widths, p->cap_widths, i + 1) < 0)
            return false;
        memcpy(p->widths[i], width, sizeof p->widths[i]);
        p->nwidths = i + 1;
    }
    return true;
}

static void pdf_table(gv__doc *d, const gv__table *t)
{
    pdf *p = P(d);
    double width[GV__MAX_COLS];
    PangoLayout *ls[GV__MAX_COLS];
    if (t->ncols == 0 || t->ncols > GV__MAX_COLS || !table_widths(p, t, width))
        return;
    PangoLayout *hs[GV__MAX_COLS];
    double head_h = row_layouts(p, t, width, t->head, true, hs);
    for (size_t r = 0; r < t->nrows || r == 0; r++) {
        const char *const *cells = t->nrows ? (const char *const *)&t->cells[r * t->ncols] : NULL;
        double h = cells ? row_layouts(p, t, width, cells, false, ls) : 0;
        /* The header goes with the first row, and again over a row that had
         * to go to the next page: a header never stands alone at a foot. */
        if (r == 0 || h > space_left(p)) {
            if ((r == 0 ? head_h : 0) + h > space_left(p) && p->y > MARGIN)
                new_page(p);
            if (r == 0)
                draw_row(p, t, width, hs, head_h, true, false);
            else
                draw_head(p, t, width);
        }
        if (cells)
            draw_row(p, t, width, ls, h, false, r % 2 == 1);
    }
    p->y += 10;
}

static void pdf_chart(gv__doc *d, const gv__chart *c)
{
    pdf *p = P(d);
    const double label_w = 170, bar_x = MARGIN + 178, bar_w = 200, bar_h = 7.5, row_h = 24;
    double h = 22 + (double)c->n * row_h + 6;
    need(p, h);
    double y = p->y;
    /* Legend. */
    const double legend[2][3] = {{0.62, 0.72, 0.84}, {0.12, 0.31, 0.47}};
    const char *names[2] = {c->a_name, c->b_name};
    double lx = bar_x;
    for (int s = 0; s < 2; s++) {
        cairo_set_source_rgb(p->cr, legend[s][0], legend[s][1], legend[s][2]);
        cairo_rectangle(p->cr, lx, y + 3, 8, 8);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        PangoLayout *l = layout(p, FONT_SMALL, names[s], 0);
        draw_layout(p, l, lx + 11, y + 1);
        lx += 11 + width_of(l) + 18;
        g_object_unref(l);
    }
    y += 20;
    for (size_t i = 0; i < c->n; i++) {
        const gv__bar *b = &c->bars[i];
        PangoLayout *l = layout(p, FONT_SMALL, b->label, label_w);
        pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
        double lh = height_of(l);
        draw_layout(p, l, MARGIN, y + bar_h + 1 - lh / 2);
        g_object_unref(l);
        const int permille[2] = {b->a_permille, b->b_permille};
        const char *texts[2] = {b->a_text, b->b_text};
        for (int s = 0; s < 2; s++) {
            double by = y + s * (bar_h + 1.5), bw = bar_w * permille[s] / 1000.0;
            cairo_set_source_rgb(p->cr, legend[s][0], legend[s][1], legend[s][2]);
            cairo_rectangle(p->cr, bar_x, by, bw, bar_h);
            cairo_fill(p->cr);
            cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
            PangoLayout *v = layout(p, FONT_FAMILY " 6.5", texts[s], 0);
            draw_layout(p, v, bar_x + bw + 4, by + bar_h / 2 - height_of(v) / 2);
            g_object_unref(v);
        }
        /* The axis: the bars' common start. */
        cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(p->cr, 0.5);
        cairo_move_to(p->cr, bar_x, y - 2);
        cairo_line_to(p->cr, bar_x, y + 2 * bar_h + 3.5);
        cairo_stroke(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        y += row_h;
    }
    p->y = y + 8;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    gv__buf *b = closure;
    if (b) {
        gv__buf_add(b, (const char *)data, length);
        if (b->failed)
            return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* One pass over the document; `out` NULL throws the bytes away. */
static int run_pass(pdf *p, const gv__pdf_source *src, gv__buf *out, gv_error *err)
{
    gv__doc d = {.ud = p,
                 .title = pdf_title,
                 .contents = pdf_contents,
                 .heading = pdf_heading,
                 .para = pdf_para,
                 .fields = pdf_fields,
                 .table = pdf_table,
                 .quote = pdf_quote,
                 .mono = pdf_mono,
                 .chart = pdf_chart};
    p->d = &d;
    p->surface = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    cairo_pdf_surface_restrict_to_version(p->surface, CAIRO_PDF_VERSION_1_5);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, src->title);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_SUBJECT, src->subject);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "Gavel");
    /* The document's own time, not the clock: the same log gives the same file. */
    char when[32];
    snprintf(when, sizeof when, "%.19sZ", src->date_utc ? src->date_utc : "");
    if (strlen(when) == 20) {
        cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, when);
        cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_MOD_DATE, when);
    }
    p->cr = cairo_create(p->surface);
    /* Font sizes are in points and so is the PDF's user space: 72 dpi, not
     * the screen's 96 that pango assumes. */
    p->pc = pango_cairo_create_context(p->cr);
    pango_cairo_context_set_resolution(p->pc, 72);
    pango_context_set_base_dir(p->pc, p->rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
    /* One unit is a point here: glyph positions rounded to whole units (the
     * screen's default) would open gaps inside joined Arabic words and shift
     * small text, so positions and metrics stay exact. */
    pango_context_set_round_glyph_positions(p->pc, FALSE);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(p->pc, fo);
    cairo_font_options_destroy(fo);
    p->page = 1;
    p->y = MARGIN;
    p->next_head = 0;
    p->next_table = 0;
    p->outline_parent = CAIRO_PDF_OUTLINE_ROOT;
    p->title = src->title;
    int rc = src->write(src->ctx, &d, err);
    if (rc == 0) {
        footer(p);
        cairo_show_page(p->cr);
    }
    g_object_unref(p->pc);
    p->pc = NULL;
    cairo_destroy(p->cr);
    cairo_surface_finish(p->surface);
    cairo_status_t st = cairo_surface_status(p->surface);
    cairo_surface_destroy(p->surface);
    p->cr = NULL;
    p->surface = NULL;
    p->d = NULL;
    if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
        if (out && out->failed)
            rc = gv_error_set(err, GV_ENOMEM, "out of memory while writing the PDF");
        else
            rc = gv_error_set(err, GV_EIO, "the PDF could not be drawn: %s",
                              cairo_status_to_string(st));
    }
    return rc;
}

int gv__render_pdf_source(const gv__pdf_source *src, gv__buf *b, gv_error *err)
{
    pdf p = {
        .pass = 1, .rtl = src->rtl, .page_of = src->page_of ? src->page_of : "Page {n} of {of}"};
    int rc = run_pass(&p, src, NULL, err);
    if (rc == 0 && p.nhead != p.next_head)
        rc = gv_error_set(err, GV_ENOMEM, "out of memory while laying out the PDF");
    if (rc == 0) {
        p.pages = p.page;
        p.pass = 2;
        rc = run_pass(&p, src, b, err);
    }
    free(p.heads);
    free(p.widths);
    return rc;
}

static int write_record(const void *record, gv__doc *d, gv_error *err)
{
    return gv__doc_write(record, d, err);
}

int gv__render_pdf(const json_t *record, gv__buf *b, gv_error *err)
{
    const json_t *m = gv__o(record, "meeting");
    gv__pdf_source src = {.write = write_record,
                          .ctx = record,
                          .title = gv__s(m, "title"),
                          .subject = "Outcome record",
                          .date_utc = gv__s(gv__o(m, "as_of"), "utc")};
    return gv__render_pdf_source(&src, b, err);
}

void gv_report_release_fonts(void)
{
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    FcFini();
}

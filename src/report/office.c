/*
 * Shared rules of the office formats (office.h). Headings are numbered in
 * the text itself, not with a numbering definition of the format, so that
 * every reader (and a text extractor) sees the same "II. Agenda as held".
 */
#include "report/office.h"

#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

#define FSI "\xE2\x81\xA8"
#define PDI "\xE2\x81\xA9"

static void roman(int n, char out[32])
{
    static const int val[] = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
    static const char *const sym[] = {"M",  "CM", "D",  "CD", "C",  "XC", "L",
                                      "XL", "X",  "IX", "V",  "IV", "I"};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof val / sizeof val[0] && n > 0 && used < 24; i++) {
        while (n >= val[i] && used < 24) {
            used += (size_t)snprintf(out + used, 32 - used, "%s", sym[i]);
            n -= val[i];
        }
    }
}

void gv__office_heading(gv__numbering *n, const gv__heading *h, char out[300])
{
    if (h->level <= 1) {
        char r[32];
        n->chapter++;
        n->section = 0;
        roman(n->chapter, r);
        snprintf(out, 300, "%s.\t%s", r, h->text);
        return;
    }
    n->section++;
    /* A to Z, then AA, AB ... (a chapter of more than 26 sections). */
    int s = n->section - 1;
    char letters[8];
    if (s < 26)
        snprintf(letters, sizeof letters, "%c", 'A' + s);
    else
        snprintf(letters, sizeof letters, "%c%c", 'A' + (s / 26 - 1) % 26, 'A' + s % 26);
    snprintf(out, 300, "%s.\t%s", letters, h->text);
}

/* Characters (code points) of the longest line of s. */
static long longest_line(const char *s)
{
    long best = 0, cur = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            cur = 0;
            continue;
        }
        if ((*p & 0xC0) != 0x80 && ++cur > best)
            best = cur;
    }
    return best;
}

void gv__office_widths(const gv__table *t, long total, long *widths)
{
    long sum = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        long w = longest_line(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            long l = longest_line(gv__table_cell(t, r, c));
            if (l > w)
                w = l;
        }
        widths[c] = w < 4 ? 4 : w > 32 ? 32 : w;
        sum += widths[c];
    }
    long used = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        widths[c] = c + 1 == t->ncols ? total - used : total * widths[c] / sum;
        used += widths[c];
    }
}

bool gv__office_fields(size_t n, const char *const *keys, const char *const *values, gv__table *t)
{
    static const char *const head[] = {"", ""};
    static const gv__align al[] = {GV__LEFT, GV__LEFT};
    gv__table_init(t, 2, head, al);
    for (size_t i = 0; i < n; i++) {
        const char *row[] = {keys[i], values[i]};
        gv__table_row(t, row);
    }
    return !t->failed;
}

const char *gv__office_line(const char *text,
                            void (*fn)(void *ud, const char *s, size_t n, bool rtl), void *ud)
{
    const char *end = strchr(text, '\n');
    const char *stop = end ? end : text + strlen(text);
    const char *p = text;
    while (p < stop) {
        /* A run ends at the next isolate mark, or at the line's end. */
        const char *fsi = strstr(p, FSI), *pdi = strstr(p, PDI);
        const char *mark = stop;
        if (fsi && fsi < mark)
            mark = fsi;
        if (pdi && pdi < mark)
            mark = pdi;
        if (mark > p)
            fn(ud, p, (size_t)(mark - p), gv__bidi_needs_isolate_n(p, (size_t)(mark - p)));
        p = mark < stop ? mark + strlen(FSI) : stop;
    }
    return end ? end + 1 : stop;
}

bool gv__office_rtl_paragraph(const char *text)
{
    /* The paragraph's direction is that of its first strong letter. */
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        unsigned c = *p;
        if (c < 0x80) {
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
                return false;
            p++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        /* As the bidi algorithm does (rule P2), what stands between an
         * isolate and its end does not set the paragraph's direction. */
        if (strncmp((const char *)p, FSI, 3) == 0) {
            const char *pdi = strstr((const char *)p, PDI);
            p = pdi ? (const unsigned char *)pdi + 3 : p + strlen((const char *)p);
            continue;
        }
        if (gv__bidi_needs_isolate_n((const char *)p, len))
            return true;
        /* Letters of other scripts (Latin with accents, Chinese) are left
         * to right; punctuation and symbols (U+2000 to U+2BFF, U+3000 to
         * U+303F, Latin-1 signs) are neither. */
        unsigned cp = len == 2   ? ((c & 0x1F) << 6) | (p[1] & 0x3F)
                      : len == 3 ? ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)
                                 : 0x10000;
        bool neutral = (cp >= 0x80 && cp < 0xC0) || (cp >= 0x2000 && cp < 0x2C00) ||
                       (cp >= 0x3000 && cp < 0x3040);
        if (!neutral)
            return false;
        p += len;
    }
    return false;
}

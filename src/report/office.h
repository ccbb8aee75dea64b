/*
 * What the Word (render_docx.c) and OpenDocument (render_odt.c) backends of
 * the record document share: the numbering of headings as a United Nations
 * document has it, the widths of table columns, and the cutting of a text
 * into runs of one direction.
 */
#ifndef GV_REPORT_OFFICE_H
#define GV_REPORT_OFFICE_H

#include <stdbool.h>
#include <stddef.h>

#include "report/doc.h"

/* Heading counters of a document: chapters and sections. */
typedef struct gv__numbering {
    int chapter, section;
} gv__numbering;

/* "III. Speeches" for a level-1 heading (roman numerals), "B. By regional
 * group" for a level-2 one (capital letters, from A in each chapter). */
void gv__office_heading(gv__numbering *n, const gv__heading *h, char out[300]);

/* Widths of t's columns, in the unit of `total`, adding up to it: in
 * proportion to the longest line of each column (head included), each
 * between 4 and 32 characters' worth. */
void gv__office_widths(const gv__table *t, long total, long *widths);

/* The title fields as a table of two columns without a header: t is set
 * up and filled (release it after use). Returns false when an allocation
 * failed. */
bool gv__office_fields(size_t n, const char *const *keys, const char *const *values, gv__table *t);

/* Calls fn for each run of one line of text (up to a '\n' or the end): the
 * parts between the bidi isolates gv__doc puts around right-to-left names
 * (the marks themselves dropped), with rtl set for a run that holds
 * right-to-left letters. Returns a pointer past the line's end: after the
 * '\n', or at the NUL. */
const char *gv__office_line(const char *text,
                            void (*fn)(void *ud, const char *s, size_t n, bool rtl), void *ud);

/* Whether a text's first strong character is right to left (an Arabic note,
 * an Arabic name alone in a cell): its paragraph is then laid out right to
 * left. */
bool gv__office_rtl_paragraph(const char *text);

#endif

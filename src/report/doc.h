/*
 * The record as a document: headings, paragraphs, key-value fields, tables,
 * quotes and charts, in reading order. src/report/doc.c says once what the
 * report contains; each visual format (Markdown, HTML, PDF) is a backend that
 * lays these blocks out in its own way. All text handed to a backend is plain
 * UTF-8 that may come from users: the backend escapes it for its format. A
 * '\n' in a table cell is a line break within the cell.
 */
#ifndef GV_REPORT_DOC_H
#define GV_REPORT_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum gv__align { GV__LEFT, GV__RIGHT } gv__align;

/* The most columns a table of the record has room for. */
#define GV__TABLE_MAX_COLS 16

/* A table: column titles and alignment are static; cells are copied in. */
typedef struct gv__table {
    size_t ncols;
    const char *const *head; /** ncols titles */
    const gv__align *align;  /** ncols alignments */
    size_t nrows;
    char **cells; /** nrows * ncols strings, row by row, malloc'd */
    size_t cap_cells;
    bool failed; /** an allocation failed: the table is incomplete */
} gv__table;

void gv__table_init(gv__table *t, size_t ncols, const char *const *head, const gv__align *align);
/* Appends a row of ncols strings (copied; NULL is an empty cell). */
void gv__table_row(gv__table *t, const char *const *cells);
const char *gv__table_cell(const gv__table *t, size_t row, size_t col);
void gv__table_release(gv__table *t);

/* A bar chart of two series over the same keys: the share of people who
 * attended and the share of speaking time, in thousandths. */
typedef struct gv__bar {
    const char *label;
    int a_permille, b_permille;
    char a_text[80], b_text[80]; /** the figures written beside the bars */
} gv__bar;

#define GV__CHART_MAX_BARS 16

typedef struct gv__chart {
    const char *title;
    const char *a_name, *b_name; /** the series' names, for the legend */
    size_t n;
    gv__bar bars[GV__CHART_MAX_BARS];
} gv__chart;

typedef struct gv__heading {
    int level;      /** 1 or 2 */
    char id[32];    /** anchor: letters, digits and '-' only */
    char text[256]; /** may be cut at a character boundary */
} gv__heading;

typedef struct gv__doc gv__doc;
struct gv__doc {
    void *ud;
    /** filled by gv__doc_write before the blocks: every heading, in order */
    const gv__heading *toc;
    size_t ntoc;
    void (*title)(gv__doc *d, const char *title, const char *subtitle);
    /* After the title fields; a backend may place its table of contents here. */
    void (*contents)(gv__doc *d);
    void (*heading)(gv__doc *d, const gv__heading *h);
    void (*para)(gv__doc *d, const char *text);
    void (*fields)(gv__doc *d, size_t n, const char *const *keys, const char *const *values);
    void (*table)(gv__doc *d, const gv__table *t);
    void (*quote)(gv__doc *d, const char *text, const char *by);
    void (*mono)(gv__doc *d, const char *text);
    void (*chart)(gv__doc *d, const gv__chart *c);
    /* Before the record when it is the annex of a summary: a new page
     * headed "Annex", numbering started again. May be NULL. */
    void (*annex)(gv__doc *d);
};

/* Sends the record's content to the backend, block by block. Returns 0, or
 * GV_ENOMEM / GV_EINVAL (a record without its sections) with err set. */
int gv__doc_write(const json_t *record, gv__doc *d, gv_error *err);

/* The Chair's summary (summary.c) and then the record as its annex; the
 * record alone when summary is NULL. Errors as gv__doc_write. */
int gv__doc_write_all(const json_t *summary, const json_t *record, gv__doc *d, gv_error *err);

/* "Thursday 31 March 2022" from the date part of an ISO 8601 local time. */
void gv__fmt_date(const char *iso, char out[64]);

/* "UTC+02:00" from the offset at the end of an ISO 8601 local time. */
void gv__fmt_utc_offset(const char *iso, char out[16]);

#endif

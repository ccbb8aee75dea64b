/*
 * The entry point of the formats: picks the renderer and hands back the
 * bytes. The JSON format is the canonical record itself.
 */
#include "report/render.h"

#include <string.h>

#include "report/record.h"
#include "report/report_internal.h"

static const char *const names[] = {"md", "html", "json", "csv", "pdf", "docx", "odt"};

int gv_report_format_from_name(const char *name, gv_report_format *fmt)
{
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *fmt = (gv_report_format)i;
            return 0;
        }
    }
    return GV_EINVAL;
}

const char *gv_report_format_ext(gv_report_format fmt)
{
    return (size_t)fmt < sizeof names / sizeof names[0] ? names[fmt] : "";
}

int gv_report_format_binary(gv_report_format fmt)
{
    return fmt == GV_REPORT_PDF || fmt == GV_REPORT_DOCX || fmt == GV_REPORT_ODT;
}

int gv_report_render(const json_t *record, gv_report_format fmt, char **out, size_t *len,
                     gv_error *err)
{
    gv__buf b;
    int rc;
    *out = NULL;
    *len = 0;
    if (fmt == GV_REPORT_JSON) {
        if (!(*out = gv_record_canonical(record, len)))
            return gv_error_set(err, GV_ENOMEM, "out of memory while writing the record");
        return 0;
    }
    gv__buf_init(&b);
    switch (fmt) {
    case GV_REPORT_MD:
        rc = gv__render_md(NULL, record, &b, err);
        break;
    case GV_REPORT_HTML:
        rc = gv__render_html(record, &b, err);
        break;
    case GV_REPORT_CSV:
        rc = gv__render_csv(record, &b, err);
        break;
    case GV_REPORT_PDF:
        rc = gv__render_pdf(record, &b, err);
        break;
    case GV_REPORT_DOCX:
        rc = gv__render_docx(NULL, record, &b, err);
        break;
    case GV_REPORT_ODT:
        rc = gv__render_odt(NULL, record, &b, err);
        break;
    default:
        rc = gv_error_set(err, GV_EINVAL, "unknown report format %d", (int)fmt);
    }
    if (rc < 0) {
        gv__buf_release(&b);
        return rc;
    }
    *out = gv__buf_take(&b, len, err);
    return *out ? 0 : GV_ENOMEM;
}

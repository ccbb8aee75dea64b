/*
 * Error codes and messages. A gv_error is a plain value: no allocation, so it
 * can be filled on any failure path, including out of memory.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

static void vset(gv_error *err, int code, const char *reason, const char *fmt, va_list ap)
{
    err->code = code;
    err->reason = reason;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int gv_error_set(gv_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vset(err, code, NULL, fmt, ap);
        va_end(ap);
    }
    return code;
}

int gv_error_refuse(gv_error *err, int code, const char *reason, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vset(err, code, reason, fmt, ap);
        va_end(ap);
    }
    return code;
}

void gv_error_clear(gv_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
        err->reason = NULL;
    }
}

const char *gv_error_name(int code)
{
    switch (code) {
    case GV_OK:
        return "ok";
    case GV_EINVAL:
        return "bad_request";
    case GV_EPERM:
        return "forbidden";
    case GV_ESTATE:
        return "conflict";
    case GV_ENOTFOUND:
        return "not_found";
    case GV_ENOMEM:
        return "out_of_memory";
    case GV_EIO:
        return "io_error";
    case GV_ECORRUPT:
        return "corrupt";
    case GV_ELIMIT:
        return "too_large";
    case GV_EAUTH:
        return "unauthorized";
    case GV_EBUSY:
        return "busy";
    case GV_ERATE:
        return "rate_limited";
    case GV_EFULL:
        return "disk_full";
    case GV_EREADONLY:
        return "read_only";
    case GV_EUNAVAIL:
        return "unavailable";
    }
    return "unknown_error";
}

/*
 * Writing the files the report commands make (records, PDFs, calendars, keys
 * and signatures) so that a failure never leaves half a file behind.
 */
#ifndef GV_REPORT_FILE_H
#define GV_REPORT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Writes `len` bytes to `path` through a temporary file in the same folder,
 * flushed to disk and then renamed over `path`, created with permissions
 * `mode` (before the umask). With `exclusive`, an existing `path` is never
 * replaced (GV_ESTATE, nothing written): keys are not overwritten by
 * mistake. GV_EFULL on a full disk, GV_EREADONLY on a read-only file
 * system, GV_EIO for any other failure, with err naming the file and the
 * system's reason; nothing at `path` changes on failure.
 */
int gv_file_write(const char *path, const void *bytes, size_t len, mode_t mode, bool exclusive,
                  gv_error *err);

#endif

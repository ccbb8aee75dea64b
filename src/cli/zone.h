/*
 * Whether a time zone exists, looked up in the system's zoneinfo database
 * (Debian package tzdata). The core asks this through a gv_zone_fn callback
 * (src/core/definition.h), since it does no I/O itself.
 */
#ifndef GV_CLI_ZONE_H
#define GV_CLI_ZONE_H

#include <stdbool.h>

/* Where zone files are looked up when neither `ud` nor $TZDIR says otherwise. */
#define GV_ZONEINFO_DIR "/usr/share/zoneinfo"

/*
 * A gv_zone_fn: true when `name` (like "Europe/Zurich") is a time zone file
 * (TZif) under the zoneinfo directory: `ud` when it is not NULL (a
 * NUL-terminated path, borrowed), else $TZDIR when set, else
 * GV_ZONEINFO_DIR. Names that could leave the directory (absolute, "..",
 * hidden files) and anything not a TZif file are refused. Never fails
 * otherwise: an unreadable file counts as absent.
 */
bool gv_zone_exists(const char *name, void *ud);

#endif

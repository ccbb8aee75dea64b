/*
 * Small helpers shared by the subcommands: reading input files with a size
 * bound, and printing errors in one format ("gavel CMD: message").
 */
#ifndef GV_CLI_UTIL_H
#define GV_CLI_UTIL_H

#include <stddef.h>

#include "core/error.h"

/* Largest file a subcommand reads (definitions, command files): 16 MiB. */
#define GV_CLI_MAX_INPUT_BYTES (16u << 20)

/*
 * Reads the whole of `path` ("-" for standard input) into a new NUL-terminated
 * buffer the caller frees; *len gets its length. Returns NULL with err set when
 * the file cannot be read or is larger than GV_CLI_MAX_INPUT_BYTES.
 */
char *gv_cli_read_file(const char *path, size_t *len, gv_error *err);

/* Prints "gavel CMD: MESSAGE" to stderr. */
void gv_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit code for a GV_E* code: refused input, or a storage/system failure. */
int gv_cli_exit_for(int code);

#endif

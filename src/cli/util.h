/*
 * Small helpers shared by the subcommands: reading input files with a size
 * bound, and printing errors in one format ("gavel CMD: message").
 */
#ifndef GV_CLI_UTIL_H
#define GV_CLI_UTIL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

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

/* The options every subcommand on a meeting database shares, for its option table. */
#define GV_CLI_DB_OPTIONS                                                                          \
    {"db", required_argument, 0, 'd'}, {"meeting", required_argument, 0, 'm'},                     \
    {                                                                                              \
        "help", no_argument, 0, 'h'                                                                \
    }

/* Where those options go. */
typedef struct gv_cli_db_opts {
    const char *db;      /** --db */
    const char *meeting; /** --meeting, NULL for the only meeting */
} gv_cli_db_opts;

/* gv_cli_db_option's answers besides an exit code. */
#define GV_CLI_OPT_TAKEN (-1) /* one of the shared options: go on with the next */
#define GV_CLI_OPT_OWN   (-2) /* the subcommand's own option: handle it */

/*
 * Handles option c of getopt_long when it is one of GV_CLI_DB_OPTIONS or an
 * unknown option. Returns GV_CLI_OPT_TAKEN or GV_CLI_OPT_OWN, or an exit code
 * to end with after printing `usage` (GV_EXIT_OK for --help on stdout,
 * GV_EXIT_USAGE for an unknown option on stderr).
 */
int gv_cli_db_option(int c, const char *usage, gv_cli_db_opts *o);

/*
 * Reads the value of option --`name` as an integer of at least `min`. Returns
 * 0 with *out set, or prints "gavel CMD: --NAME takes WHAT, not \"ARG\"" and
 * returns -1.
 */
int gv_cli_int_option(const char *cmd, const char *name, const char *what, const char *arg,
                      long long min, long long *out);

/* The wall clock in milliseconds since 1970: the time commands carry. */
int64_t gv_cli_now_ms(void);

/* Exit code for a GV_E* code: refused input, or a storage/system failure. */
int gv_cli_exit_for(int code);
/* Exit code for a failure that is not the input's: GV_EXIT_FULL for
 * GV_EFULL, GV_EXIT_READONLY for GV_EREADONLY, GV_EXIT_SYSTEM otherwise. */
int gv_cli_exit_system(int code);

#endif

/*
 * Loading a meeting definition for a subcommand: from a YAML file, from
 * standard input, or the example built into the binary.
 */
#ifndef GV_CLI_LOAD_H
#define GV_CLI_LOAD_H

#include <jansson.h>

/*
 * Reads and checks the definition at `path` ("-" for standard input, NULL for
 * the built-in example). On success returns GV_EXIT_OK and sets *out (a new
 * reference). Otherwise prints every problem as FILE:LINE:COLUMN: MESSAGE on
 * stderr and returns the exit code to end with.
 */
int gv_cli_load_definition(const char *cmd, const char *path, json_t **out);

#endif

/*
 * The `gavel` command's subcommands. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit code:
 *   0  success
 *   1  the input was refused (invalid definition, rejected command, failed verification)
 *   2  usage error (unknown option, missing argument)
 *   3  storage or system error (cannot open, damaged database, out of memory)
 *   4  the disk is full: nothing of the change was stored
 *   5  the database cannot be written (read-only file system or permissions)
 * so that a script or a service manager can tell a full disk and a
 * read-only one, which an operator fixes, from other failures.
 */
#ifndef GV_CLI_CLI_H
#define GV_CLI_CLI_H

#include <stddef.h>

enum {
    GV_EXIT_OK = 0,
    GV_EXIT_REFUSED = 1,
    GV_EXIT_USAGE = 2,
    GV_EXIT_SYSTEM = 3,
    GV_EXIT_FULL = 4,
    GV_EXIT_READONLY = 5,
};

typedef struct gv_subcommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} gv_subcommand;

int gv_cli_validate(int argc, char **argv);
int gv_cli_init(int argc, char **argv);
int gv_cli_apply(int argc, char **argv);
int gv_cli_log(int argc, char **argv);
int gv_cli_state(int argc, char **argv);
int gv_cli_verify(int argc, char **argv);
int gv_cli_demo(int argc, char **argv);
int gv_cli_serve(int argc, char **argv);
int gv_cli_invite(int argc, char **argv);
int gv_cli_report(int argc, char **argv);
int gv_cli_calendar(int argc, char **argv);
int gv_cli_keygen(int argc, char **argv);
int gv_cli_sign(int argc, char **argv);
/* gavel verify --record ...: called by gv_cli_verify when --record is given. */
int gv_cli_verify_record(int argc, char **argv);

/* The example meeting built into the binary (examples/cstd-2022-high-level-panel.yaml). */
extern const unsigned char gv_example_yaml[];
extern const size_t gv_example_yaml_len;

#endif

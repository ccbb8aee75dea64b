/*
 * The `gavel` command: finds the subcommand and runs it. Each subcommand lives
 * in its own file (cmd_<name>.c) and parses its own options.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const gv_subcommand subcommands[] = {
    {"validate", "check a meeting definition file and report every error", gv_cli_validate},
    {"init", "create a meeting's log in a database from its definition", gv_cli_init},
    {"apply", "apply commands (JSON lines) as a person; print the events", gv_cli_apply},
    {"log", "print a meeting's events as JSON lines", gv_cli_log},
    {"state", "print a meeting's current state as JSON", gv_cli_state},
    {"verify", "replay a meeting's log and check its hash chain", gv_cli_verify},
    {"demo", "show the built-in example meeting", gv_cli_demo},
    {"serve", "serve meetings over HTTP, WebSocket and SSE", gv_cli_serve},
    {"invite", "issue, list or revoke invitation links", gv_cli_invite},
    {"report", "write the outcome record: md, html, json, csv or pdf", gv_cli_report},
    {"calendar", "write the agenda as an iCalendar file", gv_cli_calendar},
    {"keygen", "make a key pair for signing records", gv_cli_keygen},
    {"sign", "sign a JSON record", gv_cli_sign},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: gavel COMMAND [OPTIONS] [ARGS]\n\n"
                 "Runs hybrid panels and formal meetings: speakers' list, timers,\n"
                 "questions and a verifiable record.\n\ncommands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'gavel COMMAND --help' describes each command.\n"
                 "exit codes: 0 success, 1 input refused, 2 usage error, 3 storage or system "
                 "error,\n"
                 "            4 the disk is full, 5 the database cannot be written\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return GV_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return GV_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("gavel 0.1.0\n");
        return GV_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "gavel: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return GV_EXIT_USAGE;
}

/* Subcommands not built yet: each is removed from here when its file lands. */
#include <stdio.h>

#include "cli/cli.h"

static int pending(const char *name)
{
    fprintf(stderr, "gavel %s: not available in this build yet\n", name);
    return GV_EXIT_USAGE;
}

int gv_cli_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("init");
}
int gv_cli_apply(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("apply");
}
int gv_cli_log(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("log");
}
int gv_cli_state(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("state");
}
int gv_cli_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("verify");
}
int gv_cli_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return pending("demo");
}

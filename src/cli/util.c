/*
 * Helpers shared by the subcommands. Input is read whole, with a bound, so
 * that a parser never sees a partial file and a huge input fails early.
 */
#include "cli/util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

char *gv_cli_read_file(const char *path, size_t *len, gv_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t used = 0, cap = 0;
    if (!f) {
        gv_error_set(err, GV_EIO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - used < 4096) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                gv_error_set(err, GV_ENOMEM, "out of memory reading %s", path);
                goto fail;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (used > GV_CLI_MAX_INPUT_BYTES) {
            gv_error_set(err, GV_ELIMIT, "%s is larger than %u bytes", path,
                         GV_CLI_MAX_INPUT_BYTES);
            goto fail;
        }
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        gv_error_set(err, GV_EIO, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    if (f != stdin)
        fclose(f);
    buf[used] = '\0';
    *len = used;
    return buf;
fail:
    if (f != stdin)
        fclose(f);
    free(buf);
    return NULL;
}

void gv_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gavel %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int gv_cli_exit_system(int code)
{
    return code == GV_EFULL       ? GV_EXIT_FULL
           : code == GV_EREADONLY ? GV_EXIT_READONLY
                                  : GV_EXIT_SYSTEM;
}

int gv_cli_exit_for(int code)
{
    switch (code) {
    case GV_EIO:
    case GV_ECORRUPT:
    case GV_ENOMEM:
    case GV_EBUSY:
    case GV_EFULL:
    case GV_EREADONLY:
    case GV_EUNAVAIL:
        return gv_cli_exit_system(code);
    default:
        return GV_EXIT_REFUSED;
    }
}

int gv_cli_db_option(int c, const char *usage, gv_cli_db_opts *o)
{
    switch (c) {
    case 'd':
        o->db = optarg;
        return GV_CLI_OPT_TAKEN;
    case 'm':
        o->meeting = optarg;
        return GV_CLI_OPT_TAKEN;
    case 'h':
        fputs(usage, stdout);
        return GV_EXIT_OK;
    case '?':
        fputs(usage, stderr);
        return GV_EXIT_USAGE;
    default:
        return GV_CLI_OPT_OWN;
    }
}

int gv_cli_int_option(const char *cmd, const char *name, const char *what, const char *arg,
                      long long min, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (end == arg || *end || errno || v < min) {
        gv_cli_error(cmd, "--%s takes %s, not \"%s\"", name, what, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int64_t gv_cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * gavel keygen: a new Ed25519 key pair for signing records. The secret key
 * goes to KEYFILE (mode 0600), the public key to KEYFILE.pub and to standard
 * output. Existing files are never overwritten: a lost signing key cannot be
 * got back, so replacing one by mistake is refused.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "report/file.h"
#include "report/sign.h"

static const char usage_text[] =
    "usage: gavel keygen -o KEYFILE\n"
    "Makes an Ed25519 key pair for 'gavel sign': the secret key in KEYFILE (readable\n"
    "by you only), the public key in KEYFILE.pub, also printed. Hand out the public\n"
    "key; keep the secret one. Existing files are never replaced.\n"
    "exit codes: 0 made, 1 a file exists already, 2 usage error, 3 cannot write,\n"
    "            4 the disk is full\n";

int gv_cli_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *output = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return GV_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return GV_EXIT_USAGE;
        }
    }
    if (optind != argc || !output) {
        fputs(usage_text, stderr);
        return GV_EXIT_USAGE;
    }
    size_t n = strlen(output);
    char *pub = malloc(n + 5);
    if (!pub) {
        gv_cli_error("keygen", "out of memory");
        return GV_EXIT_SYSTEM;
    }
    snprintf(pub, n + 5, "%s.pub", output);
    struct stat st;
    if (stat(output, &st) == 0 || stat(pub, &st) == 0) {
        gv_cli_error("keygen", "%s exists already; it was left as it is (choose another name)",
                     stat(output, &st) == 0 ? output : pub);
        free(pub);
        return GV_EXIT_REFUSED;
    }
    unsigned char pk[GV_SIGN_KEY_BYTES], seed[GV_SIGN_KEY_BYTES];
    char secret_text[128], public_text[128];
    gv_error err;
    int rc = GV_EXIT_OK;
    if (gv_sign_keypair(pk, seed, &err) < 0) {
        gv_cli_error("keygen", "%s", err.msg);
        free(pub);
        return GV_EXIT_SYSTEM;
    }
    gv_sign_format_key(seed, 1, secret_text);
    gv_sign_format_key(pk, 0, public_text);
    sodium_memzero(seed, sizeof seed);
    int r = gv_file_write(output, secret_text, strlen(secret_text), 0600, true, &err);
    sodium_memzero(secret_text, sizeof secret_text);
    if (r == 0 && (r = gv_file_write(pub, public_text, strlen(public_text), 0644, true, &err)) < 0)
        remove(output);
    if (r < 0) {
        gv_cli_error("keygen", "%s", err.msg);
        rc = r == GV_ESTATE ? GV_EXIT_REFUSED : gv_cli_exit_system(r);
    } else {
        fputs(public_text, stdout);
        fprintf(stderr, "gavel keygen: secret key in %s (keep it), public key in %s\n", output,
                pub);
    }
    free(pub);
    return rc;
}

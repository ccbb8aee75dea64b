/*
 * gavel sign, and the --record form of gavel verify: signing a JSON record
 * with a key from 'gavel keygen', and checking a signed record against the
 * public key and, given the database, against the log it was built from
 * (src/report/sign.h, src/report/record.h).
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
#include "report/record.h"
#include "report/sign.h"

static const char sign_usage[] =
    "usage: gavel sign --key KEYFILE RECORD.json -o RECORD.sig\n"
    "Signs a JSON record or Chair's summary (from 'gavel report [--summary] --format json')\n"
    "with the secret key made by 'gavel keygen': an Ed25519 signature over the hash of\n"
    "its bytes.\n"
    "exit codes: 0 signed, 1 not a record or not a key, 2 usage error, 3 cannot read or write,\n"
    "            4 the disk is full\n";

/* Reads a whole file; prints why not. */
static char *slurp(const char *cmd, const char *path, size_t *len)
{
    gv_error err;
    char *text = gv_cli_read_file(path, len, &err);
    if (!text)
        gv_cli_error(cmd, "%s", err.msg);
    return text;
}

int gv_cli_sign(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, 0, 'k'},
                                         {"output", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *key = NULL, *output = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(sign_usage, stdout);
            return GV_EXIT_OK;
        default:
            fputs(sign_usage, stderr);
            return GV_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !key || !output) {
        fputs(sign_usage, stderr);
        return GV_EXIT_USAGE;
    }
    const char *record_path = argv[optind];
    struct stat st;
    if (stat(key, &st) == 0 && (st.st_mode & 077)) {
        gv_cli_error("sign",
                     "%s can be read by others (mode %03o): a secret key must not be; "
                     "'chmod 600 %s' if it was not seen, else make a new key",
                     key, (unsigned)(st.st_mode & 0777), key);
        return GV_EXIT_REFUSED;
    }
    size_t klen = 0, rlen = 0, slen = 0;
    char *ktext = slurp("sign", key, &klen), *record = NULL, *sig = NULL;
    unsigned char seed[GV_SIGN_KEY_BYTES];
    gv_error err;
    int rc = GV_EXIT_SYSTEM;
    if (!ktext)
        goto done;
    int r = gv_sign_parse_key(ktext, klen, 1, seed, &err);
    sodium_memzero(ktext, klen);
    if (r < 0) {
        gv_cli_error("sign", "%s: %s", key, err.msg);
        rc = GV_EXIT_REFUSED;
        goto done;
    }
    if (!(record = slurp("sign", record_path, &rlen)))
        goto done;
    r = gv_sign_record(record, rlen, seed, &sig, &slen, &err);
    if (r < 0) {
        gv_cli_error("sign", "%s: %s", record_path, err.msg);
        rc = r == GV_ENOMEM ? GV_EXIT_SYSTEM : GV_EXIT_REFUSED;
        goto done;
    }
    if ((r = gv_file_write(output, sig, slen, 0644, false, &err)) < 0) {
        gv_cli_error("sign", "%s", err.msg);
        rc = gv_cli_exit_system(r);
        goto done;
    }
    fprintf(stderr, "gavel sign: signed %s into %s\n", record_path, output);
    rc = GV_EXIT_OK;
done:
    sodium_memzero(seed, sizeof seed);
    free(ktext);
    free(record);
    free(sig);
    return rc;
}

static const char verify_usage[] =
    "usage: gavel verify --record RECORD.json --sig RECORD.sig --pub KEY.pub [--db DB]\n"
    "Checks that RECORD.json is exactly what the holder of KEY.pub signed and, given the\n"
    "database, that it is the record of the meeting's log up to the event it names.\n"
    "exit codes: 0 verified, 1 not verified, 2 usage error, 3 cannot read\n";

int gv_cli_verify_record(int argc, char **argv)
{
    static const struct option opts[] = {
        {"record", required_argument, 0, 'r'}, {"sig", required_argument, 0, 's'},
        {"pub", required_argument, 0, 'p'},    {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *record_path = NULL, *sig_path = NULL, *pub_path = NULL, *db = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            record_path = optarg;
            break;
        case 's':
            sig_path = optarg;
            break;
        case 'p':
            pub_path = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            fputs(verify_usage, stdout);
            return GV_EXIT_OK;
        default:
            fputs(verify_usage, stderr);
            return GV_EXIT_USAGE;
        }
    }
    if (optind != argc || !record_path || !sig_path || !pub_path) {
        fputs(verify_usage, stderr);
        return GV_EXIT_USAGE;
    }
    size_t rlen = 0, slen = 0, plen = 0;
    char *record = slurp("verify", record_path, &rlen);
    char *sig = record ? slurp("verify", sig_path, &slen) : NULL;
    char *pub = sig ? slurp("verify", pub_path, &plen) : NULL;
    unsigned char pk[GV_SIGN_KEY_BYTES];
    json_t *rec = NULL;
    gv_store *s = NULL;
    gv_error err;
    int rc = GV_EXIT_SYSTEM;
    if (!pub)
        goto done;
    if (gv_sign_parse_key(pub, plen, 0, pk, &err) < 0) {
        gv_cli_error("verify", "%s: %s", pub_path, err.msg);
        rc = GV_EXIT_REFUSED;
        goto done;
    }
    int r = gv_sign_verify(record, rlen, sig, slen, pk, &err);
    if (r < 0) {
        printf("%s: NOT VERIFIED: %s\n", record_path, err.msg);
        rc = GV_EXIT_REFUSED;
        goto done;
    }
    if (gv_record_parse(record, rlen, &rec, &err) < 0) {
        printf("%s: NOT VERIFIED: %s\n", record_path, err.msg);
        rc = GV_EXIT_REFUSED;
        goto done;
    }
    const json_t *v = json_object_get(rec, "verification");
    printf("%s: signature good (key %.16s...)\n", record_path,
           pub + strlen("gavel-ed25519-public-key "));
    if (db) {
        if (!(s = gv_store_open(db, GV_STORE_READONLY, &err))) {
            gv_cli_error("verify", "%s", err.msg);
            rc = gv_cli_exit_for(err.code);
            goto done;
        }
        r = gv_record_check_log(s, rec, &err);
        if (r == GV_ECORRUPT || r == GV_ENOTFOUND || r == GV_EINVAL) {
            char where[512];
            gv_store_describe(db, where, sizeof where);
            printf("%s: NOT VERIFIED against %s: %s\n", record_path, where, err.msg);
            rc = GV_EXIT_REFUSED;
            goto done;
        }
        if (r < 0) {
            gv_cli_error("verify", "%s", err.msg);
            rc = gv_cli_exit_for(r);
            goto done;
        }
        printf("%s: matches the log of %s in %s up to event %lld (hash %s)\n", record_path,
               json_string_value(json_object_get(v, "meeting")), db,
               (long long)json_integer_value(json_object_get(v, "last_seq")),
               json_string_value(json_object_get(v, "hash")));
    }
    rc = GV_EXIT_OK;
done:
    gv_store_close(s);
    json_decref(rec);
    free(record);
    free(sig);
    free(pub);
    return rc;
}

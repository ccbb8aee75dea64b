/*
 * `gavel invite`: issues, lists and revokes invitation links (server/links.h).
 *
 *   gavel invite --db DB [--meeting ID] [--base-url URL] [--label TEXT] PERSON
 *   gavel invite --db DB [--meeting ID] [--base-url URL] --role ROLE
 *   gavel invite --db DB [--meeting ID] --revoke PERSON | --revoke --role ROLE
 *   gavel invite --db DB [--meeting ID] --revoke-link URL|TOKEN
 *   gavel invite --db DB [--meeting ID] --list
 *
 * A link is printed once and never stored: only its hash is. A running
 * server sees new and revoked links within a second.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/db.h"
#include "cli/util.h"
#include "core/meeting.h"
#include "server/links.h"
#include "store/replay.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gavel invite --db DB [--meeting ID] [--base-url URL] [--label TEXT] PERSON\n"
            "       gavel invite --db DB [--meeting ID] [--base-url URL] --role ROLE\n"
            "       gavel invite --db DB [--meeting ID] --revoke (PERSON | --role ROLE)\n"
            "       gavel invite --db DB [--meeting ID] --revoke-link URL|TOKEN\n"
            "       gavel invite --db DB [--meeting ID] --list\n\n"
            "Prints an invitation link for a person of the meeting, or for anyone holding a\n"
            "role (chair, moderator, secretariat, rapporteur, panelist, participant; viewer\n"
            "reads only: a room screen, a public stream; interpreter reads as a viewer, on\n"
            "the interpreters' page, statements included). The link opens the meeting on\n"
            "`gavel serve`; only its hash is stored, so it is shown once. --revoke ends every\n"
            "link of that person or role, --revoke-link one link.\n\n"
            "  --db DB          database: a file or a postgresql:// URI (required)\n"
            "  --meeting ID     the meeting, when the database holds several\n"
            "  --base-url URL   start of the link (default http://127.0.0.1:8080)\n"
            "  --label TEXT     a note kept with the link (who it was sent to)\n"
            "exit codes: 0 done, 1 unknown person, role or link, 2 usage error, 3 database\n"
            "            error, 4 the disk is full, 5 the database cannot be written\n");
}

/* A link that reads only: a viewer's, or the interpreters' booth's (a
 * viewer link whose subject says so). */
static bool reads_only(const char *r)
{
    return strcmp(r, "viewer") == 0 || strcmp(r, "interpreter") == 0;
}

/* A role a link may be for: a person's role, or one that reads only. */
static bool valid_role(const char *r)
{
    return gv_role_exists(r) || reads_only(r);
}

/* Is `person` one of the meeting's people? Asks the core of the meeting its
 * first event defines. 0 with *yes set, or a GV_E* code with err set. */
static int has_person(gv_store *st, const char *meeting, const char *person, bool *yes,
                      gv_error *err)
{
    gv_meeting *m = gv_meeting_new();
    if (!m)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    int rc = gv_replay_range(st, meeting, 0, 1, m, NULL, NULL, err);
    *yes = rc == 0 && gv_meeting_has_person(m, person);
    gv_meeting_free(m);
    return rc < 0 ? rc : 0;
}

typedef struct revoke_ctx {
    gv_store *st;
    const char *meeting;
    gv_link_kind kind;
    const char *subject;
    int revoked;
    int rc;
    gv_error *err;
} revoke_ctx;

static int revoke_each(void *ud, const gv_link *link)
{
    revoke_ctx *r = ud;
    if (link->revoked_at_ms || link->kind != r->kind || strcmp(link->meeting, r->meeting) != 0 ||
        strcmp(link->subject, r->subject) != 0)
        return 0;
    r->rc = gv_links_revoke(r->st, link->hash, gv_cli_now_ms(), r->err);
    if (r->rc < 0)
        return 1;
    r->revoked++;
    return 0;
}

typedef struct list_ctx {
    const char *meeting;
} list_ctx;

static int list_each(void *ud, const gv_link *link)
{
    list_ctx *l = ud;
    if (strcmp(link->meeting, l->meeting) != 0)
        return 0;
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(link->hash, hex);
    time_t t = (time_t)(link->issued_at_ms / 1000);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    printf("%.12s  %-7s %-24s %s  %s\n", hex, gv_links_kind_name(link->kind), link->subject, when,
           link->revoked_at_ms ? "revoked" : "valid");
    if (link->label[0])
        printf("              label: %s\n", link->label);
    return 0;
}

/* The token inside a link or a bare token. */
static const char *token_of(const char *arg)
{
    const char *slash = strrchr(arg, '/');
    return slash ? slash + 1 : arg;
}

int gv_cli_invite(int argc, char **argv)
{
    const char *db = NULL, *meeting = NULL, *base = "http://127.0.0.1:8080", *label = "";
    const char *role = NULL, *person = NULL, *revoke_link = NULL;
    bool revoke = false, list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return GV_EXIT_OK;
        } else if (strcmp(a, "--db") == 0 && has_value) {
            db = argv[++i];
        } else if (strcmp(a, "--meeting") == 0 && has_value) {
            meeting = argv[++i];
        } else if (strcmp(a, "--base-url") == 0 && has_value) {
            base = argv[++i];
        } else if (strcmp(a, "--label") == 0 && has_value) {
            label = argv[++i];
        } else if (strcmp(a, "--role") == 0 && has_value) {
            role = argv[++i];
        } else if (strcmp(a, "--revoke") == 0) {
            revoke = true;
        } else if (strcmp(a, "--revoke-link") == 0 && has_value) {
            revoke_link = argv[++i];
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (a[0] == '-') {
            gv_cli_error("invite", "unknown option or missing value: %s", a);
            usage(stderr);
            return GV_EXIT_USAGE;
        } else if (!person) {
            person = a;
        } else {
            gv_cli_error("invite", "one PERSON at a time (got \"%s\" and \"%s\")", person, a);
            return GV_EXIT_USAGE;
        }
    }
    int modes = (person || role ? 1 : 0) + (revoke_link ? 1 : 0) + (list ? 1 : 0);
    if (!db || modes != 1 || (person && role) || (revoke && !(person || role))) {
        gv_cli_error("invite", "%s",
                     !db ? "--db DB is required"
                         : "give a PERSON, --role ROLE, --revoke-link or --list "
                           "(one of them)");
        usage(stderr);
        return GV_EXIT_USAGE;
    }
    if (role && !valid_role(role)) {
        gv_cli_error("invite",
                     "unknown role \"%s\": chair, moderator, secretariat, rapporteur, panelist, "
                     "participant, viewer or interpreter",
                     role);
        return GV_EXIT_USAGE;
    }

    gv_error err;
    gv_error_clear(&err);
    int exit_code = GV_EXIT_OK;
    gv_links *links = NULL;
    gv_store *st;
    char *id;
    int rc;
    exit_code = gv_cli_open_meeting("invite", db, 0, meeting, &st, &id);
    if (exit_code != GV_EXIT_OK)
        return exit_code;
    links = gv_links_new();
    if (!links || gv_links_refresh(links, st, &err) < 0) {
        gv_cli_error("invite", "%s", links ? err.msg : "out of memory");
        exit_code = gv_cli_exit_for(links ? err.code : GV_ENOMEM);
        goto done;
    }
    if (list) {
        list_ctx l = {.meeting = id};
        gv_links_each(links, list_each, &l);
        goto done;
    }
    if (revoke_link) {
        const char *token = token_of(revoke_link);
        unsigned char hash[GV_LINKS_HASH_BYTES];
        if (!gv_links_token_wellformed(token)) {
            gv_cli_error("invite", "\"%s\" is not a link or token", revoke_link);
            exit_code = GV_EXIT_USAGE;
            goto done;
        }
        gv_links_token_hash(token, hash);
        const gv_link *link = gv_links_find(links, hash);
        if (!link || strcmp(link->meeting, id) != 0) {
            gv_cli_error("invite", "no such link for meeting %s", id);
            exit_code = GV_EXIT_REFUSED;
            goto done;
        }
        if ((rc = gv_links_revoke(st, hash, gv_cli_now_ms(), &err)) < 0) {
            gv_cli_error("invite", "%s", err.msg);
            exit_code = gv_cli_exit_for(rc);
            goto done;
        }
        printf("revoked 1 link of %s %s\n", gv_links_kind_name(link->kind), link->subject);
        goto done;
    }
    gv_link_kind kind = person ? GV_LINK_PERSON : reads_only(role) ? GV_LINK_VIEWER : GV_LINK_ROLE;
    const char *subject = person ? person : role;
    if (person) {
        bool known = false;
        rc = has_person(st, id, person, &known, &err);
        if (rc < 0) {
            gv_cli_error("invite", "%s", err.msg);
            exit_code = gv_cli_exit_for(rc);
            goto done;
        }
        if (!revoke && !known) {
            gv_cli_error("invite", "meeting %s has no person \"%s\"", id, person);
            exit_code = GV_EXIT_REFUSED;
            goto done;
        }
    }
    if (revoke) {
        revoke_ctx r = {.st = st, .meeting = id, .kind = kind, .subject = subject, .err = &err};
        gv_links_each(links, revoke_each, &r);
        if (r.rc < 0) {
            gv_cli_error("invite", "%s", err.msg);
            exit_code = gv_cli_exit_for(r.rc);
            goto done;
        }
        printf("revoked %d link%s of %s %s\n", r.revoked, r.revoked == 1 ? "" : "s",
               gv_links_kind_name(kind), subject);
        goto done;
    }
    char token[GV_LINKS_TOKEN_CHARS + 1];
    rc = gv_links_issue(st, id, kind, subject, label, gv_cli_now_ms(), token, &err);
    if (rc < 0) {
        gv_cli_error("invite", "%s", err.msg);
        exit_code = gv_cli_exit_for(rc);
        goto done;
    }
    size_t bl = strlen(base);
    printf("%.*s/join/%s\n", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base, token);
done:
    gv_links_free(links);
    free(id);
    gv_store_close(st);
    return exit_code;
}

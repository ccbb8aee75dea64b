/*
 * `gavel validate [--json] FILE...`: checks meeting definition files (YAML,
 * or JSON) and reports every problem of every file as
 * FILE:LINE:COLUMN: MESSAGE on standard error, sorted by position, so that
 * editors and CI logs can jump to them. A valid file gets a one-line summary
 * on standard output. With --json, standard output gets one JSON object per
 * file (a line each) instead of the summary.
 *
 * The checks are the core's (gv_definition_from_yaml): what passes here is
 * exactly what `gavel init` and the server accept. Only the time zone lookup
 * is this command's own (cli/zone.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "cli/zone.h"
#include "core/definition.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: gavel validate [--json] FILE...\n\n"
        "Checks meeting definition files (YAML or JSON; \"-\" reads standard input)\n"
        "and reports every problem as FILE:LINE:COLUMN: MESSAGE on standard error.\n"
        "A valid file gets a one-line summary on standard output.\n\n"
        "options:\n"
        "  --json   print one JSON object per file on standard output instead:\n"
        "           {\"file\", \"valid\", \"problems\": [{\"line\", \"column\", \"message\"}],\n"
        "            \"summary\" and \"definition\" (the JSON form) when valid}\n"
        "  --help   show this help\n\n"
        "The format is described in docs/meeting-definition.md.\n"
        "exit codes: 0 every file is valid, 1 a file is invalid, 2 usage error,\n"
        "3 a file cannot be read\n");
}

/* One figure of a summary (gv_definition_summary). */
static size_t figure(const json_t *sum, const char *key)
{
    return (size_t)json_integer_value(json_object_get(sum, key));
}

static void print_summary(const char *name, const json_t *def)
{
    json_t *sum = gv_definition_summary(def);
    size_t people = figure(sum, "people"), items = figure(sum, "agenda_items"),
           questions = figure(sum, "guiding_questions"), docs = figure(sum, "documents");
    printf("%s: valid: \"%s\" (%s), %zu %s, %zu agenda %s, %zu guiding %s, %zu %s\n", name,
           json_string_value(json_object_get(sum, "title")),
           json_string_value(json_object_get(sum, "id")), people, people == 1 ? "person" : "people",
           items, items == 1 ? "item" : "items", questions,
           questions == 1 ? "question" : "questions", docs, docs == 1 ? "document" : "documents");
    json_decref(sum);
}

/* Prints the --json report of one file; GV_ENOMEM when it cannot be built. */
static int print_json(const char *name, const json_t *def, const gv_diag_list *diags)
{
    json_t *problems = json_array();
    json_t *report = problems ? json_pack("{s:s, s:b, s:o}", "file", name, "valid", def != NULL,
                                          "problems", json_incref(problems))
                              : NULL;
    int rc = report ? 0 : GV_ENOMEM;
    for (size_t i = 0; rc == 0 && i < diags->n; i++) {
        const gv_diag *d = &diags->items[i];
        if (json_array_append_new(problems,
                                  json_pack("{s:i, s:i, s:s}", "line", (int)d->line, "column",
                                            (int)d->column, "message", d->msg)) < 0)
            rc = GV_ENOMEM;
    }
    if (rc == 0 && def &&
        (json_object_set_new(report, "summary", gv_definition_summary(def)) < 0 ||
         json_object_set(report, "definition", (json_t *)def) < 0))
        rc = GV_ENOMEM;
    char *text = rc == 0 ? json_dumps(report, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (text)
        printf("%s\n", text);
    else
        rc = GV_ENOMEM;
    free(text);
    json_decref(report);
    json_decref(problems);
    return rc;
}

/* Validates one file; returns its exit code. */
static int validate_one(const char *path, bool as_json)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    gv_error err;
    gv_diag_list diags;
    json_t *def = NULL;
    size_t len = 0;
    int code = GV_EXIT_OK;
    gv_error_clear(&err);
    gv_diag_list_init(&diags);
    char *buf = gv_cli_read_file(path, &len, &err);
    if (!buf) {
        gv_cli_error("validate", "%s", err.msg);
        return gv_cli_exit_for(err.code);
    }
    int rc = gv_definition_from_yaml(buf, len, name, gv_zone_exists, NULL, &def, &diags, &err);
    if (rc < 0 && rc != GV_EINVAL) {
        gv_cli_error("validate", "%s", err.msg);
        code = gv_cli_exit_for(rc);
        goto done;
    }
    for (size_t i = 0; i < diags.n; i++)
        fprintf(stderr, "%s\n", diags.items[i].text);
    if (rc == GV_EINVAL)
        fprintf(stderr, "%s\n", err.msg);
    code = rc == 0 ? GV_EXIT_OK : GV_EXIT_REFUSED;
    if (as_json) {
        if (print_json(name, def, &diags) < 0) {
            gv_cli_error("validate", "out of memory writing the report");
            code = GV_EXIT_SYSTEM;
        }
    } else if (def) {
        print_summary(name, def);
    }
done:
    json_decref(def);
    gv_diag_list_release(&diags);
    free(buf);
    return code;
}

int gv_cli_validate(int argc, char **argv)
{
    bool as_json = false, options = true;
    int n_files = 0;
    /* Options may come before or after the files; "--" ends them. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            usage(stdout);
            return GV_EXIT_OK;
        }
        if (options && strcmp(a, "--json") == 0) {
            as_json = true;
        } else if (options && strcmp(a, "--") == 0) {
            options = false;
        } else if (options && a[0] == '-' && a[1] != '\0') {
            gv_cli_error("validate", "unknown option \"%s\"", a);
            usage(stderr);
            return GV_EXIT_USAGE;
        } else {
            n_files++;
        }
    }
    if (n_files == 0) {
        gv_cli_error("validate", "no file given");
        usage(stderr);
        return GV_EXIT_USAGE;
    }
    int worst = GV_EXIT_OK;
    options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = false;
            continue;
        }
        if (options && a[0] == '-' && a[1] != '\0')
            continue;
        int code = validate_one(a, as_json);
        /* A file that cannot be read (3) outranks one that is invalid (1). */
        if (code > worst)
            worst = code;
    }
    fflush(stdout);
    return worst;
}

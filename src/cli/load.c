/*
 * Definition loading shared by init, serve and demo, so that every command
 * reports a bad definition in the same file:line:column form as validate.
 */
#include "cli/load.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "cli/zone.h"
#include "core/definition.h"

int gv_cli_load_definition(const char *cmd, const char *path, json_t **out)
{
    gv_error err = {0};
    gv_diag_list diags;
    size_t len = gv_example_yaml_len;
    const char *buf = (const char *)gv_example_yaml;
    char *owned = NULL;
    *out = NULL;
    if (path) {
        owned = gv_cli_read_file(path, &len, &err);
        if (!owned) {
            gv_cli_error(cmd, "%s", err.msg);
            return GV_EXIT_USAGE;
        }
        buf = owned;
    }
    const char *name = !path                          ? "<built-in example>"
                       : (path[0] == '-' && !path[1]) ? "<stdin>"
                                                      : path;
    gv_diag_list_init(&diags);
    int rc = gv_definition_from_yaml(buf, len, name, gv_zone_exists, NULL, out, &diags, &err);
    for (size_t i = 0; i < diags.n; i++)
        fprintf(stderr, "%s\n", diags.items[i].text);
    gv_diag_list_release(&diags);
    free(owned);
    if (rc < 0) {
        gv_cli_error(cmd, "%s", err.msg);
        return gv_cli_exit_for(rc);
    }
    return GV_EXIT_OK;
}

/*
 * Database and meeting selection for the subcommands, so that each prints
 * the same messages for a missing file, an unknown meeting or a database
 * holding several meetings.
 */
#include "cli/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/util.h"

typedef struct pick {
    const char *wanted; /** --meeting, or NULL */
    char *found;        /** the chosen id, malloc'd */
    int count;          /** meetings seen */
    char names[512];    /** the first ids seen, for the message */
} pick;

static int on_meeting(void *ud, const gv_meeting_info *info)
{
    pick *p = ud;
    if (!gv_store_is_meeting_id(info->id))
        return 0;
    p->count++;
    size_t used = strlen(p->names);
    if (used + strlen(info->id) + 3 < sizeof p->names)
        snprintf(p->names + used, sizeof p->names - used, "%s%s", used ? ", " : "", info->id);
    if ((!p->wanted || strcmp(p->wanted, info->id) == 0) && !p->found)
        p->found = strdup(info->id);
    return 0;
}

int gv_cli_open_meeting(const char *cmd, const char *db, unsigned flags, const char *meeting,
                        gv_store **store, char **meeting_id)
{
    gv_error err;
    pick p = {.wanted = meeting};
    *store = NULL;
    *meeting_id = NULL;
    if (!db) {
        gv_cli_error(cmd, "--db DB is required (an SQLite file or a postgresql:// URI)");
        return GV_EXIT_USAGE;
    }
    gv_store *s = gv_store_open(db, flags, &err);
    if (!s) {
        gv_cli_error(cmd, "%s", err.msg);
        return gv_cli_exit_for(err.code);
    }
    int rc = gv_store_list_meetings(s, on_meeting, &p, &err);
    if (rc < 0) {
        gv_cli_error(cmd, "%s", err.msg);
        gv_store_close(s);
        free(p.found);
        return gv_cli_exit_for(rc);
    }
    if (!p.found || (!meeting && p.count > 1)) {
        char where[512];
        gv_store_describe(db, where, sizeof where);
        if (p.count == 0)
            gv_cli_error(cmd, "%s holds no meeting; create one with 'gavel init --db %s FILE'",
                         where, where);
        else if (meeting)
            gv_cli_error(cmd, "%s holds no meeting \"%s\"; it holds: %s", where, meeting, p.names);
        else
            gv_cli_error(cmd, "%s holds %d meetings (%s); choose one with --meeting ID", where,
                         p.count, p.names);
        gv_store_close(s);
        free(p.found);
        return GV_EXIT_REFUSED;
    }
    *store = s;
    *meeting_id = p.found;
    return GV_EXIT_OK;
}

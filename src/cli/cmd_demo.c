/*
 * gavel demo: shows the built-in example meeting from the command line, as
 * its definition gives it: the meeting, its agenda with planned times and
 * speaking limits, the guiding questions, the documents and who takes part.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/load.h"

static const char usage_text[] = "usage: gavel demo\n"
                                 "Shows the example meeting built into gavel.\n"
                                 "exit codes: 0 shown, 2 usage error\n";

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void show_agenda(const json_t *def)
{
    size_t i;
    json_t *it;
    printf("\nAgenda (%s to %s, %s)\n", str(json_object_get(def, "meeting"), "starts"),
           str(json_object_get(def, "meeting"), "ends"),
           str(json_object_get(def, "meeting"), "timezone"));
    json_array_foreach(json_object_get(def, "agenda"), i, it)
    {
        const json_t *sp = json_object_get(it, "speaking");
        printf("  %zu. %s: %lld min, speakers %g min, warning at %g\n", i + 1, str(it, "title"),
               (long long)json_integer_value(json_object_get(it, "planned_minutes")),
               json_number_value(json_object_get(sp, "limit_minutes")),
               json_number_value(json_object_get(sp, "warning_minutes")));
    }
}

static void show_people(const json_t *def)
{
    static const char *const roles[] = {"chair",      "moderator", "secretariat",
                                        "rapporteur", "panelist",  "participant"};
    printf("\nPeople\n");
    for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
        size_t i, n = 0;
        json_t *p;
        json_array_foreach(json_object_get(def, "people"), i, p)
        {
            size_t j;
            json_t *role;
            json_array_foreach(json_object_get(p, "roles"), j, role)
            {
                if (strcmp(json_string_value(role), roles[r]) == 0) {
                    printf("  %-12s %s%s%s (%s, %s)\n", n++ == 0 ? roles[r] : "", str(p, "name"),
                           *str(p, "affiliation") ? ", " : "", str(p, "affiliation"),
                           str(p, "group"), str(p, "mode"));
                }
            }
        }
    }
}

int gv_cli_demo(int argc, char **argv)
{
    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0;
        fputs(usage_text, help ? stdout : stderr);
        return help ? GV_EXIT_OK : GV_EXIT_USAGE;
    }
    json_t *def = NULL;
    int rc = gv_cli_load_definition("demo", NULL, &def);
    if (rc != GV_EXIT_OK)
        return rc;
    const json_t *m = json_object_get(def, "meeting");
    printf("%s\n%s\n%s, %s\n", str(m, "title"), str(m, "body"), str(m, "venue"),
           str(m, "online_link"));
    show_agenda(def);
    size_t i;
    json_t *v;
    printf("\nGuiding questions\n");
    json_array_foreach(json_object_get(def, "guiding_questions"), i, v)
        printf("  %zu. %s\n", i + 1, str(v, "text"));
    printf("\nDocuments\n");
    json_array_foreach(json_object_get(def, "documents"), i, v)
        printf("  %-18s %s\n", str(v, "symbol"), str(v, "title"));
    show_people(def);
    printf("\nTry it: gavel init --db panel.db && gavel state --db panel.db --pretty\n");
    json_decref(def);
    return GV_EXIT_OK;
}

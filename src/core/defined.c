/*
 * What a definition fixes, as the core answers it, so that the core stays
 * the only reader of definitions: the meeting a definition makes (for every
 * place that creates one: `gavel init`, `gavel serve`, the secretariat's
 * page), its id, its people and who holds which roles (for the server to
 * admit a link and choose a page). All of it is fixed by the first event and
 * never changes afterwards; these functions only read, but the first.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/meeting.h"
#include "core/meeting_internal.h"

gv_meeting *gv_meeting_from_definition(const json_t *definition, int64_t now_ms, json_t **first,
                                       gv_error *err)
{
    gv_meeting *m = gv_meeting_new();
    json_t *ev = NULL;
    if (!m) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    if (!(ev = gv_meeting_define(m, definition, now_ms, err)) || gv_meeting_apply(m, ev, err) < 0)
        goto fail;
    if (first)
        *first = ev;
    else
        json_decref(ev);
    return m;
fail:
    json_decref(ev);
    gv_meeting_free(m);
    if (first)
        *first = NULL;
    return NULL;
}

const char *gv_meeting_id(const gv_meeting *m)
{
    return m->defined ? m->id : NULL;
}

/* The GV_ROLE_* bit of a role a person may hold, or 0 for any other name
 * (the system's pseudo-role included). */
static unsigned role_bit(const char *role)
{
    int i = role ? gv__name_index(gv_role_names, GV_ROLE_PERSON_COUNT, role) : -1;
    return i >= 0 ? 1u << i : 0;
}

bool gv_role_exists(const char *role)
{
    return role_bit(role) != 0;
}

bool gv_meeting_has_person(const gv_meeting *m, const char *person)
{
    return person && gv__person_find(m, person) >= 0;
}

bool gv_meeting_person_has_role(const gv_meeting *m, const char *person, const char *role)
{
    int i = person ? gv__person_find(m, person) : -1;
    return i >= 0 && (m->people[i].roles & role_bit(role)) != 0;
}

size_t gv_meeting_role_holders(const gv_meeting *m, const char *role, const char **first)
{
    unsigned bit = role_bit(role);
    size_t n = 0;
    if (first)
        *first = NULL;
    for (size_t i = 0; bit && i < m->n_people; i++) {
        if (!(m->people[i].roles & bit))
            continue;
        if (n++ == 0 && first)
            *first = m->people[i].id;
    }
    return n;
}

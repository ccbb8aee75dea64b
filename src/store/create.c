/*
 * Creating a meeting from its definition (create.h). With replay.c, one of
 * the two files of src/store that include the core: replay reads a log back
 * into a meeting, this writes a meeting's first event as a new log. The
 * store decides "already exists" in the same transaction that would create
 * the meeting, so two creators at once get one meeting and one GV_ESTATE.
 */
#include "store/create.h"

#include <stdlib.h>
#include <string.h>

int gv_create_meeting(gv_store *s, gv_writer *w, const gv_meeting *m, const json_t *first,
                      gv_error *err)
{
    const char *id = gv_meeting_id(m);
    char *bytes = gv_event_canonical(first);
    if (!id || !bytes) {
        free(bytes);
        return gv_error_set(err, id ? GV_ENOMEM : GV_EINVAL,
                            id ? "out of memory" : "the meeting has no definition");
    }
    gv_event_in in = {.seq = 1,
                      .type = json_string_value(json_object_get(first, "type")),
                      .at_ms = json_integer_value(json_object_get(first, "at_ms")),
                      .bytes = (const unsigned char *)bytes,
                      .len = strlen(bytes)};
    gv_error e;
    gv_error_clear(&e);
    int rc = w ? gv_writer_submit_wait(w, id, GV_WRITE_CREATE, &in, 1, NULL, NULL, &e)
               : gv_store_create_meeting(s, id, &in, 1, &e);
    free(bytes);
    if (rc == GV_ESTATE)
        return gv_error_set(err, GV_ESTATE, "meeting \"%s\" already exists in this database", id);
    if (rc < 0 && err)
        *err = e;
    return rc;
}

int gv_create_defined(gv_store *s, gv_writer *w, const json_t *definition, int64_t now_ms,
                      char **id, gv_error *err)
{
    json_t *first = NULL;
    gv_error e;
    gv_error_clear(&e);
    gv_meeting *m = gv_meeting_from_definition(definition, now_ms, &first, &e);
    int rc = m ? 0 : (e.code ? e.code : GV_EINVAL);
    if (id)
        *id = NULL;
    if (rc == 0 && id && !(*id = strdup(gv_meeting_id(m))))
        rc = gv_error_set(&e, GV_ENOMEM, "out of memory");
    if (rc == 0)
        rc = gv_create_meeting(s, w, m, first, &e);
    if (rc < 0 && err)
        *err = e;
    json_decref(first);
    gv_meeting_free(m);
    return rc;
}

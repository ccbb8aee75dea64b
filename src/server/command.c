/*
 * The intake of a command, shared by the WebSocket and HTTP: parsing with
 * the protocol's rules for its bytes and its "id", and the person's rate.
 *
 * The bytes: jansson refuses invalid UTF-8 and reports it as such
 * (json_error_invalid_utf8), which is said in words a person reads ("the
 * message is not UTF-8"), apart from JSON that is malformed.
 *
 * The id: the only field the server itself reads before the core. It comes
 * back in the answer, so it is bounded and of a kind a client can match on.
 * A command refused for its id has no id to carry; every other refusal
 * carries it, rate limits included.
 *
 * The rate: a token bucket per meeting and person (limits.c), whichever
 * link names them and whichever connection carries the command, so that
 * opening connections, or a role link beside one's own, does not multiply
 * it. (Each WebSocket also has a bucket for every message it sends, good or
 * not: ws.c.)
 */
#include "server/command.h"

#include <stdio.h>
#include <string.h>

#include "server/limits.h"
#include "server/metrics.h"

/* Is id (not NULL) an id the protocol takes? */
static bool valid_id(const json_t *id)
{
    return json_is_integer(id) ||
           (json_is_string(id) && json_string_length(id) <= GV__COMMAND_ID_MAX_BYTES);
}

int gv__command_parse(const char *data, size_t len, const char *what, json_t **cmd,
                      const json_t **id, gv_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    *cmd = NULL;
    *id = NULL;
    /* Out of memory: jansson says so, or (failing as it starts to read)
     * returns no error at all. */
    if (!j && (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0]))
        return gv_error_set(err, GV_ENOMEM,
                            "the server ran out of memory reading the %s: send it again", what);
    if (!j && json_error_code(&jerr) == json_error_invalid_utf8)
        return gv_error_set(err, GV_EINVAL,
                            "the %s is not UTF-8: %s (line %d, column %d); send commands as "
                            "UTF-8 JSON",
                            what, jerr.text, jerr.line, jerr.column);
    if (!j)
        return gv_error_set(err, GV_EINVAL, "the %s is not JSON: %s (line %d, column %d)", what,
                            jerr.text, jerr.line, jerr.column);
    int rc = 0;
    const json_t *jid = json_is_object(j) ? json_object_get(j, "id") : NULL;
    if (!json_is_object(j))
        rc = gv_error_set(err, GV_EINVAL,
                          "the %s is JSON but not an object: a command is {\"type\": ...}", what);
    else if (jid && !valid_id(jid))
        rc = gv_error_set(err, GV_EINVAL,
                          "\"id\" must be an integer or a string of at most %d bytes",
                          GV__COMMAND_ID_MAX_BYTES);
    if (rc < 0) {
        json_decref(j);
        return rc;
    }
    *cmd = j;
    *id = jid;
    return 0;
}

/* The key of a person's command rate in a meeting. */
static void rate_key(const gv__room *r, const char *actor, char *key, size_t size)
{
    snprintf(key, size, "%s\x1f%s", r->id, actor);
}

void gv__command_charge(struct gv_server *s, const gv__room *r, const char *actor)
{
    char key[2 * GV__ID_MAX + 8];
    rate_key(r, actor, key, sizeof key);
    gv__rate_charge(s->rates, key, s->cfg.commands_per_second, s->cfg.command_burst, gv__mono_us());
}

int gv__command_rate(struct gv_server *s, const gv__room *r, const char *actor, gv_error *err)
{
    char key[2 * GV__ID_MAX + 8];
    rate_key(r, actor, key, sizeof key);
    if (gv__rate_take(s->rates, key, s->cfg.commands_per_second, s->cfg.command_burst,
                      gv__mono_us()))
        return 0;
    gv__metrics_command(&s->metrics, GV_ERATE);
    return gv_error_set(err, GV_ERATE,
                        "too many commands as %s: at most %u a second (bursts of %u) over all "
                        "your links and connections; wait, then send again",
                        actor, s->cfg.commands_per_second, s->cfg.command_burst);
}

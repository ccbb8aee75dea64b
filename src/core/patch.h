/*
 * JSON Patch (RFC 6902): what changed between two JSON documents, as a list
 * of operations, and the application of such a list.
 *
 * The live stream sends each reader, with every event, the patch that takes
 * its view of the state from one sequence number to the next
 * (docs/decisions/0009-the-stream-carries-state-patches.md), so a page keeps
 * the state the server folds without asking for it again.
 *
 * The diff uses "add", "remove", "replace" and "move". Arrays of objects
 * that carry an identifying field (id_keys: "id", "request", ...) are
 * compared element by element by that field, so an element removed from the
 * head of a list is one "remove", not a change of every element after it;
 * other arrays are compared position by position.
 */
#ifndef GV_CORE_PATCH_H
#define GV_CORE_PATCH_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

/* The fields that identify the elements of the state's lists, in the order
 * they are tried (NULL-ended): a person or an item by "id", a request by
 * "request", and so on. */
extern const char *const gv_state_id_keys[];

/*
 * The operations that turn `from` into `to`, as a new JSON array (RFC 6902)
 * in *ops: empty when they are equal. id_keys (NULL-ended, may be NULL)
 * names the fields that identify the objects of an array. Values in the
 * operations are references into `to`, not copies: change neither document
 * while the operations are in use. Returns 0, or GV_ENOMEM with *ops NULL.
 */
int gv_json_diff(const json_t *from, const json_t *to, const char *const *id_keys, json_t **ops);

/*
 * What a reader of the stream holds once it has read the event a patch comes
 * with, before it applies the patch's operations: the view's `state` with
 * "seq" set to the event's seq, and "last_at_ms" and the floor's "as_of_ms"
 * to the event's at_ms, each where it is present. The event says these
 * already, so the patch (made from what this returns) need not say them
 * again; should the state ever not follow its event there, the patch
 * carries the difference. A new reference that shares all else with `state`
 * (change neither afterwards); NULL on ENOMEM.
 */
json_t *gv_state_took_event(const json_t *state, int64_t seq, int64_t at_ms);

/*
 * Applies the operations of ops (an RFC 6902 array: add, remove, replace,
 * move, copy, test) to *doc, in order; *doc may be replaced (an operation on
 * the root). Returns 0; GV_EINVAL when an operation is malformed, names a
 * place the document does not have, or a test fails (err says which
 * operation and why); GV_ENOMEM. On failure *doc is unchanged.
 */
int gv_json_patch(json_t **doc, const json_t *ops, gv_error *err);

#endif

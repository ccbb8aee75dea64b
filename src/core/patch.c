/*
 * JSON Patch (patch.h): the diff of two documents and the application of a
 * patch.
 *
 * The diff walks both documents once. Objects are compared key by key;
 * scalars by value; arrays in one of two ways:
 *   - keyed (the elements are objects with one of id_keys, judged by the
 *     first element): the common head and tail, matched by key, are compared
 *     element by element; in the middle, elements whose key is gone are
 *     removed, then each element of the new middle is found by its key
 *     (compared in place, or moved there first) or added;
 *   - positional: element i against element i, then the extra elements are
 *     added or removed at the end.
 * Each operation's path is valid when the operations before it have been
 * applied, as RFC 6902 applies them: in order. Keys do not need to be unique
 * for the result to be right, only for it to be small.
 *
 * The application works on a copy, so that a patch that fails halfway leaves
 * the document as it was.
 */
#include "core/patch.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gv_state_id_keys[] = {"id",   "request",   "speech", "question",
                                        "note", "statement", NULL};

/* Sets key of obj to the integer v where obj has that key. */
static int set_if_present(json_t *obj, const char *key, int64_t v)
{
    if (!json_object_get(obj, key))
        return 0;
    return json_object_set_new(obj, key, json_integer((json_int_t)v)) < 0 ? GV_ENOMEM : 0;
}

json_t *gv_state_took_event(const json_t *state, int64_t seq, int64_t at_ms)
{
    json_t *out = json_copy((json_t *)state);
    const json_t *was = json_object_get(state, "floor");
    if (!out || !json_is_object(state))
        return out;
    if (set_if_present(out, "seq", seq) < 0 || set_if_present(out, "last_at_ms", at_ms) < 0)
        goto fail;
    if (json_is_object(was) && json_object_get(was, "as_of_ms")) {
        /* The floor is shared with `state`: a copy of its top takes the time
         * (json_object_set_new takes the copy, or frees it on failure). */
        json_t *floor = json_copy((json_t *)was);
        if (json_object_set_new(out, "floor", floor) < 0 ||
            set_if_present(floor, "as_of_ms", at_ms) < 0)
            goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* ---- JSON Pointers (RFC 6901) --------------------------------------------- */

/* A growing pointer: the path of the value being compared. */
typedef struct pointer {
    char *buf;
    size_t len, cap;
} pointer;

static int ptr_reserve(pointer *p, size_t more)
{
    if (p->len + more + 1 <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : 64;
    while (cap < p->len + more + 1)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b)
        return GV_ENOMEM;
    p->buf = b;
    p->cap = cap;
    return 0;
}

/* Appends "/" and the key, with "~" and "/" escaped as ~0 and ~1. */
static int ptr_push_key(pointer *p, const char *key)
{
    size_t n = 1;
    for (const char *k = key; *k; k++)
        n += *k == '~' || *k == '/' ? 2 : 1;
    if (ptr_reserve(p, n) < 0)
        return GV_ENOMEM;
    p->buf[p->len++] = '/';
    for (const char *k = key; *k; k++) {
        if (*k == '~' || *k == '/') {
            p->buf[p->len++] = '~';
            p->buf[p->len++] = *k == '~' ? '0' : '1';
        } else {
            p->buf[p->len++] = *k;
        }
    }
    p->buf[p->len] = '\0';
    return 0;
}

static int ptr_push_index(pointer *p, size_t i)
{
    if (ptr_reserve(p, 24) < 0)
        return GV_ENOMEM;
    p->len += (size_t)snprintf(p->buf + p->len, 24, "/%zu", i);
    return 0;
}

static void ptr_pop(pointer *p, size_t len)
{
    p->len = len;
    if (p->buf)
        p->buf[len] = '\0';
}

/* ---- the diff ----------------------------------------------------------------- */

typedef struct differ {
    json_t *ops;
    const char *const *keys;
    pointer at; /** where the values being compared are */
} differ;

/* Appends {"op": name, "path": at, ["from": from], ["value": value]}. */
static int emit(differ *d, const char *name, const json_t *value, const char *from)
{
    json_t *o = json_pack("{s:s, s:s%}", "op", name, "path", d->at.buf ? d->at.buf : "", d->at.len);
    if (!o)
        return GV_ENOMEM;
    if ((value && json_object_set(o, "value", (json_t *)value) < 0) ||
        (from && json_object_set_new(o, "from", json_string(from)) < 0)) {
        json_decref(o);
        return GV_ENOMEM;
    }
    return json_array_append_new(d->ops, o) < 0 ? GV_ENOMEM : 0;
}

static int diff_value(differ *d, const json_t *a, const json_t *b);

/* Compares element a of from with element b of to, both at index i. */
static int diff_at(differ *d, size_t i, const json_t *a, const json_t *b)
{
    if (a == b) /* shared, as the parts of a state no event changed are */
        return 0;
    size_t len = d->at.len;
    int rc = ptr_push_index(&d->at, i);
    if (rc == 0)
        rc = diff_value(d, a, b);
    ptr_pop(&d->at, len);
    return rc;
}

/* An "add" or "remove" of the element at index i. */
static int emit_at(differ *d, const char *name, size_t i, const json_t *value)
{
    size_t len = d->at.len;
    int rc = ptr_push_index(&d->at, i);
    if (rc == 0)
        rc = emit(d, name, value, NULL);
    ptr_pop(&d->at, len);
    return rc;
}

static bool flat(const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (json_is_object(v) || json_is_array(v))
            return false;
    }
    return true;
}

/* The bytes ops[from..to) take encoded (compact, one separator each), or 0
 * if one of them cannot be encoded. */
static size_t encoded_len(const json_t *ops, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        size_t one = json_dumpb(json_array_get(ops, i), NULL, 0, JSON_COMPACT);
        if (one == 0)
            return 0;
        n += one + 1;
    }
    return n;
}

/* Replaces the operations from index `from` on, one per changed member of
 * either object (removed from the old, added to b or given a new value),
 * with one "replace" of b (an object of scalars, not the root) whole when
 * that encodes shorter, as when most of a row of figures changed
 * (docs/decisions/0024). */
static int whole_if_shorter(differ *d, const json_t *b, size_t from)
{
    size_t n = json_array_size(d->ops);
    if (n - from < 2 || d->at.len == 0 || !flat(b))
        return 0;
    int rc = emit(d, "replace", b, NULL);
    if (rc < 0)
        return rc;
    size_t whole = encoded_len(d->ops, n, n + 1), parts = encoded_len(d->ops, from, n);
    bool shorter = whole > 0 && parts > 0 && whole < parts;
    if (!shorter) /* the whole goes, the members' operations stay */
        return json_array_remove(d->ops, n) < 0 ? GV_ENOMEM : 0;
    /* The members' operations go, from the last; the whole moves up to `from`. */
    for (size_t i = n; i-- > from;)
        if (json_array_remove(d->ops, i) < 0)
            return GV_ENOMEM;
    return 0;
}

static int diff_object(differ *d, const json_t *a, const json_t *b)
{
    size_t len = d->at.len, from = json_array_size(d->ops);
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach((json_t *)a, k, v)
    {
        if (json_object_get(b, k))
            continue;
        if ((rc = ptr_push_key(&d->at, k)) == 0)
            rc = emit(d, "remove", NULL, NULL);
        ptr_pop(&d->at, len);
        if (rc < 0)
            return rc;
    }
    json_object_foreach((json_t *)b, k, v)
    {
        const json_t *old = json_object_get(a, k);
        if (old == v)
            continue;
        if ((rc = ptr_push_key(&d->at, k)) == 0)
            rc = old ? diff_value(d, old, v) : emit(d, "add", v, NULL);
        ptr_pop(&d->at, len);
        if (rc < 0)
            return rc;
    }
    return whole_if_shorter(d, b, from);
}

static int diff_positional(differ *d, const json_t *a, const json_t *b)
{
    size_t n = json_array_size(a), m = json_array_size(b);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n && i < m; i++)
        rc = diff_at(d, i, json_array_get(a, i), json_array_get(b, i));
    for (size_t i = n; rc == 0 && i < m; i++)
        rc = emit_at(d, "add", i, json_array_get(b, i));
    for (size_t i = n; rc == 0 && i-- > m;)
        rc = emit_at(d, "remove", i, NULL);
    return rc;
}

/* The key of the array's elements: the first of d->keys that its first
 * element (of b, else of a) has as a string or an integer; NULL if none. */
static const char *array_key(const differ *d, const json_t *a, const json_t *b)
{
    const json_t *first = json_array_size(b) ? json_array_get(b, 0) : json_array_get(a, 0);
    if (!d->keys || !json_is_object(first))
        return NULL;
    for (const char *const *k = d->keys; *k; k++) {
        const json_t *v = json_object_get(first, *k);
        if (json_is_string(v) || json_is_integer(v))
            return *k;
    }
    return NULL;
}

static bool same_key(const json_t *x, const json_t *y, const char *key)
{
    if (x == y)
        return true;
    const json_t *a = json_object_get(x, key), *b = json_object_get(y, key);
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    if (json_is_string(a) && json_is_string(b))
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    return false;
}

/*
 * The middle of a keyed array: from's elements old[0..n) become new[0..m),
 * at indices from `base` on. `work` (room for n + m) tracks from's elements
 * as the operations so far have left them.
 */
static int diff_middle(differ *d, size_t base, const json_t **work, size_t n,
                       const json_t *const *nw, size_t m, const char *key)
{
    int rc = 0;
    for (size_t i = n; rc == 0 && i-- > 0;) {
        bool kept = false;
        for (size_t j = 0; !kept && j < m; j++)
            kept = same_key(work[i], nw[j], key);
        if (kept)
            continue;
        rc = emit_at(d, "remove", base + i, NULL);
        memmove(work + i, work + i + 1, (n - i - 1) * sizeof *work);
        n--;
    }
    for (size_t j = 0; rc == 0 && j < m; j++) {
        if (j < n && same_key(work[j], nw[j], key)) {
            rc = diff_at(d, base + j, work[j], nw[j]);
            continue;
        }
        size_t k = j + 1;
        while (k < n && !same_key(work[k], nw[j], key))
            k++;
        if (k < n) {
            size_t len = d->at.len;
            char *from = NULL;
            if ((rc = ptr_push_index(&d->at, base + k)) == 0 && !(from = strdup(d->at.buf)))
                rc = GV_ENOMEM;
            ptr_pop(&d->at, len);
            if (rc == 0 && (rc = ptr_push_index(&d->at, base + j)) == 0)
                rc = emit(d, "move", NULL, from);
            ptr_pop(&d->at, len);
            free(from);
            const json_t *moved = work[k];
            memmove(work + j + 1, work + j, (k - j) * sizeof *work);
            work[j] = moved;
            if (rc == 0)
                rc = diff_at(d, base + j, work[j], nw[j]);
        } else {
            rc = emit_at(d, "add", base + j, nw[j]);
            memmove(work + j + 1, work + j, (n - j) * sizeof *work);
            work[j] = nw[j];
            n++;
        }
    }
    for (size_t i = n; rc == 0 && i-- > m;)
        rc = emit_at(d, "remove", base + i, NULL);
    return rc;
}

static int diff_keyed(differ *d, const json_t *a, const json_t *b, const char *key)
{
    size_t n = json_array_size(a), m = json_array_size(b), head = 0, tail = 0;
    while (head < n && head < m && same_key(json_array_get(a, head), json_array_get(b, head), key))
        head++;
    while (tail < n - head && tail < m - head &&
           same_key(json_array_get(a, n - 1 - tail), json_array_get(b, m - 1 - tail), key))
        tail++;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < head; i++)
        rc = diff_at(d, i, json_array_get(a, i), json_array_get(b, i));
    size_t on = n - head - tail, nm = m - head - tail;
    if (rc == 0 && (on || nm)) {
        const json_t **work = malloc((on + nm) * sizeof *work);
        const json_t **nw = malloc((nm ? nm : 1) * sizeof *nw);
        if (!work || !nw) {
            rc = GV_ENOMEM;
        } else {
            for (size_t i = 0; i < on; i++)
                work[i] = json_array_get(a, head + i);
            for (size_t j = 0; j < nm; j++)
                nw[j] = json_array_get(b, head + j);
            rc = diff_middle(d, head, work, on, nw, nm, key);
        }
        free(work);
        free(nw);
    }
    for (size_t i = 0; rc == 0 && i < tail; i++)
        rc = diff_at(d, m - tail + i, json_array_get(a, n - tail + i),
                     json_array_get(b, m - tail + i));
    return rc;
}

static int diff_value(differ *d, const json_t *a, const json_t *b)
{
    if (a == b)
        return 0;
    if (json_is_object(a) && json_is_object(b))
        return diff_object(d, a, b);
    if (json_is_array(a) && json_is_array(b)) {
        const char *key = array_key(d, a, b);
        return key ? diff_keyed(d, a, b, key) : diff_positional(d, a, b);
    }
    return json_equal((json_t *)a, (json_t *)b) ? 0 : emit(d, "replace", b, NULL);
}

int gv_json_diff(const json_t *from, const json_t *to, const char *const *id_keys, json_t **ops)
{
    differ d = {.ops = json_array(), .keys = id_keys};
    *ops = NULL;
    if (!d.ops)
        return GV_ENOMEM;
    int rc = diff_value(&d, from, to);
    free(d.at.buf);
    if (rc < 0) {
        json_decref(d.ops);
        return rc;
    }
    *ops = d.ops;
    return 0;
}

/* ---- the application ---------------------------------------------------------- */

/* Reads the next reference token of ptr at *pos into tok (unescaped):
 * 1 when there was one, 0 at the end, GV_EINVAL for a bad escape. */
static int next_token(const char *ptr, size_t *pos, char *tok, size_t size)
{
    if (ptr[*pos] == '\0')
        return 0;
    size_t n = 0;
    const char *p = ptr + *pos + 1; /* past the '/' */
    for (; *p && *p != '/'; p++) {
        char c = *p;
        if (c == '~') {
            if (p[1] != '0' && p[1] != '1')
                return GV_EINVAL;
            c = *++p == '0' ? '~' : '/';
        }
        if (n + 1 >= size)
            return GV_EINVAL;
        tok[n++] = c;
    }
    tok[n] = '\0';
    *pos = (size_t)(p - ptr);
    return 1;
}

/* An array index token: digits, no leading zero. */
static bool parse_index(const char *tok, size_t *out)
{
    if (!tok[0] || (tok[0] == '0' && tok[1]) || strlen(tok) > 18)
        return false;
    size_t v = 0;
    for (const char *c = tok; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (size_t)(*c - '0');
    }
    *out = v;
    return true;
}

#define TOKEN_MAX 1024

/* The value at ptr (borrowed), or NULL. If parent is given, stops one token
 * short: *parent gets the container and last the final token (NULL parent
 * and 0 returned for the root). Returns 0, or GV_EINVAL with why set. */
static int walk(json_t *doc, const char *ptr, json_t **out, json_t **parent, char *last,
                const char **why)
{
    if (ptr[0] != '\0' && ptr[0] != '/') {
        *why = "a path is empty or starts with \"/\"";
        return GV_EINVAL;
    }
    json_t *cur = doc, *up = NULL;
    char tok[TOKEN_MAX];
    size_t pos = 0;
    int more;
    last[0] = '\0';
    while ((more = next_token(ptr, &pos, tok, sizeof tok)) == 1) {
        up = cur;
        memcpy(last, tok, strlen(tok) + 1);
        if (parent && ptr[pos] == '\0')
            break;
        size_t i;
        if (json_is_object(cur))
            cur = json_object_get(cur, tok);
        else if (json_is_array(cur) && parse_index(tok, &i))
            cur = json_array_get(cur, i);
        else
            cur = NULL;
        if (!cur) {
            *why = "no such place in the document";
            return GV_EINVAL;
        }
    }
    if (more < 0) {
        *why = "a \"~\" not followed by 0 or 1, or a key too long";
        return GV_EINVAL;
    }
    if (parent) {
        *parent = ptr[0] ? up : NULL;
        *out = NULL;
    } else {
        *out = cur;
    }
    return 0;
}

/* Adds (or, with replace, replaces) value at ptr; takes value's reference. */
static int put(json_t **doc, const char *ptr, json_t *value, bool replace, const char **why)
{
    json_t *parent, *unused;
    char last[TOKEN_MAX];
    int rc = walk(*doc, ptr, &unused, &parent, last, why);
    if (rc < 0)
        goto fail;
    if (!parent) {
        json_decref(*doc);
        *doc = value;
        return 0;
    }
    size_t i;
    rc = GV_EINVAL;
    if (json_is_object(parent)) {
        if (replace && !json_object_get(parent, last)) {
            *why = "no such member to replace";
            goto fail;
        }
        return json_object_set_new(parent, last, value) < 0 ? GV_ENOMEM : 0;
    }
    if (!json_is_array(parent)) {
        *why = "the parent is neither an object nor an array";
        goto fail;
    }
    size_t n = json_array_size(parent);
    if (!replace && strcmp(last, "-") == 0)
        return json_array_append_new(parent, value) < 0 ? GV_ENOMEM : 0;
    if (!parse_index(last, &i) || i > n || (replace && i == n)) {
        *why = "the index is not one of the array's";
        goto fail;
    }
    if (replace)
        return json_array_set_new(parent, i, value) < 0 ? GV_ENOMEM : 0;
    return json_array_insert_new(parent, i, value) < 0 ? GV_ENOMEM : 0;
fail:
    json_decref(value);
    return rc;
}

static int drop(json_t *doc, const char *ptr, const char **why)
{
    json_t *parent, *unused;
    char last[TOKEN_MAX];
    size_t i;
    int rc = walk(doc, ptr, &unused, &parent, last, why);
    if (rc < 0)
        return rc;
    if (!parent) {
        *why = "the root cannot be removed";
        return GV_EINVAL;
    }
    if (json_is_object(parent) && json_object_del(parent, last) == 0)
        return 0;
    if (json_is_array(parent) && parse_index(last, &i) && json_array_remove(parent, i) == 0)
        return 0;
    *why = "nothing there to remove";
    return GV_EINVAL;
}

static int apply_op(json_t **doc, const json_t *op, const char **why)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    const char *from = json_string_value(json_object_get(op, "from"));
    json_t *value = json_object_get(op, "value");
    json_t *src = NULL;
    char last[TOKEN_MAX];
    if (!name || !path) {
        *why = "an operation needs \"op\" and \"path\" strings";
        return GV_EINVAL;
    }
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (!value) {
            *why = "\"value\" is missing";
            return GV_EINVAL;
        }
        return put(doc, path, json_incref(value), name[0] == 'r', why);
    }
    if (strcmp(name, "remove") == 0)
        return drop(*doc, path, why);
    if (strcmp(name, "test") == 0) {
        if (!value || walk(*doc, path, &src, NULL, last, why) < 0)
            return GV_EINVAL;
        if (!json_equal(src, value)) {
            *why = "the test failed: the value differs";
            return GV_EINVAL;
        }
        return 0;
    }
    if (strcmp(name, "move") != 0 && strcmp(name, "copy") != 0) {
        *why = "unknown operation: use add, remove, replace, move, copy or test";
        return GV_EINVAL;
    }
    if (!from || walk(*doc, from, &src, NULL, last, why) < 0) {
        *why = "\"from\" names no value of the document";
        return GV_EINVAL;
    }
    if (name[0] == 'c')
        return put(doc, path, json_deep_copy(src), false, why);
    size_t fl = strlen(from);
    if (strncmp(path, from, fl) == 0 && path[fl] == '/') {
        *why = "a value cannot be moved into itself";
        return GV_EINVAL;
    }
    json_incref(src);
    int rc = drop(*doc, from, why);
    if (rc < 0) {
        json_decref(src);
        return rc;
    }
    return put(doc, path, src, false, why);
}

int gv_json_patch(json_t **doc, const json_t *ops, gv_error *err)
{
    if (!json_is_array(ops))
        return gv_error_set(err, GV_EINVAL, "a patch is a JSON array of operations");
    json_t *work = json_deep_copy(*doc);
    if (!work)
        return gv_error_set(err, GV_ENOMEM, "out of memory applying a patch");
    size_t i;
    const json_t *op;
    json_array_foreach(ops, i, op)
    {
        const char *why = "out of memory";
        int rc = json_is_object(op) ? apply_op(&work, op, &why) : GV_EINVAL;
        if (!json_is_object(op))
            why = "an operation is a JSON object";
        if (rc < 0) {
            const char *path = json_string_value(json_object_get(op, "path"));
            const char *name = json_string_value(json_object_get(op, "op"));
            json_decref(work);
            return gv_error_set(err, rc, "patch operation %zu (%s at \"%s\"): %s", i + 1,
                                name ? name : "?", path ? path : "?", why);
        }
    }
    json_decref(*doc);
    *doc = work;
    return 0;
}

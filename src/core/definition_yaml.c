/*
 * Reading a meeting definition from YAML: libyaml's event stream is turned
 * into the JSON form of the definition while the position of every node is
 * remembered; then the one validator (gv_definition_check) runs and each
 * problem it reports is mapped back to a line and column of the file.
 *
 * Positions. Containers (mappings and sequences) are distinct jansson
 * objects, so they are found by pointer; scalars may not be (jansson shares
 * true, false and null), so a scalar's position is kept in its parent's
 * entry, by key or index, next to the key's own position. A problem names a
 * container and a key or index (gv_def_problem), which is exactly what this
 * table answers. Values kept out of the tree (a duplicate key's value) stay
 * alive in r->discard until the end, so no later node can reuse their
 * address and be found in their place.
 *
 * YAML features a definition does not need are refused rather than half
 * supported: anchors and aliases (a small file that expands into a huge
 * tree, ids that silently repeat), tags, several documents, keys that are not
 * scalars, and duplicate keys (libyaml accepts them; YAML does not). Plain
 * scalars are resolved as in YAML 1.2's core schema, for what the format
 * uses: integers, decimals, true/false and null. yes/no/on/off stay text, so
 * the language "no" (Norwegian) is not false, and 2022-03-31T14:30 stays text.
 *
 * Numbers are parsed by jansson, not strtod, so the process locale cannot
 * change what "2.5" means.
 *
 * A syntax error ends the reading (libyaml cannot resume), so the tree is not
 * checked then: the syntax error is the one problem reported with the ones
 * found before it. Every other problem of a file is reported.
 */
#include "core/definition.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/array.h"
#include "core/definition_internal.h"

/* Nesting a definition never needs (it has 4 levels); deeper input is refused. */
#define MAX_DEPTH 32
/* Values in one file; the largest definition (5000 people) has about 80,000. */
#define MAX_NODES 500000

typedef struct pos {
    unsigned line, col; /** 1-based; col counts characters */
} pos;

typedef struct kid {
    char *key;  /** NULL in a sequence */
    pos key_at; /** the key's position (a sequence item: the value's) */
    pos value_at;
} kid;

typedef struct node_pos {
    const json_t *node; /** a mapping or sequence */
    pos at;             /** where it starts */
    kid *kids;          /** in the order the entries were added to node */
    size_t n, cap;
} node_pos;

typedef struct frame {
    json_t *node; /** the mapping or sequence being filled */
    size_t entry; /** its index in r->nodes */
    bool is_map;
    bool have_key; /** a key was read; the next node is its value */
    bool bad_key;  /** that key was refused: its value is discarded */
    char *key;
    pos key_at;
} frame;

typedef struct raw_diag {
    pos at;
    size_t order; /** keeps diagnostics at the same position in the order found */
    char *msg;
} raw_diag;

typedef struct reader {
    const char *buf;
    size_t len;
    json_t *root;
    pos root_at;
    node_pos *nodes;
    size_t n_nodes, cap_nodes;
    frame stack[MAX_DEPTH];
    size_t depth;
    json_t *discard;
    size_t values;
    bool stop; /** no more events are read */
    bool nomem;
    raw_diag *diags;
    size_t n_diags, cap_diags;
    int yaml_problems; /** problems of the YAML itself, capped like the checker's */
} reader;

/* ---- diagnostics --------------------------------------------------------------------------- */

static void add_diag(reader *r, pos at, const char *msg)
{
    char *copy = strdup(msg);
    if (!copy || GV_ARRAY_RESERVE(r->diags, r->cap_diags, r->n_diags + 1) < 0) {
        free(copy);
        r->nomem = true;
        return;
    }
    r->diags[r->n_diags] = (raw_diag){at, r->n_diags, copy};
    r->n_diags++;
}

static void yaml_problem(reader *r, pos at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void yaml_problem(reader *r, pos at, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    bool described = gv__def_problem_vformat(++r->yaml_problems, msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (described)
        add_diag(r, at, msg);
}

static pos mark_pos(yaml_mark_t m)
{
    return (pos){(unsigned)m.line + 1, (unsigned)m.column + 1};
}

/* Length of the line break at p (libyaml's: \r\n, \r, \n, NEL, LS, PS), or 0. */
static size_t line_break(const unsigned char *p, const unsigned char *end)
{
    if (*p == '\r')
        return p + 1 < end && p[1] == '\n' ? 2 : 1;
    if (*p == '\n')
        return 1;
    if (*p == 0xC2 && p + 1 < end && p[1] == 0x85)
        return 2;
    if (*p == 0xE2 && p + 2 < end && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        return 3;
    return 0;
}

/* The line and column of byte `offset`, counting as libyaml does. */
static pos offset_pos(const char *buf, size_t len, size_t offset)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + (offset < len ? offset : len);
    pos at = {1, 1};
    while (p < end) {
        size_t b = line_break(p, end);
        if (b) {
            at.line++;
            at.col = 1;
            p += b;
            continue;
        }
        if ((*p & 0xC0) != 0x80)
            at.col++;
        p++;
    }
    return at;
}

static void syntax_error(reader *r, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        r->nomem = true;
        return;
    }
    const char *problem = p->problem ? p->problem : "unreadable YAML";
    if (p->error == YAML_READER_ERROR) {
        size_t offset = p->problem_offset;
        /* A bad continuation byte: point at the character it breaks. */
        if (strstr(problem, "trailing"))
            while (offset > 0 && ((unsigned char)r->buf[offset] & 0xC0) != 0xC0)
                offset--;
        pos at = offset_pos(r->buf, r->len, offset);
        if (strstr(problem, "UTF-8") || strstr(problem, "Unicode"))
            yaml_problem(r, at, "the file is not valid UTF-8 here (%s); save it as UTF-8", problem);
        else if (p->problem_value >= 0)
            yaml_problem(r, at, "the character U+%04X is not allowed in YAML (%s)",
                         (unsigned)p->problem_value, problem);
        else
            yaml_problem(r, at, "%s", problem);
        return;
    }
    pos at = mark_pos(p->problem_mark);
    if (p->context) {
        pos ctx = mark_pos(p->context_mark);
        yaml_problem(r, at, "YAML syntax error: %s (%s that starts at line %u, column %u)", problem,
                     p->context, ctx.line, ctx.col);
    } else {
        yaml_problem(r, at, "YAML syntax error: %s", problem);
    }
}

/* ---- building the tree --------------------------------------------------------------------- */

static bool is_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return len > 0;
}

/*
 * A plain scalar that is a YAML 1.2 core-schema number, rewritten as a JSON
 * number into out ("+5" -> "5", ".5" -> "0.5", "5." -> "5.0"); false if it
 * is not one.
 */
static bool json_number_text(const char *s, size_t len, char *out, size_t size)
{
    size_t i = 0, o = 0;
    if (len == 0 || len + 4 > size)
        return false;
    if (s[i] == '-' || s[i] == '+') {
        if (s[i] == '-')
            out[o++] = '-';
        i++;
    }
    size_t int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_len = i - int_start;
    if (int_len == 0)
        out[o++] = '0';
    memcpy(out + o, s + int_start, int_len);
    o += int_len;
    if (i < len && s[i] == '.') {
        i++;
        size_t frac_start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (int_len == 0 && i == frac_start)
            return false;
        out[o++] = '.';
        if (i == frac_start)
            out[o++] = '0';
        memcpy(out + o, s + frac_start, i - frac_start);
        o += i - frac_start;
    } else if (int_len == 0) {
        return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        out[o++] = s[i++];
        if (i < len && (s[i] == '-' || s[i] == '+'))
            out[o++] = s[i++];
        if (!is_digits(s + i, len - i))
            return false;
        memcpy(out + o, s + i, len - i);
        o += len - i;
        i = len;
    }
    if (i != len)
        return false;
    out[o] = '\0';
    /* JSON refuses leading zeros ("007"); YAML reads them as the number. */
    size_t z = out[0] == '-' ? 1 : 0;
    while (z + 1 < o && out[z] == '0' && out[z + 1] >= '0' && out[z + 1] <= '9') {
        memmove(out + z, out + z + 1, o - z); /* with the NUL */
        o--;
    }
    return true;
}

static bool word_in(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == len && memcmp(s, *words, len) == 0)
            return true;
    return false;
}

/* The JSON value of a plain scalar (a new reference), NULL on ENOMEM. */
static json_t *plain_value(const char *s, size_t len)
{
    static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    char num[80];
    if (len == 0 || word_in(s, len, nulls))
        return json_null();
    if (word_in(s, len, trues))
        return json_true();
    if (word_in(s, len, falses))
        return json_false();
    if (json_number_text(s, len, num, sizeof num)) {
        /* jansson refuses integers beyond 64 bits; read those as decimals. */
        json_t *v = json_loads(num, JSON_DECODE_ANY, NULL);
        if (!v && strlen(num) + 3 < sizeof num && !strpbrk(num, ".eE")) {
            strcat(num, ".0");
            v = json_loads(num, JSON_DECODE_ANY, NULL);
        }
        if (v)
            return v;
        /* Out of range even as a decimal (1e999): it stays text, and the checker says so. */
    }
    return json_stringn(s, len);
}

static node_pos *entry_at(reader *r, size_t i)
{
    return &r->nodes[i];
}

static void add_kid(reader *r, size_t entry, char *key, pos key_at, pos value_at)
{
    node_pos *e = entry_at(r, entry);
    if (GV_ARRAY_RESERVE(e->kids, e->cap, e->n + 1) < 0) {
        free(key);
        r->nomem = true;
        return;
    }
    e->kids[e->n++] = (kid){key, key_at, value_at};
}

/* Keeps v alive outside the tree (see the file comment). */
static void discard(reader *r, json_t *v)
{
    if (json_array_append_new(r->discard, v) < 0)
        r->nomem = true;
}

/* Puts v (a new reference, taken) where the stream says: the root, the next
 * entry of a sequence, or the value of a mapping's pending key. */
static void place(reader *r, json_t *v, pos at)
{
    if (!v) {
        r->nomem = true;
        return;
    }
    if (r->depth == 0) {
        if (r->root)
            discard(r, v);
        else
            r->root = v, r->root_at = at;
        return;
    }
    frame *f = &r->stack[r->depth - 1];
    if (!f->is_map) {
        if (json_array_append_new(f->node, v) < 0) {
            r->nomem = true;
            return;
        }
        add_kid(r, f->entry, NULL, at, at);
        return;
    }
    char *key = f->key;
    bool bad_key = f->bad_key;
    f->key = NULL;
    f->have_key = f->bad_key = false;
    if (bad_key) {
        discard(r, v);
        free(key);
        return;
    }
    const node_pos *e = entry_at(r, f->entry);
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->kids[i].key, key) == 0) {
            yaml_problem(r, f->key_at,
                         "duplicate key \"%.80s\": it is already set at line %u, column %u; "
                         "keep one",
                         key, e->kids[i].key_at.line, e->kids[i].key_at.col);
            discard(r, v);
            free(key);
            return;
        }
    }
    if (json_object_set_new(f->node, key, v) < 0) {
        free(key);
        r->nomem = true;
        return;
    }
    add_kid(r, f->entry, key, f->key_at, at);
}

static bool counted(reader *r, pos at)
{
    if (++r->values <= MAX_NODES)
        return true;
    yaml_problem(r, at, "the file holds more than %d values; a meeting definition is far smaller",
                 MAX_NODES);
    r->stop = true;
    return false;
}

static void check_node_props(reader *r, pos at, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    if (anchor)
        yaml_problem(r, at,
                     "anchors (&%.64s) are not supported: write the value out where it is used",
                     (const char *)anchor);
    if (tag)
        yaml_problem(r, at, "tags such as !!str are not supported: quote a value to make it text");
}

/* Whether the stream's next node is a mapping key. */
static frame *awaiting_key(reader *r)
{
    frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;
    return f && f->is_map && !f->have_key ? f : NULL;
}

static void on_scalar(reader *r, const yaml_event_t *ev, pos at)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const yaml_char_t *tag = ev->data.scalar.tag;
    check_node_props(r, at, ev->data.scalar.anchor, tag);
    if (!counted(r, at))
        return;
    frame *f = awaiting_key(r);
    if (f) {
        f->have_key = true;
        f->key_at = at;
        if (memchr(text, '\0', len)) {
            yaml_problem(r, at, "a key must not contain a NUL character");
            f->bad_key = true;
            return;
        }
        f->key = strndup(text, len);
        if (!f->key)
            r->nomem = true;
        return;
    }
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
    place(r, plain ? plain_value(text, len) : json_stringn(text, len), at);
}

static void on_alias(reader *r, const yaml_event_t *ev, pos at)
{
    yaml_problem(r, at, "aliases (*%.64s) are not supported: write the value out",
                 (const char *)ev->data.alias.anchor);
    frame *f = awaiting_key(r);
    if (f) {
        f->have_key = f->bad_key = true;
        f->key_at = at;
        return;
    }
    place(r, json_null(), at);
}

static void on_start(reader *r, bool is_map, pos at, const yaml_char_t *anchor,
                     const yaml_char_t *tag)
{
    check_node_props(r, at, anchor, tag);
    if (!counted(r, at))
        return;
    if (r->depth == MAX_DEPTH) {
        yaml_problem(r, at, "nested more than %d levels deep; a definition needs 4", MAX_DEPTH);
        r->stop = true;
        return;
    }
    if (GV_ARRAY_RESERVE(r->nodes, r->cap_nodes, r->n_nodes + 1) < 0) {
        r->nomem = true;
        return;
    }
    json_t *node = is_map ? json_object() : json_array();
    if (!node) {
        r->nomem = true;
        return;
    }
    r->nodes[r->n_nodes] = (node_pos){.node = node, .at = at};
    frame *key_of = awaiting_key(r);
    if (key_of) {
        yaml_problem(r, at, "a key must be a plain name, not %s", is_map ? "a mapping" : "a list");
        key_of->have_key = key_of->bad_key = true;
        key_of->key_at = at;
        discard(r, node);
    } else {
        place(r, node, at);
    }
    if (r->nomem)
        return;
    r->stack[r->depth++] = (frame){.node = node, .entry = r->n_nodes, .is_map = is_map};
    r->n_nodes++;
}

static void on_end(reader *r)
{
    if (r->depth == 0)
        return;
    frame *f = &r->stack[--r->depth];
    free(f->key);
    f->key = NULL;
}

/* Reads the stream into r->root; stops at a syntax error, a second document or a limit. */
static void read_stream(reader *r, yaml_parser_t *p)
{
    int documents = 0;
    while (!r->stop && !r->nomem) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) {
            syntax_error(r, p);
            return;
        }
        pos at = mark_pos(ev.start_mark);
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (documents++ > 0) {
                yaml_problem(r, at,
                             "a definition file holds one YAML document; remove this \"---\" and "
                             "what follows it, or make it a file of its own");
                r->stop = true;
            }
            break;
        case YAML_SCALAR_EVENT:
            on_scalar(r, &ev, at);
            break;
        case YAML_ALIAS_EVENT:
            on_alias(r, &ev, at);
            break;
        case YAML_SEQUENCE_START_EVENT:
            on_start(r, false, at, ev.data.sequence_start.anchor, ev.data.sequence_start.tag);
            break;
        case YAML_MAPPING_START_EVENT:
            on_start(r, true, at, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            on_end(r);
            break;
        case YAML_STREAM_END_EVENT:
            r->stop = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
}

/* ---- mapping problems to positions --------------------------------------------------------- */

static int node_pos_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const node_pos *)a)->node,
              y = (uintptr_t)((const node_pos *)b)->node;
    return x < y ? -1 : x > y;
}

static const node_pos *find(const reader *r, const json_t *node)
{
    node_pos key = {.node = node};
    return node && r->n_nodes ? bsearch(&key, r->nodes, r->n_nodes, sizeof key, node_pos_cmp)
                              : NULL;
}

static pos locate(const reader *r, const gv_def_problem *p)
{
    if (p->at == GV_DEF_AT_NODE && (!p->node || p->node == r->root))
        return r->root_at;
    const node_pos *e = find(r, p->node);
    if (!e)
        return r->root_at;
    if (p->at == GV_DEF_AT_NODE)
        return e->at;
    for (size_t i = 0; i < e->n; i++) {
        const kid *k = &e->kids[i];
        if (p->key ? (k->key && strcmp(k->key, p->key) == 0) : i == p->index)
            return p->at == GV_DEF_AT_KEY ? k->key_at : k->value_at;
    }
    return e->at;
}

static void on_problem(const gv_def_problem *p, void *ud)
{
    reader *r = ud;
    char msg[800];
    gv__def_problem_text(p, msg, sizeof msg);
    add_diag(r, locate(r, p), msg);
}

/* ---- results ------------------------------------------------------------------------------- */

static int raw_diag_cmp(const void *a, const void *b)
{
    const raw_diag *x = a, *y = b;
    if (x->at.line != y->at.line)
        return x->at.line < y->at.line ? -1 : 1;
    if (x->at.col != y->at.col)
        return x->at.col < y->at.col ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Moves r's diagnostics, sorted and formatted, to the end of l. */
static int emit(reader *r, const char *filename, gv_diag_list *l)
{
    qsort(r->diags, r->n_diags, sizeof *r->diags, raw_diag_cmp);
    gv_diag *items = realloc(l->items, (l->n + r->n_diags) * sizeof *items);
    if (!items && l->n + r->n_diags > 0)
        return GV_ENOMEM;
    l->items = items;
    for (size_t i = 0; i < r->n_diags; i++) {
        raw_diag *d = &r->diags[i];
        int n = snprintf(NULL, 0, "%s:%u:%u: %s", filename, d->at.line, d->at.col, d->msg);
        char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (!text)
            return GV_ENOMEM;
        snprintf(text, (size_t)n + 1, "%s:%u:%u: %s", filename, d->at.line, d->at.col, d->msg);
        l->items[l->n++] = (gv_diag){d->at.line, d->at.col, d->msg, text};
        d->msg = NULL;
    }
    return 0;
}

static void reader_release(reader *r)
{
    for (size_t i = 0; i < r->depth; i++)
        free(r->stack[i].key);
    for (size_t i = 0; i < r->n_nodes; i++) {
        for (size_t k = 0; k < r->nodes[i].n; k++)
            free(r->nodes[i].kids[k].key);
        free(r->nodes[i].kids);
    }
    free(r->nodes);
    for (size_t i = 0; i < r->n_diags; i++)
        free(r->diags[i].msg);
    free(r->diags);
    json_decref(r->discard);
    json_decref(r->root);
}

void gv_diag_list_init(gv_diag_list *l)
{
    l->items = NULL;
    l->n = 0;
}

void gv_diag_list_release(gv_diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].msg);
        free(l->items[i].text);
    }
    free(l->items);
    gv_diag_list_init(l);
}

int gv_definition_from_yaml(const char *buf, size_t len, const char *filename,
                            gv_zone_fn zone_exists, void *zone_ud, json_t **out,
                            gv_diag_list *diags, gv_error *err)
{
    reader r = {.buf = buf, .len = len, .root_at = {1, 1}};
    yaml_parser_t parser;
    bool parsed = false;
    int rc = 0;
    *out = NULL;
    if (!filename)
        filename = "<input>";
    r.discard = json_array();
    if (!r.discard || !yaml_parser_initialize(&parser)) {
        json_decref(r.discard);
        return gv_error_set(err, GV_ENOMEM, "out of memory reading %s", filename);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    read_stream(&r, &parser);
    parsed = parser.error == YAML_NO_ERROR && r.depth == 0;
    yaml_parser_delete(&parser);
    if (r.nomem)
        goto nomem;
    if (parsed) {
        if (r.n_nodes)
            qsort(r.nodes, r.n_nodes, sizeof *r.nodes, node_pos_cmp);
        rc = gv_definition_check(r.root, zone_exists, zone_ud, on_problem, &r);
        if (rc < 0 || r.nomem)
            goto nomem;
    }
    if (r.n_diags == 0) {
        *out = r.root;
        r.root = NULL;
        reader_release(&r);
        return 0;
    }
    size_t n = r.n_diags;
    if (emit(&r, filename, diags) < 0)
        goto nomem;
    reader_release(&r);
    return gv_error_set(err, GV_EINVAL, "%s: %zu problem%s", filename, n, n == 1 ? "" : "s");
nomem:
    reader_release(&r);
    return gv_error_set(err, GV_ENOMEM, "out of memory reading %s", filename);
}

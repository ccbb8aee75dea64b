/*
 * The canonical text of a JSON value: compact, keys sorted, no newline, the
 * form in which events are stored and every message is sent.
 *
 * Not json_dumps: when an allocation fails while it writes an object's key,
 * jansson (2.14) goes on without the key and returns the broken text as if
 * it were whole (tests/unit/core/json_text_test.c shows it). Here jansson
 * writes through a callback into our own buffer, and a write that could not
 * be made fails the whole text, so that out of memory is NULL, never a
 * message or a stored event with a piece missing.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"

typedef struct sink {
    char *buf;
    size_t len, cap;
    bool failed; /** a write was refused: the text is not whole */
} sink;

static int put(const char *bytes, size_t n, void *ud)
{
    sink *s = ud;
    if (s->failed)
        return -1;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *buf = realloc(s->buf, cap);
        if (!buf) {
            s->failed = true;
            return -1;
        }
        s->buf = buf;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, bytes, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return 0;
}

char *gv_json_text(const json_t *json)
{
    sink s = {0};
    if (!json || json_dump_callback(json, put, &s, JSON_COMPACT | JSON_SORT_KEYS) != 0 ||
        s.failed || !s.buf) {
        free(s.buf);
        return NULL;
    }
    return s.buf;
}

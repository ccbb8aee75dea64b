/*
 * The floor fixture (floor_fixture.h) with one more agenda item for the list
 * before the meeting:
 *   debate: policy un, 3 / 2 min, inscription open from 2022-03-24 10:00
 *           Geneva (09:00 UTC) until 2022-03-30 18:00 Geneva (16:00 UTC),
 *           written with their UTC offsets as a definition has them.
 * The meeting is defined on 2022-03-21 09:00 UTC, ten days before it opens;
 * tests move the clock (f->now_ms) through the window, never back.
 *
 * Include after <cmocka.h>.
 */
#ifndef GV_TEST_INSCRIPTION_FIXTURE_H
#define GV_TEST_INSCRIPTION_FIXTURE_H

#include "floor_fixture.h"

#define IF_DEFINED_MS 1647853200000LL /* 2022-03-21 09:00 UTC */
#define IF_OPENS_MS   1648112400000LL /* 2022-03-24 09:00 UTC */
#define IF_CLOSES_MS  1648656000000LL /* 2022-03-30 16:00 UTC */
#define IF_DAY        86400000LL

static inline json_t *if_definition(void)
{
    json_t *def = ff_definition();
    json_t *debate = ff_item("debate", "discussion", "un", 3, 2, 0);
    json_object_set_new(debate, "inscription",
                        json_pack("{s:s, s:s}", "opens", "2022-03-24T10:00+01:00", "closes",
                                  "2022-03-30T18:00+02:00"));
    json_array_append_new(json_object_get(def, "agenda"), debate);
    return def;
}

/* The fixture, its clock just inside the window (one day after it opens). */
static inline void if_init(ff *f)
{
    ff_init_with(f, if_definition(), IF_DEFINED_MS);
    f->now_ms = IF_OPENS_MS + IF_DAY;
}

/* `as` inscribes `who` (itself when as == who) for item; extra adds fields. Returns the id. */
static inline int64_t if_inscribe(ff *f, const char *as, const char *who, const char *item,
                                  const char *extra)
{
    const char *sep = extra && *extra ? ", " : "";
    if (strcmp(as, who) == 0)
        ff_ok(f, as, "{\"type\": \"inscribe\", \"item\": \"%s\"%s%s}", item, sep,
              extra ? extra : "");
    else
        ff_ok(f, as, "{\"type\": \"inscribe_speaker\", \"item\": \"%s\", \"person\": \"%s\"%s%s}",
              item, who, sep, extra ? extra : "");
    return ff_last_seq(f);
}

/* The state's provisional entry of item (new reference). */
static inline json_t *if_provisional(const ff *f, const char *item)
{
    json_t *all = ff_get(f, "provisional"), *p;
    size_t i;
    json_array_foreach(all, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "item")), item) == 0) {
            json_incref(p);
            json_decref(all);
            return p;
        }
    }
    fail_msg("no provisional list for %s", item);
    return NULL;
}

/* The people of a list (an array of entries), comma separated, into buf. */
static inline const char *if_people(const json_t *list, const char *key, char *buf, size_t size)
{
    size_t i, n = 0;
    json_t *e;
    buf[0] = '\0';
    json_array_foreach(list, i, e)
    {
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "",
                              json_string_value(json_object_get(e, key)));
        if (n >= size)
            break;
    }
    return buf;
}

/* Field `key` of every entry of item's provisional list, comma separated. */
static inline const char *if_column(const ff *f, const char *item, const char *key, char *buf,
                                    size_t size)
{
    json_t *p = if_provisional(f, item);
    if_people(json_object_get(p, "list"), key, buf, size);
    json_decref(p);
    return buf;
}

#define if_assert_order(f, item, expected)                                                         \
    do {                                                                                           \
        char if_buf_[2048];                                                                        \
        assert_string_equal(if_column((f), (item), "person", if_buf_, sizeof if_buf_),             \
                            (expected));                                                           \
    } while (0)

/* Field `key` of entry pos of item's provisional list, printed as ff_entry prints. */
static inline const char *if_entry(const ff *f, const char *item, size_t pos, const char *key)
{
    static char buf[1024];
    json_t *p = if_provisional(f, item);
    json_t *v = json_object_get(json_array_get(json_object_get(p, "list"), pos), key);
    if (!v)
        fail_msg("no entry %zu or no field %s on %s", pos, key, item);
    if (json_is_string(v))
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, sizeof buf, "%s",
                 json_is_true(v)   ? "true"
                 : json_is_null(v) ? "null"
                                   : "false");
    json_decref(p);
    return buf;
}

#endif

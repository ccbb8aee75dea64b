/*
 * Field readers for JSON from outside. They never trust the input: types,
 * ranges and sizes are checked, and the message names the field.
 */
#include "core/jsonf.h"

#include <string.h>

static const json_t *field(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

/* An absent field: an error if required, otherwise 0 (leave *out alone). */
static int missing(const char *key, bool required, gv_error *err)
{
    return required ? gv_error_set(err, GV_EINVAL, "field \"%s\" is required", key) : 0;
}

int gv__json_string(const json_t *obj, const char *key, bool required, size_t max_bytes,
                    const char **out, gv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v)
        return missing(key, required, err);
    if (!json_is_string(v))
        return gv_error_set(err, GV_EINVAL, "field \"%s\" must be a string", key);
    size_t len = json_string_length(v);
    if (len > max_bytes)
        return gv_error_set(err, GV_ELIMIT, "field \"%s\" is %zu bytes long; at most %zu allowed",
                            key, len, max_bytes);
    if (memchr(json_string_value(v), '\0', len))
        return gv_error_set(err, GV_EINVAL, "field \"%s\" contains a NUL character", key);
    *out = json_string_value(v);
    return 0;
}

int gv__json_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                 int64_t *out, gv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v)
        return missing(key, required, err);
    if (!json_is_integer(v))
        return gv_error_set(err, GV_EINVAL, "field \"%s\" must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return gv_error_set(err, GV_EINVAL,
                            "field \"%s\" is %lld; it must be between %lld and %lld", key,
                            (long long)i, (long long)min, (long long)max);
    *out = i;
    return 0;
}

int gv__json_bool(const json_t *obj, const char *key, bool required, bool *out, gv_error *err)
{
    const json_t *v = field(obj, key);
    if (!v)
        return missing(key, required, err);
    if (!json_is_boolean(v))
        return gv_error_set(err, GV_EINVAL, "field \"%s\" must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int gv__json_enum(const json_t *obj, const char *key, bool required, const char *const *names,
                  int n, int *out, gv_error *err)
{
    const char *s = NULL;
    int rc = gv__json_string(obj, key, required, 64, &s, err);
    if (rc < 0 || !s)
        return rc;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    char list[256] = "";
    for (int i = 0; i < n; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < n)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    return gv_error_set(err, GV_EINVAL, "field \"%s\" is \"%s\"; it must be one of: %s", key, s,
                        list);
}

int gv__json_only(const json_t *obj, const char *const *allowed, gv_error *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return gv_error_set(err, GV_EINVAL, "expected a JSON object");
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok)
            return gv_error_set(err, GV_EINVAL, "unknown field \"%s\"", key);
    }
    return 0;
}

/*
 * Reading fields of JSON objects from outside (commands, stored events,
 * definitions) with bounds and clear errors. Every function returns 0 or a
 * negative GV_E* code with err naming the field; on failure *out is unchanged.
 * A field that is absent and not required leaves *out unchanged and returns 0,
 * so callers set defaults first. JSON null counts as absent.
 */
#ifndef GV_CORE_JSONF_H
#define GV_CORE_JSONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* String field of at most max_bytes bytes (jansson has checked UTF-8). *out is borrowed. */
int gv__json_string(const json_t *obj, const char *key, bool required, size_t max_bytes,
                    const char **out, gv_error *err);

/* Integer field in [min, max]. */
int gv__json_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                 int64_t *out, gv_error *err);

/* Boolean field. */
int gv__json_bool(const json_t *obj, const char *key, bool required, bool *out, gv_error *err);

/* String field that must be one of names[0..n): *out is its index. */
int gv__json_enum(const json_t *obj, const char *key, bool required, const char *const *names,
                  int n, int *out, gv_error *err);

/* Fails with GV_EINVAL naming the first key of obj not in the NULL-ended `allowed`. */
int gv__json_only(const json_t *obj, const char *const *allowed, gv_error *err);

#endif

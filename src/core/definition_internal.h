/*
 * What the files of the definition module share and nothing else needs: the
 * walk of definition_check.c, through which definition.c loads; the role names
 * that the walk reads and definition_json.c writes back; and the wording of a
 * problem, which the YAML reader (definition_yaml.c) uses for problems of its
 * own so that they read and are capped as the validator's are.
 */
#ifndef GV_CORE_DEFINITION_INTERNAL_H
#define GV_CORE_DEFINITION_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/definition.h"
#include "core/meeting.h"

/*
 * Walks the JSON definition `def`, reporting every problem through `report`
 * (may be NULL) as gv_definition_check() does. When `out` is not NULL, it
 * must be an empty meeting (zeroed), and the walk also fills its definition
 * part; the caller owns what was put there, and releases it with
 * gv__definition_release() whatever the result, since a walk that found
 * problems fills in part of it.
 *
 * Returns the number of problems (0: valid), or GV_ENOMEM.
 */
int gv__def_walk(const json_t *def, gv_zone_fn zone_exists, void *zone_ud, gv_meeting *out,
                 gv_def_report_fn report, void *ud);

/*
 * The message of problem number `count` (counted from 1) of a definition, into
 * msg[size]: fmt filled from ap, or, for problem GV_DEF_PROBLEMS_MAX, the notice
 * that more follow. Returns false, writing nothing, for the problems past that
 * one: they are counted, not described.
 */
bool gv__def_problem_vformat(int count, char *msg, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* "PATH: MSG" of p into buf[size] (only MSG for the definition as a whole), cut to fit. */
void gv__def_problem_text(const gv_def_problem *p, char *buf, size_t size);

#endif

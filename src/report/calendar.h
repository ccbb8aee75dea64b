/*
 * The agenda of a meeting as an iCalendar file (RFC 5545), made with libical:
 * one VCALENDAR holding the VTIMEZONE of the meeting's zone (its rules from
 * the meeting's year on, with the plain IANA name as TZID) and one VEVENT per
 * agenda item at its planned start and end, in that zone.
 */
#ifndef GV_REPORT_CALENDAR_H
#define GV_REPORT_CALENDAR_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

/*
 * Builds the calendar from a record (record.h): its meeting, agenda and the
 * time of its last event (each VEVENT's DTSTAMP, so that the same log gives
 * the same file). On success *ics is the file's text (malloc'd, CRLF line
 * ends; caller frees) and *len its length. GV_EINVAL when the record lacks
 * what a calendar needs or names a zone this system does not know; GV_ENOMEM.
 */
int gv_calendar_from_record(const json_t *record, char **ics, size_t *len, gv_error *err);

#endif

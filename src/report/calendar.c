/*
 * The agenda as iCalendar, through libical. Each item's planned start is the
 * meeting's start plus the planned minutes of the items before it (the
 * record has worked them out); events carry local times with the meeting's
 * TZID and the calendar carries that zone's VTIMEZONE, so a calendar program
 * anywhere shows 14:30 in Geneva as the right hour in its own zone.
 *
 * libical writes the VTIMEZONE from the system's zoneinfo under a TZID of its
 * own ("/freeassociation.sourceforge.net/Europe/Zurich"); the copy here is
 * renamed to the IANA name, which is what people and other programs expect,
 * and cut to the rules in force from the meeting's year on (the zone's rules
 * since 1853 would only make the file long).
 *
 * UIDs are "<item>.<meeting>@gavel": stable, so importing the file again
 * updates the events instead of doubling them.
 */
#include "report/calendar.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* A local ISO time "YYYY-MM-DDTHH:MM:SS..." as a libical time in `zone`. */
static struct icaltimetype local_time(const char *iso, icaltimezone *zone)
{
    struct icaltimetype t = icaltime_null_time();
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
        return t;
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = h;
    t.minute = mi;
    t.second = s;
    t.is_date = 0;
    return icaltime_set_timezone(&t, zone);
}

static icalproperty *zoned(icalproperty *p, const char *tzid)
{
    icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
    return p;
}

static bool is_http(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

int gv_calendar_from_record(const json_t *record, char **ics, size_t *len, gv_error *err)
{
    const json_t *m = gv__o(record, "meeting"), *agenda = gv__a(record, "agenda");
    const char *tzid = gv__s(m, "timezone");
    const char *meeting = gv__s(gv__o(record, "verification"), "meeting");
    icaltimezone *zone;
    icalcomponent *cal = NULL;
    int rc;
    *ics = NULL;
    *len = 0;
    if (!m || !agenda || !*meeting)
        return gv_error_set(err, GV_EINVAL, "the record lacks its meeting or agenda");
    if ((rc = gv__zone_find(tzid, &zone, err)) < 0)
        return rc;
    int64_t stamp_ms = gv__i(gv__o(m, "as_of"), "ms");
    if (stamp_ms <= 0)
        stamp_ms = gv__i(gv__o(gv__o(m, "planned"), "start"), "ms");
    struct icaltimetype stamp = icaltime_from_timet_with_zone((time_t)(stamp_ms / 1000), 0,
                                                              icaltimezone_get_utc_timezone());

    cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
                              icalproperty_new_prodid("-//Gavel//Gavel meeting agenda//EN"),
                              icalproperty_new_calscale("GREGORIAN"),
                              icalproperty_new_method(ICAL_METHOD_PUBLISH), (void *)0);
    icalproperty *name = icalproperty_new_x(gv__s(m, "title"));
    icalproperty_set_x_name(name, "X-WR-CALNAME");
    icalcomponent_add_property(cal, name);
    icalproperty *xtz = icalproperty_new_x(tzid);
    icalproperty_set_x_name(xtz, "X-WR-TIMEZONE");
    icalcomponent_add_property(cal, xtz);

    icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
    icalproperty *tzp = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    icalproperty_set_tzid(tzp, tzid);
    const char *first = gv__s(gv__o(gv__o(m, "planned"), "start"), "utc");
    struct icaltimetype from = icaltime_null_time();
    if (strlen(first) >= 4) {
        from.year = atoi(first);
        from.month = 1;
        from.day = 1;
        from = icaltime_set_timezone(&from, icaltimezone_get_utc_timezone());
        icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(), 1);
    }
    icalcomponent_add_component(cal, vtz);

    size_t i;
    const json_t *it;
    json_array_foreach(agenda, i, it)
    {
        char uid[300], summary[1200], desc[1600];
        snprintf(uid, sizeof uid, "%s.%s@gavel", gv__s(it, "id"), meeting);
        snprintf(summary, sizeof summary, "%zu. %s", i + 1, gv__s(it, "title"));
        snprintf(desc, sizeof desc, "%s, item %zu of the agenda (%s, %lld minutes planned).\n%s",
                 gv__s(m, "title"), i + 1, gv__label("item_kind", gv__s(it, "kind")),
                 (long long)(gv__i(it, "planned_ms") / 60000), gv__s(m, "body"));
        icalcomponent *ev = icalcomponent_vanew(
            ICAL_VEVENT_COMPONENT, icalproperty_new_uid(uid), icalproperty_new_dtstamp(stamp),
            zoned(icalproperty_new_dtstart(
                      local_time(gv__s(gv__o(it, "planned_start"), "local"), zone)),
                  tzid),
            zoned(
                icalproperty_new_dtend(local_time(gv__s(gv__o(it, "planned_end"), "local"), zone)),
                tzid),
            icalproperty_new_summary(summary), icalproperty_new_description(desc),
            icalproperty_new_location(gv__s(m, "venue")),
            icalproperty_new_status(ICAL_STATUS_CONFIRMED), (void *)0);
        if (is_http(gv__s(m, "online_link")))
            icalcomponent_add_property(ev, icalproperty_new_url(gv__s(m, "online_link")));
        icalcomponent_add_component(cal, ev);
    }
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    if (!text)
        return gv_error_set(err, GV_ENOMEM, "out of memory while writing the calendar");
    /* libical allocates with its own allocator (malloc unless changed). */
    *len = strlen(text);
    *ics = text;
    return 0;
}

/*
 * The agenda as iCalendar (src/report/calendar.c), read back with libical:
 * one event per item at its planned times in the meeting's zone, the zone's
 * VTIMEZONE under its IANA name, stable UIDs. (tests/integration/
 * report_golden.sh reads the same file with an independent parser, ical.js.)
 */
#include "report_fixture.h"

#include <libical/ical.h>

#include "report/calendar.h"
#include "report/record.h"

static void one_event_per_item(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_send(&f, "chair", AT(0), "{\"type\": \"open_meeting\"}");
    json_t *rec = NULL;
    assert_int_equal(gv_record_from_store(f.store, RFX_MEETING, 0, &rec, NULL), 0);
    char *ics = NULL;
    size_t len = 0;
    gv_error err = {0};
    assert_int_equal(gv_calendar_from_record(rec, &ics, &len, &err), 0);
    assert_int_equal(strlen(ics), len);
    icalcomponent *cal = icalparser_parse_string(ics);
    assert_non_null(cal);
    icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null(vtz);
    assert_string_equal(
        icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)),
        "Europe/Zurich");
    icaltimezone *zone = icaltimezone_get_builtin_timezone("Europe/Zurich");
    static const char *const ids[] = {"opening", "panel", "discussion", "un-round", "closing"};
    static const int minutes[] = {5, 30, 60, 20, 5};
    time_t at = 1648729800; /* 14:30 Zurich */
    int n = 0;
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), n++) {
        assert_true(n < 5);
        char uid[64];
        snprintf(uid, sizeof uid, "%s.%s@gavel", ids[n], RFX_MEETING);
        assert_string_equal(icalcomponent_get_uid(ev), uid);
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        assert_string_equal(icalparameter_get_tzid(tz), "Europe/Zurich");
        struct icaltimetype start = icalcomponent_get_dtstart(ev);
        struct icaltimetype end = icalcomponent_get_dtend(ev);
        assert_int_equal(icaltime_as_timet_with_zone(start, zone), at);
        at += minutes[n] * 60;
        assert_int_equal(icaltime_as_timet_with_zone(end, zone), at);
    }
    assert_int_equal(n, 5);
    /* The record's time of the last event stamps each event: the same log,
     * the same file. */
    assert_non_null(strstr(ics, "DTSTAMP:20220331T123000Z\r\n"));
    icalcomponent_free(cal);
    free(ics);
    /* A record without its agenda is refused, not half written. */
    json_object_del(rec, "agenda");
    assert_int_equal(gv_calendar_from_record(rec, &ics, &len, &err), GV_EINVAL);
    assert_null(ics);
    json_decref(rec);
    rfx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_event_per_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

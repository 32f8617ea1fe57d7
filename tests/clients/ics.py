"""Reads an iCalendar document on standard input with Python's `icalendar`
(an independent parser) and prints its events as one line of JSON:
uid, summary, start (ISO 8601 with its offset, or a date), the TZID of the
start, rrule, exdates, recurrence_id, sequence and the calendar's method."""

import json
import sys

import icalendar


def iso(value):
    return value.dt.isoformat() if value is not None else None


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.read())
    events = []
    for event in calendar.walk("VEVENT"):
        start = event.get("DTSTART")
        rrule = event.get("RRULE")
        exdates = []
        found = event.get("EXDATE")
        for group in (found if isinstance(found, list) else [found] if found is not None else []):
            exdates.extend(d.dt.isoformat() for d in group.dts)
        events.append({
            "uid": str(event.get("UID")),
            "summary": str(event.get("SUMMARY")),
            "start": iso(start),
            "end": iso(event.get("DTEND")),
            "tzid": start.params.get("TZID"),
            "rrule": rrule.to_ical().decode() if rrule is not None else None,
            "exdates": exdates,
            "recurrence_id": iso(event.get("RECURRENCE-ID")),
            "sequence": int(event.get("SEQUENCE", 0)),
        })
    print(json.dumps({"method": str(calendar.get("METHOD", "")), "events": events}))


if __name__ == "__main__":
    main()

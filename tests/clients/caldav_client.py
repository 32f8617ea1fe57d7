"""A CalDAV client for the calendar's tests: Python's `caldav` library, as
a calendar application uses it. Arguments: the server's URL, the person's
email, their app password, an action and its arguments; it prints one line
of JSON: {"ok": true, ...} or {"ok": false, "error": "...", "status": N}.

Actions:
  calendars                       the calendars found from the root URL
  create CALENDAR ICS             saves the event (an iCalendar text)
  list CALENDAR                   every event: uid, summary, start
  search CALENDAR START END       events in [START, END) (ISO 8601, UTC)
  delete CALENDAR UID             deletes the event with that UID
"""

import datetime
import json
import sys

import caldav
from caldav.lib import error


def find(principal, name):
    for calendar in principal.calendars():
        if calendar.get_display_name() == name:
            return calendar
    raise LookupError(f"no calendar named {name!r}")


def describe(event):
    component = event.icalendar_component
    start = component.get("DTSTART").dt
    return {
        "uid": str(component.get("UID")),
        "summary": str(component.get("SUMMARY")),
        "start": start.isoformat(),
        "url": str(event.url),
    }


def main():
    url, user, password, action, *args = sys.argv[1:]
    client = caldav.DAVClient(url=url, username=user, password=password)
    try:
        principal = client.principal()
        if action == "calendars":
            names = [c.get_display_name() for c in principal.calendars()]
            print(json.dumps({"ok": True, "calendars": names}))
        elif action == "create":
            event = find(principal, args[0]).save_event(args[1])
            print(json.dumps({"ok": True, "url": str(event.url)}))
        elif action == "list":
            events = [describe(e) for e in find(principal, args[0]).events()]
            print(json.dumps({"ok": True, "events": events}))
        elif action == "search":
            start = datetime.datetime.fromisoformat(args[1])
            end = datetime.datetime.fromisoformat(args[2])
            found = find(principal, args[0]).search(start=start, end=end, event=True, expand=False)
            print(json.dumps({"ok": True, "events": [describe(e) for e in found]}))
        elif action == "delete":
            find(principal, args[0]).event_by_uid(args[1]).delete()
            print(json.dumps({"ok": True}))
        else:
            raise ValueError(f"unknown action {action}")
    except error.DAVError as e:
        status = getattr(e, "status", None)
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}", "status": int(status) if str(status).isdigit() else 0}))
    except Exception as e:  # noqa: BLE001 - the test reads what went wrong
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}", "status": 0}))


if __name__ == "__main__":
    main()

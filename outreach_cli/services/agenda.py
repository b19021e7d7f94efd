"""agenda: the coming days of a seat, as `tick` would play them out (K2, C9)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import Clock
from ..errors import INVALID_INPUT, refuse
from ..repo import views as repo_views
from ..timeparse import from_text, get_zone, localize
from .common import acting_seat
from .tick import new_report, rehearse

MAX_DAYS = 366


def agenda(db, *, seat_name: str | None, days, clock: Clock) -> list[dict]:
    """One entry per local day of the seat, from today: the initials and follow-ups due that count against
    the daily limit, the limit, how many of them K2 would cancel, how many would be canceled for another
    reason (a response, an initial not sent, a restricted seat, an unavailable candidate), and whether the
    seat's monthly refresh (C9) falls that day. The decisions are the tick's own: a tick up to the last
    day's end, in a transaction that is rolled back (as `tick --dry-run`)."""
    try:
        count = int(str(days).strip())
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_DAYS:
        raise refuse(INVALID_INPUT, f"--days must be a whole number from 1 to {MAX_DAYS}, not {days!r}.")
    seat = acting_seat(db, seat_name)
    now = clock.now()
    zone = get_zone(seat["timezone"])
    today = now.astimezone(zone).date()
    dates = [today + timedelta(days=i) for i in range(count)]
    end_day = dates[-1] + timedelta(days=1)
    end, _ = localize(datetime(end_day.year, end_day.month, end_day.day), zone)
    entries = {
        d: {
            "seat": seat["name"],
            "timezone": seat["timezone"],
            "date": d.isoformat(),
            "initials": 0,
            "followups": 0,
            "daily_limit": seat["daily_limit"],
            "over_limit": 0,
            "refresh": False,
            "canceled_other": 0,
            "moved": [],
        }
        for d in dates
    }
    report = new_report(now, end, dry_run=True)
    handled: list = []
    own: set = set()

    def inspect(d):
        ids = report["sent"] + [item["id"] for item in report["canceled"]]
        handled.extend(repo_views.handled_messages(d, seat["id"], ids))
        moved_ids = list({item["id"] for item in report.get("moved", ())})
        own.update(row["id"] for row in repo_views.handled_messages(d, seat["id"], moved_ids))

    rehearse(db, clock, end, report, inspect, future=True)
    for row in handled:
        day = max(from_text(row["at"]).astimezone(zone).date(), today)  # overdue work goes at the next tick
        entry = entries.get(day)
        if entry is None:
            continue
        if row["status"] == "canceled" and row["cancel_reason"] != "daily_limit":
            entry["canceled_other"] += 1  # would not go for another reason (F4, F5, K3, K4, L6)
            continue
        entry["initials" if row["kind"] == "initial" else "followups"] += 1
        if row["cancel_reason"] == "daily_limit":
            entry["over_limit"] += 1
    for move in report.get("moved", ()):  # W7: each move W4-W5 would make, on the day the message would have gone
        entry = entries.get(max(from_text(move["from"]).astimezone(zone).date(), today))
        if move["id"] in own and entry is not None:
            entry["moved"].append(move)
    for refresh in report["refreshes"]:
        if refresh["seat"] == seat["name"]:
            day = from_text(refresh["at"]).astimezone(zone).date()
            if day in entries:
                entries[day]["refresh"] = True
    return [entries[d] for d in dates]

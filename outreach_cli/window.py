"""Send windows (W1, W2): the window text, and the next opening of a window in a recipient's zone.

Pure logic: no database, no clock. A window is a set of weekly intervals of local wall time; a moment is
placed by reading each candidate day's opening and closing in the recipient's zone (S4: a local time that
does not exist moves forward by the gap, an ambiguous one is its first occurrence).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .errors import INVALID_INPUT, refuse

if TYPE_CHECKING:
    from .timeparse import Zone

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {d.lower(): i for i, d in enumerate(DAYS)}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
MIN_OPEN_MINUTES = 60  # W1: a window open less than one hour a week is refused
SEARCH_DAYS = 400  # holidays can close many days in a row; a year and a bit always finds an opening


class Window:
    """Per weekday (0 = Monday), the sorted, merged open intervals in minutes of the local day [start, end)."""

    __slots__ = ("text", "days")

    def __init__(self, text: str, days: list[list[tuple[int, int]]]):
        self.text, self.days = text, days

    @property
    def open_minutes(self) -> int:
        return sum(end - start for day in self.days for start, end in day)

    def is_open_local(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.days[local.weekday()])


def _bad(part: str, why: str):
    return refuse(
        INVALID_INPUT,
        f'The window part {part!r} {why}; write it like "Mon-Fri 08:30-17:30" or '
        '"Mon-Thu 09:00-12:00,14:00-17:00; Fri 09:00-12:00".',
    )


def _day(name: str, piece: str) -> int:
    word = name.strip().lower()
    for short, full in _FULL.items():
        if word in (short, full):
            return _DAY_INDEX[short]
    raise _bad(piece, "is not a weekday or a range of weekdays (Mon, Tue, ... Sun)")


def _weekdays(part: str, text: str) -> list[int]:
    out: list[int] = []
    for piece in text.split(","):
        ends = piece.split("-")
        if not piece.strip() or len(ends) > 2:
            raise _bad(piece.strip() or part, "is not a weekday or a range of weekdays (Mon, Tue, ... Sun)")
        first, last = _day(ends[0], piece.strip()), _day(ends[-1], piece.strip())
        if last < first:
            raise _bad(piece.strip(), "runs backwards; write the days from Monday to Sunday (Sat-Sun, not Sun-Sat)")
        out.extend(range(first, last + 1))
    return out


_FULL = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


def _hours(piece: str) -> tuple[int, int]:
    match = _HOURS.match(piece.strip())
    if not match:
        raise _bad(piece.strip(), "is not a range of hours HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise _bad(piece.strip(), "is not a time of day (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise _bad(piece.strip(), "ends before it starts (a range cannot cross midnight; split it in two days)")
    return start, end


def parse_window(text: str) -> Window:
    """W1: `"Mon-Fri 08:30-17:30"`, several ranges and parts allowed (`;` between parts, `,` between hours).
    A refusal (`invalid_input`) names the part that is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise refuse(INVALID_INPUT, 'The window is empty; write it like "Mon-Fri 08:30-17:30", or use --no-window.')
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    parts = []
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            raise _bad(part, "is empty (two `;` in a row or one at the end)")
        head, _, rest = part.partition(" ")
        if not rest.strip():
            raise _bad(part, "needs weekdays and hours")
        weekdays = _weekdays(part, head)
        ranges = [_hours(p) for p in rest.split(",")]
        for day in weekdays:
            days[day].extend(ranges)
        parts.append(f"{head} {','.join(f'{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}' for s, e in ranges)}")
    merged = [_merge(d) for d in days]
    window = Window("; ".join(parts), merged)
    if window.open_minutes < MIN_OPEN_MINUTES:
        raise refuse(
            INVALID_INPUT,
            f"The window {raw!r} is open {window.open_minutes} minutes a week; a window "
            "must be open at least one hour a week.",
        )
    return window


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


_PARSED: dict[str, Window] = {}


def window_of(text: str | None) -> Window | None:
    """The stored window text of a seat, parsed once per process."""
    if not text:
        return None
    if text not in _PARSED:
        _PARSED[text] = parse_window(text)
    return _PARSED[text]


_AT: dict = {}


def _at(day: date, minute: int, zone) -> datetime:
    """The instant of a local wall time (S4), remembered: a bulk reads the same few openings again and again."""
    key = (day, minute, zone.zone)
    if key not in _AT:
        from .timeparse import localize

        if len(_AT) > 100_000:
            _AT.clear()
        naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
        _AT[key] = localize(naive, zone)[0]
    return _AT[key]


_OPENINGS: dict = {}
_OFFSETS: dict[tuple[str, int], timedelta] = {}
_HOUR = timedelta(hours=1)


def _openings(window: Window, day: date, zone) -> list:
    """The window's [opens, shuts) instants on one local day in `zone`, read once per (window, zone, day)."""
    key = (window.text, zone.zone, day)
    found = _OPENINGS.get(key)
    if found is None:
        if len(_OPENINGS) > 100_000:
            _OPENINGS.clear()
        found = _OPENINGS[key] = [
            (_at(day, start, zone), _at(day, end, zone)) for start, end in window.days[day.weekday()]
        ]
    return found


def _local(instant: datetime, zone: Zone) -> datetime:
    """`instant` (UTC) as a wall time of `zone` (its date, weekday, hour and minute). The zone's offset is read
    once per UTC hour and kept, unless the offset changes inside that hour (then it is read for the instant)."""
    hour = int(instant.timestamp()) // 3600
    key = (zone.zone, hour)
    offset = _OFFSETS.get(key)
    if offset is None:
        start = datetime.fromtimestamp(hour * 3600, instant.tzinfo)
        offset = start.astimezone(zone).utcoffset()
        if offset is None or (start + _HOUR - timedelta(microseconds=1)).astimezone(zone).utcoffset() != offset:
            return instant.astimezone(zone)  # a change of offset inside this hour: exact, not kept
        if len(_OFFSETS) > 100_000:
            _OFFSETS.clear()
        _OFFSETS[key] = offset
    return instant + offset


def _ahead(window: Window, zone, closed, local_day: date) -> list:
    """The [opens, shuts) instants that can hold the next opening of an instant on `local_day`: those of the day
    before (a late range can hold it), of the day itself, and of the first later day that is open; read once per
    (window, zone, calendar, day)."""
    key = (window.text, zone.zone, closed, local_day)
    found = _AHEAD.get(key)
    if found is not None:
        return found
    found = []
    day, one = local_day - timedelta(days=1), timedelta(days=1)
    for offset in range(-1, SEARCH_DAYS):
        if window.days[day.weekday()] and (closed is None or not closed(day)):
            found.extend(_openings(window, day, zone))
            if offset > 0:
                break
        day += one
    if len(_AHEAD) > 100_000:
        _AHEAD.clear()
    _AHEAD[key] = found
    return found


_AHEAD: dict = {}


def next_opening(window: Window, instant: datetime, zone, closed=None) -> datetime:
    """The earliest instant at or after `instant` (UTC) at which `window` is open in `zone` on a day that
    `closed(local_date)` does not close (W3). An instant inside the window is returned as it is."""
    local = _local(instant, zone)
    local_day = local.date()
    if window.is_open_local(local) and (closed is None or not closed(local_day)):
        return instant  # the common case: one conversion, no wall time read back
    for opens, shuts in _ahead(window, zone, closed, local_day):
        if instant < shuts:
            return max(instant, opens)
    raise refuse(INVALID_INPUT, f"The window {window.text!r} has no opening in the next {SEARCH_DAYS} days.")


def place(
    window: Window | None, instant: datetime, zone, closed=None, limit: datetime | None = None
) -> tuple[datetime, str | None]:
    """W2: a moment the tool picked, moved to the window's next opening; returns (moment, reason) where reason
    is None (kept), 'window' or 'holiday'. With `limit` (F2's 28 days for a follow-up) it never goes later."""
    if window is None:
        return instant, None
    placed = next_opening(window, instant, zone, closed)
    if placed == instant:
        return instant, None
    reason = "window"
    if closed is not None and next_opening(window, instant, zone) != placed:
        reason = "holiday"
    if limit is not None and placed > limit:
        return limit, reason
    return placed, reason


def is_open(window: Window | None, instant: datetime, zone, closed=None) -> bool:
    if window is None:
        return True
    local = _local(instant, zone)
    if closed is not None and closed(local.date()):
        return False
    return next_opening(window, instant, zone) == instant

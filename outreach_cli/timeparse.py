"""The one module that owns time: zones, `--at` parsing, DST, durations, UTC text.

Instants are aware UTC datetimes in memory and `YYYY-MM-DDTHH:MM:SSZ` text in the database.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import overload

from .errors import INVALID_TIME, UNKNOWN_TIMEZONE, refuse

UTC = UTC
_DURATION = re.compile(r"^(?:(\d{1,9})w)?(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?$")
# L1: every instant accepted or reached lies in these bounds, and a duration is at most 10 years.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
LONGEST = timedelta(days=3653)
# L3: the only written zone names read inside a time; they mean offset 0. Anything else needs --tz.
_ZERO_OFFSET_NAMES = {"UTC", "GMT", "Z", "UT"}
_NAMED_OFFSET = re.compile(r"(?i)\b(?:UTC|GMT|UT)\s*[+-]\s*\d")


def check_instant(instant: datetime, what: str = "time") -> datetime:
    """L1: refuse an instant outside 1970-01-01..2999-12-31 UTC (the one bound every command gets)."""
    if not EARLIEST <= instant <= LATEST:
        raise refuse(
            INVALID_TIME,
            f"The {what} {instant.isoformat(timespec='minutes')} is outside the years outreach handles "
            "(1970-01-01 to 2999-12-31 UTC).",
        )
    return instant


def check_wall_time(moment: datetime) -> datetime:
    """L1 for a local wall time not yet tied to a zone (a template's time): its year must be in bounds."""
    if not EARLIEST.year <= moment.year <= LATEST.year:
        raise refuse(
            INVALID_TIME, f"The time {moment:%Y-%m-%d %H:%M} is outside the years outreach handles (1970 to 2999)."
        )
    return moment


def shift(instant: datetime, delta: timedelta, what: str = "time") -> datetime:
    """`instant + delta`, refused (L1) instead of overflowing or leaving the bounds."""
    try:
        moved = instant + delta
    except OverflowError:
        raise refuse(
            INVALID_TIME, f"The {what} would be after 2999-12-31 UTC, which outreach does not handle."
        ) from None
    return check_instant(moved, what)


def to_text(instant: datetime) -> str:
    """UTC text for storage and JSON."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@overload
def from_text(text: str) -> datetime: ...
@overload
def from_text(text: None) -> None: ...
@overload
def from_text(text: str | None) -> datetime | None: ...
def from_text(text: str | None) -> datetime | None:
    """The instant of a stored `...Z` text (fromisoformat reads the Z as UTC, and is fast)."""
    if text is None:
        return None
    return datetime.fromisoformat(text)


_ZONES: dict = {}


def get_zone(name: str):
    """A pytz zone by IANA name; unknown names are refused with a close match."""
    if not name or not name.strip():
        raise refuse(UNKNOWN_TIMEZONE, "A time zone is required; use an IANA name such as Europe/Paris.")
    zone = _ZONES.get(name) or _load_zone(name)
    if zone is not None:
        return zone
    import pytz

    try:
        return pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError, AttributeError, UnicodeError):
        pass
    import difflib

    by_lower = {z.lower(): z for z in pytz.all_timezones}
    if name.lower() in by_lower:
        return pytz.timezone(by_lower[name.lower()])
    close = difflib.get_close_matches(name.lower(), by_lower.keys(), n=1, cutoff=0.6)
    hint = f" Did you mean {by_lower[close[0]]}?" if close else " Use an IANA name such as Europe/Paris."
    raise refuse(UNKNOWN_TIMEZONE, f"Unknown time zone {name!r}.{hint}")


def _load_zone(name: str):
    """The one zone file, read directly. pytz.timezone() first builds its case-insensitive index of
    every zone, opening ~600 files (8 ms in each process); an exact name needs only its own file.
    Anything else (other spellings, unknown names) takes the slow path with its suggestions."""
    import pytz
    from pytz.tzfile import build_tzinfo

    if name.upper() == "UTC":
        return pytz.utc
    try:
        with pytz.open_resource(name) as resource:
            if resource.read(4) != b"TZif":  # pytz's data folder also holds zone.tab, tzdata.zi...
                return None
            resource.seek(0)
            zone = build_tzinfo(name, resource)
    except (OSError, ValueError, UnicodeError):
        return None
    _ZONES[name] = zone
    return zone


def check_zone(name: str | None) -> str | None:
    """Validate an optional zone name and return its canonical spelling."""
    if name is None or name == "":
        return None
    return get_zone(name).zone


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """`30m`, `2h`, `3d`, `1w` and combinations such as `1d12h` (K6, F2)."""
    match = _DURATION.match(text.strip().lower()) if text else None
    if not match or not any(match.groups()):
        raise refuse(INVALID_TIME, f"Cannot read the {what} {text!r}; write it like 30m, 2h, 3d, 1w or 1d12h.")
    weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
    try:
        delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    except OverflowError:  # more days than a timedelta holds: far past the limit anyway
        delta = None
    if delta is None or delta > LONGEST:
        raise refuse(INVALID_TIME, f"The {what} {text!r} is longer than 10 years, the most outreach accepts.")
    return delta


def localize(naive: datetime, zone) -> tuple[datetime, str | None]:
    """Read a wall time in `zone` (S4): a gap moves forward by its length, a fold takes
    its first occurrence. Returns the UTC instant and a warning, if any."""
    import pytz

    if not 1 < naive.year < 9999:
        check_instant(naive.replace(tzinfo=UTC))  # refuses before pytz can overflow at year 1 or 9999
    try:
        return zone.localize(naive, is_dst=None).astimezone(UTC), None
    except pytz.AmbiguousTimeError:
        first = min(zone.localize(naive, is_dst=flag).astimezone(UTC) for flag in (True, False))
        return first, None
    except pytz.NonExistentTimeError:
        # Reading the wall time with the offset in force before the gap moves it forward
        # by exactly the gap; that is the later of the two readings.
        instant = max(zone.localize(naive, is_dst=flag).astimezone(UTC) for flag in (True, False))
        moved = instant.astimezone(zone).replace(tzinfo=None)
        warning = (
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.zone} (clocks move forward); "
            f"it was moved to {moved:%H:%M}."
        )
        return instant, warning


def parse_when(text: str, zone, now: datetime) -> tuple[datetime, str | None]:
    """Parse `--at`/`--to` (S3): ISO 8601, written dates, or `+2h` from now.
    A naive time is read in `zone`; an explicit offset is that instant."""
    raw = (text or "").strip()
    if raw.startswith("+"):
        return shift(now, parse_duration(raw[1:], "offset")), None
    parsed = _parse_datetime(raw, zone, now)
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        try:
            instant = parsed.astimezone(UTC)
        except (OverflowError, ValueError):  # an offset that pushes year 1 or 9999 out of range
            raise refuse(
                INVALID_TIME, f"The time {raw!r} is outside the years outreach handles (1970-01-01 to 2999-12-31 UTC)."
            ) from None
        return check_instant(instant), None
    instant, warning = localize(parsed.replace(tzinfo=None), zone)
    return check_instant(instant), warning


def _parse_datetime(raw: str, zone, now: datetime) -> datetime:
    if not raw:
        raise refuse(INVALID_TIME, "A time is required, for example 2026-12-01T09:00 or +2h.")
    return parse_datetime(raw, now.astimezone(zone).replace(tzinfo=None))


def parse_datetime(raw: str, today: datetime) -> datetime:
    """A date and time as written: ISO 8601 first (fast, exact), else through dateutil (parse_written), whose
    missing parts come from `today`'s date at midnight. Naive unless the text names an offset."""
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    return parse_written(raw, today.replace(hour=0, minute=0, second=0, microsecond=0))


# The zone a written abbreviation most often means, only to suggest a --tz in a refusal (never to read one).
_ZONE_FOR_ABBREVIATION = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "EET": "Europe/Athens",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}


def parse_written(raw: str, default: datetime) -> datetime:
    """A written date through dateutil (S3), with L3's rule for zones inside the text: a numeric offset
    (or Z/UTC/GMT) is honoured, any other name or abbreviation is refused, never dropped."""
    from dateutil import parser

    if _NAMED_OFFSET.search(raw):  # dateutil reads "GMT+3" the POSIX way, as UTC-3: never what is meant
        raise refuse(
            INVALID_TIME,
            f"{raw!r} mixes a zone name and an offset, which is read two opposite ways; "
            "write the offset alone (+03:00), or choose the zone with --tz.",
        )

    def zone_in_text(name, offset):
        if name is None or (name.upper() in _ZERO_OFFSET_NAMES and not offset):
            if offset is None:
                return None
            if not -86400 < offset < 86400:
                raise refuse(INVALID_TIME, f"The offset in {raw!r} is not a real UTC offset (at most 24 hours).")
            return offset
        example = _ZONE_FOR_ABBREVIATION.get(name.upper(), "America/New_York")
        raise refuse(
            INVALID_TIME,
            f"The zone {name!r} in {raw!r} is not read by outreach (abbreviations are "
            "ambiguous); write a numeric offset such as -05:00, or leave it out and "
            f"choose the zone with --tz (e.g. --tz {example}).",
        )

    try:
        return parser.parse(raw, default=default, tzinfos=zone_in_text)
    except (ValueError, OverflowError, parser.ParserError, TypeError):
        raise refuse(
            INVALID_TIME, f"Cannot read the time {raw!r}; write it like 2026-12-01T09:00, 'Dec 1 2026 9am' or +2h."
        ) from None


def local_text(instant: datetime | None, zone_name: str | None) -> str:
    """A wall time with its zone abbreviation, for human output."""
    if instant is None:
        return "-"
    if not zone_name:
        return instant.strftime("%Y-%m-%d %H:%M UTC")
    local = instant.astimezone(get_zone(zone_name))
    return local.strftime("%Y-%m-%d %H:%M %Z")


def hours_text(hours: int) -> str:
    days, rest = divmod(hours, 24)
    return (f"{days}d" if days else "") + (f"{rest}h" if rest or not days else "")

"""Where the tool places the moments it picks (W2, W3): a seat's window, in the recipient's zone, with the
public holidays of the candidate's country when the seat has --holidays. The pure parts are window.py; this
joins them to a seat's and a candidate's rows. The holidays package is imported only when a seat with
--holidays actually places a message."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ..timeparse import get_zone
from ..window import Window, place, window_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from .tick.report import TickReport

FOLLOWUP_MAX = timedelta(days=28)  # F2: a follow-up never moves past 28 days after its initial


def find_zone_country(zone_name: str | None) -> str | None:
    """W3: the country tzdata's zone.tab gives a zone (pytz.country_timezones), else None."""
    if not zone_name:
        return None
    return _zone_countries().get(zone_name)


@functools.cache  # read once per process
def _zone_countries() -> dict:
    """Zone -> country from pytz's zone.tab; reading that file takes about 25 ms, so the map is kept in the user's
    cache directory too (per version of pytz)."""
    import pytz

    path = _cache_path("zones", pytz.__version__, "zone-countries.json")
    found = _read_cache(path)
    if isinstance(found, dict):
        return found
    found = {zone: code for code, zones in pytz.country_timezones.items() for zone in zones}
    _write_cache(path, found)
    return found


def _cache_path(*parts: str) -> str:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "outreach", *parts)


def _read_cache(path: str | None):
    """The JSON kept at `path`, or _UNREAD when it is not there (or not readable)."""
    if path is None:
        return _UNREAD
    import json

    try:
        with open(path, encoding="utf-8") as cached:
            return json.load(cached)
    except (OSError, ValueError):
        return _UNREAD


def _write_cache(path: str | None, value) -> None:
    """Write whole or not at all (a temporary file renamed over it): a reader never sees half a file. A cache
    that cannot be written is only slower."""
    if path is None:
        return
    import json
    import os

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(value, out)
        os.replace(temporary, path)
    except OSError:
        pass


_CALENDARS: dict = {}
_UNREAD = object()
_YEARS: dict = {}  # (country, year) -> frozenset of the year's holidays, or None when the package has no calendar


def holiday_calendar(country: str):
    """The `holidays` package's calendar for `GB` or `US-CA` (country with a subdivision), or None when the
    package knows no such country."""
    if country not in _CALENDARS:
        import holidays

        code, _, subdivision = country.upper().partition("-")
        try:
            _CALENDARS[country] = holidays.country_holidays(code, subdiv=subdivision or None)
        except (NotImplementedError, KeyError, ValueError):
            _CALENDARS[country] = None
    return _CALENDARS[country]


def holiday_days(country: str, year: int) -> frozenset | None:
    """The public holidays of `country` in `year`, as dates; None when the package has no calendar of it. Read
    once per process, and kept between processes in the user's cache directory (one small file per country, year
    and version of the package), so a cron tick does not import the package and build its calendars every time:
    that costs about 0.2 s, more than placing 100,000 messages."""
    key = (country, year)
    if key not in _YEARS:
        _YEARS[key] = _cached_year(country, year)
    return _YEARS[key]


_PACKAGE: list = []  # the holidays package's version, read once (None: not installed)


def _package_version() -> str | None:
    """The installed holidays package's version, from the name of its `holidays-VERSION.dist-info` folder, without
    importing it (importlib.metadata costs about 70 ms in a large environment); None when it cannot be told (then
    nothing is cached)."""
    if not _PACKAGE:
        import importlib.util
        import os

        spec = importlib.util.find_spec("holidays")
        found = None
        if spec is not None and spec.origin:
            site = os.path.dirname(os.path.dirname(spec.origin))
            try:
                names = [n for n in os.listdir(site) if n.startswith("holidays-") and n.endswith(".dist-info")]
            except OSError:
                names = []
            if len(names) == 1:
                found = names[0][len("holidays-") : -len(".dist-info")]
        _PACKAGE.append(found)
    return _PACKAGE[0]


def _cached_year(country: str, year: int) -> frozenset | None:
    version = _package_version()
    path = None if version is None else _cache_path("holidays", version, f"{country}-{year}.json")
    days = _read_cache(path)
    if days is None or isinstance(days, list):
        try:
            return None if days is None else frozenset(date.fromisoformat(day) for day in days)
        except (TypeError, ValueError):
            pass  # unreadable: build it again
    days = _year_of(country, year)
    _write_cache(path, None if days is None else [day.isoformat() for day in days])
    return None if days is None else frozenset(days)


def _year_of(country: str, year: int) -> list | None:
    """The package's holidays of one year (its calendar fills a year when a date of it is first asked for)."""
    calendar = holiday_calendar(country)
    if calendar is None:
        return None
    for near in (year - 1, year, year + 1):  # an observed day can fall in the year next to its holiday's
        date(near, 1, 1) in calendar  # noqa: B015 - fills that year
    return sorted(day for day in calendar if day.year == year)


class Placer:
    """One seat's placement rules (W1-W3)."""

    def __init__(self, seat) -> None:
        self.window: Window | None = window_of(seat["send_window"])
        self.holidays = bool(seat["holidays"])
        self.seat_zone = seat["timezone"]
        self.text = seat["send_window"]
        self._closed: dict = {}
        self._placed: dict = {}  # (instant, zone, country, limit) -> (moment, reason): a bulk asks the same few
        self._followups: dict = {}  # (zone, country) -> FollowupPlace

    def zone_name(self, candidate_timezone: str | None) -> str:
        return candidate_timezone or self.seat_zone  # W1: the recipient's zone, else the seat's

    def closed(self, candidate_timezone, candidate_country):
        if not self.holidays:
            return None
        key = (candidate_timezone, candidate_country)
        if key not in self._closed:
            self._closed[key] = self._calendar(candidate_timezone, candidate_country)
        return self._closed[key]

    def _calendar(self, candidate_timezone: str | None, candidate_country: str | None) -> Callable[[date], bool] | None:
        country = candidate_country or find_zone_country(self.zone_name(candidate_timezone))
        if not country:
            return None
        years: dict = {}

        def closed(day: date) -> bool:  # a set per year, read from the cache (holiday_days), not the package's lookup
            days = years.get(day.year, _UNREAD)
            if days is _UNREAD:
                days = years[day.year] = holiday_days(country, day.year)
            return days is not None and day in days

        return closed

    def place(
        self, instant: datetime, candidate_timezone, candidate_country, limit: datetime | None = None
    ) -> tuple[datetime, str | None]:
        """The moment moved to the window's next opening (W2), with the reason ('window', 'holiday') or None."""
        if self.window is None:
            return instant, None
        key = (instant, candidate_timezone, candidate_country, limit)
        placed = self._placed.get(key)
        if placed is None:  # pure: the same question gets the same answer for the life of the process
            zone = get_zone(self.zone_name(candidate_timezone))
            placed = place(self.window, instant, zone, self.closed(candidate_timezone, candidate_country), limit)
            if len(self._placed) >= 100_000:
                self._placed.clear()
            self._placed[key] = placed
        return placed

    def followup(self, candidate_timezone, candidate_country) -> FollowupPlace:
        key = (candidate_timezone, candidate_country)
        found = self._followups.get(key)
        if found is None:
            found = self._followups[key] = FollowupPlace(self, candidate_timezone, candidate_country)
        return found

    def is_open(self, instant, candidate_timezone, candidate_country) -> bool:
        return self.place(instant, candidate_timezone, candidate_country)[1] is None


_PLACERS: dict = {}


def placer_of(seat) -> Placer | None:
    """The seat's placer, or None when it has no window (the common case costs one dict lookup)."""
    if not seat["send_window"]:
        return None
    key = (seat["id"], seat["send_window"], seat["holidays"], seat["timezone"])
    if key not in _PLACERS:
        _PLACERS[key] = Placer(seat)
    return _PLACERS[key]


class FollowupPlace:
    """For decision.moved_followup (F3 with W2): places a follow-up's due moment, bounded by F2's 28 days after
    the initial was sent. `move` keeps the last placement that changed the moment, (from, to, reason), so the
    tick can report it (W7)."""

    __slots__ = ("placer", "timezone", "country", "move")

    def __init__(self, placer: Placer, candidate_timezone, candidate_country):
        self.placer, self.timezone, self.country = placer, candidate_timezone, candidate_country
        self.move: tuple[datetime, datetime, str] | None = None

    def __call__(self, moment: datetime, sent: datetime) -> datetime:
        placed, reason = self.placer.place(moment, self.timezone, self.country, sent + FOLLOWUP_MAX)
        self.move = (moment, placed, reason) if reason is not None else None
        return placed

    def report(self, report: TickReport, message_id: int, moved_text: str | None) -> None:
        """W7: the follow-up's move by the window, in the tick report's `moved`, when F3 rewrote its time."""
        if moved_text is not None and self.move is not None:
            from ..timeparse import to_text

            report.setdefault("moved", []).append(
                {"id": message_id, "from": to_text(self.move[0]), "to": moved_text, "reason": self.move[2]}
            )


def followup_place(seat, candidate_timezone, candidate_country) -> FollowupPlace | None:
    """The follow-up placement of a seat with a window; None when it has none."""
    placer = placer_of(seat)
    if placer is None:
        return None
    return placer.followup(candidate_timezone, candidate_country)


def place_retry(db, seat, claim_row, retry_text: str, report: TickReport) -> str:
    """W2 for a D5 retry: a retry_at outside the seat's window (or on a holiday) moves to the next opening,
    and the move is reported (W7). A follow-up's retry is not moved past F2's 28 days after its initial went
    (unless the retry itself is already later). D5's 24-hour give-up is judged at the attempt, so a retry the
    window puts past it is still attempted at the opening (decision.settle)."""
    placer = placer_of(seat)
    if placer is None:
        return retry_text
    from ..timeparse import from_text, to_text

    instant = from_text(retry_text)
    limit = None
    if claim_row["kind"] == "followup":
        from .. import repo

        initial = repo.find_initial_of(db, claim_row["thread_id"])
        if initial["sent_at_utc"]:
            limit = max(instant, from_text(initial["sent_at_utc"]) + FOLLOWUP_MAX)
    placed, reason = placer.place(instant, claim_row["candidate_timezone"], claim_row["candidate_country"], limit)
    if reason is None or placed == instant:
        return retry_text
    placed_text = to_text(placed)
    report.setdefault("moved", []).append(
        {"id": claim_row["id"], "from": retry_text, "to": placed_text, "reason": reason}
    )
    return placed_text


def place_message(db, message, instant: datetime) -> datetime:
    """W2 for one message the tool makes due again (`resolve --resend`, `replies reclassify`): the seat's window in
    the recipient's zone; a follow-up never past F2's 28 days after its initial went."""
    from .. import repo

    seat = repo.find_seat_by_id(db, message["seat_id"])
    placer = placer_of(seat)
    if placer is None:
        return instant
    candidate = repo.find_candidate_by_id(db, message["candidate_id"])
    limit = None
    if message["kind"] == "followup":
        initial = repo.find_initial_of(db, message["thread_id"])
        if initial["sent_at_utc"]:
            from ..timeparse import from_text

            limit = max(instant, from_text(initial["sent_at_utc"]) + FOLLOWUP_MAX)
    return placer.place(instant, candidate["timezone"], candidate["country"], limit)[0]

"""Where the tool places the moments it picks (W2, W3): a seat's window, in the recipient's zone, with the
public holidays of the candidate's country when the seat has --holidays. The pure parts are window.py; this
joins them to a seat's and a candidate's rows. The holidays package is imported only when a seat with
--holidays actually places a message."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..timeparse import get_zone
from ..window import Window, place, window_of

FOLLOWUP_MAX = timedelta(days=28)  # F2: a follow-up never moves past 28 days after its initial


def zone_country(zone_name: str | None) -> str | None:
    """W3: the country tzdata's zone.tab gives a zone (pytz.country_timezones), else None."""
    if not zone_name:
        return None
    import pytz
    global _ZONE_COUNTRY
    if _ZONE_COUNTRY is None:
        _ZONE_COUNTRY = {zone: code for code, zones in pytz.country_timezones.items() for zone in zones}
    return _ZONE_COUNTRY.get(zone_name)


_ZONE_COUNTRY: dict | None = None
_CALENDARS: dict = {}


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


class Placer:
    """One seat's placement rules (W1-W3)."""

    def __init__(self, seat):
        self.window: Window | None = window_of(seat["send_window"])
        self.holidays = bool(seat["holidays"])
        self.seat_zone = seat["timezone"]
        self.text = seat["send_window"]
        self._closed: dict = {}

    def zone_name(self, candidate_timezone: str | None) -> str:
        return candidate_timezone or self.seat_zone  # W1: the recipient's zone, else the seat's

    def closed(self, candidate_timezone, candidate_country):
        if not self.holidays:
            return None
        key = (candidate_timezone, candidate_country)
        if key not in self._closed:
            self._closed[key] = self._calendar(candidate_timezone, candidate_country)
        return self._closed[key]

    def _calendar(self, candidate_timezone, candidate_country):
        country = candidate_country or zone_country(self.zone_name(candidate_timezone))
        if not country:
            return None
        calendar = holiday_calendar(country)
        if calendar is None:
            return None
        days: dict = {}

        def closed(day) -> bool:  # the package's lookup is slow next to a dict's; a tick asks for few days
            if day not in days:
                days[day] = day in calendar
            return days[day]
        return closed

    def place(self, instant: datetime, candidate_timezone, candidate_country, limit: datetime | None = None
              ) -> tuple[datetime, str | None]:
        """The moment moved to the window's next opening (W2), with the reason ('window', 'holiday') or None."""
        if self.window is None:
            return instant, None
        zone = get_zone(self.zone_name(candidate_timezone))
        return place(self.window, instant, zone, self.closed(candidate_timezone, candidate_country), limit)

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


def followup_place(seat, candidate_timezone, candidate_country):
    """For decision.moved_followup (F3 with W2): places a follow-up's due moment, bounded by F2's 28 days
    after the initial was sent; None when the seat has no window."""
    placer = placer_of(seat)
    if placer is None:
        return None

    def placed(moment: datetime, sent: datetime) -> datetime:
        return placer.place(moment, candidate_timezone, candidate_country, sent + FOLLOWUP_MAX)[0]
    return placed


def place_message(db, message, instant: datetime) -> datetime:
    """W2 for one message the tool makes due again (`resolve --resend`, `replies reclassify`): the seat's window in
    the recipient's zone; a follow-up never past F2's 28 days after its initial went."""
    from .. import repo
    seat = repo.seat_by_id(db, message["seat_id"])
    placer = placer_of(seat)
    if placer is None:
        return instant
    candidate = repo.candidate_by_id(db, message["candidate_id"])
    limit = None
    if message["kind"] == "followup":
        initial = repo.initial_of(db, message["thread_id"])
        if initial["sent_at_utc"]:
            from ..timeparse import from_text
            limit = max(instant, from_text(initial["sent_at_utc"]) + FOLLOWUP_MAX)
    return placer.place(instant, candidate["timezone"], candidate["country"], limit)[0]

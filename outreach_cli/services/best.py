"""`--at best` and `stats --by hour` (W6): the seat's own history, read once, and the best slot per recipient."""

from __future__ import annotations

import json
from datetime import timedelta

from ..besttime import Rates, best_moment
from ..repo import views as repo_views
from ..timeparse import from_text, get_zone
from ..window import DAYS
from .placement import placer_of

ANSWER_WITHIN = timedelta(days=30)  # R3


def seat_rates(db, seat) -> Rates:
    """R3 by slot: each sent initial counts at the local weekday and hour (the candidate's zone, else the seat's)
    of its sent_at; it is answered when its thread has a response within 30 days of it."""
    zones: dict = {}
    rows = []
    for row in repo_views.initial_history(db, seat["id"]):
        name = row["timezone"] or seat["timezone"]
        if name not in zones:
            zones[name] = get_zone(name)
        sent = from_text(row["sent_at_utc"])
        local = sent.astimezone(zones[name])
        answered = row["response_utc"] is not None and from_text(row["response_utc"]) - sent <= ANSWER_WITHIN
        rows.append((local.weekday(), local.hour, answered))
    return Rates(rows)


class BestTime:
    """The TimeChoice of `--at best`: per recipient, the next opening of the seat's best slot in their zone.
    Recipients that share a zone and a country share the answer (a bulk of 10,000 computes it a few times)."""

    def __init__(self, db, seat, now) -> None:
        self.seat, self.now = seat, now
        self.rates = seat_rates(db, seat)
        self.placer = placer_of(seat)
        self.warnings: list[str] = []
        self.outside = 0
        self._cache: dict = {}

    def picked(self, zone_name: str) -> bool:
        return False  # already an opening of the window

    def choose(self, candidate):
        key = (candidate["timezone"], candidate["country"])
        if key not in self._cache:
            zone_name = candidate["timezone"] or self.seat["timezone"]
            zone = get_zone(zone_name)
            placer = self.placer
            if placer is None:
                opening = lambda instant: instant  # noqa: E731 - no window: every moment is an opening
            else:
                opening = lambda instant: placer.place(instant, candidate["timezone"], candidate["country"])[0]  # noqa: E731
            instant, figures = best_moment(self.rates, self.now, zone, opening)
            self._cache[key] = (instant, zone_name, json.dumps(figures))
        return self._cache[key]

    def for_candidate(self, candidate):
        instant, zone_name, _figures = self.choose(candidate)
        return instant, zone_name, "best"

    def best_text(self, candidate):
        return self.choose(candidate)[2]


def by_hour(db, seat) -> dict:
    """`stats --by hour`: the seat's sent initials, answers and smoothed rate per local weekday and hour."""
    rates = seat_rates(db, seat)
    slots = [rates.figures(day, hour) for day in range(7) for hour in range(24)]
    return {
        "seat": seat["name"],
        "sent": rates.total,
        "responses": sum(rates.answered.values()),
        "overall_rate": round(rates.overall, 4),
        "slots": slots,
        "days": list(DAYS),
    }


def stats_by_hour(db, *, seat_name: str | None) -> dict:
    from .common import acting_seat

    return by_hour(db, acting_seat(db, seat_name))

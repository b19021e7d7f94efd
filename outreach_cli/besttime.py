"""Best time (W6): response rates by local weekday and hour, smoothed toward the seat's overall rate, and the
next opening of the best slot. Pure logic: the history comes in as (local weekday, local hour, answered) rows.

Smoothing (beta-binomial, empirical Bayes): with the seat's overall rate p0 = R / S over all its slots, a slot
with n initials sent and r answered within 30 days has the rate

    rate = (r + K * p0) / (n + K),  K = PRIOR_WEIGHT = 10

the mean of a Beta(K*p0, K*(1-p0)) prior updated with r of n. A slot with little history stays near p0, so two
answers out of two (a raw 100%) cannot beat a slot with a long, solid record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

PRIOR_WEIGHT = 10
DEFAULT_DAYS = (1, 2, 3)  # no history: Tuesday to Thursday ...
DEFAULT_HOURS = (9, 10)  # ... 09:00-11:00 local
HORIZON_HOURS = 14 * 24  # the best slot is looked for in the next two weeks (holidays may close a whole week)
LEAD = timedelta(hours=1)  # W6: at or after one hour from now


class Rates:
    """Per (weekday, hour): sent and answered; and the smoothed rate of each slot."""

    def __init__(self, rows) -> None:
        self.sent: dict[tuple[int, int], int] = {}
        self.answered: dict[tuple[int, int], int] = {}
        for weekday, hour, answered in rows:
            key = (weekday, hour)
            self.sent[key] = self.sent.get(key, 0) + 1
            self.answered[key] = self.answered.get(key, 0) + (1 if answered else 0)
        self.total = sum(self.sent.values())
        self.overall = sum(self.answered.values()) / self.total if self.total else 0.0

    def rate(self, weekday: int, hour: int) -> float:
        n, r = self.sent.get((weekday, hour), 0), self.answered.get((weekday, hour), 0)
        return (r + PRIOR_WEIGHT * self.overall) / (n + PRIOR_WEIGHT)

    def figures(self, weekday: int, hour: int) -> dict:
        from .window import DAYS

        return {
            "weekday": DAYS[weekday],
            "hour": hour,
            "sent": self.sent.get((weekday, hour), 0),
            "responses": self.answered.get((weekday, hour), 0),
            "rate": round(self.rate(weekday, hour), 4),
        }


def openings(now: datetime, zone, opening):
    """Each local hour of the horizon from one hour after `now`: (weekday, hour, first open instant in that
    hour). `opening(instant)` is the window's next opening (W1-W3), or the instant itself without a window."""
    from .timeparse import localize

    earliest = now + LEAD
    local = earliest.astimezone(zone).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    hour = timedelta(hours=1)
    end = localize(local, zone)[0]
    for step in range(HORIZON_HOURS):
        naive = local + step * hour
        start, end = end, localize(naive + hour, zone)[0]  # an hour's end is the next one's start: read once
        if end <= earliest or end <= start:
            continue  # before the lead, or a local hour that a spring-forward day skips
        moment = opening(max(start, earliest))
        if moment < end:
            yield naive.weekday(), naive.hour, moment


def best_moment(rates: Rates, now: datetime, zone, opening) -> tuple[datetime, dict]:
    """W6: the next opening of the slot with the best smoothed rate (ties: the earliest); with no history the
    next Tuesday-to-Thursday 09:00-11:00 local opening. Returns (instant, figures of its slot)."""
    best = None
    for weekday, hour, moment in openings(now, zone, opening):
        if not rates.total:
            if weekday in DEFAULT_DAYS and hour in DEFAULT_HOURS:
                return moment, rates.figures(weekday, hour)
            continue
        score = rates.rate(weekday, hour)
        if best is None or score > best[0]:
            best = (score, weekday, hour, moment)
    if best is None:  # no default slot in the horizon (a window that never opens then): the next opening
        moment = opening(now + LEAD)
        local = moment.astimezone(zone)
        return moment, rates.figures(local.weekday(), local.hour)
    return best[3], rates.figures(best[1], best[2])

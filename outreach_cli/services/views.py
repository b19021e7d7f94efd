"""inbox (V1), credits (C7, C10) and stats (R3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .. import repo
from ..clock import Clock
from ..errors import INVALID_INPUT, INVALID_TIME, refuse
from ..repo import views as repo_views
from ..shapes import draft as draft_shape
from ..shapes import ledger_row
from ..shapes import message as message_shape
from ..timeparse import from_text, get_zone, localize, parse_when, to_text
from .common import acting_seat, get_thread

FOLDERS = ("drafts",) + repo_views.MESSAGE_FOLDERS


def inbox(db, *, seat_name: str | None, folder: str = "scheduled") -> list[dict]:
    if folder not in FOLDERS:
        raise refuse(INVALID_INPUT, f"Unknown folder {folder!r}; use one of {', '.join(FOLDERS)}.")
    seat = acting_seat(db, seat_name)
    if folder == "drafts":
        rows = repo.drafts_of_seat(db, seat["id"])
        handles = repo.draft_recipient_handles(db, [r["id"] for r in rows])
        return [draft_shape(r, seat["name"], handles[r["id"]]) for r in rows]
    shapes = []
    for row in repo_views.folder_messages(db, seat["id"], folder):
        shape = message_shape(row)
        if folder == "attention" and row["status"] == "sent":  # I13: when the candidate had answered
            shape["answered_at"] = row["thread_response_utc"]
        shapes.append(shape)
    return shapes


def credits(db, *, seat_name: str | None, ledger: bool = False, contract: bool = False) -> dict:
    """The seat's balance and the pool; `ledger` adds the seat's rows, or with `contract` the pool's rows."""
    seat = acting_seat(db, seat_name)
    result: dict[str, Any] = {
        "seat": {
            "name": seat["name"],
            "balance": seat["balance"],
            "monthly_limit": seat["monthly_limit"],
            "used_this_period": seat["used_this_period"],
            "next_refresh": seat["next_refresh_utc"],
        },
        "contract": {"pool": repo.contract(db)["pool"]},
    }
    if contract:
        result["ledger"] = [ledger_row(r) for r in repo.contract_ledger_rows(db)]
        result["ledger_of"] = "contract"
    elif ledger:
        result["ledger"] = [ledger_row(r) for r in repo.ledger_rows(db, seat["id"])]
        result["ledger_of"] = "seat"
    return result


def _until(text: str, zone, now):
    """`--until` given as a date (YYYY-MM-DD) includes that whole day: the bound is the next local midnight."""
    from datetime import date

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return parse_when(text, zone, now)[0]
    return parse_when((day + timedelta(days=1)).isoformat(), zone, now)[0]


def stats(db, *, seat_name: str | None, since: str | None = None, until: str | None = None, clock: Clock) -> dict:
    """R3: response rate = messages answered within 30 days / messages sent, in the period."""
    seat = acting_seat(db, seat_name)
    since_text, until_text = _period_bounds(seat, since, until, clock)
    return {
        "seat": seat["name"],
        "since": since_text if since else None,
        "until": until_text if until else None,
        **_figures(db, seat, since_text, until_text),
    }


def stats_by(
    db, *, seat_name: str | None, by: str, since: str | None = None, until: str | None = None, clock: Clock
) -> list[dict]:
    """The figures of `stats` per week (from Monday) or calendar month, in the seat's zone, from the seat's
    first message or ledger row (or --since) to the clock's now (or --until)."""
    if by not in ("week", "month"):
        raise refuse(INVALID_INPUT, f"--by takes week, month or hour, not {by!r}.")
    seat = acting_seat(db, seat_name)
    since_text, until_text = _period_bounds(seat, since, until, clock)
    if not since:
        first = repo_views.first_charge_at(db, seat["id"])
        if first is None:
            return []
        since_text = first
    if not until:
        until_text = to_text(clock.now() + timedelta(seconds=1))
    zone = get_zone(seat["timezone"])
    periods: list[dict[str, Any]] = []
    start = _period_start(from_text(since_text), zone, by)
    while to_text(start) < until_text and len(periods) < 5000:
        end = _period_start(start + timedelta(days=32 if by == "month" else 7, hours=12), zone, by)
        period = {
            "seat": seat["name"],
            "period_start": to_text(start),
            "period_end": to_text(end),
            "first_day": start.astimezone(zone).date().isoformat(),
        }  # the local date the period starts
        period.update(_figures(db, seat, max(to_text(start), since_text), min(to_text(end), until_text)))
        periods.append(period)
        start = end
    return periods


def _period_start(moment, zone, by: str):
    """00:00 local on the Monday (week) or the 1st (month) on or before `moment`."""
    from datetime import datetime

    local = moment.astimezone(zone).date()
    day = local - timedelta(days=local.weekday()) if by == "week" else local.replace(day=1)
    return localize(datetime(day.year, day.month, day.day), zone)[0]


def _period_bounds(seat, since: str | None, until: str | None, clock: Clock) -> tuple[str, str]:
    now = clock.now()
    zone = get_zone(seat["timezone"])
    since_text = to_text(parse_when(since, zone, now)[0]) if since is not None else "0000"
    until_text = to_text(_until(until, zone, now)) if until is not None else "9999"
    if since_text >= until_text:  # a date for --until means its whole day, so --since that day still works
        raise refuse(INVALID_TIME, "--since must come before --until.")
    return since_text, until_text


def _figures(db, seat, since_text: str, until_text: str) -> dict:
    sent = repo_views.sent_counts(db, seat["id"], since_text, until_text)
    answered = repo_views.responses_to_sent(db, seat["id"], since_text, until_text)
    window = timedelta(days=30)
    within = [r for r in answered if from_text(r["response_utc"]) - from_text(r["sent_at_utc"]) <= window]
    money = repo_views.charges_and_refunds(db, seat["id"], since_text, until_text)
    total = sent["n"] or 0
    return {
        "sent": total,
        "sent_initial": sent["initial"] or 0,
        "sent_followup": sent["followup"] or 0,
        "responses": len(within),
        "accepted": sum(r["response_kind"] == "accept" for r in within),
        "declined": sum(r["response_kind"] == "decline" for r in within),
        "replied": sum(r["response_kind"] == "reply" for r in within),  # read from mail (I6)
        "response_rate": round(len(within) / total, 4) if total else 0.0,
        "credits_charged": money["charged"] or 0,
        "credits_refunded": money["refunded"] or 0,
    }


def thread(db, *, thread_id) -> dict:
    """`thread`: one thread, its messages and its response."""
    from ..shapes import thread as thread_shape

    row = get_thread(db, thread_id)
    return thread_shape(row, repo.thread_messages(db, row["id"]))

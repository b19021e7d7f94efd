"""Credit accounting (C1, C5-C10): every movement is one ledger row plus the balance it moves."""

from __future__ import annotations

import calendar
from datetime import datetime

from .. import repo
from ..errors import INSUFFICIENT_CREDITS, MONTHLY_LIMIT_REACHED, refuse
from ..repo import ledger as repo_ledger
from ..timeparse import get_zone, localize, to_text

CAP_MULTIPLE = 4


def _credits(count: int) -> str:
    return "1 credit" if count == 1 else f"{count} credits"


def payer(seat) -> str:
    """C7: with an admin monthly limit the seat pays from the contract pool."""
    return "contract" if seat["monthly_limit"] is not None else "seat"


def check_can_pay(db, seat, count: int) -> str:
    """Refuse unless the seat's account can pay for `count` messages now (C1, C7)."""
    account = payer(seat)
    if account == "contract":
        left = seat["monthly_limit"] - seat["used_this_period"]
        if count > left:
            raise refuse(
                MONTHLY_LIMIT_REACHED,
                f"This needs {_credits(count)} but seat {seat['name']} has {max(left, 0)} left of its admin "
                f"monthly limit of {seat['monthly_limit']}; wait for the refresh or ask the admin to raise it.",
            )
        pool = repo.contract(db)["pool"]
        if count > pool:
            raise refuse(
                INSUFFICIENT_CREDITS,
                f"This needs {_credits(count)} but the contract pool has {pool}; "
                "add credits with `outreach contract set --pool N`.",
            )
    elif count > seat["balance"]:
        raise refuse(
            INSUFFICIENT_CREDITS,
            f"This needs {_credits(count)} but seat {seat['name']} has {seat['balance']}; "
            "schedule fewer recipients or add credits.",
        )
    return account


def charge(db, seat, message_ids: list[int], at_text: str, mark: bool = True) -> None:
    """Charge one credit per message (C1), refusing unless the account can pay for all.
    `mark=False` when the caller inserted the messages already marked as charged."""
    account = check_can_pay(db, seat, len(message_ids))
    seat_id = seat["id"]
    repo.record_ledger(db, ((at_text, account, seat_id, -1, "charge", mid) for mid in message_ids))
    if mark:
        repo_ledger.mark_charged(db, account, message_ids)
    if account == "contract":
        repo_ledger.add_used(db, seat_id, len(message_ids))


def refund(db, message, at_text: str) -> int:
    """Return a message's credit to the account that paid it; at most once per charge (C10).
    Refunds to the pool do not reduce the seat's used count (C7)."""
    return refund_many(db, [message], at_text)


def refund_many(db, messages, at_text: str | None = None) -> int:
    """Refund every message still `charged` (rows or dicts with id, seat_id, paid_by, credit and, when
    `at_text` is None, an `at` of their own); one ledger row each, balances moved in one update per account."""
    due = [m for m in messages if m["credit"] == "charged"]
    if not due:
        return 0
    repo.record_ledger(db, ((at_text or m["at"], m["paid_by"], m["seat_id"], 1, "refund", m["id"]) for m in due))
    repo_ledger.mark_refunded(db, [m["id"] for m in due])
    return len(due)


def grant(db, seat_id: int | None, amount: int, at_text: str, reason: str = "grant") -> None:
    """A movement with no message: a grant, an allotment, an expiry or an adjustment (C9, C10)."""
    if amount:
        repo.record_ledger(db, [(at_text, "contract" if seat_id is None else "seat", seat_id, amount, reason, None)])


def allotment(contract_row, plan: str) -> int:
    return contract_row[f"allotment_{plan}"]


def next_refresh(day: int, zone_name: str, after: datetime, allotted_period: str | None = None) -> datetime:
    """The first refresh moment strictly after `after`: day `day` (clamped to the month's last day) at
    00:00 in the seat's zone (C9), in a monthly period (local `YYYY-MM`) later than the one whose allotment
    the seat already had (L5: moving the refresh day or the seat's zone never grants a period twice)."""
    zone = get_zone(zone_name)
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(4):
        last = calendar.monthrange(year, month)[1]
        moment, _warning = localize(datetime(year, month, min(day, last)), zone)
        if moment > after and f"{year:04d}-{month:02d}" > (allotted_period or ""):
            return moment
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("no refresh within four months")  # unreachable: a month always has a day


def period_of(moment: datetime, zone_name: str) -> str:
    """The monthly period (local `YYYY-MM`) a refresh moment belongs to."""
    return moment.astimezone(get_zone(zone_name)).strftime("%Y-%m")


def apply_refresh(db, seat, at: datetime) -> dict:
    """C9: allotment, admin count restart, cap at four allotments (the cut is an `expire` row)."""
    contract_row = repo.contract(db)
    amount = allotment(contract_row, seat["plan"])
    at_text = to_text(at)
    grant(db, seat["id"], amount, at_text, "allotment")
    balance = seat["balance"] + amount
    cap = CAP_MULTIPLE * amount
    expired = 0
    if balance > cap:
        expired = balance - cap
        if not db.balances_moved_by_database:  # P6: for a recruiter's role the database cut it with the allotment
            grant(db, seat["id"], -expired, at_text, "expire")
    period = period_of(at, seat["timezone"])
    following = next_refresh(contract_row["refresh_day"], seat["timezone"], at, period)
    repo.update_seat(db, seat["id"], used_this_period=0, next_refresh_utc=to_text(following), allotted_period=period)
    return {"seat": seat["name"], "at": at_text, "allotment": amount, "expired": expired}

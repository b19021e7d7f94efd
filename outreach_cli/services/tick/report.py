"""The tick's report: what `tick --json` prints (K1, K6, D8, W7, I15), built here and filled by every step.

`TickReport` is a TypedDict, not a dataclass: the report is a plain dict at run time, so
- its JSON is the dict itself, field for field and in the order the fields were added: the optional fields
  (`incoming`, `warnings`, `late_followups`, `moved`, `delivery_problems`) appear in the order the tick met
  them, which SPEC.md's output and the tests hold byte for byte, and which a dataclass's `to_json()` would have
  to rebuild by hand;
- the services that add to it (the mail read first, services/incoming.py; the catch-up, services/pace.py;
  the window's moves, services/placement.py; refunds, services/scheduling.py) and the agenda, which plays a
  rehearsal and reads it, keep writing `report["sent"]` and `report.setdefault("moved", [])` as they did,
  now checked by mypy against the fields below.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from ...timeparse import to_text


class Cancellation(TypedDict):
    id: int
    reason: str  # daily_limit, sender_restricted, responded, initial_not_sent, ... (C6)


class Failure(TypedDict):
    id: int
    failure: str  # the server's answer, or `bounced: ...` (D5, I5)


class DeliveryProblem(TypedDict):
    """D12, D18: one seat's transport problem, for the tick's stderr line."""

    seat: str
    problem: str  # held (a configuration error), hung (an unknown answer), setup (unreachable, TLS, login)
    reason: str
    ids: list[int]


# "from" is a Python keyword, so these two use the functional form.
Move = TypedDict("Move", {"id": int, "from": str, "to": str, "reason": str})  # W4, W5, W7

TickReport = TypedDict(
    "TickReport",
    {
        "from": str,
        "to": str,
        "sent": list[int],
        "canceled": list[Cancellation],
        "refunded": int,
        "refreshes": list[dict[str, Any]],  # C9: services.credits.apply_refresh's result
        "dry_run": bool,
        "retrying": list[int],
        "failed": list[Failure],
        "unknown": list[int],
        "delivered": int,
        "incoming": NotRequired[list[int]],  # I2: ids of the mail read before sending (only when a seat has a mailbox)
        "warnings": NotRequired[list[str]],  # each printed on stderr as one line
        "late_followups": NotRequired[list[int]],  # I13
        "moved": NotRequired[list[Move]],
        "delivery_problems": NotRequired[list[DeliveryProblem]],
    },
)


def new_report(start: datetime, target: datetime, dry_run: bool) -> TickReport:
    """An empty report of a tick (or a rehearsal) from `start` to `target`."""
    return {
        "from": to_text(start),
        "to": to_text(target),
        "sent": [],
        "canceled": [],
        "refunded": 0,
        "refreshes": [],
        "dry_run": dry_run,
        "retrying": [],
        "failed": [],
        "unknown": [],
        "delivered": 0,
    }


def settle_delivery_report(report: TickReport) -> None:
    """D8 lists messages, not attempts: one retried several times in a long tick is listed once, and only if
    it is still waiting for a retry at the end (not if it went, failed or became unknown later in the tick)."""
    done = set(report["sent"]) | {item["id"] for item in report["failed"]} | set(report["unknown"])
    report["retrying"] = sorted(set(report["retrying"]) - done)
    report["unknown"] = sorted(set(report["unknown"]))
    for item in report.get("delivery_problems", ()):  # a message met at each of its attempts is named once
        item["ids"] = sorted(set(item["ids"]))


def warn_about_delivery(report: TickReport) -> None:
    """D8: one line on stderr per tick that made messages unknown or failed, naming them (cron mails it)."""
    parts = []
    if report["unknown"]:
        parts.append(
            f"message(s) {_ids(report['unknown'])} may or may not have gone (unknown; settle them with "
            "`outreach resolve MESSAGE --sent|--resend|--cancel`)"
        )
    if report["failed"]:
        parts.append(f"message(s) {_ids(item['id'] for item in report['failed'])} failed and were refunded")
    for item in report.get("delivery_problems", ()):
        if item["problem"] == "hung":  # D18: why only one went unknown, and what became of the others
            parts.append(
                f"seat {item['seat']}'s transport took message {_ids(item['ids'])} and did not answer, so "
                "its other due messages wait for the next tick"
            )
    if parts:
        report.setdefault("warnings", []).append(
            "Delivery: " + "; ".join(parts) + ". See `outreach inbox --folder attention`."
        )
    for item in report.get("delivery_problems", ()):  # D12, D18: one line each, every tick until it is fixed
        ids = _ids(item["ids"])
        if item["problem"] == "held":
            line = (
                f"Delivery for seat {item['seat']} is not configured right: {item['reason']} Message(s) {ids} and "
                "the seat's other due messages were not attempted and stay scheduled until it is fixed."
            )
        elif item["problem"] == "hung":
            continue  # said in D8's line above
        else:  # only what still waits is "will be retried": a message given up is in D8's line above
            waiting = [i for i in item["ids"] if i in report["retrying"]]
            line = f"Delivery for seat {item['seat']} needs a look: {item['reason']}"
            if waiting:
                line += f" (message(s) {_ids(waiting)} will be retried)."
            elif not line.endswith("."):
                line += "."
        report.setdefault("warnings", []).append(line.replace("..", "."))


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))

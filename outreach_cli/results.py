"""The results services return to commands.

Results a render must tell apart are dataclasses (Canceled, Discarded), not dicts told apart by which keys
they hold: each has `to_json()`, the document `--json` prints (the same bytes as the dicts they replaced);
the CLI boundary (commands/_common.emit) calls it, and render.py dispatches on the type. The other results
are TypedDicts: plain dicts at run time, typed for readers and type checkers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict


@dataclass(frozen=True)
class Canceled:
    """`cancel MESSAGE` or `cancel --thread`: what was canceled (id, reason) and how many credits came back."""

    canceled: list[dict] = field(default_factory=list)
    refunded: int = 0

    def to_json(self) -> dict:
        return {"canceled": self.canceled, "refunded": self.refunded}


@dataclass(frozen=True)
class Discarded:
    """`cancel --draft`: the draft is gone."""

    draft_id: int

    def to_json(self) -> dict:
        return {"draft_id": self.draft_id, "discarded": True}


# Plain-dict results (entity shapes such as seat, candidate, draft, thread and message live in shapes.py).


class ClockState(TypedDict):
    now: str
    mode: str  # "simulated" or "system"


class ClockSetResult(ClockState):
    warnings: list[str]  # S4: the time read in a DST gap, moved


class InitResult(TypedDict):
    db: str
    seat: dict
    clock: ClockState
    warnings: list[str]


class ScheduleResult(TypedDict):
    draft_id: int
    threads: Any  # shapes.Stream of thread shapes, written item by item
    credits_charged: int
    warnings: list[str]


class RescheduleResult(TypedDict):
    thread: dict
    credits_charged: int
    warnings: list[str]


class Finding(TypedDict):
    check: str
    message: str


class DoctorResult(TypedDict):
    ok: bool
    findings: list[Finding]


class ImportResult(TypedDict):
    created: int
    updated: int
    skipped: list[dict]  # {"line": n, "reason": sentence}


class Removed(TypedDict):
    handle: str
    removed: bool
    anonymous_handle: str


class TemplateDeleted(TypedDict):
    name: str
    deleted: bool

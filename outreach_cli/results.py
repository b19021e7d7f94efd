"""Results a command's render must tell apart, as types (not by which keys a dict happens to hold).

Each has `to_json()`, the document `--json` prints (the same bytes as the dicts these replaced); the CLI
boundary (commands/_common.emit) calls it, and render.py dispatches on the type."""
from __future__ import annotations

from dataclasses import dataclass, field


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

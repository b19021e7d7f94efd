"""Claims left by a tick that stopped (D5, D6, D10): who owns a claim, whether that process still runs, and how the
next tick settles a stale one."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ...repo import delivery as repo_delivery
from ...timeparse import to_text
from ..followups import move_followup

if TYPE_CHECKING:
    from ...clock import Clock
    from ...db import Database
    from .report import TickReport
    from .senders import Senders


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22): it tells a reused pid
    from the process that made a claim."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def claim_owner() -> str:
    """`host:pid:start` of this process."""
    pid = os.getpid()
    import socket  # only when claiming: an idle tick does without it

    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or '-'}"


def _claimer_runs(claimed_by: str | None) -> bool:
    """Whether the process that made a claim still runs. On another machine it cannot be told: only the claim's
    expiry ends it there. A claim of this very process is stale (a tick does not start inside another)."""
    try:
        host, pid_text, start = (claimed_by or "").rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    import socket

    if host != socket.gethostname():
        return True
    if pid == os.getpid():
        return False
    now_start = _process_start(pid)
    if now_start is not None:
        return start == "-" or now_start == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start == "-"


def recover(db: Database, clock: Clock, senders: Senders, report: TickReport) -> None:
    """D5/D6 at the start of a tick: a message left `sending` by a process that no longer runs, or whose claim
    has expired (real time), becomes `unknown` (credits stay charged, D7). An outbox claim is settled exactly
    instead: its file in new/ means sent, no file means scheduled again (the outbox is idempotent by name)."""
    if not repo_delivery.in_flight(db):
        return  # the common case costs one indexed read, and an idle tick stays one transaction
    real_now = to_text(clock.real.now())
    with db.transaction():
        for row in repo_delivery.in_flight(db):
            if row["claim_expires_utc"] and row["claim_expires_utc"] > real_now and _claimer_runs(row["claimed_by"]):
                continue
            delivered = senders.already_delivered(row)
            if delivered is None:
                repo_delivery.record_unknown(
                    db,
                    [
                        (
                            f"The tick that was sending it ({row['claimed_by']}) stopped before it recorded the outcome; "
                            "it may or may not have gone.",
                            row["id"],
                        )
                    ],
                )
                report["unknown"].append(row["id"])
            elif delivered:
                senders.remove_orphans(row)
                sent_at = row["last_attempt_utc"] or real_now
                repo_delivery.record_sent(db, [(sent_at, delivered, row["id"])])
                move_followup(db, row, sent_at, report)
                report["sent"].append(row["id"])
            else:
                senders.remove_orphans(row)
                repo_delivery.unclaim(db, [row["id"]])

"""The claim (D5's first step, D7, D10, D13): scheduled -> sending, in the batch's transaction, with who claimed
each message, until when (real time) and by which transport, one more attempt counted."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ...repo import delivery as repo_delivery
from ...timeparse import to_text
from .recovery import claim_owner
from .senders import Claim, Row

if TYPE_CHECKING:
    from .batch import Run
    from .senders import Senders

CLAIM_GRACE = timedelta(minutes=1)  # a claim lasts the transport's timeout plus this, in real time (D5)


def claim(run: Run) -> list[Claim]:
    """Claim the batch's `run.to_claim` rows; returns their claims, in the order they were decided."""
    senders = run.senders
    assert senders is not None  # only a run with senders decides to claim (Run.has_transport)
    if run.owner is None:
        run.owner = claim_owner()
    owner = run.owner
    real_now = run.clock.real.now()
    rows = []
    for row in run.to_claim:
        expires = to_text(real_now + timedelta(seconds=senders.timeout(row["seat_id"])) + CLAIM_GRACE)
        attempt_at = run.moment_of(row["due_at"]) if run.clock.simulated else to_text(real_now)
        rows.append((senders.claim_transport(row["seat_id"]), owner, expires, attempt_at, attempt_at, row["id"]))
    repo_delivery.claim(run.db, rows)
    attempt_at_of = {row[5]: row[3] for row in rows}
    claims = [
        Claim(_final_message_id(run, senders, row), attempt_at_of[row["id"]])
        for row in repo_delivery.claimed(run.db, [r["id"] for r in run.to_claim])
    ]
    order = {row["id"]: index for index, row in enumerate(run.to_claim)}
    claims.sort(key=lambda made: order[made.row["id"]])
    return claims


def _final_message_id(run: Run, senders: Senders, row: Row) -> Row:
    """D13: a message scheduled before the seat had a sender address takes its Message-ID's domain from the
    address at its first attempt by an email transport, in the claim's transaction; never after."""
    from ... import mail

    cls = senders.cls(row["seat_id"])
    if (
        row["attempts"] != 1
        or not row["from_address"]
        or mail.FALLBACK_DOMAIN not in row["internet_message_id"]
        or not (cls is not None and cls.email)
    ):
        return row
    new_id = mail.new_message_id(row["from_address"])
    if mail.FALLBACK_DOMAIN in new_id:
        return row
    repo_delivery.set_message_id(run.db, row["id"], new_id)
    return {**dict(row), "internet_message_id": new_id}

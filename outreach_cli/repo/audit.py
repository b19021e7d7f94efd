"""M5: the statements of `outreach audit`."""

from __future__ import annotations


def delivered_messages(db, seat_id: int) -> list:
    """The seat's messages that went or may have gone (`sent`, `unknown`), with their Message-IDs, and whether a
    transport handled them (a message of the `none` transport was recorded only: no Sent folder has it)."""
    return db.all(
        "SELECT id, status, internet_message_id, "
        "(transport_id IS NOT NULL OR first_attempt_utc IS NOT NULL) AS attempted "
        "FROM messages WHERE seat_id = ? AND status IN ('sent', 'unknown') ORDER BY id",
        (seat_id,),
    )

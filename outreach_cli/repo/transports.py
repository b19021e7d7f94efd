"""The SQL of a seat's transport settings (D1): a kind and a JSON object of options per seat."""

from __future__ import annotations

import json


def seat_transport(db, seat_id: int) -> dict | None:
    """{"kind": ..., **options} as stored, or None when the seat has none."""
    row = db.one("SELECT kind, options FROM seat_transports WHERE seat_id = ?", (seat_id,))
    return None if row is None else {"kind": row["kind"], **json.loads(row["options"])}


def set_seat_transport(db, seat_id: int, kind: str, options: dict) -> None:
    db.execute(
        "INSERT INTO seat_transports (seat_id, kind, options) VALUES (?, ?, ?) ON CONFLICT(seat_id) "
        "DO UPDATE SET kind = excluded.kind, options = excluded.options",
        (seat_id, kind, json.dumps(options, sort_keys=True)),
    )


def delete_seat_transport(db, seat_id: int) -> None:
    db.execute("DELETE FROM seat_transports WHERE seat_id = ?", (seat_id,))

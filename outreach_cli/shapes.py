"""One JSON shape per entity (docs/rules.md, "JSON output"), reused by every command that shows it."""

from __future__ import annotations


class Stream:
    """A list too long to hold in memory (a bulk schedule's threads): its length, and a way to walk it.
    The JSON writer emits it item by item while the database is still open."""

    def __init__(self, count: int, walk):
        self.count, self._walk = count, walk

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self._walk())


def candidate(row) -> dict:
    return {
        "handle": row["handle"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "company": row["company"],
        "title": row["title"],
        "timezone": row["timezone"],
        "email": row["email"],
        "country": row["country"],
        "out_of_network": bool(row["out_of_network"]),
        "opted_out": bool(row["opted_out"]),
        "email_undeliverable": bool(row["email_undeliverable"]),  # I5: it hard-bounced
    }


def message(row) -> dict:
    shape = {
        "id": row["id"],
        "thread_id": row["thread_id"],
        "kind": row["kind"],
        "seat": row["seat"],
        "candidate": row["candidate"],
        "subject": row["subject"],
        "body": row["body"],
        "status": row["status"],
        "cancel_reason": row["cancel_reason"],
        "send_at": row["send_at_utc"],
        "sent_at": row["sent_at_utc"],
        "timezone": row["timezone"],
        "timezone_source": row["timezone_source"],
    }
    if row["kind"] == "followup":
        shape["delay_hours"] = row["delay_hours"]
    if row["timezone_source"] == "best":  # W6: the slot's figures
        import json

        shape["best"] = json.loads(row["best"]) if row["best"] else None
    for key, column in DELIVERY_FIELDS:  # D5 (columns of migration 0003_delivery)
        shape[key] = row[column]
    return shape


DELIVERY_FIELDS = (
    ("internet_message_id", "internet_message_id"),
    ("attempts", "attempts"),
    ("retry_at", "retry_at_utc"),
    ("failure", "failure"),
    ("transport_id", "transport_id"),
)


def thread(row, messages) -> dict:
    response = None
    if row["response_kind"]:
        response = {"kind": row["response_kind"], "at": row["response_utc"], "message_id": row["response_message_id"]}
    return {
        "id": row["id"],
        "seat": row["seat"],
        "candidate": row["candidate"],
        "draft_id": row["draft_id"],
        "messages": [message(m) for m in messages],
        "response": response,
    }


def draft(row, seat_name: str, recipients: list[str]) -> dict:
    followup = None
    if row["followup_body"] is not None:
        followup = {
            "subject": row["followup_subject"],
            "body": row["followup_body"],
            "delay_hours": row["followup_delay_hours"],
        }
    return {
        "id": row["id"],
        "seat": seat_name,
        "recipients": recipients,
        "subject": row["subject"],
        "body": row["body"],
        "followup": followup,
        "template": row["template"],
        "template_at": row["template_at"],
        "template_tz": row["template_tz"],
        "status": row["status"],
    }


def seat(row) -> dict:
    return {
        "name": row["name"],
        "plan": row["plan"],
        "timezone": row["timezone"],
        "balance": row["balance"],
        "daily_limit": row["daily_limit"],
        "restricted": bool(row["restricted"]),
        "monthly_limit": row["monthly_limit"],
        "used_this_period": row["used_this_period"],
        "next_refresh": row["next_refresh_utc"],
        "from": row["from_address"],
        "signature": row["signature"],
        "list_unsubscribe": bool(row["list_unsubscribe"]),
        "window": row["send_window"],
        "holidays": bool(row["holidays"]),
        "max_per_hour": row["max_per_hour"],
        "catch_up_hours": row["catch_up_hours"] if row["catch_up_hours"] is not None else 12,
        "role": row["role"],  # P6: the database role that alone acts for the seat (PostgreSQL)
    }


def contract(row, seats_rows) -> dict:
    return {
        "pool": row["pool"],
        "followups": "on" if row["followups_enabled"] else "off",
        "refresh_day": row["refresh_day"],
        "allotments": {"recruiter": row["allotment_recruiter"], "lite": row["allotment_lite"]},
        "monthly_limits": {s["name"]: s["monthly_limit"] for s in seats_rows if s["monthly_limit"] is not None},
        "admin": row["admin_role"],  # P6: the database role that alone changes the contract (PostgreSQL)
    }


def ledger_row(row) -> dict:
    return {
        "id": row["id"],
        "at": row["at_utc"],
        "account": row["account"],
        "seat": row["seat"],
        "delta": row["delta"],
        "reason": row["reason"],
        "message_id": row["message_id"],
    }

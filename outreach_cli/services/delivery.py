"""A seat's transport: `delivery set`, `show`, `test` (D1, D2, D9).

Settings are stored per seat as a kind and a JSON object of options; secrets only by reference (the
name of an environment variable, or a password command). `test` reads the settings, then talks to
the transport outside any transaction (D6)."""

from __future__ import annotations

from typing import Any

from ..errors import INVALID_INPUT, INVALID_STATE, NOT_CONFIGURED, refuse
from ..repo import transports as repo_transports
from ..transports import Transport, effective_settings, open_transport, transport_class, transport_kinds
from .common import acting_seat, password_env_warning, use_case


def stored_settings(db, seat) -> dict:
    """{"kind": ..., **options} as stored for the seat (kind `none` when nothing is)."""
    return repo_transports.seat_transport(db, seat["id"]) or {"kind": "none"}


def transport_settings(db, seat) -> dict:
    """Every effective setting of the seat's transport, defaults included: what `open_transport` takes."""
    stored = stored_settings(db, seat)
    return {"kind": stored["kind"], **effective_settings(stored["kind"], stored)}


def show(db, *, seat_name: str | None) -> dict:
    seat = acting_seat(db, seat_name)
    return {"seat": seat["name"], **transport_settings(db, seat), "from": seat["from_address"]}


@use_case
def set_transport(db, *, seat_name: str | None, kind: str, **given: Any) -> dict:
    seat = acting_seat(db, seat_name)
    try:
        transport = transport_class(kind)  # each transport declares its options: required, default, check
    except ValueError:
        raise refuse(INVALID_INPUT, f"Unknown transport {kind!r}; use one of {', '.join(transport_kinds())}.") from None
    options, warnings = transport.checked(given)
    unsettled = _unsettled(db, seat, transport)
    if not transport.delivers:
        repo_transports.delete_seat_transport(db, seat["id"])
    else:
        repo_transports.set_seat_transport(db, seat["id"], kind, options)
    result = show(db, seat_name=seat["name"])
    warnings += [line for line in (unsettled, password_env_warning(options)) if line]
    if transport.email and not seat["from_address"]:
        warnings.append(
            f"Seat {seat['name']} has no sender address yet; set one with "
            f'`outreach seats set {seat["name"]} --from "Name <address>"` before scheduling.'
        )
    if warnings:
        result["warnings"] = warnings
    return result


def _unsettled(db, seat, transport: type[Transport]) -> str | None:
    """D10: the seat's messages in flight, unknown or waiting to retry, named in one line; `none` is refused while
    there are any, since it would record as sent a message that never left."""
    from ..repo import delivery as repo_delivery

    rows = repo_delivery.unsettled_of_seat(db, seat["id"])
    if not rows:
        return None
    names = {"sending": "in flight", "unknown": "unknown", "scheduled": "waiting to retry"}
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(names[row["status"]], []).append(str(row["id"]))
    shown = "; ".join(f"{', '.join(ids)} {what}" for what, ids in groups.items())
    if not transport.delivers:
        raise refuse(
            INVALID_STATE,
            f"Seat {seat['name']} has messages not settled (message(s) {shown}); `{transport.kind}` "
            "would record them as sent though they never left. Settle them first "
            "(`outreach resolve MESSAGE ...`, `outreach cancel MESSAGE`).",
        )
    return (
        f"Seat {seat['name']} has messages not settled by its previous transport (message(s) {shown}): a claim "
        "in flight is settled by the transport that made it, unknown ones need `outreach resolve`, and retries "
        "now go by the new transport."
    )


def test(db, *, seat_name: str | None) -> dict:
    """D9: check the transport without sending; no transaction is open while it talks to the server."""
    seat = acting_seat(db, seat_name)
    settings = transport_settings(db, seat)
    if not transport_class(settings["kind"]).delivers:
        kinds = "|".join(kind for kind in transport_kinds() if transport_class(kind).delivers)
        raise refuse(
            NOT_CONFIGURED, f"Seat {seat['name']} has no transport; set one with `outreach delivery set {kinds} ...`."
        )
    transport = open_transport(settings)
    try:
        detail = transport.check()
    finally:
        transport.close()
    return {"seat": seat["name"], "kind": settings["kind"], "ok": True, "detail": detail}


def check_from_address(text: str) -> str:
    """A seat's sender address (D3): one well-formed address, with or without a display name."""
    from ..mail import parse_address, stored_addr_spec

    parsed = parse_address(text)
    if parsed is None:
        raise refuse(
            INVALID_INPUT,
            f'{text!r} is not an email address; use a form like "Ada Lovelace <ada@example.com>" or ada@example.com.',
        )
    try:  # D19: an ASCII local part, a domain stored IDNA-encoded
        stored = stored_addr_spec(parsed[1])
    except ValueError as exc:
        raise refuse(INVALID_INPUT, f"{text!r} cannot be used as a sender address: {exc}.") from None
    return text.strip().replace(parsed[1], stored)

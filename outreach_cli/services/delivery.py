"""A seat's transport: `delivery set`, `show`, `test` (D1, D2, D9).

Settings are stored per seat as a kind and a JSON object of options; secrets only by reference (the
name of an environment variable, or a password command). `test` reads the settings, then talks to
the transport outside any transaction (D6)."""

from __future__ import annotations

import os

from ..errors import INVALID_INPUT, INVALID_STATE, NOT_CONFIGURED, refuse
from ..repo import transports as repo_transports
from ..transports import EMAIL_KINDS, KINDS, effective_settings, open_transport, transport_class
from .common import MAX_TIMEOUT, acting_seat, check_server_options, given_options, password_env_warning, use_case


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
def set_transport(db, *, seat_name: str | None, kind: str, **given) -> dict:
    seat = acting_seat(db, seat_name)
    if kind not in KINDS:
        raise refuse(INVALID_INPUT, f"Unknown transport {kind!r}; use one of {', '.join(KINDS)}.")
    transport = transport_class(kind)  # each transport declares the options it takes and the one it needs
    options = given_options(given, transport.OPTIONS, f"the {kind} transport")
    if transport.REQUIRED and not options.get(transport.REQUIRED):
        raise refuse(INVALID_INPUT, f"The {kind} transport needs --{transport.REQUIRED.replace('_', '-')}.")
    _check_options(kind, options)
    unsettled = _unsettled(db, seat, kind)
    if kind == "none":
        repo_transports.delete_seat_transport(db, seat["id"])
    else:
        repo_transports.set_seat_transport(db, seat["id"], kind, options)
    result = show(db, seat_name=seat["name"])
    if unsettled:
        result.setdefault("warnings", []).append(unsettled)
    if password_env_warning(options):
        result.setdefault("warnings", []).append(password_env_warning(options))
    if kind in EMAIL_KINDS and not seat["from_address"]:
        result.setdefault("warnings", []).append(
            f"Seat {seat['name']} has no sender address yet; set one with "
            f'`outreach seats set {seat["name"]} --from "Name <address>"` before scheduling.'
        )
    return result


def _unsettled(db, seat, kind: str) -> str | None:
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
    if kind == "none":
        raise refuse(
            INVALID_STATE,
            f"Seat {seat['name']} has messages not settled (message(s) {shown}); `none` "
            "would record them as sent though they never left. Settle them first "
            "(`outreach resolve MESSAGE ...`, `outreach cancel MESSAGE`).",
        )
    return (
        f"Seat {seat['name']} has messages not settled by its previous transport (message(s) {shown}): a claim "
        "in flight is settled by the transport that made it, unknown ones need `outreach resolve`, and retries "
        "now go by the new transport."
    )


def _check_options(kind: str, options: dict) -> None:
    timeout = options.get("timeout")
    if timeout is not None and not 1 <= timeout <= MAX_TIMEOUT:  # every transport takes one (D1)
        raise refuse(INVALID_INPUT, f"--timeout must be 1 to {MAX_TIMEOUT} seconds, not {timeout}.")
    for key in ("dir", "ca_file"):
        if options.get(key):
            # Stored absolute: cron runs `tick` from another directory.
            options[key] = os.path.abspath(os.path.expanduser(options[key]))
    for key in ("host", "user", "command", "password_command", "dir", "ca_file"):
        value = options.get(key)
        if value is not None and (not value.strip() or any(ord(ch) < 32 for ch in value)):
            raise refuse(INVALID_INPUT, f"--{key.replace('_', '-')} must be non-empty printable text.")
    if kind == "smtp":
        _check_smtp(options)


def _check_smtp(options: dict) -> None:
    check_server_options(
        options, securities=("starttls", "ssl", "none"), default_security="starttls", carries="messages"
    )
    if options.get("password_env") and options.get("password_command"):
        raise refuse(INVALID_INPUT, "Give either --password-env or --password-command, not both.")
    has_password = options.get("password_env") or options.get("password_command")
    if has_password and not options.get("user"):
        raise refuse(INVALID_INPUT, "A password needs --user to log in with.")
    if options.get("user") and not has_password:
        raise refuse(
            INVALID_INPUT,
            "--user needs --password-env VAR or --password-command CMD (the password itself is never stored).",
        )


def test(db, *, seat_name: str | None) -> dict:
    """D9: check the transport without sending; no transaction is open while it talks to the server."""
    seat = acting_seat(db, seat_name)
    settings = transport_settings(db, seat)
    if settings["kind"] == "none":
        raise refuse(
            NOT_CONFIGURED,
            f"Seat {seat['name']} has no transport; set one with "
            "`outreach delivery set smtp|outbox|sendmail|exec ...`.",
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

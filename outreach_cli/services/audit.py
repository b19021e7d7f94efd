"""M5: `outreach audit` compares a seat's Sent folder with the database, by Message-ID.

The folder is read first, outside any transaction and read-only (I1): the IMAP mailbox's folder (EXAMINE,
BODY.PEEK) or a Maildir. Each of our messages is reported once, however often its Message-ID is there."""

from __future__ import annotations

from collections import Counter

from ..errors import INVALID_INPUT, NOT_CONFIGURED, refuse
from ..repo import audit as repo_audit
from ..repo import incoming as repo_incoming
from .common import acting_seat


def audit(db, *, seat_name=None, sent_folder: str | None = None, sent_dir=None, settle: bool = False, clock) -> dict:
    seat = acting_seat(db, seat_name)
    if sent_dir is not None and sent_folder is not None:
        raise refuse(INVALID_INPUT, "Give --sent-folder (an IMAP folder) or --sent-dir (a Maildir), not both.")
    ids = _read_folder(db, seat, sent_folder, sent_dir)
    found = Counter(i for i in ids if i)
    duplicates, unknown_found, missing = [], [], []
    for row in repo_audit.delivered_messages(db, seat["id"]):
        count = found.get(row["internet_message_id"], 0)
        if count > 1:
            duplicates.append(row["id"])
        if row["status"] == "unknown" and count:
            unknown_found.append(row["id"])
        elif row["status"] == "sent" and not count and row["attempted"]:
            missing.append(row["id"])
    settled = []
    if settle:
        from .resolve import resolve

        for message_id in unknown_found:
            resolve(db, message_id, "sent", clock=clock)  # as `resolve --sent` would, one transaction each
            settled.append(message_id)
    warnings = []
    if missing:
        warnings.append(
            f"{len(missing)} sent message(s) are not in the Sent folder; not every transport keeps a copy "
            "there (see `missing`)."
        )
    return {
        "seat": seat["name"],
        "checked": len(ids),
        "duplicates": duplicates,
        "settled": settled,
        "unknown_found": unknown_found,
        "missing": missing,
        "warnings": warnings,
    }


def _read_folder(db, seat, sent_folder, sent_dir) -> list:
    if sent_dir is not None:
        from ..incoming.sent import maildir_ids

        return maildir_ids(sent_dir)
    box = repo_incoming.find_mailbox(db, seat["id"])
    if box is None or box["kind"] != "imap":
        raise refuse(
            NOT_CONFIGURED,
            f"Seat {seat['name']} has no IMAP mailbox to find a Sent folder in; give "
            "--sent-dir DIR (a Maildir) or set one with `outreach mailbox set imap ...`.",
        )
    from ..incoming.imap import ImapSource
    from .incoming import effective_settings

    options = {**effective_settings("imap", box["options"]), "folder": sent_folder or "Sent"}
    return ImapSource(**options).message_ids()

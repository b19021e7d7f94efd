"""I4: which thread an incoming mail belongs to. A pure function: the lookups are handed in."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any

from .classify import Classification
from .parse import IncomingMail


@dataclass(frozen=True)
class Match:
    kind: str  # the I7 kind: the classification's kind when matched, else "unmatched" or "ignored"
    matched_by: str | None  # "in_reply_to", "references", "bounce", "sender", or None
    message: Any = None  # what by_message_id returned (one of our sent messages), when matched by id
    thread: Any = None  # the one open thread of the sender, when matched by sender


def match(
    mail: IncomingMail,
    classification: Classification,
    by_message_id: Callable[[Sequence[str]], Any],
    open_threads_for_sender: Callable[[str], Sequence[Sequence[Any]]],
    *,
    ours_from: Container[str] = frozenset(),
    threads_by_subject: Callable[[str, str | None], Sequence[Any]] | None = None,
) -> Match:
    """Match one mail to our messages, in the order of SPEC I4.

    `by_message_id(ids)` gets a list of `<...>` ids (most likely first) and returns the first of our
    messages whose `internet_message_id` is one of them, or None.
    `open_threads_for_sender(address)` gets a lower-cased address and returns one entry per
    candidate whose email is that address (compared case-insensitively): the list of that
    candidate's threads that have a message sent in the last 90 days. `[]` means no candidate.

    1. A bounce's returned Message-ID (`bounce`), else In-Reply-To (`in_reply_to`), else References,
       newest first (`references`), names one of our messages.
    2. Else exactly one candidate has the From address, with exactly one open thread (`sender`).
    3. Else mail from a candidate's address is `unmatched`, and mail from anybody else `ignored`.
    A delivery report whose returned message is not ours is ignored: it names no candidate.
    """
    if (mail.from_address and mail.from_address in ours_from) or (
        not mail.message_id_is_hash and by_message_id([mail.message_id]) is not None
    ):
        return Match("ignored", None)  # I8: our own mail read back (an outbox on the same Maildir, a note we sent)
    lookups = [("in_reply_to", list(mail.in_reply_to)), ("references", list(reversed(mail.references)))]
    if classification.kind == "bounce":
        lookups.insert(0, ("bounce", list(mail.returned_message_ids)))
    for matched_by, ids in lookups:
        if ids:
            message = by_message_id(ids)
            if message is not None:
                return Match(classification.kind, matched_by, message=message)
    if classification.kind == "bounce" or not mail.from_address or classification.listed:
        return Match("ignored", None)  # I9: a list's mail that references none of ours is nobody's answer
    candidates = open_threads_for_sender(mail.from_address)
    if len(candidates) == 1 and len(candidates[0]) == 1:
        return Match(classification.kind, "sender", thread=candidates[0][0])
    core = subject_core(mail.subject)
    if threads_by_subject is not None and core != mail.subject.strip():  # I11: "Re: <one thread's subject>"
        threads = threads_by_subject(core, mail.from_address if candidates else None)
        if len(threads) == 1:  # a stranger's mail on one of our threads is kept, for `replies assign`
            return Match(classification.kind, "subject", thread=threads[0]) if candidates else Match("unmatched", None)
    if not candidates:
        return Match("ignored", None)
    return Match("unmatched", None)


_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def subject_core(subject: str) -> str:
    """A subject without its reply and forward prefixes (`Re:`, `RE:`, `AW:`, `SV:`, `Fwd:`, any case, repeated)."""
    return _PREFIX.sub("", subject).strip()

"""The one interface every incoming-mail source has, and the table that maps a name to a source.

    source = open_source("maildir", dir="~/Mail/INBOX")
    batch = source.fetch(cursor, known)     # cursor: what the last fetch left; known: keys recorded
    for fetched in batch:                   # Fetched(key, raw), only what is new
        ...record fetched.raw...
    store(batch.cursor)                     # only once the whole batch was read and recorded

A source only reads: it never moves, renames, flags or deletes mail. A cursor is an opaque short
string (None for "from the start"); starting again from None is always safe, since incoming mail
is recorded once per Message-ID (I3). Reading an IMAP batch talks to the network, so it must not
run inside a database write transaction.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from typing import Protocol

SOURCES = {  # mailbox kind (SPEC I1) -> "module:class", imported only when used
    "maildir": "outreach_cli.incoming.maildir:MaildirSource",
    "mbox": "outreach_cli.incoming.mbox:MboxSource",
    "imap": "outreach_cli.incoming.imap:ImapSource",
}


@dataclass(frozen=True)
class Fetched:
    key: str  # the message's name in its source: a Maildir file's unique name, an mbox offset, "UIDVALIDITY/UID"
    raw: bytes  # the message as stored (mbox: without its "From " line)


class Batch:
    """What one fetch found. Iterate it once; `cursor` is the new cursor after it was read to the end
    (until then it is the cursor the fetch started from)."""

    def __init__(self, start_cursor: str | None, produce: Callable[[Batch], Iterator[Fetched]]):
        self.cursor = start_cursor
        self._produce = produce

    def __iter__(self) -> Iterator[Fetched]:
        return self._produce(self)


class Source(Protocol):
    kind: str

    def fetch(self, cursor: str | None = None, known: Container[str] = frozenset()) -> Batch:
        """New messages since `cursor`, skipping those whose key is in `known`."""


def open_source(kind: str, **settings) -> Source:
    """The source for a mailbox kind (`maildir`, `mbox`, `imap`) built from its settings."""
    module_name, _, class_name = SOURCES[kind].partition(":")
    return getattr(importlib.import_module(module_name), class_name)(**settings)

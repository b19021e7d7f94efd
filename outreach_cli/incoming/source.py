"""The base class every incoming-mail source has, and the registry that finds a source by its kind (I1).

    source = open_source("maildir", dir="~/Mail/INBOX")
    batch = source.fetch(cursor, known)     # cursor: what the last fetch left; known: keys recorded
    for fetched in batch:                   # Fetched(key, raw), only what is new
        ...record fetched.raw...
    store(batch.cursor)                     # only once the whole batch was read and recorded

A source is one module of this package named after its kind (`maildir.py`, `mbox.py`, `imap.py`) holding the one
`MailSource` that claims it: its options (each with whether it is required, its default and its check,
plugins.Option), the rules between them (`check_together`), who it is (`identity`) and `fetch`. `mailbox set`
validates through the declarations and `mailbox show` prints `effective`; a new source is one file.

A source only reads: it never moves, renames, flags or deletes mail. A cursor is an opaque short
string (None for "from the start"); starting again from None is always safe, since incoming mail
is recorded once per Message-ID (I3). Reading an IMAP batch talks to the network, so it must not
run inside a database write transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..plugins import Plugin, kinds, plugin_class

_PACKAGE = __name__.rpartition(".")[0]  # outreach_cli.incoming: a kind is the name of one of its modules


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


class MailSource(Plugin):
    """The base of every mail source: what `mailbox set`, `mailbox show` and a fetch ask of one.

    kind: its name in `mailbox set KIND` (and its module's); OPTIONS: what that command takes (plugins.Option);
    article: "a" or "an", for "an imap mailbox needs --host"."""

    article: ClassVar[str] = "a"

    @classmethod
    def described(cls) -> str:
        return f"{cls.article} {cls.kind} mailbox"

    @classmethod
    def identity(cls, settings: Mapping[str, Any]) -> str:
        """Who the source is, from its effective settings: the keys it gives (file names, offsets, UIDs) mean
        something only inside it (by default the kind and the first option, `maildir:/home/ada/Mail`)."""
        return f"{cls.kind}:{settings.get(cls.OPTIONS[0].name)}"

    @classmethod
    def local_path(cls, settings: Mapping[str, Any]) -> str | None:
        """The file or folder on this machine it reads, if any (I8: it must not be the seat's outbox)."""
        return None

    def fetch(self, cursor: str | None = None, known: Container[str] = frozenset()) -> Batch:
        """New messages since `cursor`, skipping those whose key is in `known`; read lazily, as it is iterated."""
        raise NotImplementedError


def source_class(kind: str) -> type[MailSource] | None:
    """The class of a mailbox kind: the MailSource in `incoming/KIND.py` (None when there is none)."""
    return plugin_class(_PACKAGE, MailSource, kind)


def source_kinds() -> list[str]:
    """Every mail source's kind (it imports them all: for a refusal and the tests, never on a fetch's path)."""
    return kinds(_PACKAGE, MailSource)


def open_source(kind: str, **settings: Any) -> MailSource:
    """The source for a mailbox kind (`maildir`, `mbox`, `imap`) built from its settings."""
    cls = source_class(kind)
    if cls is None:
        raise ValueError(f"unknown mail source {kind!r}")
    return cls(**settings)

"""Maildir source: reads new/ and cur/ through the standard `mailbox` module, never changing them."""
from __future__ import annotations

import json
import os
import time
from typing import Container, Iterator

from ..errors import OutreachError
from .source import Batch, Fetched

# A directory changed less than this long ago may still change within the same mtime tick, so its
# mtime is not trusted as a cursor (the same precaution as mailbox.Maildir's own two seconds).
_SETTLE_SECONDS = 2.0


class MaildirSource:
    kind = "maildir"

    def __init__(self, dir: str):
        self.path = os.path.expanduser(dir)

    def fetch(self, cursor: str | None = None, known: Container[str] = frozenset()) -> Batch:
        """The cursor holds the mtimes of new/ and cur/: when neither changed, nothing is listed at
        all. Otherwise both are listed and a file whose unique name is in `known` is not opened."""
        return Batch(cursor, lambda batch: self._read(batch, cursor, known))

    def _read(self, batch: Batch, cursor: str | None, known: Container[str]) -> Iterator[Fetched]:
        mtimes = self._mtimes()
        if cursor and _load(cursor) == mtimes:
            return
        import mailbox  # only when something changed: an idle fetch costs two stat() calls

        try:
            box = mailbox.Maildir(self.path, factory=None, create=False)
            keys = sorted(box.keys())  # the file names' unique parts (before ":2,FLAGS")
        except OSError as error:
            raise OutreachError(f"The Maildir {self.path} could not be read: {error.strerror or error}.",
                                "transport_error") from None
        for key in keys:
            if key in known:
                continue
            try:
                raw = box.get_bytes(key)
            except (KeyError, FileNotFoundError):  # moved or deleted by a mail client meanwhile
                continue
            yield Fetched(key, raw)
        now = time.time_ns()
        settled = all(now - mtime > _SETTLE_SECONDS * 1e9 for mtime in mtimes.values())
        batch.cursor = json.dumps(mtimes, sort_keys=True) if settled else None

    def _mtimes(self) -> dict:
        try:
            return {sub: os.stat(os.path.join(self.path, sub)).st_mtime_ns for sub in ("new", "cur")}
        except OSError:
            raise OutreachError(f"{self.path} is not a Maildir (it needs new/ and cur/ folders).",
                                "transport_error") from None


def _load(cursor: str):
    try:
        return json.loads(cursor)
    except ValueError:
        return None

"""mbox source: reads one mbox file through the standard `mailbox` module, opened read-only.

The cursor remembers where the last fetch stopped (the file's size and mtime, and a hash of the
bytes just before that offset). An unchanged file is not opened; a file that only grew is read
from that offset; a file that was rewritten (a client deleted mail) is read again from the start.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Container, Iterator, Mapping
from typing import Any

from ..errors import INVALID_INPUT, TRANSPORT_ERROR, OutreachError, refuse
from ..plugins import Option, absolute_path
from .source import Batch, Fetched, MailSource

_TAIL = 256  # bytes before the cursor's offset whose hash proves the file was only appended to


class MboxSource(MailSource):
    kind = "mbox"
    article = "an"  # an em-box
    OPTIONS = (Option("file", required=True, check=absolute_path),)

    def __init__(self, file: str):
        self.path = os.path.expanduser(file)

    @classmethod
    def local_path(cls, settings: Mapping[str, Any]) -> str | None:
        return str(settings["file"])

    @classmethod
    def check_together(cls, options: dict[str, Any]) -> list[str]:
        if not os.path.exists(options["file"]):  # I2: a typo is caught at once
            raise refuse(
                INVALID_INPUT,
                f"There is no mbox file at {options['file']}; give the file your mail is "
                "delivered to (a mailbox that does not exist would hold the follow-ups).",
            )
        return []

    def fetch(self, cursor: str | None = None, known: Container[str] = frozenset()) -> Batch:
        return Batch(cursor, lambda batch: self._read(batch, cursor, known))

    def _read(self, batch: Batch, cursor: str | None, known: Container[str]) -> Iterator[Fetched]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:  # I2: a mailbox that is missing is one that cannot be read, never empty
            raise OutreachError(
                f"The mbox file {self.path} does not exist (moved, renamed or not mounted).", TRANSPORT_ERROR
            ) from None
        except OSError as error:
            raise OutreachError(
                f"The mbox file {self.path} could not be read: {error.strerror}.", TRANSPORT_ERROR
            ) from None
        state = _load(cursor)
        if state.get("size") == stat.st_size and state.get("mtime") == stat.st_mtime_ns:
            return
        try:
            with open(self.path, "rb") as handle:
                _share_lock(handle, self.path)  # a delivery agent appending holds an exclusive lock
                start = state.get("offset", 0)
                if not (0 < start <= stat.st_size and _tail(handle, start) == state.get("tail")):
                    start = 0
                from ._mboxfile import ReadOnlyMbox  # imported only when there is something to read

                box = ReadOnlyMbox(self.path, start)
                try:
                    for key, first in box.starts():
                        raw = box.get_bytes(key)  # type: ignore[arg-type]  # the toc's keys are ints, not str
                        # I14: a key is the offset AND a hash of the bytes, so after a mail client rewrote the
                        # file, a new message that starts where an old one did is new
                        name = f"{first}:{hashlib.sha256(raw).hexdigest()[:16]}"
                        if name not in known:
                            yield Fetched(name, raw)
                    end = box.end
                finally:
                    box.close()
                tail = _tail(handle, end)
        except OSError as error:
            raise OutreachError(
                f"The mbox file {self.path} could not be read: {error.strerror or error}.", TRANSPORT_ERROR
            ) from None
        batch.cursor = json.dumps(
            {"offset": end, "tail": tail, "size": stat.st_size, "mtime": stat.st_mtime_ns}, sort_keys=True
        )


def _share_lock(handle, path: str) -> None:
    """A shared fcntl lock (it changes nothing in the file), waiting up to 2 s for a writer."""
    for _ in range(20):
        try:
            fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in (errno.EACCES, errno.EAGAIN):
                return  # a file system without locks: read anyway
            time.sleep(0.1)
    raise OutreachError(
        f"The mbox file {path} is locked by another program; it will be read next time.", TRANSPORT_ERROR
    )


def _tail(handle, offset: int) -> str:
    handle.seek(max(0, offset - _TAIL))
    return hashlib.sha256(handle.read(offset - max(0, offset - _TAIL))).hexdigest()


def _load(cursor: str | None) -> dict:
    try:
        state = json.loads(cursor) if cursor else {}
        return state if isinstance(state, dict) else {}
    except ValueError:
        return {}

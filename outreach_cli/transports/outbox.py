"""`outbox --dir DIR`: each message becomes one RFC 5322 file in a Maildir (D1, D4).

Written into DIR/tmp, synced, renamed into DIR/new, and the directory synced, so a file in new/ is
always whole. The name is the message's internet_message_id without its angle brackets, plus
`.eml`: a file already in new/ under that name means the message was delivered before (idempotent).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from ..plugins import TIMEOUT, Option, absolute_path
from . import Accepted, Envelope, Outcome, Permanent, Temporary, Transport, transport_failure

FOLDERS = ("tmp", "new", "cur")


class OutboxTransport(Transport):
    kind = "outbox"
    email = True
    batchable = True  # idempotent by file name: a tick claims a batch, writes it and syncs new/ once
    pauses_on_unknown = False
    OPTIONS = (Option("dir", required=True, check=absolute_path), TIMEOUT)

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.dir = Path(settings["dir"])
        self._folders_made = False

    @staticmethod
    def file_name(internet_message_id: str) -> str:
        name = internet_message_id.strip().strip("<>")
        if not name or "/" in name or "\0" in name or name.startswith("."):
            raise ValueError(f"{internet_message_id!r} cannot name a file")
        return name + ".eml"

    def send(self, envelope: Envelope) -> Outcome:
        outcome = self.send_deferred(envelope)
        if isinstance(outcome, Accepted):
            problem = self.sync()
            if problem:
                return Temporary(problem)
        return outcome

    def send_many(self, envelopes: list[Envelope]) -> list[Outcome]:
        """Each file written, then new/ synced once before any of them counts as sent: a failed sync makes
        every accepted one `Temporary` (tried again; a file already in new/ is then accepted as it is)."""
        if len(envelopes) == 1:
            return [self._guarded(self.send, envelopes[0])]
        outcomes = [self._guarded(self.send_deferred, envelope) for envelope in envelopes]
        if any(isinstance(outcome, Accepted) for outcome in outcomes):
            problem = self.sync()
            if problem:
                outcomes = [Temporary(problem) if isinstance(o, Accepted) else o for o in outcomes]
        return outcomes

    @classmethod
    def already_delivered(cls, settings: dict[str, Any], internet_message_id: str) -> str | bool | None:
        """The file name if the message's file is in new/, else False (the outbox can always tell)."""
        try:
            name = cls.file_name(internet_message_id)
        except ValueError:
            return None
        return name if os.path.exists(os.path.join(settings["dir"], "new", name)) else False

    @classmethod
    def remove_orphans(cls, settings: dict[str, Any], internet_message_id: str) -> None:
        """Point 10 of issue 21: a killed write leaves `tmp/NAME.pid.random` (candidate text); it goes."""
        import glob

        try:
            name = cls.file_name(internet_message_id)
        except ValueError:
            return
        for path in glob.glob(glob.escape(os.path.join(settings["dir"], "tmp", name)) + ".*"):
            try:
                os.unlink(path)
            except OSError:
                pass

    def send_deferred(self, envelope: Envelope) -> Outcome:
        """`send` without the directory sync: a tick writing a batch syncs new/ once (`sync()`) before it records
        any of them as sent."""
        if envelope.rfc822 is None:
            return Permanent(
                "The message has no email form (the seat has no sender address or the candidate "
                "no email), so it cannot go to an outbox."
            )
        try:
            name = self.file_name(envelope.internet_message_id)
        except ValueError as exc:
            return Permanent(str(exc))
        final = self.dir / "new" / name
        try:
            if not self._folders_made:  # once per transport (a tick), not once per message
                self._make_folders()
                self._folders_made = True
            if final.exists():
                return Accepted(name)
            temporary = self.dir / "tmp" / f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
            _write_synced(temporary, envelope.rfc822)
            os.rename(temporary, final)
        except OSError as exc:
            return Temporary(f"Cannot write to the outbox {self.dir}: {exc.strerror or exc}.")
        return Accepted(name)

    def check(self) -> str:
        try:
            self._make_folders()
            probe = self.dir / "tmp" / f".outreach-test.{os.getpid()}.{secrets.token_hex(4)}"
            _write_synced(probe, b"test\r\n")
            probe.unlink()
        except OSError as exc:
            raise transport_failure(f"The outbox {self.dir} is not writable: {exc.strerror or exc}.") from None
        return f"The outbox {self.dir} is a writable Maildir (tmp/, new/, cur/)."

    def sync(self) -> str | None:
        """Make the renames into new/ durable; a problem is returned as a sentence."""
        try:
            _sync_dir(self.dir / "new")
        except OSError as exc:
            return f"Cannot sync the outbox {self.dir}: {exc.strerror or exc}."
        return None

    def _make_folders(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # the outbox itself is private too, when we make it
        for folder in FOLDERS:
            (self.dir / folder).mkdir(parents=True, exist_ok=True, mode=0o700)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""mailbox.mbox, opened read-only and indexed from a byte offset (for mbox.MboxSource)."""

from __future__ import annotations

import mailbox


class ReadOnlyMbox(mailbox.mbox):
    """mailbox.mbox opens its file "rb+"; this one opens it "rb" and indexes it from an offset."""

    def __init__(self, path: str, start: int = 0):
        mailbox.Mailbox.__init__(self, path, None, False)
        self._file = open(self._path, "rb")  # noqa: SIM115 - held open as mailbox.mbox holds its file; closed by close()
        self._toc: dict[int, tuple[int, int]] | None = None
        self._next_key = 0
        self._pending = self._pending_sync = self._locked = False
        self._file_length: int | None = None
        self._start = start

    def _generate_toc(self):
        """As mailbox.mbox's own, from self._start instead of 0."""
        starts, stops = [], []
        last_was_empty = False
        self._file.seek(self._start)
        while True:
            line_pos = self._file.tell()
            line = self._file.readline()
            if line.startswith(b"From "):
                if len(stops) < len(starts):
                    stops.append(line_pos - len(mailbox.linesep) if last_was_empty else line_pos)
                starts.append(line_pos)
                last_was_empty = False
            elif not line:
                if len(stops) < len(starts):
                    stops.append(line_pos - len(mailbox.linesep) if last_was_empty else line_pos)
                break
            else:
                last_was_empty = line == mailbox.linesep
        self._toc = dict(enumerate(zip(starts, stops, strict=True)))
        self._next_key = len(self._toc)
        self._file_length = self._file.tell()

    def flush(self):  # never write
        pass

    def starts(self) -> list[tuple[int, int]]:
        """(key, byte offset of its "From " line), in file order."""
        if self._toc is None:
            self._generate_toc()
        return sorted((key, start) for key, (start, _) in (self._toc or {}).items())

    @property
    def end(self) -> int:
        return self._file_length or 0

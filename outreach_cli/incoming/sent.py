"""M5: the Message-IDs of a Sent folder, read-only: a Maildir's files (only their headers are read) or an IMAP
folder (EXAMINE and BODY.PEEK of the Message-ID field: no flag changes)."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import INVALID_INPUT, OutreachError

MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_HEAD = 16384  # a header block longer than this is read whole


def message_id_of(head: bytes) -> str | None:
    end = min([i for i in (head.find(b"\n\n"), head.find(b"\r\n\r\n")) if i >= 0], default=len(head))
    found = MESSAGE_ID.search(head, 0, end + 1)
    return found.group(1).decode("ascii", "replace") if found else None


def maildir_ids(directory: Path) -> list[str | None]:
    """One entry per mail in DIR/new and DIR/cur (None for a mail without a Message-ID)."""
    root = Path(directory)
    if not (root / "cur").is_dir() and not (root / "new").is_dir():
        raise OutreachError(f"{root} is not a Maildir (it has no cur or new folder).", INVALID_INPUT)
    out: list[str | None] = []
    for folder in ("new", "cur"):
        try:
            names = sorted((root / folder).iterdir())
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutreachError(f"Cannot read {root / folder}: {exc.strerror or exc}.", INVALID_INPUT) from None
        for path in names:
            if path.name.startswith("."):
                continue
            try:
                with open(path, "rb") as mail:
                    head = mail.read(_HEAD)
                    while b"\n\n" not in head and b"\r\n\r\n" not in head:
                        more = mail.read(_HEAD)
                        if not more:
                            break
                        head += more
            except (IsADirectoryError, FileNotFoundError):
                continue  # a file moved away while we read (a Maildir is changed by renames)
            except OSError as exc:
                raise OutreachError(f"Cannot read {path}: {exc.strerror or exc}.", INVALID_INPUT) from None
            out.append(message_id_of(head))
    return out

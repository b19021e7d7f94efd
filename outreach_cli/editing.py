"""M1: a message's text from a file, standard input or the recruiter's editor, as `git commit` does.

The edited file is `Subject: ...`, a blank line, the body; lines starting with `#` are help text and are
dropped. Nothing here checks S6: the service does, as it does for `--body`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import INVALID_INPUT, INVALID_MESSAGE, refuse
from .placeholders import FIELDS

SUBJECT_MAX, BODY_MAX = 200, 1900  # S6, as services/drafts.py checks them (named here for the help lines)


def read_body_file(path: Path) -> str:
    """`--body-file FILE` (`-`: standard input), UTF-8; the file's final new line(s) are not part of the body."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise refuse(INVALID_INPUT, f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(INVALID_INPUT, f"{'Standard input' if str(path) == '-' else path} is not UTF-8 text.") from None
    return text.replace("\r\n", "\n").rstrip("\n")


def help_lines(what: str = "message") -> list[str]:
    return [
        f"# Write the {what}: the subject after 'Subject:', a blank line, then the body.",
        "# Lines starting with '#' are dropped. An empty subject or body, or quitting the",
        "# editor with an error (in vi: :cq), saves nothing.",
        "# Placeholders: " + " ".join("{" + f + "}" for f in FIELDS) + ";",
        "#   {company|your team} gives a fallback; write {{ and }} for literal braces.",
        f"# Limits: subject 1-{SUBJECT_MAX} characters, body 1-{BODY_MAX:,} characters, as written;",
        "#   a seat's signature (seats set --signature-file) is added after a '-- ' line and counts too.",
    ]


def editor_command() -> str:
    """$VISUAL, else $EDITOR, else vi (an empty variable counts as unset, as in git)."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return "vi"


def parse_edited(text: str, what: str = "message") -> tuple[str, str]:
    """(subject, body) from an edited file; `#` lines dropped, blank lines around the body trimmed."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise refuse(INVALID_MESSAGE, f"The {what} is empty; nothing was saved.")
    head, rest = lines[0], lines[1:]
    if not head.lower().startswith("subject:"):
        raise refuse(INVALID_MESSAGE, f"The {what} must start with a line 'Subject: ...'; nothing was saved.")
    subject = head[len("subject:") :].strip()
    body = "\n".join(rest).strip("\n").rstrip()
    if not subject:
        raise refuse(INVALID_MESSAGE, f"The {what} subject is empty; nothing was saved.")
    if not body.strip():
        raise refuse(INVALID_MESSAGE, f"The {what} body is empty; nothing was saved.")
    return subject, body


def edit(subject: str, body: str, *, what: str = "message") -> tuple[str, str]:
    """Open the editor on the text; return the edited (subject, body) or refuse (`invalid_message`)."""
    start = f"Subject: {subject}\n\n{body}\n\n" + "\n".join(help_lines(what)) + "\n"
    command = editor_command()
    handle, name = tempfile.mkstemp(prefix="outreach-message-", suffix=".txt")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(start)
        try:
            # As git does: the editor is a shell command line ("code --wait" works), the file its last argument.
            # Its output goes to stderr, so --json's stdout stays one document.
            status = subprocess.run(
                ["sh", "-c", command + ' "$@"', command, name],
                stdout=sys.stderr.fileno() if _has_fileno(sys.stderr) else None,
            ).returncode
        except OSError as exc:
            raise refuse(
                INVALID_MESSAGE, f"Cannot start the editor {command!r} ({exc.strerror or exc}); nothing was saved."
            ) from None
        if status != 0:
            raise refuse(INVALID_MESSAGE, f"The editor {command!r} exited with status {status}; nothing was saved.")
        try:
            text = Path(name).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise refuse(INVALID_MESSAGE, f"The edited {what} is not UTF-8 text; nothing was saved.") from None
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass
    return parse_edited(text, what)


def _has_fileno(stream) -> bool:
    try:
        stream.fileno()
        return True
    except (AttributeError, OSError, ValueError):
        return False


def choose(
    subject: str | None, body: str | None, body_file: Path | None, edit_flag: bool, *, what: str = "message", start=None
) -> tuple[str | None, str | None]:
    """The (subject, body) a command was given: `--body`, `--body-file` or `--edit` (one of them). `start` is
    the text the editor opens with when the command line gives none (a template's, an existing follow-up's),
    or a function returning it, asked only when the editor opens."""
    if sum(x for x in (body is not None, body_file is not None, edit_flag)) > 1:
        raise refuse(INVALID_INPUT, "Give the body one way: --body, --body-file or --edit.")
    if body_file is not None:
        return subject, read_body_file(body_file)
    if edit_flag:
        first_subject, first_body = (start() if callable(start) else start) or ("", "")
        return edit(subject if subject is not None else first_subject, first_body, what=what)
    return subject, body

"""M3: an incoming reply that asks to be left alone. A pure function of the mail.

A mail is an unsubscribe request when its subject (after `Re:`-style prefixes) or the first line of its text
that is not quoted is one of the phrases below, in any case, alone or with punctuation and spaces around it:
`STOP`, `Unsubscribe.`, `remove me!`. A phrase inside a longer sentence ("I can't stop thinking about it") is
not one: only the whole line counts, so an ordinary answer is never taken for an opt-out.

The text is the first `text/plain` part; a mail with only HTML is read from its HTML with quoted blocks
(`<blockquote>`, Gmail's `gmail_quote`) and tags dropped. Quoted lines (`>`) and the attribution line before
them ("On ... wrote:") are skipped. The body is parsed only for mail that matched a thread as a reply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import Message

PHRASES = frozenset(
    {
        # English (SPEC M3) and the polite forms people write
        "unsubscribe",
        "unsubscribe me",
        "please unsubscribe",
        "please unsubscribe me",
        "remove me",
        "please remove me",
        "stop",
        "opt out",
        "optout",
        "opt-out",
        # German
        "abmelden",
        "abbestellen",
        "austragen",
        "bitte abmelden",
        "bitte austragen",
        # French
        "désabonner",
        "désinscrire",
        "me désabonner",
        "me désinscrire",
        "désabonnement",
        "désinscription",
        # Spanish
        "baja",
        "darme de baja",
        "dar de baja",
        "cancelar suscripción",
        # Italian
        "cancellami",
        "disiscrivimi",
        "annulla iscrizione",
        # Portuguese
        "descadastrar",
        "descadastre-me",
        "cancelar inscrição",
        # Dutch
        "afmelden",
        "uitschrijven",
    }
)
_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|antw|wg|fwd?|tr|rif|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_ATTRIBUTION = re.compile(
    r"^(?:on |le |am |el |il |em |op ).*(?:wrote|écrit|schrieb|escribió|scritto|escreveu|"
    r"geschreven)\s*:?\s*$",
    re.IGNORECASE,
)


def is_phrase(line: str) -> bool:
    """True when one line, with its punctuation and spaces trimmed, is an unsubscribe phrase."""
    text = unicodedata.normalize("NFC", line).strip().lower()
    text = " ".join(_EDGES.sub("", text).split())
    return text in PHRASES


def requested(mail) -> bool:
    """M3: the subject or the first non-quoted line of the text asks to unsubscribe."""
    if is_phrase(_PREFIX.sub("", mail.subject or "")):
        return True
    line = first_line(getattr(mail, "raw", b"") or b"")
    return line is not None and is_phrase(line)


def opt_out_of(found, mail):
    """The hook where classification decides a reply: a matched reply that asks to unsubscribe is `opt_out`."""
    if found.kind == "reply" and requested(mail):
        return replace(found, kind="opt_out")
    return found


def first_line(raw: bytes) -> str | None:
    """The first line of the mail's own text that is not blank and not quoted; None when there is none."""
    text = _text(raw)
    if text is None:
        return None
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if _ATTRIBUTION.match(stripped):
            return None  # the mail starts with the quote: no words of its own above it
        return stripped
    return None


def _text(raw: bytes) -> str | None:
    """The mail's first text/plain part (else its first text/html part as text), decoded. Read with the standard
    library's compat32 policy, as parse.py reads mail: the modern policy's header objects made this a fifth of a
    `replies fetch` of replies (each reply is read for M3)."""
    from email import message_from_bytes

    try:
        message = message_from_bytes(raw)
        plain = html = None
        for part in message.walk():
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            kind = part.get_content_type()
            if kind == "text/plain" and plain is None:
                plain = _decoded(part)
            elif kind == "text/html" and html is None:
                html = _decoded(part)
        if plain is not None:
            return plain
        return None if html is None else html_text(html)
    except Exception:  # noqa: BLE001 - a mail that cannot be read is no request; the fetch goes on
        return None


def _decoded(part: Message) -> str:
    """A part's text: its transfer encoding undone, its charset decoded (an unknown charset read as UTF-8)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


_DROP = re.compile(
    r"<(head|style|script|blockquote)\b.*?</\1\s*>|<div[^>]*class=\"?[^\">]*gmail_quote.*", re.IGNORECASE | re.DOTALL
)
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6])\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_text(html: str) -> str:
    """HTML as plain lines: quoted blocks, head, styles and scripts dropped; block ends become new lines."""
    from html import unescape

    text = _DROP.sub("", html)
    text = _BREAK.sub("\n", text)
    return unescape(_TAG.sub("", text))

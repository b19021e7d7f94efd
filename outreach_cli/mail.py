"""The email form of a message (D3), in the bytes of the standard `email` package (written directly for a plain
message), built before the attempt: the same inputs give the same bytes on every retry."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from email import quoprimime
from email.utils import format_datetime, getaddresses, parseaddr

FALLBACK_DOMAIN = "outreach.invalid"  # RFC 2606: a name that can never be a real domain


@functools.lru_cache(maxsize=4096)
def parse_address(text: str | None) -> tuple[str, str] | None:
    """(display name, bare address) of `Ada Lovelace <ada@example.com>`, or None when it is not one
    well-formed address."""
    if not text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    if PLAIN_ADDRESS.match(text):
        return "", text  # a bare plain address, as _parse_with_email finds it (a tick reads one per message)
    return _parse_with_email(text)


def _parse_with_email(text: str) -> tuple[str, str] | None:
    found = getaddresses([text], strict=True) if _strict_supported() else getaddresses([text])
    if len(found) != 1:
        return None
    name, addr = parseaddr(text)
    if addr not in text:  # parseaddr quietly drops spaces and comments: `a@ex ample.com` is not an address
        return None
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or "." not in domain.strip(".") or " " in addr:
        return None
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return None
    return name, addr


@functools.cache
def _strict_supported() -> bool:
    import inspect

    return "strict" in inspect.signature(getaddresses).parameters


_IDNA_DEVIATIONS = "\u00df\u03c2\u200c\u200d"  # ß, ς, ZWNJ, ZWJ: IDNA 2003 and IDNA 2008 give different domains


def stored_addr_spec(addr: str) -> str:
    """D19: a bare address as outreach stores it, or ValueError with the reason (a clause: "its ... "). The local
    part must be ASCII: outreach writes 7-bit mail and never asks a server for SMTPUTF8, so no transport of it can
    carry another. A non-ASCII domain is stored IDNA-encoded (`exämple.net` as `xn--exmple-cua.net`), the form
    every server and DNS resolver takes."""
    local, _at, domain = addr.rpartition("@")
    if not local.isascii():
        raise ValueError(
            "its part before the @ is not ASCII, which outreach's mail (7-bit, without SMTPUTF8) cannot carry"
        )
    if not domain.isascii():
        if any(ch in domain.lower() for ch in _IDNA_DEVIATIONS):
            raise ValueError(
                "its domain holds a letter (such as ß) that the two IDNA standards write differently; "
                "give the domain in its xn-- form"
            )
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("its domain is not a valid international domain name") from None
    stored = f"{local}@{domain}"
    if parse_address(stored) != ("", stored):
        raise ValueError("it is not a valid address")
    return stored


def domain_of(address: str | None) -> str:
    parsed = parse_address(address) if address else None
    return parsed[1].rpartition("@")[2].lower() if parsed else FALLBACK_DOMAIN


def new_message_id(from_address: str | None) -> str:
    """A stable, unique Message-ID in the sender's domain: `<random@domain-of-the-sender>`."""
    return f"<{uuid.uuid4().hex}@{domain_of(from_address)}>"


def message_id_maker(from_address: str | None):
    """A function that returns a new Message-ID at each call, as `new_message_id` would; the domain is worked
    out once (a bulk schedule makes 20,000 of them)."""
    domain = domain_of(from_address)
    from os import urandom

    return lambda: f"<{urandom(16).hex()}@{domain}>"


def build(
    *,
    from_address: str,
    to_address: str,
    to_name: str | None,
    subject: str,
    body: str,
    sent_at: datetime,
    zone,
    internet_message_id: str,
    in_reply_to: str | None = None,
    list_unsubscribe: bool = False,
) -> bytes:
    """RFC 5322 bytes (CRLF line ends, email.policy.SMTP). `zone` is the seat's pytz zone: Date is the
    sent time as the seat's clock shows it. A follow-up passes its initial's id as `in_reply_to`.

    A plain message (ASCII names and subject that need no quoting, encoding or folding) is written directly,
    in the very bytes the `email` package gives (tests/system/test_transports.py checks this against
    `_build_with_email` on generated input): that package takes about a millisecond per message, most of a delivery tick's CPU.
    Anything else goes through the package. With `list_unsubscribe` (M3) the message carries
    `List-Unsubscribe: <mailto:SENDER?subject=unsubscribe>`."""
    name, addr = parse_address(from_address) or ("", from_address)
    date = _date_header(sent_at, zone)
    unsubscribe = f"<mailto:{addr}?subject=unsubscribe>" if list_unsubscribe else None
    fast = _build_plain(
        name, addr, to_address, to_name or "", subject, body, date, internet_message_id, in_reply_to, unsubscribe
    )
    if fast is not None:
        return fast
    return _build_with_email(
        name=name,
        addr=addr,
        to_address=to_address,
        to_name=to_name,
        subject=subject,
        body=body,
        date=date,
        internet_message_id=internet_message_id,
        in_reply_to=in_reply_to,
        unsubscribe=unsubscribe,
    )


def _build_with_email(
    *,
    name: str,
    addr: str,
    to_address: str,
    to_name: str | None,
    subject: str,
    body: str,
    date: str,
    internet_message_id: str,
    in_reply_to: str | None,
    unsubscribe: str | None = None,
) -> bytes:
    from email.headerregistry import Address  # about 10 ms of imports, which a plain message does without
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP)
    message["From"] = _mailbox_header("From", name, addr, Address)
    message["To"] = _mailbox_header("To", to_name or "", to_address, Address)
    message["Subject"] = _Folded("Subject", subject)
    message["Date"] = date
    message["Message-ID"] = internet_message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if unsubscribe:
        message["List-Unsubscribe"] = unsubscribe
    message["MIME-Version"] = "1.0"
    # quoted-printable keeps the body 7-bit: any server takes it, and UTF-8 text survives.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=SMTP)


# D14: text the `email` package would fold with encoded words is folded here instead. Its folder (seen on Python
# 3.11) drops the space between two encoded words when it folds a long non-ASCII subject or name
# ("... =?utf-8?q?Acme_=E2=80=94?=" / " =?utf-8?q?r=C3=B4le" reads "Acme —rôle"). Here a plain ASCII subject is
# folded at its spaces, and any other text is written whole as RFC 2047 encoded words, each character inside one:
# a reader joins adjacent encoded words without the folding space between them, so it decodes exactly the text
# written (tests/rules/test_delivery_second.py checks every text with Hypothesis on the bytes, and through a real SMTP
# server).
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_LINE = 76  # RFC 2047: a line holding encoded words is at most 76 characters
_HARD_LINE = 998  # RFC 5322: no line longer, whatever the folding


def _q_encoded(data: bytes) -> str:
    return "".join(chr(b) if b in _Q_SAFE else "_" if b == 32 else f"={b:02X}" for b in data)


def _b_encoded(data: bytes) -> str:
    from base64 import b64encode

    return b64encode(data).decode("ascii")


def encoded_words(text: str, first: int) -> list[str]:
    """`text` as UTF-8 encoded words, the first at most `first` characters long and the others 75 (RFC 2047), each
    holding whole characters; Q or B encoding, whichever writes the text shorter."""
    best: list[str] = []  # the shorter of the Q and B encodings (each holds at least one word)
    for kind, encode in (("q", _q_encoded), ("b", _b_encoded)):
        words: list[str] = []
        chunk = ""
        for ch in text:
            limit = first if not words else _LINE - 1
            if chunk and len(encode((chunk + ch).encode("utf-8"))) + 12 > limit:
                words.append(f"=?utf-8?{kind}?{encode(chunk.encode('utf-8'))}?=")
                chunk = ch
            else:
                chunk += ch
        words.append(f"=?utf-8?{kind}?{encode(chunk.encode('utf-8'))}?=")
        if not best or sum(map(len, words)) < sum(map(len, best)):
            best = words
    return best


def fold_unstructured(name: str, text: str) -> str:
    """The header line `Name: text` (with CRLF), folded so that a reader decodes exactly `text` (D14)."""
    head = f"{name}: "
    if not text:
        return f"{name}:\r\n"  # what the `email` package writes for an empty value
    if _PLAIN_TEXT.match(text) and "=?" not in text:
        lines, line = [], head.rstrip(" ")
        for word in text.split(" "):
            if line.endswith(":") or len(line) + 1 + len(word) <= _MAX_LINE:
                line += " " + word
            else:
                lines.append(line)
                line = " " + word
        lines.append(line)
        if all(len(one) <= _HARD_LINE for one in lines):
            return "\r\n".join(lines) + "\r\n"
    return head + "\r\n ".join(encoded_words(text, _LINE - len(head))) + "\r\n"


class _Folded:
    """A header value the `email` package writes as this module folds it (a header object in the sense of
    email.policy.EmailPolicy: a `name` and a `fold(policy=...)`)."""

    def __init__(self, name: str, text: str, folded: str | None = None):
        self.name, self.text = name, text
        self.folded = folded if folded is not None else fold_unstructured(name, text)

    def fold(self, *, policy) -> str:
        return self.folded.replace("\r\n", policy.linesep)

    def __str__(self) -> str:
        return self.text


def _mailbox_header(header: str, name: str, addr: str, address_class):
    """From or To: a printable ASCII display name (single spaces) as the `email` package writes it; any other one
    as encoded words (D14), so that a long non-ASCII name is not folded by the package's folder."""
    if not name or (_PLAIN_TEXT.match(name) and "=?" not in name):
        return address_class(display_name=name, addr_spec=addr)
    words = encoded_words(name, _LINE - len(header) - 2)
    folded, line = f"{header}: {words[0]}", f"{header}: {words[0]}"
    for word in words[1:] + [f"<{addr}>"]:
        if len(line) + 1 + len(word) <= _LINE:
            folded += " " + word
            line += " " + word
        else:
            folded += "\r\n " + word
            line = " " + word
    return _Folded(header, f"{name} <{addr}>", folded + "\r\n")


@functools.lru_cache(maxsize=256)
def _date_header(sent_at: datetime, zone) -> str:
    """The Date header's text; a tick's messages share a few due moments, so each is formatted once."""
    return format_datetime(sent_at.astimezone(zone))


# What the `email` package writes back unchanged: atoms (RFC 5322 atext) in names and addresses, printable ASCII
# words with single spaces in a subject, and nothing that reads as an encoded word (`=?`).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_NAME = re.compile(rf"(?:{_ATEXT}+(?: {_ATEXT}+)*)?\Z")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
PLAIN_ADDRESS = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})+\Z")
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*\Z")
_PLAIN_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>\Z")
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_MAX_LINE = 78  # email.policy.SMTP.max_line_length: a longer header line would be folded
_BODY_HEADERS = (
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def _mailbox(name: str, addr: str) -> str | None:
    if not _PLAIN_NAME.match(name) or not PLAIN_ADDRESS.match(addr) or "=?" in name:
        return None
    return f"{name} <{addr}>" if name else addr


def _build_plain(
    name, addr, to_address, to_name, subject, body, date, internet_message_id, in_reply_to, unsubscribe=None
):
    """The bytes `_build_with_email` gives, written directly; None when the message is not plain."""
    sender, recipient = _mailbox(name, addr), _mailbox(to_name, to_address)
    if sender is None or recipient is None or not _PLAIN_TEXT.match(subject) or "=?" in subject:
        return None
    if not _PLAIN_ID.match(internet_message_id) or (in_reply_to and not _PLAIN_ID.match(in_reply_to)):
        return None
    headers = [
        f"From: {sender}",
        f"To: {recipient}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: {internet_message_id}",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    if unsubscribe:
        headers.append(f"List-Unsubscribe: {unsubscribe}")
    if any(len(line) > _MAX_LINE for line in headers):
        return None
    # The body exactly as email.contentmanager encodes quoted-printable text and the generator writes it.
    payload = quoprimime.body_encode(b"\n".join(body.encode("utf-8").splitlines()).decode("latin-1") + "\n", _MAX_LINE)
    return ("\r\n".join(headers) + "\r\n" + _BODY_HEADERS + _LINE_ENDS.sub("\r\n", payload)).encode("ascii")


def envelope(
    *,
    message: dict,
    internet_message_id: str,
    from_address: str | None,
    to_address: str | None,
    to_name: str | None,
    sent_at: datetime,
    zone,
    in_reply_to: str | None = None,
    list_unsubscribe: bool = False,
):
    """The Envelope a transport sends (transports.Envelope): addresses and bytes when both ends have an
    address, else None there (an exec transport still gets the message object)."""
    from .transports import Envelope

    sender = parse_address(from_address)
    recipient = parse_address(to_address)
    rfc822 = None
    if from_address and sender and recipient:  # a sender parsed, so from_address is one
        rfc822 = build(
            from_address=from_address,
            to_address=recipient[1],
            to_name=to_name,
            subject=message["subject"],
            body=message["body"],
            sent_at=sent_at,
            zone=zone,
            internet_message_id=internet_message_id,
            in_reply_to=in_reply_to,
            list_unsubscribe=list_unsubscribe,
        )
    return Envelope(
        message_id=message["id"],
        internet_message_id=internet_message_id,
        sender=sender[1] if sender else None,
        recipient=recipient[1] if recipient else None,
        rfc822=rfc822,
        message=message,
    )

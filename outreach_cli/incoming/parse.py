"""Read one raw incoming mail into an `IncomingMail` record, never crashing on malformed input.

Most mail needs only its header block: it is cut off at the first blank line and read with the
standard library's header parser, whose raw values are decoded here field by field (so 10,000
messages cost about what a bare standard-library header loop costs). Only a delivery report (a
`multipart/report`, or mail from MAILER-DAEMON or postmaster) is parsed whole, to find the returned
message's Message-ID, the DSN status codes and the failed recipients.

Both parses use the `compat32` policy, not `email.policy.default`: the default policy builds a
structured header object on every access, which made one bounce cost 2-7 ms instead of 0.2 ms, and
it raises on some malformed headers. The few fields needed are decoded here instead (RFC 2047
words, addresses, dates), each one guarded, so no input makes `parse` raise.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser, BytesParser, HeaderParser
from email.utils import getaddresses, parsedate_to_datetime

HASH_PREFIX = "sha256:"  # message_id of mail that has no Message-ID: "sha256:" + hex digest of its bytes

_ID = re.compile(r"<([^<>\s]{1,996})>")  # an id fits on one 998-character line, brackets included
MAX_REFERENCES = 100  # the newest References kept: a thread is never that deep, a hostile header may be
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_QUOTED_ID = re.compile(r"^[ \t>]*Message-Id:[ \t]*(<[^<>\s]{1,996}>)", re.IGNORECASE | re.MULTILINE)
_DAEMONS = ("mailer-daemon", "postmaster")
AUTO_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "precedence", "x-auto-response-suppress")
# The parsers' default policy is compat32 (importing email.policy would cost 15 ms at start-up).
_HEAD_PARSER = BytesHeaderParser()
_WHOLE_PARSER = BytesParser()


@dataclass(frozen=True)
class IncomingMail:
    """What outreach needs from one incoming mail. Every field is always present."""
    message_id: str                 # "<id@host>" as written, or "sha256:HEX" when the mail has none
    message_id_is_hash: bool
    from_address: str | None        # lower-cased addr-spec of the first From address, None if unreadable
    from_name: str                  # decoded display name ("" when none)
    subject: str                    # decoded, one line ("" when missing)
    date: datetime | None           # the Date header in UTC (aware), None when missing or unreadable
    in_reply_to: tuple[str, ...]    # every <...> token of In-Reply-To, in order, brackets kept
    references: tuple[str, ...]     # the <...> tokens of References, in order (oldest first), the last 100
    auto_headers: dict = field(default_factory=dict)  # lower-cased name -> value, for AUTO_HEADERS present
    content_type: str = "text/plain"  # lower-cased maintype/subtype of the top level
    report_type: str | None = None  # the report-type parameter of a multipart/report, lower-cased
    is_delivery_report: bool = False  # multipart/report; report-type=delivery-status, or from a daemon
    returned_message_ids: tuple[str, ...] = ()  # Message-IDs of the returned message (reports only)
    dsn_statuses: tuple[str, ...] = ()          # "5.1.1", ... per recipient (reports only)
    diagnostic_codes: tuple[str, ...] = ()      # Diagnostic-Code values, e.g. "smtp; 550 5.1.1 ..."
    failed_recipients: tuple[str, ...] = ()     # lower-cased addresses the report says failed
    size: int = 0
    raw: bytes = field(default=b"", repr=False, compare=False)  # the mail as read: M3 reads its text when needed

    @property
    def failed_recipient(self) -> str | None:
        return self.failed_recipients[0] if self.failed_recipients else None

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("raw")
        data["date"] = self.date.strftime("%Y-%m-%dT%H:%M:%SZ") if self.date else None
        return data


def parse(raw: bytes) -> IncomingMail:
    """Parse raw RFC 5322 bytes. Never raises for any bytes."""
    raw = bytes(raw)
    headers = _read_headers(raw)
    message_id = _first_id(_one(headers, "message-id"))
    from_name, from_address = _address(_one(headers, "from"))
    content_type, report_type = _content_type(_one(headers, "content-type"))
    report = (content_type == "multipart/report" and report_type == "delivery-status") or (
        from_address is not None and from_address.split("@")[0] in _DAEMONS)
    fields = dict(
        message_id=message_id or HASH_PREFIX + hashlib.sha256(raw).hexdigest(),
        message_id_is_hash=message_id is None,
        from_address=from_address, from_name=from_name,
        subject=_text(_one(headers, "subject")),
        date=_date(_one(headers, "date")),
        in_reply_to=_ids(headers.get("in-reply-to", ())),
        references=_ids(headers.get("references", ()))[-MAX_REFERENCES:],
        auto_headers={name: _text(headers[name][0]) for name in AUTO_HEADERS if name in headers},
        content_type=content_type, report_type=report_type, is_delivery_report=report, size=len(raw), raw=raw,
    )
    if report:
        fields.update(_read_report(raw, headers))
    return IncomingMail(**fields)


# -- headers -------------------------------------------------------------------------------------

def _read_headers(raw: bytes) -> dict[str, list[str]]:
    """Lower-cased header name -> raw values (8-bit bytes decoded as UTF-8, invalid bytes replaced)."""
    ends = [i for i in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if i >= 0]
    head = raw[:min(ends) + 2] if ends else raw
    headers: dict[str, list[str]] = {}
    try:
        items = _HEAD_PARSER.parsebytes(head).raw_items()
        for name, value in items:
            if isinstance(value, str):
                value = _unescape(value)
            headers.setdefault(str(name).strip().lower(), []).append(str(value))
    except Exception:  # the parser is lenient, but this must never stop a fetch
        pass
    return headers


def _unescape(value: str) -> str:
    """compat32 keeps 8-bit header bytes as surrogate escapes; most such headers are UTF-8."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _one(headers, name) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).strip()


def _text(value: str) -> str:
    """An RFC 2047 header decoded to one line of text; undecodable words are kept as written."""
    value = _unfold(value)
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except Exception:
            pass
    if not value.isprintable():  # control characters, tabs included, become spaces
        value = "".join(ch if ch.isprintable() else " " for ch in value)
    return value.strip()


def _address(value: str) -> tuple[str, str | None]:
    try:
        pairs = getaddresses([_unfold(value)])
    except Exception:
        return "", None
    for name, address in pairs:
        address = address.strip().lower()
        if "@" in address and not any(ch.isspace() for ch in address):
            return _text(name), address
    for name, address in pairs:  # a bare "MAILER-DAEMON" has no domain
        if address.strip().lower() in _DAEMONS:
            return _text(name), address.strip().lower()
    return "", None


def _date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(_unfold(value))
        if parsed.tzinfo is None:  # "-0000": the time is UTC, the zone unknown
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except Exception:  # a bad date, a year out of range, an offset of 99 hours
        return None


def _first_id(value: str) -> str | None:
    value = _unfold(value)
    found = _ID.search(value)
    if found:
        return f"<{found.group(1)}>"
    if value and "@" in value and len(value) <= 996 and not any(ch.isspace() for ch in value):
        return f"<{value.strip('<>')}>"
    return None


def _ids(values) -> tuple[str, ...]:
    return tuple(f"<{token}>" for value in values for token in _ID.findall(value))


def _content_type(value: str) -> tuple[str, str | None]:
    parts = _unfold(value).split(";")
    main = parts[0].strip().lower() or "text/plain"
    report_type = None
    for part in parts[1:]:
        name, _, param = part.partition("=")
        if name.strip().lower() == "report-type":
            report_type = param.strip().strip('"').lower()
    return main, report_type


# -- delivery reports ----------------------------------------------------------------------------

def _read_report(raw: bytes, headers) -> dict:
    returned, statuses, diagnostics, recipients, texts = [], [], [], [], []
    try:
        for part in _report_parts(_WHOLE_PARSER.parsebytes(raw)):
            _read_part(part, returned, statuses, diagnostics, recipients, texts)
    except Exception:
        texts.append(raw.decode("utf-8", "replace"))
    body = "\n".join(texts)
    if not returned:  # a report without a returned part, or a plain-text bounce quoting the headers
        returned = [match for match in _QUOTED_ID.findall(body)]
    if not statuses:  # e.g. Exim's plain-text bounce: "550 5.1.1 <x>: user unknown"
        statuses = _STATUS.findall(body)
        if not statuses and re.search(r"permanent(ly)? (error|fail)", body, re.IGNORECASE):
            statuses = ["5.0.0"]
        elif not statuses and re.search(r"\b(delayed|still being retried|temporar)", body, re.IGNORECASE):
            statuses = ["4.0.0"]
    if not diagnostics and statuses:  # a plain-text bounce: the server's answer is the line with the code
        line = next((line for line in body.splitlines() if statuses[0] in line), "")
        if line.strip():
            diagnostics = [" ".join(line.split())]
    for value in headers.get("x-failed-recipients", ()):
        recipients.extend(address for _, address in getaddresses([_unfold(value)]) if "@" in address)
    return dict(returned_message_ids=_unique(returned), dsn_statuses=_unique(statuses),
                diagnostic_codes=_unique(diagnostics),
                failed_recipients=_unique(address.strip().lower() for address in recipients))


def _report_parts(message):
    """Every part of the report, but not the parts inside the returned message: its own text (our
    outreach message) must not be read as the report's."""
    yield message
    if message.get_content_type() in ("message/rfc822", "message/delivery-status"):
        return
    payload = message.get_payload()
    if isinstance(payload, list):
        for part in payload:
            yield from _report_parts(part)


def _read_part(part, returned, statuses, diagnostics, recipients, texts) -> None:
    kind = part.get_content_type()
    if kind == "message/delivery-status":
        blocks = part.get_payload()
        if isinstance(blocks, str):
            blocks = [HeaderParser().parsestr(chunk) for chunk in blocks.split("\n\n")]
        for block in blocks:
            _read_status_block(block, statuses, diagnostics, recipients)
    elif kind == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if hasattr(inner, "raw_items"):
            found = _first_id(_get(inner, "message-id"))
            if found:
                returned.append(found)
    elif kind == "text/rfc822-headers":
        text = _part_text(part)
        found = _first_id(_get(HeaderParser().parsestr(text), "message-id"))
        if found:
            returned.append(found)
    elif part.get_content_maintype() == "text":
        texts.append(_part_text(part))


def _read_status_block(block, statuses, diagnostics, recipients) -> None:
    if not hasattr(block, "raw_items"):
        return
    status = _STATUS.search(_get(block, "status"))
    if status:
        statuses.append(status.group(1))
    diagnostic = " ".join(_get(block, "diagnostic-code").split())
    if diagnostic:
        diagnostics.append(diagnostic)
    recipient = _get(block, "final-recipient") or _get(block, "original-recipient")
    if recipient and status:
        address = recipient.partition(";")[2].strip() or recipient.strip()
        if "@" in address:
            recipients.append(address.strip("<>"))


def _get(message, name: str) -> str:
    """The first raw value of a header, as text ("" when absent)."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return _unescape(str(value))
    return ""


def _part_text(part) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # an unknown charset
        return payload.decode("utf-8", "replace")


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))

"""T5: `{first_name}`, `{company|your team}`, `{{`/`}}` literal braces. Rendering is a plain
lookup in a dict of strings: no code, no attribute access, no format spec."""

from __future__ import annotations

import re

from .errors import UNKNOWN_PLACEHOLDER, refuse

FIELDS = ("first_name", "last_name", "full_name", "company", "title", "sender_name")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def parse(text: str) -> list:
    """Split text into literal strings and (field, fallback) pairs; refuse bad placeholders."""
    parts: list = []
    position = 0
    for match in _TOKEN.finditer(text):
        parts.append(text[position : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
        elif match.group(1) is None:
            raise refuse(
                UNKNOWN_PLACEHOLDER, f"A lone {token!r} in {_clip(text)!r}; write {token * 2} for a literal brace."
            )
        else:
            name, bar, fallback = match.group(1).partition("|")
            name = name.strip()
            if name not in FIELDS:
                raise refuse(
                    UNKNOWN_PLACEHOLDER,
                    f"Unknown placeholder {{{name}}}; use one of " + ", ".join("{" + f + "}" for f in FIELDS) + ".",
                )
            parts.append((name, fallback if bar else None))
        position = match.end()
    parts.append(text[position:])
    return parts


def check(text: str) -> None:
    parse(text)


def values_for(candidate, sender_name: str) -> dict:
    first, last = candidate["first_name"] or "", candidate["last_name"] or ""
    return {
        "first_name": first,
        "last_name": last,
        "full_name": " ".join(p for p in (first, last) if p),
        "company": candidate["company"] or "",
        "title": candidate["title"] or "",
        "sender_name": sender_name or "",
    }


def render(parts: list, values: dict) -> tuple[str, list[str]]:
    """The rendered text and the fields that had no value and no fallback."""
    out, missing = [], []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        name, fallback = part
        value = values.get(name) or ""
        if not value:
            if fallback is None:
                missing.append(name)
            value = fallback or ""
        out.append(value)
    return "".join(out), missing


SIGNATURE_SEPARATOR = "\n\n-- \n"  # RFC 3676 4.3: the line "-- " (with its space) starts a signature


def signed(body: str, signature: str | None) -> str:
    """M2: a body with the seat's signature after a line `-- ` (the body as it is when there is none)."""
    return body + SIGNATURE_SEPARATOR + signature if signature else body


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


class Personaliser:
    """A draft's texts parsed once and rendered per recipient: the one loop `schedule` and `preview` share.
    `texts` maps a name (subject, body, followup_subject, followup_body) to its text as written."""

    def __init__(self, texts: dict[str, str], sender_name: str, signature: str | None = None):
        self.parsed = [(key, parse(text)) for key, text in texts.items()]
        self.sender_name = sender_name
        self.signed = signed("", signature)  # M2: the seat's signature, as written (no placeholders)

    @classmethod
    def of_draft(cls, draft, sender_name: str, signature: str | None = None) -> Personaliser:
        texts = {"subject": draft["subject"], "body": draft["body"]}
        if draft["followup_body"] is not None:
            texts.update(followup_subject=draft["followup_subject"], followup_body=draft["followup_body"])
        return cls(texts, sender_name, signature)

    def render(self, candidate) -> tuple[dict[str, str], list[str]]:
        """The texts as this candidate reads them, and the placeholders that had no value (each once)."""
        values = values_for(candidate, self.sender_name)
        out, missing = {}, []
        for key, parts in self.parsed:
            out[key], gaps = render(parts, values)
            missing += gaps
            if self.signed and key.endswith("body"):
                out[key] += self.signed
        return out, list(dict.fromkeys(missing))

"""I5: what kind of mail an incoming message is. A pure function of the parsed record."""
from __future__ import annotations

from dataclasses import dataclass

from .parse import IncomingMail

_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk"}


@dataclass(frozen=True)
class Classification:
    kind: str            # "bounce", "auto_reply" or "reply"
    hard: bool = False   # bounces only: True for a 5.x.x status (the message failed), False for 4.x.x
    status: str | None = None  # bounces only: the status that decided (the first 5.x.x, else the first)


def classify(mail: IncomingMail) -> Classification:
    """Classify one mail (SPEC I5).

    - A delivery report (`multipart/report; report-type=delivery-status`, or mail from MAILER-DAEMON
      or postmaster) is a `bounce`, whatever auto-reply headers it also carries (a report is often
      sent with `Auto-Submitted: auto-replied`). It is *hard* (`hard=True`) when any recipient's
      status is 5.x.x: the returned message failed. A report with only 4.x.x statuses (a delay
      warning: "still being retried") is a *soft* bounce, `hard=False`: it keeps the kind `bounce`
      so that the incoming JSON's kinds stay those of I7, and it is recorded only.
      A report with no status at all is soft too: nothing says the message will not arrive.
    - Otherwise mail with an automatic-reply header is an `auto_reply`: `Auto-Submitted` other than
      `no`, `X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply|bulk|junk`, or
      `X-Auto-Response-Suppress` (Exchange puts it on its out-of-office replies).
    - Anything else is a `reply`. Whether it is from a candidate is for `match` to say.
    """
    if mail.is_delivery_report:
        hard = [status for status in mail.dsn_statuses if status.startswith("5.")]
        if hard:
            return Classification("bounce", True, hard[0])
        return Classification("bounce", False, mail.dsn_statuses[0] if mail.dsn_statuses else None)
    if is_automatic(mail.auto_headers):
        return Classification("auto_reply")
    return Classification("reply")


def is_automatic(headers: dict) -> bool:
    """True when lower-cased header names -> values mark the mail as sent by a machine."""
    auto_submitted = headers.get("auto-submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() not in ("no", ""):
        return True
    if "x-autoreply" in headers or "x-autorespond" in headers or "x-auto-response-suppress" in headers:
        return True
    return headers.get("precedence", "").strip().lower() in _AUTO_PRECEDENCE

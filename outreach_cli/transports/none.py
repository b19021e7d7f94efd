"""`none`: a sent message is recorded only (K1)."""

from __future__ import annotations

from ..errors import NOT_CONFIGURED, refuse
from . import Accepted, Envelope, Transport


class NoneTransport(Transport):
    kind = "none"
    delivers = False

    def send(self, envelope: Envelope) -> Accepted:
        return Accepted(None)

    def check(self) -> str:
        raise refuse(NOT_CONFIGURED, "This seat has no transport; set one with `outreach delivery set`.")

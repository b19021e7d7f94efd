"""Facts about addresses that both directions of mail need (D1, I1)."""

from __future__ import annotations

import ipaddress

_LOOPBACK_NAMES = ("localhost", "localhost.", "localhost.localdomain", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: the only place mail may travel without TLS (`--security none`)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

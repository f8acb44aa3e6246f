"""The address a request came from, for django-axes's lockouts (``AXES_CLIENT_IP_CALLABLE``).

Without a proxy it is the connection's address. Behind one (``KOERS_BEHIND_PROXY``), a
connection from a trusted proxy (``KOERS_TRUSTED_PROXIES``: addresses or networks, the
loopback addresses unless set) carries the client's address in ``X-Forwarded-For``: the
addresses are read from the right, skipping trusted proxies, and the first other one is
the client. A header from anyone else is ignored, so a client cannot choose its own
address, and one client's wrong passwords never lock out everyone behind the proxy.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: str) -> tuple[Any, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    spec = str(getattr(settings, "KOERS_TRUSTED_PROXIES", "127.0.0.1,::1"))
    return any(ip in network for network in _networks(spec))


def client_ip(request: Any) -> str | None:
    """The client's address (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR")
    if not getattr(settings, "KOERS_BEHIND_PROXY", False) or not remote or not _trusted(remote):
        return str(remote) if remote else None
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return str(remote)  # a malformed header: the proxy's own address
    return str(remote)

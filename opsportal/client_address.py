"""The client's address behind a configured number of trusted reverse proxies.

Login lockout (django-axes, ``AXES_CLIENT_IP_CALLABLE``) and API throttling
(:mod:`opsportal.throttling`) key on it, so one client cannot lock out or slow down another
by sharing the proxy's address, nor dodge a limit by sending an X-Forwarded-For of its own.

Each trusted proxy appends the address it received the request from to X-Forwarded-For. With
``TRUSTED_PROXY_COUNT = N`` the client is therefore the Nth address from the right: everything
left of it was written by the client and cannot be trusted. With N = 0 the header is ignored.
This is the rule of DRF's ``NUM_PROXIES``, which settings sets to the same number.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the address of the client that sent ``request``, as the outermost trusted proxy saw it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer hops than proxies: the request skipped a proxy; take the leftmost, as DRF does.
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote  # a proxy that writes something else is misconfigured; fall back to the peer

"""Decide whether a webhook URL may be called: http(s) only, no private network unless allowed.

A portal that posts to any URL an admin types is a way into the internal network (SSRF). So a
URL must be http or https, and every address its host resolves to must be public, unless
``WEBHOOK_ALLOW_PRIVATE`` is on (the default while DEBUG is on, so a developer's local receiver
works) or the address lies in one of ``WEBHOOK_ALLOWED_NETWORKS`` (CIDRs, for an internal chat
server). The check runs when the endpoint is saved and again before every delivery, since a
name can resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve(host: str) -> list[IPAddress]:
    """Return every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(f"The host {host!r} cannot be resolved.", code="unresolvable") from error
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    """Return True when ``address`` is a global unicast address (not private, loopback, link-local, ...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Return the networks of ``WEBHOOK_ALLOWED_NETWORKS``."""
    return [ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS]


def validate_webhook_url(url: str) -> None:
    """Raise ValidationError unless ``url`` is an http(s) URL whose host may be called."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValidationError("Only http:// and https:// URLs can receive webhooks.", code="scheme")
    if not parts.hostname:
        raise ValidationError("The URL names no host.", code="host")
    if parts.username or parts.password:
        raise ValidationError("Put no user name or password in the URL; use the endpoint's secret.", code="userinfo")
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    networks = allowed_networks()
    for address in resolve(parts.hostname):
        if not is_public(address) and not any(address in network for network in networks):
            raise ValidationError(
                f"{parts.hostname} resolves to {address}, a private or local address. Allow it with "
                "WEBHOOK_ALLOWED_NETWORKS (or WEBHOOK_ALLOW_PRIVATE=true outside production).",
                code="private",
            )

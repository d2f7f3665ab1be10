"""Build the HTTP body and headers of one webhook delivery; sign generic payloads.

Pure functions of their arguments (no database, no clock), so a receiver's verifier can be
tested against them.

Signature (generic endpoints): ``X-OpsPortal-Signature: sha256=<hex>``, the HMAC-SHA256 with
the endpoint's secret of ``f"{timestamp}.".encode() + raw_body``, where ``timestamp`` is the
``X-OpsPortal-Timestamp`` header (Unix seconds). A receiver recomputes it over the raw body,
compares in constant time and refuses a timestamp more than a few minutes old: a captured
request cannot be replayed later, and the timestamp cannot be changed without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-OpsPortal-Signature"
TIMESTAMP_HEADER = "X-OpsPortal-Timestamp"
DELIVERY_HEADER = "X-OpsPortal-Delivery"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-OpsPortal-Event"


@dataclass(frozen=True)
class Message:
    """What a delivery says: the notification's subject, body, absolute link and key."""

    key: str
    subject: str
    body: str = ""
    link: str = ""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``sha256=<hex>`` signature of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, secret: str, timestamp: int, body: bytes, header: str) -> bool:
    """Return True when ``header`` is the signature of ``body`` at ``timestamp`` (what a receiver does)."""
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)


def _text(message: Message) -> str:
    text = f"*{message.subject}*"
    if message.body:
        text += f"\n{message.body}"
    if message.link:
        text += f"\n<{message.link}|Open in OpsPortal>"
    return text


def payload(*, kind: str, message: Message, delivery_id: str, sent_at: str) -> dict[str, Any]:
    """Return the JSON document for an endpoint of ``kind``."""
    if kind in {"slack", "mattermost"}:
        # Both accept Slack's incoming-webhook format; mrkdwn: *bold* and <url|label>.
        return {"text": _text(message)}
    if kind == "teams":
        card: dict[str, Any] = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": message.subject,
            "text": message.body or message.subject,
        }
        if message.link:
            card["potentialAction"] = [
                {"@type": "OpenUri", "name": "Open in OpsPortal", "targets": [{"os": "default", "uri": message.link}]}
            ]
        return card
    return {
        "id": delivery_id,
        "key": message.key,
        "subject": message.subject,
        "body": message.body,
        "link": message.link,
        "sent_at": sent_at,
    }


def request(
    *, kind: str, secret: str, message: Message, delivery_id: str, timestamp: int, sent_at: str
) -> tuple[bytes, dict[str, str]]:
    """Return the raw body and headers of one delivery attempt."""
    body = json.dumps(
        payload(kind=kind, message=message, delivery_id=delivery_id, sent_at=sent_at), separators=(",", ":")
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OpsPortal-Webhooks/1",
        DELIVERY_HEADER: delivery_id,
        IDEMPOTENCY_HEADER: delivery_id,
        EVENT_HEADER: message.key,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret=secret, timestamp=timestamp, body=body)
    return body, headers

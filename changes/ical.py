"""Write an iCalendar (RFC 5545) feed by hand: escaping, UTC times and 75-octet line folding.

Pure: no database. ``calendar_document`` takes plain event dicts and returns the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

CRLF = "\r\n"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, never splitting a UTF-8 character (§3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with one space
        current += char
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def utc_stamp(moment: datetime) -> str:
    """Return ``moment`` as an iCalendar UTC DATE-TIME (20260101T120000Z)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_document(*, name: str, events: Iterable[dict[str, Any]], now: datetime) -> str:
    """Return a VCALENDAR holding one VEVENT per event dict.

    Each event has ``uid``, ``start``, ``end`` (aware datetimes), ``summary`` and optional
    ``description``, ``url``, ``status`` (TENTATIVE, CONFIRMED or CANCELLED), ``sequence``.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//OpsPortal//Change calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{utc_stamp(now)}",
            f"DTSTART:{utc_stamp(event['start'])}",
            f"DTEND:{utc_stamp(event['end'])}",
            f"SUMMARY:{escape_text(event['summary'])}",
        ]
        if event.get("description"):
            lines.append(f"DESCRIPTION:{escape_text(event['description'])}")
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        if event.get("status"):
            lines.append(f"STATUS:{event['status']}")
        lines.append(f"SEQUENCE:{int(event.get('sequence', 0))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF

"""Parse a procedures document (Markdown in the reference document's shape) into a tree.

Pure: no Django. The shape it understands:

- ``#`` to ``######`` headings make nested :class:`Section` objects. A heading may name
  when it happens: a time of day in parentheses (``Morning Startup (8:00 AM)``,
  ``(18:30)``), a weekday before a dash (``Monday - Planning``), a week of the month
  (``First Week - Strategic Review``, ``Week 2 - …``), a relative window
  (``(0-15 minutes)``, ``(15 minutes - 2 hours)``, ``(within 48 hours)``).
- ``- [ ] text`` / ``- [x] text`` checklist items, ``- text`` bullets and ``1. text``
  numbered steps become :class:`Entry` objects of their section; ``**Key**: value`` in
  any of them is split into ``key`` and ``value``.
- Other lines are kept as the section's paragraphs.

Anything that cannot be right raises :class:`ProcedureError` with its line number: an
item before any heading, an impossible time ("25:00 PM"), a word that looks like a weekday
but is none ("Funday - …"), a week of the month outside 1–5, a heading with no title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time, timedelta


class ProcedureError(ValueError):
    """A document that cannot be imported, with the line that shows why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class Entry:
    """A checklist item, bullet or numbered step."""

    kind: str  # "checkbox", "bullet" or "step"
    text: str  # the whole text, with Markdown emphasis removed
    line: int
    key: str = ""  # "Response Time" for "**Response Time**: Within 1 hour"
    value: str = ""  # "Within 1 hour"
    number: int | None = None  # a step's number
    checked: bool = False  # "- [x]"


@dataclass
class Section:
    """A heading and everything under it up to the next heading of its level or higher."""

    title: str  # as written: "Morning Startup (8:00 AM)"
    level: int
    line: int
    name: str = ""  # the title without its time or window: "Morning Startup", "Monday - Planning"
    label: str = ""  # the title without any schedule words: "Planning"
    time_of_day: time | None = None
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    week_of_month: int | None = None  # 1–5; week N is days 7N-6 to 7N
    window: tuple[timedelta, timedelta | None] | None = None  # relative start and end
    window_text: str = ""  # "(varies by severity)" and other words in parentheses
    entries: list[Entry] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, str]:
        """Return the section's ``**Key**: value`` entries as a dict (first wins)."""
        found: dict[str, str] = {}
        for entry in self.entries:
            if entry.key and entry.key not in found:
                found[entry.key] = entry.value
        return found

    def entries_of(self, kind: str) -> list[Entry]:
        """Return the entries of one kind, in document order."""
        return [entry for entry in self.entries if entry.kind == kind]

    def walk(self) -> Iterator[Section]:
        """Yield this section and every section below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def has_title(self, *words: str) -> bool:
        """Return True when the title contains any of ``words`` (case-insensitive)."""
        lowered = self.title.lower()
        return any(word.lower() in lowered for word in words)


@dataclass
class Document:
    """A parsed document: its top-level sections."""

    sections: list[Section]
    source: str = ""

    def walk(self) -> Iterator[Section]:
        """Yield every section, depth first."""
        for section in self.sections:
            yield from section.walk()


WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
    "fourth": 4, "4th": 4, "fifth": 5, "5th": 5,
}  # fmt: skip
UNITS = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440}
# What the portal's columns hold: a template's name, a step's or stage's **Key**.
MAX_TITLE_LENGTH = 200
MAX_KEY_LENGTH = 100
MAX_WINDOW = timedelta(days=366)

_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s*(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_STEP = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_KEY_VALUE = re.compile(r"^\*\*(.+?)\*\*\s*:?\s*(.*)$")
_KEY_COLON_INSIDE = re.compile(r"^\*\*(.+?):\*\*\s*(.*)$")
_PARENS = re.compile(r"\(([^()]*)\)")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?$|^(\d{1,2}):(\d{2})$", re.IGNORECASE)
_TIMEISH = re.compile(r"^\d{1,2}(:\d{2})?\s*([ap]\.?\s*m\.?)?$", re.IGNORECASE)
_DURATION = r"(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|days?)?"
_RANGE = re.compile(rf"^{_DURATION}\s*(?:-|–|—|to)\s*{_DURATION}$", re.IGNORECASE)
_WITHIN = re.compile(rf"^(?:within|under|up to)\s+{_DURATION}$", re.IGNORECASE)
_PREFIX = re.compile(r"^(.+?)\s+[-–—:]\s+(.+)$")
_WEEK = re.compile(r"^(?:(\w+)\s+week|week\s+(\d+))$", re.IGNORECASE)


def _plain(text: str) -> str:
    """Remove Markdown emphasis markers from inline text."""
    return re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", text).strip()


def _parse_time(text: str, line: int) -> time:
    """Return the time of day that ``text`` names, or raise ProcedureError."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ProcedureError(line, f"{text!r} is not a time of day (use 8:00 AM or 18:30).")
    if match.group(3):  # 12-hour clock
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ProcedureError(line, f"{text!r} is not a time of day: hours run 1-12 with AM/PM, minutes 0-59.")
        hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    else:
        hour, minute = int(match.group(4)), int(match.group(5))
        if hour > 23 or minute > 59:
            raise ProcedureError(line, f"{text!r} is not a time of day: hours run 0-23, minutes 0-59.")
    return time(hour, minute)


def _minutes(amount: str, unit: str | None, default_unit: str | None, line: int) -> timedelta:
    unit = (unit or default_unit or "minute").lower().rstrip("s")
    factor = next(value for key, value in UNITS.items() if unit.startswith(key))
    minutes = float(amount) * factor
    if minutes > MAX_WINDOW.total_seconds() / 60:  # also stops a 20-digit count overflowing timedelta
        raise ProcedureError(line, f"{amount} {unit}s is too long: a window lasts at most {MAX_WINDOW.days} days.")
    return timedelta(minutes=minutes)


def _parse_window(text: str, line: int) -> tuple[timedelta, timedelta | None] | None:
    """Return (start, end) offsets for "0-15 minutes", "15 minutes - 2 hours", "within 48 hours"."""
    text = text.strip()
    match = _RANGE.match(text)
    if match:
        first_amount, first_unit, second_amount, second_unit = match.groups()
        if not (first_unit or second_unit):
            return None
        return (
            _minutes(first_amount, first_unit, second_unit, line),
            _minutes(second_amount, second_unit, first_unit, line),
        )
    match = _WITHIN.match(text)
    if match and match.group(2):
        return timedelta(0), _minutes(match.group(1), match.group(2), None, line)
    return None


def _parse_weekday_list(text: str) -> tuple[int, ...] | None:
    """Return weekdays for "Monday", "Mon & Thu", "Monday and Wednesday"; None if not weekdays."""
    words = [word for word in re.split(r"\s*(?:,|&|/|\band\b)\s*", text.strip().lower()) if word]
    if words and all(word in WEEKDAYS for word in words):
        return tuple(sorted({WEEKDAYS[word] for word in words}))
    return None


def _parse_heading(title: str, level: int, line: int) -> Section:
    """Build a Section from a heading's text, reading the schedule words it contains."""
    if len(title) > MAX_TITLE_LENGTH:
        raise ProcedureError(line, f"a heading is longer than {MAX_TITLE_LENGTH} characters: {title[:40]!r}…")
    section = Section(title=title, level=level, line=line)
    name = title
    for inner in _PARENS.findall(title):
        stripped = inner.strip()
        if _TIMEISH.match(stripped) and (":" in stripped or re.search(r"[ap]\.?\s*m", stripped, re.IGNORECASE)):
            section.time_of_day = _parse_time(stripped, line)
            name = name.replace(f"({inner})", "")
            continue
        window = _parse_window(stripped, line)
        if window is not None:
            section.window = window
            name = name.replace(f"({inner})", "")
        elif re.search(r"\d", stripped) is None and not re.fullmatch(r"[A-Z]\d", stripped):
            section.window_text = stripped
            name = name.replace(f"({inner})", "")
    section.name = re.sub(r"\s{2,}", " ", name).strip()
    section.label = section.name
    prefix = _PREFIX.match(section.name)
    if prefix:
        head, rest = prefix.group(1).strip(), prefix.group(2).strip()
        weekdays = _parse_weekday_list(head)
        week = _WEEK.match(head)
        if weekdays is not None:
            section.weekdays = weekdays
            section.label = rest
        elif week is not None:
            word = (week.group(1) or week.group(2)).lower()
            number = ORDINALS.get(word) or (int(word) if word.isdigit() else None)
            if number is None or not 1 <= number <= 5:
                raise ProcedureError(line, f"{head!r} is not a week of the month (First to Fifth Week, or Week 1-5).")
            section.week_of_month = number
            section.label = rest
        elif re.fullmatch(r"[A-Za-z]+day", head) and head.lower() not in {"today", "everyday"}:
            raise ProcedureError(line, f"{head!r} is not a weekday (Monday to Sunday).")
    if not section.name:
        raise ProcedureError(line, "a heading needs a title.")
    return section


def _parse_entry(raw: str, line: int) -> Entry | None:
    """Return the Entry a list line holds, or None when the line is not a list item."""
    checkbox = _CHECKBOX.match(raw)
    if checkbox:
        entry = Entry(kind="checkbox", text=checkbox.group(2).strip(), line=line, checked=checkbox.group(1) != " ")
    else:
        step = _STEP.match(raw)
        if step:
            entry = Entry(kind="step", text=step.group(2).strip(), line=line, number=int(step.group(1)))
        else:
            bullet = _BULLET.match(raw)
            if bullet is None:
                return None
            entry = Entry(kind="bullet", text=bullet.group(1).strip(), line=line)
    pair = _KEY_COLON_INSIDE.match(entry.text) or _KEY_VALUE.match(entry.text)
    if pair:
        entry.key = _plain(pair.group(1)).rstrip(":").strip()
        entry.value = _plain(pair.group(2))
        if len(entry.key) > MAX_KEY_LENGTH:
            raise ProcedureError(line, f"a **Key** is longer than {MAX_KEY_LENGTH} characters: {entry.key[:40]!r}…")
    entry.text = _plain(entry.text)
    if not entry.text:
        raise ProcedureError(line, "a list item needs text.")
    return entry


def parse_document(source: str) -> Document:
    """Parse ``source`` into a Document, or raise ProcedureError naming the bad line."""
    roots: list[Section] = []
    stack: list[Section] = []
    in_code = False
    for number, raw in enumerate(source.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            continue
        if in_code or not stripped or stripped.startswith("<!--"):
            continue
        heading = _HEADING.match(stripped)
        if heading and stripped.startswith("#"):
            level = len(heading.group(1))
            section = _parse_heading(_plain(heading.group(2)), level, number)
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
            continue
        entry = _parse_entry(raw, number)
        if not stack:
            what = "a list item" if entry else "text"
            raise ProcedureError(number, f"{what} outside any heading: {stripped[:60]!r}.")
        if entry is not None:
            stack[-1].entries.append(entry)
        else:
            stack[-1].paragraphs.append(_plain(stripped))
    if in_code:
        raise ProcedureError(len(source.splitlines()), "a code block is never closed.")
    if not roots:
        raise ProcedureError(1, "the document has no headings.")
    return Document(sections=roots, source=source)

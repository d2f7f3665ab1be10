"""Load severity levels from a procedures document.

Claims a section whose children carry a "Response Time" field (the reference document's
"Severity Levels"); each child is one severity, its code taken from "(P0)" in the title.
"""

from __future__ import annotations

import re

from incidents.models import Severity
from incidents.services import severity_default_policy_create
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.registry import LoadResult, register_loader

_CODE = re.compile(r"\(\s*(P\d)\s*\)", re.IGNORECASE)
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|h|days?|d)\b", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def _field(section: Section, name: str) -> tuple[str, int] | None:
    """Return (value, line) of the section's field called ``name`` (case-insensitive)."""
    for entry in section.entries:
        if entry.key and entry.key.strip().lower() == name.lower():
            return entry.value.strip(), entry.line
    return None


def _claims(section: Section) -> bool:
    return bool(section.children) and any(_field(child, "Response Time") for child in section.children)


def parse_response_time(text: str, line: int) -> tuple[int, bool]:
    """Return (minutes, business hours only) for "Within 4 hours during business hours" and the like."""
    match = _AMOUNT.search(text)
    if match is None:
        raise ProcedureError(line, f"Cannot read a response time from {text!r} (write e.g. 'Within 1 hour')")
    amount, unit = float(match.group(1)), match.group(2).lower()
    minutes = round(amount * _UNIT_MINUTES["m" if unit.startswith("m") else unit[0]])
    if minutes < 1:
        raise ProcedureError(line, f"The response time {text!r} must be at least one minute")
    return minutes, "business" in text.lower()


@register_loader("incidents.severities", claims=_claims, order=20)
def load_severities(section: Section) -> LoadResult:
    """Create or update one Severity per child section; give new ones the default escalation policy."""
    result = LoadResult()
    seen: set[str] = set()
    for position, child in enumerate(section.children, start=1):
        response = _field(child, "Response Time")
        if response is None:
            raise ProcedureError(child.line, f"Severity {child.title!r} has no **Response Time**")
        code_match = _CODE.search(child.title)
        if code_match is None:
            raise ProcedureError(child.line, f"Severity {child.title!r} needs a code such as (P0) in its title")
        code = code_match.group(1).upper()
        if code in seen:
            raise ProcedureError(child.line, f"Severity code {code} appears twice")
        seen.add(code)
        minutes, business = parse_response_time(*response)
        escalation = _field(child, "Escalation")
        examples = _field(child, "Examples")
        values = {
            "name": re.sub(r"\s+", " ", _CODE.sub(" ", child.title)).strip(" -–—") or code,
            "response_minutes": minutes,
            "business_hours_only": business,
            "escalation_audience": escalation[0] if escalation else "",
            "examples": examples[0] if examples else "",
            "position": position,
        }
        severity = Severity.objects.filter(code=code).first()
        if severity is None:
            severity = Severity.objects.create(code=code, **values)
            result.created += 1
            result.details.append(f"severity {code} created")
        elif any(getattr(severity, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(severity, name, value)
            severity.save(update_fields=list(values))
            result.updated += 1
        else:
            result.unchanged += 1
        severity_default_policy_create(severity=severity)
    return result

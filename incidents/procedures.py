"""Load severity levels from a procedures document.

Claims a section whose children carry a "Response Time" field (the reference document's
"Severity Levels"); each child is one severity, its code taken from "(P0)" in the title.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.utils.text import slugify

from checklists.models import AttachTo, Frequency, RelativeAnchor
from checklists.services import checklist_template_upsert, checklist_templates_retire
from incidents.models import Severity
from incidents.services import severity_default_policy_create
from opsportal.plausible import SLA_MAX_MINUTES
from opsportal.procedures.document import ProcedureError, Section
from opsportal.procedures.provenance import imported_row_apply
from opsportal.procedures.registry import LoadResult, register_loader
from opsportal.roles import Role

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
    if minutes > SLA_MAX_MINUTES:
        raise ProcedureError(line, f"The response time {text!r} is longer than 30 days")
    return minutes, "business" in text.lower()


@register_loader("incidents.severities", claims=_claims, order=20)
def load_severities(section: Section) -> LoadResult:
    """Create or update one Severity per child section; give new ones the default escalation policy.

    A severity edited in admin since the last import (its SLA set to 30 minutes, say) keeps
    the edit and is reported as a conflict; ``import_procedures --overwrite`` replaces it.
    """
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
        severity, _ = imported_row_apply(
            model=Severity,
            source_key=f"incidents.severity:{code}",
            values=values,
            natural={"code": code},
            label=f"severity {code}",
            heading=child.title,
            line=child.line,
            result=result,
        )
        if severity is None:  # deleted in admin since the last import, and kept deleted
            continue
        severity_default_policy_create(severity=severity)
    return result


# Response phases ---------------------------------------------------------------------------
#
# Claims a section whose children are all phases: numbered steps under a heading with a
# relative window ("(0-15 minutes)", "(15 minutes - 2 hours)", "(within 48 hours)") or words
# in parentheses ("(varies by severity)"), at least one of them a real window, and a title or
# phase that sounds like a response runbook. Each phase becomes one on-demand checklist
# template owned by the On-call engineer group that attaches to every incident.

PHASE_KEY_PREFIX = "incident-phase-"
_RESPONSE_WORDS = ("response", "incident", "runbook", "outage", "phase", "review", "escalat")
_REVIEW_WORDS = ("review", "post-incident", "post incident", "postmortem", "post-mortem", "retrospective")


def _is_phase(section: Section) -> bool:
    steps = section.entries_of("step")
    return bool(steps) and len(steps) == len(section.entries) and bool(section.window or section.window_text)


def claims_response_phases(section: Section) -> bool:
    """Return True for a section of response phases (shape first, then loose words)."""
    children = section.children
    if not children or not all(_is_phase(child) for child in children):
        return False
    if not any(child.window for child in children):
        return False
    return section.has_title(*_RESPONSE_WORDS) or any(child.has_title(*_RESPONSE_WORDS) for child in children)


def phase_key(name: str) -> str:
    """Return the stable import key of a phase template: "incident-phase-immediate-response"."""
    return (PHASE_KEY_PREFIX + slugify(name))[:120]


def _review_phase(children: list[Section]) -> Section | None:
    """Return the post-incident review phase: titled as a review, else the last "within N" phase."""
    for child in children:
        if child.has_title(*_REVIEW_WORDS):
            return child
    last = children[-1]
    if last.window and last.window[0] == timedelta(0) and len(children) > 1:
        return last
    return None


def _minutes(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds() // 60)


def retire_response_phases(keep: set[str]) -> LoadResult:
    """Deactivate the phases this loader imported before that the document no longer names."""
    return checklist_templates_retire(keep=keep)


@register_loader("incidents.response_phases", claims=claims_response_phases, order=15, retire=retire_response_phases)
def load_response_phases(section: Section) -> LoadResult:
    """Create or update one on-demand template per phase, through the checklists service.

    Re-importing finds each phase again by its key and applies the document where nobody
    edited the phase since (conflicts otherwise); existing incident runs keep the items they
    were created with. Phases the document no longer names are deactivated after the import.
    """
    owner, _ = Group.objects.get_or_create(name=Role.ONCALL.value)
    review = _review_phase(section.children)
    result = LoadResult()
    keys: list[str] = []
    for position, child in enumerate(section.children, start=1):
        key = phase_key(child.name)
        if key in keys:
            raise ProcedureError(child.line, f"The phase {child.name!r} appears twice in {section.name!r}.")
        keys.append(key)
        for entry in child.entries:
            if len(entry.text) > 500:
                raise ProcedureError(entry.line, "a step is longer than 500 characters.")
        start, end = child.window if child.window else (timedelta(0), None)
        when = f" ({child.window_text})" if child.window_text else ""
        values: dict[str, Any] = {
            "name": child.name,
            "description": " ".join(child.paragraphs) or f"Incident response phase{when}, from “{section.name}”.",
            "frequency": Frequency.ON_DEMAND,
            "time_of_day": None,
            "weekdays": [],
            "week_of_month": None,
            "day_of_month": None,
            "attach_to": AttachTo.INCIDENT,
            "relative_anchor": RelativeAnchor.END if child is review else RelativeAnchor.START,
            "relative_open_minutes": _minutes(start),
            "relative_due_minutes": _minutes(end),
            "position": position,
        }
        checklist_template_upsert(
            key=key,
            values=values,
            create_values={"owner_group": owner},
            items=[(entry.text, entry.line) for entry in child.entries],
            heading=child.title,
            line=child.line,
            result=result,
        )
    return result

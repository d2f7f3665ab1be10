"""Load severity levels from a procedures document.

Claims a section whose children carry a "Response Time" field (the reference document's
"Severity Levels"); each child is one severity, its code taken from "(P0)" in the title.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils.text import slugify

from checklists.models import AttachTo, ChecklistItem, ChecklistTemplate, Frequency, RelativeAnchor
from incidents.models import Severity
from incidents.services import severity_default_policy_create
from opsportal.plausible import SLA_MAX_MINUTES
from opsportal.procedures.document import ProcedureError, Section
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


@register_loader("incidents.response_phases", claims=claims_response_phases, order=15)
def load_response_phases(section: Section) -> LoadResult:
    """Create or update one on-demand template per phase; retire phases no longer in the document.

    Re-importing finds each phase again by its key and updates it in place (items rewritten
    only when they changed); existing incident runs keep the items they were created with.
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
        values = {
            "name": child.name,
            "description": " ".join(child.paragraphs) or f"Incident response phase{when}, from “{section.name}”.",
            "owner_group": owner,
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
            "is_active": True,
        }
        texts = [entry.text for entry in child.entries]
        template = ChecklistTemplate.objects.filter(key=key).first()
        if template is None:
            template = ChecklistTemplate.objects.create(key=key, **values)
            ChecklistItem.objects.bulk_create(
                ChecklistItem(template=template, position=index, text=text) for index, text in enumerate(texts, 1)
            )
            result.created += 1
            result.details.append(f"phase {child.name} created")
            continue
        changed = [name for name, value in values.items() if getattr(template, name) != value]
        for name in changed:
            setattr(template, name, values[name])
        if changed:
            template.save()  # a full save, so the edit history records it
        current = list(template.items.order_by("position", "pk"))
        if [item.text for item in current] != texts:
            template.items.all().delete()
            ChecklistItem.objects.bulk_create(
                ChecklistItem(template=template, position=index, text=text) for index, text in enumerate(texts, 1)
            )
            changed.append("items")
        if changed:
            result.updated += 1
            result.details.append(f"phase {child.name} updated")
        else:
            result.unchanged += 1
    # The document is the runbook: phases it no longer names stop attaching to new incidents.
    retired = (
        ChecklistTemplate.objects.filter(attach_to=AttachTo.INCIDENT, key__startswith=PHASE_KEY_PREFIX, is_active=True)
        .exclude(key__in=keys)
        .update(is_active=False)
    )
    if retired:
        result.updated += retired
        result.details.append(f"{retired} phase(s) retired")
    return result

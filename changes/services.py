"""Services of the changes app: every write to a change goes through here.

Errors: ``django.core.exceptions.ValidationError`` with a dict naming the field, and
``PermissionDenied`` with a message for the user; the HTML views and the API render both.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from changes import rules, workflow
from changes.models import (
    CalendarToken,
    ChangeHistory,
    ChangeIncidentLink,
    ChangeReminder,
    ChangeRequest,
    ChangeSettings,
    ChangeStatus,
    ChangeType,
    CloseCode,
    DeploymentStage,
    FreezeWindow,
    IncidentLinkKind,
    Level,
    StageOutcome,
    StageResult,
    StandardChangeTemplate,
    split_services,
)
from opsportal import clock, plausible
from opsportal.errors import Conflict
from opsportal.notifications import notification_send
from opsportal.outbox import insert_once
from opsportal.roles import Role
from opsportal.templatetags.portal_time import when_text

LEVEL_SCORE = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}

# The fields a requester fills in; the rest is set by the workflow.
EDITABLE_FIELDS = (
    "title",
    "change_type",
    "business_justification",
    "description",
    "affected_services",
    "likelihood",
    "impact",
    "implementation_plan",
    "rollback_plan",
    "verification_plan",
    "window_start",
    "window_end",
    "implementer",
    "standard_template",
    "new_feature",
    "processes_personal_data",
)
# The privacy impact assessment flags (issue 12): either one attaches the PIA checklist.
PIA_FLAGS = ("new_feature", "processes_personal_data")
# What a standard change takes from its template (the template is its approval).
TEMPLATE_FIELDS = ("implementation_plan", "rollback_plan", "likelihood", "impact")


def risk_assess(*, likelihood: str, impact: str) -> tuple[str, str]:
    """Return (risk, rule): risk from likelihood × impact on a 1–3 scale, and the rule that decided it.

    Score 1–2 is low, 3–4 medium, 6–9 high.
    """
    score = LEVEL_SCORE[Level(likelihood)] * LEVEL_SCORE[Level(impact)]
    if score >= 6:
        risk, band = Level.HIGH, "6–9 is high"
    elif score >= 3:
        risk, band = Level.MEDIUM, "3–4 is medium"
    else:
        risk, band = Level.LOW, "1–2 is low"
    rule = f"likelihood {likelihood} ({LEVEL_SCORE[Level(likelihood)]}) × impact {impact} ({LEVEL_SCORE[Level(impact)]}) = {score}; {band}"
    return risk.value, rule


def freeze_windows_hit(start: datetime | None, end: datetime | None) -> list[FreezeWindow]:
    """Return the freeze windows overlapping [start, end)."""
    if start is None or end is None:
        return []
    return list(FreezeWindow.objects.filter(start__lt=end, end__gt=start))


def _history(change: ChangeRequest, kind: str, by: Any, message: str = "", source: str = "", target: str = "") -> None:
    ChangeHistory.objects.create(
        change=change, kind=kind, actor=by, at=timezone.now(), from_status=source, to_status=target, message=message
    )


def _clean_values(
    values: dict[str, Any], *, change: ChangeRequest | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Validate the editable values of a change; raise ValidationError naming every bad field.

    ``change`` is the change being edited (None when raising one). A window being set (new,
    or moved from ``change``'s) cannot lie in the past.
    """
    errors: dict[str, str] = {}
    now = now or timezone.now()
    for name in PIA_FLAGS:
        values[name] = bool(values.get(name))
    for name, what in (("window_start", "window's start"), ("window_end", "window's end")):
        moved = change is None or getattr(change, name) != values.get(name)
        if moved and (problem := plausible.past_problem(values.get(name), now=now, what=what)):
            errors[name] = problem
    if not str(values.get("title") or "").strip():
        errors["title"] = "Give the change a title."
    if values.get("change_type") not in ChangeType.values:
        errors["change_type"] = f"Choose one of: {', '.join(ChangeType.values)}."
    for name in ("likelihood", "impact"):
        if values.get(name) not in Level.values:
            errors[name] = f"Choose one of: {', '.join(Level.values)}."
    start, end = values.get("window_start"), values.get("window_end")
    if (start is None) != (end is None):
        errors["window_end" if start else "window_start"] = "Give both the start and the end of the window."
    elif start is not None and end <= start:
        errors["window_end"] = "The window must end after it starts."
    implementer = values.get("implementer")
    if implementer is not None and not rules.may_work(implementer):
        errors["implementer"] = f"{implementer} is not an on-call engineer, so cannot implement changes."
    services = split_services(values.get("affected_services") or "")
    known = split_services(ChangeSettings.load().known_services)
    unknown = [name for name in services if known and name not in known]
    if unknown:
        errors["affected_services"] = f"Unknown service: {', '.join(unknown)}. Known services: {', '.join(known)}."
    if errors:
        raise ValidationError(errors)
    values["affected_services"] = ", ".join(services)
    _follow_template(values, change=change)
    values["risk"], values["risk_rule"] = risk_assess(likelihood=values["likelihood"], impact=values["impact"])
    if values["change_type"] == ChangeType.STANDARD and values["risk"] == Level.HIGH and values["impact"] == Level.HIGH:
        raise ValidationError(
            {"change_type": "A high-risk, high-impact change is never standard; raise it as a normal change."}
        )
    if values["change_type"] == ChangeType.STANDARD:
        values["risk_rule"] += f"; from the standard-change template “{values['standard_template']}”"
    return values


def _template_choices() -> str:
    names = list(StandardChangeTemplate.objects.filter(active=True).values_list("name", flat=True))
    if not names:
        return "There are no active standard-change templates yet (admins add them); raise a normal change."
    return "Choose one of the active templates: " + "; ".join(names) + "."


def _follow_template(values: dict[str, Any], *, change: ChangeRequest | None) -> None:
    """Make a standard change follow its pre-approved template; refuse a template on any other type.

    1. A standard change needs a template; a newly chosen one must be active (a template
       retired later does not stop the changes already raised from it).
    2. On a new choice, the template's plans (where left empty), likelihood and impact are
       copied; afterwards they must stay the template's, since the template is the approval.
    3. Services, when given, must be among those the template covers.
    """
    template = values.get("standard_template")
    if template is not None and not isinstance(template, StandardChangeTemplate):
        template = StandardChangeTemplate.objects.filter(pk=template).first()
        if template is None:
            raise ValidationError(
                {"standard_template": "There is no such standard-change template. " + _template_choices()}
            )
        values["standard_template"] = template
    if values["change_type"] != ChangeType.STANDARD:
        if template is not None:
            raise ValidationError(
                {
                    "standard_template": "Only standard changes are raised from a template; choose the type standard or no template."
                }
            )
        return
    if template is None:
        raise ValidationError(
            {"standard_template": "A standard change is raised from a pre-approved template. " + _template_choices()}
        )
    new_choice = change is None or change.standard_template_id != template.pk
    if new_choice and not template.active:
        raise ValidationError({"standard_template": f"“{template}” is retired. " + _template_choices()})
    if new_choice:
        values["likelihood"], values["impact"] = template.likelihood, template.impact
        for name in ("implementation_plan", "rollback_plan"):
            if not str(values.get(name) or "").strip() or change is not None:
                values[name] = getattr(template, name)
    errors = {
        name: f"A standard change follows its template “{template}”: the {name.replace('_', ' ')} is the template's. "
        "Raise a normal change to do it differently."
        for name in TEMPLATE_FIELDS
        if str(values.get(name) or "").strip() != str(getattr(template, name)).strip()
    }
    outside = [
        name
        for name in split_services(values["affected_services"])
        if template.services and name not in template.services
    ]
    if outside:
        errors["affected_services"] = (
            f"The template “{template}” covers only {', '.join(template.services)}, not {', '.join(outside)}."
        )
    if errors:
        raise ValidationError(errors)
    if not values["affected_services"]:
        values["affected_services"] = ", ".join(template.services)


def _check_freeze(*, change: ChangeRequest, values: dict[str, Any], by: Any, override_reason: str) -> None:
    """Refuse a normal change scheduled inside a freeze window unless a manager overrides with a reason."""
    window_changed = (values["window_start"], values["window_end"]) != (change.window_start, change.window_end)
    if window_changed:
        values["freeze_override_by"], values["freeze_override_reason"] = None, ""
    if values["change_type"] != ChangeType.NORMAL:
        return
    hits = freeze_windows_hit(values["window_start"], values["window_end"])
    if not hits or (not window_changed and change.freeze_override_reason and not override_reason):
        return
    if not override_reason.strip():
        names = "; ".join(str(window) for window in hits)
        raise ValidationError(
            {
                "window_start": f"The window falls inside the freeze window {names}. A manager may override it with a reason."
            }
        )
    if not rules.may_override_freeze(by):
        raise ValidationError({"freeze_override_reason": "Only a manager or admin may override a freeze window."})
    values["freeze_override_by"], values["freeze_override_reason"] = by, override_reason.strip()


def change_create(
    *, by: Any, data: dict[str, Any], freeze_override_reason: str = "", now: datetime | None = None
) -> ChangeRequest:
    """Raise a change request in Initiation, requested by ``by`` (``now``: when, for a demo history)."""
    rules.require(rules.may_raise(by), "Only on-call engineers, managers and admins raise changes.")
    values = {name: data.get(name) for name in EDITABLE_FIELDS}
    for name in ("change_type", "likelihood", "impact"):
        values[name] = values[name] or {"change_type": ChangeType.NORMAL}.get(name, Level.LOW)
    now = now or timezone.now()
    values = _clean_values(values, now=now)
    with transaction.atomic():
        change = ChangeRequest(requester=by, status=ChangeStatus.INITIATION, status_changed_at=now)
        _check_freeze(change=change, values=values, by=by, override_reason=freeze_override_reason)
        for name, value in values.items():
            setattr(change, name, "" if value is None and name not in _NULLABLE else value)
        change.save()
        change_services_link(change=change)
        change_pia_attach(change=change)
        _history(
            change, ChangeHistory.Kind.CREATED, by, f"Raised as a {change.get_change_type_display().lower()} change."
        )
        if change.freeze_override_reason:
            _history(change, ChangeHistory.Kind.FREEZE_OVERRIDE, by, change.freeze_override_reason)
    return change


_NULLABLE = {"window_start", "window_end", "implementer", "freeze_override_by", "standard_template"}


def change_services_link(*, change: ChangeRequest) -> None:
    """Link ``change`` to the Service rows its ``affected_services`` name, creating missing ones.

    Names match case-insensitively, so "API" on an incident and "api" on a change are one
    service, followed across both on its service page.
    """
    from incidents.models import Service

    rows = []
    for name in change.services:
        row = Service.objects.filter(name__iexact=name).first()
        if row is None:
            row, _ = Service.objects.get_or_create(name=name)
        rows.append(row)
    change.linked_services.set(rows)


def change_update(
    *, change: ChangeRequest, by: Any, data: dict[str, Any], freeze_override_reason: str = ""
) -> ChangeRequest:
    """Edit a change's content while it is still editable (before implementation).

    1. Only its requester, its implementer, a manager or an admin edits it (``rules.may_edit``).
    2. Fields the workflow required on the change's way to its status may not be emptied.
    3. After approval, an edit to what the approval covered (``workflow.REAPPROVAL_FIELDS``:
       plans, risk and impact, services, window, type) sends the change back to Approval: the
       approval is cleared, so a manager who is not the requester must approve it again, and the
       history says which fields changed. A standard change's approval is its template, so it
       stays where it is.
    """
    if change.status not in workflow.EDITABLE_STATUSES:
        raise ValidationError({"status": f"A change in {change.get_status_display()} can no longer be edited."})
    rules.require(
        rules.may_edit(by, change), "Only the requester, the implementer, a manager or an admin may edit this change."
    )
    if "change_type" in data and data["change_type"] != change.change_type and change.status != ChangeStatus.INITIATION:
        raise ValidationError({"change_type": "The type can only change during Initiation."})
    template = data.get("standard_template", change.standard_template)
    template_pk = template.pk if isinstance(template, StandardChangeTemplate) else template
    if template_pk != change.standard_template_id and change.status != ChangeStatus.INITIATION:
        raise ValidationError({"standard_template": "The standard-change template can only change during Initiation."})
    values = {name: data.get(name, getattr(change, name)) for name in EDITABLE_FIELDS}
    if "standard_template" not in data and values["change_type"] != ChangeType.STANDARD:
        values["standard_template"] = None  # a change that stops being standard leaves its template
    values = _clean_values(values, change=change)
    _keep_window_minutes(values, change)
    kept = workflow.fields_kept(change.status, values["change_type"])
    emptied = [name for name in sorted(kept) if name in values and not str(values[name] or "").strip()]
    if emptied:
        raise ValidationError(
            {
                name: f"The {workflow.FIELD_LABELS[name]} was required to reach {change.get_status_display()}; "
                "it cannot be emptied."
                for name in emptied
            }
        )
    with transaction.atomic():
        _check_freeze(change=change, values=values, by=by, override_reason=freeze_override_reason)
        # Lock the row so a concurrent transition cannot interleave with the edit.
        locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        if locked.status not in workflow.EDITABLE_STATUSES:
            raise ValidationError({"status": f"A change in {locked.get_status_display()} can no longer be edited."})
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name, value in values.items():
            setattr(locked, name, "" if value is None and name not in _NULLABLE else value)
        approval_lost = [name for name in workflow.REAPPROVAL_FIELDS if name in changed]
        send_back = (
            approval_lost
            and locked.approved_at is not None
            and locked.status == ChangeStatus.PLANNING
            and locked.change_type != ChangeType.STANDARD
        )
        if send_back:
            locked.status, locked.status_changed_at = ChangeStatus.APPROVAL, timezone.now()
            locked.approved_at = locked.approved_by = None
        locked.save()
        if "affected_services" in changed:
            change_services_link(change=locked)
        change_pia_attach(change=locked)
        if changed:
            _history(locked, ChangeHistory.Kind.EDITED, by, "Changed: " + ", ".join(sorted(changed)) + ".")
        if freeze_override_reason and "freeze_override_reason" in changed:
            _history(locked, ChangeHistory.Kind.FREEZE_OVERRIDE, by, locked.freeze_override_reason)
        if send_back:
            # A new round of approval may be reminded about again.
            ChangeReminder.objects.filter(change=locked, kind=ChangeReminder.Kind.APPROVAL_WAITING).delete()
            labels = ", ".join(_field_label(name) for name in approval_lost)
            _history(
                locked, ChangeHistory.Kind.TRANSITION, by,
                f"Back to Approval: the {labels} changed after approval, so the earlier approval no longer counts; "
                "a manager who is not the requester must approve it again.",
                ChangeStatus.PLANNING, ChangeStatus.APPROVAL,
            )  # fmt: skip
    return locked


def _field_label(name: str) -> str:
    return workflow.FIELD_LABELS.get(name, name.replace("_", " "))


def _keep_window_minutes(values: dict[str, Any], change: ChangeRequest) -> None:
    """Keep the stored window when the edit only dropped its seconds (the HTML form shows minutes)."""
    for name in ("window_start", "window_end"):
        stored, given = getattr(change, name), values.get(name)
        if stored is not None and given is not None and stored.replace(second=0, microsecond=0) == given:
            values[name] = stored


def change_transition(
    *, change: ChangeRequest, to: str, by: Any, reason: str = "", close_code: str = ""
) -> ChangeRequest:
    """Move ``change`` to status ``to`` as the declared workflow allows; return the fresh change.

    1. The transition must exist for the change's type and current status.
    2. ``by`` must hold one of its roles; a decision is never made by the requester.
    3. A reason is required where the table says so, and the required fields must be filled.
    4. Implementation before the window starts needs a reason, recorded as the early start.
    5. The move is a conditional UPDATE on the current status: if someone else moved the change
       first, nothing is written and the caller is told.
    """
    reason = (reason or "").strip()
    if to not in ChangeStatus.values:
        raise ValidationError({"to": f"{to!r} is not a status. Statuses: {', '.join(ChangeStatus.values)}."})
    transition = workflow.find_transition(change.status, to, change.change_type)
    if transition is None:
        raise ValidationError(
            {
                "to": f"There is no transition from {ChangeStatus(change.status).label} to {ChangeStatus(to).label} "
                f"for a {change.change_type} change."
            }
        )
    return _apply(change=change, transition=transition, by=by, reason=reason, close_code=close_code)


def _apply(
    *, change: ChangeRequest, transition: workflow.Transition, by: Any, reason: str, close_code: str = ""
) -> ChangeRequest:
    refusal = rules.refusal(by, change, transition)
    if refusal:
        raise PermissionDenied(refusal)
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": f"Give a reason to {transition.label.lower()}."})
    if close_code and close_code not in CloseCode.values:
        raise ValidationError({"close_code": f"Choose one of: {', '.join(CloseCode.values)}."})
    values = {name: getattr(change, name, None) for name in workflow.FIELD_LABELS}
    values["close_code"] = close_code or change.close_code
    missing = workflow.missing_fields(transition, values)
    if missing:
        raise ValidationError(
            {name: f"The {workflow.FIELD_LABELS[name]} is required to {transition.label.lower()}." for name in missing}
        )
    if (
        transition.target == ChangeStatus.IMPLEMENTATION
        and change.change_type == ChangeType.NORMAL
        and not change.freeze_override_reason
        and freeze_windows_hit(change.window_start, change.window_end)
    ):
        raise ValidationError(
            {"window_start": "The window falls inside a freeze window; a manager must override it with a reason first."}
        )
    approves = transition.decision == "approve" or (
        transition.source == ChangeStatus.INITIATION and transition.target == ChangeStatus.PLANNING
    )
    if approves:
        _require_pia_complete(change)
    now = timezone.now()
    early_by = workflow.starts_early(transition, change.window_start, now=now)
    if early_by is not None and not reason:
        assert change.window_start is not None  # starting early needs a window
        raise ValidationError(
            {
                "reason": f"The window starts at {_utc_text(change.window_start)}, "
                f"{_duration_text(early_by)} from now; give an early-start reason to start implementation before it."
            }
        )
    updates: dict[str, Any] = {"status": transition.target, "status_changed_at": now, "updated_at": now}
    if early_by is not None:
        updates["early_start_reason"] = reason
    if transition.decision == "approve":
        updates.update(approved_by=by, approved_at=now)
    if transition.source == ChangeStatus.INITIATION and transition.target == ChangeStatus.PLANNING:
        updates["approved_at"] = now  # standard changes are pre-approved
    if transition.target in workflow.ANY_END:
        updates["completed_at"] = now
    if transition.target == ChangeStatus.CLOSED:
        updates["close_code"] = values["close_code"]
    if transition.target == ChangeStatus.FAILED:
        updates["close_code"] = CloseCode.UNSUCCESSFUL
    rows = ChangeRequest.objects.filter(pk=change.pk, status=transition.source)
    if transition.source == transition.target:  # a retrospective approval only happens once
        rows = rows.filter(approved_at__isnull=True)
        updates.pop("status_changed_at")
    with transaction.atomic():
        if rows.update(**updates) != 1:
            raise Conflict("Someone else acted on this change first: it is no longer waiting for this step. Reload it.")
        kind = {"approve": ChangeHistory.Kind.APPROVED, "reject": ChangeHistory.Kind.REJECTED}.get(
            transition.decision, ChangeHistory.Kind.TRANSITION
        )
        message = transition.label + (f": {reason}" if reason else "")
        if early_by is not None:
            assert change.window_start is not None  # starting early needs a window
            message = (
                f"{transition.label}, early start {_duration_text(early_by)} before the window "
                f"({_utc_text(change.window_start)}): {reason}"
            )
        _history(change, kind, by, message, transition.source, transition.target)
    return ChangeRequest.objects.get(pk=change.pk)


def change_pia_attach(*, change: ChangeRequest) -> list[Any]:
    """Attach the privacy impact assessment to a flagged change, each checklist once; return the runs.

    A change flagged "new feature" or "processes personal data" gets a run of every active
    checklist template attached to changes (the PIA, imported from the procedures document or
    made in admin). Idempotent; a change that loses its flags keeps its runs, which then no
    longer hold its approval back.
    """
    from checklists.models import AttachTo, ChecklistTemplate
    from checklists.services import run_create_for_subject

    if not (change.new_feature or change.processes_personal_data):
        return []
    templates = ChecklistTemplate.objects.filter(attach_to=AttachTo.CHANGE, is_active=True).order_by("position", "pk")
    return [
        run_create_for_subject(template=template, subject=change, opens_at=timezone.now(), without_deadline=True)
        for template in templates
    ]


def _require_pia_complete(change: ChangeRequest) -> None:
    """Refuse the approval of a flagged change whose privacy impact assessment has open items (field ``pia``)."""
    from changes.selectors import pia_open_items

    if not (change.new_feature or change.processes_personal_data):
        return
    change_pia_attach(change=change)
    open_items = pia_open_items(change)
    if open_items:
        raise ValidationError(
            {
                "pia": "The privacy impact assessment is not complete, so the change cannot be approved yet. "
                "Open items: " + "; ".join(f"“{text}”" for text in open_items) + "."
            }
        )


def _utc_text(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _duration_text(duration: timedelta) -> str:
    minutes = max(int(duration.total_seconds() // 60), 1)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part)


def change_approve(*, change: ChangeRequest, by: Any, comment: str = "") -> ChangeRequest:
    """Approve ``change`` (waiting in Approval, or an emergency change implemented first)."""
    if (
        change.status == ChangeStatus.IMPLEMENTATION
        and change.change_type == ChangeType.EMERGENCY
        and not change.approved_at
    ):
        return _apply(change=change, transition=workflow.RETROSPECTIVE_APPROVAL, by=by, reason=comment)
    if change.status != ChangeStatus.APPROVAL:
        rules.require(rules.may_decide(by), "Only managers and admins approve changes.")
        raise ValidationError(
            {"status": f"This change is not waiting for approval (it is in {change.get_status_display()})."}
        )
    return change_transition(change=change, to=ChangeStatus.PLANNING, by=by, reason=comment)


def change_reject(*, change: ChangeRequest, by: Any, reason: str) -> ChangeRequest:
    """Reject ``change``; a reason is required."""
    if change.status != ChangeStatus.APPROVAL:
        rules.require(rules.may_decide(by), "Only managers and admins reject changes.")
        raise ValidationError(
            {"status": f"This change is not waiting for approval (it is in {change.get_status_display()})."}
        )
    return change_transition(change=change, to=ChangeStatus.REJECTED, by=by, reason=reason)


def change_stage_record(
    *, change: ChangeRequest, stage: DeploymentStage, outcome: str, by: Any, evidence: str = "", rolled_back: str = ""
) -> StageResult:
    """Record one deployment stage's result; a rollback also moves the change to Failed.

    A stage may start only after the stage before it (by order) has passed, so Production
    cannot start before Pre-Production passed.
    """
    rules.require(rules.may_work(by), "Only on-call engineers record deployment stages.")
    if outcome not in StageOutcome.values:
        raise ValidationError({"outcome": f"Choose one of: {', '.join(StageOutcome.values)}."})
    if outcome == StageOutcome.ROLLED_BACK and not rolled_back.strip():
        raise ValidationError({"rolled_back": "Say what was rolled back."})
    with transaction.atomic():
        locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
        if not rules.may_record_stages(by, locked):
            raise ValidationError(
                {
                    "status": f"Deployment stages are recorded during implementation and verification, not in {locked.get_status_display()}."
                }
            )
        previous = DeploymentStage.objects.filter(order__lt=stage.order).order_by("-order").first()
        if previous is not None:
            latest = StageResult.objects.filter(change=locked, stage=previous).order_by("-recorded_at", "-pk").first()
            if latest is None or latest.outcome != StageOutcome.PASSED:
                raise ValidationError({"stage": f"{stage.name} cannot start before {previous.name} has passed."})
        result = StageResult.objects.create(
            change=locked, stage=stage, outcome=outcome, recorded_by=by, recorded_at=timezone.now(),
            evidence=evidence.strip(), rolled_back=rolled_back.strip(),
        )  # fmt: skip
        note = f"{stage.name}: {StageOutcome(outcome).label}" + (f" — {evidence.strip()}" if evidence.strip() else "")
        _history(locked, ChangeHistory.Kind.STAGE, by, note)
        if outcome == StageOutcome.ROLLED_BACK:
            _history(locked, ChangeHistory.Kind.ROLLBACK, by, f"Rolled back at {stage.name}: {rolled_back.strip()}")
            change_transition(
                change=locked,
                to=ChangeStatus.FAILED,
                by=by,
                reason=f"Rolled back at {stage.name}: {rolled_back.strip()}",
            )
    return result


def calendar_token_get(*, user: Any) -> CalendarToken:
    """Return the user's calendar feed token, creating it on first use."""
    token, _created = CalendarToken.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return token


def calendar_token_reset(*, user: Any) -> CalendarToken:
    """Replace the user's calendar feed token (the old feed URL stops working)."""
    token = calendar_token_get(user=user)
    token.token = secrets.token_urlsafe(32)
    token.save(update_fields=["token"])
    return token


def _remind_once(change: ChangeRequest, kind: str, now: datetime) -> bool:
    """Write the reminder's outbox row; return False when it was already written."""
    return insert_once(ChangeReminder, change=change, kind=kind, defaults={"sent_at": now})[1]


def change_reminders_send(*, now: datetime | None = None) -> int:
    """Send each due reminder once; return how many reminders were sent.

    - a change waiting for approval longer than ``ChangeSettings.approval_reminder_hours``
      reminds the managers and admins (never the requester);
    - a change whose window has ended before implementation was done reminds its requester
      and implementer.
    """
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    waited = clock.before(now, timedelta(hours=ChangeSettings.load().approval_reminder_hours))
    sent = 0
    waiting = ChangeRequest.objects.filter(status=ChangeStatus.APPROVAL, status_changed_at__lte=waited).exclude(
        reminders__kind=ChangeReminder.Kind.APPROVAL_WAITING
    )
    deciders = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.MANAGER.value, Role.ADMIN.value]) | Q(is_superuser=True))
        .distinct()
    )
    for change in waiting:
        with transaction.atomic():
            if not _remind_once(change, ChangeReminder.Kind.APPROVAL_WAITING, now):
                continue
            notification_send(
                recipients=[user for user in deciders if user.pk != change.requester_id],
                key=f"change-{change.pk}-approval-waiting",
                subject=f"{change.reference} has waited for approval since {when_text(change.status_changed_at)}",
                body=f"{change.title}\nRisk: {change.risk}. Please approve or reject it.",
                link=change.get_absolute_url(),
            )
            sent += 1
    late = (
        ChangeRequest.objects.filter(window_end__lte=now, status__in=workflow.NOT_IMPLEMENTED)
        .exclude(reminders__kind=ChangeReminder.Kind.WINDOW_PASSED)
        .select_related("requester", "implementer")
    )
    for change in late:
        with transaction.atomic():
            if not _remind_once(change, ChangeReminder.Kind.WINDOW_PASSED, now):
                continue
            notification_send(
                # Someone who has since left the change roles sees no change data.
                recipients=[user for user in (change.requester, change.implementer) if rules.may_view_changes(user)],
                key=f"change-{change.pk}-window-passed",
                subject=f"{change.reference}: its window ended before implementation was done",
                body=f"{change.title}\nStatus: {change.get_status_display()}. Reschedule it or record the outcome.",
                link=change.get_absolute_url(),
            )
            sent += 1
    return sent


def change_delete(*, change: ChangeRequest, by: Any) -> None:
    """Delete a change that never got past Initiation, or was cancelled (admins only)."""
    rules.require(rules.may_delete(by, change), "Only admins delete change requests.")
    if change.status not in (ChangeStatus.INITIATION, ChangeStatus.CANCELLED):
        raise ValidationError(
            {"status": "Only changes in Initiation or Cancelled can be deleted; the rest is history."}
        )
    ChangeRequest.objects.filter(pk=change.pk).delete()


# Links to incidents -----------------------------------------------------------------------

INCIDENT_LINKERS = rules.INCIDENT_LINKERS


@transaction.atomic
def change_link_incident(*, change: ChangeRequest, incident: Any, kind: str, by: Any) -> ChangeIncidentLink:
    """Link ``incident`` to ``change`` as caused by it or related; one link per pair.

    Linking an already linked pair with another kind changes the kind; with the same kind
    it changes nothing. Every change of a link goes on the change's history.
    """
    rules.require(
        rules.may_link_incidents(by, change), "Only on-call engineers, managers and admins link incidents to changes."
    )
    if kind not in IncidentLinkKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}; use caused or related."})
    label = IncidentLinkKind(kind).label.lower()
    link, created = ChangeIncidentLink.objects.get_or_create(
        change=change, incident=incident, defaults={"kind": kind, "linked_by": by, "linked_at": timezone.now()}
    )
    if created:
        _history(change, ChangeHistory.Kind.INCIDENT_LINKED, by, f"#{incident.pk} {incident.title} ({label}).")
    elif link.kind != kind:
        ChangeIncidentLink.objects.filter(pk=link.pk).update(kind=kind, linked_by=by, linked_at=timezone.now())
        link.refresh_from_db()
        _history(change, ChangeHistory.Kind.INCIDENT_LINKED, by, f"#{incident.pk} {incident.title} (now {label}).")
    return link


@transaction.atomic
def change_unlink_incident(*, change: ChangeRequest, incident: Any, by: Any) -> bool:
    """Remove the link between ``change`` and ``incident``; return False when there was none."""
    rules.require(
        rules.may_link_incidents(by, change), "Only on-call engineers, managers and admins link incidents to changes."
    )
    deleted, _ = ChangeIncidentLink.objects.filter(change=change, incident=incident).delete()
    if deleted:
        _history(change, ChangeHistory.Kind.INCIDENT_UNLINKED, by, f"#{incident.pk} {incident.title}.")
    return bool(deleted)

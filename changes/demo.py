"""The demo change history: about thirty changes over ninety days, every type and ending."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction

from changes import services
from changes.models import (
    ChangeHistory,
    ChangeRequest,
    ChangeSettings,
    ChangeStatus,
    DeploymentStage,
    FreezeWindow,
    StageOutcome,
    StageResult,
    StandardChangeTemplate,
)
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role

SERVICES = [
    "api gateway",
    "checkout",
    "payments",
    "search",
    "authentication",
    "database",
    "cdn",
    "e-mail delivery",
    "reporting",
]
TITLES = [
    ("Upgrade PostgreSQL minor version", "database", "normal"),
    ("Rotate TLS certificates", "cdn, checkout", "standard"),
    ("Deploy search ranking v2", "search", "normal"),
    ("Hotfix: billing rounding error", "payments", "emergency"),
    ("Enable rate limiting on public API", "api gateway", "normal"),
    ("Patch OpenSSL on web tier", "checkout", "emergency"),
    ("Add read replica for reporting", "database, reporting", "normal"),
    ("Weekly dependency updates", "api gateway, checkout", "standard"),
    ("Migrate e-mail provider", "e-mail delivery", "normal"),
    ("Increase auth session lifetime", "authentication", "normal"),
    ("Purge CDN cache rules", "cdn", "standard"),
    ("Resize search cluster", "search", "normal"),
    ("Emergency: revoke leaked API keys", "authentication, api gateway", "emergency"),
    ("Schema change: invoices index", "payments, database", "normal"),
    ("Roll out feature flag service", "api gateway", "normal"),
]
# The pre-approved standard changes: routine, well-rehearsed, low impact (never high risk with high impact).
STANDARD_TEMPLATES = [
    {
        "name": "Rotate TLS certificates",
        "description": "Replace certificates before they expire, from the internal CA or the ACME client.",
        "affected_services": "cdn, checkout",
        "implementation_plan": "1. Issue the new certificate\n2. Deploy it to the load balancers one at a time\n"
        "3. Check the expiry date served on every hostname",
        "rollback_plan": "Re-deploy the previous certificate, still valid until its expiry date.",
        "likelihood": "low", "impact": "medium",
    },
    {
        "name": "Weekly dependency updates",
        "description": "Patch-level dependency updates that passed CI and staging.",
        "affected_services": "api gateway, checkout",
        "implementation_plan": "1. Merge the dependency pull request\n2. Deploy through the pipeline\n"
        "3. Watch error rates for 30 minutes",
        "rollback_plan": "Redeploy the previous release tag.",
        "likelihood": "low", "impact": "low",
    },
    {
        "name": "Purge CDN cache rules",
        "description": "Purge cached paths after a content or asset release.",
        "affected_services": "cdn",
        "implementation_plan": "1. Purge the listed paths through the CDN console\n2. Check origin load",
        "rollback_plan": "None needed: the cache refills from the origin; throttle purges if origin load rises.",
        "likelihood": "low", "impact": "low",
    },
]  # fmt: skip
STAGE_PATH = ["Development", "Staging", "Pre-Production", "Production", "Post-Deployment"]


def _ensure_standard_templates() -> dict[str, StandardChangeTemplate]:
    """Create the demo catalogue of standard-change templates once (admins edit them afterwards)."""
    templates = {}
    for values in STANDARD_TEMPLATES:
        template = StandardChangeTemplate(**values)
        template.clean()  # computes the risk and refuses a high-risk, high-impact template
        defaults = {name: getattr(template, name) for name in (*values, "risk") if name != "name"}
        templates[values["name"]] = StandardChangeTemplate.objects.get_or_create(
            name=values["name"], defaults=defaults
        )[0]
    return templates


def _ensure_stages() -> list[DeploymentStage]:
    if not DeploymentStage.objects.exists():
        for order, name in enumerate(STAGE_PATH, start=1):
            DeploymentStage.objects.create(order=order, name=name)
    return list(DeploymentStage.objects.all())


@register_seeder("changes", order=30)
def seed(context: DemoContext) -> str:
    """Create the demo change history once (re-running leaves it as it is)."""
    if ChangeRequest.objects.filter(title__startswith="[demo]").exists():
        return "change history already present"
    oncall, manager = context.users[Role.ONCALL], context.users[Role.MANAGER]
    admin = context.users[Role.ADMIN]
    rng = random.Random(5)  # noqa: S311 - reproducible demo data, not security
    stages = _ensure_stages()
    templates = _ensure_standard_templates()
    settings_row = ChangeSettings.load()
    if not settings_row.known_services:
        settings_row.known_services = ", ".join(SERVICES)
        settings_row.save(update_fields=["known_services"])
    now = context.now
    FreezeWindow.objects.get_or_create(
        name="[demo] Quarter-end billing freeze",
        defaults={
            "start": now + timedelta(days=10),
            "end": now + timedelta(days=13),
            "reason": "Quarter-end invoicing.",
        },
    )
    created = 0
    with transaction.atomic():
        for index in range(30):
            title, services_text, change_type = TITLES[index % len(TITLES)]
            start = now - timedelta(days=90 - index * 3.2, hours=-rng.randint(0, 6))
            start = start.replace(minute=0, second=0, microsecond=0, hour=rng.choice([6, 7, 20, 21, 22]))
            # A standard change comes from its template, which brings its plans, likelihood and impact.
            standard = {"standard_template": templates.get(title), "implementation_plan": "", "rollback_plan": ""}
            change = services.change_create(
                by=oncall if index % 5 else manager,
                data={
                    "title": f"[demo] {title}", "change_type": change_type, "affected_services": services_text,
                    "business_justification": "Keeps the platform secure and within its SLOs.",
                    "description": f"{title} across {services_text}.",
                    "likelihood": rng.choice(["low", "medium", "high"]), "impact": rng.choice(["low", "medium", "high"]),
                    "implementation_plan": "1. Announce in #ops\n2. Apply via the deploy pipeline\n3. Watch dashboards",
                    "rollback_plan": "Redeploy the previous release tag; restore the snapshot if the schema changed.",
                    "verification_plan": "Smoke tests green, error rate below 0.1 % for 30 minutes.",
                    "window_start": start, "window_end": start + timedelta(hours=rng.choice([1, 2, 3])),
                    "implementer": oncall,
                    **(standard if change_type == "standard" else {}),
                },
                freeze_override_reason="",
                now=min(now, start - timedelta(days=3)),
            )  # fmt: skip
            created += 1
            _walk(change, index=index, oncall=oncall, manager=manager, admin=admin, stages=stages, rng=rng, now=now)
            _backdate(change.pk, now=now)
    return f"{created} changes over 90 days"


def _backdate(pk: int, *, now: Any) -> None:
    """Move a demo change's timestamps from the moment of seeding to when its story happened.

    The services stamp everything "now"; a demo history needs the days before the window for
    the paperwork and the window itself for the work, so reports and the calendar look real.
    """
    change = ChangeRequest.objects.get(pk=pk)
    assert change.window_start is not None  # every demo change is scheduled
    entries = list(ChangeHistory.objects.filter(change=change).order_by("pk"))
    work_started = next(
        (i for i, entry in enumerate(entries) if entry.to_status == ChangeStatus.IMPLEMENTATION), len(entries)
    )
    paperwork, work = entries[:work_started], entries[work_started:]
    begin = min(change.window_start - timedelta(days=3), now - timedelta(hours=len(paperwork)))
    until = min(change.window_start - timedelta(hours=1), now)
    step = (until - begin) / max(len(paperwork), 1)
    for i, entry in enumerate(paperwork):
        entry.at = begin + step * i
    for i, entry in enumerate(work):
        entry.at = change.window_start + timedelta(minutes=12 * i)
    ChangeHistory.objects.bulk_update(entries, ["at"])
    stage_entries = [entry for entry in entries if entry.kind == ChangeHistory.Kind.STAGE]
    results = list(StageResult.objects.filter(change=change).order_by("pk"))
    for result, entry in zip(results, stage_entries, strict=False):
        result.recorded_at = entry.at
    StageResult.objects.bulk_update(results, ["recorded_at"])
    last = entries[-1].at
    approved = next((entry.at for entry in entries if entry.kind == ChangeHistory.Kind.APPROVED), None)
    ChangeRequest.objects.filter(pk=pk).update(
        created_at=entries[0].at,
        status_changed_at=last,
        completed_at=last if change.completed_at else None,
        approved_at=approved or (entries[1].at if change.approved_at and len(entries) > 1 else change.approved_at),
    )


def _walk(
    change: ChangeRequest, *, index: int, oncall: Any, manager: Any, admin: Any, stages: list, rng: Any, now: Any
) -> None:
    """Walk a demo change as far as its place in the story says, through the real services."""
    decider = admin if change.requester_id == manager.pk else manager
    upcoming = change.window_start > now
    ending = "open" if upcoming else rng.choice(["closed"] * 6 + ["failed", "rejected", "cancelled"])
    if index in (7, 19, 26):
        ending = "failed"
    if change.change_type == "standard":
        change = services.change_transition(change=change, to=ChangeStatus.PLANNING, by=oncall)
    elif change.change_type == "emergency":
        change = services.change_transition(change=change, to=ChangeStatus.APPROVAL, by=oncall)
    else:
        change = services.change_transition(change=change, to=ChangeStatus.ASSESSMENT, by=oncall)
        if upcoming and index % 3 == 0:
            return
        change = services.change_transition(change=change, to=ChangeStatus.APPROVAL, by=oncall)
    if change.status == ChangeStatus.APPROVAL:
        if ending == "rejected":
            services.change_reject(change=change, by=decider, reason="Clashes with the billing run; reschedule.")
            return
        if upcoming and index % 2:
            return
        change = services.change_approve(change=change, by=decider, comment="Rollback plan is sound.")
    if ending == "cancelled":
        services.change_transition(
            change=change, to=ChangeStatus.CANCELLED, by=oncall, reason="Superseded by a vendor fix."
        )
        return
    if upcoming:
        return
    change = services.change_transition(change=change, to=ChangeStatus.IMPLEMENTATION, by=oncall)
    for stage in stages:
        if ending == "failed" and stage.name == "Production":
            services.change_stage_record(
                change=change, stage=stage, outcome=StageOutcome.ROLLED_BACK, by=oncall,
                evidence="Error rate rose to 4 % within 5 minutes.", rolled_back="Release reverted to the previous tag.",
            )  # fmt: skip
            return
        services.change_stage_record(
            change=change, stage=stage, outcome=StageOutcome.PASSED, by=oncall, evidence="Pipeline green."
        )
    change = services.change_transition(change=change, to=ChangeStatus.VERIFICATION, by=oncall)
    change = services.change_transition(change=change, to=ChangeStatus.DOCUMENTATION, by=oncall)
    code = rng.choice(["successful"] * 5 + ["successful_with_issues"])
    services.change_transition(change=change, to=ChangeStatus.CLOSED, by=oncall, close_code=code)

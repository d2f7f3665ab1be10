"""Demo history of the incidents app: about forty incidents over ninety days."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from incidents.models import ActionItem, Incident, Service, Severity
from incidents.services import (
    action_item_add,
    incident_assign,
    incident_declare,
    incident_note_add,
    incident_transition,
    review_update,
)
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role

SERVICES = ["Payments", "Checkout", "Search", "API gateway", "Authentication", "E-mail delivery", "Reporting"]
TITLES = {
    "P0": ["Checkout returns 502 for all users", "Payment processing failure", "Login outage after certificate expiry"],
    "P1": ["API p95 latency above 3 s", "Database replica lag over 10 minutes", "Search index not updating",
           "Card payments failing for one acquirer", "Order confirmation e-mails delayed", "Gateway rate limiting legitimate traffic"],
    "P2": ["Export to CSV times out for large reports", "Password reset link expires too early", "Intermittent 500 on profile page",
           "Slow dashboard for managers", "Webhook retries piling up", "Image thumbnails missing"],
    "P3": ["Typo on the pricing page", "Outdated runbook link in footer", "Timezone label wrong in weekly e-mail",
           "Enhancement: dark mode for status page", "Documentation for API v1 pagination"],
}  # fmt: skip
NOTES = ["Checked dashboards: error rate elevated since the last deploy.", "Rolled back the last release.",
         "Vendor confirmed a problem on their side.", "Scaled the worker pool from 4 to 8.", "Monitoring after the fix; stable."]  # fmt: skip
COUNTS = {"P0": 3, "P1": 10, "P2": 14, "P3": 13}


def _ensure_severities() -> None:
    if Severity.objects.exists():
        return
    from incidents.procedures import _claims, load_severities
    from opsportal.procedures.document import parse_document

    document = parse_document((Path(__file__).resolve().parent.parent / "opsportal/procedures/default.md").read_text())
    for section in document.walk():
        if _claims(section):
            load_severities(section)
            return


@register_seeder("incidents", order=20)
def seed(context: DemoContext) -> str:
    """Create a realistic incident history once (idempotent: skipped when it exists)."""
    oncall, manager, ops = context.users[Role.ONCALL], context.users[Role.MANAGER], context.users[Role.OPS]
    all_titles = [title for titles in TITLES.values() for title in titles]
    if Incident.objects.filter(declared_by__in=[oncall, ops, manager], title__in=all_titles).exists():
        return "incident history exists already"
    _ensure_severities()
    severities = {severity.code: severity for severity in Severity.objects.all()}
    # Case-insensitive: a change naming "api gateway" may have added the service already.
    services = [
        Service.objects.filter(name__iexact=name).first() or Service.objects.create(name=name) for name in SERVICES
    ]
    rng = random.Random(4)  # noqa: S311 - demo data, reproducible
    plan = [code for code, count in COUNTS.items() if code in severities for _ in range(count)]
    rng.shuffle(plan)
    created = breaches = 0
    for index, code in enumerate(plan):
        severity = severities[code]
        days_ago = 90 - index * 89 / max(len(plan) - 1, 1)
        detected = (context.now - timedelta(days=days_ago)).replace(second=0, microsecond=0)
        detected = detected.replace(hour=rng.choice([3, 9, 10, 11, 14, 15, 16, 22]), minute=rng.randrange(60))
        if detected > context.now:
            detected = context.now - timedelta(minutes=20)
        declared = detected + timedelta(minutes=rng.randrange(1, 8))
        declared = min(declared, context.now)
        incident = incident_declare(
            by=rng.choice([ops, oncall]), title=TITLES[code][index % len(TITLES[code])], severity=severity,
            detected_at=detected, now=declared, services=rng.sample(services, rng.randint(1, 2)),
            users_affected=rng.choice([None, 12, 150, 2300, 40000]) if code in ("P0", "P1") else None,
            description="Raised from monitoring alerts." if code in ("P0", "P1") else "",
        )  # fmt: skip
        created += 1
        age = context.now - declared
        if index >= len(plan) - 2:
            continue  # the two newest stay open and unacknowledged: the live sweep escalates them
        breach = rng.random() < 0.12
        sla = incident.response_due_at - declared
        ack_after = sla * (1.3 if breach else rng.uniform(0.1, 0.8)) if sla > timedelta(0) else timedelta(minutes=2)
        acknowledged = min(declared + ack_after, context.now)
        breaches += acknowledged > incident.response_due_at
        incident_assign(incident=incident, assignee=oncall, by=oncall, now=acknowledged)
        incident_transition(incident=incident, action="acknowledge", by=oncall, now=acknowledged)
        investigate = min(acknowledged + timedelta(minutes=rng.randrange(2, 20)), context.now)
        incident_transition(incident=incident, action="investigate", by=oncall, now=investigate)
        incident_note_add(incident=incident, by=oncall, text=rng.choice(NOTES), now=investigate)
        if index >= len(plan) - 4:
            continue  # still being investigated
        resolved = min(investigate + timedelta(minutes=rng.randrange(20, 600)), context.now)
        if code in ("P0", "P1"):
            incident_note_add(
                incident=incident,
                by=oncall,
                text="We have fixed the issue; thank you for your patience.",
                kind="message",
                now=resolved,
            )
        incident_transition(incident=incident, action="resolve", by=oncall, now=resolved)
        if age < timedelta(days=3):
            continue  # review still open
        review_update(
            review=incident.review, by=oncall, complete=True, now=resolved + timedelta(hours=rng.randrange(4, 40)),
            summary=f"{incident.title} affected {', '.join(s.name for s in incident.services.all())}.",
            root_cause=rng.choice(["A configuration change without review.", "An expired certificate.", "A slow query after a data migration.", "A vendor outage."]),
            contributing_factors="Alert threshold too high; runbook out of date.",
            lessons_learned="Detect earlier; practise the rollback.",
            preventive_measures="Add an alert on error rate; automate the certificate renewal.",
        )  # fmt: skip
        item = action_item_add(
            review=incident.review,
            by=oncall,
            description="Add an alert for this failure mode",
            owner=manager,
            due_date=(resolved + timedelta(days=14)).date(),
            now=resolved,
        )
        if age > timedelta(days=30):
            ActionItem.objects.filter(pk=item.pk).update(done=True, done_at=resolved + timedelta(days=10))
            incident_transition(incident=incident, action="close", by=manager, now=resolved + timedelta(days=2))
    return f"{created} incidents over 90 days ({breaches} acknowledged after their deadline)"

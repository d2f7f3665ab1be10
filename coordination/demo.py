"""The demo team coordination: the four meeting schedules, a week of meetings, skills and vendors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model

from coordination import cadence, services
from coordination.models import Meeting, MeetingActionItem, MeetingSchedule, ScheduleCoverage, Skill, Vendor
from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role

# (service, [(username, days trained ago, days until expiry or None)]): Reporting has one person only.
SKILLS: list[tuple[str, list[tuple[str, int, int | None]]]] = [
    ("Payments", [("oncall", 300, 400), ("priya", 200, 165), ("manager", 500, None)]),
    ("Checkout", [("oncall", 120, 245), ("jonas", 90, 20)]),
    ("Search", [("mei", 60, 305), ("jonas", 400, None)]),
    ("API gateway", [("oncall", 30, 335), ("priya", 30, 335), ("mei", 30, 335)]),
    ("Authentication", [("priya", 250, 115), ("admin", 700, None)]),
    ("E-mail delivery", [("mei", 100, 265), ("oncall", 380, -15)]),
    ("Reporting", [("manager", 90, None)]),
]
# The services each demo on-call schedule answers for.
COVERAGE = {"Platform": ["Payments", "Checkout", "API gateway"], "Database": ["Search", "Reporting"]}
VENDORS: list[dict[str, Any]] = [
    {
        "name": "Stripe",
        "services": ["Payments", "Checkout"],
        "support_contact": "support@stripe.example · +1 888 555 0100",
        "escalation_contact": "Account manager: dana@stripe.example",
        "contract_days": 240,
        "notes": "Enterprise support plan: 1-hour response on P1.",
    },
    {
        "name": "Postmark",
        "services": ["E-mail delivery"],
        "support_contact": "support@postmark.example",
        "escalation_contact": "+44 20 5550 0199 (24/7 escalation line)",
        "contract_days": 21,
        "notes": "Renewal is due this month; the quote is with finance.",
    },
    {
        "name": "Elastic Cloud",
        "services": ["Search"],
        "support_contact": "https://support.elastic.example",
        "escalation_contact": "",
        "contract_days": 400,
        "notes": "",
    },
]


def _schedules() -> list[MeetingSchedule]:
    """Load the four schedules from the bundled document's communication protocols, once."""
    from coordination.procedures import _is_meetings_section, load_meeting_schedules
    from opsportal.procedures.document import parse_document
    from opsportal.procedures.importer import DEFAULT_DOCUMENT
    from opsportal.procedures.provenance import import_session

    if not MeetingSchedule.objects.exists():
        document = parse_document(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
        with import_session() as session:
            session.loader = "coordination.meetings"
            for section in document.walk():
                if _is_meetings_section(section):
                    load_meeting_schedules(section)
                    break
    return list(MeetingSchedule.objects.filter(is_active=True))


@register_seeder("coordination", order=95)
def seed(context: DemoContext) -> str:
    """Create the meeting schedules, the last week's meetings, skills and vendors (once)."""
    from incidents.models import Incident, Service
    from oncall.models import Schedule as OncallSchedule

    schedules = _schedules()
    if Vendor.objects.exists():
        return "team coordination already present"
    users = {user.username: user for user in get_user_model().objects.filter(is_active=True)}
    today = clock.local_date(context.now)
    opened = 0
    for schedule in schedules:
        lookback = 8 if schedule.kind == "standup" else 100
        days = list(
            cadence.meeting_dates(today - timedelta(days=lookback), today, schedule.kind, weekday=schedule.weekday)
        )
        for day in days[-4:]:
            opens = clock.before(services.meeting_starts_at(schedule, day), services.OPEN_LEAD)
            if opens > context.now:
                continue
            _meeting, created = services.meeting_open(schedule=schedule, day=day, now=opens)
            opened += created
    standup = Meeting.objects.filter(kind="standup").order_by("-date").first()
    if standup is not None:
        manager, oncall = context.users[Role.MANAGER], context.users[Role.ONCALL]
        services.meeting_minutes_save(
            meeting=standup,
            by=manager,
            minutes="Checkout latency is back to normal after the cache fix.\nPostmark renewal: chase finance.",
        )
        services.meeting_action_add(
            meeting=standup, by=manager, description="Write the runbook for the checkout cache flush",
            owner=oncall, due_date=standup.date + timedelta(days=2),
        )  # fmt: skip
        services.meeting_action_add(
            meeting=standup, by=manager, description="Get the Postmark renewal quote approved",
            owner=manager, due_date=standup.date + timedelta(days=7),
        )  # fmt: skip
    by_name = {service.name: service for service in Service.objects.all()}
    for service_name, people in SKILLS:
        service = by_name.get(service_name)
        for username, trained_ago, expires_in in people:
            if service is None or username not in users:
                continue
            Skill.objects.update_or_create(
                user=users[username],
                service=service,
                defaults={
                    "trained_on": today - timedelta(days=trained_ago),
                    "expires_on": today + timedelta(days=expires_in) if expires_in is not None else None,
                },
            )
    for schedule_name, service_names in COVERAGE.items():
        oncall_schedule = OncallSchedule.objects.filter(name=schedule_name).first()
        if oncall_schedule is not None:
            coverage, _ = ScheduleCoverage.objects.get_or_create(schedule=oncall_schedule)
            coverage.services.set([by_name[name] for name in service_names if name in by_name])
    incident = Incident.objects.order_by("-detected_at").first()
    for row in VENDORS:
        vendor = Vendor.objects.create(
            name=row["name"],
            support_contact=row["support_contact"],
            escalation_contact=row["escalation_contact"],
            contract_end=today + timedelta(days=row["contract_days"]),
            notes=row["notes"],
        )
        vendor.services.set([by_name[name] for name in row["services"] if name in by_name])
        if incident is not None and row["name"] == "Stripe":
            vendor.incidents.add(incident)
    sweep = services.coordination_reminders(now=context.now)
    count = MeetingActionItem.objects.count()
    return (
        f"{len(schedules)} meeting schedules, {opened} meetings, {count} action items, "
        f"{Skill.objects.count()} skills, {len(VENDORS)} vendors, {sweep['flags_opened']} skills flags"
    )

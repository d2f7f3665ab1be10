"""The demo on-call schedules: two schedules with primary and backup layers and a week of shift log."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from oncall import services
from oncall.models import Layer, LayerMember, Override, Schedule
from opsportal import clock
from opsportal.demo import DemoContext, register_seeder
from opsportal.roles import Role

# More engineers to rotate through (no password: they cannot log in, they only hold shifts).
ENGINEERS = ["priya", "jonas", "mei"]
HISTORY = timedelta(days=7)


def _engineers(context: DemoContext) -> list[Any]:
    group = Group.objects.get_or_create(name=Role.ONCALL.value)[0]
    people = [context.users[Role.ONCALL]]
    for username in ENGINEERS:
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(group)
        people.append(user)
    return people


def _layer(schedule: Schedule, position: int, members: list[Any], **fields: object) -> None:
    layer = Layer.objects.create(schedule=schedule, position=position, **fields)
    LayerMember.objects.bulk_create(LayerMember(layer=layer, user=user, position=i) for i, user in enumerate(members))


@register_seeder("oncall", order=40)
def seed(context: DemoContext) -> str:
    """Create the two demo schedules once, with a week of shift log behind them."""
    if Schedule.objects.filter(name="Platform").exists():
        return "on-call schedules already present"
    oncall, priya, jonas, mei = _engineers(context)
    manager, admin = context.users[Role.MANAGER], context.users[Role.ADMIN]
    start = clock.before(context.now, HISTORY)
    first_day = clock.local_date(start) - timedelta(days=14)
    with transaction.atomic():
        platform = Schedule.objects.create(
            name="Platform", time_zone="Europe/London", created_at=start, logged_until=start
        )
        _layer(platform, 0, [oncall, priya, jonas, mei], name="Weekly primary", shift_days=7,
               handoff_time=time(9), starts_on=first_day - timedelta(days=first_day.weekday()))  # fmt: skip
        _layer(platform, 1, [manager, admin], name="Managers as backup", role=Layer.Role.BACKUP, shift_days=7,
               handoff_time=time(9), starts_on=first_day - timedelta(days=first_day.weekday()))  # fmt: skip
        database = Schedule.objects.create(
            name="Database", time_zone="America/New_York", created_at=start, logged_until=start
        )
        _layer(database, 0, [jonas, oncall], name="After hours", shift_days=1, handoff_time=time(17),
               starts_on=first_day)  # fmt: skip
        _layer(database, 1, [mei, priya], name="Business hours", shift_days=7, handoff_time=time(9),
               starts_on=first_day, weekdays=[0, 1, 2, 3, 4], hours_start=time(9), hours_end=time(17))  # fmt: skip
        _layer(database, 2, [manager], name="Backup", role=Layer.Role.BACKUP, shift_days=7, handoff_time=time(9),
               starts_on=first_day)  # fmt: skip
        # A swap three days ago: Jonas covered an evening of the Platform rotation.
        cover_start = clock.before(context.now, timedelta(days=3))
        Override.objects.create(schedule=platform, user=jonas, start=cover_start,
                                end=clock.after(cover_start, timedelta(hours=6)), reason="Swap (demo)",
                                created_by=manager)  # fmt: skip
    written = sum(services.shift_log_append(schedule=s, until=context.now) for s in (platform, database))
    return f"2 on-call schedules with {written} logged shifts over the last week"

"""A person's data: exported whole, and erased so that the person appears nowhere in the portal."""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from compliance.models import ErasureLog
from opsportal.roles import Role

# Every way the person could be named: username, first and last name, e-mail address.
NAMES = ("zelda.quixote", "Zelda", "Quixote", "zelda.quixote@example.com")
NAME_PATTERN = re.compile("|".join(re.escape(name) for name in NAMES), re.IGNORECASE)


@pytest.fixture
def world(make_user, ops_user, oncall_user, manager_user, admin_user, severity) -> dict[str, Any]:
    """Zelda, an on-call engineer, with a trace in every area of the portal."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from changes.models import CalendarToken, ChangeHistory, ChangeRequest
    from checklists.models import ChecklistRun, ChecklistTemplate, RunItem
    from incidents.services import incident_assign, incident_declare, incident_note_add
    from oncall.models import Layer, LayerMember, Override, Schedule, ShiftLog
    from opsportal.notifications import notification_send
    from reporting.periods import period_containing
    from reporting.services import report_build

    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    zelda = make_user("zelda.quixote", Role.ONCALL, first_name="Zelda", last_name="Quixote")
    now = timezone.now()

    template = ChecklistTemplate.objects.create(name="Morning checks", owner_group=Group.objects.get(name=Role.OPS))
    run = ChecklistRun.objects.create(template=template, name="Morning checks", opens_at=now - timedelta(hours=2),
                                      due_at=now + timedelta(hours=6), period_date=now.date(), items_total=1,
                                      items_done=1)  # fmt: skip
    tick = RunItem.objects.create(run=run, position=0, text="Check the backups", done_at=now,
                                  done_by=zelda, note="Backups fine.", note_by=zelda)  # fmt: skip

    incident = incident_declare(by=zelda, title="Checkout down", severity=severity, description="Carts fail.")
    incident_assign(incident=incident, assignee=zelda, by=oncall_user)
    note = incident_note_add(incident=incident, by=zelda, text="Restarted the cart service.")
    from breaches.services import incident_flags_set

    incident_flags_set(incident=incident, by=zelda, security=True, personal_data_breach=True, categories="carts")

    change = ChangeRequest.objects.create(
        title="Patch the carts", requester=zelda, approved_by=manager_user, approved_at=now, status="planning",
        status_changed_at=now,
    )  # fmt: skip
    ChangeHistory.objects.create(change=change, kind="created", actor=zelda, at=now, message="Raised.")
    CalendarToken.objects.create(user=zelda, token="z" * 40)

    schedule = Schedule.objects.create(name="Platform", time_zone="UTC")
    layer = Layer.objects.create(schedule=schedule, position=0, shift_days=7, handoff_time=now.time().replace(microsecond=0),
                                 starts_on=now.date() - timedelta(days=14))  # fmt: skip
    LayerMember.objects.create(layer=layer, user=zelda, position=0)
    shift = ShiftLog.objects.create(schedule=schedule, user=zelda, role="primary", start=now - timedelta(days=9),
                                    end=now - timedelta(days=2), source="layer", layer=layer)  # fmt: skip
    override = Override.objects.create(schedule=schedule, user=zelda, start=now + timedelta(days=1),
                                       end=now + timedelta(days=2), created_by=manager_user)  # fmt: skip
    notification_send(recipients=[zelda], key="to-zelda", subject="Your shift", email=False)
    notification_send(recipients=[manager_user], key="takeover-1", subject="zelda.quixote took over #1",
                      body="Ask zelda.quixote.", email=False)  # fmt: skip
    LogEntry.objects.create(user=admin_user, content_type=ContentType.objects.get_for_model(zelda),
                            object_id=str(zelda.pk), object_repr=str(zelda), action_flag=CHANGE,
                            change_message="Changed email.")  # fmt: skip
    report, _ = report_build(period=period_containing("weekly", (now - timedelta(days=7)).date()))
    return {"zelda": zelda, "incident": incident, "note": note, "tick": tick, "change": change, "shift": shift,
            "override": override, "report": report, "schedule": schedule}  # fmt: skip


@pytest.mark.django_db
class TestExportPersonalData:
    def test_it_writes_the_persons_ticks_incidents_changes_and_shifts(self, world, tmp_path):
        output = tmp_path / "zelda.json"
        call_command("export_personal_data", "zelda.quixote", "--output", str(output))
        data = json.loads(output.read_text())

        assert data["profile"]["username"] == "zelda.quixote"
        assert data["profile"]["email"] == "zelda.quixote@example.com"
        assert data["roles"] == [Role.ONCALL]
        assert [row["id"] for row in data["checklist_ticks"]] == [world["tick"].pk]
        assert data["checklist_notes"][0]["note"] == "Backups fine."
        assert [row["id"] for row in data["incidents"]] == [world["incident"].pk]
        assert world["note"].pk in [row["id"] for row in data["timeline_entries"]]
        assert [row["id"] for row in data["changes"]] == [world["change"].pk]
        assert [row["id"] for row in data["oncall_shifts"]] == [world["shift"].pk]
        assert [row["id"] for row in data["oncall_overrides"]] == [world["override"].pk]
        assert data["oncall_layers"][0]["layer__schedule__name"] == "Platform"
        assert [row["subject"] for row in data["notifications"]] == ["Your shift"]
        assert len(data["calendar_tokens"]) == 1
        assert "z" * 40 not in output.read_text()  # a secret never travels in the file

    def test_it_finds_the_person_by_id_and_refuses_an_unknown_one(self, world, capsys):
        call_command("export_personal_data", str(world["zelda"].pk))
        assert json.loads(capsys.readouterr().out)["profile"]["id"] == world["zelda"].pk
        with pytest.raises(CommandError, match="nobody-here"):
            call_command("export_personal_data", "nobody-here")

    def test_the_admin_action_downloads_the_same_file(self, world, client_for, admin_user):
        response = client_for(admin_user).post(
            "/admin/auth/user/", {"action": "export_personal_data", "_selected_action": [world["zelda"].pk]}
        )
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="personal-data-user-{world["zelda"].pk}.json"'
        assert json.loads(response.content)["profile"]["username"] == "zelda.quixote"


@pytest.mark.django_db
class TestEraseUser:
    def test_it_anonymises_the_account_and_keeps_the_records(self, world, capsys):
        zelda = world["zelda"]
        call_command("erase_user", "zelda.quixote", "--no-input")

        zelda.refresh_from_db()
        assert zelda.username == f"former-user-{zelda.pk}"
        assert (zelda.first_name, zelda.last_name, zelda.email) == ("", "", "")
        assert not zelda.has_usable_password()
        assert not zelda.is_active
        assert not zelda.groups.exists()
        assert str(zelda) == zelda.get_username() == f"former user {zelda.pk}"
        world["incident"].refresh_from_db()
        assert world["incident"].declared_by_id == zelda.pk  # the record still points at the person
        assert world["change"].__class__.objects.get(pk=world["change"].pk).requester_id == zelda.pk
        log = ErasureLog.objects.get()
        assert log.user_id == zelda.pk
        assert log.counts["calendar_tokens"] == 1
        assert "Still in the rotation of: Platform" in capsys.readouterr().out

    def test_it_refuses_to_erase_twice(self, world):
        call_command("erase_user", "zelda.quixote", "--no-input")
        with pytest.raises(CommandError, match="already erased"):
            call_command("erase_user", str(world["zelda"].pk), "--no-input")


def _links(body: str) -> list[str]:
    found = re.findall(r'(?:href|hx-get|action)="(/[^"#]*)"', body)
    found += re.findall(r'"(?:https?://testserver)?(/api/v1/[^"\s]*)"', body)
    return [link.replace("&amp;", "&") for link in found]


SKIP = (
    "/healthz",
    "/system/",
    "/accounts/logout",
    "/static/",
    "/admin/logout",
    "/admin/password_change",
    "/admin/jsi18n",
)


def _walk(client: Any, starts: list[str], *, limit: int = 160) -> dict[str, tuple[int, str]]:
    """Follow every same-site link and API URL from ``starts``; return each page's status and body."""
    seen: set[str] = set()
    bodies: dict[str, tuple[int, str]] = {}
    queue = deque(starts)
    while queue and len(bodies) < limit:
        url = queue.popleft()
        if url.startswith(SKIP):
            continue
        # One page per route shape: ids and query strings (filters, pages) show the same records.
        shape = re.sub(r"\d+", "N", url.partition("?")[0])
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(url)
        body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
        bodies[url] = (response.status_code, body)
        if response.status_code == 200:
            # Admin pages are listed, not followed: its add, delete and history forms repeat the change pages.
            queue.extend(link for link in _links(body) if not link.startswith("/admin/"))
    return bodies


@pytest.mark.django_db
class TestErasedUserAppearsNowhere:
    def test_no_page_api_export_or_email_names_them_for_any_role(
        self, world, client_for, ops_user, oncall_user, manager_user, admin_user
    ):
        from opsportal.models import Notification
        from opsportal.notifications import notification_email
        from reporting.models import ReportDelivery
        from reporting.services import report_deliver, report_email_send

        incident, change, report = world["incident"], world["change"], world["report"]
        starts = ["/", "/notifications/", "/checklists/", "/checklists/history/", f"/checklists/runs/{world['tick'].run_id}/",
                  "/incidents/", f"/incidents/{incident.pk}/", "/changes/", f"/changes/{change.pk}/", "/changes/calendar/",
                  "/reports/", "/reports/list/", f"/reports/{report.pk}/", "/reports/dashboard.csv", "/oncall/",
                  "/oncall/handovers/", "/compliance/", "/compliance/records/", "/api/v1/",
                  "/compliance/breaches/", "/compliance/breaches.csv", "/api/v1/breaches/",
                  f"/api/v1/incidents/{incident.pk}/", f"/api/v1/incidents/{incident.pk}/timeline/",
                  f"/api/v1/changes/{change.pk}/", f"/api/v1/reports/{report.pk}/",
                  "/admin/", "/admin/auth/user/", f"/admin/auth/user/{world['zelda'].pk}/change/",
                  "/admin/opsportal/notification/", "/admin/incidents/incident/", f"/admin/incidents/incident/{incident.pk}/change/",
                  "/admin/changes/changerequest/", f"/admin/changes/changerequest/{change.pk}/change/",
                  "/admin/oncall/shiftlog/", "/admin/oncall/override/", "/admin/oncall/layer/",
                  "/admin/compliance/erasurelog/",
                  "/compliance/access-reviews/", "/compliance/training/", "/compliance/access/audit.csv",
                  "/api/v1/access-reviews/"]  # fmt: skip
        from access.services import access_review_open

        review = access_review_open()[0]  # zelda has a line: after erasure it must not name her
        starts += [f"/compliance/access-reviews/{review.pk}/", f"/api/v1/access-reviews/{review.pk}/"]
        # Before erasure the pages do name them (so the walk looks where they are).
        manager = client_for(manager_user)
        for page in (f"/incidents/{incident.pk}/", f"/reports/{report.pk}/", f"/api/v1/incidents/{incident.pk}/"):
            assert NAME_PATTERN.search(manager.get(page).content.decode()), page
        assert NAME_PATTERN.search(client_for(admin_user).get("/admin/").content.decode())  # the recent actions
        client_for(manager_user)

        call_command("erase_user", "zelda.quixote", "--no-input")

        walked = 0
        for user in (ops_user, oncall_user, manager_user, admin_user):
            bodies = _walk(client_for(user), starts)
            walked += len(bodies)
            assert all(status < 500 for status, _ in bodies.values()), {
                u: s for u, (s, _) in bodies.items() if s >= 500
            }
            named = {
                url: NAME_PATTERN.search(body).group(0)
                for url, (_, body) in bodies.items()
                if NAME_PATTERN.search(body)
            }
            assert named == {}, (user.username, named)
        assert walked > 100

        # E-mails sent after the erasure: report e-mails and the notifications still unmailed.
        mail.outbox.clear()
        report_deliver(report=report)
        for delivery in ReportDelivery.objects.all():
            report_email_send(delivery=delivery)
        Notification.objects.update(emailed_at=None)
        for notification in Notification.objects.all():
            notification_email(notification=notification)
        assert mail.outbox
        for message in mail.outbox:
            text = " ".join(
                [
                    message.subject,
                    message.body,
                    *message.to,
                    *(body for body, _ in getattr(message, "alternatives", [])),
                ]
            )
            assert not NAME_PATTERN.search(text), (message.subject, NAME_PATTERN.search(text))

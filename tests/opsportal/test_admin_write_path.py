"""Django admin and the one write path: workflow records are read-only, configuration keeps history."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.forms import MultiWidget
from django.utils import timezone

from changes.models import ChangeRequest, ChangeSettings, DeploymentStage, FreezeWindow, ProcessStep
from checklists.models import ChecklistRun, ChecklistTemplate
from checklists.services import runs_generate
from incidents.models import (
    BusinessCalendar,
    EscalationNotice,
    EscalationStep,
    Holiday,
    Incident,
    PostIncidentReview,
    Service,
    Severity,
    TimelineEntry,
    WorkingHours,
)
from incidents.services import action_item_add, incident_acknowledge, incident_declare, incident_resolve
from opsportal.notifications import notification_send
from opsportal.roles import Role
from reporting.models import KpiDefinition, ReportDelivery, ReportSchedule
from reporting.periods import period_containing
from reporting.services import report_build


@pytest.fixture
def superuser(make_user: Any) -> Any:
    return make_user("root.admin", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def procedures(db: Any) -> None:
    call_command("import_procedures", stdout=open("/dev/null", "w"))  # noqa: SIM115


def workflow_records(superuser: Any, oncall_user: Any) -> dict[str, Any]:
    """Create one row of every record that has a workflow; return them by admin URL prefix."""
    severity = Severity.objects.order_by("position").first()
    incident = incident_declare(by=oncall_user, title="Checkout is down", severity=severity)
    incident_acknowledge(incident=incident, by=oncall_user)
    incident_resolve(incident=incident, by=oncall_user, note="Rolled back.")
    review = PostIncidentReview.objects.get(incident=incident)
    action_item_add(review=review, by=oncall_user, description="Add a canary")
    step = incident.escalation_steps.first()
    notice = EscalationNotice.objects.create(incident=incident, step=step, round=1, due_at=timezone.now())
    start = timezone.now() + timedelta(days=2)
    change = ChangeRequest.objects.create(
        title="Patch the load balancer", change_type="normal", status="initiation", business_justification="Fix.",
        description="Apply 4.2.", affected_services="api", implementation_plan="Drain, patch.",
        rollback_plan="Reinstall 4.1.", verification_plan="Smoke tests.", window_start=start,
        window_end=start + timedelta(hours=2), requester=oncall_user, status_changed_at=timezone.now(),
    )  # fmt: skip
    runs_generate(start=timezone.localdate(), end=timezone.localdate())
    run = ChecklistRun.objects.first()
    notification = notification_send(recipients=[superuser], key="admin-test", subject="Hello", email=False)[0]
    report, _ = report_build(period=period_containing("daily", date(2026, 3, 2)))
    delivery = ReportDelivery.objects.create(report=report, recipient=superuser)
    return {
        "incidents/incident": incident,
        "incidents/timelineentry": TimelineEntry.objects.filter(incident=incident).first(),
        "incidents/escalationnotice": notice,
        "incidents/postincidentreview": review,
        "changes/changerequest": change,
        "checklists/checklistrun": run,
        "opsportal/notification": notification,
        "reporting/report": report,
        "reporting/reportdelivery": delivery,
    }


WORKFLOW_MODELS = [
    "incidents/incident",
    "incidents/timelineentry",
    "incidents/escalationnotice",
    "incidents/postincidentreview",
    "changes/changerequest",
    "checklists/checklistrun",
    "opsportal/notification",
    "reporting/report",
    "reporting/reportdelivery",
]


@pytest.mark.django_db
class TestWorkflowRecordsAreReadOnlyInAdmin:
    @pytest.fixture
    def records(self, procedures: None, superuser: Any, oncall_user: Any) -> dict[str, Any]:
        return workflow_records(superuser, oncall_user)

    @pytest.mark.parametrize("model", WORKFLOW_MODELS)
    def test_the_change_page_shows_the_record_without_a_save_button(
        self, client_for: Any, superuser: Any, records: dict[str, Any], model: str
    ) -> None:
        response = client_for(superuser).get(f"/admin/{model}/{records[model].pk}/change/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="_save"' not in page
        assert 'name="_continue"' not in page
        assert "/delete/" not in page

    @pytest.mark.parametrize("model", WORKFLOW_MODELS)
    def test_an_edit_is_refused_and_the_row_is_unchanged(
        self, client_for: Any, superuser: Any, records: dict[str, Any], model: str
    ) -> None:
        record = records[model]
        record.refresh_from_db()
        before = {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}
        fields = {name: "rewritten" for name in ("title", "text", "subject", "body", "summary")}
        response = client_for(superuser).post(f"/admin/{model}/{record.pk}/change/", fields)
        assert response.status_code == 403
        record.refresh_from_db()
        assert {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields} == before

    @pytest.mark.parametrize("model", WORKFLOW_MODELS)
    def test_adding_and_deleting_are_refused(
        self, client_for: Any, superuser: Any, records: dict[str, Any], model: str
    ) -> None:
        record = records[model]
        client = client_for(superuser)
        assert client.get(f"/admin/{model}/add/").status_code == 403
        assert client.get(f"/admin/{model}/{record.pk}/delete/").status_code == 403
        assert client.post(f"/admin/{model}/{record.pk}/delete/", {"post": "yes"}).status_code == 403
        response = client.post(f"/admin/{model}/", {"action": "delete_selected", "_selected_action": [record.pk]})
        assert response.status_code in {200, 302}  # the action does not exist: the list page answers
        assert type(record).objects.filter(pk=record.pk).exists()

    def test_an_incident_cannot_be_deleted_even_by_a_superuser(
        self, client_for: Any, superuser: Any, records: dict[str, Any]
    ) -> None:
        incident = records["incidents/incident"]
        client = client_for(superuser)
        response = client.post(f"/admin/incidents/incident/{incident.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
        assert Incident.objects.filter(pk=incident.pk).exists()
        assert TimelineEntry.objects.filter(incident=incident).exists()

    def test_a_change_request_requester_cannot_be_rewritten(
        self, client_for: Any, superuser: Any, records: dict[str, Any], manager_user: Any
    ) -> None:
        change = records["changes/changerequest"]
        response = client_for(superuser).post(
            f"/admin/changes/changerequest/{change.pk}/change/", {"requester": manager_user.pk, "title": change.title}
        )
        assert response.status_code == 403
        change.refresh_from_db()
        assert change.requester_id != manager_user.pk

    def test_action_items_and_run_items_show_without_inputs(
        self, client_for: Any, superuser: Any, records: dict[str, Any]
    ) -> None:
        client = client_for(superuser)
        review_page = client.get(
            f"/admin/incidents/postincidentreview/{records['incidents/postincidentreview'].pk}/change/"
        )
        assert "Add a canary" in review_page.content.decode()
        assert 'name="action_items-0-description"' not in review_page.content.decode()
        run = records["checklists/checklistrun"]
        run_page = client.get(f"/admin/checklists/checklistrun/{run.pk}/change/").content.decode()
        assert 'name="items-0-note"' not in run_page


def post_data_from(response: Any) -> dict[str, Any]:
    """Return the POST body that saves an admin change page as it was shown (its inlines included)."""
    data: dict[str, Any] = {}

    def add_form(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(part) for part in value]
            else:
                data[key] = "" if value is None else str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_form_count()
        data.update({
            f"{formset.prefix}-TOTAL_FORMS": str(initial), f"{formset.prefix}-INITIAL_FORMS": str(initial),
            f"{formset.prefix}-MIN_NUM_FORMS": "0", f"{formset.prefix}-MAX_NUM_FORMS": "1000",
        })  # fmt: skip
        for form in formset.forms[:initial]:
            add_form(form)
    return data


def edit_in_admin(client: Any, url: str, changes: dict[str, str]) -> None:
    """Open ``url``, change the named inputs (suffix match for inline rows) and save it."""
    shown = client.get(url)
    assert shown.status_code == 200, url
    data = post_data_from(shown)
    for suffix, value in changes.items():
        keys = [key for key in data if key == suffix or key.endswith(f"-0-{suffix}")]
        assert keys, f"{suffix} is not an input of {url}"
        data[keys[0]] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.mark.django_db
class TestConfigurationKeepsHistory:
    """Each configuration model, edited through its admin page, gains a history row naming the editor."""

    def assert_edited_by(self, model: type, pk: int, user: Any) -> None:
        rows = model.history.filter(id=pk, history_type="~")  # type: ignore[attr-defined]
        assert rows.exists(), f"{model.__name__} {pk} has no edit in its history"
        assert rows.latest("history_date").history_user_id == user.pk

    def test_a_severity_and_its_escalation_steps_keep_history(self, client_for: Any, superuser: Any, procedures: None):
        severity = Severity.objects.get(code="P1")
        step = EscalationStep.objects.filter(severity=severity).order_by("position", "pk").first()
        edit_in_admin(
            client_for(superuser),
            f"/admin/incidents/severity/{severity.pk}/change/",
            {"response_minutes": "30", "delay_minutes": str(step.delay_minutes + 5)},
        )
        assert Severity.objects.get(pk=severity.pk).response_minutes == 30
        self.assert_edited_by(Severity, severity.pk, superuser)
        self.assert_edited_by(EscalationStep, step.pk, superuser)
        assert severity.history.filter(history_type="~").latest("history_date").prev_record.response_minutes == 60

    def test_a_business_calendar_with_its_hours_and_holidays_keeps_history(self, client_for: Any, superuser: Any):
        calendar = BusinessCalendar.objects.create(name="London office", time_zone="Europe/London")
        hours = WorkingHours.objects.create(calendar=calendar, weekday=0, start=time(9), end=time(17))
        holiday = Holiday.objects.create(calendar=calendar, date=date(2026, 12, 25), name="Christmas")
        client = client_for(superuser)
        url = f"/admin/incidents/businesscalendar/{calendar.pk}/change/"
        data = post_data_from(client.get(url))
        data["name"] = "London HQ"
        data[next(key for key in data if key.endswith("-0-end"))] = "18:00"
        data[next(key for key in data if key.startswith("holidays") and key.endswith("-0-name"))] = "Xmas"
        assert client.post(url, data).status_code == 302
        self.assert_edited_by(BusinessCalendar, calendar.pk, superuser)
        self.assert_edited_by(WorkingHours, hours.pk, superuser)
        self.assert_edited_by(Holiday, holiday.pk, superuser)

    def test_services_keep_history(self, client_for: Any, superuser: Any):
        service = Service.objects.create(name="api")
        edit_in_admin(client_for(superuser), f"/admin/incidents/service/{service.pk}/change/", {"description": "API"})
        self.assert_edited_by(Service, service.pk, superuser)

    def test_change_settings_and_freeze_windows_keep_history(self, client_for: Any, superuser: Any):
        settings_row = ChangeSettings.load()
        start = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
        freeze = FreezeWindow.objects.create(name="Black Friday", start=start, end=start + timedelta(days=3))
        client = client_for(superuser)
        edit_in_admin(
            client, f"/admin/changes/changesettings/{settings_row.pk}/change/", {"approval_reminder_hours": "12"}
        )
        edit_in_admin(client, f"/admin/changes/freezewindow/{freeze.pk}/change/", {"reason": "Peak trading"})
        self.assert_edited_by(ChangeSettings, settings_row.pk, superuser)
        self.assert_edited_by(FreezeWindow, freeze.pk, superuser)
        assert FreezeWindow.objects.get(pk=freeze.pk).end == freeze.end  # the split date/time inputs round-trip

    def test_process_steps_and_deployment_stages_keep_history(self, client_for: Any, superuser: Any, procedures: None):
        step = ProcessStep.objects.order_by("order").first()
        stage = DeploymentStage.objects.order_by("order").first() or DeploymentStage.objects.create(
            order=1, name="Development"
        )
        client = client_for(superuser)
        edit_in_admin(client, f"/admin/changes/processstep/{step.pk}/change/", {"description": "Edited step"})
        edit_in_admin(client, f"/admin/changes/deploymentstage/{stage.pk}/change/", {"description": "Edited stage"})
        self.assert_edited_by(ProcessStep, step.pk, superuser)
        self.assert_edited_by(DeploymentStage, stage.pk, superuser)

    def test_kpi_definitions_and_report_schedules_keep_history(self, client_for: Any, superuser: Any, procedures: None):
        kpi = KpiDefinition.objects.order_by("pk").first()
        schedule = ReportSchedule.objects.order_by("pk").first()
        client = client_for(superuser)
        edit_in_admin(client, f"/admin/reporting/kpidefinition/{kpi.pk}/change/", {"target": "42"})
        edit_in_admin(client, f"/admin/reporting/reportschedule/{schedule.pk}/change/", {"build_time": "07:45"})
        assert KpiDefinition.objects.get(pk=kpi.pk).target == Decimal("42")
        assert ReportSchedule.objects.get(pk=schedule.pk).build_time == time(7, 45)
        self.assert_edited_by(KpiDefinition, kpi.pk, superuser)
        self.assert_edited_by(ReportSchedule, schedule.pk, superuser)

    def test_checklist_templates_and_items_keep_history(self, client_for: Any, superuser: Any, procedures: None):
        template = ChecklistTemplate.objects.filter(frequency="daily", items__isnull=False).distinct().first()
        item = template.items.order_by("position", "pk").first()
        edit_in_admin(
            client_for(superuser),
            f"/admin/checklists/checklisttemplate/{template.pk}/change/",
            {"description": "Edited in admin", "text": "Check the backups twice"},
        )
        self.assert_edited_by(ChecklistTemplate, template.pk, superuser)
        self.assert_edited_by(type(item), item.pk, superuser)

    def test_every_configuration_admin_shows_its_history_page(self, client_for: Any, superuser: Any, procedures: None):
        client = client_for(superuser)
        for model in (Severity, KpiDefinition, ReportSchedule, ProcessStep, ChecklistTemplate):
            row = model.objects.first()
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{row.pk}/history/"
            assert client.get(url).status_code == 200, url


@pytest.mark.django_db
class TestConfigurationWrittenByServicesStartsItsHistory:
    def test_a_default_escalation_policy_and_filled_holidays_have_creation_rows(self):
        from incidents.services import calendar_fill_holidays, severity_default_policy_create

        severity = Severity.objects.create(code="P9", name="Test", response_minutes=60)
        assert severity_default_policy_create(severity=severity) > 0
        steps = list(EscalationStep.objects.filter(severity=severity))
        assert EscalationStep.history.filter(id__in=[step.pk for step in steps], history_type="+").count() == len(steps)
        calendar = BusinessCalendar.objects.create(name="UK office")
        added = calendar_fill_holidays(calendar=calendar, country="GB", years=[2026], subdivision="ENG")
        assert Holiday.history.filter(calendar_id=calendar.pk, history_type="+").count() == added > 0

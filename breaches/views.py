"""Pages of the breach register, its CSV export, and an incident's breach (flag, describe, notify)."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from breaches import rules, selectors, services
from breaches.forms import BreachFlagForm, NotificationForm
from breaches.models import Breach
from incidents.selectors import incident_for_user
from opsportal.errors import Conflict

PAGE_SIZE = 50
CSV_HEADER = [
    "incident", "incident title", "what happened", "aware at (UTC)", "deadline (UTC)", "categories",
    "people affected", "notified at (UTC)", "reference", "notified by", "deadline met",
]  # fmt: skip


def _rows(breaches: list[Breach]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"breach": breach, "state": selectors.deadline_state(breach, now=now)} for breach in breaches]


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """List every personal data breach with its deadline and whether it was met (managers, admins)."""
    page = Paginator(selectors.breach_register(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "breaches/register.html", {"page": page, "rows": _rows(list(page.object_list))})


def _cell(value: Any) -> Any:
    """Return a CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _utc(moment: Any) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


@require_GET
def register_csv(request: HttpRequest) -> HttpResponse:
    """Export the breach register as CSV (every breach, UTC times)."""
    breaches = selectors.breach_register(request.user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    now = timezone.now()
    for breach in breaches:
        state = selectors.deadline_state(breach, now=now)
        writer.writerow(
            [
                _cell(value)
                for value in (
                    breach.incident_id, breach.incident.title, breach.what_happened, _utc(breach.aware_at),
                    _utc(breach.deadline_at), breach.categories, breach.people_affected, _utc(breach.notified_at),
                    breach.notification_reference,
                    breach.notified_by.get_username() if breach.notified_by else "",
                    {"met": "yes", "missed": "no", "overdue": "no (overdue)", "open": "not yet"}[state.code],
                )
            ]
        )  # fmt: skip
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="breach-register.csv"'
    return response


@require_http_methods(["GET", "POST"])
def incident_breach(request: HttpRequest, pk: int) -> HttpResponse:
    """Flag an incident "security" / "personal data breach" and describe its breach (responders)."""
    incident = incident_for_user(request.user, pk)
    rules.require(rules.may_flag(request.user), rules.FLAG_REFUSAL)
    breach = selectors.breach_for_incident(incident)
    initial: dict[str, Any] = {"security": incident.security, "personal_data_breach": incident.personal_data_breach}
    if breach is not None:
        initial.update(
            aware_at=timezone.localtime(breach.aware_at), what_happened=breach.what_happened,
            categories=breach.categories, people_affected=breach.people_affected,
        )  # fmt: skip
    form = BreachFlagForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = {name: data[name] for name in ("what_happened", "categories", "people_affected")}
        try:
            if breach is None:
                services.incident_flags_set(
                    incident=incident, by=request.user, security=data["security"],
                    personal_data_breach=data["personal_data_breach"], aware_at=data["aware_at"], **details,
                )  # fmt: skip
            else:
                services.incident_flags_set(
                    incident=incident, by=request.user, security=data["security"],
                    personal_data_breach=data["personal_data_breach"],
                )  # fmt: skip
                services.breach_update(breach=breach, by=request.user, aware_at=data["aware_at"], **details)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, f"Incident #{incident.pk}: flags and breach saved.")
            return redirect(incident)
    return render(
        request, "breaches/incident_breach.html", {"incident": incident, "breach": breach, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def incident_breach_notified(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the regulator was notified of the incident's breach (managers, admins)."""
    breach = selectors.breach_for_user(request.user, pk, notify=True)
    form = NotificationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_record_notification(
                breach=breach, by=request.user, notified_at=form.cleaned_data["notified_at"],
                reference=form.cleaned_data["reference"],
            )  # fmt: skip
        except ValidationError as error:
            form.apply_errors(error)
        except Conflict as error:
            form.add_error(None, error.message)
            status = 409
        else:
            messages.success(request, f"Incident #{pk}: the regulator's notification is recorded.")
            return redirect(breach.incident)
    if form.errors and status == 200:
        status = 400
    return render(
        request, "breaches/incident_breach_notified.html",
        {"incident": breach.incident, "breach": breach, "form": form, "state": selectors.deadline_state(breach)},
        status=status,
    )  # fmt: skip

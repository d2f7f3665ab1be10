"""Web pages of the Reports area: KPI dashboard, reports, CSV export and KPI entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from opsportal import clock
from opsportal.today import TodaySection, register_today_section
from reporting import rules
from reporting.csv_io import measurements_parse, table_csv
from reporting.forms import MeasurementForm, MeasurementImportForm
from reporting.models import ReportKind
from reporting.selectors import (
    RANGES,
    dashboard_figures,
    report_for_user,
    report_list,
    require_kpi_editor,
    require_report_viewer,
)
from reporting.services import MeasurementInput, measurement_record, measurements_record
from reporting.tables import dashboard_tables, operational_cards, report_tables

AREA = "reports"


def _today() -> date:
    return clock.local_today()


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Show managers and admins the KPI dashboard; send other readers to the report list."""
    require_report_viewer(request.user)
    if not rules.may_view_dashboard(request.user):
        return redirect("reporting:list")
    range_key = request.GET.get("range", "30d")
    figures = dashboard_figures(range_key=range_key, today=_today())
    operational = operational_cards(figures["operational"])
    categories: dict[str, list[dict[str, Any]]] = {}
    for kpi in figures["kpis"]:
        categories.setdefault(kpi["category_label"], []).append(kpi)
    context = {
        "figures": figures,
        "categories": categories,
        "tables": dashboard_tables(figures),
        "ranges": [(key, label) for key, (label, _days, _size) in RANGES.items()],
        "range": figures["range"],
        "operational_cards": operational,
        "chart_data": {
            "labels": figures["labels"],
            "kpis": figures["kpis"],
            "operational": [card["chart"] for card in operational],
        },
        "latest_reports": list(report_list()[:8]),
    }
    return render(request, "reporting/dashboard.html", context)


@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    """Export one dashboard table (?table=summary or series) for the chosen range."""
    rules.require(rules.may_view_dashboard(request.user), rules.ENTRY_DENIED)
    figures = dashboard_figures(range_key=request.GET.get("range", "30d"), today=_today())
    wanted = request.GET.get("table", "summary")
    for table in dashboard_tables(figures):
        if table.key == wanted:
            return _csv_response(
                table_csv(table.header, table.rows), f"kpi-dashboard-{figures['range']}-{table.key}.csv"
            )
    raise Http404("No such table.")


@require_GET
def report_list_page(request: HttpRequest) -> HttpResponse:
    """List built reports, newest first, filtered by kind."""
    require_report_viewer(request.user)
    kind = request.GET.get("kind", "")
    if kind not in ReportKind.values:
        kind = ""
    page = Paginator(report_list(kind=kind), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/report_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": ReportKind.choices,
            "query": f"kind={kind}" if kind else "",
            "can_enter_kpis": rules.may_enter_measurements(request.user),
        },
    )


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one report snapshot: its tables with targets and trends, and its charts."""
    report = report_for_user(request.user, pk)
    data = rules.report_data_visible(request.user, report.data)
    charts = [
        {
            "slug": row["slug"],
            "name": row["name"],
            "unit": row["unit"],
            "target": row["target"],
            "points": data["series"].get(row["slug"], []),
        }
        for row in data.get("business", [])
        if data.get("series", {}).get(row["slug"])
    ]
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "data": data,
            "tables": report_tables(data),
            "charts": charts,
            "can_enter_kpis": rules.may_enter_measurements(request.user),
        },
    )


@require_GET
def report_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    """Export one table of a report as CSV."""
    report = report_for_user(request.user, pk)
    for candidate in report_tables(rules.report_data_visible(request.user, report.data)):
        if candidate.key == table:
            filename = f"report-{report.kind}-{report.period_start:%Y-%m-%d}-{candidate.key}.csv"
            return _csv_response(table_csv(candidate.header, candidate.rows), filename)
    raise Http404("This report has no such table.")


@require_http_methods(["GET", "POST"])
def measurement_new(request: HttpRequest) -> HttpResponse:
    """Enter one KPI value (a value already recorded for that KPI and date is replaced)."""
    require_kpi_editor(request.user)
    form = MeasurementForm(request.POST or None, initial={"date": _today()})
    if request.method == "POST" and form.is_valid():
        measurement = measurement_record(
            kpi=form.cleaned_data["kpi"],
            day=form.cleaned_data["date"],
            value=form.cleaned_data["value"],
            by=request.user,
        )
        messages.success(
            request, f"Saved {measurement.kpi.name} on {measurement.date:%Y-%m-%d}: {measurement.value.normalize():f}."
        )
        return redirect("reporting:measurement-new")
    return render(request, "reporting/measurement_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def measurement_import(request: HttpRequest) -> HttpResponse:
    """Import KPI values from CSV: upload shows a preview; confirm imports all rows or none."""
    require_kpi_editor(request.user)
    form = MeasurementImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["content"]
        rows, errors = measurements_parse(content)
        if errors:
            context.update(errors=errors, rows=rows)
        elif "confirm" in request.POST:
            count = measurements_record(
                rows=[MeasurementInput(kpi=row.kpi, date=row.date, value=row.value) for row in rows], by=request.user
            )
            messages.success(request, f"Imported {count} KPI values.")
            return redirect("reporting:measurement-import")
        else:
            context.update(rows=rows, content=content, preview=True)
    return render(request, "reporting/measurement_import.html", context)


@register_today_section(AREA)
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return the latest reports (and a KPI entry link for managers), or None when not allowed."""
    if not rules.may_view_reports(request.user):
        return None
    return TodaySection(
        area=AREA,
        title="Reports",
        template="reporting/_today.html",
        context={"latest_reports": list(report_list()[:3]), "can_enter": rules.may_enter_measurements(request.user)},
        link="/reports/",
    )

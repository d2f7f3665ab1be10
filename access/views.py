"""Pages of access reviews, the permission audit CSV and the training report (under /compliance/)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import rules, selectors, services
from access.forms import DecisionForm, TrainingForm
from access.models import AccessReviewLine
from opsportal import clock
from opsportal.errors import Conflict

TRAINING_STATUSES = ("current", "expiring", "expired")


def _add_errors(form: Any, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet: quote it as text.
        writer.writerow([f"'{cell}" if isinstance(cell, str) and cell[:1] in "=+-@" else cell for cell in row])
    return response


@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    """List the access reviews, newest first, with how many lines are still undecided."""
    rules.require_view(request.user)
    page = Paginator(selectors.review_list(), 20).get_page(request.GET.get("page"))
    return render(request, "access/reviews.html", {"page": page, "now": clock.now()})


def _line_context(
    request: HttpRequest, line: AccessReviewLine, form: DecisionForm | None = None, notice: str = ""
) -> dict[str, Any]:
    return {
        "notice": notice,
        "line": line,
        "can_decide": not line.decision and rules.may_decide(request.user, line),
        "is_self": line.user_id == request.user.pk,
        "form": form or DecisionForm(auto_id=f"line-{line.pk}-%s"),
    }


@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a review's lines; managers decide each one keep or revoke (not their own)."""
    review = selectors.review_for_user(request.user, pk)
    lines = [_line_context(request, line) for line in selectors.review_lines(review)]
    return render(request, "access/review.html", {"review": review, "lines": lines, "now": clock.now()})


@require_POST
def line_decide(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    """Decide one line (form → service); htmx gets the line back, others the review page."""
    review_line = selectors.line_for_user(request.user, pk, line)
    rules.require_decide(request.user, review_line)
    form = DecisionForm(request.POST, auto_id=f"line-{review_line.pk}-%s")
    if form.is_valid():
        try:
            services.access_review_decide(
                line=review_line, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"],
                by=request.user,
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        except Conflict as conflict:
            if not request.headers.get("HX-Request"):
                raise
            review_line.refresh_from_db()
            return render(request, "access/_line.html", _line_context(request, review_line, notice=conflict.message),
                          status=409)  # fmt: skip
    if form.errors:
        if request.headers.get("HX-Request"):
            return render(request, "access/_line.html", _line_context(request, review_line, form), status=400)
        messages.error(request, "; ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(review_line.review)
    review_line.refresh_from_db()
    if request.headers.get("HX-Request"):
        # The line, and the review's status badge out of band (its undecided count, or "Complete").
        context = _line_context(request, review_line)
        context.update(status_review=selectors.review_list().get(pk=review_line.review_id), now=clock.now())
        return render(request, "access/_line.html", context)
    messages.success(request, f"Decided: {review_line.get_decision_display().lower()} {review_line.user}.")
    return redirect(review_line.review)


@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse:
    """Download the permission audit: each role held now, when and by whom it was granted.

    ``?trail=1`` downloads the whole role audit trail (every grant and revocation) instead.
    """
    rules.require_view(request.user)
    if request.GET.get("trail"):
        trail = [
            [change.user.get_username() if change.user else f"deleted user {change.user_number}", change.role,
             change.action, change.at.isoformat(), change.by.get_username() if change.by else "system", change.via]
            for change in selectors.role_changes()
        ]  # fmt: skip
        return _csv_response("role-audit-trail.csv", ["user", "role", "action", "at", "by", "via"], trail)
    rows = [
        [row.user, row.role, row.granted_at.isoformat() if row.granted_at else "", row.granted_by, row.via]
        for row in selectors.permission_audit()
    ]
    return _csv_response("permission-audit.csv", ["user", "role", "granted_at", "granted_by", "via"], rows)


@require_http_methods(["GET", "POST"])
def training(request: HttpRequest) -> HttpResponse:
    """Show who is current, expiring or expired on each training topic; managers record training here."""
    rules.require_view(request.user)
    status = request.GET.get("status", "")
    status = status if status in TRAINING_STATUSES else ""
    form = TrainingForm()
    http_status = 200
    if request.method == "POST":
        rules.require_record_training(request.user)
        form = TrainingForm(request.POST)
        if form.is_valid():
            try:
                services.training_record(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "Training recorded.")
                return redirect("access:training")
        http_status = 400
    rows = selectors.training_report(status=status)
    if request.GET.get("format") == "csv":
        return _csv_response(
            "training.csv",
            ["person", "topic", "completed_on", "expires_on", "status", "days_left"],
            [[row.record.person.get_username(), row.record.topic, row.record.completed_on.isoformat(),
              row.record.expires_on.isoformat(), row.status, row.days_left] for row in rows],
        )  # fmt: skip
    context = {"rows": rows, "form": form, "status": status, "statuses": TRAINING_STATUSES}
    return render(request, "access/training.html", context, status=http_status)

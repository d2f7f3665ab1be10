"""Pages of the compliance area: the index (retention log, rules, links) and the records of processing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from compliance import rules
from compliance.models import RetentionLog, RetentionRule
from compliance.selectors import records_of_processing


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Show the retention log (paginated), the retention rules and the way to the other registers."""
    rules.require_view(request.user)
    page = Paginator(RetentionLog.objects.order_by("-started_at", "-pk"), 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "retention_rules": RetentionRule.objects.order_by("kind"),
        "records": records_of_processing(),
    }
    return render(request, "compliance/index.html", context)


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    """Show the records of processing: which personal data the portal stores, why, and for how long."""
    rules.require_view(request.user)
    return render(request, "compliance/records.html", {"records": records_of_processing()})

"""Web pages of the Checklists area."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opsportal.roles import AREA_ROLES, require_role
from opsportal.today import TodaySection, register_today_section

AREA = "checklists"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Show the area's front page."""
    require_role(request.user, AREA_ROLES[AREA])
    return render(request, "opsportal/area_placeholder.html", {"area_title": "Checklists"})


@register_today_section(AREA)
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return this area's block on Today, or None when the user may not see the area."""
    if not request.user.is_authenticated:
        return None
    from opsportal.roles import can_see_area

    if not can_see_area(request.user, AREA):
        return None
    return TodaySection(
        area=AREA, title="Checklists", template="opsportal/_today_placeholder.html", link="/checklists/"
    )

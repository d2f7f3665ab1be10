"""Portal-wide pages: Today, health, notifications and the worker check."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from opsportal import live, services
from opsportal.heartbeat import liveness
from opsportal.middleware import AuthenticatedHttpRequest
from opsportal.roles import Role, has_role, require_role
from opsportal.tasks import heartbeat
from opsportal.today import today_sections


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """Show the signed-in user's day: one section per area they may see; it polls itself for changes."""
    etag = live.etag_of(request.user.pk, timezone.get_current_timezone_name(), *live.today_version())
    if (not_modified := live.poll_not_modified(request, etag)) is not None:
        return not_modified
    context = {"sections": today_sections(request), **live.live_context(etag)}
    return live.stamp(request, render(request, "opsportal/today.html", context), etag)


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not reachable" to a load balancer
        return False, f"unreachable: {error.__class__.__name__}"
    return True, connection.vendor


def _check_broker() -> tuple[bool, str]:
    from opsportal.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            transport = broker.transport_cls
    except Exception as error:
        return False, f"unreachable: {error.__class__.__name__}"
    return True, str(transport)


def _check_beat_and_worker() -> dict[str, dict[str, Any]]:
    try:
        parts = liveness(timezone.now())
    except Exception:
        unknown = {"ok": False, "detail": "unknown (database unreachable)"}
        return {"beat": dict(unknown), "worker": dict(unknown)}
    return {name: {"ok": part.ok, "detail": part.detail, **part.times} for name, part in parts.items()}


def _is_admin(request: HttpRequest) -> bool:
    try:
        return has_role(request.user, [Role.ADMIN])
    except Exception:  # the session or user cannot be read (database down): show nothing
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when database, broker, beat and worker are alive, else 503.

    Load balancers get only ``{"status": "ok"}`` or ``{"status": "failing"}``; a signed-in Admin
    also sees which part is failing and the instants behind each check.
    """
    checks: dict[str, Any] = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        ok, detail = check()
        checks[name] = {"ok": ok, "detail": detail}
    checks.update(_check_beat_and_worker())
    failing = [name for name, result in checks.items() if not result["ok"]]
    body: dict[str, Any] = {"status": "ok" if not failing else "failing"}
    if _is_admin(request):
        body.update(failing=failing, checks=checks)
    return JsonResponse(body, status=200 if not failing else 503)


@require_POST
def worker_check(request: HttpRequest) -> HttpResponse:
    """Ask a worker to beat now (admins), so /healthz shows whether workers take tasks."""
    require_role(request.user, [Role.ADMIN])
    transaction.on_commit(partial(heartbeat.delay))
    messages.info(request, "Asked a worker to check in; /healthz shows when it did.")
    return redirect("today")


@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the user's notifications, newest first, and mark the shown page read."""
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    unread = {item.pk for item in page if item.read_at is None}
    if unread:
        services.notifications_mark_read(user=request.user, ids=unread)
    return render(request, "opsportal/notifications.html", {"page": page, "unread": unread})


@require_POST
def notifications_mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark every notification of the user read, then show the list again."""
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications")


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request: Request) -> Response:
    """List the API's areas and where its schema and docs are."""
    base = request.build_absolute_uri("/api/v1/")
    return Response(
        {
            "checklists": {"templates": f"{base}checklists/templates/", "runs": f"{base}checklists/runs/"},
            "incidents": f"{base}incidents/",
            "changes": f"{base}changes/",
            "kpis": f"{base}kpis/",
            "reports": f"{base}reports/",
            "schema": request.build_absolute_uri("/api/schema/"),
            "docs": request.build_absolute_uri("/api/docs/"),
        }
    )

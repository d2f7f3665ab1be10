"""Portal-wide middleware: login everywhere, private pages never cached, times in each user's zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

TIME_ZONE_COOKIE = "tz"


class AuthenticatedHttpRequest(HttpRequest):
    """The request a page view gets: the middleware below lets only signed-in users through."""

    user: User


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Send anonymous visitors of every page to the login page.

    The API is left to DRF, which authenticates by session or token and answers 401/403 in
    the API's error shape instead of redirecting; static files need no login.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PrivatePagesNoStoreMiddleware:
    """Send ``Cache-Control: no-store`` with every response to a signed-in user.

    A shared or back-button cache must never keep a page or API answer that only its user may
    see. Static files and /healthz are left alone: they hold nothing private. The user is read
    after the view, so a user authenticated by the API's token (DRF sets it on the request)
    counts too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(settings.STATIC_URL) or request.path_info == "/healthz":
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private, max-age=0
        return response


class UserTimeZoneMiddleware:
    """Activate the browser's time zone (sent as the ``tz`` cookie by base.html's script)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = unquote(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        try:
            zone = zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)

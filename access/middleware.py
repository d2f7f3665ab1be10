"""Attribute role changes made during a web request to the user making the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from access.audit import acting_as


class RoleChangeActorMiddleware:
    """Set the role audit trail's actor to ``request.user`` for the request (see access/audit.py).

    Placed after the authentication middleware; the user is read lazily, only when a role changes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(
            request.user, f"{'Django admin' if request.path.startswith('/admin/') else 'web'}: {request.path}"
        ):
            return self.get_response(request)

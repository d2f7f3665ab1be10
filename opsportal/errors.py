"""The portal's one conflict error, and error pages that tell the user what was refused and why.

Under ``/api/`` every error Django itself answers (an unknown route, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, a server error) uses the API's one error body, as DRF's
exception handler does for the errors raised inside API views (``opsportal.api``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

API_PREFIX = "/api/"


class Conflict(Exception):
    """Someone else got there first, or the record's state refuses the action (HTTP 409).

    ``field`` names what conflicted (``status`` by default), for the API's ``fields``.
    """

    def __init__(self, message: str, *, field: str = "status") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    """Return the API's error body as a response (see README, "REST API")."""
    from opsportal.api import error_body

    return JsonResponse(error_body(status, code, message, fields), status=status)


def _message(exception: Exception | None, default: str) -> str:
    args = getattr(exception, "args", ())
    # Django's resolver raises Http404 with a dict of debugging details, never meant for users.
    if not args or not isinstance(args[0], str) or not args[0]:
        return default
    return args[0]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Render 403 with the refusal's message; htmx requests get the message alone."""
    message = _message(exception, "You do not have permission to do that.")
    if is_api(request):
        return api_error(403, "permission_denied", message)
    if request.headers.get("HX-Request"):
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    return render(request, "403.html", {"message": message, "back_url": _parent_path(request.path)}, status=403)


def _parent_path(path: str) -> str:
    """Return the page above ``path`` ("/changes/32/edit/" -> "/changes/32/"): the way back from a refusal."""
    parts = [part for part in path.split("/") if part]
    return "/" + "".join(f"{part}/" for part in parts[:-1])


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 404: the API's error body under /api/, the portal's page elsewhere."""
    if is_api(request):
        return api_error(404, "not_found", _message(exception, "Not found."))
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer 400, or 413 for a body larger than the portal accepts."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    if is_api(request):
        return api_error(400, "bad_request", "The request could not be read.")
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def request_too_large(request: HttpRequest) -> HttpResponse:
    """Answer 413 naming the limit."""
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is too large: send at most {limit // 1024} KiB."
    if is_api(request):
        return api_error(413, "request_too_large", message)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer 500: the API's error body under /api/, Django's plain page elsewhere."""
    if is_api(request):
        return api_error(500, "server_error", "The server failed to answer; the error has been logged.")
    return defaults.server_error(request)


def conflict_response(request: HttpRequest, error: Conflict) -> HttpResponse:
    """Show a conflict on an HTML page: the message alone to htmx, else the conflict page."""
    if is_api(request):
        return api_error(409, "conflict", error.message, {error.field: [error.message]})
    if request.headers.get("HX-Request"):
        return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
    return render(request, "409.html", {"message": error.message}, status=409)


class ConflictMiddleware:
    """Answer a Conflict that escapes a view with 409 and its message, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Conflict):
            return conflict_response(request, exception)
        return None

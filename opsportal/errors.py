"""Error pages that tell the user what was refused and why."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class Conflict(Exception):
    """Someone else got there first, or the record's state does not allow the write: a 409."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Render 403 with the refusal's message; htmx requests get the message alone."""
    message = str(exception) if exception and str(exception) else "You do not have permission to do that."
    if request.headers.get("HX-Request"):
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    return render(request, "403.html", {"message": message}, status=403)

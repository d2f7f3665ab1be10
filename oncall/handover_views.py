"""Web pages of the shift handover: the list of handovers, one handover, its note and acknowledgement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from oncall import handover, rules
from oncall.models import Handover, Schedule
from opsportal.errors import Conflict

PAGE_SIZE = 25


def _require_viewer(request: HttpRequest) -> None:
    if not rules.may_view(request.user):
        raise PermissionDenied(rules.VIEW_REFUSAL)


@require_GET
def handover_list(request: HttpRequest) -> HttpResponse:
    """List recent handovers and the signed-in person's coming handoffs (to write the note)."""
    _require_viewer(request)
    page = Paginator(handover.handover_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "upcoming": handover.upcoming_handoffs(request.user)}
    return render(request, "oncall/handovers.html", context)


def _detail_context(request: HttpRequest, row: Handover, **extra: Any) -> dict[str, Any]:
    return {
        "handover": row,
        "digest": handover.digest_for_display(row) if row.sent_at else None,
        "can_acknowledge": handover.may_acknowledge(request.user, row),
        "can_write_note": handover.may_write_note(request.user, row),
        "note_value": row.note,
        "note_max_length": Handover.NOTE_MAX_LENGTH,
        **extra,
    }


@require_GET
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one handover: the digest as sent, the note, and the Acknowledge button for the incoming person."""
    row = handover.handover_for_user(request.user, pk)
    return render(request, "oncall/handover.html", _detail_context(request, row))


@require_POST
def handover_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the outgoing person's note for the coming handoff."""
    row = handover.handover_for_user(request.user, pk)
    note = request.POST.get("note", "")
    try:
        handover.handover_note_save(handover=row, by=request.user, note=note)
    except ValidationError as error:
        message = " ".join(error.message_dict.get("note", error.messages))
        context = _detail_context(request, row, note_value=note, note_error=message)
        return render(request, "oncall/handover.html", context, status=400)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Handover note saved.")
    return redirect(row)


@require_POST
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge the handover as its incoming person."""
    row = handover.handover_for_user(request.user, pk)
    try:
        handover.handover_acknowledge(handover=row, by=request.user)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Handover acknowledged.")
    return redirect(row)


@require_POST
def handover_prepare(request: HttpRequest, schedule_pk: int) -> HttpResponse:
    """Open the signed-in person's coming handover of a schedule, to write the note."""
    _require_viewer(request)
    schedule = get_object_or_404(Schedule, pk=schedule_pk)
    row = handover.handover_prepare(schedule=schedule, by=request.user)
    return redirect(row)

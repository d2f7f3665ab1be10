"""Web pages of the Checklists area: the index, a run with live ticking, history and Today."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from checklists import rules, selectors, services
from checklists.forms import HistoryFilterForm, NoteForm, ProblemForm
from checklists.models import ChecklistRun, RunItem
from opsportal import live
from opsportal.errors import Conflict
from opsportal.today import TodaySection, register_today_section

AREA = "checklists"


def incident_declare_url(item: RunItem) -> str:
    """Return the link that raises an incident from ``item``, or "" while incidents has no such page."""
    try:
        return f"{reverse('incidents:declare')}?from_item={item.pk}"
    except NoReverseMatch:
        return ""


def _item_context(request: HttpRequest, item: RunItem, run: ChecklistRun, **extra: Any) -> dict[str, Any]:
    raised_url = ""
    if item.raised_object_id and item.raised is not None and hasattr(item.raised, "get_absolute_url"):
        raised_url = item.raised.get_absolute_url()
    return {
        "item": item,
        "run": run,
        "can_tick": rules.may_write_run(request.user, run) and not services.run_refusal(run, now=timezone.now()),
        "declare_url": incident_declare_url(item) if item.problem and not raised_url else "",
        "raised_url": raised_url,
        "errors": extra.pop("errors", {}),
        **extra,
    }


def _run_badge(run: ChecklistRun, now: Any) -> str:
    if run.is_active and run.due_at and now > run.due_at:
        return "overdue"
    return ""


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Show the area's front page: my open runs, every template and its schedule."""
    rules.require_view(request.user)
    now = timezone.now()
    runs, upcoming = selectors.split_open_and_upcoming(selectors.runs_for_today(request.user, now=now), now=now)
    templates = list(selectors.templates_visible(request.user))
    return render(
        request,
        "checklists/index.html",
        {
            "runs": runs,
            "upcoming": upcoming,
            "templates": templates,
            "now": now,
            "overdue": {run.pk for run in runs if _run_badge(run, now)},
        },
    )


def _run_rows(request: HttpRequest, run: ChecklistRun, can_tick: bool) -> list[dict[str, Any]]:
    rows = []
    for item in selectors.run_items(run):
        context = _item_context(request, item, run)
        context["can_tick"] = can_tick
        rows.append(context)
    return rows


def _run_etag(request: HttpRequest, run: ChecklistRun, *, refusal: str, can_tick: bool) -> str:
    """Return the version of what the run's live part shows ``request.user``: one query."""
    return live.etag_of(
        request.user.pk,
        run.status,
        run.items_done,
        run.items_total,
        run.completed_at,
        refusal,
        can_tick,
        bool(_run_badge(run, timezone.now())),
        selectors.run_items_version(run),
    )


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one run: its items, who ticked them and when, and the progress bar."""
    run = selectors.run_for_user(request.user, pk)
    refusal = services.run_refusal(run, now=timezone.now())
    can_tick = rules.may_write_run(request.user, run) and not refusal
    etag = _run_etag(request, run, refusal=refusal, can_tick=can_tick)
    rows = _run_rows(request, run, can_tick)
    # A runbook run (an incident's response phase) links back to what it is attached to.
    subject = run.subject if run.subject_object_id else None
    return render(
        request,
        "checklists/run.html",
        {
            "run": run,
            "rows": rows,
            "can_tick": can_tick,
            "refusal": refusal,
            "overdue": bool(_run_badge(run, timezone.now())),
            "subject": subject,
            "subject_kind": subject._meta.verbose_name if subject is not None else "",
            "subject_url": subject.get_absolute_url()
            if subject is not None and hasattr(subject, "get_absolute_url")
            else "",
            **live.live_context(etag),
        },
    )


@require_GET
def run_live(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the run page's live part (progress and items), or 304 while nothing changed."""
    run = selectors.run_for_user(request.user, pk)
    refusal = services.run_refusal(run, now=timezone.now())
    can_tick = rules.may_write_run(request.user, run) and not refusal
    etag = _run_etag(request, run, refusal=refusal, can_tick=can_tick)

    def render_fragment() -> HttpResponse:
        context = {
            "run": run,
            "rows": _run_rows(request, run, can_tick),
            "can_tick": can_tick,
            "overdue": bool(_run_badge(run, timezone.now())),
        }
        return render(request, "checklists/_run_live.html", context)

    return live.conditional_fragment(request, etag, render_fragment)


def _item_response(
    request: HttpRequest, item: RunItem, *, errors: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """Render the item row plus the run's progress bar (swapped out of band)."""
    run = ChecklistRun.objects.select_related("template").get(pk=item.run_id)
    context = _item_context(request, item, run, errors=errors or {})
    context["oob"] = True
    context["overdue"] = bool(_run_badge(run, timezone.now()))
    return render(request, "checklists/_item_update.html", context, status=status)


def _apply(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = selectors.run_item_for_user(request.user, pk, write=True)
    try:
        if action == "tick":
            form: NoteForm | ProblemForm = NoteForm(request.POST)
            if not form.is_valid():
                return _item_response(request, item, errors=form.errors, status=422)
            item = services.run_item_tick(item=item, by=request.user, note=form.cleaned_data["note"])
        elif action == "untick":
            item = services.run_item_untick(item=item, by=request.user)
        elif action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                return _item_response(request, item, errors=form.errors, status=422)
            item = services.run_item_note(item=item, by=request.user, note=form.cleaned_data["note"])
        elif action == "problem":
            form = ProblemForm(request.POST)
            if not form.is_valid():
                return _item_response(request, item, errors=form.errors, status=422)
            item = services.run_item_flag_problem(item=item, by=request.user, note=form.cleaned_data["problem_note"])
        else:  # "clear-problem"
            item = services.run_item_clear_problem(item=item, by=request.user)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return _item_response(request, item, errors=errors, status=422)
    except Conflict as refused:  # a closed run, or a fact of its subject (an acknowledged incident)
        return _item_response(request, item, errors={"__all__": [refused.message]}, status=409)
    return _item_response(request, item)


@require_POST
def item_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick an item (htmx): answer the item row and the progress bar."""
    return _apply(request, pk, "tick")


@require_POST
def item_untick(request: HttpRequest, pk: int) -> HttpResponse:
    """Untick an item (htmx)."""
    return _apply(request, pk, "untick")


@require_POST
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Save an item's note (htmx)."""
    return _apply(request, pk, "note")


@require_POST
def item_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """Flag an item as "problem found" with a note (htmx)."""
    return _apply(request, pk, "problem")


@require_POST
def item_clear_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an item's "problem found" flag (htmx)."""
    return _apply(request, pk, "clear-problem")


@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """List past runs with filters (checklist, status, date range) and completion rates."""
    rules.require_view(request.user)
    form = HistoryFilterForm(request.GET or None)
    filters = selectors.HistoryFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.HistoryFilters(
            template=data["template"].pk if data["template"] else None,
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    runs = selectors.runs_history(request.user, filters)
    rates = selectors.completion_rates(runs)
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "checklists/history.html", {"form": form, "page": page, "rates": rates, "query": query.urlencode()}
    )


@register_today_section(AREA)
def today_section(request: HttpRequest) -> TodaySection | None:
    """Return the user's groups' runs of today: open ones with progress and badges, then upcoming ones."""
    if not request.user.is_authenticated or not rules.may_view_area(request.user):
        return None
    now = timezone.now()
    runs, upcoming = selectors.split_open_and_upcoming(selectors.runs_for_today(request.user, now=now), now=now)
    return TodaySection(
        area=AREA,
        title="Checklists",
        template="checklists/_today.html",
        context={
            "runs": runs,
            "upcoming": upcoming,
            "now": now,
            "overdue": {run.pk for run in runs if _run_badge(run, now)},
        },
        link="/checklists/",
    )

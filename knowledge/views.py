"""Web pages of the knowledge library: /knowledge/ (list, search, pages, versions, diffs, publishing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.models import PostIncidentReview, Service
from knowledge import rules, selectors, services
from knowledge.forms import NewPageForm, PageForm, SearchForm
from knowledge.models import Page, PageVersion
from knowledge.rendering import diff_lines, render_markdown
from opsportal.errors import Conflict

PAGE_SIZE = 25


def _add_errors(form: Any, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """List the library: filter by service, tag or staleness; search box on top."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    service = _int_param(request, "service")
    tag = request.GET.get("tag", "").replace("\x00", "")[:40]
    stale = request.GET.get("stale") == "1"
    pages = selectors.page_list(request.user, service=service, tag=tag, stale=stale)
    listing = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for page in listing:
        page.is_stale = selectors.is_stale(page, now=now)  # type: ignore[attr-defined]
    context = {
        "page_obj": listing,
        "services": Service.objects.order_by("name"),
        "service": service,
        "tag": tag,
        "stale": stale,
        "can_write": rules.may_write(request.user),
        "search_form": SearchForm(),
    }
    return render(request, "knowledge/index.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search the published pages by words in their title, tags or text, best match first."""
    rules.require(rules.may_view(request.user), rules.VIEW_REFUSAL)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    results = selectors.search(request.user, query) if query else []
    return render(request, "knowledge/search.html", {"form": form, "query": query, "results": results})


def _apply_links(page: Page, by: Any, data: dict[str, Any]) -> None:
    services.page_links_set(page=page, by=by, change_types=list(data["change_types"]), vendors=data["vendors"])


@require_http_methods(["GET", "POST"])
def page_new(request: HttpRequest) -> HttpResponse:
    """Write a new page: its first version is a draft until its quality checklist is done."""
    rules.require(rules.may_write(request.user), rules.WRITE_REFUSAL)
    form = NewPageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = services.page_create(
                by=request.user,
                title=data["title"],
                body=data["body"],
                kind=data["kind"],
                service=data["service"],
                tags=data["tags"],
                review_interval_days=data["review_interval_days"],
                summary=data["summary"],
            )
            _apply_links(page, request.user, data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, "Page created as a draft: a reviewer ticks its quality checklist, then publish it."
            )
            return redirect(page)
    return render(request, "knowledge/edit.html", {"form": form, "page": None}, status=400 if form.errors else 200)


def _page_context(request: HttpRequest, page: Page, version: PageVersion | None) -> dict[str, Any]:
    user = request.user
    draft = selectors.newest_draft(user, page)
    shown_runs = selectors.quality_runs(draft) if draft is not None else []
    return {
        "page": page,
        "version": version,
        "html": render_markdown(version.body) if version is not None else "",
        "draft": draft,
        "draft_runs": shown_runs,
        "draft_refusal": services.publish_refusal(draft) if draft is not None else "",
        "is_stale": selectors.is_stale(page),
        "can_write": rules.may_write(user),
        "vendors": page.vendors.order_by("name"),
        "skills": page.skills.select_related("user").order_by("user__username"),
        "change_types": page.change_types.all(),
        "severities": page.severities.order_by("position", "code"),
        "templates": page.checklist_templates.order_by("name"),
        "items": page.checklist_items.select_related("template").order_by("template__name", "position"),
    }


@require_GET
def page_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a page: the published version to readers (or the newest draft to its author and reviewers)."""
    page = selectors.page_for_user(request.user, pk)
    version = selectors.shown_version(request.user, page)
    return render(request, "knowledge/page.html", _page_context(request, page, version))


@require_http_methods(["GET", "POST"])
def page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a page: a changed text makes a new draft version; settings and links apply at once."""
    rules.require(rules.may_write(request.user), rules.WRITE_REFUSAL)
    page = selectors.page_for_user(request.user, pk)
    latest = page.versions.order_by("-number").first()
    initial = {
        "title": latest.title if latest else page.title,
        "body": latest.body if latest else "",
        "service": page.service_id,
        "tags": ", ".join(page.tags or []),
        "review_interval_days": page.review_interval_days,
        "vendors": list(page.vendors.values_list("pk", flat=True)),
        "change_types": list(page.change_types.values_list("change_type", flat=True)),
    }
    form = PageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.page_update(
                page=page,
                by=request.user,
                title=data["title"],
                body=data["body"],
                summary=data["summary"],
                service=data["service"],
                tags=data["tags"],
                review_interval_days=data["review_interval_days"],
            )
            _apply_links(page, request.user, data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if version is None:
                messages.success(request, "Settings saved; the text did not change, so no new version.")
            else:
                messages.success(request, f"Version {version.number} saved as a draft, awaiting its quality review.")
            return redirect(page)
    return render(request, "knowledge/edit.html", {"form": form, "page": page}, status=400 if form.errors else 200)


@require_GET
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    """List a page's versions, newest first, with a form to compare two."""
    page = selectors.page_for_user(request.user, pk)
    versions = selectors.versions_for_user(request.user, page)
    return render(request, "knowledge/versions.html", {"page": page, "versions": versions})


@require_GET
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Show one version as it reads, with its quality checklist."""
    page = selectors.page_for_user(request.user, pk)
    version = selectors.version_for_user(request.user, page, number)
    context = _page_context(request, page, version)
    context.update(
        single=True,
        runs=selectors.quality_runs(version),
        refusal=services.publish_refusal(version) if version.published_at is None else "",
    )
    return render(request, "knowledge/page.html", context)


@require_GET
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare two versions (``?from=&to=``, default: the two newest) line by line."""
    page = selectors.page_for_user(request.user, pk)
    versions = selectors.versions_for_user(request.user, page)
    if not versions:
        raise Http404("This page has no version you may read.")
    by_number = {version.number: version for version in versions}
    new_number = _int_param(request, "to") or versions[0].number
    old_number = _int_param(request, "from") or (versions[1].number if len(versions) > 1 else versions[0].number)
    new, old = by_number.get(new_number), by_number.get(old_number)
    if new is None or old is None:
        raise Http404("There is no such version of this page.")
    context = {
        "page": page,
        "old": old,
        "new": new,
        "versions": versions,
        "title_changed": old.title != new.title,
        "lines": diff_lines(old.body, new.body),
    }
    return render(request, "knowledge/diff.html", context)


@require_POST
def version_publish(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Publish a reviewed version; refused, with the reason, until its quality checklist is done by another person."""
    rules.require(rules.may_write(request.user), rules.WRITE_REFUSAL)
    page = selectors.page_for_user(request.user, pk)
    version = selectors.version_for_user(request.user, page, number)
    try:
        services.version_publish(version=version, by=request.user)
    except Conflict as refused:
        messages.error(request, refused.message)
        return redirect(version)
    messages.success(request, f"Version {version.number} published.")
    return redirect(page)


@require_POST
def page_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the page was reviewed and is still right: its review period starts again."""
    rules.require(rules.may_write(request.user), rules.WRITE_REFUSAL)
    page = selectors.page_for_user(request.user, pk)
    try:
        services.page_mark_reviewed(page=page, by=request.user)
    except Conflict as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "Marked reviewed.")
    return redirect(page)


@require_POST
def review_publish(request: HttpRequest, incident_pk: int) -> HttpResponse:
    """Publish a completed post-incident review to the library as an incident report (a draft to review)."""
    from incidents import selectors as incident_selectors

    rules.require(rules.may_write(request.user), rules.WRITE_REFUSAL)
    incident = incident_selectors.incident_for_user(request.user, incident_pk)
    review = get_object_or_404(PostIncidentReview.objects.select_related("incident__severity"), incident=incident)
    try:
        page = services.review_publish(review=review, by=request.user)
    except Conflict as refused:
        messages.error(request, refused.message)
        return redirect("incidents:review", pk=incident.pk)
    messages.success(
        request, "Incident report created in the library: a reviewer ticks its quality checklist, then publish it."
    )
    return redirect(page)

"""Template helpers that show runbooks where the work is done: run items, incidents, changes, services, reviews."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _may_read(context: Any) -> bool:
    from knowledge import rules

    request = context.get("request")
    return request is not None and rules.may_view(request.user)


@register.filter
def plain_text(markdown: str) -> str:
    """Return the words of a Markdown text without its markup, for excerpts."""
    from knowledge.rendering import plain_text as words

    return words(markdown)


@register.inclusion_tag("knowledge/_runbook_links.html", takes_context=True)
def item_runbooks(context: Any, item: Any) -> dict[str, Any]:
    """Link the published runbooks of a run item's template item (one query per run, cached on it)."""
    from knowledge import selectors

    if not _may_read(context):
        return {"pages": []}
    run = context.get("run")
    cache = getattr(run, "_knowledge_runbooks", None)
    if cache is None:
        ids = run.items.values_list("template_item_id", flat=True) if run is not None else [item.template_item_id]
        cache = selectors.runbooks_by_item(ids)
        if run is not None:
            run._knowledge_runbooks = cache
    return {"pages": cache.get(item.template_item_id, []), "compact": True}


@register.inclusion_tag("knowledge/_runbook_links.html", takes_context=True)
def template_runbooks(context: Any, template_id: int, label: str = "Runbooks") -> dict[str, Any]:
    """Link the published runbooks of a checklist template (a phase or a calendar checklist) by its id."""
    from knowledge import selectors

    pages = selectors.runbooks_for_templates([template_id]) if _may_read(context) else []
    return {"pages": pages, "label": label}


@register.inclusion_tag("knowledge/_runbook_links.html", takes_context=True)
def severity_runbooks(context: Any, severity: Any) -> dict[str, Any]:
    """Link the runbooks of a severity, as a card on the incident page."""
    from knowledge import selectors

    pages = selectors.runbooks_for_severity(severity.pk) if _may_read(context) else []
    return {"pages": pages, "label": f"Runbooks for {severity.code} incidents", "card": True}


@register.inclusion_tag("knowledge/_runbook_links.html", takes_context=True)
def change_runbooks(context: Any, change: Any) -> dict[str, Any]:
    """Link the runbooks of a change's type."""
    from knowledge import selectors

    pages = selectors.runbooks_for_change_type(change.change_type) if _may_read(context) else []
    return {"pages": pages, "label": f"Runbooks for {change.get_change_type_display().lower()} changes", "card": True}


@register.inclusion_tag("knowledge/_service_runbooks.html", takes_context=True)
def service_runbooks(context: Any, service: Any) -> dict[str, Any]:
    """List the runbooks of a service on its page, stale ones marked."""
    from knowledge import selectors

    if not _may_read(context):
        return {"shown": False}
    pages = selectors.runbooks_for_service(service.pk)
    for page in pages:
        page.is_stale = selectors.is_stale(page)  # type: ignore[attr-defined]
    return {"shown": True, "pages": pages, "service": service}


@register.inclusion_tag("knowledge/_review_publish.html", takes_context=True)
def review_publish_button(context: Any, review: Any) -> dict[str, Any]:
    """Offer to publish a completed post-incident review to the library, or link the report made from it."""
    from knowledge import rules
    from knowledge.models import Page

    request = context.get("request")
    user = getattr(request, "user", None)
    page = Page.objects.filter(source_review=review).first()
    return {
        "review": review,
        "page": page,
        "can_publish": user is not None and rules.may_write(user) and review.completed_at is not None,
        "csrf_token": context.get("csrf_token"),
    }

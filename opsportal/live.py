"""Live fragments: htmx polls a fragment endpoint that answers 304 while nothing changed.

A page that stays live wraps its changing part in an element with ``data-live``,
``hx-get`` (the fragment URL), ``hx-trigger="every Ns"`` (``settings.LIVE_POLL_SECONDS``)
and ``data-etag``. static/js/portal.js sends the element's ETag as ``If-None-Match``,
keeps the content on a 304 (or while the user is typing inside it) and stores the new
ETag after a swap. The fragment view computes a cheap version first (one query) and
renders nothing when the client already has it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag


def poll_seconds() -> int:
    """Return how often live fragments poll, in seconds."""
    return int(getattr(settings, "LIVE_POLL_SECONDS", 10))


def etag_of(*parts: Any) -> str:
    """Return a quoted strong ETag for ``parts`` (a version of what a fragment shows)."""
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=12).hexdigest()
    return quote_etag(digest)


def live_context(etag: str) -> dict[str, Any]:
    """Return the template variables a live wrapper uses: its ETag and poll interval."""
    return {"live_etag": etag, "live_poll_seconds": poll_seconds()}


def conditional_fragment(request: HttpRequest, etag: str, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer 304 when the client's If-None-Match holds ``etag``, else ``render()`` with the ETag."""
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = render()
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    response["Vary"] = "Cookie"
    return response


def is_poll(request: HttpRequest) -> bool:
    """Return True for an htmx request (a live element's poll), not a browser navigation."""
    return request.headers.get("HX-Request") == "true"


def poll_not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """Return a 304 for an htmx poll whose If-None-Match holds ``etag``, else None (render the page).

    Pages that poll themselves (with ``hx-select``) call this first; browser navigations never
    get a 304 here, so a full page is always rendered for them.
    """
    if is_poll(request) and etag in parse_etags(request.headers.get("If-None-Match", "")):
        return stamp(request, HttpResponseNotModified(), etag)
    return None


def stamp(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    """Give an htmx poll's answer its ETag and keep shared caches from storing it."""
    if is_poll(request):
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)
    return response


# The same figures for the embedded SQLite default (3.40 has no concat_ws, string_agg or md5);
# the runs' list is hashed in Python there.
_TODAY_VERSION_SQL_SQLITE = """
SELECT
  (SELECT count(*) || '|' || ifnull(max(updated_at), '') || '|' || count(acknowledged_at) || '|' || count(resolved_at)
          || '|' || count(assignee_id) || '|' || ifnull(sum(severity_id), '') FROM {incident}),
  (SELECT group_concat(id || ':' || status || ':' || items_done, ',')
     FROM (SELECT id, status, items_done FROM {run} WHERE opens_at >= %s ORDER BY id)),
  (SELECT count(*) || '|' || ifnull(max(updated_at), '') || '|' || ifnull(max(status_changed_at), '') FROM {change}),
  (SELECT count(*) || '|' || ifnull(max(built_at), '') FROM {report})
"""

_TODAY_VERSION_SQL = """
SELECT
  (SELECT concat_ws('|', count(*), max(updated_at), count(acknowledged_at), count(resolved_at), count(assignee_id),
          sum(severity_id)) FROM {incident}),
  (SELECT md5(coalesce(string_agg(concat_ws(':', id, status, items_done), ',' ORDER BY id), ''))
     FROM {run} WHERE opens_at >= %s),
  (SELECT concat_ws('|', count(*), max(updated_at), max(status_changed_at)) FROM {change}),
  (SELECT concat_ws('|', count(*), max(built_at)) FROM {report})
"""


def today_version() -> tuple[Any, ...]:
    """Return what changes when anyone's Today changes, in one query (plus the minute, for the clock).

    Incidents (count, latest update), the checklist runs of the last five weeks (status and
    progress), changes (count, latest update and status change) and reports (count, latest).
    """
    from datetime import timedelta

    from django.db import connection

    from changes.models import ChangeRequest
    from checklists.models import ChecklistRun
    from incidents.models import Incident
    from opsportal import clock
    from reporting.models import Report

    now = clock.now()
    postgres = connection.vendor == "postgresql"
    sql = (_TODAY_VERSION_SQL if postgres else _TODAY_VERSION_SQL_SQLITE).format(
        incident=Incident._meta.db_table,
        run=ChecklistRun._meta.db_table,
        change=ChangeRequest._meta.db_table,
        report=Report._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [clock.before(now, timedelta(days=35))])
        row = list(cursor.fetchone())
    if not postgres:
        row[1] = hashlib.md5(str(row[1] or "").encode(), usedforsecurity=False).hexdigest()
    return (now.replace(second=0, microsecond=0), *row)

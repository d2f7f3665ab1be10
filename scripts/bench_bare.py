"""The reference for scripts/bench_pages.py: a bare Django view that reads one indexed row.

A WSGI application of its own (no middleware, no templates, no sessions), configured here from
``DATABASE_URL`` like the portal (same database, persistent connections), so the benchmark can
say what share of the cheapest possible Django request each portal page reaches. Serve it with

    DATABASE_URL=postgres://… gunicorn --workers 2 scripts.bench_bare:application

and ask for ``/row/<id>/`` (an incident's primary key).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opsportal.env import env_database


def row(request: HttpRequest, pk: int) -> JsonResponse:
    """Return one incident's id and title, read by primary key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM incidents_incident WHERE id = %s", [pk])
        found = cursor.fetchone()
    if found is None:
        raise Http404
    return JsonResponse({"id": found[0], "title": found[1]})


urlpatterns = [path("row/<int:pk>/", row)]

if not settings.configured:
    database = env_database("DATABASE_URL", "")
    database["CONN_MAX_AGE"] = 60  # as the portal does on PostgreSQL
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-bare-view-has-no-secrets-to-keep"),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": database},
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        USE_TZ=True,
    )
    django.setup()

application = get_wsgi_application()

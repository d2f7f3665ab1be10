"""Profile the hot pages and API lists in-process at years of history; print a Markdown table.

Seeds ``--years`` of operational history into the configured database (10 checklist runs,
2 incidents and 1 change a day, see ``scripts/operational_history.py``; skipped when that
history is already there), then loads each page with Django's test client as a manager, in
the same process, ``--repeat`` times after one warm-up load. It prints per page the median
and p95 time, the CPU time of the Python process (what the page's own code costs, whatever
else the machine runs), the number of queries and the share of the time spent waiting for
SQL. ``--profile URL`` (``{incident}`` and ``{run}`` stand for the newest ones) prints the
functions that take the most time while loading that page instead.

No web server, so no network, worker or middleware-stack overhead beyond Django's own:
this finds what a page itself costs (its queries and its Python). The served benchmark
(gunicorn, wrk, req/s) is ``scripts/bench_pages.py``. Run it on a scratch database:

    DATABASE_URL=postgres://user@host/scratch python scripts/profile_pages.py --years 5
    DATABASE_URL=postgres://user@host/scratch python scripts/profile_pages.py --profile /incidents/
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, and scripts as a package
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsportal.settings")

PAGES = [
    "/",
    "/incidents/",
    "/reports/",
    "/incidents/{incident}/",
    "/changes/",
    "/checklists/runs/{run}/",
    "/api/v1/incidents/?page_size=50",
    "/api/v1/changes/?page_size=50",
]


def seed(years: int) -> None:
    """Seed ``years`` of history ending yesterday, unless the history templates already have runs."""
    from django.utils import timezone

    from checklists.models import ChecklistRun
    from scripts.operational_history import seed_operational_history

    if ChecklistRun.objects.filter(template__key="history-daily-0").exists():
        return
    today = timezone.localdate()
    started = time.perf_counter()
    counts = seed_operational_history(start=today - timedelta(days=365 * years), end=today - timedelta(days=1))
    print(f"Seeded {counts} in {time.perf_counter() - started:.1f} s.", file=sys.stderr)


def client_for_manager() -> Any:
    """Return a test client logged in as a manager (created once)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from opsportal.roles import Role

    user, _ = get_user_model().objects.get_or_create(username="profile-manager")
    user.groups.add(Group.objects.get_or_create(name=Role.MANAGER.value)[0])
    client = Client()
    client.force_login(user)
    return client


def ids() -> dict[str, Any]:
    """Return the ids PAGES name: the newest incident and the newest checklist run."""
    from checklists.models import ChecklistRun
    from incidents.models import Incident

    return {
        "incident": Incident.objects.order_by("-pk").values_list("pk", flat=True).first(),
        "run": ChecklistRun.objects.order_by("-opens_at", "-pk").values_list("pk", flat=True).first(),
    }


def measure(client: Any, url: str, repeat: int) -> dict[str, Any]:
    """Load ``url`` once to warm up, then ``repeat`` times; return timings, queries and SQL share."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    timings, cpu, sql_seconds, queries = [], [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
        sql_seconds.append(sum(float(query["time"]) for query in captured.captured_queries))
    timings.sort()
    median = statistics.median(timings)
    return {
        "median": median,
        "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        "cpu": statistics.median(cpu),
        "queries": queries,
        "sql_share": statistics.median(sql_seconds) * 1000 / median if median else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5, help="years of history to seed (default 5)")
    parser.add_argument("--repeat", type=int, default=20, help="timed loads per page (default 20)")
    parser.add_argument("--profile", metavar="URL", help="print the cProfile of loading URL instead")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from changes.models import ChangeRequest
    from checklists.models import ChecklistRun
    from incidents.models import Incident

    setup_test_environment()  # the test client's host is allowed; e-mail stays in memory
    call_command("migrate", verbosity=0)
    seed(args.years)
    client = client_for_manager()
    if args.profile:
        url = args.profile.format(**ids())
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
        return
    print(
        f"{ChecklistRun.objects.count():,} runs, {Incident.objects.count():,} incidents, "
        f"{ChangeRequest.objects.count():,} changes; {args.repeat} loads a page after one warm-up.\n"
    )
    print("| page | median | p95 | Python CPU (median) | queries | time in SQL |")
    print("|---|---:|---:|---:|---:|---:|")
    for url in (page.format(**ids()) for page in PAGES):
        result = measure(client, url, args.repeat)
        print(
            f"| `{url}` | {result['median']:.1f} ms | {result['p95']:.1f} ms | {result['cpu']:.1f} ms | {result['queries']} "
            f"| {result['sql_share']:.0%} |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: every page and API list at one and five years of history, against a bare Django view.

For each ``--years`` size this script

1. creates a scratch PostgreSQL database beside the one ``DATABASE_URL`` names
   (``<name>_pages_<N>y``; dropped again at the end unless ``--keep``), migrates it, imports the
   bundled procedures and seeds N years of history with ``scripts/operational_history.py`` (a
   year: 3,650 checklist runs, 730 incidents, 365 changes) plus a year of KPI values per year
   and last month's report, a benchmark user (Ops staff, On-call engineer and Manager: every page at its fullest) and one open run
   to tick;
2. serves the portal with gunicorn (2 sync workers) with production settings — DEBUG off, a
   SECRET_KEY, ALLOWED_HOSTS, collected static files, requests marked HTTPS by
   ``X-Forwarded-Proto`` as a TLS proxy would — through ``scripts/bench_settings.py``, which
   only lifts the per-user API rate limit; beside it, in the same run, the bare one-row view of
   ``scripts/bench_bare.py`` (also gunicorn, 2 workers, same database);
3. logs in through the login form (session cookie and CSRF token) and runs ``wrk`` on every
   page and API list of issue 11, the htmx tick, an incident acknowledge (a fresh declared
   incident each time) and the conditional live polls (If-None-Match → 304): ``--duration``
   seconds at 16 connections for the throughput, then at 2 connections for p50/p95;
4. prints a Markdown table per size: req/s at 16 connections, its share of the bare view's,
   p50 / p95 at 2 connections.

Both sizes take about 8 minutes with the default 5 s per measurement. Run it with the
PostgreSQL server and Redis the portal uses:

    DATABASE_URL=postgres://root@127.0.0.1:5432/opsportal_bench REDIS_URL=redis://127.0.0.1:6379/8 \\
        python scripts/bench_pages.py --years 1 5 --duration 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WRK = shutil.which("wrk") or "/usr/bin/wrk"
BENCH_USER = "bench-user"
ACK_POOL = 1500  # fresh declared incidents per acknowledge measurement
WARM_UP = 2  # seconds of requests before each measurement

# wrk: the shared part of every script. ``done`` prints one line this script parses: requests,
# seconds, latency percentiles (µs) and the responses that were errors (status ≥ 400 or sockets).
LUA_DONE = """
function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), errors))
end
"""
# Acknowledge a different declared incident each time: thread n of N takes ids n, n+N, n+2N…
LUA_ROTATE = """
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  position = offset
end
function request()
  local id = ids[(position %% #ids) + 1]
  position = position + %(threads)d
  return wrk.format(nil, string.format("%(path)s", id))
end
"""


@dataclass
class Target:
    """One thing to measure: a request wrk repeats."""

    label: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    rotate: list[int] | None = None  # ids substituted for ``%d`` in ``path``, one per request
    portal: bool = True
    etag_from: str = ""  # a conditional poll: If-None-Match holds the ETag this page or fragment starts from


@dataclass
class Measure:
    """What wrk measured for a target at one number of connections."""

    rate: float
    p50_ms: float
    p95_ms: float
    errors: int


# Databases ------------------------------------------------------------------------------------


def database_url(base: str, name: str) -> str:
    """Return ``base`` with its database name replaced by ``name``."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_admin(statement: str) -> bool:
    """Run ``statement`` (CREATE/DROP DATABASE, a query) on the configured database's server; return whether it found rows."""
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.description is not None and cursor.fetchone() is not None


def prepare() -> bool:
    """Migrate the configured database and import the bundled procedures (a template for every size)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "-v", "0")
    call_command("import_procedures", "--if-empty", "-v", "0")
    return True


def seed(years: int, password: str) -> dict[str, Any]:
    """Seed the configured database (a subprocess's); return the ids the measurements need."""
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from checklists.models import ChecklistRun, ChecklistTemplate, RunItem, RunStatus
    from incidents.models import Incident
    from opsportal.roles import Role
    from reporting.demo import ensure_kpi_definitions, seed_measurements
    from reporting.periods import last_complete_period
    from reporting.services import report_build
    from scripts.operational_history import seed_operational_history

    today = timezone.localdate()
    counts = seed_operational_history(start=today - timedelta(days=365 * years - 1), end=today)
    ensure_kpi_definitions()
    seed_measurements(today - timedelta(days=365 * years), today - timedelta(days=1))
    report_build(period=last_complete_period("monthly", today))

    user = get_user_model().objects.create(username=BENCH_USER, email="bench@example.com")
    user.set_password(password)
    user.save()
    groups = list(Group.objects.filter(name__in=[Role.OPS.value, Role.ONCALL.value, Role.MANAGER.value]))
    user.groups.add(*groups)

    # One open run of a procedure's template owned by one of those roles, to tick an item of.
    template = (
        ChecklistTemplate.objects.filter(owner_group__in=groups, items__isnull=False, is_active=True)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert template is not None, "no imported template with items"
    now = timezone.now()
    items = list(template.items.all())
    run = ChecklistRun.objects.create(
        template=template,
        name=template.name,
        opens_at=now - timedelta(hours=1),
        due_at=now + timedelta(hours=12),
        missed_at=now + timedelta(days=1),
        status=RunStatus.OPEN,
        items_total=len(items),
    )
    RunItem.objects.bulk_create(
        RunItem(run=run, template_item=item, position=index, text=item.text, required=item.required)
        for index, item in enumerate(items, start=1)
    )
    tick = run.items.order_by("position").first()
    assert tick is not None
    incident = Incident.objects.order_by("-pk").first()
    assert incident is not None
    return {**counts, "run": run.pk, "item": tick.pk, "incident": incident.pk}


def ack_pool(size: int) -> list[int]:
    """Declare ``size`` fresh incidents (in bulk) to acknowledge one per request; return their ids."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import Incident, IncidentStatus, Severity

    severity = Severity.objects.order_by("position").last()
    assert severity is not None
    now = timezone.now()
    incidents = Incident.objects.bulk_create(
        Incident(
            title=f"Benchmark incident {number}",
            severity=severity,
            status=IncidentStatus.DECLARED,
            detected_at=now - timedelta(minutes=5),
            declared_at=now - timedelta(minutes=5),
            response_due_at=now + timedelta(days=1),
        )
        for number in range(size)
    )
    return [incident.pk for incident in incidents]


def django_call(function: str, url: str, env: dict[str, str], *args: Any) -> Any:
    """Run ``function(*args)`` of this module in a subprocess on database ``url``; return its JSON result."""
    result = subprocess.run(
        [PYTHON, __file__, "--call", function, json.dumps(args)],
        env={**env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "opsportal.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{function} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# Servers --------------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Return ``count`` different TCP ports nobody listens on now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def serve(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn with 2 sync workers for ``app`` on ``port``; wait until it answers."""
    process = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--no-control-socket", app],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                sys.exit(f"{app} did not start; see {log}")
            time.sleep(0.2)
    sys.exit(f"{app} did not listen on {port} within 60 s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a gunicorn started by ``serve`` (its own process group) and wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# HTTP -----------------------------------------------------------------------------------------


class Browser:
    """A minimal client behind a pretend TLS proxy: keeps cookies, sends X-Forwarded-Proto."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def headers(self) -> dict[str, str]:
        """Return the headers every request of the signed-in user carries."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"X-Forwarded-Proto": "https", **({"Cookie": cookie} if cookie else {})}

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """Send one request; remember cookies; return status, headers and text."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers={**self.headers(), **(headers or {})})
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, {name.lower(): value for name, value in response.getheaders()}, text

    def login(self, username: str, password: str) -> None:
        """Sign in through the login form, as a person does."""
        status, _headers, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            sys.exit(f"The login page answered {status} without a CSRF token.")
        form = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
        status, headers, _page = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", **self.origin()},
        )
        if status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"Logging in failed: {status} {headers.get('location', '')}")

    def origin(self) -> dict[str, str]:
        """Return the Origin header a browser sends with a form or htmx POST here."""
        return {"Origin": f"https://127.0.0.1:{self.port}"}

    def etag(self, path: str, headers: dict[str, str]) -> str:
        """Return the ETag a live element of ``path`` starts from (the page's ``data-etag``, or the header)."""
        status, response_headers, text = self.request("GET", path, headers=headers)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        found = re.search(r'data-etag="([^"]+)"', text)
        etag = response_headers.get("etag") or (found.group(1).replace("&quot;", '"') if found else "")
        if not etag:
            sys.exit(f"GET {path} carries no ETag")
        return etag


# wrk ------------------------------------------------------------------------------------------


def lua_script(target: Target, headers: dict[str, str], threads: int) -> str:
    """Return the wrk script that sends ``target`` with ``headers``."""
    lines = [f"wrk.method = {json.dumps(target.method)}", f"wrk.body = {json.dumps(target.body)}"]
    lines += [f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()]
    if target.rotate:
        lines.append("ids = {" + ",".join(str(pk) for pk in target.rotate) + "}")
        lines.append(LUA_ROTATE % {"threads": threads, "path": target.path})
    return "\n".join(lines) + LUA_DONE


def wrk(url: str, script: str, connections: int, duration: float) -> Measure:
    """Run wrk for ``duration`` seconds with ``connections``; return its measure."""
    threads = min(2, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "30s", "-s", handle.name, url],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if result.returncode != 0:
        sys.exit(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    requests, microseconds, p50, p95, errors = (int(value) for value in line.split()[1:])
    return Measure(rate=requests / (microseconds / 1e6), p50_ms=p50 / 1000, p95_ms=p95 / 1000, errors=errors)


def latency(measure: Measure, duration: float) -> str:
    """Return "p50 / p95 ms", or say that no request completed within the measurement."""
    if measure.p50_ms == 0:
        return f"none completed in {duration:g} s"
    return f"{measure.p50_ms:.1f} / {measure.p95_ms:.1f} ms"


# The run --------------------------------------------------------------------------------------


def targets(ids: dict[str, Any]) -> list[Target]:
    """Return what to measure (issue 11's pages and API lists, the writes, the polls)."""
    htmx = {"HX-Request": "true"}
    run, incident = ids["run"], ids["incident"]
    return [
        Target("`/` (Today)", "/"),
        Target("`/incidents/`", "/incidents/"),
        Target("`/reports/`", "/reports/"),
        Target("`/incidents/{id}/`", f"/incidents/{incident}/"),
        Target("`/changes/`", "/changes/"),
        Target("`/checklists/runs/{id}/`", f"/checklists/runs/{run}/"),
        Target("`/api/v1/incidents/?page_size=50`", "/api/v1/incidents/?page_size=50"),
        Target("`/api/v1/changes/?page_size=50`", "/api/v1/changes/?page_size=50"),
        Target("live poll, run unchanged (304)", f"/checklists/runs/{run}/live/", headers=htmx, etag_from="fragment"),
        Target("live poll, Today unchanged (304)", "/", headers=htmx, etag_from="page"),
        Target("live poll, incident list unchanged (304)", "/incidents/", headers=htmx, etag_from="page"),
        Target(
            "htmx tick (POST)",
            f"/checklists/items/{ids['item']}/tick/",
            method="POST",
            body="note=",
            headers={**htmx, "Content-Type": "application/x-www-form-urlencoded"},
        ),
    ]


def template_database(base_env: dict[str, str]) -> str:
    """Return the name of a migrated database with the bundled procedures imported (one kept by ``--keep``, or new)."""
    base = base_env["DATABASE_URL"]
    name = f"{urlsplit(base).path.lstrip('/')}_pages_template"
    if not django_call("database_admin", base, base_env, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):  # noqa: S608 - our name
        django_call("database_admin", base, base_env, f'CREATE DATABASE "{name}"')
    django_call("prepare", database_url(base, name), base_env)
    return name


def measure_size(years: int, template: str, arguments: argparse.Namespace, base_env: dict[str, str]) -> list[str]:
    """Seed, serve and measure one size; return its Markdown lines."""
    base = base_env["DATABASE_URL"]
    name = f"{urlsplit(base).path.lstrip('/')}_pages_{years}y"
    url = database_url(base, name)
    django_call("database_admin", base, base_env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    django_call("database_admin", base, base_env, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    password = secrets.token_urlsafe(18)
    started = time.monotonic()
    ids = django_call("seed", url, base_env, years, password)
    print(f"[{years}y] seeded {ids} in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    var = ROOT / "var" / "bench_pages"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **base_env,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(var / "static"),
        "DJANGO_SETTINGS_MODULE": "scripts.bench_settings",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    portal_port, bare_port = free_ports(2)
    portal = serve("opsportal.wsgi:application", portal_port, env, var / f"portal-{years}y.log")
    bare_env = {key: value for key, value in env.items() if key != "DJANGO_SETTINGS_MODULE"}  # it configures itself
    bare = serve("scripts.bench_bare:application", bare_port, bare_env, var / f"bare-{years}y.log")
    lines: list[str] = []
    try:
        browser = Browser(portal_port)
        browser.login(BENCH_USER, password)
        session = browser.headers()
        measured: list[tuple[Target, Measure, Measure]] = []

        def run(target: Target) -> None:
            port = portal_port if target.portal else bare_port
            headers = {**(session if target.portal else {}), **target.headers}
            if target.method == "POST":
                headers.update({"X-CSRFToken": browser.cookies.get("csrftoken", ""), **browser.origin()})
            path = target.path % target.rotate[0] if target.rotate else target.path
            client = browser if target.portal else Browser(bare_port)
            if target.etag_from:
                # The version behind an ETag may include the minute (Today's clock): start early in one.
                seconds_left = 60 - time.localtime().tm_sec
                if seconds_left < 2 * arguments.duration + 8:
                    time.sleep(seconds_left + 1)
                headers["If-None-Match"] = browser.etag(path, target.headers if target.etag_from == "fragment" else {})
            status, answer, _text = client.request(target.method, path, target.body, headers)  # warm up, check
            location = answer.get("location", "")
            if target.method == "GET" and status == 302 and location.startswith("/") and "/accounts/" not in location:
                target.label += f" → `{location}`"  # a page that redirects (to the latest report): measure that one
                target.path = path = location
                status, answer, _text = client.request(target.method, path, target.body, headers)
            expected = 304 if target.etag_from else (302 if target.rotate else 200)
            if status != expected:
                sys.exit(f"{target.method} {path} answered {status}, not {expected}")
            if not target.rotate:  # warm both workers up (template caches, connections) for this request
                wrk(f"http://127.0.0.1:{port}{target.path}", lua_script(target, headers, 2), 2, WARM_UP)
            busy = wrk(
                f"http://127.0.0.1:{port}{target.path if not target.rotate else '/'}",
                lua_script(target, headers, 2),
                16,
                arguments.duration,
            )
            if target.rotate:
                target.rotate = ack_ids(len(target.rotate))  # fresh incidents for the 2-connection run
            quiet = wrk(
                f"http://127.0.0.1:{port}{target.path if not target.rotate else '/'}",
                lua_script(target, headers, 2),
                2,
                arguments.duration,
            )
            measured.append((target, busy, quiet))
            print(
                f"[{years}y] {target.label}: {busy.rate:.0f} req/s, p50 {quiet.p50_ms:.1f} ms, "
                f"p95 {quiet.p95_ms:.1f} ms, errors {busy.errors}+{quiet.errors}",
                file=sys.stderr,
                flush=True,
            )

        def ack_ids(size: int) -> list[int]:
            return [int(pk) for pk in django_call("ack_pool", url, base_env, size)]

        run(Target("bare one-row view", f"/row/{ids['incident']}/", portal=False))
        for target in targets(ids):
            run(target)
        run(
            Target(
                "incident acknowledge (POST)",
                "/incidents/%d/transition/acknowledge/",
                method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                rotate=ack_ids(ACK_POOL),
            )
        )
        bare_rate = measured[0][1].rate
        lines.append(
            f"{years} year{'s' if years > 1 else ''}: {ids['runs']:,} checklist runs, {ids['incidents']:,} incidents, "
            f"{ids['changes']:,} changes; bare one-row view {bare_rate:,.0f} req/s at 16 connections.\n"
        )
        lines.append("| page | req/s at 16 connections | share of the one-row view | p50 / p95 at 2 connections |")
        lines.append("|---|---:|---:|---:|")
        for target, busy, quiet in measured:
            errors = busy.errors + quiet.errors
            note = f" ({errors} errors)" if errors else ""
            lines.append(
                f"| {target.label} | {busy.rate:,.0f}{note} | {100 * busy.rate / bare_rate:.0f} % "
                f"| {latency(quiet, arguments.duration)} |"
            )
    finally:
        stop(portal)
        stop(bare)
        if not arguments.keep:
            time.sleep(1)
            django_call("database_admin", base, base_env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5], help="sizes of history (default 1 5)")
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement (default 5)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch databases (the migrated template is reused next time)"
    )
    parser.add_argument("--call", help=argparse.SUPPRESS)  # internal: run a seeding step in this process
    parser.add_argument("arguments", nargs="?", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if arguments.call:
        calls: dict[str, Callable[..., Any]] = {
            "prepare": prepare,
            "seed": seed,
            "ack_pool": ack_pool,
            "database_admin": database_admin,
        }
        function = calls[arguments.call]
        print(json.dumps(function(*json.loads(arguments.arguments))))
        return

    base_env = dict(os.environ)
    if not base_env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the scratch databases are made beside it.")
    if not Path(WRK).exists():
        sys.exit("wrk is missing: apt-get install -y wrk")
    started = time.monotonic()
    template = template_database(base_env)
    print(f"Migrated a template database in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    try:
        tables = [measure_size(years, template, arguments, base_env) for years in arguments.years]
    finally:
        if not arguments.keep:
            django_call("database_admin", base_env["DATABASE_URL"], base_env, f'DROP DATABASE IF EXISTS "{template}"')
    print(f"\nMeasured in {time.monotonic() - started:.0f} s on {os.cpu_count()} CPU cores.\n")
    for lines in tables:
        print("\n".join(lines) + "\n")
    command = " ".join(["python scripts/bench_pages.py", *sys.argv[1:]])
    print(f"Command: `{command}`")


if __name__ == "__main__":
    main()

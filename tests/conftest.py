"""Shared test fixtures: personas, service gates, a real Celery worker and a headless browser.

Service gates: a test marked ``postgres`` or ``redis`` is skipped, by name, when that service
is not configured; with ``OPSPORTAL_REQUIRE_SERVICES=1`` (as in CI) such a skip is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group

from opsportal.roles import Role

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("OPSPORTAL_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct-horse-battery-staple"  # 12+ characters, as the validators demand


def database_is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def broker_is_redis() -> bool:
    return str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = settings.DATABASES["default"]
    where = (
        f"PostgreSQL at {database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}/{database['NAME']}"
        if database_is_postgres()
        else f"SQLite at {database['NAME']}"
    )
    broker = (
        "Redis at " + settings.CELERY_BROKER_URL.split("@")[-1] if broker_is_redis() else "embedded file-system broker"
    )
    instant = fake_now()
    return [
        f"opsportal clock: {instant.isoformat() + ' (OPSPORTAL_FAKE_NOW)' if instant else 'real'}",
        f"opsportal database: {where}",
        f"opsportal broker: {broker}",
        f"opsportal services required: {'yes' if REQUIRE_SERVICES else 'no (service tests are skipped by name)'}",
    ]


def _service_gate(item: pytest.Item, marker: str, available: bool, what: str) -> None:
    if item.get_closest_marker(marker) is None or available:
        return
    message = f"{item.nodeid} needs {what}, which is not configured"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (OPSPORTAL_REQUIRE_SERVICES=1 turns this skip into a failure)", pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    _service_gate(item, "postgres", database_is_postgres(), "PostgreSQL (set DATABASE_URL=postgres://...)")
    _service_gate(item, "redis", broker_is_redis(), "Redis (set REDIS_URL=redis://...)")
    if item.get_closest_marker("browser") is not None and not Path(CHROMIUM).exists():
        message = f"{item.nodeid} needs {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


# The clock -----------------------------------------------------------------------------------

# ``OPSPORTAL_FAKE_NOW=2026-11-30T00:05:00+00:00`` runs every test (but those with a worker
# process or a browser, whose clocks time-machine cannot reach) from that instant, ticking, so
# the suite can be proved to pass at any hour: Monday 00:05, the 1st of a month, a DST night.
FAKE_NOW_VARIABLE = "OPSPORTAL_FAKE_NOW"
SESSION_VALID_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)
REAL_CLOCK_FIXTURES = {"celery_worker", "celery_worker_factory", "live_server", "page", "browser"}


def fake_now() -> datetime | None:
    """Return the instant named by OPSPORTAL_FAKE_NOW, or None when it is unset."""
    value = os.environ.get(FAKE_NOW_VARIABLE, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"{FAKE_NOW_VARIABLE}={value!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(f"{FAKE_NOW_VARIABLE}={value!r} needs an offset, e.g. +00:00")
    return instant


@pytest.fixture(autouse=True)
def portal_clock_at_fake_now(request: pytest.FixtureRequest) -> Iterator[None]:
    """Travel to OPSPORTAL_FAKE_NOW (ticking) for every test that runs in this process only."""
    instant = fake_now()
    in_process = not REAL_CLOCK_FIXTURES.intersection(request.fixturenames) and not any(
        request.node.get_closest_marker(marker) for marker in ("worker", "browser")
    )
    if instant is None or not in_process:
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Persona passwords need no strength in tests; PBKDF2 would make every test seconds slower."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_reminder_tasks(settings: Any) -> None:
    """Queue no per-incident reminder tasks: a running worker would send reminders a test sweeps itself.

    tests/incidents/test_reminder_schedule.py turns them back on.
    """
    settings.INCIDENT_REMINDER_TASKS = False


# Personas -----------------------------------------------------------------------------------


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """Return a factory: ``make_user("alice", Role.OPS)`` creates a user in those roles."""
    from django.contrib.auth import get_user_model

    def factory(username: str, *roles: Role, **extra: Any) -> Any:
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, email=f"{username}@example.com", **extra
        )
        for role in roles:
            # get_or_create: a transactional test flushes the groups the migration made; a group
            # made again here gets its model permissions again too (Admin's admin pages need them).
            group, created = Group.objects.get_or_create(name=role.value)
            if created:
                from opsportal.groups import sync_role_permissions

                sync_role_permissions()
            user.groups.add(group)
        return user

    return factory


@pytest.fixture
def ops_user(make_user: Callable[..., Any]) -> Any:
    return make_user("olivia.ops", Role.OPS)


@pytest.fixture
def oncall_user(make_user: Callable[..., Any]) -> Any:
    return make_user("oscar.oncall", Role.ONCALL)


@pytest.fixture
def manager_user(make_user: Callable[..., Any]) -> Any:
    return make_user("maria.manager", Role.MANAGER)


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("adam.admin", Role.ADMIN, is_staff=True)


@pytest.fixture
def outsider(make_user: Callable[..., Any]) -> Any:
    """A signed-in user with no role: may see nothing."""
    return make_user("nora.nobody")


@pytest.fixture
def client_for(client: Any) -> Callable[[Any], Any]:
    """Return a function that logs the test client in as ``user`` and returns it."""

    def login(user: Any) -> Any:
        client.force_login(user)
        # Tests log in at "now" and then travel to their own instants, which may lie weeks
        # ahead (beyond the session age) when the suite runs early: keep the session valid.
        session = client.session
        session.set_expiry(SESSION_VALID_UNTIL)
        session.save()
        return client

    return login


# A real Celery worker ------------------------------------------------------------------------


def _database_url_for_tests() -> str:
    database = settings.DATABASES["default"]
    if database_is_postgres():
        user = database.get("USER") or ""
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        credentials = f"{user}{password}@" if user else ""
        return f"postgres://{credentials}{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}/{database['NAME']}"
    return f"sqlite:///{database['NAME']}"


def start_celery_worker(
    log_path: Path, *, name: str, queues: str | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a real ``celery worker`` process on the test database; return it once it is ready.

    ``queues`` (``-Q``) and extra ``env`` (for example ``EMAIL_URL``) let a test run workers
    of its own beside the session's ``celery_worker``. The process has ``log_path`` set.
    """
    full_env = {**os.environ, "DATABASE_URL": _database_url_for_tests(), "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [sys.executable, "-m", "celery", "-A", "opsportal", "worker", "--pool=solo", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"]  # fmt: skip
    if queues:
        command += ["-Q", queues]
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child holds its own descriptor
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()}")
        if b"ready." in log_path.read_bytes():
            break
        time.sleep(0.2)
    else:
        process.terminate()
        raise RuntimeError(f"celery worker did not start in 60 s:\n{log_path.read_text()}")
    process.log_path = log_path  # type: ignore[attr-defined]
    return process


def stop_celery_worker(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker started by ``start_celery_worker`` (warm shutdown, then kill)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a real ``celery worker`` process on the test database and the configured broker.

    Tests that use it must commit their data (``@pytest.mark.django_db(transaction=True)``),
    since the worker reads the database through its own connection.
    """
    from opsportal.celery import app

    with django_db_blocker.unblock():
        app.control.purge()  # drop messages left by an earlier, interrupted run
    process = start_celery_worker(tmp_path_factory.mktemp("worker") / "worker.log", name=f"test-{os.getpid()}")
    yield process
    stop_celery_worker(process)


@pytest.fixture
def celery_worker_factory(
    django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Return ``start(name, queues=None, env=None)``: more real workers, stopped after the test.

    Give them queues of their own (``-Q``) so the session's ``celery_worker``, if it runs,
    does not take their messages.
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *, queues: str | None = None, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log_path = tmp_path_factory.mktemp("worker") / f"{name}.log"
        process = start_celery_worker(log_path, name=f"{name}-{os.getpid()}", queues=queues, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        stop_celery_worker(process)


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# A headless browser ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Return a Playwright Chromium browser driving Debian's /usr/bin/chromium."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """Return a fresh page that records every request leaving 127.0.0.1 in ``page.outside_requests``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Europe/London")
    new_page = context.new_page()
    outside: list[str] = []

    def record(request: Any) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if host not in {"127.0.0.1", "localhost"}:
            outside.append(url)

    new_page.on("request", record)
    new_page.outside_requests = outside
    new_page.base_url = live_server.url
    yield new_page
    context.close()


def browser_login(page: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form."""
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab (keyboard only) until the focused element matches ``selector``; fail after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(selector) => !!document.activeElement && document.activeElement.matches(selector)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector!r}")


def focus_ring(page: Any) -> dict[str, str]:
    """Return the focused element's outline (style, width, colour): a visible focus has one."""
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor}; }"
    )

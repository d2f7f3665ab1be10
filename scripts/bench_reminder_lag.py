"""Measure incident reminder lag: from an escalation step's due moment to its reminder, with real beat and worker.

Against the configured ``DATABASE_URL`` and ``REDIS_URL`` (unset: the embedded SQLite file and
file-system broker), this script:

1. migrates, and makes sure a P1 severity with its default escalation policy and an on-call
   engineer exist;
2. starts real ``celery beat`` and ``celery worker`` subprocesses (as ``make run`` and the
   compose file do), the worker mailing to a temporary folder, never to a real server;
3. declares ``--incidents`` P1 incidents whose first escalation step falls due at moments spread
   over the next ``--spread`` seconds (``detected_at`` an hour before, in the past);
4. waits until each first reminder is written and mailed, and prints a Markdown table of
   lag = notification created (and e-mailed) − the step's due moment: n, p50, p95 and max;
5. stops beat and the worker and deletes the incidents and notifications it made.

Run it on a scratch database: the beat it starts sweeps every due incident there, and the
worker it starts mails to a temporary folder, not to anybody. It refuses to run with DEBUG off.

    DATABASE_URL=postgres://root@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        python scripts/bench_reminder_lag.py --incidents 30 --spread 75
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TITLE_PREFIX = "Reminder lag benchmark"


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def start(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for_line(path: Path, text: bytes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_bytes():
            return
        time.sleep(0.2)
    sys.exit(f"{path.stem} did not start within {timeout:.0f} s:\n{path.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=30, help="how many P1 incidents (default 30)")
    parser.add_argument("--spread", type=float, default=75.0, help="seconds over which their steps fall due")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds from start to the first due moment")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait after the last due moment")
    arguments = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsportal.settings")
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from incidents.models import EscalationNotice, Incident, Severity
    from incidents.services import incident_declare, severity_default_policy_create
    from opsportal.models import Notification
    from opsportal.roles import Role

    if not settings.DEBUG:
        sys.exit("DEBUG is off: this looks like production. Run the benchmark on a scratch database.")

    # 1. The data the sweep needs.
    severity, _ = Severity.objects.get_or_create(
        code="P1", defaults={"name": "High - Major Impact", "response_minutes": 60, "position": 2}
    )
    severity_default_policy_create(severity=severity)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-oncall", defaults={"email": "bench-oncall@example.com", "is_active": True}
    )
    user.groups.add(Group.objects.get_or_create(name=Role.ONCALL.value)[0])
    step = severity.escalation_steps.order_by("position").first()
    assert step is not None  # the default policy has steps
    sweep = settings.CELERY_BEAT_SCHEDULE["incidents-sla-sweep"]["schedule"]
    assert isinstance(sweep, timedelta)

    # 2. Real beat and worker, mailing to a temporary folder.
    work = Path(tempfile.mkdtemp(prefix="bench-reminder-lag-"))
    env = {**os.environ, "EMAIL_URL": f"filemail://{work / 'mail'}", "PYTHONUNBUFFERED": "1"}
    worker = start(
        "worker",
        [PYTHON, "-m", "celery", "-A", "opsportal", "worker", "--loglevel=INFO", "--concurrency=2", "-n", "bench@%h"],
        env,
        work,
    )
    wait_for_line(work / "worker.log", b"ready.", 60)
    beat = start(
        "beat",
        [PYTHON, "-m", "celery", "-A", "opsportal", "beat", "--loglevel=INFO", f"--schedule={work / 'beat-schedule'}"],
        env,
        work,
    )
    wait_for_line(work / "beat.log", b"beat: Starting", 60)

    incidents: list[Incident] = []
    try:
        # 3. Incidents whose first step falls due at spread moments (detected an hour before).
        begin = timezone.now() + timedelta(seconds=arguments.lead)
        gap = arguments.spread / max(1, arguments.incidents - 1)
        for number in range(arguments.incidents):
            due = begin + timedelta(seconds=number * gap)
            detected = due - timedelta(minutes=severity.response_minutes + step.delay_minutes)
            incidents.append(
                incident_declare(by=user, title=f"{TITLE_PREFIX} {number + 1}", severity=severity, detected_at=detected)
            )
        last_due = begin + timedelta(seconds=arguments.spread)

        # 4. Wait for every first reminder to be mailed.
        deadline = last_due + timedelta(seconds=arguments.timeout)
        pending = len(incidents)
        while timezone.now() < deadline:
            notices = EscalationNotice.objects.filter(incident__in=incidents, round=1, step__position=1)
            keys = [notice.key for notice in notices]
            pending = (
                len(incidents)
                - Notification.objects.filter(key__in=keys, recipient=user, emailed_at__isnull=False).count()
            )
            if pending == 0:
                break
            time.sleep(0.5)
        if pending:
            sys.exit(f"{pending} reminders were not mailed within {arguments.timeout:.0f} s of the last due moment.")

        created_lag: list[float] = []
        mailed_lag: list[float] = []
        notices = EscalationNotice.objects.filter(incident__in=incidents, round=1, step__position=1)
        rows = {row.key: row for row in Notification.objects.filter(recipient=user, key__startswith="incident-")}
        for notice in notices:
            row = rows[notice.key]
            assert row.emailed_at is not None  # the wait above saw every reminder mailed
            created_lag.append((row.created_at - notice.due_at).total_seconds())
            mailed_lag.append((row.emailed_at - notice.due_at).total_seconds())

        database = settings.DATABASES["default"]
        where = "PostgreSQL" if database["ENGINE"].endswith("postgresql") else "SQLite"
        broker = "Redis" if settings.CELERY_BROKER_URL.startswith("redis") else "file-system broker"
        print(f"\nIncident reminder lag: {len(incidents)} P1 incidents due over {arguments.spread:.0f} s, "
              f"{where} + {broker}, beat `incidents-sla-sweep` every {sweep.total_seconds():.0f} s, "
              f"worker --concurrency=2, {os.cpu_count()} CPU cores\n")  # fmt: skip
        print("| lag from the step's due moment to | n | p50 | p95 | max |")
        print("|---|---|---|---|---|")
        for label, values in (("notification written", created_lag), ("e-mail sent", mailed_lag)):
            print(
                f"| {label} | {len(values)} | {percentile(values, 0.5):.1f} s | {percentile(values, 0.95):.1f} s "
                f"| {max(values):.1f} s |"
            )
        command = " ".join(["python scripts/bench_reminder_lag.py", *sys.argv[1:]])
        print(f"\nCommand: `{command}`")
    finally:
        # 5. Stop and clean up.
        stop(beat)
        stop(worker)
        keys = [f"incident-{incident.pk}-" for incident in incidents]
        for prefix in keys:
            Notification.objects.filter(key__startswith=prefix).delete()
        Incident.objects.filter(pk__in=[incident.pk for incident in incidents]).delete()


if __name__ == "__main__":
    main()

"""Liveness of Celery beat and the workers, as /healthz reports it.

Beat sends ``opsportal.tasks.heartbeat`` every ``HEARTBEAT_EVERY``. At the moment it sends,
:func:`beat_sent_stamp` (a ``BeatLazyFunc`` in ``CELERY_BEAT_SCHEDULE``, evaluated in the beat
process) records the send time and puts it in the message. The worker that runs the task records
when it ran and which send it ran. So three instants are kept, each a ``Heartbeat`` row:

- ``beat``: when beat last sent a heartbeat. Stale: beat is dead.
- ``worker``: when a worker last ran one. Stale while beat keeps sending: the workers are dead
  (or all busy); messages are enqueued but not run.
- ``worker-ran-beat``: the send stamp of the latest heartbeat a worker ran. If it equals the last
  send, the worker has run everything beat sent, so a stale ``worker`` only means beat is quiet.

Both tolerances are three beats, so either death shows within ``STALE_AFTER`` (60 s) plus the
load balancer's polling interval, well inside 90 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

HEARTBEAT_EVERY = timedelta(seconds=20)
STALE_AFTER = 3 * HEARTBEAT_EVERY

BEAT = "beat"
WORKER = "worker"
WORKER_RAN_BEAT = "worker-ran-beat"


@dataclass(frozen=True)
class PartStatus:
    """Whether one part (beat or worker) is alive, why, and the instants that say so."""

    ok: bool
    detail: str
    times: dict[str, str | None]


def _record(name: str, at: datetime, *, only_forward: bool = False) -> None:
    from opsportal.models import Heartbeat

    if only_forward:
        # A late message (redelivered, or queued while the worker was down) never moves it back.
        updated = Heartbeat.objects.filter(name=name, last_seen_at__lt=at).update(last_seen_at=at)
        if updated or Heartbeat.objects.filter(name=name).exists():
            return
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen_at": at})


def beat_sent_stamp() -> str:
    """Record that beat is sending a heartbeat now; return the instant for the message (ISO 8601).

    Runs in the beat process at every send, before the message is published.
    """
    import django
    from django.apps import apps
    from django.utils import timezone

    if not apps.ready:  # beat loads the Celery app; Django's registry may not be set up yet
        django.setup()
    now = timezone.now()
    _record(BEAT, now)
    return now.isoformat()


def worker_ran(*, sent_at: str | None) -> None:
    """Record that a worker ran a heartbeat now, and which beat send it was (``None``: not from beat)."""
    from django.utils import timezone

    _record(WORKER, timezone.now())
    if sent_at:
        _record(WORKER_RAN_BEAT, datetime.fromisoformat(sent_at), only_forward=True)


def _stamps() -> dict[str, datetime]:
    from opsportal.models import Heartbeat

    rows = Heartbeat.objects.filter(name__in=[BEAT, WORKER, WORKER_RAN_BEAT])
    return {row.name: row.last_seen_at for row in rows}


def _age(now: datetime, then: datetime) -> int:
    return int((now - then).total_seconds())


def liveness(now: datetime) -> dict[str, PartStatus]:
    """Return the status of ``beat`` and ``worker`` at ``now`` (an aware UTC instant)."""
    stamps = _stamps()
    sent, ran, ran_sent = stamps.get(BEAT), stamps.get(WORKER), stamps.get(WORKER_RAN_BEAT)
    times: dict[str, Any] = {
        "beat_sent_at": sent.isoformat() if sent else None,
        "worker_ran_at": ran.isoformat() if ran else None,
        "worker_ran_beat_sent_at": ran_sent.isoformat() if ran_sent else None,
    }
    if sent is None:
        beat = PartStatus(False, "never sent a heartbeat", times)
    elif now - sent > STALE_AFTER:
        beat = PartStatus(False, f"dead: last sent a heartbeat {_age(now, sent)} s ago", times)
    else:
        beat = PartStatus(True, f"sent a heartbeat {_age(now, sent)} s ago", times)

    if ran is not None and now - ran <= STALE_AFTER:
        worker = PartStatus(True, f"ran a heartbeat {_age(now, ran)} s ago", times)
    elif sent is not None and ran_sent is not None and ran_sent >= sent:
        # Nothing is waiting: the worker ran the last heartbeat beat sent. It is idle, not dead.
        worker = PartStatus(True, "idle: ran every heartbeat beat sent", times)
    elif sent is None and ran is None:
        worker = PartStatus(False, "never ran a heartbeat", times)
    elif ran is None:
        assert sent is not None  # the branch above took "neither"
        worker = PartStatus(False, f"dead: a heartbeat sent {_age(now, sent)} s ago was never run", times)
    else:
        worker = PartStatus(False, f"dead: last ran a heartbeat {_age(now, ran)} s ago", times)
    return {"beat": beat, "worker": worker}

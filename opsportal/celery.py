"""The Celery application: configured from Django settings (``CELERY_*``), tasks found in each app."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsportal.settings")

app = Celery("opsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _beat_when_ready(sender: object, **kwargs: object) -> None:
    """Record a heartbeat as soon as a worker is ready, so /healthz turns green at once."""
    sender.app.send_task("opsportal.tasks.heartbeat")  # type: ignore[attr-defined]

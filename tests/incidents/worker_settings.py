"""Settings of the workers the delivery tests start: the portal's own, with a default queue of their own.

``OPSPORTAL_TEST_QUEUE`` names the queue that tasks sent *by the worker* (the notification
e-mails a sweep queues) go to, so the session's ``celery_worker`` never takes them.
"""

import os

from opsportal.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("OPSPORTAL_TEST_QUEUE", "celery")

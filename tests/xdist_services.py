"""Give each pytest-xdist worker process services of its own (loaded with ``-p tests.xdist_services``).

pytest-django already gives every xdist worker its own test database (``test_<name>_gw0``…).
Redis and the var directory are shared by default, so two workers' real Celery processes would
take each other's messages and two processes would write the same files. This plugin is loaded
before pytest-django sets Django up, so it can still change the environment the settings read:

- ``REDIS_URL``'s database number becomes ``10 + 2 × base + worker index`` (base 0 → 10 and 11,
  base 1 → 12 and 13), so two suites on two bases do not meet either;
- ``OPSPORTAL_VAR_DIR`` gets a sub-folder per worker.

Without xdist (``PYTEST_XDIST_WORKER`` unset) it changes nothing.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis' default ``databases`` setting


def _worker_index() -> int | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return None
    return int(worker[2:])


def redis_url_for_worker(url: str, index: int) -> str:
    """Return ``url`` with its database number moved to the worker's own one."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = (10 + 2 * base + index) % REDIS_DATABASES
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _isolate() -> None:
    index = _worker_index()
    if index is None:
        return
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], index)
    var_dir = os.environ.get("OPSPORTAL_VAR_DIR")
    if var_dir:
        os.environ["OPSPORTAL_VAR_DIR"] = os.path.join(var_dir, f"gw{index}")


_isolate()

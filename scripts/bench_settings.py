"""The portal's own settings for scripts/bench_pages.py, with only the API rate limit raised.

Everything else comes from the environment exactly as in production (DEBUG off, SECRET_KEY,
ALLOWED_HOSTS, the secure defaults). The one benchmark user sends thousands of API requests a
minute, which ``user: 1200/minute`` would refuse with 429s; the throttle still counts every
request in Redis, so its cost stays in the measurement.
"""

from typing import cast

from opsportal.settings import *  # noqa: F403 - the portal's settings, unchanged but for the rate below
from opsportal.settings import REST_FRAMEWORK

_rates = cast(dict[str, str], REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**_rates, "user": "1000000/minute"}}

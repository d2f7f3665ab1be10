"""The API throttle counts atomically: parallel clients cannot exceed the rate."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from opsportal.throttling import AtomicRateThrottle, parse_rate


def _forget(scope, ident):
    key = f"{AtomicRateThrottle.cache_prefix}:{scope}:{ident}"
    cache.delete_many([key, f"{key}:start"])


def _get(url, headers):
    """Return (status, headers, parsed JSON body) of a GET, 4xx included."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the test's own live server)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


class TestParseRate:
    def test_it_reads_count_and_period(self):
        assert parse_rate("60/minute") == (60, 60)
        assert parse_rate("5/s") == (5, 1)
        assert parse_rate("1200/hour") == (1200, 3600)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestThrottleUnderParallelClients:
    def test_no_more_than_the_rate_succeeds_under_parallel_requests(self, settings, live_server, ops_user):
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {"anon": "1000/minute", "user": "7/minute"}
        settings.REST_FRAMEWORK = rest
        _forget("user", ops_user.pk)
        token = Token.objects.create(user=ops_user)
        url = f"{live_server.url}/api/v1/"

        def call(_):
            return _get(url, {"Authorization": f"Token {token.key}"})

        with ThreadPoolExecutor(max_workers=16) as pool:
            responses = list(pool.map(call, range(40)))
        statuses = [status for status, _, _ in responses]
        assert statuses.count(200) == 7
        assert statuses.count(429) == 33
        _, headers, body = next(response for response in responses if response[0] == 429)
        assert body["error"]["code"] == "throttled"
        assert 0 < int(headers["Retry-After"]) <= 60


@pytest.mark.redis
@pytest.mark.django_db
class TestAnonymousBudgetBehindAProxy:
    def _allowed(self, address):
        request = RequestFactory().get("/api/v1/", HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="10.0.0.2")
        request.user = AnonymousUser()
        return AtomicRateThrottle().allow_request(request, None)

    def test_each_client_behind_the_proxy_has_its_own_budget(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {"anon": "3/minute", "user": "1000/minute"}
        settings.REST_FRAMEWORK = rest
        for address in ("203.0.113.10", "203.0.113.11"):
            _forget("anon", address)
        assert [self._allowed("203.0.113.10") for _ in range(5)] == [True, True, True, False, False]
        assert self._allowed("203.0.113.11") is True  # the quiet neighbour behind the same proxy
        # Forging a header does not buy a fresh budget: the proxy's appended address counts.
        assert self._allowed("198.51.100.99, 203.0.113.10") is False

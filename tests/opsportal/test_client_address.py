"""Lockout and throttling key on the real client behind TRUSTED_PROXY_COUNT proxies."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from opsportal.client_address import client_address
from opsportal.env import env_int
from tests.conftest import PASSWORD


def _request(forwarded=None, remote="10.0.0.2"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


class TestClientAddress:
    def test_without_trusted_proxies_it_ignores_x_forwarded_for(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_address(_request("203.0.113.9")) == "10.0.0.2"

    def test_behind_one_proxy_it_takes_the_address_the_proxy_appended(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_address(_request("203.0.113.9")) == "203.0.113.9"
        # A client's own X-Forwarded-For is left of what the proxy appended: ignored.
        assert client_address(_request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"

    def test_behind_two_proxies_it_takes_the_second_from_the_right(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        assert client_address(_request("198.51.100.1, 203.0.113.9, 10.0.0.7")) == "203.0.113.9"

    def test_it_falls_back_to_the_peer_when_the_header_is_missing_or_garbage(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_address(_request()) == "10.0.0.2"
        assert client_address(_request("not-an-address")) == "10.0.0.2"

    def test_the_setting_refuses_a_bad_value_by_name(self, monkeypatch):
        monkeypatch.setenv("TRUSTED_PROXY_COUNT", "two")
        with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT"):
            env_int("TRUSTED_PROXY_COUNT", 0)
        monkeypatch.setenv("TRUSTED_PROXY_COUNT", "-1")
        with pytest.raises(ImproperlyConfigured, match="at least 0"):
            env_int("TRUSTED_PROXY_COUNT", 0)


@pytest.mark.django_db
class TestLockoutBehindAProxy:
    def _fail(self, client, username, forwarded):
        for _ in range(5):
            client.post(
                "/accounts/login/",
                {"username": username, "password": "wrong-password-123"},
                HTTP_X_FORWARDED_FOR=forwarded,
                REMOTE_ADDR="10.0.0.2",
            )

    def _login(self, client, username, forwarded):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD},
            HTTP_X_FORWARDED_FOR=forwarded,
            REMOTE_ADDR="10.0.0.2",
        )

    def test_an_attacker_behind_the_proxy_cannot_lock_out_the_real_user(self, settings, client, ops_user):
        settings.TRUSTED_PROXY_COUNT = 1
        self._fail(client, ops_user.username, "203.0.113.66")
        assert self._login(client, ops_user.username, "203.0.113.66").status_code == 429
        response = self._login(client, ops_user.username, "198.51.100.20")
        assert response.status_code == 302
        assert response["Location"] == "/"

    def test_a_forged_header_does_not_escape_the_lockout(self, settings, client, ops_user):
        settings.TRUSTED_PROXY_COUNT = 1
        self._fail(client, ops_user.username, "203.0.113.66")
        assert self._login(client, ops_user.username, "198.51.100.20, 203.0.113.66").status_code == 429

    def test_without_a_proxy_a_forged_header_changes_nothing(self, settings, client, ops_user):
        settings.TRUSTED_PROXY_COUNT = 0
        self._fail(client, ops_user.username, "203.0.113.66")
        assert self._login(client, ops_user.username, "198.51.100.20").status_code == 429


@pytest.mark.django_db
class TestTheLockoutPage:
    def test_it_says_when_to_try_again_and_links_back_to_the_login(self, settings, client, ops_user):
        settings.TRUSTED_PROXY_COUNT = 0
        for _ in range(5):
            client.post("/accounts/login/", {"username": ops_user.username, "password": "wrong-password-123"})
        response = client.post("/accounts/login/", {"username": ops_user.username, "password": PASSWORD})
        html = response.content.decode()
        assert response.status_code == 429
        assert "Try again in 15 min, after " in html
        assert 'href="/accounts/login/" data-testid="back-to-login"' in html

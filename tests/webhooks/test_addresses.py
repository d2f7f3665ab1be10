"""Which URLs may receive webhooks: http(s) only, private addresses only where allowed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from webhooks.addresses import validate_webhook_url


@pytest.fixture
def production(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    return settings


class TestUrlValidation:
    @pytest.mark.parametrize("url", ["ftp://hooks.example/x", "file:///etc/passwd", "gopher://1.1.1.1/"])
    def test_it_refuses_other_schemes(self, url, production):
        with pytest.raises(ValidationError) as error:
            validate_webhook_url(url)
        assert error.value.code == "scheme"

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/hook",
            "http://192.168.0.1/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://0.0.0.0/hook",
        ],
    )
    def test_it_refuses_private_and_loopback_addresses_in_production(self, url, production):
        with pytest.raises(ValidationError) as error:
            validate_webhook_url(url)
        assert error.value.code == "private"

    def test_it_accepts_a_public_address(self, production):
        validate_webhook_url("https://93.184.216.34/services/T000/B000/xyz")

    def test_an_allowed_network_admits_its_private_addresses(self, production):
        production.WEBHOOK_ALLOWED_NETWORKS = ["10.1.0.0/16"]
        validate_webhook_url("http://10.1.2.3/hook")
        with pytest.raises(ValidationError):
            validate_webhook_url("http://10.2.0.1/hook")

    def test_allow_private_admits_the_local_receiver(self, settings):
        settings.WEBHOOK_ALLOW_PRIVATE = True
        validate_webhook_url("http://127.0.0.1:8000/hook")

    def test_credentials_in_the_url_are_refused(self, production):
        with pytest.raises(ValidationError) as error:
            validate_webhook_url("https://user:pw@93.184.216.34/hook")
        assert error.value.code == "userinfo"

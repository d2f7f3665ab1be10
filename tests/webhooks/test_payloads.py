"""What each kind of endpoint receives, and the generic payload's signature."""

from __future__ import annotations

import json

from webhooks import payloads

MESSAGE = payloads.Message(
    key="incident-7-step-1-round-1", subject="P1 not acknowledged", body="DB down", link="https://ops.example/i/7"
)


def _request(kind: str, secret: str = "") -> tuple[bytes, dict[str, str]]:
    return payloads.request(
        kind=kind, secret=secret, message=MESSAGE, delivery_id="d-1", timestamp=1_800_000_000, sent_at="2027-01-15"
    )


class TestPayloads:
    def test_slack_and_mattermost_get_incoming_webhook_text(self):
        for kind in ("slack", "mattermost"):
            body, headers = _request(kind)
            assert json.loads(body) == {
                "text": "*P1 not acknowledged*\nDB down\n<https://ops.example/i/7|Open in OpsPortal>"
            }
            assert headers["Content-Type"] == "application/json"

    def test_teams_gets_a_message_card_with_a_link(self):
        card = json.loads(_request("teams")[0])
        assert card["@type"] == "MessageCard"
        assert card["title"] == "P1 not acknowledged"
        assert card["potentialAction"][0]["targets"][0]["uri"] == "https://ops.example/i/7"

    def test_generic_json_names_the_delivery_and_the_notification(self):
        document = json.loads(_request("generic", "k" * 20)[0])
        assert document["id"] == "d-1"
        assert document["key"] == MESSAGE.key
        assert document["link"] == MESSAGE.link

    def test_every_request_carries_the_delivery_id_for_dedupe(self):
        headers = _request("slack")[1]
        assert headers["Idempotency-Key"] == headers["X-OpsPortal-Delivery"] == "d-1"

    def test_the_signature_covers_timestamp_and_raw_body(self):
        body, headers = _request("generic", "k" * 20)
        timestamp = int(headers["X-OpsPortal-Timestamp"])
        signature = headers["X-OpsPortal-Signature"]
        assert signature.startswith("sha256=")
        assert payloads.verify(secret="k" * 20, timestamp=timestamp, body=body, header=signature)
        assert not payloads.verify(secret="k" * 20, timestamp=timestamp + 1, body=body, header=signature)
        assert not payloads.verify(secret="k" * 20, timestamp=timestamp, body=body + b" ", header=signature)
        assert not payloads.verify(secret="x" * 20, timestamp=timestamp, body=body, header=signature)

    def test_an_endpoint_without_a_secret_sends_no_signature(self):
        assert "X-OpsPortal-Signature" not in _request("slack")[1]

"""A local HTTP receiver for webhook tests: records each request and answers from a script."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Group

from webhooks.models import WebhookEndpoint

SECRET = "s3cret-for-the-receiver-0123"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answer each POST with the next status of ``answers`` (the last one repeats)."""

    url: str
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    headers_for_redirect: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Start an http.server on 127.0.0.1 in a thread; stop it after the test."""
    lock = threading.Lock()
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target: Receiver = state["receiver"]
            with lock:
                target.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                index = min(len(target.requests), len(target.answers)) - 1
                status = target.answers[index]
            if target.delay:
                time.sleep(target.delay)
            self.send_response(status)
            for name, value in target.headers_for_redirect.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def team(db: Any) -> Group:
    return Group.objects.create(name="Network team")


@pytest.fixture
def make_endpoint(team: Group, receiver: Receiver) -> Any:
    """Return a factory of endpoints on the receiver, listening to ``team``."""

    def factory(
        name: str = "Team hook", *, kind: str = "generic", secret: str = SECRET, **extra: Any
    ) -> WebhookEndpoint:
        extra.setdefault("url", receiver.url)
        endpoint = WebhookEndpoint.objects.create(name=name, kind=kind, secret=secret, **extra)
        endpoint.groups.add(team)
        return endpoint

    return factory


@pytest.fixture(autouse=True)
def private_receivers_allowed(settings: Any) -> None:
    """The receiver listens on loopback; production refuses that unless allowed."""
    settings.WEBHOOK_ALLOW_PRIVATE = True

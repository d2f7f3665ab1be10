"""A minimal SMTP server for delivery tests: records every message, and can stall one delivery.

``stall_at="data"`` holds the first connection after the DATA command (the message never
arrives); ``stall_at="accepted"`` records the first message and then withholds the "250 OK" (the
server has it, the sender does not know). Either way the sending worker blocks, so a test can
kill it mid-send. Only the standard library is used.
"""

from __future__ import annotations

import email
import socketserver
import threading
from collections import Counter
from typing import Any


class _Handler(socketserver.StreamRequestHandler):
    server: Any

    def reply(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sink: SmtpSink = self.server.sink
        self.reply(b"220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.reply(b"250 sink")
            elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                self.reply(b"250 OK")
            elif command == b"DATA":
                if sink.take_stall("data"):
                    return
                self.reply(b"354 end with <CRLF>.<CRLF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.record(b"".join(lines))
                if sink.take_stall("accepted"):
                    return
                self.reply(b"250 OK queued")
            elif command == b"QUIT":
                self.reply(b"221 bye")
                return
            else:
                self.reply(b"502 not implemented")


class SmtpSink:
    def __init__(self, stall_at: str | None = None) -> None:
        self.stall_at = stall_at
        self.messages: list[email.message.Message] = []
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> SmtpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def take_stall(self, point: str) -> bool:
        """Stall here once if asked to: hold until released, then drop the connection."""
        with self._lock:
            if self.stall_at != point or self.stalled.is_set():
                return False
            self.stalled.set()
        self.release.wait(timeout=120)
        return True

    def record(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(raw))

    def message_ids(self) -> Counter[str]:
        with self._lock:
            return Counter(str(message["Message-ID"]) for message in self.messages)

"""A local HTTP server that plays the Bot Connector service: it records what the bot sends to Teams.

The bot replies to `POST {serviceUrl}v3/conversations/{id}/activities[/{replyToId}]`; the fake answers
each with a fresh `{"id": ...}` (as Teams does) and keeps the path, headers and JSON body.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@dataclass
class Sent:
    """One activity the bot sent, as the connector received it."""

    path: str
    conversation: str
    reply_to: str | None
    id: str
    headers: dict[str, str]
    body: dict = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.body.get("type", "")


class FakeConnector:
    """Start with `with FakeConnector() as connector:`; `connector.url` is the serviceUrl to use."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = self.path.rstrip("/").split("/")
                # /v3/conversations/{conversation}/activities[/{replyToId}]
                if len(parts) < 5 or parts[1:3] != ["v3", "conversations"] or parts[4] != "activities":
                    self._reply(404, {"error": {"code": "NotFound", "message": self.path}})
                    return
                with connector._lock:
                    sent = Sent(path=self.path, conversation=unquote(parts[3]),
                                reply_to=unquote(parts[5]) if len(parts) > 5 else None,
                                id=f"bot-msg-{next(connector._ids)}", headers=dict(self.headers),
                                body=json.loads(raw or b"{}"))
                    connector.sent.append(sent)
                self._reply(200, {"id": sent.id})

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> FakeConnector:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def to(self, conversation: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.conversation == conversation]

    def wait_for(self, conversation: str, kind: str = "message", count: int = 1, timeout: float = 20) -> list[Sent]:
        """The activities of one type sent to a conversation, once at least `count` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [s for s in self.to(conversation) if s.type == kind]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {kind!r} activities in {conversation}, got "
                                     f"{[s.type for s in self.to(conversation)]}")
            time.sleep(0.02)

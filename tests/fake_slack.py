"""A local stand-in for Slack, for end-to-end tests of the Slack bot without the internet.

`FakeSlack` is a real HTTP server on 127.0.0.1 playing the Web API under `/api/` (it records every
call's method and body, form or JSON) and `response_url`s under `/response/`. `FakeSocketMode` is a
real WebSocket server playing Slack's Socket Mode endpoint. `SlackSender` signs requests the way Slack
does and posts them to the bot over HTTP.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from slack_sdk.signature import SignatureVerifier
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    """One request the fake received: `method` is e.g. "chat.postMessage" or "response/<name>"."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        """Every piece of text the message would show: `text` and all text inside its blocks."""
        found = [self.body["text"]] if isinstance(self.body.get("text"), str) else []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    found.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.body.get("blocks") or [])
        return found


class FakeSlack:
    """Slack's Web API on a random local port, recording what the bot sends."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.threads: dict[tuple[str, str], list[dict]] = {}  # (channel, thread ts) -> messages
        self.names: dict[str, str] = {}  # user id -> real name, for users.info
        self.gates: dict[str, threading.Event] = {}  # method -> hold its answer until the event is set
        self.socket_url = ""
        self.rejected_tokens = {"xoxb-rejected", "xapp-rejected"}
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive, as Slack's Web API does

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                path, _, query = self.path.partition("?")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                body = _parse(query, raw, self.headers.get("Content-Type", ""))
                if path.startswith("/response/"):
                    fake._record(Call(path[1:], body, dict(self.headers)))
                    return self._reply("ok", "text/plain")
                method = path.removeprefix("/api/")
                call = Call(method, body, dict(self.headers))
                gate = fake.gates.get(method)
                if gate is not None:
                    gate.wait(10)
                fake._record(call)
                self._reply(json.dumps(fake.respond(call)), "application/json")

            def _reply(self, text: str, content_type: str) -> None:
                data = text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for gate in self.gates.values():
            gate.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What SLACK_API_URL is set to (it must end with '/')."""
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    # ------------------------------------------------------------------ answering like Slack

    def respond(self, call: Call) -> dict[str, Any]:
        token = call.headers.get("Authorization", "").removeprefix("Bearer ") or call.body.get("token", "")
        if not token.startswith(("xoxb-", "xapp-")):
            return {"ok": False, "error": "not_authed"}
        if token in self.rejected_tokens:
            return {"ok": False, "error": "invalid_auth"}
        ts = f"1800000000.{next(self._ts):06d}"
        body = call.body
        if call.method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "policybot",
                    "team_id": "T1", "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if call.method == "chat.postMessage":
            message = {"text": body.get("text"), "ts": ts, "bot_id": BOT_ID, "user": BOT_USER_ID,
                       "blocks": body.get("blocks") or []}
            if body.get("thread_ts"):  # kept, so conversations.replies shows the bot's replies as Slack does
                self.threads.setdefault((body.get("channel", ""), body["thread_ts"]), []).append(message)
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if call.method == "users.info":
            user = str(body.get("user", ""))
            if user not in self.names:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": self.names[user]}}
        if call.method in ("conversations.replies", "conversations.history"):
            messages = self.threads.get((body.get("channel", ""), body.get("ts", "")), [])
            return {"ok": True, "messages": messages, "has_more": False}
        if call.method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}

    # ------------------------------------------------------------------ what was received

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def received(self, method: str, where: Callable[[Call], bool] = lambda call: True) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method and where(c)]

    def wait_for(self, method: str, where: Callable[[Call], bool] = lambda call: True, count: int = 1,
                 timeout: float = 15) -> list[Call]:
        """Poll until at least `count` matching calls arrived; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method and where(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls][-20:]
                    raise AssertionError(f"expected {count} {method} call(s), got {len(found)}; recent: {seen}")
                self._changed.wait(min(left, 0.5))


def _parse(query: str, raw: str, content_type: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    if "json" in content_type and raw:
        body.update(json.loads(raw))
    elif raw:
        body.update(urllib.parse.parse_qsl(raw))
    for key in ("blocks", "prompts", "attachments"):
        if isinstance(body.get(key), str):
            body[key] = json.loads(body[key])
    return body


class FakeSocketMode:
    """Slack's Socket Mode WebSocket endpoint: sends hello, then queued envelopes; records the acks."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self._changed = threading.Condition()
        self.server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"

    def __enter__(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self._thread.join(5)

    def _session(self, ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        self.connected.set()
        try:
            while True:
                try:
                    ws.send(json.dumps(self.outbox.get_nowait()))
                except queue.Empty:
                    pass
                try:
                    message = ws.recv(timeout=0.05)
                except TimeoutError:
                    continue
                with self._changed:
                    self.acks.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            return

    def wait_for_ack(self, envelope_id: str, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id}; acks: {self.acks}")
                self._changed.wait(min(left, 0.5))


class SlackSender:
    """Signs requests with the app's signing secret, as Slack does, and POSTs them to the bot."""

    def __init__(self, url: str, signing_secret: str) -> None:
        self.url = url
        self.verifier = SignatureVerifier(signing_secret)
        self._ids = itertools.count(1)

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ids):06d}"

    def post(self, body: str, content_type: str = "application/json", headers: dict[str, str] | None = None,
             timestamp: int | None = None, signature: str | None = None) -> tuple[int, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature or self.verifier.generate_signature(timestamp=ts, body=body)}
        request = urllib.request.Request(self.url, data=body.encode("utf-8"), headers={**sent, **(headers or {})},
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode("utf-8")

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None,
              **kwargs: Any) -> tuple[int, str]:
        body = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event": event,
                "event_id": event_id or f"Ev{next(self._ids):08d}", "event_time": int(time.time())}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body), headers=headers, **kwargs)

    def command(self, text: str, response_url: str, user: str = "U1", channel: str = "C1") -> tuple[int, str]:
        form = {"token": "legacy", "team_id": "T1", "channel_id": channel, "user_id": user, "command": "/policy",
                "text": text, "response_url": response_url, "trigger_id": "1.2.3"}
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, message_ts: str, thread_ts: str | None, response_url: str,
              user: str = "U1", channel: str = "C1") -> tuple[int, str]:
        message: dict[str, Any] = {"type": "message", "ts": message_ts, "bot_id": BOT_ID, "text": "answer"}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
                   "token": "legacy", "trigger_id": "1.2.3", "channel": {"id": channel}, "message": message,
                   "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                   "response_url": response_url,
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "answer_actions", "value": value,
                                "action_ts": str(time.time())}]}
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

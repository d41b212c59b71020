"""One aiohttp server for every platform: `policy-assistant serve`, `slack --http` and `teams`.

Each platform is an `Edge`: a path, a `handle(request)` coroutine and a `load(service)` step run once
the model and index are in memory. This module owns what every edge shares, so each defence exists
once, at the root:

- the listening socket accepts at most `http_max_connections` connections; more are answered 503
  and closed at once, so idle or half-sent connections cannot pile up;
- a connection must deliver its request line and headers within `http_read_timeout` seconds (aiohttp's
  keep-alive timer runs from the moment a connection opens), and its body within the same time (408);
- a POST must declare its `Content-Length`: missing or chunked → 411, over `http_max_body_bytes` → 413,
  both before a byte of the body is read (a malformed or negative length is refused as 400 by the
  HTTP parser itself);
- `/healthz` answers while the process is alive; `/readyz` only when the index is loaded and the
  database answers, with the index build id;
- a published index is picked up within `INDEX_POLL_SECONDS` (`AnswerService.follow_index`).

Blocking work (the engine, the store) runs in worker threads, never on the event loop. Extra routes
(e.g. `/metrics`) are added with `PolicyServer.add_route` before `start`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .errors import ConfigError
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from .service import AnswerService
from .settings import Settings

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
INDEX_POLL_SECONDS = 1.0
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 18\r\n"
        b"Connection: close\r\n\r\n{\"error\": \"busy\"}\n")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Edge(Protocol):
    """A platform adapter: `mount` adds its route(s); it answers them once `load` has run."""

    name: str
    path: str

    def mount(self, app: web.Application) -> None: ...

    async def load(self, service: AnswerService) -> None: ...

    async def handle(self, request: web.Request) -> web.StreamResponse: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    """What one connection may cost before anyone is authenticated."""

    max_body_bytes: int = 1_000_000
    read_timeout: float = 10.0
    max_connections: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.http_max_body_bytes, settings.http_read_timeout, settings.http_max_connections)


class _OneLineForBadRequests(logging.Filter):
    """aiohttp logs a request it cannot parse (e.g. `Content-Length: -1`) with a traceback; that is an
    outsider's malformed request, not our failure: one warning line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            reason = " ".join(str(exc.message).split())[:200]
            record.msg, record.args, record.exc_info, record.exc_text = \
                "Refused a malformed HTTP request (%s): %s", (exc.code, reason), None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class PolicyServer:
    """The aiohttp application and its listening socket; edges and extra routes are added before `start`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.service: AnswerService | None = None
        self.edges: list[Edge] = []
        self.app = web.Application(middlewares=[self._guard], client_max_size=limits.max_body_bytes)
        self.app.router.add_get(HEALTH_PATH, self._healthz)
        self.app.router.add_get(READY_PATH, self._readyz)
        self.app.router.add_get(METRICS_PATH, self._metrics)
        self._runner: web.AppRunner | None = None
        self._site: _GuardedSite | None = None

    def add_edge(self, edge: Edge) -> None:
        self.edges.append(edge)
        edge.mount(self.app)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Another route on the same server (e.g. ops' `/metrics`)."""
        self.app.router.add_route(method, path, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str, port: int, sock: socket.socket | None = None) -> None:
        """Listen on host:port, or accept on an already listening `sock` (shared by worker processes)."""
        server_log = logging.getLogger("aiohttp.server")
        if not any(isinstance(f, _OneLineForBadRequests) for f in server_log.filters):
            server_log.addFilter(_OneLineForBadRequests())
        # keepalive_timeout runs from the moment a connection opens: headers must arrive within it.
        # lingering_time=0: a refused body is never drained, the connection is closed instead.
        self._runner = web.AppRunner(self.app, access_log=None, keepalive_timeout=self.limits.read_timeout,
                                     lingering_time=0, handle_signals=False)
        await self._runner.setup()
        self._site = _GuardedSite(self._runner, host, port, self.limits.max_connections, sock)
        try:
            await self._site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    async def load(self, service: AnswerService) -> None:
        """Hand the loaded service to every edge; from then on requests are answered."""
        for edge in self.edges:
            await edge.load(service)
        self.service = service

    async def stop(self) -> None:
        for edge in self.edges:
            await edge.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        assert self._site is not None, "not started"
        return self._site.port

    # ------------------------------------------------------------------ routes

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _metrics(self, request: web.Request) -> web.Response:
        """Prometheus' text format (see `metrics.py`); 503 until the service is loaded."""
        if self.service is None:
            return web.json_response({"status": "loading"}, status=503)
        page = await asyncio.to_thread(self.service.metrics.render)
        return web.Response(body=page, headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def _readyz(self, request: web.Request) -> web.Response:
        if self.service is None:
            return web.json_response({"status": "loading"}, status=503)
        readiness = await asyncio.to_thread(self.service.readiness)
        return web.json_response(readiness, status=200 if readiness["status"] == "ready" else 503)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Bound the body before any edge sees the request: declared, small, and sent in time."""
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_length is None:  # absent, or chunked
                return _refuse(411, "Content-Length required")
            if request.content_length > self.limits.max_body_bytes:
                return _refuse(413, "request body too large")
            try:
                await asyncio.wait_for(request.read(), self.limits.read_timeout)
            except asyncio.TimeoutError:
                return _refuse(408, "request body not received in time")
        return await handler(request)


def _refuse(status: int, reason: str) -> web.Response:
    """An error answer that also closes the connection, so an unread body is never drained."""
    response = web.json_response({"error": reason}, status=status)
    response.force_close()
    return response


class _GuardedSite(web.BaseSite):
    """A TCP site whose connections are counted: over the limit, a connection gets 503 and is closed."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, max_connections: int,
                 sock: socket.socket | None = None) -> None:
        super().__init__(runner)
        self._host, self._port, self.max_connections, self._sock = host, port, max_connections, sock
        self.open = 0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        if self._sock is not None:
            self._server = await loop.create_server(self._protocol, sock=self._sock)
        else:
            self._server = await loop.create_server(self._protocol, self._host, self._port, reuse_address=True,
                                                    backlog=self._backlog)

    def _protocol(self) -> asyncio.Protocol:
        if self.open >= self.max_connections:
            return _Busy()
        server = self._runner.server
        assert server is not None
        return _Counted(server(), self)


class _Busy(asyncio.Protocol):
    """Over the limit: say 503 and end the connection within a second, discarding whatever it sends (a
    close with unread input would reset the connection and lose the 503)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(BUSY)
        if transport.can_write_eof():
            transport.write_eof()
        self.closing = asyncio.get_running_loop().call_later(1.0, transport.close)

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool:
        self.transport.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing.cancel()


class _Counted(asyncio.Protocol):
    """aiohttp's own protocol for one connection, counted while it is open."""

    def __init__(self, inner: asyncio.Protocol, site: _GuardedSite) -> None:
        self.inner, self.site = inner, site
        site.open += 1  # counted when made: asyncio accepts a burst before calling any connection_made

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.site.open -= 1
        self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


# ------------------------------------------------------------------------------------ running


class Serving:
    """A serving process: the HTTP server (if any edge or `http`), an optional background task (Socket
    Mode), the service loaded once, and the index followed while it runs."""

    def __init__(self, settings: Settings, edges: list[Edge], host: str, port: int,
                 background: Edge | None = None, rebuild: bool = False, http: bool = False) -> None:
        self.settings, self.host, self.requested_port = settings, host, port
        self.rebuild, self.background = rebuild, background
        self.server = PolicyServer(Limits.from_settings(settings)) if edges or http else None
        for edge in edges:
            assert self.server is not None
            self.server.add_edge(edge)
        self.service: AnswerService | None = None
        self._follow: asyncio.Task[None] | None = None
        self.announces = True  # tells owners of suspended verified answers (one worker of several does)
        self.label = "Policy Assistant"

    async def start(self, service: AnswerService | None = None, sock: socket.socket | None = None) -> None:
        """Listen, load the model and index (unless given a service), then answer.

        Alone, it listens first, so /healthz answers while the model loads. A worker given the shared
        `sock` accepts only once loaded: a connection it took before could only be refused."""
        if self.server is not None and sock is None:
            await self.server.start(self.host, self.requested_port)
        self.service = service or await asyncio.to_thread(AnswerService.open, self.settings, self.rebuild)
        if self.server is not None:
            await self.server.load(self.service)
            if sock is not None:
                await self.server.start(self.host, self.requested_port, sock)
        if self.background is not None:
            await self.background.load(self.service)
        await self._announce()  # any verified answer suspended on loading: its owner told
        self._follow = asyncio.create_task(self._follow_index(self.service))

    async def _announce(self) -> None:
        assert self.service is not None
        if self.announces:
            await self.service.announce_suspended()

    async def _follow_index(self, service: AnswerService) -> None:
        while True:
            await asyncio.sleep(INDEX_POLL_SECONDS)
            try:
                await asyncio.to_thread(service.follow_index)
            except Exception as exc:  # a half-published or broken build: keep serving the one we have
                log.warning("Could not switch to the newly published index: %s", exc)
            await self._announce()  # verified answers the new build suspended: their owners told

    async def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None
        if self.background is not None:
            await self.background.close()
        if self.server is not None:
            await self.server.stop()

    @property
    def port(self) -> int:
        return self.server.port if self.server is not None else self.requested_port

    def describe(self) -> str:
        parts = [f"{e.name} on http://{self.host}:{self.port}{e.path}" for e in (self.server.edges if self.server else [])]
        if self.background is not None:
            parts.append(self.background.name)
        if self.server is not None:
            parts.append(f"{HEALTH_PATH} and {READY_PATH} on port {self.port}")
        return ", ".join(parts)


def _host(host: str | None, anonymous_teams: bool) -> str:
    """Where to listen: as told; else everywhere, but only on this machine while Teams is unauthenticated."""
    if anonymous_teams:
        log.warning("Teams anonymous mode: listening on %s%s", host or "127.0.0.1",
                    " as told by --host; anyone who can reach it can use the bot" if host else " only")
        return host or "127.0.0.1"
    return host or "0.0.0.0"


def slack_serving(settings: Settings, http: bool, host: str | None, port: int, rebuild: bool = False) -> Serving:
    """`policy-assistant slack [--http]`: Socket Mode (no port), or Slack alone on the shared server."""
    from .slack_app import SlackEdge, SlackSocketEdge, check_credentials

    credentials = check_credentials(settings, http)
    if http:
        return Serving(settings, [SlackEdge(credentials)], _host(host, False), port, rebuild=rebuild)
    return Serving(settings, [], host or "", port, background=SlackSocketEdge(credentials), rebuild=rebuild)


def teams_serving(settings: Settings, host: str | None, port: int, rebuild: bool = False,
                  env: Mapping[str, str] | None = None) -> Serving:
    """`policy-assistant teams`: Teams alone on the shared server."""
    from .teams_app import TeamsEdge, teams_env

    edge = TeamsEdge(teams_env() if env is None else env)
    return Serving(settings, [edge], _host(host, edge.anonymous), port, rebuild=rebuild)


def all_serving(settings: Settings, host: str | None, port: int, rebuild: bool = False,
                env: Mapping[str, str] | None = None) -> Serving:
    """`policy-assistant serve`: every platform whose credentials are set, on one server.

    Slack over HTTP when SLACK_SIGNING_SECRET is set (else Socket Mode when SLACK_APP_TOKEN is);
    Teams when any of the SDK's CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ values is set."""
    from .slack_app import SlackEdge, SlackSocketEdge, check_credentials
    from .teams_app import TeamsEdge, teams_configured, teams_env

    env = teams_env() if env is None else env
    edges: list[Edge] = []
    background: Edge | None = None
    if settings.slack_signing_secret is not None:
        edges.append(SlackEdge(check_credentials(settings, http=True)))
    elif settings.slack_app_token is not None:
        background = SlackSocketEdge(check_credentials(settings, http=False))
    teams = TeamsEdge(env) if teams_configured(env) else None
    if teams is not None:
        edges.append(teams)
    if not edges and background is None:
        raise ConfigError("Nothing to serve: set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), "
                          "and/or the Teams CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ values.")
    # /healthz and /readyz are served even when Slack uses Socket Mode alone
    return Serving(settings, edges, _host(host, bool(teams and teams.anonymous)), port, background=background,
                   rebuild=rebuild, http=True)


def run(serving: Serving) -> None:
    """Run until SIGINT/SIGTERM, in `settings.workers` processes; a start-up problem is a ConfigError
    (one line, no traceback)."""
    if serving.settings.workers > 1:
        from .workers import Workers

        code = Workers(serving, serving.settings.workers).run()
        if code:
            raise SystemExit(code)
        return
    run_serving(serving)


def run_serving(serving: Serving, sock: socket.socket | None = None) -> None:
    """This process serves until SIGINT/SIGTERM, then finishes what it is answering and stops."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await serving.start(sock=sock)
            ending = "." if sock is not None else ". Press Ctrl-C to stop."
            print(f"{serving.label} is answering: {serving.describe()}{ending}", file=sys.stderr, flush=True)
            await stop.wait()
        finally:
            await serving.stop()

    asyncio.run(main())

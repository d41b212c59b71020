"""Several serving processes on one port: `serve --workers N` (and `slack --http`, `teams`).

One process answers on one core: the encoder releases the GIL, but routing, search bookkeeping,
quoting and the Slack/Teams SDKs do not. With `--workers N` this parent process opens the listening
socket once, then forks N workers before anything heavy is loaded (no model, no thread, no event
loop yet). Each worker loads its own model and index, then accepts on the shared socket: the kernel
hands each new connection to a worker waiting in `accept`, so a busy worker takes no new ones.

The parent only supervises: SIGTERM or SIGINT is passed on to every worker, which finishes what it
is answering (the same graceful stop as one process); a worker that dies is replaced, and if
workers keep dying as they start (a missing index, a bad setting) the parent stops with an error
instead of looping. Counters are summed over the workers (`metrics.share_between_processes`);
owners are told of suspended verified answers by the first worker only, so they are told once.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING

from .errors import ConfigError, PolicyAssistantError

if TYPE_CHECKING:
    from .server import Serving

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 30.0
START_FAILED = 3  # a worker's exit code when it cannot start at all: no point starting it again
QUICK_DEATH_SECONDS = 10.0
MAX_QUICK_DEATHS = 5


def listening_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """The socket every worker accepts on; ConfigError if the address is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=backlog, dualstack_ipv6=host == "::")
    except OSError as exc:
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class Workers:
    """The parent of N serving processes sharing one listening socket."""

    def __init__(self, serving: Serving, count: int) -> None:
        if count < 2:
            raise ValueError("Workers is for two or more processes")
        if serving.server is None or serving.background is not None:
            raise ConfigError("--workers above 1 needs the HTTP server alone: Slack Socket Mode keeps one "
                              "connection per process. Use Slack over HTTP (SLACK_SIGNING_SECRET) or --workers 1.")
        if threading.active_count() > 1:  # forking a process with threads could copy a held lock
            raise ConfigError("Cannot start workers: this process already runs threads.")
        self.serving, self.count = serving, count
        self.socket = listening_socket(serving.host, serving.requested_port)
        self.port = int(self.socket.getsockname()[1])
        self.children: dict[int, tuple[int, float]] = {}  # pid -> (slot, started at)
        self.stopping = False
        self._quick_deaths = 0
        self._metrics_dir = tempfile.mkdtemp(prefix="policy-assistant-metrics-")

    def run(self) -> int:
        """Start every worker, replace any that dies, and stop them all on SIGTERM/SIGINT; the exit code."""
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        print(f"Policy Assistant: starting {self.count} workers on port {self.port} (each loads the model and "
              "index). Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        failed = False
        try:
            if self.serving.rebuild:  # built once, before the workers, not by each of them
                if not self._build_first() or self.stopping:
                    return 0 if self.stopping else 1
                self.serving.rebuild = False
            for slot in range(self.count):
                self._fork(slot)
            failed = self._supervise()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            self.socket.close()
            shutil.rmtree(self._metrics_dir, ignore_errors=True)
        return 1 if failed else 0

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            _signal(pid, signal.SIGTERM)

    def _fork(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 1
            try:
                code = self._work(slot)
            except BaseException:  # noqa: BLE001 - reported, then the worker ends
                log.exception("worker %d stopped", slot + 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = (slot, time.monotonic())

    def _build_first(self) -> bool:
        """`--rebuild`: a child process builds the index if it is missing or stale; True when it did or
        did not need to. (The parent itself loads no model: it must stay free of threads to fork.)"""
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _build_index(self.serving)
            except BaseException:  # noqa: BLE001 - reported, then the child ends
                log.exception("the index build stopped")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = (-1, time.monotonic())  # so that a stop signal reaches it too
        _, status = os.waitpid(pid, 0)
        del self.children[pid]
        return os.waitstatus_to_exitcode(status) == 0

    def _work(self, slot: int) -> int:
        from . import metrics
        from .server import run_serving

        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_DFL)  # the worker's event loop installs its own
        metrics.share_between_processes(self._metrics_dir)
        self.serving.announces = slot == 0
        if not self.serving.settings.encoder_threads:  # the workers share the cores instead of each taking all
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            share = max(1, cores // self.count)
            self.serving.settings = self.serving.settings.model_copy(update={"encoder_threads": share})
        self.serving.label = f"worker {slot + 1} of {self.count} (pid {os.getpid()})"
        try:
            run_serving(self.serving, sock=self.socket)
        except PolicyAssistantError as exc:  # e.g. no index: one line, as from a single process
            print(f"Error: {exc}", file=sys.stderr)
            return START_FAILED
        return 0

    def _supervise(self) -> bool:
        """Wait for workers to end; replace those that die while serving. True if the server failed."""
        deadline: float | None = None
        while self.children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                if self.stopping:
                    deadline = deadline or time.monotonic() + STOP_GRACE_SECONDS
                    if time.monotonic() > deadline:
                        for child in self.children:
                            _signal(child, signal.SIGKILL)
                time.sleep(0.1)
                continue
            if pid not in self.children:
                continue
            slot, started = self.children.pop(pid)
            if self.stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code == START_FAILED:
                log.error("Worker %d could not start; stopping the server.", slot + 1)
                self._stop(signal.SIGTERM, None)
                return True
            quick = time.monotonic() - started < QUICK_DEATH_SECONDS
            self._quick_deaths = self._quick_deaths + 1 if quick else 0
            if self._quick_deaths >= MAX_QUICK_DEATHS:
                log.error("Workers keep stopping as they start (last exit code %s); stopping the server.", code)
                self._stop(signal.SIGTERM, None)
                return True
            log.warning("Worker %d (pid %d) stopped (exit code %s); starting another.", slot + 1, pid, code)
            if quick:
                time.sleep(1.0)
            self._fork(slot)
        return False


def _build_index(serving: Serving) -> int:
    from .embeddings import Embedder
    from .engine import open_index

    settings = serving.settings
    try:
        open_index(settings, Embedder(settings.model, settings.encoder), build=True)
    except PolicyAssistantError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return START_FAILED
    return 0


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass

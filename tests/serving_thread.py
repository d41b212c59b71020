"""Runs a real `Serving` (the aiohttp server and its edges) on 127.0.0.1 from a background thread with
its own event loop, sharing the test session's loaded engine. Subprocess tests cover the CLI start-up."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from assistant.server import Serving
from assistant.service import AnswerService


class ServingThread:
    def __init__(self, serving: Serving, service: AnswerService | None = None) -> None:
        self.serving, self.service = serving, service
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def call(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def __enter__(self) -> ServingThread:
        self._thread.start()
        try:
            self.call(self.serving.start(self.service))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.serving.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(15)
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    @property
    def port(self) -> int:
        return self.serving.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

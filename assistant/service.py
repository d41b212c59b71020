"""What the chat edges call: answer, record, rate-limit and take feedback, in platform-neutral terms.

Slack and Teams turn their messages into these calls and render what comes back; they never see the
engine's index or the store's database. One `AnswerService` is built at start and shared by threads.

A question's life: `receive` records it (before the platform is acknowledged) and returns None for a
duplicate; `reply` answers it; the edge sends the answer, then calls `delivered`. A process that dies
in between leaves the question pending, and `recover` (at start, and now and then) hands it to a live
process once its lease has run out, or abandons it with a log line when it is too old to be useful.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .engine import PolicyEngine
from .errors import PolicyAssistantError, QuestionError, RateLimited
from .metrics import IndexStatus, Metrics, log_answer
from .models import Answer, Citation, DocumentStatus
from .settings import Settings
from .store import Asked, Received, Store

log = logging.getLogger(__name__)

__all__ = ["AnswerService", "Asked", "RateLimited", "Received", "Reply"]

PRUNE_EVERY = 60.0  # seconds between prunings of old event ids, per process


@dataclass
class Reply:
    """An answer together with the id that feedback and follow-up buttons refer to."""

    question_id: int
    answer: Answer
    asked: Asked | None = None


class AnswerService:
    """The engine and the store behind one small, thread-safe interface."""

    def __init__(self, settings: Settings, engine: PolicyEngine, store: Store) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self.metrics = Metrics(index_status=self.index_status)
        self._pruned = 0.0
        self._refused_build: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, rebuild: bool = False) -> AnswerService:
        """Open the store, then load the model and the index (slow: do it once, at start).

        A serving process never builds the index unless told to (`rebuild`); it follows the builds
        `policy-assistant index` publishes instead (`follow_index`)."""
        store = Store(settings.store_target(), pool_size=settings.db_pool_size)
        return cls(settings, PolicyEngine.open(settings, build=rebuild), store)

    def follow_index(self) -> bool:
        """Switch to a newly published index build, if there is one (atomically: questions already
        being answered finish on the engine they started with). True when it switched."""
        try:
            fresh = self.engine.reloaded()
        except PolicyAssistantError as exc:
            if self._refused_build != str(exc):  # say it once per broken build, not every second
                log.warning("Not switching to the newly published index: %s", exc)
                self._refused_build = str(exc)
            return False
        if fresh is None:
            return False
        old, self.engine = self.engine.index.manifest.build_id, fresh
        log.warning("Switched from index build %s to %s (%d clauses)", old, fresh.index.manifest.build_id,
                    fresh.index.manifest.clauses)
        return True

    def readiness(self) -> dict[str, object]:
        """What `/readyz` reports: the index build served and whether the database answers."""
        manifest = self.engine.index.manifest
        try:
            self.store.ping()
            database = "ok"
        except Exception as exc:
            log.warning("Database check failed: %s", exc)
            database = "unreachable"
        return {"status": "ready" if database == "ok" else "not ready", "index_build": manifest.build_id,
                "clauses": manifest.clauses, "database": database}

    def scope_for(self, channel: str | None) -> list[str] | None:
        """The documents a channel searches (settings.channel_scopes); None means everything."""
        if channel and channel in self.settings.channel_scopes:
            return self.settings.channel_scopes[channel]
        return None

    # --------------------------------------------------------------------------- questions

    def receive(self, asked: Asked) -> Received | None:
        """Record a question before acknowledging it; None if its event is already answered or in hand.

        Raises RateLimited (the question is then recorded as abandoned) when the person asked too often.
        """
        self._prune_now_and_then()
        received = self.store.receive(asked, self.settings.question_lease_seconds)
        if received is None:
            log.info("Ignoring a repeat of %s event %s", asked.platform, asked.event_id)
            return None
        try:
            self._count(asked.platform, asked.user_id, "question")
        except RateLimited:
            self.store.finish(received.question_id, "abandoned")
            raise
        return received

    def reply(self, received: Received) -> Reply:
        """Answer a received question and keep the answer (QuestionError if it cannot be answered as asked)."""
        asked, answer = received.asked, received.answer
        engine = self.engine  # one index build for the whole question, even if a new one is published meanwhile
        build_id = engine.index.manifest.build_id
        if answer is None:
            started = time.perf_counter()
            try:
                answer = engine.ask(asked.question, scope=None if asked.private else self.scope_for(asked.channel))
            except QuestionError:
                self.store.finish(received.question_id, "answered")  # the edge tells the person why
                self._observe(received, "refused", (time.perf_counter() - started) * 1000, build_id)
                raise
            self.store.save_answer(received.question_id, answer)
        self._observe(received, "answered" if answer.answered else "abstained", answer.latency_ms, build_id)
        return Reply(received.question_id, answer, asked)

    def delivered(self, reply: Reply) -> None:
        """The answer reached the person: the question (and its event) is done."""
        self.store.finish(reply.question_id, "answered")

    def abandon(self, received: Received, reason: str) -> None:
        """Give up on a recorded question, saying so in the log."""
        log.warning("Abandoned question %s on %s (asked %s): %s", received.question_id, received.asked.platform,
                    received.asked_at, reason)
        self.store.finish(received.question_id, "abandoned")

    def answer(self, question: str, platform: str, user: str | None = None, channel: str | None = None,
               private: bool = False) -> Reply:
        """Record, answer and mark answered in one step, for edges that send the reply as they return.

        Raises QuestionError (incl. RateLimited) with a message for the user. `private` (a DM) searches
        every policy; otherwise the channel's scope applies.
        """
        received = self.receive(Asked(question=question, platform=platform, user_id=user, channel=channel,
                                      private=private))
        assert received is not None  # without an event id a question is never a repeat
        reply = self.reply(received)
        self.delivered(reply)
        return reply

    def done(self, received: Received) -> None:
        """The person got a reply that is not an answer (e.g. how to ask): the question is closed."""
        self.store.finish(received.question_id, "answered")

    def overdue(self, platform: str) -> list[Received]:
        """This platform's questions whose process died before answering, now leased to this process.

        Questions older than settings.abandon_after_minutes are abandoned (logged) instead: an answer
        that late helps nobody.
        """
        too_old = time.time() - self.settings.abandon_after_minutes * 60
        taken = []
        for received in self.store.overdue(platform, self.settings.question_lease_seconds):
            if received.asked_at < too_old:
                self.abandon(received, "too old to answer after its process stopped")
            else:
                log.warning("Taking over question %s on %s: its process stopped before answering",
                            received.question_id, platform)
                taken.append(received)
        return taken

    def recover(self, platform: str, deliver: Callable[[Reply], None]) -> int:
        """Answer the overdue questions of a platform through `deliver`; returns how many were sent.

        A delivery that fails leaves the question pending, for a later try.
        """
        sent = 0
        for received in self.overdue(platform):
            try:
                reply = self.reply(received)
            except QuestionError as exc:
                log.warning("Recovered question %s cannot be answered: %s", received.question_id, exc)
                continue
            try:
                deliver(reply)
            except Exception:
                log.exception("Could not deliver the recovered answer to question %s", received.question_id)
                continue
            self.delivered(reply)
            sent += 1
        return sent

    # --------------------------------------------------------------------------- other requests

    def lookup(self, words: str, channel: str | None = None, k: int = 3, offset: int = 0, platform: str = "",
               user: str | None = None) -> list[Citation]:
        """Quick clause lookup (no verdict, not recorded, but counted against the person's rate limit)."""
        self._count(platform, user, "lookup")
        return self.engine.lookup(words, scope=self.scope_for(channel), k=k, offset=offset)

    def more(self, question_id: int, k: int = 3, platform: str = "", user: str | None = None) -> list[Citation]:
        """The next clauses for an earlier question, after the one its answer showed (counted like a question)."""
        self._count(platform, user, "more")
        stored = self.store.question(question_id)
        if stored is None or stored.answer is None:
            return []
        shown = len(stored.answer.shown)
        return self.engine.lookup(stored.answer.question, scope=stored.answer.scope, k=k, offset=shown)

    def feedback(self, question_id: int, rating: str, platform: str, user: str | None = None,
                 comment: str | None = None) -> bool:
        """Record 'up', 'down' (one vote per person per answer: the last counts) or 'help'."""
        recorded = self.store.record_feedback(question_id, rating, platform, user_id=user, comment=comment)
        if recorded:
            self.metrics.feedback.labels(rating).inc()
        return recorded

    def contact(self, question_id: int | None = None) -> str:
        """Who to ask about the policy behind an answer."""
        stored = self.store.question(question_id) if question_id is not None else None
        answer = stored.answer if stored else None
        if answer and (answer.citations or answer.related):
            top = (answer.citations or answer.related)[0]
            return self.engine.contact_for(top.source)
        return answer.contact if answer else self.settings.contact

    def question(self, question_id: int) -> Answer | None:
        stored = self.store.question(question_id)
        return stored.answer if stored else None

    def documents(self) -> list[DocumentStatus]:
        return self.engine.documents()

    def overdue_sources(self) -> frozenset[str]:
        """Policies past their review date (worked out once per index and day)."""
        return self.engine.overdue_sources()

    def examples(self) -> list[str]:
        """Example questions to offer people (settings.example_questions)."""
        return list(self.settings.example_questions)

    def claim_event(self, event_id: str) -> bool:
        """True the first time a platform event id is seen; False for a retry of the same event."""
        self._prune_now_and_then()
        return self.store.claim_event(event_id)

    def remember_message(self, question_id: int, platform: str, conversation: str, message_id: str) -> None:
        """Note that a sent chat message carries the answer to a question, for feedback naming the message."""
        self.store.link_message(platform, conversation, message_id, question_id)

    def question_for_message(self, platform: str, conversation: str, message_id: str) -> int | None:
        """The question id behind a sent answer message (None if unknown)."""
        return self.store.message_question(platform, conversation, message_id)

    # --------------------------------------------------------------------------- helpers

    def _count(self, platform: str, user: str | None, kind: str) -> None:
        """Count a request in the store (shared by replicas); RateLimited past the per-minute limit."""
        limit = self.settings.rate_limit_per_minute
        if limit <= 0 or not user:
            return
        wait = self.store.count_request(f"{platform}:{user}", kind, limit)
        if wait is not None:
            self.metrics.rate_limited.labels(kind).inc()
            seconds = int(wait) + 1
            raise RateLimited(f"You've made {limit} requests in the last minute; please try again in {seconds}s.",
                              retry_after=seconds)

    def index_status(self) -> IndexStatus:
        """The served index build, its size and how many policies are past their review date."""
        engine = self.engine
        return IndexStatus(build_id=engine.index.manifest.build_id, clauses=engine.index.manifest.clauses,
                           documents_overdue=sum(d.overdue for d in engine.documents()))

    def _observe(self, received: Received, outcome: str, latency_ms: float, build_id: str) -> None:
        """Count an answer in the metrics and write its one log line."""
        self.metrics.answered(received.asked.platform, outcome, latency_ms / 1000)
        log_answer(received.asked.platform, outcome, latency_ms, build_id, received.question_id,
                   question=received.asked.question if self.settings.log_questions else None)

    def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._pruned < PRUNE_EVERY:
                return
            self._pruned = now
        pruned = self.store.prune(self.settings.event_retention_hours * 3600)
        if pruned:
            log.info("Forgot %d handled event ids older than %g hours", pruned, self.settings.event_retention_hours)

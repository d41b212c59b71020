"""What the chat edges call: answer, record, rate-limit and take feedback, in platform-neutral terms.

Slack and Teams turn their messages into these calls and render what comes back; they never see the
engine's index or the store's database. One `AnswerService` is built at start and shared by threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from .engine import PolicyEngine
from .errors import QuestionError
from .models import Answer, Citation, DocumentStatus
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)


class RateLimited(QuestionError):
    """The user asked too many questions in the last minute."""


@dataclass
class Reply:
    """An answer together with the id that feedback and follow-up buttons refer to."""

    question_id: int
    answer: Answer


class AnswerService:
    """The engine and the store behind one small, thread-safe interface."""

    def __init__(self, settings: Settings, engine: PolicyEngine, store: Store) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> AnswerService:
        """Load the model, the index and the store (slow: do it once, at start)."""
        return cls(settings, PolicyEngine.open(settings), Store(settings.db_path))

    def scope_for(self, channel: str | None) -> list[str] | None:
        """The documents a channel searches (settings.channel_scopes); None means everything."""
        if channel and channel in self.settings.channel_scopes:
            return self.settings.channel_scopes[channel]
        return None

    def answer(self, question: str, platform: str, user: str | None = None, channel: str | None = None,
               private: bool = False) -> Reply:
        """Answer and record a question. Raises QuestionError (incl. RateLimited) with a message for the user.

        `private` (a DM) searches every policy; otherwise the channel's scope applies.
        """
        self._check_rate(f"{platform}:{user}")
        answer = self.engine.ask(question, scope=None if private else self.scope_for(channel))
        question_id = self.store.record_answer(answer, platform, user_id=user, channel=channel)
        log.info("answered question %s on %s (answered=%s, %.0f ms)", question_id, platform, answer.answered,
                 answer.latency_ms)
        return Reply(question_id, answer)

    def lookup(self, words: str, channel: str | None = None, k: int = 3, offset: int = 0) -> list[Citation]:
        """Quick clause lookup (no verdict, not recorded)."""
        return self.engine.lookup(words, scope=self.scope_for(channel), k=k, offset=offset)

    def more(self, question_id: int, k: int = 3) -> list[Citation]:
        """The next clauses for an earlier question, after those already shown."""
        stored = self.store.question(question_id)
        if stored is None:
            return []
        shown = len(stored.answer.citations) or len(stored.answer.related)
        scope = stored.answer.scope
        return self.engine.lookup(stored.answer.question, scope=scope, k=k, offset=shown)

    def feedback(self, question_id: int, rating: str, platform: str, user: str | None = None,
                 comment: str | None = None) -> bool:
        """Record 'up', 'down' or 'help' for an answered question."""
        return self.store.record_feedback(question_id, rating, platform, user_id=user, comment=comment)

    def contact(self, question_id: int | None = None) -> str:
        """Who to ask about the policy behind an answer."""
        stored = self.store.question(question_id) if question_id is not None else None
        if stored and (stored.answer.citations or stored.answer.related):
            top = (stored.answer.citations or stored.answer.related)[0]
            return self.engine.contact_for(top.source)
        return stored.answer.contact if stored else self.settings.contact

    def question(self, question_id: int) -> Answer | None:
        stored = self.store.question(question_id)
        return stored.answer if stored else None

    def documents(self) -> list[DocumentStatus]:
        return self.engine.documents()

    def examples(self) -> list[str]:
        """Example questions to offer people (settings.example_questions)."""
        return list(self.settings.example_questions)

    def claim_event(self, event_id: str) -> bool:
        """True the first time a platform event id is seen; False for a retry of the same event."""
        return self.store.claim_event(event_id)

    def remember_message(self, question_id: int, platform: str, conversation: str, message_id: str) -> None:
        """Note that a sent chat message carries the answer to a question, for feedback naming the message."""
        self.store.link_message(platform, conversation, message_id, question_id)

    def question_for_message(self, platform: str, conversation: str, message_id: str) -> int | None:
        """The question id behind a sent answer message (None if unknown)."""
        return self.store.message_question(platform, conversation, message_id)

    def _check_rate(self, key: str) -> None:
        limit = self.settings.rate_limit_per_minute
        if limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(key, deque())
            while recent and now - recent[0] > 60:
                recent.popleft()
            if len(recent) >= limit:
                wait = int(60 - (now - recent[0])) + 1
                raise RateLimited(f"You've asked {limit} questions in the last minute; please try again in {wait}s.")
            recent.append(now)

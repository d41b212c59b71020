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
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from .engine import PolicyEngine
from .errors import PolicyAssistantError, QuestionError, RateLimited, VerifiedAnswerError
from .metrics import IndexStatus, Metrics, log_answer
from .models import Answer, Citation, DocumentStatus, Suggestion, Verdict, VerifiedAnswer
from .settings import Settings
from .store import Asked, Received, Store
from .verified import locate

log = logging.getLogger(__name__)


class OwnerMessenger(Protocol):
    """How an edge tells its platform's policy owners something unprompted (registered when it loads)."""

    async def suggested(self, suggestion: Suggestion) -> None:
        """A member of staff suggested a clause: every owner on the platform, with Accept / Reject."""

    async def suspended(self, answer: VerifiedAnswer, owners: list[str]) -> None:
        """A verified answer no longer stands in its policy: these owners on the platform."""

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
        self._verified_version: str | None = None
        self._owner_chats: dict[tuple[str, str], dict] = {}  # saved by this process, to write only on change
        self.messengers: dict[str, OwnerMessenger] = {}  # by platform, from the edges serving
        self._untold: list[VerifiedAnswer] = []  # suspended by this process; their owners not told yet

    @classmethod
    def open(cls, settings: Settings, rebuild: bool = False) -> AnswerService:
        """Open the store, then load the model and the index (slow: do it once, at start).

        A serving process never builds the index unless told to (`rebuild`); it follows the builds
        `policy-assistant index` publishes instead (`follow_index`)."""
        store = Store(settings.store_target(), pool_size=settings.db_pool_size)
        service = cls(settings, PolicyEngine.open(settings, build=rebuild), store)
        service.sync_verified()
        return service

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
        self.sync_verified()  # the verified answers on the new build; any whose quote is gone are suspended
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
            self.sync_verified()
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

    # ------------------------------------------------------------------ verified answers

    def is_owner(self, user: str | None) -> bool:
        """True for the policy owners named in settings (Slack user ids, Teams AAD object ids)."""
        return bool(user) and user in self.settings.owners

    def sync_verified(self) -> list[VerifiedAnswer]:
        """Use the store's verified answers (when they changed); suspends and returns any whose quote is gone."""
        engine = self.engine
        version = f"{engine.index.manifest.build_id}:{id(engine)}:{self.store.verified_version()}"
        if version == self._verified_version:  # nothing new in the store, and the same index
            return []
        stale = engine.use_verified(self.store.verified_answers(include_suspended=False))
        for answer in stale:
            self.store.suspend_verified(answer.id, f"its quote no longer stands in {answer.source}")
        if stale:
            engine.use_verified(self.store.verified_answers(include_suspended=False))
            for answer in stale:
                log.warning("suspended verified answer %s: its quote no longer stands in %s", answer.id, answer.source)
        self._verified_version = f"{engine.index.manifest.build_id}:{id(engine)}:{self.store.verified_version()}"
        suspended = [a.model_copy(update={"suspended": f"its quote no longer stands in {a.source}"}) for a in stale]
        with self._lock:
            self._untold += suspended
        return suspended

    def verify(self, questions: list[str], source: str, quote: str, verified_by: str, verdict: Verdict | None = None,
               owner_id: str | None = None, platform: str = "cli") -> VerifiedAnswer:
        """Record that `quote` in `source` answers these questions; the quote must stand in the policy."""
        questions = [self.engine.check_question(q) for q in questions]
        document = self.engine.document(source)
        if document is None:
            raise VerifiedAnswerError(f"No policy {source!r} in the index; `policy-assistant list` shows them.")
        span = locate(document.text, quote)
        if span is None:
            raise VerifiedAnswerError(f"That quote does not stand in {source}; copy it word for word from the policy.")
        exact = " ".join(document.text[span[0]:span[1]].split())
        stored = self.store.add_verified(VerifiedAnswer(questions=questions, source=source, quote=exact,
                                                        verdict=verdict, verified_by=verified_by, owner_id=owner_id,
                                                        platform=platform))
        self.sync_verified()
        return stored

    def mark_answer(self, question_id: int, position: int, user: str, platform: str,
                    name: str | None = None) -> VerifiedAnswer:
        """An owner's "Mark as the right answer" on the clause shown at `position` (0-based, "More clauses" after)."""
        if not self.is_owner(user):
            raise VerifiedAnswerError("Only policy owners can mark the right answer.")
        stored, citation = self._shown_clause(question_id, position)
        return self.verify([stored.question], citation.source, citation.quote, verified_by=name or user,
                           owner_id=user, platform=platform)

    def suggest(self, question_id: int, position: int, user: str | None, platform: str) -> Suggestion:
        """Staff's "This one answered me": a suggestion for an owner to accept or reject."""
        stored, citation = self._shown_clause(question_id, position)
        return self.store.add_suggestion(Suggestion(question_id=question_id, question=stored.question,
                                                    source=citation.source, quote=citation.quote,
                                                    suggested_by=user, platform=platform))

    def decide(self, suggestion_id: int, accept: bool, decided_by: str, owner_id: str | None = None,
               platform: str = "cli") -> Suggestion:
        """Accept (it becomes a verified answer) or reject a pending suggestion."""
        pending = {s.id: s for s in self.store.suggestions()}
        suggestion = pending.get(suggestion_id)
        if suggestion is None:
            raise VerifiedAnswerError(f"No pending suggestion #{suggestion_id}; `verified suggestions` lists them.")
        if accept:
            self.verify([suggestion.question], suggestion.source, suggestion.quote, verified_by=decided_by,
                        owner_id=owner_id, platform=platform)
        decided = self.store.decide_suggestion(suggestion_id, "accepted" if accept else "rejected", decided_by)
        if decided is None:
            raise VerifiedAnswerError(f"Suggestion #{suggestion_id} was decided meanwhile.")
        return decided

    def choices(self, question_id: int, user: str | None, k: int = 3) -> tuple[str | None, list[Citation]]:
        """What this person may do with an answer's clauses: ("mark", …) for an owner, ("suggest", …) for
        someone who gave it 👎, else (None, []); with the clauses, the answer's first, then "More clauses"."""
        kind = "mark" if self.is_owner(user) else "suggest" if self.voted_down(question_id, user) else None
        if kind is None:
            return None, []
        stored = self.store.question(question_id)
        if stored is None or stored.answer is None:
            return None, []
        answer = stored.answer
        shown = list(answer.citations or answer.related)
        more = self.engine.lookup(answer.question, scope=answer.scope, k=k, offset=len(shown))
        return kind, shown + more

    def voted_down(self, question_id: int, user: str | None) -> bool:
        """True when this person's vote on the answer is 👎."""
        return bool(user) and any(f.rating == "down" and f.user_id == user for f in self.store.feedback(question_id))

    def owners_on(self, platform: str) -> list[str]:
        """The owners to tell on a platform: Slack user ids (U…/W…) or Teams AAD object ids (GUIDs)."""
        slack = re.compile(r"[UW][A-Z0-9]{2,}")
        return [o for o in self.settings.owners if (platform == "slack") == bool(slack.fullmatch(o))]

    def remember_owner_chat(self, user: str | None, platform: str, reference: dict) -> bool:
        """Keep where an owner can be messaged later (their chat with the bot); False for anyone else."""
        if not user or not self.is_owner(user):
            return False
        if self._owner_chats.get((platform, user)) != reference:
            self.store.save_owner_chat(platform, user, reference)
            self._owner_chats[(platform, user)] = reference
        return True

    def owner_chats(self, platform: str) -> dict[str, dict]:
        """Where each owner on a platform can be messaged (only those who have written to the bot there)."""
        saved = self.store.owner_chats(platform)
        return {o: saved[o] for o in self.owners_on(platform) if o in saved}

    async def announce_suggestion(self, suggestion: Suggestion) -> None:
        """Tell the owners on every platform served of a staff suggestion (wherever it was made)."""
        for platform, messenger in list(self.messengers.items()):
            try:
                await messenger.suggested(suggestion)
            except Exception:
                log.exception("could not tell the %s owners of suggestion %s", platform, suggestion.id)

    async def announce_suspended(self) -> None:
        """Tell owners of the verified answers this process has suspended since last time, once each: the
        owner who verified it, or every owner when it was verified from the command line."""
        if not self.messengers:
            return
        with self._lock:
            untold, self._untold = self._untold, []
        for answer in untold:
            for platform, messenger in list(self.messengers.items()):
                owners = self.owners_on(platform)
                if answer.owner_id and answer.owner_id in self.settings.owners:
                    owners = [answer.owner_id] if answer.owner_id in owners else []
                if owners:
                    try:
                        await messenger.suspended(answer, owners)
                    except Exception:
                        log.exception("could not tell the %s owners that verified answer %s is suspended",
                                      platform, answer.id)

    def clause_for(self, question_id: int, position: int) -> Citation:
        """The clause shown at `position` for an earlier question (the answer's, then "More clauses")."""
        return self._shown_clause(question_id, position)[1]

    def _shown_clause(self, question_id: int, position: int) -> tuple[Answer, Citation]:
        stored = self.store.question(question_id)
        if stored is None or stored.answer is None:
            raise VerifiedAnswerError("That answer is no longer on record.")
        answer = stored.answer
        shown = answer.citations or answer.related
        if 0 <= position < len(shown):
            return answer, shown[position]
        more = self.engine.lookup(answer.question, scope=answer.scope, k=1, offset=position) if position >= 0 else []
        if not more:
            raise VerifiedAnswerError("That clause is no longer on record.")
        return answer, more[0]

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

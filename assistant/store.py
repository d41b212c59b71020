"""The record of every question, answer and piece of feedback: the only module that knows SQL.

SQLite by default (one file, path from settings). Each call opens its own short connection, so the
store is safe to use from the chat edges' worker threads and from several processes at once (WAL).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from .models import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at TEXT NOT NULL,
    platform TEXT NOT NULL,
    user_id TEXT,
    channel TEXT,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    confidence REAL NOT NULL,
    latency_ms REAL NOT NULL,
    top_source TEXT,
    answer_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    given_at TEXT NOT NULL,
    platform TEXT NOT NULL,
    user_id TEXT,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down', 'help')),
    comment TEXT
);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);
"""


class StoredQuestion(BaseModel):
    id: int
    asked_at: str
    platform: str
    user_id: str | None
    channel: str | None
    answer: Answer


class Feedback(BaseModel):
    question_id: int
    platform: str
    user_id: str | None
    rating: str
    comment: str | None
    given_at: str


class Gap(BaseModel):
    """An unanswered question, with how often it (in the same words) was asked."""

    question: str
    times: int
    last_asked: str


class Store:
    """Questions, answers and feedback in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

    def record_answer(self, answer: Answer, platform: str, user_id: str | None = None,
                      channel: str | None = None) -> int:
        """Store a question with its answer; returns the id feedback refers to."""
        top = answer.citations[0].source if answer.citations else None
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO questions (asked_at, platform, user_id, channel, question, answered, verdict,"
                " confidence, latency_ms, top_source, answer_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (_now(), platform, user_id, channel, answer.question, int(answer.answered), answer.verdict.value,
                 answer.confidence, answer.latency_ms, top, answer.model_dump_json()))
            assert cur.lastrowid is not None  # an INSERT always has one
            return cur.lastrowid

    def question(self, question_id: int) -> StoredQuestion | None:
        with self._connect() as db:
            row = db.execute("SELECT id, asked_at, platform, user_id, channel, answer_json FROM questions WHERE id=?",
                             (question_id,)).fetchone()
        if row is None:
            return None
        return StoredQuestion(id=row[0], asked_at=row[1], platform=row[2], user_id=row[3], channel=row[4],
                              answer=Answer.model_validate_json(row[5]))

    def record_feedback(self, question_id: int, rating: str, platform: str, user_id: str | None = None,
                        comment: str | None = None) -> bool:
        """Store 👍 ('up'), 👎 ('down') or a request for help ('help'); False if the question is unknown."""
        with self._connect() as db:
            if db.execute("SELECT 1 FROM questions WHERE id=?", (question_id,)).fetchone() is None:
                return False
            db.execute("INSERT INTO feedback (question_id, given_at, platform, user_id, rating, comment)"
                       " VALUES (?,?,?,?,?,?)", (question_id, _now(), platform, user_id, rating, comment))
        return True

    def feedback(self, question_id: int | None = None) -> list[Feedback]:
        sql = "SELECT question_id, platform, user_id, rating, comment, given_at FROM feedback"
        args: tuple = ()
        if question_id is not None:
            sql, args = sql + " WHERE question_id=?", (question_id,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [Feedback(question_id=r[0], platform=r[1], user_id=r[2], rating=r[3], comment=r[4], given_at=r[5])
                for r in rows]

    def questions(self, platform: str | None = None) -> list[StoredQuestion]:
        sql = "SELECT id, asked_at, platform, user_id, channel, answer_json FROM questions"
        args: tuple = ()
        if platform:
            sql, args = sql + " WHERE platform=?", (platform,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [StoredQuestion(id=r[0], asked_at=r[1], platform=r[2], user_id=r[3], channel=r[4],
                               answer=Answer.model_validate_json(r[5])) for r in rows]

    def gaps(self, limit: int = 20) -> list[Gap]:
        """Unanswered questions, most asked first: where the policies are silent."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT lower(trim(question)) AS q, count(*), max(asked_at), min(question) FROM questions"
                " WHERE answered=0 GROUP BY q ORDER BY count(*) DESC, max(asked_at) DESC LIMIT ?", (limit,)).fetchall()
        return [Gap(question=r[3], times=r[1], last_asked=r[2]) for r in rows]

    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen (Slack retries reuse the id), False afterwards."""
        with self._lock, self._connect() as db:
            cur = db.execute("INSERT OR IGNORE INTO events (event_id, seen_at) VALUES (?, ?)", (event_id, _now()))
            return cur.rowcount == 1

    def stats(self) -> dict[str, float]:
        with self._connect() as db:
            total, answered = db.execute("SELECT count(*), coalesce(sum(answered),0) FROM questions").fetchone()
            up, down = db.execute("SELECT coalesce(sum(rating='up'),0), coalesce(sum(rating='down'),0) FROM feedback").fetchone()
        return {"questions": total, "answered": answered, "thumbs_up": up, "thumbs_down": down}

    def link_message(self, platform: str, conversation: str, message_id: str, question_id: int) -> None:
        """Remember that a sent chat message answers a question (Teams' 👍/👎 names only the message)."""
        with self._connect() as db:
            db.executescript(_MESSAGES_SCHEMA)
            db.execute("INSERT OR REPLACE INTO messages (platform, conversation, message_id, question_id, sent_at)"
                       " VALUES (?,?,?,?,?)", (platform, conversation, message_id, question_id, _now()))

    def message_question(self, platform: str, conversation: str, message_id: str) -> int | None:
        """The question a sent chat message answers, or None if the message is unknown."""
        with self._connect() as db:
            db.executescript(_MESSAGES_SCHEMA)
            row = db.execute("SELECT question_id FROM messages WHERE platform=? AND conversation=? AND message_id=?",
                             (platform, conversation, message_id)).fetchone()
            if row is None:  # the same message under another conversation id (e.g. a channel thread's suffix)
                rows = db.execute("SELECT DISTINCT question_id FROM messages WHERE platform=? AND message_id=?",
                                  (platform, message_id)).fetchall()
                row = rows[0] if len(rows) == 1 else None
        return int(row[0]) if row else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")



# Chat messages that carry an answer, created on first use by `link_message`/`message_question`.
_MESSAGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    platform TEXT NOT NULL,
    conversation TEXT NOT NULL,
    message_id TEXT NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    sent_at TEXT NOT NULL,
    PRIMARY KEY (platform, conversation, message_id)
);
"""

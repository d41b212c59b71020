"""The record of every question, answer, vote and platform event: the only module that knows SQL.

SQLite by default (one file); a `postgresql://` URL selects PostgreSQL through a psycopg 3 connection
pool, so several replicas share one store. The schema comes from `migrations.py`, applied on open.
Everything that must hold across replicas is decided inside the database, in one transaction each:
an event is handled once, a person's requests per minute are counted, a person has one vote per answer.

Durability: a question is flushed to disk before its event is acknowledged, and so are votes, verified
answers and suggestions. The bookkeeping written on every answer (the answer kept, the question marked
done, the request counted, the message linked) is committed without waiting for the disk: a crash of
the process loses none of it, and a power cut can lose only the last moments of it, which the flushed
question then recovers (it is answered again). One flush per answer instead of five.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Protocol

from pydantic import BaseModel

from .errors import StoreError
from .migrations import MIGRATIONS
from .models import Answer, Suggestion, Verdict, VerifiedAnswer

log = logging.getLogger(__name__)

VOTES = ("up", "down")


class Asked(BaseModel):
    """A question as a platform delivered it, before it is answered."""

    question: str
    platform: str
    user_id: str | None = None
    channel: str | None = None
    thread: str | None = None
    private: bool = False
    event_id: str | None = None


class Received(BaseModel):
    """A recorded question this process now holds the lease to answer (and its answer, once saved)."""

    question_id: int
    asked: Asked
    asked_at: float  # seconds since the epoch
    answer: Answer | None = None


class StoredQuestion(BaseModel):
    id: int
    asked_at: str
    platform: str
    user_id: str | None
    channel: str | None
    question: str
    status: str
    answer: Answer | None


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


# ------------------------------------------------------------------------------------ databases


class _Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class _Session:
    """One transaction: `execute` takes SQL with `?` placeholders on either database."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self._connection, self.dialect = connection, dialect

    def execute(self, sql: str, args: tuple = ()) -> _Cursor:
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        return self._connection.execute(sql, args)

    def lock(self, name: str) -> None:
        """Serialise transactions that take the same named lock (SQLite's writers are serialised anyway)."""
        if self.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (name,))


class _SQLite:
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        if path.is_dir():
            raise StoreError(f"The database path {path} is a folder; set POLICY_ASSISTANT_DB_PATH to a file.")
        if path.parent.exists() and not path.parent.is_dir():
            raise StoreError(f"The database path {path} is inside {path.parent}, which is a file, not a folder.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the database folder {path.parent}: {exc.strerror}.") from None
        self._idle: list[tuple[sqlite3.Connection, tuple[int, int] | None]] = []  # with the file they opened
        self._pool_lock = threading.Lock()
        self._closed = False
        self._use_wal()

    def _use_wal(self) -> None:
        """Switch a new database to write-ahead logging. The switch needs the file to itself, and SQLite
        answers "locked" at once, without waiting, while another process or thread is migrating it; so
        it is tried again for up to 30 seconds, as the busy timeout would."""
        deadline = time.monotonic() + 30
        with _writers(self.path):
            connection, identity = self._connection()
            try:
                while True:
                    try:
                        connection.execute("PRAGMA journal_mode=WAL")
                        break
                    except sqlite3.Error as exc:
                        busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))
                        if not busy or time.monotonic() > deadline:
                            raise StoreError(_sqlite_problem(self.path, exc)) from None
                        time.sleep(0.05)
            except BaseException:
                connection.close()
                raise
            self._release(connection, identity, healthy=True)

    @contextmanager
    def transaction(self, write: bool = True, durable: bool = True) -> Iterator[_Session]:
        with _writers(self.path) if write else nullcontext():
            connection, identity = self._connection()
            healthy = False
            try:
                if write:
                    connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                    connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlocks
                yield _Session(connection, self.dialect)
                if connection.in_transaction:
                    connection.execute("COMMIT")
                healthy = True
            except BaseException as exc:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                    healthy = not isinstance(exc, sqlite3.Error)
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(_sqlite_problem(self.path, exc)) from None
                raise
            finally:
                self._release(connection, identity, healthy)

    def _connection(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        """An idle connection to the file now at the path, or a new one; with that file's identity.

        Connections are kept open between transactions: closing the last one makes SQLite checkpoint
        (and flush) its whole log, which cost more than the work itself. If the file at the path is
        no longer the one they opened (moved, replaced), they are dropped and the path opened anew.
        """
        identity = self._identity()
        with self._pool_lock:
            if self._idle and self._idle[-1][1] == identity:
                return self._idle.pop()
            stale, self._idle = self._idle, []
        for connection, _ in stale:
            connection.close()
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the database {self.path}: {exc}.") from None
        return connection, self._identity()

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _release(self, connection: sqlite3.Connection, identity: tuple[int, int] | None, healthy: bool) -> None:
        with self._pool_lock:
            if healthy and identity is not None and not self._closed and len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append((connection, identity))
                return
        connection.close()

    def close(self) -> None:
        with self._pool_lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection, _ in idle:
            connection.close()

    def describe(self) -> str:
        return f"SQLite {self.path}"


IDLE_CONNECTIONS = 8  # SQLite connections kept open for the next transactions
_WRITERS: dict[Path, threading.Lock] = {}
_WRITERS_LOCK = threading.Lock()


def _writers(path: Path) -> threading.Lock:
    """One lock per database file for this process's writers: they queue in turn, instead of polling
    SQLite's busy handler, whose growing sleeps make the tail of a burst wait far longer than needed."""
    with _WRITERS_LOCK:
        return _WRITERS.setdefault(path, threading.Lock())


def _sqlite_problem(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text:
        return f"The database file {path} is not a SQLite database (move it aside or point POLICY_ASSISTANT_DB_PATH elsewhere)."
    if "readonly" in text or "read-only" in text:
        return f"The database file {path} cannot be written (check its permissions and its folder's)."
    if "unable to open" in text:
        return f"Cannot open the database file {path} (check that its folder exists and is writable)."
    return f"The database {path} failed: {text}."


class _PostgreSQL:
    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._errors = psycopg.Error
        self._where = _redacted(url)
        try:
            psycopg.connect(url, connect_timeout=10).close()  # fail fast, with the server's reason
        except Exception as exc:  # psycopg.Error, or a malformed URL
            raise StoreError(f"Cannot connect to PostgreSQL at {self._where}: {_first_line(exc)}") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, timeout=30,
                                   kwargs={"connect_timeout": 10})
        try:
            self.pool.open(wait=True, timeout=30)
        except Exception as exc:  # the pool's timeout
            self.pool.close()
            raise StoreError(f"Cannot connect to PostgreSQL at {self._where}: {_first_line(exc)}") from None

    @contextmanager
    def transaction(self, write: bool = True, durable: bool = True) -> Iterator[_Session]:
        try:
            with self.pool.connection() as connection:  # commits on success, rolls back on an error
                if write and not durable:
                    connection.execute("SET LOCAL synchronous_commit TO OFF")
                yield _Session(connection, self.dialect)
        except self._errors as exc:
            raise StoreError(f"PostgreSQL at {self._where} failed: {_first_line(exc)}") from None

    def close(self) -> None:
        self.pool.close()

    def describe(self) -> str:
        return f"PostgreSQL {self._where}"


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':')[0]}@{host}" if at else url


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# ------------------------------------------------------------------------------------ the store


class Store:
    """Questions, answers, feedback, events and request counts, on SQLite or PostgreSQL."""

    def __init__(self, target: Path | str, pool_size: int = 10) -> None:
        """`target`: a SQLite file path, or a `postgresql://` URL."""
        if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
            self._db: _SQLite | _PostgreSQL = _PostgreSQL(target, pool_size)
            self.path: Path | None = None
        else:
            self._db = _SQLite(Path(target))
            self.path = Path(target)
        self.dialect = self._db.dialect
        self.migrate()

    def __repr__(self) -> str:
        return f"Store({self._db.describe()})"

    def close(self) -> None:
        """Close the PostgreSQL connection pool (SQLite holds nothing open between calls)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------------------- schema

    def migrate(self) -> list[int]:
        """Apply the migrations this database has not had yet; returns their numbers."""
        applied: list[int] = []
        with self._db.transaction() as db:
            db.lock("policy-assistant migrations")  # replicas starting together migrate one at a time
            db.execute("CREATE TABLE IF NOT EXISTS migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                       " applied_at TEXT NOT NULL)")
            done = {row[0] for row in db.execute("SELECT number FROM migrations").fetchall()}
            for migration in MIGRATIONS:
                if migration.number in done:
                    continue
                for statement in migration.sql(self.dialect):
                    db.execute(statement)
                db.execute("INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
                           (migration.number, migration.name, _now()))
                applied.append(migration.number)
        for number in applied:
            log.info("Database %s: applied migration %d", self._db.describe(), number)
        return applied

    def migrations(self) -> list[int]:
        """The numbers of the migrations recorded in the database."""
        with self._db.transaction(write=False) as db:
            return [row[0] for row in db.execute("SELECT number FROM migrations ORDER BY number").fetchall()]

    def ping(self) -> None:
        """Raise StoreError unless the database answers."""
        with self._db.transaction(write=False) as db:
            db.execute("SELECT 1").fetchone()

    # --------------------------------------------------------------------------- questions

    def receive(self, asked: Asked, lease_seconds: float) -> Received | None:
        """Record a question before it is acknowledged; None if its event is answered or being answered.

        A question whose event was recorded before but never answered, and whose lease ran out (its
        process died), is handed over again: only answered events are duplicates.
        """
        now = time.time()
        with self._db.transaction() as db:
            if asked.event_id:
                inserted = db.execute("INSERT INTO events (event_id, seen_at, status, lease_until) VALUES (?,?,?,?)"
                                      " ON CONFLICT (event_id) DO NOTHING", (asked.event_id, now, "pending",
                                                                             now + lease_seconds)).rowcount
                if not inserted:
                    return self._take_over(db, asked.event_id, now, lease_seconds)
            question_id = db.execute(
                "INSERT INTO questions (asked_at, platform, user_id, channel, thread, private, event_id, question,"
                " status, lease_until) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (_now(), asked.platform, asked.user_id, asked.channel, asked.thread, int(asked.private),
                 asked.event_id, asked.question, "pending", now + lease_seconds)).fetchone()[0]
            if asked.event_id:
                db.execute("UPDATE events SET question_id=? WHERE event_id=?", (question_id, asked.event_id))
        return Received(question_id=question_id, asked=asked, asked_at=now)

    def _take_over(self, db: _Session, event_id: str, now: float, lease_seconds: float) -> Received | None:
        row = db.execute("SELECT status, lease_until, question_id FROM events WHERE event_id=?", (event_id,)).fetchone()
        if row is None or row[0] != "pending" or (row[1] or 0) > now or row[2] is None:
            return None
        taken = db.execute("UPDATE events SET lease_until=? WHERE event_id=? AND status='pending' AND lease_until=?",
                           (now + lease_seconds, event_id, row[1])).rowcount
        if not taken:
            return None
        return self._lease_question(db, row[2], now, lease_seconds, expected=None)

    def _lease_question(self, db: _Session, question_id: int, now: float, lease_seconds: float,
                        expected: float | None) -> Received | None:
        """Take the lease of a pending question (if `expected` is given, only if nobody renewed it since)."""
        sql, args = "UPDATE questions SET lease_until=? WHERE id=? AND status='pending'", (now + lease_seconds, question_id)
        if expected is not None:
            sql, args = sql + " AND lease_until=?", (*args, expected)
        if not db.execute(sql, args).rowcount:
            return None
        row = db.execute("SELECT question, platform, user_id, channel, thread, private, event_id, answer_json,"
                         " asked_at FROM questions WHERE id=?", (question_id,)).fetchone()
        asked = Asked(question=row[0], platform=row[1], user_id=row[2], channel=row[3], thread=row[4],
                      private=bool(row[5]), event_id=row[6])
        return Received(question_id=question_id, asked=asked, asked_at=datetime.fromisoformat(row[8]).timestamp(),
                        answer=Answer.model_validate_json(row[7]) if row[7] else None)

    def overdue(self, platform: str, lease_seconds: float, limit: int = 100) -> list[Received]:
        """Pending questions of a platform whose lease ran out (their process died), leased to the caller."""
        now = time.time()
        taken: list[Received] = []
        with self._db.transaction() as db:
            rows = db.execute("SELECT id, lease_until FROM questions WHERE status='pending' AND platform=?"
                              " AND lease_until < ? ORDER BY id LIMIT ?", (platform, now, limit)).fetchall()
            for question_id, lease_until in rows:
                received = self._lease_question(db, question_id, now, lease_seconds, expected=lease_until)
                if received is not None:
                    taken.append(received)
                    if received.asked.event_id:
                        db.execute("UPDATE events SET lease_until=? WHERE event_id=?",
                                   (now + lease_seconds, received.asked.event_id))
        return taken

    def save_answer(self, question_id: int, answer: Answer) -> None:
        """Keep the answer of a pending question (it stays pending until it is delivered)."""
        top = answer.citations[0].source if answer.citations else None
        with self._db.transaction(durable=False) as db:
            db.execute("UPDATE questions SET answered=?, verdict=?, confidence=?, latency_ms=?, top_source=?,"
                       " answer_json=? WHERE id=?", (int(answer.answered), answer.verdict.value, answer.confidence,
                                                     answer.latency_ms, top, answer.model_dump_json(), question_id))

    def finish(self, question_id: int, status: str = "answered") -> None:
        """Mark a question answered (delivered) or abandoned, and its event done."""
        if status not in ("answered", "abandoned"):
            raise ValueError(status)
        with self._db.transaction(durable=False) as db:
            db.execute("UPDATE questions SET status=?, answered_at=?, lease_until=NULL WHERE id=?",
                       (status, _now(), question_id))
            db.execute("UPDATE events SET status='done', lease_until=NULL WHERE question_id=?", (question_id,))

    def record_answer(self, answer: Answer, platform: str, user_id: str | None = None,
                      channel: str | None = None) -> int:
        """Store an already answered question in one step; returns the id feedback refers to."""
        received = self.receive(Asked(question=answer.question, platform=platform, user_id=user_id, channel=channel),
                                lease_seconds=60)
        assert received is not None  # without an event id a question is always new
        self.save_answer(received.question_id, answer)
        self.finish(received.question_id)
        return received.question_id

    def question(self, question_id: int) -> StoredQuestion | None:
        found = self._questions("WHERE id=?", (question_id,))
        return found[0] if found else None

    def questions(self, platform: str | None = None, status: str | None = None) -> list[StoredQuestion]:
        clauses, args = [], []
        if platform:
            clauses.append("platform=?")
            args.append(platform)
        if status:
            clauses.append("status=?")
            args.append(status)
        return self._questions(("WHERE " + " AND ".join(clauses)) if clauses else "", tuple(args))

    def _questions(self, where: str, args: tuple) -> list[StoredQuestion]:
        with self._db.transaction(write=False) as db:
            rows = db.execute("SELECT id, asked_at, platform, user_id, channel, question, status, answer_json"
                              f" FROM questions {where} ORDER BY id", args).fetchall()
        return [StoredQuestion(id=r[0], asked_at=r[1], platform=r[2], user_id=r[3], channel=r[4], question=r[5],
                               status=r[6], answer=Answer.model_validate_json(r[7]) if r[7] else None) for r in rows]

    def gaps(self, limit: int = 20) -> list[Gap]:
        """Unanswered questions, most asked first: where the policies are silent."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT lower(trim(question)) AS q, count(*), max(asked_at), min(question) FROM questions"
                " WHERE answered=0 GROUP BY lower(trim(question)) ORDER BY count(*) DESC, max(asked_at) DESC LIMIT ?",
                (limit,)).fetchall()
        return [Gap(question=r[3], times=r[1], last_asked=r[2]) for r in rows]

    # --------------------------------------------------------------------------- events and limits

    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen (a platform's retry reuses it), False afterwards."""
        with self._db.transaction(durable=False) as db:
            return db.execute("INSERT INTO events (event_id, seen_at, status) VALUES (?,?,?)"
                              " ON CONFLICT (event_id) DO NOTHING", (event_id, time.time(), "done")).rowcount == 1

    def count_request(self, requester: str, kind: str, limit: int, window: float = 60.0) -> float | None:
        """Count one request unless `requester` made `limit` in the last `window` seconds.

        Returns None when counted, else the seconds until the oldest of those leaves the window.
        """
        now = time.time()
        with self._db.transaction(durable=False) as db:
            db.lock(f"requests:{requester}")
            rows = db.execute("SELECT at FROM requests WHERE requester=? AND at > ? ORDER BY at DESC LIMIT ?",
                              (requester, now - window, limit)).fetchall()
            if len(rows) >= limit:
                return max(rows[-1][0] + window - now, 0.0)
            db.execute("INSERT INTO requests (requester, kind, at) VALUES (?,?,?)", (requester, kind, now))
        return None

    def prune(self, event_retention: float, request_window: float = 60.0) -> int:
        """Forget handled events older than `event_retention` seconds and requests out of the window."""
        now = time.time()
        with self._db.transaction(durable=False) as db:
            events = db.execute("DELETE FROM events WHERE status='done' AND seen_at < ?", (now - event_retention,)).rowcount
            db.execute("DELETE FROM requests WHERE at < ?", (now - 2 * request_window,))
        return events

    def event_count(self) -> int:
        with self._db.transaction(write=False) as db:
            return int(db.execute("SELECT count(*) FROM events").fetchone()[0])

    # --------------------------------------------------------------------------- feedback

    def record_feedback(self, question_id: int, rating: str, platform: str, user_id: str | None = None,
                        comment: str | None = None) -> bool:
        """Store 👍 ('up'), 👎 ('down') or a request for help ('help'); False if the question is unknown.

        A person has one vote per answer: voting again replaces their vote (and its comment).
        """
        with self._db.transaction() as db:
            if db.execute("SELECT 1 FROM questions WHERE id=?", (question_id,)).fetchone() is None:
                return False
            sql = ("INSERT INTO feedback (question_id, given_at, platform, user_id, rating, comment) VALUES (?,?,?,?,?,?)")
            if rating in VOTES:
                sql += (" ON CONFLICT (question_id, platform, user_id) WHERE rating IN ('up', 'down')"
                        " DO UPDATE SET rating=excluded.rating, comment=excluded.comment, given_at=excluded.given_at")
            db.execute(sql, (question_id, _now(), platform, user_id, rating, comment))
        return True

    def feedback(self, question_id: int | None = None) -> list[Feedback]:
        sql = "SELECT question_id, platform, user_id, rating, comment, given_at FROM feedback"
        args: tuple = ()
        if question_id is not None:
            sql, args = sql + " WHERE question_id=?", (question_id,)
        with self._db.transaction(write=False) as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [Feedback(question_id=r[0], platform=r[1], user_id=r[2], rating=r[3], comment=r[4], given_at=r[5])
                for r in rows]

    def stats(self) -> dict[str, float]:
        with self._db.transaction(write=False) as db:
            total, answered = db.execute("SELECT count(*), coalesce(sum(answered), 0) FROM questions"
                                         " WHERE status='answered'").fetchone()
            up, down = db.execute("SELECT coalesce(sum(CASE WHEN rating='up' THEN 1 ELSE 0 END), 0),"
                                  " coalesce(sum(CASE WHEN rating='down' THEN 1 ELSE 0 END), 0) FROM feedback").fetchone()
        return {"questions": total, "answered": answered, "thumbs_up": up, "thumbs_down": down}

    # --------------------------------------------------------------------------- chat messages

    def link_message(self, platform: str, conversation: str, message_id: str, question_id: int) -> None:
        """Remember that a sent chat message answers a question (Teams' 👍/👎 names only the message)."""
        with self._db.transaction(durable=False) as db:
            db.execute("INSERT INTO messages (platform, conversation, message_id, question_id, sent_at)"
                       " VALUES (?,?,?,?,?) ON CONFLICT (platform, conversation, message_id)"
                       " DO UPDATE SET question_id=excluded.question_id, sent_at=excluded.sent_at",
                       (platform, conversation, message_id, question_id, _now()))

    def message_question(self, platform: str, conversation: str, message_id: str) -> int | None:
        """The question a sent chat message answers, or None if the message is unknown."""
        with self._db.transaction(write=False) as db:
            row = db.execute("SELECT question_id FROM messages WHERE platform=? AND conversation=? AND message_id=?",
                             (platform, conversation, message_id)).fetchone()
            if row is None:  # the same message under another conversation id (e.g. a channel thread's suffix)
                rows = db.execute("SELECT DISTINCT question_id FROM messages WHERE platform=? AND message_id=?",
                                  (platform, message_id)).fetchall()
                row = rows[0] if len(rows) == 1 else None
        return int(row[0]) if row else None

    # --------------------------------------------------------------------------- owners' chats

    def save_owner_chat(self, platform: str, owner_id: str, reference: dict) -> None:
        """Where a policy owner can be messaged unprompted (a Teams conversation reference), replacing the last."""
        with self._db.transaction() as db:
            db.execute("INSERT INTO owner_chats (platform, owner_id, reference, saved_at) VALUES (?,?,?,?)"
                       " ON CONFLICT (platform, owner_id) DO UPDATE SET reference=excluded.reference,"
                       " saved_at=excluded.saved_at", (platform, owner_id, json.dumps(reference), _now()))

    def owner_chats(self, platform: str) -> dict[str, dict]:
        """Each owner's saved chat on a platform, by owner id."""
        with self._db.transaction(write=False) as db:
            rows = db.execute("SELECT owner_id, reference FROM owner_chats WHERE platform=?", (platform,)).fetchall()
        return {str(owner): json.loads(reference) for owner, reference in rows}

    # --------------------------------------------------------------------------- verified answers

    def add_verified(self, answer: VerifiedAnswer) -> VerifiedAnswer:
        """Store a verified answer; the same clause verified again gains the new example questions."""
        now, changed = _now(), _changed()
        verdict = answer.verdict.value if answer.verdict else None
        with self._db.transaction() as db:
            db.lock("verified_answers")
            row = db.execute("SELECT id FROM verified_answers WHERE source=? AND quote=? AND suspended IS NULL",
                             (answer.source, answer.quote)).fetchone()
            if row is None:
                row = db.execute(
                    "INSERT INTO verified_answers (source, quote, verdict, verified_by, owner_id, platform,"
                    " verified_at, changed_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                    (answer.source, answer.quote, verdict, answer.verified_by, answer.owner_id, answer.platform,
                     answer.verified_at or now, changed)).fetchone()
            else:
                db.execute("UPDATE verified_answers SET changed_at=?, verdict=coalesce(?, verdict) WHERE id=?",
                           (changed, verdict, row[0]))
            verified_id = int(row[0])
            for question in answer.questions:
                db.execute("INSERT INTO verified_questions (verified_id, question) VALUES (?,?)"
                           " ON CONFLICT (verified_id, question) DO NOTHING", (verified_id, question))
        found = self.verified_answer(verified_id)
        assert found is not None  # just written
        return found

    def verified_answer(self, verified_id: int) -> VerifiedAnswer | None:
        found = self._verified("WHERE id=?", (verified_id,))
        return found[0] if found else None

    def verified_answers(self, include_suspended: bool = True) -> list[VerifiedAnswer]:
        """Every verified answer, oldest first, with its example questions."""
        return self._verified("" if include_suspended else "WHERE suspended IS NULL", ())

    def _verified(self, where: str, args: tuple) -> list[VerifiedAnswer]:
        with self._db.transaction(write=False) as db:
            rows = db.execute("SELECT id, source, quote, verdict, verified_by, owner_id, platform, verified_at,"
                              f" suspended FROM verified_answers {where} ORDER BY id", args).fetchall()
            questions: dict[int, list[str]] = {}
            for verified_id, question in db.execute(
                    "SELECT verified_id, question FROM verified_questions ORDER BY id").fetchall():
                questions.setdefault(verified_id, []).append(question)
        return [VerifiedAnswer(id=r[0], source=r[1], quote=r[2], verdict=Verdict(r[3]) if r[3] else None,
                               verified_by=r[4], owner_id=r[5], platform=r[6], verified_at=r[7], suspended=r[8],
                               questions=questions.get(r[0]) or ["?"]) for r in rows]

    def remove_verified(self, verified_id: int) -> bool:
        with self._db.transaction() as db:
            db.execute("DELETE FROM verified_questions WHERE verified_id=?", (verified_id,))
            return db.execute("DELETE FROM verified_answers WHERE id=?", (verified_id,)).rowcount == 1

    def suspend_verified(self, verified_id: int, reason: str) -> None:
        """Stop using a verified answer (its quote left the policy); `verified list` shows why."""
        with self._db.transaction() as db:
            db.execute("UPDATE verified_answers SET suspended=?, changed_at=? WHERE id=?",
                       (reason, _changed(), verified_id))

    def verified_version(self) -> str:
        """Changes whenever a verified answer is added, changed or removed (cheap to poll before answering)."""
        with self._db.transaction(write=False) as db:
            count, changed = db.execute("SELECT count(*), max(changed_at) FROM verified_answers").fetchone()
            questions = db.execute("SELECT count(*) FROM verified_questions").fetchone()[0]
        return f"{count}:{questions}:{changed}"

    def add_suggestion(self, suggestion: Suggestion) -> Suggestion:
        """File a clause someone said answered them, for an owner to accept or reject."""
        with self._db.transaction() as db:
            row = db.execute("INSERT INTO suggestions (question_id, question, source, quote, suggested_by, platform,"
                             " suggested_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                             (suggestion.question_id, suggestion.question, suggestion.source, suggestion.quote,
                              suggestion.suggested_by, suggestion.platform, _now())).fetchone()
        return self._suggestions("WHERE id=?", (int(row[0]),))[0]

    def suggestions(self, status: str | None = "pending") -> list[Suggestion]:
        return self._suggestions("WHERE status=?", (status,)) if status else self._suggestions("", ())

    def _suggestions(self, where: str, args: tuple) -> list[Suggestion]:
        with self._db.transaction(write=False) as db:
            rows = db.execute("SELECT id, question_id, question, source, quote, suggested_by, platform, suggested_at,"
                              f" status, decided_by FROM suggestions {where} ORDER BY id", args).fetchall()
        return [Suggestion(id=r[0], question_id=r[1], question=r[2], source=r[3], quote=r[4], suggested_by=r[5],
                           platform=r[6], suggested_at=r[7], status=r[8], decided_by=r[9]) for r in rows]

    def decide_suggestion(self, suggestion_id: int, status: str, decided_by: str) -> Suggestion | None:
        """Mark a pending suggestion accepted or rejected; None when it is unknown or already decided."""
        with self._db.transaction() as db:
            changed = db.execute("UPDATE suggestions SET status=?, decided_by=? WHERE id=? AND status='pending'",
                                 (status, decided_by, suggestion_id)).rowcount
        return self._suggestions("WHERE id=?", (suggestion_id,))[0] if changed == 1 else None


def _changed() -> str:
    """A change stamp precise enough that two changes in one second still differ."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

"""The store on real SQLite and real PostgreSQL: migrations, de-duplication, leases, rate limits, votes."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.errors import StoreError
from assistant.migrations import MIGRATIONS
from assistant.models import Answer, Verdict
from assistant.settings import Settings
from assistant.store import Asked, Store


def _answer(question: str, answered: bool = True) -> Answer:
    return Answer(question=question, answered=answered, verdict=Verdict.information, verdict_line="x",
                  contact="the head", confidence=0.5, latency_ms=12.0)


def _asked(event_id: str | None = None, user: str = "U1", question: str = "Can I?") -> Asked:
    return Asked(question=question, platform="slack", user_id=user, channel="C1", thread="1.2", event_id=event_id)


# ------------------------------------------------------------------------------------ schema


def test_migrations_are_numbered_in_order_and_recorded_once(open_store):
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    store = open_store()
    assert store.migrations() == [m.number for m in MIGRATIONS]
    again = open_store()  # a second process (replica) opening the same database
    assert again.migrate() == [] and again.migrations() == store.migrations()


def test_replicas_starting_together_migrate_once(open_store):
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(2), range(4)))
    assert all(s.migrations() == [m.number for m in MIGRATIONS] for s in stores)


def test_an_answered_question_finds_its_event_without_reading_every_event(tmp_path):
    store = Store(tmp_path / "s.db")
    for n in range(50):
        received = store.receive(_asked(f"Ev{n}"), lease_seconds=60)
        assert received is not None
    store.finish(received.question_id)
    with sqlite3.connect(tmp_path / "s.db") as db:
        plan = " ".join(str(row) for row in db.execute(
            "EXPLAIN QUERY PLAN UPDATE events SET status='done', lease_until=NULL WHERE question_id=?", (1,)))
        assert "USING INDEX events_question" in plan
        assert db.execute("SELECT status FROM events WHERE event_id='Ev49'").fetchone() == ("done",)
        assert db.execute("SELECT count(*) FROM events WHERE status='pending'").fetchone() == (49,)


def test_a_database_from_before_migrations_is_upgraded_keeping_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, asked_at TEXT NOT NULL, platform TEXT NOT NULL,
            user_id TEXT, channel TEXT, question TEXT NOT NULL, answered INTEGER NOT NULL, verdict TEXT NOT NULL,
            confidence REAL NOT NULL, latency_ms REAL NOT NULL, top_source TEXT, answer_json TEXT NOT NULL);
        CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, question_id INTEGER NOT NULL REFERENCES questions(id),
            given_at TEXT NOT NULL, platform TEXT NOT NULL, user_id TEXT,
            rating TEXT NOT NULL CHECK (rating IN ('up', 'down', 'help')), comment TEXT);
        CREATE TABLE events (event_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
    """)
    old.execute("INSERT INTO questions VALUES (7, '2026-01-01T00:00:00+00:00', 'slack', 'U1', 'C1', 'Leave?', 0,"
                " 'information', 0.1, 5, NULL, ?)", (_answer("Leave?", answered=False).model_dump_json(),))
    old.executemany("INSERT INTO feedback (question_id, given_at, platform, user_id, rating) VALUES (7, 'x', 'slack', ?, ?)",
                    [("U1", "up"), ("U1", "down"), ("U1", "help"), ("U2", "up")])
    old.commit()
    old.close()
    store = Store(path)
    [question] = store.questions()
    assert (question.id, question.status, question.answer.question) == (7, "answered", "Leave?")
    assert sorted((f.user_id, f.rating) for f in store.feedback(7)) == [("U1", "down"), ("U1", "help"), ("U2", "up")]
    assert [g.question for g in store.gaps()] == ["Leave?"]
    assert store.record_answer(_answer("Next?"), "slack") == 8  # ids go on after the old ones


# ------------------------------------------------------------------------------------ questions and events


def test_an_event_is_handed_out_once_and_only_answered_events_are_duplicates(open_store):
    store = open_store()
    first = store.receive(_asked("Ev1"), lease_seconds=0.5)
    assert first is not None and first.asked.event_id == "Ev1"
    assert store.receive(_asked("Ev1"), lease_seconds=0.5) is None, "in hand elsewhere: not a second answer"
    time.sleep(0.7)  # the process holding it died: its lease ran out
    retry = store.receive(_asked("Ev1"), lease_seconds=30)
    assert retry is not None and retry.question_id == first.question_id, "a retry of an unanswered event is answered"
    store.save_answer(retry.question_id, _answer("Can I?"))
    store.finish(retry.question_id)
    time.sleep(0.1)
    assert store.receive(_asked("Ev1"), lease_seconds=0.01) is None
    [stored] = store.questions()
    assert stored.status == "answered" and stored.answer is not None


def test_the_same_event_on_two_replicas_at_once_is_taken_by_one(open_store):
    replicas = [open_store(4), open_store(4)]
    barrier = threading.Barrier(8)

    def deliver(i: int):
        barrier.wait()
        return replicas[i % 2].receive(_asked("EvSame"), lease_seconds=30)

    with ThreadPoolExecutor(8) as pool:
        taken = [r for r in pool.map(deliver, range(8)) if r is not None]
    assert len(taken) == 1
    assert len(replicas[0].questions()) == 1


def test_overdue_questions_are_leased_to_exactly_one_replica(open_store):
    store = open_store()
    ids = [store.receive(_asked(f"Ev{i}"), lease_seconds=0.2).question_id for i in range(6)]
    time.sleep(0.4)
    replicas = [open_store(2) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        taken = [r.question_id for batch in pool.map(lambda s: s.overdue("slack", 30), replicas) for r in batch]
    assert sorted(taken) == ids
    assert store.overdue("slack", 30) == [], "leased again: nobody else takes them"
    assert store.overdue("teams", 30) == []


def test_handled_event_ids_are_pruned_but_pending_ones_kept(open_store):
    store = open_store()
    assert store.claim_event("EvOld") and not store.claim_event("EvOld")
    store.receive(_asked("EvPending"), lease_seconds=30)
    time.sleep(0.3)
    assert store.prune(event_retention=0.1) == 1
    assert store.event_count() == 1
    assert store.claim_event("EvOld"), "forgotten after the retention period"


# ------------------------------------------------------------------------------------ limits and votes


def test_requests_of_every_kind_share_one_limit_across_replicas(open_store):
    a, b = open_store(), open_store()
    kinds = ["question", "lookup", "more", "question"]
    assert [(a if i % 2 else b).count_request("slack:U1", kind, limit=4) for i, kind in enumerate(kinds)] == [None] * 4
    wait = a.count_request("slack:U1", "lookup", limit=4)
    assert wait is not None and 55 < wait <= 60
    assert b.count_request("slack:U2", "question", limit=4) is None, "another person has their own limit"


def test_concurrent_requests_never_exceed_the_limit(open_store):
    replicas = [open_store(5), open_store(5)]
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda i: replicas[i % 2].count_request("slack:burst", "question", limit=7), range(30)))
    assert sum(r is None for r in results) == 7


def test_one_vote_per_person_per_answer_the_last_counts(open_store):
    store = open_store()
    qid = store.record_answer(_answer("Can I?"), "slack", user_id="U1")
    for rating in ("up", "up", "down"):
        assert store.record_feedback(qid, rating, "slack", user_id="U9")
    store.record_feedback(qid, "up", "slack", user_id="U8")
    store.record_feedback(qid, "help", "slack", user_id="U9")
    store.record_feedback(qid, "help", "slack", user_id="U9")
    assert sorted((f.user_id, f.rating) for f in store.feedback(qid)) == [
        ("U8", "up"), ("U9", "down"), ("U9", "help"), ("U9", "help")]
    assert not store.record_feedback(qid + 100, "up", "slack", user_id="U9")
    assert store.stats() == {"questions": 1, "answered": 1, "thumbs_up": 1, "thumbs_down": 1}


# ------------------------------------------------------------------------------------ bad places


@pytest.mark.parametrize("place", ["folder", "garbage", "under_a_file", "unwritable"])
def test_an_unusable_database_path_is_one_clear_line(tmp_path, monkeypatch, place):
    path = {"folder": tmp_path, "garbage": tmp_path / "junk.db", "under_a_file": tmp_path / "junk.db" / "x.db",
            "unwritable": __import__("pathlib").Path("/sys/policy-assistant-test.db")}[place]
    (tmp_path / "junk.db").write_bytes(b"\x00\xffnot sqlite at all" * 500)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)

    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["gaps"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1


def test_an_unreachable_postgresql_is_one_clear_line_without_the_password():
    with pytest.raises(StoreError) as caught:
        Store("postgresql://someone:hunter2@127.0.0.1:1/nowhere")
    assert "hunter2" not in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith("Cannot connect to PostgreSQL at postgresql://someone@127.0.0.1:1/nowhere")


def test_paths_are_resolved_once_against_home_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, home=tmp_path / "school", db_path="data/answers.db")
    assert settings.corpus_dir == tmp_path / "school" / "policy_corpus"
    assert settings.index_dir == tmp_path / "school" / "index"
    assert settings.db_path == tmp_path / "school" / "data" / "answers.db"
    assert settings.store_target() == settings.db_path
    monkeypatch.chdir("/")
    assert settings.db_path.is_absolute() and Settings(_env_file=None).corpus_dir.is_absolute()
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db/pa")
    url = Settings(_env_file=None)
    assert url.store_target() == "postgresql://u:hunter2@db/pa" and "hunter2" not in repr(url)


def test_an_owners_chat_is_kept_per_platform_and_replaced_by_the_latest(open_store):
    store = open_store()
    first = {"claims": {"aud": "bot"}, "conversation_reference": {"conversation": {"id": "a:1"}, "serviceUrl": "u/"}}
    later = {"claims": {}, "conversation_reference": {"conversation": {"id": "a:2"}, "serviceUrl": "v/"}}
    store.save_owner_chat("teams", "aad-olive", first)
    store.save_owner_chat("teams", "aad-owen", first)
    store.save_owner_chat("teams", "aad-olive", later)
    assert open_store().owner_chats("teams") == {"aad-olive": later, "aad-owen": first}  # as another replica sees it
    assert store.owner_chats("slack") == {}

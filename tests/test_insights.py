"""Grouping unanswered questions by topic, with the real model and a real SQLite store."""

from __future__ import annotations

from click.testing import CliRunner

from assistant.cli import main
from assistant.insights import unanswered_topics
from assistant.store import Store


def _record_unanswered(engine, store: Store, questions: list[str]) -> None:
    for question in questions:
        answer = engine.ask(question)
        assert not answer.answered, question
        store.record_answer(answer, "test")


LEAVE = ["How many days of annual leave do I get?", "How much annual leave am I entitled to?",
         "how many days of annual leave do I get?"]
EXPENSES = ["How do I claim back travel expenses?"]


def test_unanswered_questions_are_grouped_by_meaning(engine, embedder, tmp_path):
    store = Store(tmp_path / "gaps.db")
    _record_unanswered(engine, store, LEAVE + EXPENSES)
    topics = unanswered_topics(store.gaps(), embedder)
    assert [t.times for t in topics] == [3, 1]
    assert {q.question.lower() for q in topics[0].questions} == {q.lower() for q in LEAVE}
    assert topics[1].questions[0].question == EXPENSES[0]


def test_gaps_command(engine, tmp_path, monkeypatch):
    store = Store(tmp_path / "cli-gaps.db")
    _record_unanswered(engine, store, LEAVE + EXPENSES)
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(tmp_path / "cli-gaps.db"))
    result = CliRunner().invoke(main, ["gaps"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].strip().startswith("3×") and "annual leave" in lines[0]
    assert any("travel expenses" in line and line.strip().startswith("1×") for line in lines)

    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(tmp_path / "empty.db"))
    assert "No unanswered questions" in CliRunner().invoke(main, ["gaps"]).output

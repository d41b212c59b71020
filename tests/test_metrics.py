"""Metrics and per-answer log lines, from a real service (real engine, real SQLite store)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant.errors import QuestionError, RateLimited
from assistant.metrics import JsonLines, configure_logging, log_answer
from assistant.service import AnswerService
from assistant.store import Store

FRIENDS = "Can I accept a friend request from a parent?"
OFF_TOPIC = "What is the airspeed velocity of an unladen swallow?"


def _samples(page: bytes) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(page.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def service(settings, engine, tmp_path):
    return AnswerService(settings.model_copy(update={"rate_limit_per_minute": 4}), engine, Store(tmp_path / "m.db"))


def test_metrics_count_outcomes_latency_feedback_limits_and_the_index(service, engine):
    reply = service.answer(FRIENDS, "slack", user="U1")
    assert reply.answer.answered
    abstained = service.answer(OFF_TOPIC, "teams", user="U2")
    assert not abstained.answer.answered
    with pytest.raises(QuestionError):
        service.answer("", "slack", user="U3")
    service.feedback(reply.question_id, "up", "slack", user="U1")
    service.feedback(reply.question_id, "help", "slack", user="U1")
    service.lookup("photos", platform="slack", user="U1")
    service.more(reply.question_id, platform="slack", user="U1")
    service.lookup("photos", platform="slack", user="U1")
    with pytest.raises(RateLimited):
        service.lookup("photos", platform="slack", user="U1")

    page = service.metrics.render()
    samples = _samples(page)
    assert samples[("policy_assistant_questions_total", (("outcome", "answered"), ("platform", "slack")))] == 1
    assert samples[("policy_assistant_questions_total", (("outcome", "abstained"), ("platform", "teams")))] == 1
    assert samples[("policy_assistant_questions_total", (("outcome", "refused"), ("platform", "slack")))] == 1
    assert samples[("policy_assistant_answer_seconds_count", (("platform", "slack"),))] == 1
    latency = samples[("policy_assistant_answer_seconds_sum", (("platform", "slack"),))]
    assert latency == pytest.approx(reply.answer.latency_ms / 1000)
    assert samples[("policy_assistant_feedback_total", (("kind", "up"),))] == 1
    assert samples[("policy_assistant_feedback_total", (("kind", "help"),))] == 1
    assert samples[("policy_assistant_rate_limited_total", (("kind", "lookup"),))] == 1
    manifest = engine.index.manifest
    assert samples[("policy_assistant_index_info", (("build_id", manifest.build_id),))] == 1
    assert samples[("policy_assistant_index_clauses", ())] == manifest.clauses
    overdue = sum(d.overdue for d in engine.documents())
    assert overdue > 0 and samples[("policy_assistant_documents_overdue", ())] == overdue


def test_one_log_line_per_answer_without_the_question_unless_asked(service, engine, caplog):
    with caplog.at_level(logging.INFO, logger="assistant.answers"):
        reply = service.answer(FRIENDS, "slack", user="U1")
    [line] = [r for r in caplog.records if r.name == "assistant.answers"]
    text = line.getMessage()
    for part in ("platform=slack", "outcome=answered", f"build_id={engine.index.manifest.build_id}",
                 f"question_id={reply.question_id}", "latency_ms="):
        assert part in text
    assert "friend" not in text and line.levelno == logging.INFO
    caplog.clear()
    talkative = AnswerService(service.settings.model_copy(update={"log_questions": True}), engine, service.store)
    with caplog.at_level(logging.INFO, logger="assistant.answers"):
        talkative.answer(FRIENDS, "teams", user="U1")
    assert f'question="{FRIENDS}"' in caplog.text


def test_json_lines_carry_the_fields():
    configure_logging()  # the default level, as `serve` starts: the answer line shows
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("assistant.answers")
    logger.addHandler(handler)
    try:
        log_answer("slack", "abstained", 12.345, "b1d", 7)
        logging.getLogger("assistant.answers").warning("plain %s", "words")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["event"] == "answer" and (first["platform"], first["outcome"], first["latency_ms"],
                                           first["build_id"], first["question_id"]) == ("slack", "abstained", 12.3, "b1d", 7)
    assert "question" not in first and first["level"] == "info"
    assert second["message"] == "plain words" and second["level"] == "warning"

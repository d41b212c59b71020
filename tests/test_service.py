"""The service the edges call, with the real engine and a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import time

import pytest

from assistant.errors import QuestionError, RateLimited
from assistant.service import AnswerService, Asked

FRIENDS = "Can I accept a friend request from a parent?"


@pytest.fixture
def service(settings, engine, open_store):
    tuned = settings.model_copy(update={"rate_limit_per_minute": 1000, "question_lease_seconds": 0.3})
    return AnswerService(tuned, engine, open_store())


def test_a_question_is_recorded_before_it_is_answered(service):
    received = service.receive(Asked(question=FRIENDS, platform="slack", user_id="U1", channel="C1", event_id="Ev1"))
    [pending] = service.store.questions()
    assert (pending.id, pending.status, pending.question, pending.answer) == (received.question_id, "pending", FRIENDS, None)
    reply = service.reply(received)
    assert reply.answer.answered and service.store.question(reply.question_id).status == "pending"
    service.delivered(reply)
    assert service.store.question(reply.question_id).status == "answered"
    assert service.receive(Asked(question=FRIENDS, platform="slack", user_id="U1", event_id="Ev1")) is None


def test_a_question_it_cannot_take_is_closed_not_left_pending(service):
    received = service.receive(Asked(question="   ", platform="slack", user_id="U1"))
    with pytest.raises(QuestionError):
        service.reply(received)
    assert service.store.question(received.question_id).status == "answered"  # the person was told why
    assert service.store.overdue("slack", 30) == []


def test_recover_answers_what_a_dead_process_left_and_abandons_the_stale(service, caplog):
    left = service.receive(Asked(question=FRIENDS, platform="slack", user_id="U1", channel="C1", thread="9.1",
                                 event_id="EvLeft"))
    stale = service.receive(Asked(question=FRIENDS, platform="slack", user_id="U2", event_id="EvStale"))
    time.sleep(0.4)
    delivered = []
    old = service.settings.model_copy(update={"abandon_after_minutes": 1e-9})
    with caplog.at_level(logging.WARNING, logger="assistant.service"):
        assert AnswerService(old, service.engine, service.store).recover("slack", delivered.append) == 0
    assert f"Abandoned question {left.question_id}" in caplog.text
    assert f"Abandoned question {stale.question_id}" in caplog.text
    assert {q.status for q in service.store.questions()} == {"abandoned"}

    again = service.receive(Asked(question=FRIENDS, platform="slack", user_id="U3", channel="C9", thread="9.2",
                                  event_id="EvAgain"))
    time.sleep(0.4)
    assert service.recover("teams", delivered.append) == 0
    assert service.recover("slack", delivered.append) == 1
    [reply] = delivered
    assert reply.question_id == again.question_id and (reply.asked.channel, reply.asked.thread) == ("C9", "9.2")
    assert reply.answer.answered and service.store.question(again.question_id).status == "answered"


def test_a_failed_delivery_stays_pending_for_a_later_try(service):
    received = service.receive(Asked(question=FRIENDS, platform="slack", user_id="U1", event_id="EvFlaky"))
    time.sleep(0.4)

    def unreachable(reply):
        raise ConnectionError("Slack is down")

    assert service.recover("slack", unreachable) == 0
    assert service.store.question(received.question_id).status == "pending"
    time.sleep(0.4)
    sent = []
    assert service.recover("slack", sent.append) == 1 and sent[0].question_id == received.question_id


def test_every_kind_of_request_counts_against_one_limit_on_every_replica(settings, engine, open_store):
    limited = settings.model_copy(update={"rate_limit_per_minute": 3})
    one, two = (AnswerService(limited, engine, open_store()) for _ in range(2))
    reply = one.answer(FRIENDS, "slack", user="U-eager", channel="C1")
    two.lookup("friend request", platform="slack", user="U-eager")
    one.more(reply.question_id, platform="slack", user="U-eager")
    for call in (lambda: two.answer(FRIENDS, "slack", user="U-eager"),
                 lambda: one.lookup("photos", platform="slack", user="U-eager"),
                 lambda: two.more(reply.question_id, platform="slack", user="U-eager")):
        with pytest.raises(RateLimited) as limited_error:
            call()
        assert 50 <= limited_error.value.retry_after <= 61 and "try again in" in str(limited_error.value)
    assert one.lookup("photos", platform="teams", user="U-eager"), "another platform's person is someone else"
    assert [q.status for q in one.store.questions()] == ["answered", "abandoned"]


def test_votes_keep_the_last_per_person(service):
    reply = service.answer(FRIENDS, "teams", user="29:alice")
    for rating in ("up", "down", "up"):
        service.feedback(reply.question_id, rating, "teams", user="29:alice")
    assert [(f.rating, f.user_id) for f in service.store.feedback(reply.question_id)] == [("up", "29:alice")]

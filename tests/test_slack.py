"""The Slack bot end to end: the real bot (real engine, real store) over real HTTP and WebSocket,
against a local fake of Slack that records what the bot sends. Nothing of ours is mocked."""

from __future__ import annotations

import ast
import json
import re
import secrets
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import SecretStr

from assistant import slack_blocks
from assistant.cli import main
from assistant.errors import ConfigError
from assistant.models import Answer, Citation, Verdict
from assistant.service import AnswerService
from assistant.server import slack_serving
from assistant.slack_app import check_credentials, looks_like_question
from assistant.store import Store
from assistant.text import fold

from fake_slack import BOT_USER_ID, Call, FakeSocketMode, SlackSender
from serving_thread import ServingThread

ROOT = Path(__file__).resolve().parent.parent
SECRET = secrets.token_hex(16)
FRIENDS = "Can staff be friends with parents on Facebook?"


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def slack_settings(settings, fake, tmp_path_factory):
    return settings.model_copy(update={
        "slack_bot_token": SecretStr("xoxb-1-test"), "slack_app_token": SecretStr("xapp-1-test"),
        "slack_signing_secret": SecretStr(SECRET), "slack_api_url": fake.base_url,
        "db_path": tmp_path_factory.mktemp("slack") / "slack.db", "rate_limit_per_minute": 3,
        "channel_scopes": {"CNOPE": ["no-such-policy/*"], "CSOCIAL": ["glenmere-*"]}, "owners": ["UOLIVE"],
    })


@pytest.fixture(scope="module")
def service(slack_settings, engine):
    return AnswerService(slack_settings, engine, Store(slack_settings.db_path))


@pytest.fixture(scope="module")
def bot(slack_settings, service):
    with ServingThread(slack_serving(slack_settings, http=True, host="127.0.0.1", port=0), service) as running:
        yield running


@pytest.fixture(scope="module")
def slack(bot):
    return SlackSender(f"http://127.0.0.1:{bot.port}/slack/events", SECRET)


@pytest.fixture(scope="module")
def policy_text(settings) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in settings.corpus_dir.rglob("*.md"))


def mention(slack: SlackSender, text: str, channel: str = "C1", user: str | None = None,
            thread_ts: str | None = None, **kwargs) -> str:
    """An @mention from `user` (by default a new user each time, so the rate limit stays out of the way)."""
    ts = slack.next_ts()
    user = user or f"U{ts.replace('.', '')}"
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
             "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    status, _ = slack.event(event, **kwargs)
    assert status == 200
    return ts


def dm(slack: SlackSender, text: str, channel: str = "D1", user: str | None = None, **extra) -> str:
    ts = slack.next_ts()
    user = user or f"U{ts.replace('.', '')}"
    event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": ts,
             "event_ts": ts, **extra}
    status, _ = slack.event(event)
    assert status == 200
    return ts


def in_thread(channel: str, ts: str):
    return lambda c: c.body.get("channel") == channel and c.body.get("thread_ts") == ts


def quotes_of(call: Call) -> list[str]:
    """The quoted clause text of each citation in a message, with Slack's escaping undone."""
    out = []
    for block in call.body.get("blocks", []):
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        if text.startswith("> "):
            out.append(slack_blocks.unescape(text[2:]))
    return out


def question_id(call: Call) -> int:
    actions = next(b for b in call.body["blocks"] if b["type"] == "actions")
    values = {e["value"] for e in actions["elements"]}
    assert len(values) == 1
    return int(values.pop())


def get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


# ------------------------------------------------------------------------------------ answering


def test_mention_answers_in_thread_with_verbatim_quotes(fake, slack, service, policy_text):
    ts = mention(slack, FRIENDS)
    [call] = fake.wait_for("chat.postMessage", in_thread("C1", ts))
    blocks = call.body["blocks"]
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert "Advised against" in blocks[0]["text"]["text"]
    assert call.body["text"].startswith("Advised against")  # the plain fallback

    answer = service.question(question_id(call))
    assert answer is not None and answer.answered and answer.question == FRIENDS
    quotes = quotes_of(call)
    # the clause that answers, alone, every word as the engine quoted it; the rest wait under "More clauses"
    assert len(answer.citations) > 1 and quotes == [answer.citations[0].quote]
    assert "strongly advised not to become 'friends' with parents" in quotes[0]
    assert fold(quotes[0]) in fold(policy_text)  # and the engine's quote is the policy's own words

    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert "*Social Media Policy 2023-24 › Communication*" in " ".join(contexts)
    assert any(f"{len(answer.citations) - 1} more clause" in t and "More clauses" in t for t in contexts)
    # the review warning once per answer, not beside the quote as well
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sum("was due for review in June 2024" in t for t in sections) == 1
    assert not any("June 2024" in t or "past its review date" in t for t in contexts)
    labels = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert blocks[-1]["type"] == "actions" and labels == ["👍 Helpful", "👎 Not helpful", "More clauses",
                                                          "Still need help?"]


def test_abstaining_answer_names_the_contact(fake, slack):
    ts = mention(slack, "What is the capital of France?", user="U-abstain")
    [call] = fake.wait_for("chat.postMessage", in_thread("C1", ts))
    text = " ".join(call.texts())
    assert "don't answer this" in text and "Who to ask: *the Headteacher*" in text


def test_mention_in_thread_answers_the_thread_question_without_blocking_the_ack(fake, slack, service):
    parent = slack.next_ts()
    question = "Can I post photos of other children from a school trip?"
    fake.threads[("C2", parent)] = [{"type": "message", "ts": parent, "user": "U2", "text": question}]
    fake.gates["conversations.replies"] = gate = threading.Event()
    try:
        started = time.monotonic()
        mention(slack, "", channel="C2", thread_ts=parent)  # just "@Policy Assistant" under the question
        assert time.monotonic() - started < 5  # acked while the bot still waits for Slack's reply
        assert not fake.received("chat.postMessage", in_thread("C2", parent))
    finally:
        gate.set()
        del fake.gates["conversations.replies"]
    [call] = fake.wait_for("chat.postMessage", in_thread("C2", parent))
    assert fake.received("conversations.replies", lambda c: c.body.get("ts") == parent)
    assert service.question(question_id(call)).question == question

    mention(slack, "please check this one", channel="C2", thread_ts=parent)  # not a question itself: the parent is
    calls = fake.wait_for("chat.postMessage", in_thread("C2", parent), count=2)
    assert service.question(question_id(calls[1])).question == question

    mention(slack, "What about staff adding pupils as friends?", channel="C2", thread_ts=parent)
    calls = fake.wait_for("chat.postMessage", in_thread("C2", parent), count=3)
    assert service.question(question_id(calls[2])).question == "What about staff adding pupils as friends?"


def test_direct_message_is_answered_in_the_dm(fake, slack, service):
    dm(slack, FRIENDS, channel="D1", user="U-dm")
    [call] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D1")
    assert "thread_ts" not in call.body
    assert service.question(question_id(call)).question == FRIENDS
    stored = service.store.question(question_id(call))
    assert (stored.platform, stored.user_id, stored.channel) == ("slack", "U-dm", "D1")


def test_bot_messages_edits_and_own_messages_are_ignored(fake, slack):
    dm(slack, FRIENDS, channel="D-edit", subtype="message_changed")
    dm(slack, FRIENDS, channel="D-bot", user="U-other-bot", bot_id="B2")
    dm(slack, FRIENDS, channel="D-self", user=BOT_USER_ID)
    slack.event({"type": "message", "channel_type": "channel", "channel": "C-plain", "user": "U1", "text": FRIENDS,
                 "ts": slack.next_ts()})
    dm(slack, FRIENDS, channel="D-sentinel")
    fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D-sentinel")
    time.sleep(0.3)  # a short grace period for any (wrong) answer still on its way
    assert not [c for c in fake.calls if c.body.get("channel") in ("D-edit", "D-bot", "D-self", "C-plain")]


def test_slack_retry_of_an_event_is_answered_once(fake, slack, service):
    ts = slack.next_ts()
    event = {"type": "app_mention", "user": "U-retry", "text": f"<@{BOT_USER_ID}> {FRIENDS}", "ts": ts,
             "channel": "C-retry", "event_ts": ts}
    assert slack.event(event, event_id="EvRETRY1")[0] == 200
    assert slack.event(event, event_id="EvRETRY1", retry=1)[0] == 200
    assert slack.event(event, event_id="EvRETRY1", retry=2)[0] == 200
    sentinel = mention(slack, FRIENDS, channel="C-retry")
    fake.wait_for("chat.postMessage", in_thread("C-retry", sentinel))
    fake.wait_for("chat.postMessage", in_thread("C-retry", ts))
    time.sleep(0.3)
    assert len(fake.received("chat.postMessage", in_thread("C-retry", ts))) == 1
    assert len([q for q in service.store.questions("slack") if q.user_id == "U-retry"]) == 1


def test_forged_or_stale_signatures_are_refused(fake, slack):
    body = json.dumps({"type": "event_callback", "event_id": "EvForged", "event": {
        "type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {FRIENDS}", "ts": "1.5", "channel": "C-bad"}})
    forged = SlackSender(slack.url, secrets.token_hex(16))
    assert forged.post(body)[0] == 401
    assert slack.post(body, signature="v0=" + "0" * 64)[0] == 401
    stale = int(time.time()) - 6 * 60
    assert slack.post(body, timestamp=stale)[0] == 401  # correctly signed, but replayable: too old
    assert slack.post(body, headers={"X-Slack-Signature": ""})[0] == 401
    assert not fake.received("chat.postMessage", lambda c: c.body.get("channel") == "C-bad")


def test_hostile_question_pings_nobody_and_links_nowhere(fake, slack):
    hostile = f"<!channel> <!here> &lt;!everyone&gt; <@U999> <https://evil.example/x|click me> {FRIENDS}"
    ts = mention(slack, hostile, user="U-hostile")
    [call] = fake.wait_for("chat.postMessage", in_thread("C1", ts))
    posted = json.dumps(call.body, ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<https://evil", "<!"):
        assert raw not in posted
    echo = next(e["text"] for b in call.body["blocks"] if b["type"] == "context" for e in b["elements"]
                if e["text"].startswith("Question:"))
    assert "&lt;!everyone&gt;" in echo and "@channel" in echo

    fake_url = fake.response_url("hostile")
    assert slack.command("<!channel> &lt;@U1&gt; photographs", fake_url)[0] == 200
    [reply] = fake.wait_for("response/hostile")
    assert "<!channel>" not in json.dumps(reply.body) and "<@U1>" not in json.dumps(reply.body)


# ------------------------------------------------------------------------------------ /policy


def test_policy_command_help_list_and_lookup(fake, slack, policy_text):
    for words in ("", "help"):
        name = f"help-{words or 'empty'}"
        status, body = slack.command(words, fake.response_url(name))
        assert status == 200 and body == ""  # acked at once; the reply goes to the response_url
        [reply] = fake.wait_for(f"response/{name}")
        assert reply.body["response_type"] == "ephemeral" and "/policy list" in reply.body["text"]

    assert slack.command("list", fake.response_url("list"))[0] == 200
    [listing] = fake.wait_for("response/list")
    text = " ".join(listing.texts())
    assert listing.body["response_type"] == "ephemeral"
    assert "Social Media Policy 2023-24" in text and "overdue for review" in text and "the Headteacher" in text

    assert slack.command("photographs of children", fake.response_url("lookup"))[0] == 200
    [lookup] = fake.wait_for("response/lookup")
    assert lookup.body["response_type"] == "ephemeral"
    quotes = quotes_of(lookup)
    assert len(quotes) == 3
    assert any("photographs of children without consent" in q for q in quotes)
    for quote in quotes:
        assert fold(quote) in fold(policy_text)
    sections = [e["text"] for b in lookup.body["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert sum("*Social Media Policy 2023-24 › " in s for s in sections) == 3
    # the policy is past its review date: said once under the clauses, not beside each
    assert sum("past its review date" in s for s in sections) == 1


def test_policy_command_lookup_respects_the_channel_scope(fake, slack):
    slack.command("photographs", fake.response_url("scoped"), channel="CNOPE")
    [reply] = fake.wait_for("response/scoped")
    assert reply.body["text"].startswith(":warning: No policy matches no-such-policy/*")


# ------------------------------------------------------------------------------------ buttons


@pytest.fixture(scope="module")
def answered(fake, slack):
    """An answer posted in a channel thread: (question id, the answer's ts, its thread ts)."""
    ts = mention(slack, FRIENDS, channel="C-buttons", user="U-asker")
    [call] = fake.wait_for("chat.postMessage", in_thread("C-buttons", ts))
    return question_id(call), "1800000000.999999", ts


def test_feedback_buttons_are_recorded_with_the_question(fake, slack, service, answered):
    qid, message_ts, thread = answered
    for count, (action, name) in enumerate((("feedback_up", "up"), ("feedback_down", "down")), start=1):
        status, _ = slack.click(action, str(qid), message_ts, thread, fake.response_url(name), user="U-rater",
                                channel="C-buttons")
        assert status == 200
        thanks = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U-rater", count=count)
    assert all(c.body["text"].startswith("Thanks") and c.body["thread_ts"] == thread for c in thanks)
    ratings = sorted((f.rating, f.user_id) for f in service.store.feedback(qid))
    assert ratings == [("down", "U-rater")], "one vote per person per answer: the last one counts"
    assert service.store.question(qid).answer.question == FRIENDS

    slack.click("feedback_up", "999999", message_ts, thread, fake.response_url("x"), user="U-late",
                channel="C-buttons")
    [missing] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U-late")
    assert "not recorded" in missing.body["text"]


def test_more_clauses_posts_the_next_clauses_in_the_thread(fake, slack, service, answered, policy_text):
    qid, message_ts, thread = answered
    slack.click("more_clauses", str(qid), message_ts, thread, fake.response_url("more"), channel="C-buttons",
                user="U-more")  # U1's /policy lookups above count against its rate limit
    [call] = fake.wait_for("chat.postMessage", lambda c: in_thread("C-buttons", thread)(c)
                           and "More clauses" in c.body["text"])
    quotes = quotes_of(call)
    assert quotes == [c.quote for c in service.more(qid)] and quotes
    for quote in quotes:
        assert fold(quote) in fold(policy_text)


def test_still_need_help_posts_the_contact_and_records_it(fake, slack, service, answered):
    qid, message_ts, thread = answered
    slack.click("need_help", str(qid), message_ts, thread, fake.response_url("help"), user="USTUCK",
                channel="C-buttons")
    [call] = fake.wait_for("chat.postMessage", lambda c: in_thread("C-buttons", thread)(c)
                           and "please ask" in c.body["text"])
    assert call.body["text"] == ":bust_in_silhouette: <@USTUCK> For help with this, please ask *the Headteacher*."
    assert ("help", "USTUCK") in [(f.rating, f.user_id) for f in service.store.feedback(qid)]


def _choices(fake, user: str, count: int = 1) -> list[dict]:
    """The buttons of the private "which clause?" message a person was sent."""
    [*_, call] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == user and c.body.get("blocks")
                               and "answer" in c.body["text"], count=count)
    return [e for b in call.body["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_owner_marks_a_clause_under_more_clauses_as_the_right_answer(fake, slack, service, answered, policy_text):
    qid, message_ts, thread = answered
    fake.names["UOLIVE"] = "Olive Owner"
    slack.click("more_clauses", str(qid), message_ts, thread, fake.response_url("o-more"), user="UOLIVE",
                channel="C-buttons")
    buttons = _choices(fake, "UOLIVE")
    assert {b["action_id"] for b in buttons} == {"verified_mark"} and len(buttons) >= 4
    pick = buttons[-1]["value"]  # a clause from "More clauses"
    slack.click("verified_mark", pick, message_ts, thread, fake.response_url("o-mark"), user="UOLIVE",
                channel="C-buttons")
    [done] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "UOLIVE"
                           and "Marked as the right answer" in c.body["text"])
    assert "Verified by Olive Owner, " in done.body["text"]
    [verified] = [a for a in service.store.verified_answers() if a.owner_id == "UOLIVE"]
    assert fold(verified.quote) in fold(policy_text) and verified.questions == [FRIENDS]

    # the next person asking it in other words gets that clause first, labelled (a close wording: a looser one
    # does not override a search sure of another clause, see tests/test_verified.py)
    ts = mention(slack, "Are staff allowed to be friends with parents on Facebook?", channel="C-verified")
    [answer] = fake.wait_for("chat.postMessage", in_thread("C-verified", ts))
    assert fold(verified.quote) in fold(quotes_of(answer)[0])
    assert any("Verified by Olive Owner" in e.get("text", "") for b in answer.body["blocks"]
               if b["type"] == "context" for e in b["elements"])

    # staff cannot mark, and get no marking buttons
    slack.click("verified_mark", pick, message_ts, thread, fake.response_url("s-mark"), user="U-nosy",
                channel="C-buttons")
    [refused] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U-nosy")
    assert "Only policy owners" in refused.body["text"]
    service.store.remove_verified(verified.id)


def test_after_a_thumbs_down_staff_suggest_the_clause_that_answered_them(fake, slack, service, answered):
    qid, message_ts, thread = answered
    public = lambda c: in_thread("C-buttons", thread)(c) and "More clauses" in c.body["text"]  # noqa: E731
    before = len(fake.received("chat.postMessage", public))
    slack.click("more_clauses", str(qid), message_ts, thread, fake.response_url("n-more"), user="U-content",
                channel="C-buttons")
    fake.wait_for("chat.postMessage", public, count=before + 1)
    assert not fake.received("chat.postEphemeral", lambda c: c.body.get("user") == "U-content")

    slack.click("feedback_down", str(qid), message_ts, thread, fake.response_url("d-down"), user="U-down",
                channel="C-buttons")
    [thanks] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("user") == "U-down")
    assert "More clauses" in thanks.body["text"]
    slack.click("more_clauses", str(qid), message_ts, thread, fake.response_url("d-more"), user="U-down",
                channel="C-buttons")
    buttons = _choices(fake, "U-down")
    assert {b["action_id"] for b in buttons} == {"verified_suggest"}
    slack.click("verified_suggest", buttons[1]["value"], message_ts, thread, fake.response_url("d-pick"),
                user="U-down", channel="C-buttons")
    [told] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "UOLIVE")
    [suggestion] = service.store.suggestions()
    assert suggestion.suggested_by == "U-down" and suggestion.question == FRIENDS
    accept = next(e for b in told.body["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "suggestion_accept")
    slack.click("suggestion_accept", accept["value"], "1800000000.777777", None, fake.response_url("o-accept"),
                user="UOLIVE", channel="D-olive")
    [accepted] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D-olive")
    assert accepted.body["text"].startswith(f"Suggestion #{suggestion.id} accepted.")
    assert service.store.suggestions() == []
    accepted_answers = [a for a in service.store.verified_answers() if a.quote == suggestion.quote]
    assert accepted_answers
    for verified in accepted_answers:
        service.store.remove_verified(verified.id)


# ------------------------------------------------------------------------------------ agent view


def test_messages_tab_gets_suggested_prompts(fake, slack, settings):
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D-home", "tab": "home"})
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "D-agent", "tab": "messages"})
    [call] = fake.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.body["channel_id"] == "D-agent"
    assert [p["message"] for p in call.body["prompts"]] == settings.example_questions
    assert all(0 < len(p["title"]) <= 40 for p in call.body["prompts"])
    time.sleep(0.2)
    assert len(fake.received("assistant.threads.setSuggestedPrompts")) == 1


# ------------------------------------------------------------------------------------ failures


def test_rate_limit_gets_a_friendly_private_message(fake, slack, slack_settings):
    limit = slack_settings.rate_limit_per_minute
    for _ in range(limit + 1):
        mention(slack, FRIENDS, channel="C-rate", user="U-eager")
    [notice] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("channel") == "C-rate")
    assert notice.body["user"] == "U-eager" and "try again in" in notice.body["text"]
    assert len(fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "C-rate", count=limit)) == limit


def test_unusable_questions_get_the_reason(fake, slack):
    ts = mention(slack, FRIENDS, channel="CNOPE", user="U-scoped")
    [notice] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("channel") == "CNOPE")
    assert notice.body["text"].startswith(":warning: No policy matches") and notice.body["thread_ts"] == ts

    dm(slack, "why? " * 600, channel="D-long", user="U-long")
    [reply] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D-long")
    assert "too long" in reply.body["text"]

    mention(slack, "", channel="C-empty", user="U-empty")
    [hint] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("channel") == "C-empty")
    assert "Ask me a policy question" in hint.body["text"]


def test_an_unrecordable_question_is_not_acked_and_its_retry_is_answered(fake, slack, service, caplog):
    """A question the store cannot record is not acked (Slack sends it again); the person hears once."""
    db = service.store.path
    aside = db.with_name("aside")
    aside.mkdir()
    moved = [p for p in db.parent.glob(db.name + "*")]
    for path in moved:
        shutil.move(path, aside / path.name)
    db.mkdir()  # the database is gone and cannot be opened
    ts = slack.next_ts()
    event = {"type": "message", "channel_type": "im", "channel": "D-broken", "user": "U-broken", "text": FRIENDS,
             "ts": ts, "event_ts": ts}
    try:
        assert slack.event(event, event_id="EvBroken")[0] == 503
        assert slack.event(event, event_id="EvBroken", retry=1)[0] == 503
        [reply] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D-broken")
    finally:
        db.rmdir()
        for path in moved:
            shutil.move(aside / path.name, path)
        aside.rmdir()
    assert reply.body["text"].startswith(":warning: Sorry, something went wrong") and "blocks" not in reply.body
    assert "Could not record Slack event EvBroken" in caplog.text

    assert slack.event(event, event_id="EvBroken", retry=2)[0] == 200  # the store is back: Slack's retry
    [_, answer] = fake.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "D-broken", count=2)
    assert answer.body["blocks"]
    time.sleep(0.3)
    assert len(fake.received("chat.postMessage", lambda c: c.body.get("channel") == "D-broken")) == 2


# ------------------------------------------------------------------------------------ transports


def test_url_verification_challenge_is_answered(slack):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    status, text = slack.post(body)
    assert status == 200 and json.loads(text)["challenge"].startswith("3eZbrw1a")


def test_healthz_alive_and_readyz_503_until_the_service_is_loaded(slack_settings, service, fake):
    serving = slack_serving(slack_settings, http=True, host="127.0.0.1", port=0)
    runner = ServingThread(serving)
    runner._thread.start()
    try:
        runner.call(serving.server.start("127.0.0.1", 0))
        base = f"http://127.0.0.1:{serving.port}"
        assert get(f"{base}/healthz") == (200, {"status": "alive"})
        assert get(f"{base}/readyz") == (503, {"status": "loading"})
        sender = SlackSender(f"{base}/slack/events", SECRET)
        assert sender.event({"type": "app_mention", "channel": "C9", "ts": "1.1", "text": "hi"})[0] == 503
        runner.call(serving.server.load(service))
        status, ready = get(f"{base}/readyz")
        assert status == 200 and ready["status"] == "ready" and ready["database"] == "ok"
        assert ready["index_build"] == service.engine.index.manifest.build_id
        assert get(f"{base}/nowhere")[0] == 404
    finally:
        runner.__exit__()


def test_socket_mode_acks_the_envelope_and_answers(slack_settings, service, fake):
    with FakeSocketMode() as socket:
        fake.socket_url = socket.url
        with ServingThread(slack_serving(slack_settings, http=False, host=None, port=0), service):
            socket.connected.wait(10)
            ts = "1700009999.000001"
            socket.outbox.put({"envelope_id": "env-1", "type": "events_api", "accepts_response_payload": False,
                               "retry_attempt": 0, "retry_reason": "",
                               "payload": {"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                                           "event_id": "EvSocket1", "event_time": int(time.time()),
                                           "event": {"type": "app_mention", "user": "U-socket", "channel": "C-socket",
                                                     "text": f"<@{BOT_USER_ID}> {FRIENDS}", "ts": ts,
                                                     "event_ts": ts}}})
            assert socket.wait_for_ack("env-1")["envelope_id"] == "env-1"
            [call] = fake.wait_for("chat.postMessage", in_thread("C-socket", ts))
            assert "Advised against" in call.body["text"]
            assert fake.received("apps.connections.open")


# ------------------------------------------------------------------------------------ configuration


@pytest.mark.parametrize("update, http, needle", [
    ({"slack_bot_token": None}, False, "SLACK_BOT_TOKEN is not set"),
    ({"slack_bot_token": SecretStr("xapp-1-oops")}, False,
     "SLACK_BOT_TOKEN must be a bot token starting with xoxb- (that is an app-level token"),
    ({"slack_app_token": None}, False, "SLACK_APP_TOKEN is not set"),
    ({"slack_app_token": SecretStr("xoxb-2")}, False, "SLACK_APP_TOKEN must be an app-level token"),
    ({"slack_signing_secret": None}, True, "SLACK_SIGNING_SECRET is not set"),
    ({"slack_signing_secret": SecretStr("not a secret")}, True, "SLACK_SIGNING_SECRET does not look like"),
    ({"slack_api_url": "slack.com/api"}, True, "SLACK_API_URL must be an http(s) URL"),
])
def test_bad_credentials_are_one_clear_error(slack_settings, update, http, needle):
    with pytest.raises(ConfigError, match=re.escape(needle)):
        slack_serving(slack_settings.model_copy(update=update), http=http, host="127.0.0.1", port=0)


def test_credentials_are_normalised(slack_settings):
    creds = check_credentials(slack_settings.model_copy(update={"slack_api_url": "http://127.0.0.1:1/api"}), True)
    assert creds.api_url == "http://127.0.0.1:1/api/" and creds.app_token is None
    assert check_credentials(slack_settings, False).signing_secret is None


@pytest.mark.parametrize("field, token, http", [
    ("slack_bot_token", "xoxb-rejected", True),
    ("slack_app_token", "xapp-rejected", False),
])
def test_token_refused_by_slack_is_a_config_error(slack_settings, service, field, token, http):
    serving = slack_serving(slack_settings.model_copy(update={field: SecretStr(token)}), http, "127.0.0.1", 0)
    with pytest.raises(ConfigError, match=rf"Slack did not accept {field.upper()} \(invalid_auth\)"):
        with ServingThread(serving, service):
            pass


def test_cli_reports_a_bad_token_in_one_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["slack"], env={"SLACK_BOT_TOKEN": "not-a-token"})
    assert result.exit_code == 1
    assert result.output.strip() == "Error: SLACK_BOT_TOKEN must be a bot token starting with xoxb-."
    result = CliRunner().invoke(main, ["slack", "--http"], env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.exit_code == 1 and "SLACK_SIGNING_SECRET is not set" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------ rendering


def test_blocks_keep_slack_limits_and_quotes_verbatim():
    quote = " ".join(f"word{i} & <tag{i}>" for i in range(1500))  # ~30,000 characters
    citation = Citation(quote=quote, source="a.md", document="Doc", section="S", score=1.0, clause_id="c",
                        verdict=Verdict.required, review_due="May 2020")
    answer = Answer(question="<!channel> q?", answered=True, verdict=Verdict.required, verdict_line="Required: x.",
                    citations=[citation] * 4, contact="HR")
    message = slack_blocks.answer_message(7, answer)
    assert message.blocks[-1]["type"] == "actions"
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts) and len(message.text) <= 3000
    pieces = [slack_blocks.unescape(t[2:]) for t in texts if t.startswith("> ")]
    n = len(slack_blocks.split_text(slack_blocks.escape(quote), 2998))
    assert n > 10 and " ".join(pieces) == quote  # one quote shown, split across sections, words unchanged
    assert "<!channel>" not in json.dumps(message.blocks)

    listed = slack_blocks.more_message("q?", [citation] * 4, overdue={"a.md"})  # every clause: over 50 blocks
    assert len(listed.blocks) == 50 and "not shown" in json.dumps(listed.blocks[-1])

    docs = slack_blocks.documents_message([])
    assert docs.text == "No policies are loaded."


def test_a_quote_cut_from_a_longer_sentence_and_the_condition_that_limits_it_are_shown():
    cut = Citation(quote="You can upgrade your computer at any time, when yours breaks", source="a.md",
                   document="Perks", section="Computers", score=1.0, clause_id="c", cut_after=True)
    limit = cut.model_copy(update={"quote": "Please get approval from Finance first.", "cut_after": False,
                                   "limits_first": True, "clause_id": "d"})
    other = limit.model_copy(update={"quote": "Unrelated.", "limits_first": False, "clause_id": "e"})
    answer = Answer(question="q?", answered=True, verdict=Verdict.information, verdict_line="Here is what Perks says.",
                    citations=[cut, limit, other], contact="HR")
    blocks = json.dumps(slack_blocks.answer_message(7, answer).blocks)
    assert "_part of a longer sentence_" in blocks and "Please get approval from Finance first." in blocks
    assert "Unrelated." not in blocks and "1 more clause matched" in blocks


def test_from_slack_reads_what_people_typed():
    text = "<@UBOT> is <@U1|amy> in <#C1|general>? see <https://x.example|the site> &amp; <mailto:a@b.c> <!here>"
    assert slack_blocks.from_slack(text, "UBOT") == "is @amy in #general? see the site & mailto:a@b.c @here"
    assert looks_like_question("can I do this") and looks_like_question("it's fine?")
    assert not looks_like_question("thanks") and not looks_like_question("")


def test_slack_modules_import_no_engine_internals():
    allowed = {"service", "models", "settings", "errors", "verdict", "slack_blocks"}
    for name in ("slack_app", "slack_blocks"):
        tree = ast.parse((ROOT / "assistant" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module in allowed or node.module is None, (name, node.module)
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for module in modules:
                assert not module.startswith(("faiss", "sentence_transformers", "sqlite3", "torch")), module
                if name == "slack_blocks":
                    assert not module.startswith(("slack_bolt", "slack_sdk")), module


# ------------------------------------------------------------------------------------ deployment


@pytest.mark.parametrize("name", ["manifest-socket.yml", "manifest-http.yml"])
def test_manifests_declare_what_the_bot_uses(name):
    manifest = yaml.safe_load((ROOT / "deploy" / "slack" / name).read_text())
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) >= {"app_mention", "message.im", "app_home_opened"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "app_mentions:read", "chat:write", "commands", "im:history", "im:read", "im:write", "assistant:write",
        "reactions:write", "channels:history", "groups:history"}
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/policy"
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert "agent_view" in manifest["features"]
    if name == "manifest-http.yml":
        assert settings["socket_mode_enabled"] is False
        url = "https://YOUR-HOST/slack/events"
        assert settings["event_subscriptions"]["request_url"] == url
        assert settings["interactivity"]["request_url"] == url and command["url"] == url
    else:
        assert settings["socket_mode_enabled"] is True
        assert "request_url" not in settings["event_subscriptions"]


def test_a_multi_line_quote_stays_one_slack_quote():
    from assistant.slack_blocks import quote_blocks

    blocks = quote_blocks("First item.\n- Second <item> & more.")
    assert [b["text"]["text"] for b in blocks] == ["> First item.\n> - Second &lt;item&gt; &amp; more."]


def test_the_owner_of_a_verified_answer_a_new_index_build_suspends_gets_a_direct_message(slack_settings, engine,
                                                                                        fake, tmp_path):
    """Slack's half of "its owner told": the serving process picks up a build whose policy no longer says
    the verified quote, suspends the answer and messages the owner who verified it (only them)."""
    from assistant.engine import PolicyEngine
    from assistant.index import build_index

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(slack_settings.corpus_dir, corpus)
    shutil.copytree(slack_settings.index_dir, index_dir)
    own = slack_settings.model_copy(update={"corpus_dir": corpus, "index_dir": index_dir,
                                            "owners": ["UOLIVE", "UOWEN"], "db_path": tmp_path / "s.db"})
    service = AnswerService(own, PolicyEngine.open(own, embedder=engine.embedder, build=False), Store(own.db_path))
    policy, think = corpus / "glenmere-social-media-policy-2023-24.md", "Think before you post."
    gone = service.verify(["Should I think before posting?"], policy.name, think, verified_by="Olive Owner",
                          owner_id="UOLIVE", platform="slack")
    to_owners = lambda c: c.body.get("channel") in ("UOLIVE", "UOWEN")  # noqa: E731
    before = len(fake.received("chat.postMessage", to_owners))
    with ServingThread(slack_serving(own, http=True, host="127.0.0.1", port=0), service):
        policy.write_text(policy.read_text("utf-8").replace(think, "Always pause before you post."), "utf-8")
        build_index(corpus, index_dir, engine.embedder)
        told = fake.wait_for("chat.postMessage", to_owners, count=before + 1, timeout=30)[-1]
    assert told.body["channel"] == "UOLIVE"
    assert told.body["text"].startswith(f":warning: The verified answer #{gone.id} to “Should I think before "
                                        f"posting?” is suspended: its quote no longer stands in {policy.name}")
    assert len(fake.received("chat.postMessage", to_owners)) == before + 1  # Owen did not verify it
    assert service.store.verified_answer(gone.id).suspended

"""The Teams bot end to end: the real aiohttp app on a TCP port, the real engine, a fake Bot Connector.

Activities are POSTed to /api/messages as Teams would; the bot's replies reach `FakeConnector` at the
activity's serviceUrl. With anonymous access the SDK finishes the turn before it answers 202, so what
the bot sent is there when the POST returns (polling waits cover the rest).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image
from pydantic import SecretStr

from assistant.cli import main
from assistant.engine import PolicyEngine
from assistant.errors import ConfigError
from assistant.index import build_index
from assistant.service import AnswerService
from assistant.store import Store
from assistant.server import all_serving, teams_serving
from assistant.teams_app import agent_config, anonymous_allowed
from assistant.teams_package import build_package
from assistant.text import fold
from fake_connector import FakeConnector
from fake_slack import FakeSlack
from serving_thread import ServingThread

ANON = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"
CREDENTIALS = ("CLIENTID", "CLIENTSECRET", "TENANTID", "AUTHTYPE", "ANONYMOUS_ALLOWED")
BOT = {"id": "28:policy-bot", "name": "Policy Assistant"}
QUESTION = "Can I accept a friend request from a parent?"
BOT_GUID = "5f8a2c1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"


class BotServer(ServingThread):
    """`policy-assistant teams` (its real composition) on 127.0.0.1, sharing the session's engine."""

    def __init__(self, service: AnswerService) -> None:
        super().__init__(teams_serving(service.settings, "127.0.0.1", 0, env=dict(os.environ)), service)

    def post(self, body: object, raw: bytes | None = None, headers: dict | None = None) -> tuple[int, dict | None]:
        data = raw if raw is not None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/messages", data=data, method="POST",
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, payload = err.code, err.read()
        return status, (json.loads(payload) if payload.strip() else None)

    def get(self, path: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
            return response.status


def _clear_credentials(mp: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        mp.delenv(f"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__{name}", raising=False)


def _anonymous(service: AnswerService, server: type | None = None):
    """The bot's server in anonymous mode (no Microsoft credentials in the environment), not started yet."""
    with pytest.MonkeyPatch.context() as mp:
        _clear_credentials(mp)
        mp.setenv(ANON, "true")
        return (server or BotServer)(service)


@pytest.fixture(scope="module")
def connector():
    with FakeConnector() as fake:
        yield fake


@pytest.fixture(scope="module")
def service(settings, engine, tmp_path_factory) -> AnswerService:
    return AnswerService(settings, engine, Store(tmp_path_factory.mktemp("teams") / "t.db"))


@pytest.fixture(scope="module")
def bot(service):
    server = _anonymous(service)
    with server:
        yield server


def activity(connector: FakeConnector, conversation: str, text: str | None = None, *, kind: str = "personal",
             **extra) -> dict:
    body = {
        "type": "message", "id": f"user-{uuid.uuid4().hex[:8]}", "channelId": "msteams",
        "serviceUrl": connector.url, "from": {"id": "29:alice", "name": "Alice", "aadObjectId": "aad-alice"},
        "recipient": BOT, "conversation": {"id": conversation, "conversationType": kind},
        "locale": "en-GB",
    }
    if text is not None:
        body["text"] = text
    body.update(extra)
    return body


def ask(bot: BotServer, connector: FakeConnector, conversation: str, text: str = QUESTION, **kw):
    body = activity(connector, conversation, text, **kw)
    status, _ = bot.post(body)
    assert status == 202
    [answer] = connector.wait_for(conversation, "message")
    return body, answer


def test_personal_question_gets_verdict_quotes_citations_and_card(bot, connector, service, engine):
    body, answer = ask(bot, connector, "a:personal-1")
    sent = connector.to("a:personal-1")
    assert [s.type for s in sent] == ["typing", "message"], "typing first, then the answer"
    assert all(s.reply_to == body["id"] for s in sent)
    assert "authorization" not in {k.lower() for k in answer.headers}  # anonymous: no token sent out

    stored = service.store.questions(platform="teams")[-1]
    assert stored.answer.question == QUESTION and stored.user_id == "aad-alice"
    quotes = stored.answer.shown
    assert quotes, "the default corpus answers this question"
    assert len(quotes) == 1 or not stored.answer.answered  # the clause that answers, alone

    msg = answer.body
    assert msg["text"].startswith(f"**{stored.answer.verdict_line}**")
    assert msg["channelData"]["feedbackLoopEnabled"] is True
    [entity] = msg["entities"]
    assert entity["@type"] == "Message" and entity["additionalType"] == ["AIGeneratedContent"]
    assert [c["position"] for c in entity["citation"]] == list(range(1, len(quotes) + 1))
    for n, (claim, citation) in enumerate(zip(entity["citation"], quotes), start=1):
        assert claim["@type"] == "Claim"
        assert f"[{n}]" in msg["text"]
        appearance = claim["appearance"]
        assert appearance["name"].startswith(f"{citation.document} › ") and len(appearance["name"]) <= 80
        assert len(appearance["abstract"]) <= 160
        assert appearance["encodingFormat"] == "application/vnd.microsoft.card.adaptive"
        popup = [b["text"] for b in json.loads(appearance["text"])["body"]]
        assert popup[0] == citation.quote and popup[1].startswith(citation.where)

    [attachment] = msg["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["version"] == "1.5" and card["fallbackText"]
    blocks = {b.get("id"): b["text"] for c in card["body"] if c["type"] == "Container" for b in c["items"]}
    for n, citation in enumerate(quotes, start=1):
        quote = blocks[f"quote-{n}"]
        source = engine.document(citation.source).text
        assert fold(quote) in fold(source), "quoted verbatim from the policy"
        assert fold(quote) in fold(msg["text"])
        assert blocks[f"source-{n}"].startswith(f"[{n}] {citation.where}")
    if stored.answer.warnings:
        assert any(b.get("id") == "review-warning" for b in card["body"])
    *more, action = card["actions"]
    if stored.answer.held_back:  # the other ranked clauses wait behind "More clauses"
        [shelf] = more
        assert shelf["type"] == "Action.ShowCard" and shelf["title"] == "More clauses"
        held = [b["text"] for c in shelf["card"]["body"] for b in c["items"]]
        assert all(c.quote in held for c in stored.answer.held_back)
    if stored.answer.warnings:  # the review date said once, in the warning
        assert not any("review due" in b for b in blocks.values())
    assert action["title"] == "Still need help?"
    assert action["data"] == {"verb": "help", "question_id": stored.id}


def test_an_unanswerable_question_names_the_contact(bot, connector, service):
    _, reply = ask(bot, connector, "a:personal-abstain", "What is the bicycle parking allowance for contractors?")
    stored = service.store.questions(platform="teams")[-1]
    assert not stored.answer.answered
    card = reply.body["attachments"][0]["content"]
    [contact] = [b["text"] for b in card["body"] if b.get("id") == "contact"]
    assert stored.answer.contact in contact and stored.answer.contact in reply.body["text"]


def test_channel_mention_is_stripped_and_answered(bot, connector, service):
    mention = {"type": "mention", "mentioned": BOT, "text": "<at>Policy Assistant</at>"}
    ask(bot, connector, "19:general@thread.tacv2;messageid=1", f"<at>Policy Assistant</at> {QUESTION}",
        kind="channel", entities=[mention], channelData={"channel": {"id": "19:general@thread.tacv2"}})
    stored = service.store.questions(platform="teams")[-1]
    assert stored.answer.question == QUESTION
    assert stored.channel == "19:general@thread.tacv2"


def test_channel_message_without_mention_is_ignored(bot, connector, service):
    before = len(service.store.questions(platform="teams"))
    for kind in ("channel", "groupChat"):
        status, _ = bot.post(activity(connector, f"19:chatter-{kind}", QUESTION, kind=kind))
        assert status == 202
        assert connector.to(f"19:chatter-{kind}") == []
    assert len(service.store.questions(platform="teams")) == before


def test_feedback_loop_invoke_is_recorded(bot, connector, service):
    _, answer = ask(bot, connector, "a:personal-feedback")
    question_id = service.store.questions(platform="teams")[-1].id
    invoke = activity(connector, "a:personal-feedback", type="invoke", name="message/submitAction",
                      replyToId=answer.id, value={"actionName": "feedback", "actionValue": {
                          "reaction": "dislike", "feedback": json.dumps({"feedbackText": "Too vague"})}})
    status, _ = bot.post(invoke)
    assert status == 200
    [feedback] = service.store.feedback(question_id)
    assert (feedback.rating, feedback.comment, feedback.platform) == ("down", "Too vague", "teams")

    like = dict(invoke, id="like-1", value={"actionName": "feedback", "actionValue": {"reaction": "like",
                                                                                      "feedback": "{}"}})
    assert bot.post(like)[0] == 200
    [vote] = service.store.feedback(question_id)  # one vote per person per answer: the last one counts
    assert (vote.rating, vote.comment) == ("up", None)


def test_still_need_help_posts_the_contact(bot, connector, service):
    ask(bot, connector, "a:personal-help")
    question_id = service.store.questions(platform="teams")[-1].id
    status, _ = bot.post(activity(connector, "a:personal-help", None, value={"verb": "help",
                                                                              "question_id": question_id}))
    assert status == 202
    reply = connector.wait_for("a:personal-help", "message", count=2)[-1]
    assert service.contact(question_id) in reply.body["text"]
    assert [f.rating for f in service.store.feedback(question_id)] == ["help"]


def test_welcome_when_the_bot_is_added(bot, connector, settings):
    update = activity(connector, "19:new-team@thread.tacv2", kind="channel", type="conversationUpdate",
                      membersAdded=[{"id": "29:alice"}])
    assert bot.post(update)[0] == 202
    assert connector.to("19:new-team@thread.tacv2") == [], "a person joining is not greeted"

    assert bot.post(dict(update, id="add-bot", membersAdded=[BOT]))[0] == 202
    [welcome] = connector.wait_for("19:new-team@thread.tacv2", "message")
    assert "Try asking" in welcome.body["text"]
    assert all(example in welcome.body["text"] for example in settings.example_questions)
    assert "Social Media Policy" in welcome.body["text"]


def test_malformed_requests_get_a_clear_400_and_the_server_keeps_serving(bot, connector):
    for raw in (b"not json", b"[1, 2]"):
        status, body = bot.post(None, raw=raw)
        assert status == 400 and "JSON" in body["error"]
    status, body = bot.post({"type": "message", "conversation": "not-an-object", "serviceUrl": connector.url})
    assert status == 400 and "conversation" in body["error"]
    status, body = bot.post({"type": "message", "text": "hi"})
    assert status == 400 and "conversation.id" in body["error"]
    assert bot.get("/healthz") == 200
    ask(bot, connector, "a:after-bad-requests")


def test_an_internal_error_gets_an_apology_and_is_logged(settings, engine, tmp_path, connector, caplog):
    db = tmp_path / "broken.db"
    broken = AnswerService(settings, engine, Store(db))
    for leftover in tmp_path.glob("broken.db*"):
        leftover.unlink()
    db.mkdir()  # the database can no longer be opened: recording the answer fails
    server = _anonymous(broken)
    with server:
        _, reply = ask(server, connector, "a:personal-broken")
    assert reply.body["text"].startswith("Sorry, something went wrong")
    assert "could not answer a Teams question" in caplog.text
    assert "anonymous access is ON" in caplog.text


def test_without_anonymous_access_unauthenticated_requests_are_rejected(service, connector):
    with pytest.MonkeyPatch.context() as mp:
        _clear_credentials(mp)
        mp.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", BOT_GUID)
        mp.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET", "not-a-real-secret")
        mp.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID", str(uuid.uuid4()))
        server = BotServer(service)
    with server:
        body = activity(connector, "a:no-credentials", QUESTION)
        status, _ = server.post(body)
        assert status == 401
        status, _ = server.post(body, headers={"Authorization": "Bearer not.a.jwt"})
        assert status == 401
        assert server.get("/healthz") == 200
    assert connector.to("a:no-credentials") == []


@pytest.mark.parametrize("raw", ["true", "TRUE", " True ", "1", "false", "False", "0", "", " "])
def test_anonymous_setting_is_read_as_the_sdk_reads_it(raw):
    from microsoft_agents.hosting.core import AgentAuthConfiguration

    assert anonymous_allowed(raw) is AgentAuthConfiguration(ANONYMOUS_ALLOWED=raw).ANONYMOUS_ALLOWED


@pytest.mark.parametrize("raw", ["yes", "on", "y", "enabled", "true!"])
def test_anonymous_setting_the_sdk_would_silently_read_as_off_is_refused(raw):
    with pytest.raises(ConfigError, match="ANONYMOUS_ALLOWED must be true or false"):
        anonymous_allowed(raw)
    with pytest.raises(ConfigError, match="ANONYMOUS_ALLOWED must be true or false"):
        agent_config({ANON: raw})


def test_missing_credentials_are_a_one_line_config_error(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="CLIENTID.*TENANTID.*CLIENTSECRET"):
        agent_config({})
    with pytest.raises(ConfigError, match="CLIENTSECRET"):
        agent_config({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": BOT_GUID,
                      "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": BOT_GUID})
    _, anonymous = agent_config({"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": BOT_GUID,
                                 "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": BOT_GUID,
                                 "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE": "UserManagedIdentity"})
    assert anonymous is False

    _clear_credentials(monkeypatch)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(main, ["teams", "--port", "0"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Teams credentials missing") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_teams_package_zip(tmp_path, monkeypatch):
    out = tmp_path / "dist" / "policy-assistant-teams.zip"
    build_package(out, BOT_GUID.upper())
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        zf.extractall(tmp_path / "unpacked")
    assert manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json") and manifest["manifestVersion"] == "1.22"
    [bot_entry] = manifest["bots"]
    assert bot_entry["botId"] == BOT_GUID
    assert set(bot_entry["scopes"]) == {"personal", "team", "groupChat"}
    assert bot_entry["commandLists"] and all(c["commands"] for c in bot_entry["commandLists"])
    assert "${{" not in json.dumps(manifest)
    uuid.UUID(manifest["id"])
    with Image.open(tmp_path / "unpacked" / "color.png") as color:
        assert color.size == (192, 192)
    with Image.open(tmp_path / "unpacked" / "outline.png") as outline:
        assert outline.size == (32, 32) and outline.mode == "RGBA"
        alpha = outline.getchannel("A")
        assert alpha.getextrema()[0] == 0, "outline icon has a transparent background"

    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "not-a-guid")
    with pytest.raises(ConfigError, match="GUID"):
        build_package(tmp_path / "bad.zip", None)
    monkeypatch.delenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID")
    with pytest.raises(ConfigError, match="--bot-id"):
        build_package(tmp_path / "bad.zip", None)
    assert not (tmp_path / "bad.zip").exists()


# ---------------------------------------------------------------------------------------- verified answers


@pytest.fixture(scope="module")
def owned(settings, engine, tmp_path_factory):
    """A bot whose settings name Olive (AAD id aad-olive) and Owen (aad-owen, who never writes to the bot)
    policy owners; Alice is staff."""
    own = settings.model_copy(update={"owners": ["aad-olive", "aad-owen"]})
    service = AnswerService(own, engine, Store(tmp_path_factory.mktemp("teams-owned") / "o.db"))
    server = _anonymous(service)
    with server:
        yield server, service


def _card(sent) -> dict:
    return sent.body["attachments"][0]["content"]


def _elements(card: dict, kind: str) -> list[dict]:
    """Every element of the card of this type ("Action.Submit", "TextBlock"), in order."""
    found: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def _submits(card: dict) -> list[dict]:
    return _elements(card, "Action.Submit")


def _texts(card: dict) -> list[str]:
    return [block["text"] for block in _elements(card, "TextBlock")]


def _suggestion_offered(bot, connector, chat, answer):
    """👎 on an answer, then the data of the "This one answered me" button the bot offers."""
    invoke = activity(connector, chat, type="invoke", name="message/submitAction", replyToId=answer.id,
                      value={"actionName": "feedback", "actionValue": {"reaction": "dislike", "feedback": "{}"}})
    assert bot.post(invoke)[0] == 200
    offer = connector.wait_for(chat, "message", count=2)[-1]
    return [a["data"] for a in _submits(_card(offer)) if a["title"] == "This one answered me"][0]


OLIVE = {"id": "29:olive", "name": "Olive Owner", "aadObjectId": "aad-olive"}


def test_an_owner_marks_the_right_answer_and_later_questions_get_it_first(owned, connector, engine):
    bot, service = owned
    conversation = "a:personal-olive"
    _, answer = ask(bot, connector, conversation, "Can I give my mobile number to a pupil?", **{"from": OLIVE})
    actions = _submits(_card(answer))
    [choose] = [a for a in actions if a["data"]["verb"] == "more"]
    status, _ = bot.post(activity(connector, conversation, None, value=choose["data"], **{"from": OLIVE}))
    assert status == 202
    choices = connector.wait_for(conversation, "message", count=2)[-1]
    marks = [a["data"] for a in _submits(_card(choices)) if a["title"] == "Mark as the right answer"]
    assert len(marks) >= 4  # the answer's clauses and those under "More clauses"
    pick = marks[-1]  # one from "More clauses"
    status, _ = bot.post(activity(connector, conversation, None, value=pick, **{"from": OLIVE}))
    assert status == 202
    done = connector.wait_for(conversation, "message", count=3)[-1]
    assert "Marked as the right answer" in done.body["text"] and "Verified by Olive Owner, " in done.body["text"]
    [verified] = service.store.verified_answers()
    assert verified.owner_id == "aad-olive" and verified.platform == "teams"

    # Alice (staff) asks the same thing in other words: the marked clause comes first, labelled
    _, again = ask(bot, connector, "a:personal-alice-2", "Am I allowed to give a pupil my mobile number?")
    card = _card(again)
    assert any(b.get("id") == "verified-1" and b["text"].startswith("\u2714 Verified by Olive Owner, ")
               for c in card["body"] if c.get("type") == "Container" for b in c["items"])
    assert fold(verified.quote) in fold("\n".join(_texts(card)))
    assert not [a for a in _submits(card) if a["data"]["verb"] == "more"]  # staff get no owner action
    status, _ = bot.post(activity(connector, "a:personal-alice-2", None, value=choose["data"]))
    assert status == 202
    refused = connector.wait_for("a:personal-alice-2", "message", count=2)[-1]
    assert refused.body["text"] == "Only policy owners can mark the right answer."


def test_after_a_thumbs_down_staff_can_say_which_clause_answered_them(owned, connector):
    bot, service = owned
    conversation = "a:personal-alice-suggest"
    _, answer = ask(bot, connector, conversation, "Can parents post pictures from the school play online?")
    question_id = service.store.questions(platform="teams")[-1].id
    invoke = activity(connector, conversation, type="invoke", name="message/submitAction", replyToId=answer.id,
                      value={"actionName": "feedback", "actionValue": {"reaction": "dislike", "feedback": "{}"}})
    assert bot.post(invoke)[0] == 200
    offer = connector.wait_for(conversation, "message", count=2)[-1]
    suggests = [a["data"] for a in _submits(_card(offer)) if a["title"] == "This one answered me"]
    assert suggests and all(s["question_id"] == question_id for s in suggests)
    assert bot.post(activity(connector, conversation, None, value=suggests[1]))[0] == 202
    thanks = connector.wait_for(conversation, "message", count=3)[-1]
    assert "passed it to the policy owners" in thanks.body["text"]
    [pending] = service.store.suggestions()
    assert (pending.question_id, pending.suggested_by, pending.platform) == (question_id, "aad-alice", "teams")


def test_teams_owners_are_sent_a_suggestion_and_accept_it_from_the_card(owned, connector, caplog):
    """Olive wrote to the bot once, so its proactive message reaches her personal chat with Accept / Reject;
    Owen never did, so he cannot be reached (logged). Alice cannot decide; Olive's Accept verifies it."""
    bot, service = owned
    olive_chat, alice_chat = "a:personal-olive-dm", "a:personal-alice-suggests"
    assert bot.post(activity(connector, olive_chat, "hi", **{"from": OLIVE}))[0] == 202
    connector.wait_for(olive_chat, "message")  # the welcome
    [(saved_owner, saved)] = service.store.owner_chats("teams").items()  # kept in the store: survives restarts
    assert saved_owner == "aad-olive" and saved["conversation_reference"]["serviceUrl"] == connector.url
    assert "aad-alice" not in service.store.owner_chats("teams")  # staff are never kept

    _, answer = ask(bot, connector, alice_chat, "Can a parent tag me in photos on Facebook?")
    suggest = _suggestion_offered(bot, connector, alice_chat, answer)
    with caplog.at_level("WARNING", logger="assistant.teams_app"):
        assert bot.post(activity(connector, alice_chat, None, value=suggest))[0] == 202
        told = connector.wait_for(olive_chat, "message", count=2)[-1]
    suggestion = [s for s in service.store.suggestions() if s.question == "Can a parent tag me in photos on Facebook?"][0]
    card = _card(told)
    text = json.dumps(card, ensure_ascii=False)
    assert suggestion.quote in text and suggestion.question in text and suggestion.source in text
    decisions = {a["title"]: a["data"] for a in _submits(card)}
    assert decisions == {"Accept as the right answer": {"verb": "accept", "suggestion_id": suggestion.id},
                         "Reject": {"verb": "reject", "suggestion_id": suggestion.id}}
    assert any("aad-owen" in r.getMessage() and f"suggestion {suggestion.id}" in r.getMessage()
               for r in caplog.records)
    assert not [s for s in connector.to(alice_chat) if "Accept as the right answer" in json.dumps(s.body)]

    # Alice forging the owner's button is refused; Olive's Accept makes it a verified answer
    assert bot.post(activity(connector, alice_chat, None, value=decisions["Reject"]))[0] == 202
    refused = connector.wait_for(alice_chat, "message", count=4)[-1]
    assert refused.body["text"] == "Only policy owners can accept or reject suggestions."
    assert bot.post(activity(connector, olive_chat, None, value=decisions["Accept as the right answer"],
                             **{"from": OLIVE}))[0] == 202
    done = connector.wait_for(olive_chat, "message", count=3)[-1]
    assert done.body["text"] == f"Suggestion #{suggestion.id} accepted. Questions like it now get this clause first."
    assert suggestion.id not in {s.id for s in service.store.suggestions()}
    verified = [v for v in service.store.verified_answers() if suggestion.question in v.questions]
    assert verified and verified[0].owner_id == "aad-olive" and verified[0].verified_by == "Olive Owner"


def test_a_verified_answer_suspended_by_a_new_index_build_is_told_to_its_teams_owner(settings, engine, tmp_path,
                                                                                      connector):
    """The running bot picks up a published build whose policy no longer says the verified quote; the
    answer is suspended and Olive, who verified it, gets a message in her chat with the bot."""
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index_dir)
    own = settings.model_copy(update={"corpus_dir": corpus, "index_dir": index_dir, "owners": ["aad-olive"]})
    service = AnswerService(own, PolicyEngine.open(own, embedder=engine.embedder, build=False),
                            Store(tmp_path / "s.db"))
    policy, think = corpus / "glenmere-social-media-policy-2023-24.md", "Think before you post."
    server = _anonymous(service)
    chat = "a:personal-olive-suspended"
    with server:
        assert server.post(activity(connector, chat, "hello", **{"from": OLIVE}))[0] == 202
        connector.wait_for(chat, "message")
        gone = service.verify(["Should I think before posting?"], policy.name, think, verified_by="Olive Owner",
                              owner_id="aad-olive", platform="teams")
        policy.write_text(policy.read_text("utf-8").replace(think, "Always pause before you post."), "utf-8")
        build_index(corpus, index_dir, engine.embedder)
        told = connector.wait_for(chat, "message", count=2, timeout=30)[-1]
    assert told.body["text"].startswith(f"\u26a0\ufe0f The verified answer #{gone.id} to \u201cShould I think "
                                        f"before posting?\u201d is suspended: its quote no longer stands in {policy.name}")
    assert service.store.verified_answer(gone.id).suspended


class BothServer(BotServer):
    """`policy-assistant serve` with Slack over HTTP and Teams on one server, sharing the session's engine."""

    def __init__(self, service: AnswerService) -> None:
        ServingThread.__init__(self, all_serving(service.settings, "127.0.0.1", 0, env=dict(os.environ)), service)


def test_a_suggestion_made_in_teams_reaches_the_slack_owners_too(settings, engine, tmp_path, connector):
    with FakeSlack() as slack:
        own = settings.model_copy(update={
            "slack_bot_token": SecretStr("xoxb-1-test"), "slack_signing_secret": SecretStr("5" * 32),
            "slack_api_url": slack.base_url, "owners": ["UOLIVE", "aad-olive"]})
        service = AnswerService(own, engine, Store(tmp_path / "both.db"))
        server = _anonymous(service, BothServer)
        chat = "a:personal-alice-both"
        with server:
            _, answer = ask(server, connector, chat, "Can parents post pictures from the school play online?")
            suggest = _suggestion_offered(server, connector, chat, answer)
            assert server.post(activity(connector, chat, None, value=suggest))[0] == 202
            [told] = slack.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "UOLIVE")
        [suggestion] = service.store.suggestions()
        buttons = [e for b in told.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert {b["action_id"] for b in buttons} == {"suggestion_accept", "suggestion_reject"}
        assert all(b["value"] == str(suggestion.id) for b in buttons)


def test_the_card_shows_a_cut_quote_as_part_of_a_sentence_and_the_condition_that_limits_it():
    from assistant.models import Answer, Citation, Verdict
    from assistant.teams_cards import answer_card

    cut = Citation(quote="You can upgrade your computer at any time, when yours breaks", source="a.md",
                   document="Perks", section="Computers", score=1.0, clause_id="c", cut_after=True)
    limit = cut.model_copy(update={"quote": "Please get approval from Finance first.", "cut_after": False,
                                   "limits_first": True, "clause_id": "d"})
    answer = Answer(question="q?", answered=True, verdict=Verdict.information, verdict_line="Here is what Perks says.",
                    citations=[cut, limit], contact="HR")
    card = json.dumps(answer_card(answer, 7), ensure_ascii=False)
    assert "[1] Perks \u203a Computers (part of a longer sentence)" in card
    assert "[2] Perks \u203a Computers" in card and "Please get approval from Finance first." in card

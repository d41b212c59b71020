"""Verified answers: checked verbatim, matched by meaning, first in the answer, suspended when the policy changes."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.engine import PolicyEngine
from assistant.errors import VerifiedAnswerError
from assistant.index import build_index
from assistant.models import Suggestion, Verdict
from assistant.service import AnswerService
from assistant.store import Store
from assistant.text import fold
from assistant.verified import locate

POLICY = "glenmere-social-media-policy-2023-24.md"
LOGO = "The use of the school's name, logo, or any other published material without written prior permission"
FRIENDS = "staff are strongly advised not to become 'friends' with parents on sites like Facebook"
THINK = "Think before you post."


@pytest.fixture
def service(settings, engine, embedder, tmp_path):
    """A service over the shared index with its own engine (verified answers change it) and its own store."""
    own = settings.model_copy(update={"db_path": tmp_path / "verified.db", "owners": ["U0OWNER", "aad-owner-1"]})
    return AnswerService(own, PolicyEngine(own, engine.index, embedder), Store(own.db_path))


def test_locate_ignores_case_white_space_curly_quotes_and_emphasis():
    text = "Staff  **must not**\n  share the school’s *logo* online."
    assert locate(text, "must not share the school's logo") == (9, text.index("logo") + 4)
    assert text[slice(*locate(text, "STAFF must NOT share"))].startswith("Staff")
    assert locate(text, "must not share the school logo") is None
    assert locate(text, "   ") is None


def test_locate_finds_a_quote_as_an_answer_shows_it():
    text = "Carry over 5 days into the next [leave year](https://x.org/y), with the &quot;manager&#39;s&quot; approval."
    shown_text = 'Carry over 5 days into the next leave year, with the "manager\'s" approval.'
    assert locate(text, shown_text) == (0, len(text))
    assert locate(text, "the next leave year") == (text.index("next") - 4, text.index("leave year") + 10)
    assert locate(text, '"manager\'s" approval') == (text.index("&quot;manager"), len(text) - 1)
    assert locate(text, "the next leave-year") is None


def test_an_owner_marks_a_clause_that_shows_a_link_and_a_character_reference(settings, embedder, tmp_path):
    """What an owner marks is what the answer showed: the link's text, "&amp;" as "&"; it must still be found."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "leave.md").write_text(
        "# Leave policy\n\n## Carrying leave over\n\n"
        "You may carry up to five days of unused leave into the next [leave year](https://hr.example.org/year) "
        "with your line manager&#39;s approval &amp; a note to HR.\n\n"
        "## Sickness\n\nCall your manager before 9am on each day you are off sick.\n", "utf-8")
    own = settings.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index",
                                      "db_path": tmp_path / "store.db", "owners": ["U0OWNER"]})
    service = AnswerService(own, PolicyEngine.open(own, embedder=embedder), Store(own.db_path))
    reply = service.answer("Can I carry unused leave over into next year?", platform="slack", user="U0STAFF")
    first = reply.answer.citations[0]
    assert "leave year with your line manager's approval & a note to HR" in first.quote
    marked = service.mark_answer(reply.question_id, 0, user="U0OWNER", platform="slack", name="Mrs Head")
    assert "[leave year](https://hr.example.org/year)" in marked.quote and "&amp;" in marked.quote  # the source's own
    again = service.answer("Can I carry my unused leave over to next year?", platform="cli")
    assert again.answer.verified_id == marked.id
    assert again.answer.citations[0].quote == first.quote


def test_a_quote_that_is_not_in_the_policy_is_refused(service):
    with pytest.raises(VerifiedAnswerError, match="does not stand in"):
        service.verify(["Can I use the logo?"], POLICY, "staff may use the logo freely", verified_by="Head")
    with pytest.raises(VerifiedAnswerError, match="No policy"):
        service.verify(["Can I use the logo?"], "missing.md", LOGO, verified_by="Head")
    assert service.store.verified_answers() == []


def test_a_paraphrase_gets_the_verified_clause_first_labelled(service, engine):
    question = "Is it OK to put the school logo on my own website?"
    before = engine.ask("Can I put the school's logo on my personal website?")
    added = service.verify(["Can I use the school logo on my own website?"], POLICY, LOGO.upper(),
                           verified_by="Mrs Head", verdict=Verdict.needs_permission)
    assert added.quote == LOGO  # the policy's own words are kept, not what was typed
    reply = service.answer(question, platform="cli")
    first = reply.answer.citations[0]
    assert reply.answer.verified_id == added.id
    assert fold(LOGO) in fold(first.quote) and first.source == POLICY
    assert first.verified == f"Verified by Mrs Head, {added.verified_at[:10]}"
    assert reply.answer.verdict is Verdict.needs_permission
    assert len(reply.answer.citations) == service.settings.max_citations
    assert all(c.verified is None for c in reply.answer.citations[1:])
    assert len({c.clause_id for c in reply.answer.citations}) == len(reply.answer.citations)
    # stored with the answer, so the report can count answers from verified answers
    assert service.store.question(reply.question_id).answer.verified_id == added.id
    assert before.verified_id is None


def test_a_question_that_only_resembles_a_verified_one_is_answered_as_before(service, engine):
    service.verify(["Can I accept a friend request from a parent on Facebook?"], POLICY, FRIENDS, verified_by="Head")
    for question in ["Can I post photos of pupils on Facebook?", "What is the school's Twitter handle?"]:
        plain = engine.ask(question)
        reply = service.answer(question, platform="cli")
        assert reply.answer.verified_id is None
        assert [c.quote for c in reply.answer.citations] == [c.quote for c in plain.citations]


VERIFIED_FRIENDS = "Can I accept a friend request from a parent on Facebook?"
NEARISH = "A parent wants to be my friend online, is that OK?"  # between the supported and match thresholds


def test_a_supported_match_reorders_only_the_clauses_shown_and_states_no_owner_verdict(service, engine):
    plain = engine.ask(NEARISH)
    second = plain.citations[1]
    service.verify([VERIFIED_FRIENDS], POLICY, second.quote, verified_by="Head", verdict=Verdict.needs_permission)
    match = service.engine.verified.match(NEARISH)
    assert match is not None and match.supported_only and not match.close
    reply = service.answer(NEARISH, platform="cli").answer
    assert reply.verified_id is not None and reply.citations[0].verified
    assert reply.citations[0].quote == second.quote
    assert {c.quote for c in reply.citations} == {c.quote for c in plain.citations}  # reordered, nothing new
    assert reply.verdict is not Verdict.needs_permission  # the owner's verdict was given for another wording


def test_a_supported_match_whose_clause_is_not_shown_is_answered_as_before(service, engine):
    plain = engine.ask(NEARISH)
    assert all(fold(LOGO) not in fold(c.quote) for c in plain.citations)
    service.verify([VERIFIED_FRIENDS], POLICY, LOGO, verified_by="Head")  # an owner's odd choice of clause
    assert service.engine.verified.match(NEARISH).supported_only
    reply = service.answer(NEARISH, platform="cli").answer
    assert reply.verified_id is None
    assert [c.quote for c in reply.citations] == [c.quote for c in plain.citations]
    # a match above the supported band but short of close does not override a search sure enough of another
    # clause to state a ruling from it ("Not allowed", "Advised against"): answered as before
    nearer = "Should I add a parent as a friend on Facebook?"
    match = service.engine.verified.match(nearer)
    assert not match.supported_only and not match.close
    reply = service.answer(nearer, platform="cli").answer
    assert reply.verified_id is None and [c.quote for c in reply.citations] == [
        c.quote for c in engine.ask(nearer).citations]
    assert reply.verdict is Verdict.advised_against
    # a question close to the verified one gets its clause first whatever the search shows
    closer = "Am I allowed to accept a friend request from a parent on Facebook?"
    assert service.engine.verified.match(closer).close
    assert fold(LOGO) in fold(service.answer(closer, platform="cli").answer.citations[0].quote)


def test_a_verified_answer_outranks_the_policy_status_reply(service, engine):
    question = "When does this policy need to be reviewed next?"
    assert engine.ask(question).verified_id is None  # answered from the policy's metadata
    service.verify(["When is this policy due for review?"], POLICY, "Next Review Due", verified_by="Head")
    reply = service.answer(question, platform="cli").answer
    assert reply.verified_id is not None and fold("Next Review Due") in fold(reply.citations[0].quote)


def test_an_owner_answer_to_another_kind_of_question_does_not_replace_the_policy_status_reply(service, engine):
    """"Who owns this policy?" reads close to "Who does this policy apply to?" (0.78 with the bundled model), but
    only the document's own metadata answers it."""
    service.verify(["Who does this policy apply to?"], POLICY, "This policy has been written to help guide parents",
                   verified_by="Head")
    for question in ("Who owns this policy?", "Is this policy still current?"):
        match = service.engine.verified.match(question)
        assert match is not None and not match.supported_only  # near enough in wording to be matched
        reply = service.answer(question, platform="cli").answer
        assert reply.verified_id is None and reply.verdict_line == engine.ask(question).verdict_line
        assert "Next Review Due" in reply.citations[0].quote
    # a question of another kind still gets it
    assert service.answer("Who is this policy for?", platform="cli").answer.verified_id is not None


def test_scope_keeps_a_verified_answer_to_its_document(service):
    service.verify(["Can I use the school logo on my own website?"], POLICY, LOGO, verified_by="Head")
    assert service.engine.ask("Can I use the school logo on my own website?", scope=POLICY).verified_id is not None
    assert service.engine.verified.match("Can I use the school logo on my own website?", sources={"other.md"}) is None


def test_the_same_clause_verified_again_gains_a_question(service):
    first = service.verify(["Can I use the school logo on my own website?"], POLICY, LOGO, verified_by="Head")
    again = service.verify(["May I print the school crest on my tutoring flyers?"], POLICY, LOGO, verified_by="Head")
    assert again.id == first.id and len(again.questions) == 2
    assert len(service.store.verified_answers()) == 1


def test_owners_mark_answers_and_staff_suggest_them(service):
    reply = service.answer("Can I post photos of the school play?", platform="slack", user="U0STAFF")
    with pytest.raises(VerifiedAnswerError, match="Only policy owners"):
        service.mark_answer(reply.question_id, 0, user="U0STAFF", platform="slack")
    # an owner marks a clause from "More clauses" (position after the shown citations)
    position = len(reply.answer.shown)
    more = service.more(reply.question_id, k=1)[0]
    marked = service.mark_answer(reply.question_id, position, user="U0OWNER", platform="slack", name="Mrs Head")
    assert marked.owner_id == "U0OWNER" and marked.verified_by == "Mrs Head"
    assert fold(marked.quote) in fold(more.quote) or fold(more.quote) in fold(marked.quote)
    assert marked.questions == [reply.answer.question]

    other = service.answer("Can I give my phone number to a pupil?", platform="teams", user="aad-staff")
    suggestion = service.suggest(other.question_id, 1, user="aad-staff", platform="teams")
    assert [s.id for s in service.store.suggestions()] == [suggestion.id]
    decided = service.decide(suggestion.id, accept=True, decided_by="Mrs Head", owner_id="aad-owner-1")
    assert decided.status == "accepted" and service.store.suggestions() == []
    assert any(other.answer.question in a.questions for a in service.store.verified_answers())
    with pytest.raises(VerifiedAnswerError, match="No pending suggestion"):
        service.decide(suggestion.id, accept=False, decided_by="Mrs Head")


def test_a_changed_policy_suspends_its_verified_answer(settings, embedder, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    own = settings.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index",
                                      "db_path": tmp_path / "store.db"})
    service = AnswerService(own, PolicyEngine.open(own, embedder=embedder), Store(own.db_path))
    kept = service.verify(["Can I accept a friend request from a parent?"], POLICY, FRIENDS, verified_by="Head")
    gone = service.verify(["Should I think before posting?"], POLICY, THINK, verified_by="Head", owner_id="U0OWNER")
    path = corpus / POLICY
    path.write_text(path.read_text("utf-8").replace(THINK, "Always pause before you post."), "utf-8")
    rebuilt = AnswerService(own, PolicyEngine(own, build_index(corpus, own.index_dir, embedder), embedder),
                            Store(own.db_path))
    suspended = rebuilt.sync_verified()
    assert [a.id for a in suspended] == [gone.id] and suspended[0].owner_id == "U0OWNER"
    listed = {a.id: a for a in rebuilt.store.verified_answers()}
    assert listed[gone.id].suspended and POLICY in listed[gone.id].suspended
    assert listed[kept.id].suspended is None
    assert rebuilt.engine.ask("Should I think before posting?").verified_id != gone.id


def test_verified_commands(settings, tmp_path, monkeypatch):
    db = tmp_path / "cli.db"
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(db))
    where = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    runner = CliRunner()
    added = runner.invoke(main, ["verified", "add", "--question", "Can I use the school logo on my own website?",
                                 "--source", POLICY, "--quote", LOGO, "--verdict", "needs_permission",
                                 "--by", "Mrs Head", *where])
    assert added.exit_code == 0, added.output
    assert "Verified answer #1" in added.output

    bad = runner.invoke(main, ["verified", "add", "--question", "Q?", "--source", POLICY, "--quote", "no such words",
                               *where])
    assert bad.exit_code == 1 and "Traceback" not in bad.output and bad.output.startswith("Error: That quote")

    lines = tmp_path / "eval.jsonl"
    lines.write_text("\n".join([
        json.dumps({"id": "x1", "question": "Can I accept a friend request from a parent?", "answerable": True,
                    "quotes": [FRIENDS], "source": POLICY, "verdict": "advised_against"}),
        json.dumps({"id": "x2", "question": "How much annual leave do I get?", "answerable": False, "quotes": []}),
        "not json",
        json.dumps({"id": "x3", "question": "Is it OK?", "quotes": ["words the policy never says"], "source": POLICY}),
    ]) + "\n")
    imported = runner.invoke(main, ["verified", "import", str(lines), *where])
    assert imported.exit_code == 0, imported.output
    assert "Imported 1 verified answer(s); 3 skipped." in imported.output

    asked = runner.invoke(main, ["ask", "--json", *where], input="Is it OK to put the school logo on my own website?\n")
    answer = json.loads(asked.output.splitlines()[0])
    assert answer["verified_id"] == 1 and answer["citations"][0]["verified"].startswith("Verified by Mrs Head, ")
    single = runner.invoke(main, ["ask", "Is it OK to put the school logo on my own website?", *where])
    assert "✔ Verified by Mrs Head, " in single.output

    exported = runner.invoke(main, ["verified", "export"])
    rows = [json.loads(line) for line in exported.output.splitlines()]
    assert [r["source"] for r in rows] == [POLICY, POLICY] and rows[1]["verdict"] == "advised_against"

    listed = runner.invoke(main, ["verified", "list"]).output
    assert "#1 [active] Verified by Mrs Head" in listed and "#2 [active]" in listed
    assert runner.invoke(main, ["verified", "remove", "2"]).exit_code == 0
    missing = runner.invoke(main, ["verified", "remove", "2"])
    assert missing.exit_code == 1 and "No verified answer #2" in missing.output

    # the export imports elsewhere as it is
    export_file = tmp_path / "export.jsonl"
    export_file.write_text(exported.output)
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(tmp_path / "other.db"))
    again = runner.invoke(main, ["verified", "import", str(export_file), *where])
    assert "Imported 2 verified answer(s); 0 skipped." in again.output
    assert [a.verified_by for a in Store(tmp_path / "other.db").verified_answers()] == [r["verified_by"] for r in rows]

    assert "No pending suggestions." in runner.invoke(main, ["verified", "suggestions"]).output


def test_verified_answers_and_suggestions_in_the_store(open_store):
    """The same calls on SQLite and PostgreSQL (migration 3)."""
    from assistant.models import Suggestion, VerifiedAnswer

    store = open_store()
    first = store.add_verified(VerifiedAnswer(questions=["Can I use the logo?"], source=POLICY, quote=LOGO,
                                              verified_by="Head", verdict=Verdict.needs_permission))
    again = store.add_verified(VerifiedAnswer(questions=["Can I use the logo?", "May I print the crest?"],
                                              source=POLICY, quote=LOGO, verified_by="Head"))
    assert again.id == first.id and again.questions == ["Can I use the logo?", "May I print the crest?"]
    assert again.verdict is Verdict.needs_permission and again.verified_at
    version = store.verified_version()
    store.suspend_verified(first.id, "its quote no longer stands")
    assert store.verified_version() != version
    assert store.verified_answers(include_suspended=False) == []
    assert store.verified_answers()[0].suspended == "its quote no longer stands"
    assert store.remove_verified(first.id) and not store.remove_verified(first.id)

    filed = store.add_suggestion(Suggestion(question="Can I?", source=POLICY, quote=FRIENDS, suggested_by="U1",
                                            platform="slack"))
    assert [s.id for s in store.suggestions()] == [filed.id]
    assert store.decide_suggestion(filed.id, "rejected", "Head").status == "rejected"
    assert store.decide_suggestion(filed.id, "accepted", "Head") is None  # decided once
    assert store.suggestions() == [] and len(store.suggestions(status=None)) == 1


def test_suggestions_are_listed_accepted_and_rejected_from_the_command_line(settings, engine, tmp_path, monkeypatch):
    db = tmp_path / "suggest.db"
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(db))
    store = Store(db)
    question = "Is it OK to be friends with parents on Facebook?"
    first = store.add_suggestion(Suggestion(question=question, source=POLICY, quote=FRIENDS, suggested_by="U-staff",
                                            platform="slack"))
    second = store.add_suggestion(Suggestion(question="Can I post anything?", source=POLICY, quote=THINK,
                                             platform="teams"))
    where = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    runner = CliRunner()
    listed = runner.invoke(main, ["verified", "suggestions", *where]).output
    assert f"#{first.id}" in listed and f"#{second.id}" in listed and question in listed
    decided = runner.invoke(main, ["verified", "suggestions", "--accept", str(first.id), "--reject", str(second.id),
                                   "--by", "Mrs Head", *where])
    assert decided.exit_code == 0, decided.output
    assert decided.output.splitlines() == [f"Suggestion #{first.id} accepted.", f"Suggestion #{second.id} rejected."]
    [verified] = Store(db).verified_answers()
    assert verified.questions == [question] and verified.verified_by == "Mrs Head"
    assert "No pending suggestions." in runner.invoke(main, ["verified", "suggestions", *where]).output
    again = runner.invoke(main, ["verified", "suggestions", "--accept", str(first.id), *where])
    assert again.exit_code == 1 and "Traceback" not in again.output and f"No pending suggestion #{first.id}" in again.output


def test_index_suspends_a_verified_answer_whose_quote_is_gone_and_names_its_owner(settings, tmp_path, monkeypatch):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index_dir)
    monkeypatch.setenv("POLICY_ASSISTANT_DB_PATH", str(tmp_path / "index.db"))
    where = ["--corpus", str(corpus), "--index", str(index_dir)]
    runner = CliRunner()
    added = runner.invoke(main, ["verified", "add", "--question", "Should I think before posting?", "--source", POLICY,
                                 "--quote", THINK, "--by", "Mrs Head", *where])
    assert added.exit_code == 0, added.output
    policy = corpus / POLICY
    policy.write_text(policy.read_text("utf-8").replace(THINK, "Always pause before you post."), "utf-8")
    indexed = runner.invoke(main, ["index", *where])
    assert indexed.exit_code == 0, indexed.output
    assert f"Suspended verified answer #1, verified by Mrs Head: its quote no longer stands in {POLICY}" in indexed.output
    assert f"#1 [SUSPENDED: its quote no longer stands in {POLICY}]" in runner.invoke(main, ["verified", "list"]).output

"""The paragraph a clause stands in orders what is shown, never what abstention and rulings read."""

from __future__ import annotations

import pytest

from assistant.chunking import chunk_document
from assistant.engine import PolicyEngine
from assistant.models import PolicyDocument
from assistant.quoting import Quoter, shown
from assistant.retrieval import Retriever, paragraph_keys
from assistant.settings import Settings

HANDBOOK = """# Staff handbook

## Time off

If you are ill, phone your line manager before 9am on the first day and keep them informed of how long you
expect to be away. A fit note from your doctor is needed after seven days.

If you are called for jury service, tell your line manager as soon as the summons arrives and send a copy of it
to the People Team, who record your absence as court leave rather than annual leave. The court gives you a
certificate of attendance for each day you attend. Hand the certificates in when you are back at work; those
days are paid as normal.

Up to five days of compassionate leave are given after the death of a close relative.

## Pay

Salaries are paid on the last working day of each month.

Days worked on a bank holiday are paid as normal, with a day off in lieu.
"""


@pytest.fixture(scope="module")
def handbook(tmp_path_factory, embedder) -> PolicyEngine:
    root = tmp_path_factory.mktemp("paragraphs")
    (root / "corpus").mkdir()
    (root / "corpus" / "handbook.md").write_text(HANDBOOK, encoding="utf-8")
    return PolicyEngine.open(Settings(_env_file=None, corpus_dir=root / "corpus", index_dir=root / "index"),
                             embedder=embedder)


def _without_paragraphs(engine: PolicyEngine) -> PolicyEngine:
    other = PolicyEngine(engine.settings, engine.index, engine.embedder)
    other.retriever = Retriever(engine.index, engine.embedder, paragraph_weight=0.0)
    return other


def test_a_paragraph_is_the_clauses_between_blank_lines_within_one_section(handbook):
    keys = paragraph_keys(handbook.index)
    assert len(handbook.index.clauses) == 6  # the jury-service paragraph (over 60 words) is two clauses
    jury = [k for c, k in zip(handbook.index.clauses, keys) if "jury" in c.text or "certificates" in c.text]
    assert len(jury) == 2 and jury[0] == jury[1]
    assert len(set(keys.tolist())) == 5  # every other clause is a paragraph of its own


def test_a_clause_is_read_with_the_paragraph_it_stands_in(handbook):
    question = "Am I paid for the days I spend on jury service?"
    # read alone, "those days are paid as normal" is about jury service only through its paragraph
    alone = [h.clause.text for h in _without_paragraphs(handbook).retriever.search(question, k=3)]
    read = [h.clause.text for h in handbook.retriever.search(question, k=3)]
    assert alone[1].startswith("Days worked on a bank holiday") and alone[2].startswith("Hand the certificates")
    assert read[0].startswith("If you are called for jury service") and read[1].startswith("Hand the certificates")
    assert handbook.ask(question).citations[1].quote.startswith("Hand the certificates")


@pytest.mark.parametrize("question", [
    "Can I accept a friend request from a parent on Facebook?",
    "Can I post photos of pupils on my own Instagram?",
    "What is the school's Twitter handle?",
    "Can I claim a mileage allowance for driving to a sabbatical?",
    "Is it OK to complain about my headteacher on Facebook?",
])
def test_abstention_and_rulings_read_the_clauses_own_scores(engine, question):
    plain = _without_paragraphs(engine)
    assert engine.evidence_for(question) == plain.evidence_for(question)
    with_, without = engine.ask(question), plain.ask(question)
    assert (with_.answered, with_.confidence) == (without.answered, without.confidence)


def test_every_hit_of_the_clause_order_is_returned_after_those_shown(handbook):
    hits = handbook.retriever.search("Which days are paid as normal?", k=4)
    own = sorted(hits, key=lambda h: -h.score)[:4]
    assert all(h in hits for h in own) and len(hits) >= 4
    assert [h.shown for h in hits[:4]] == sorted((h.shown for h in hits[:4]), reverse=True)


def test_a_neighbour_strong_on_its_own_score_joins_the_quote_whatever_the_order_shown():
    text = ("Staff may work from home two days a week.\n\nAsk your line manager first.\n\n"
            "Laptops are issued by IT.\n\nParking permits cost ten pounds.\n\nThe canteen opens at eight.\n\n"
            "Visitors sign in at reception.")
    doc = PolicyDocument(source="p.md", title="P", text=text, format="markdown")
    clauses = chunk_document(doc)
    ranked = [(i, c) for i, c in enumerate(clauses)]
    order = [ranked[1], ranked[3], ranked[4], ranked[5], ranked[0]]  # "Staff may…" is shown fifth
    quoter = Quoter({doc.source: doc}, clauses)
    quote = lambda strength: shown(text, *(lambda p: (p.start, p.end))(quoter.passages(order, "", strength)[0][1])).text  # noqa: E731
    assert quote(None) == "Ask your line manager first."  # by the order shown it is too far down to join
    # by its own score it ranks first: a strong neighbour, quoted with the clause after it
    assert quote([1, 2, 3, 4, 0]) == "Staff may work from home two days a week.\nAsk your line manager first."


def test_the_first_passages_are_the_same_whether_or_not_the_rest_are_worked_out(engine):
    for question in ("Can I accept a friend request from a parent on Facebook?", "What is the school's Twitter handle?"):
        hits = engine.retriever.search(question, k=10)
        every = engine._distinct(hits, question)
        assert len(every) > 3
        for limit in (1, 3):
            first = engine._distinct(hits, question, limit)
            assert [(h.position, p.start, p.end) for h, p in first] == \
                   [(h.position, p.start, p.end) for h, p in every[:limit]]

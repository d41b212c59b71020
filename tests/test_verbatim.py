"""The product's promise: every clause is an exact slice of its document and every quote is found verbatim.

Checked over whole corpora (the default one and every evaluation corpus), over answers to real
evaluation questions, and over random Markdown-ish documents (hypothesis).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from assistant.chunking import chunk_document
from assistant.engine import PolicyEngine, quote_of
from assistant.loaders import load_corpus
from assistant.models import PolicyDocument
from assistant.settings import Settings
from assistant.text import fold

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = ROOT.parent / "shared" / "eval"
CORPORA = {
    "policy_corpus": ROOT / "policy_corpus",
    "glenmere": SHARED_EVAL / "corpora" / "glenmere",
    "18f_handbook": SHARED_EVAL / "corpora" / "18f_handbook",
    "policyqa_dev": SHARED_EVAL / "corpora" / "policyqa_dev",
}
QUESTIONS = ["Can I accept a friend request from a parent?", "How much annual leave do I get?",
             "Do you share my data with third parties?"]


def _corpus_dir(name: str) -> Path:
    path = CORPORA[name]
    if not path.is_dir():
        pytest.skip(f"{path} is not available")
    return path


def _questions(name: str) -> list[dict]:
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- whole corpora

@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_clause_is_an_exact_slice_and_every_quote_is_verbatim(name):
    corpus_dir = _corpus_dir(name)
    corpus = load_corpus(corpus_dir)
    assert corpus.documents
    clause_count = 0
    for doc in corpus.documents:
        original = fold((corpus_dir / doc.source).read_text("utf-8-sig"))
        clauses = chunk_document(doc)
        previous_end = 0
        for clause in clauses:
            clause_count += 1
            assert doc.text[clause.start:clause.end] == clause.text, (doc.source, clause.start)
            assert clause.text.strip() == clause.text and clause.text
            assert clause.start >= previous_end, f"{doc.source}: clauses overlap at {clause.start}"
            previous_end = clause.end
            if clause.context is not None:
                assert clause.context in doc.text, (doc.source, clause.context)
            for question in QUESTIONS:
                quote = quote_of(doc.text, clause, question)
                assert quote and len(quote.split()) <= 60
                assert fold(quote) in original, (doc.source, quote)
    assert clause_count > len(corpus.documents)


# ---------------------------------------------------------------- answers to evaluation questions

def _engine_over(tmp: Path, corpus: Path, embedder) -> PolicyEngine:
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp / "index", db_path=tmp / "db.sqlite")
    return PolicyEngine.open(settings, embedder=embedder)


def _assert_answers_quote_verbatim(engine: PolicyEngine, corpus: Path, questions: list[dict]) -> int:
    originals = {d.source: fold((corpus / d.source).read_text("utf-8-sig")) for d in engine.index.documents}
    checked = 0
    for q in questions:
        answer = engine.ask(q["question"], scope=q.get("scope"))
        for citation in answer.citations + answer.related:
            assert fold(citation.quote) in originals[citation.source], (q["id"], citation.quote)
            assert len(citation.quote.split()) <= 60
            if citation.context:
                assert fold(citation.context) in originals[citation.source]
            checked += 1
    return checked


def test_glenmere_answers_quote_verbatim(tmp_path, embedder):
    corpus = _corpus_dir("glenmere")
    engine = _engine_over(tmp_path, corpus, embedder)
    questions = _questions("glenmere_dev.jsonl")
    sample = random.Random(3).sample(questions, 12) + [q for q in questions if not q["answerable"]][:2]
    assert _assert_answers_quote_verbatim(engine, corpus, sample) > 20


def test_18f_answers_quote_verbatim(tmp_path, embedder):
    """A few 18F handbook pages (keeping their paths), so the test embeds hundreds, not ten thousand, clauses."""
    source = _corpus_dir("18f_handbook")
    keep = ["leave.md", "overtime.md", "fmla.md", "going-out-of-office.md", "paid-parental-leave.md"]
    corpus = tmp_path / "18f"
    target = corpus / "pages" / "travel-and-leave"
    target.mkdir(parents=True)
    for name in keep:
        shutil.copy(source / "pages" / "travel-and-leave" / name, target / name)
    engine = _engine_over(tmp_path, corpus, embedder)
    wanted = {f"pages/travel-and-leave/{n}" for n in keep}
    questions = [q for q in _questions("18f_dev.jsonl") if q.get("source") in wanted or not q["answerable"]]
    assert len(questions) >= 10
    assert _assert_answers_quote_verbatim(engine, corpus, questions[:10]) > 10


def test_policyqa_answers_quote_verbatim(tmp_path, embedder):
    source = _corpus_dir("policyqa_dev")
    keep = ["ted-com.md", "buffalowildwings-com.md", "cariboucoffee-com.md"]
    corpus = tmp_path / "pqa"
    corpus.mkdir()
    for name in keep:
        shutil.copy(source / name, corpus / name)
    engine = _engine_over(tmp_path, corpus, embedder)
    questions = [q for q in _questions("policyqa_dev.jsonl") if q.get("scope") in keep]
    sample = random.Random(7).sample(questions, min(10, len(questions)))
    assert _assert_answers_quote_verbatim(engine, corpus, sample) > 10


def test_default_engine_answers_quote_verbatim(engine, settings):
    questions = _questions("glenmere_dev.jsonl")[:6]
    assert _assert_answers_quote_verbatim(engine, settings.corpus_dir, questions) > 10


def test_lookup_quotes_are_verbatim(engine, settings):
    originals = {d.source: fold((settings.corpus_dir / d.source).read_text("utf-8")) for d in engine.index.documents}
    citations = engine.lookup("social networking", k=5) + engine.lookup("social networking", k=5, offset=5)
    assert len(citations) == 10 and len({c.clause_id for c in citations}) == 10
    assert all(fold(c.quote) in originals[c.source] for c in citations)


def test_long_clause_is_cut_to_whole_sentences_verbatim():
    sentences = [f"Sentence {i} is about topic {i} and nothing else at all today." for i in range(12)]
    sentences[9] = "Staff must report a lost laptop to the service desk within one hour."
    text = "# T\n\n" + " ".join(sentences) + "\n"
    doc = PolicyDocument(source="t.md", title="T", text=text, format="markdown")
    (clause,) = [c for c in chunk_document(doc) if "lost laptop" in c.text] or [None]
    assert clause is not None
    long_clause = clause.model_copy(update={"start": text.index("Sentence 0"), "end": len(text) - 1,
                                            "text": text[text.index("Sentence 0"):len(text) - 1]})
    quote = quote_of(text, long_clause, "What if I lose my laptop?")
    assert "lost laptop" in quote
    assert len(quote.split()) <= 60
    assert fold(quote) in fold(text)
    assert quote.endswith(".")  # cut at a sentence end, not in the middle


# ---------------------------------------------------------------- random documents

_WORDS = st.sampled_from("staff must not may leave policy the a of and e.g. i.e. Mr. laptop help pupils "
                         "friends 25 days £120 “quoted” (brackets) can't approval manager U.S. etc.".split())
_SENTENCE = st.builds(lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
                      _WORDS, st.lists(_WORDS, max_size=14), st.sampled_from([".", "!", "?", ":", ".\"", ".)", ""]))
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=12).map(" ".join)
_HEADING = st.builds(lambda level, words: "#" * level + " " + " ".join(words),
                     st.integers(1, 4), st.lists(_WORDS, min_size=1, max_size=5))
_LIST = st.lists(st.tuples(st.sampled_from(["", "  ", "    "]), st.sampled_from(["- ", "* ", "1. ", "a) "]), _SENTENCE),
                 min_size=1, max_size=6).map(lambda items: "\n".join(i + m + s for i, m, s in items))
_TABLE = st.lists(st.lists(_WORDS, min_size=2, max_size=2), min_size=1, max_size=4).map(
    lambda rows: "| h1 | h2 |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows))
_OTHER = st.sampled_from(["```\ncode here.\n```", "{% include x.html %}", "---", "<!-- note -->",
                          "Title Line", "**Bold heading**", "Setext\n======", "Tab\tseparated\trow", "   ", ""])
_BLOCK = st.one_of(_HEADING, _PARAGRAPH, _LIST, _TABLE, _OTHER)
_DOCUMENT = st.tuples(st.lists(_BLOCK, max_size=12), st.sampled_from(["\n\n", "\n", "\r\n\r\n", "\n\n\n"])).map(
    lambda parts: parts[1].join(parts[0]))


@hyp_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_DOCUMENT, fmt=st.sampled_from(["markdown", "text"]))
def test_random_documents_chunk_into_exact_non_overlapping_slices(text, fmt):
    doc = PolicyDocument(source="r.md", title="Random", text=text, format=fmt)
    previous_end = 0
    for clause in chunk_document(doc):
        assert doc.text[clause.start:clause.end] == clause.text
        assert clause.text and clause.text == clause.text.strip()
        assert clause.start >= previous_end
        previous_end = clause.end
        if clause.context is not None:
            assert clause.context in doc.text
        assert "code here" not in clause.text and "{%" not in clause.text
        quote = quote_of(doc.text, clause, "may staff leave")
        assert fold(quote) in fold(doc.text)
        assert len(quote.split()) <= 60


def test_everything_shown_in_quotation_marks_on_the_terminal_is_verbatim(engine):
    """The rendered answer, not just the data: each “…” or "…" span stands in the policy it cites."""
    import re

    from assistant.render import answer_text

    path = SHARED_EVAL / "glenmere_dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    questions = [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    documents = [fold(d.text) for d in engine.index.documents]
    shown = 0
    for question in questions:
        text = answer_text(engine.ask(question))
        for span in re.findall(r"\u201c(.*?)\u201d|\"(.*?)\"", text, flags=re.S):
            quoted = fold(next(s for s in span if s))
            assert any(quoted in document for document in documents), (question, quoted)
            shown += 1
    assert shown > len(questions)  # answers really did quote

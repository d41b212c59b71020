"""The product's promise: every clause is an exact slice of its document, and every quote shows the
document's own words, each piece mapping back to its exact source offsets, with no markup showing.

Checked over whole corpora (the default one, the fixtures in tests/fixtures, and every evaluation
corpus when ../shared/eval is present), over answers to questions, and over random Markdown-ish
documents (hypothesis).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings as hyp_settings, strategies as st

from assistant.chunking import HTML_TAG, chunk_document
from assistant.engine import PolicyEngine
from assistant.loaders import load_corpus
from assistant.models import Citation, PolicyDocument
from assistant.quoting import QUOTE_WORDS, Quoter, plain_document, shown
from assistant.settings import Settings
from assistant.text import ENTITY, entity, fold

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
CORPORA = {
    "policy_corpus": ROOT / "policy_corpus",
    "fixtures": FIXTURES,
    "glenmere": SHARED_EVAL / "corpora" / "glenmere",
    "18f_handbook": SHARED_EVAL / "corpora" / "18f_handbook",
    "clef_handbook": SHARED_EVAL / "corpora" / "clef_handbook",
    "policyqa_dev": SHARED_EVAL / "corpora" / "policyqa_dev",
}
QUESTIONS = ["Can I accept a friend request from a parent?", "How much annual leave do I get?",
             "Do you share my data with third parties?"]
# Source markup a reader must never see inside a quote: links, images, table pipes, front-matter
# fences, HTML tags (the test the evaluation's score.py applies, except that score.py takes any "<word …>"
# for a tag: a placeholder of the policy's own, "(<software> wants to make changes)", is its text and is
# quoted, rather than dropped from the middle of a quote).
MARKUP = re.compile(r"\]\(|!\[|^\s*\||\|\s*$|\s\|\s.*\s\|\s|^\s*(?:\+\+\+|---)\s*$|" + HTML_TAG, re.M)


def _corpus_dir(name: str) -> Path:
    path = CORPORA[name]
    if not path.is_dir():
        pytest.skip(f"evaluation corpus {path} is absent (../shared/eval is not part of a fresh clone)")
    return path


def _questions(name: str) -> list[dict]:
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"evaluation questions {path} are absent (../shared/eval is not part of a fresh clone)")
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _source_text(corpus: Path, doc: PolicyDocument) -> str:
    """The text a document's offsets refer to: the file itself for Markdown and text."""
    if doc.format not in ("markdown", "text"):
        return doc.text
    with open(corpus / doc.source, encoding="utf-8-sig", newline="") as file:  # line ends as they are
        return file.read()


def rendered(piece: str) -> str:
    """A piece of source text as a quote shows it: each character reference read as the character it names."""
    return ENTITY.sub(lambda m: entity(m.group()) or m.group(), piece)


def assert_faithful(quote: str, spans: list[tuple[int, int]] | tuple[tuple[int, int], ...], source: str) -> None:
    """The quote is the source's words at `spans`, in order, nothing added (a character reference, "&quot;",
    shows the character it names); and no markup shows."""
    assert spans and all(0 <= a < b <= len(source) for a, b in spans), spans
    assert all(b <= c for (_, b), (c, _) in zip(spans, spans[1:])), "pieces in reading order"
    pieces = "".join(rendered(source[a:b]) for a, b in spans)
    assert re.sub(r"\s+", "", quote) == re.sub(r"\s+", "", pieces), (quote, pieces)
    assert not MARKUP.search(quote), quote


# ---------------------------------------------------------------- whole corpora

@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_clause_is_an_exact_slice_and_every_quote_is_faithful(name):
    corpus_dir = _corpus_dir(name)
    corpus = load_corpus(corpus_dir)
    assert corpus.documents
    clause_count = 0
    for doc in corpus.documents:
        source = _source_text(corpus_dir, doc)
        plain = plain_document(doc.text)
        clauses = chunk_document(doc)
        quoter = Quoter({doc.source: doc}, clauses)
        previous_end = 0
        for position, clause in enumerate(clauses):
            clause_count += 1
            assert doc.text[clause.start:clause.end] == clause.text, (doc.source, clause.start)
            assert clause.text.strip() == clause.text and clause.text
            assert clause.start >= previous_end, f"{doc.source}: clauses overlap at {clause.start}"
            assert len(clause.text.split()) <= QUOTE_WORDS
            previous_end = clause.end
            if clause.context is not None:
                assert clause.context in doc.text, (doc.source, clause.context)
            question = QUESTIONS[position % len(QUESTIONS)]
            for _, passage in quoter.passages([(position, clause)], question):
                quote = shown(doc.text, passage.start, passage.end)
                if not quote.text:
                    continue  # an image or a tag alone: nothing to read, nothing quoted
                spans = [(a + doc.offset, b + doc.offset) for a, b in quote.spans]
                assert_faithful(quote.text, spans, source)
                assert fold(quote.text) in plain, (doc.source, quote.text)
                assert quote.words <= 2 * QUOTE_WORDS
    assert clause_count > len(corpus.documents)


# ---------------------------------------------------------------- answers

def _engine_over(tmp: Path, corpus: Path, embedder) -> PolicyEngine:
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp / "index", db_path=tmp / "db.sqlite")
    return PolicyEngine.open(settings, embedder=embedder)


def _assert_citations_faithful(engine: PolicyEngine, corpus: Path, citations: list[Citation]) -> None:
    for citation in citations:
        doc = engine.document(citation.source)
        assert doc is not None
        assert_faithful(citation.quote, citation.spans, _source_text(corpus, doc))
        assert fold(citation.quote) in plain_document(doc.text)
        if citation.context:
            assert fold(citation.context) in plain_document(doc.text)


def _assert_answers_faithful(engine: PolicyEngine, corpus: Path, questions: list[dict]) -> int:
    checked = 0
    for q in questions:
        answer = engine.ask(q["question"], scope=q.get("scope"))
        quotes = [fold(c.quote) for c in answer.citations]
        assert len(quotes) == len(set(quotes)), "the same words are quoted once"
        _assert_citations_faithful(engine, corpus, answer.citations + answer.related)
        checked += len(answer.citations + answer.related)
    return checked


FIXTURE_QUESTIONS = [
    {"id": "f1", "question": "How many local holidays do full-time staff get?"},
    {"id": "f2", "question": "What should I do if my laptop is stolen?"},
    {"id": "f3", "question": "Can I accept a gift from a supplier?"},
    {"id": "f4", "question": "What does good technical feedback sound like?"},
    {"id": "f5", "question": "Can I work from home on Fridays?"},
    {"id": "f6", "question": "Can I post confidential information on social media?"},
    {"id": "f7", "question": "Can I add a pupil as a friend on Facebook?"},
    {"id": "f8", "question": "Can I post photos of pupils?"},
    {"id": "f9", "question": "Who owns the staff handbook?"},
]


def test_fixture_answers_are_faithful_and_clean(tmp_path, embedder):
    engine = _engine_over(tmp_path, FIXTURES, embedder)
    assert _assert_answers_faithful(engine, FIXTURES, FIXTURE_QUESTIONS) > len(FIXTURE_QUESTIONS)


@pytest.mark.parametrize("questions, corpus, keep", [
    ("glenmere_dev.jsonl", "glenmere", None),
    ("18f_dev.jsonl", "18f_handbook", ["leave.md", "overtime.md", "fmla.md", "going-out-of-office.md",
                                       "paid-parental-leave.md"]),
    ("clef_handbook_dev.jsonl", "clef_handbook", None),
    ("policyqa_dev.jsonl", "policyqa_dev", ["ted-com.md", "buffalowildwings-com.md", "cariboucoffee-com.md"]),
])
def test_answers_to_evaluation_questions_are_faithful_and_clean(tmp_path, embedder, questions, corpus, keep):
    """A sample of each evaluation set (a few documents of the large ones, keeping their paths)."""
    source = _corpus_dir(corpus)
    asked = _questions(questions)
    if keep is not None:
        files = {p.name: p for p in source.rglob("*.md") if p.name in keep}
        target = tmp_path / corpus
        for path in files.values():
            (target / path.parent.relative_to(source)).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.relative_to(source))
        wanted = {p.relative_to(source).as_posix() for p in files.values()}
        asked = [q for q in asked if (q.get("scope") or q.get("source")) in wanted]
        source = target
    engine = _engine_over(tmp_path, source, embedder)
    sample = random.Random(3).sample(asked, min(12, len(asked)))
    assert _assert_answers_faithful(engine, source, sample) >= len(sample)


def test_default_engine_answers_are_faithful(engine, settings):
    questions = [{"id": str(i), "question": q} for i, q in enumerate(GLENMERE_QUESTIONS[:6])]
    assert _assert_answers_faithful(engine, settings.corpus_dir, questions) > 6


def test_lookup_quotes_are_faithful(engine, settings):
    citations = engine.lookup("social networking", k=5) + engine.lookup("social networking", k=5, offset=5)
    assert len(citations) == 10 and len({c.clause_id for c in citations}) == 10
    _assert_citations_faithful(engine, settings.corpus_dir, citations)


def test_long_passage_is_cut_to_whole_sentences_verbatim():
    sentences = [f"Sentence {i} is about topic {i} and nothing else at all today." for i in range(12)]
    sentences[9] = "Staff must report a lost laptop to the service desk within one hour."
    text = "# T\n\n" + " ".join(sentences) + "\n"
    doc = PolicyDocument(source="t.md", title="T", text=text, format="markdown")
    clauses = chunk_document(doc)
    quoter = Quoter({"t.md": doc}, clauses)
    start, end = quoter.best_part(clauses[0], text.index("Sentence 0"), len(text) - 1, "What if I lose my laptop?")
    quote = shown(text, start, end).text
    assert "lost laptop" in quote
    assert len(quote.split()) <= QUOTE_WORDS
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
@example(text="- Staff.\r\n\r\n---\r\n\r\n- Staff.", fmt="markdown")  # a rule between Windows line ends
def test_random_documents_chunk_into_exact_slices_and_faithful_quotes(text, fmt):
    doc = PolicyDocument(source="r.md", title="Random", text=text, format=fmt)
    clauses = chunk_document(doc)
    quoter = Quoter({"r.md": doc}, clauses)
    previous_end = 0
    for position, clause in enumerate(clauses):
        assert doc.text[clause.start:clause.end] == clause.text
        assert clause.text and clause.text == clause.text.strip()
        assert clause.start >= previous_end
        previous_end = clause.end
        if clause.context is not None:
            assert clause.context in doc.text
        assert "code here" not in clause.text and "{%" not in clause.text
        for _, passage in quoter.passages([(position, clause)], "may staff leave"):
            quote = shown(doc.text, passage.start, passage.end)
            if quote.text:
                assert_faithful(quote.text, quote.spans, doc.text)
                assert fold(quote.text) in plain_document(doc.text)


GLENMERE_QUESTIONS = [
    "Can I accept a friend request from a parent?", "Can I add a pupil as a friend?",
    "Can I post photos of pupils on the school Twitter account?", "Can I use the school logo on my own website?",
    "What happens if I breach this policy?", "Can parents post photos of other children from school events?",
    "Who do I tell if I see something worrying online?", "Can I give pupils my personal phone number?",
    "When is this policy due for review?", "Can I mention the school on my personal Facebook page?",
]


def test_everything_shown_in_quotation_marks_on_the_terminal_stands_in_the_policy(engine):
    """The rendered answer, not just the data: each “…” span stands in the policy as a reader sees it."""
    from assistant.render import answer_text

    documents = [plain_document(d.text) for d in engine.index.documents]
    shown_spans = 0
    for question in GLENMERE_QUESTIONS:
        text = answer_text(engine.ask(question), every_clause=True)
        for span in re.findall(r"\u201c(.*?)\u201d", text, flags=re.S):
            assert any(fold(span) in document for document in documents), (question, span)
            shown_spans += 1
    assert shown_spans > len(GLENMERE_QUESTIONS)  # answers really did quote

"""The answering engine: question in, `Answer` with verbatim citations out.

`PolicyEngine.open(settings)` loads the model and the index once (rebuilding a stale index when
settings allow); `ask()` is then pure computation over memory and takes milliseconds.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import time
import unicodedata
from dataclasses import dataclass

from .embeddings import Embedder
from .errors import CorpusError, IndexError_, QuestionError
from .index import PolicyIndex, build_index, load_index, published_build, staleness
from .models import Answer, Citation, Clause, DocumentStatus, PolicyDocument, Verdict, VerifiedAnswer
from .retrieval import Hit, Mode, Retriever
from .chunking import sentence_spans, short_lists
from .settings import Settings
from .text import tokens
from .verdict import asks_for_ruling, clause_verdict, verdict_line
from .verified import VerifiedBook, VerifiedMatch, locate

log = logging.getLogger(__name__)

QUOTE_WORDS = 60
NEIGHBOUR_DEPTH = 3  # a neighbour joins a quote when it ranks within this many places after it
# Abstention: a clause "answers" when the question's meaning is close to it and the question's
# topical words are found in it; see `_confidence`. One global threshold, chosen once on all the
# development sets together, never per corpus or per question: the highest at which no set wrongly
# abstains on more than 1 answerable question in 10, less a small margin (0.44 -> 0.43).
ANSWER_THRESHOLD = 0.43


@dataclass
class Scope:
    """Which documents a question may be answered from (None: all)."""

    sources: set[str] | None = None

    @property
    def label(self) -> list[str] | None:
        return sorted(self.sources) if self.sources is not None else None


class PolicyEngine:
    """Answers questions from one indexed policy corpus."""

    def __init__(self, settings: Settings, index: PolicyIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder)
        self._documents = {d.source: d for d in index.documents}
        self._list_spans = short_lists(index.clauses, QUOTE_WORDS)
        self.verified: VerifiedBook | None = None

    @classmethod
    def open(cls, settings: Settings, progress: bool = False, embedder: Embedder | None = None,
             build: bool | None = None) -> PolicyEngine:
        """Load the model and the index, building it when missing or stale if `build` (default: the
        `auto_reindex` setting) allows; serving processes pass build=False unless told otherwise."""
        from .loaders import supported_files

        if build is not False:
            supported_files(settings.corpus_dir)  # a missing corpus is reported before the slow model load
        embedder = embedder or Embedder(settings.model)
        return cls(settings, open_index(settings, embedder, progress, build), embedder)

    def reloaded(self) -> PolicyEngine | None:
        """A new engine over the index build published since this one was loaded (None if there is none).

        The current engine is left untouched, so questions already being answered finish on it."""
        published = published_build(self.settings.index_dir)
        if published is None or published == self.index.manifest.build_id:
            return None
        index = load_index(self.settings.index_dir)
        if index.manifest.model != self.embedder.name:
            raise IndexError_(f"the new index was built with the model {index.manifest.model!r}, not "
                              f"{self.embedder.name!r}")
        return type(self)(self.settings, index, self.embedder)

    # ------------------------------------------------------------------ questions

    def ask(self, question: str, scope: str | list[str] | None = None, mode: Mode = "hybrid") -> Answer:
        """Answer a question from the policies, quoting the governing clauses verbatim."""
        started = time.perf_counter()
        question = self.check_question(question)
        chosen = self.resolve_scope(scope)
        hits = self.retriever.search(question, chosen.sources, k=10, mode=mode)
        confidence = _confidence(hits[0]) if hits else 0.0
        answered = mode != "hybrid" and bool(hits) or confidence >= ANSWER_THRESHOLD
        match = self.verified.match(question, chosen.sources) if self.verified and mode == "hybrid" else None
        taken = [(match.answer.source, match.start, match.end)] if match else []
        picked = [(h, span) for h, span in self._distinct(hits) if not _overlaps(taken, h.clause.source, *span)]
        picked = picked[:self.settings.max_citations - len(taken)]
        citations = [self.citation(h, question, span) for h, span in picked]
        if match:
            citations.insert(0, self.verified_citation(match))
            answered = True
        top_source = citations[0].source if citations else None
        top_doc = self._documents.get(top_source) if top_source else self._only_document(chosen)
        contact = (top_doc.contact if top_doc and top_doc.contact else None) or self.settings.contact
        ruling = answered and bool(citations) and asks_for_ruling(question)
        verdict = citations[0].verdict if ruling else Verdict.information
        if match and match.answer.verdict is not None:
            verdict = match.answer.verdict  # the owner's own reading of the clause
        document = top_doc.title if top_doc else "the policy"
        return Answer(
            question=question,
            answered=answered,
            verdict=verdict,
            verdict_line=verdict_line(verdict, document, answered, contact),
            citations=citations if answered else [],
            related=[] if answered else citations,
            warnings=self._warnings({c.source for c in citations} if answered else set()),
            contact=contact,
            scope=chosen.label,
            confidence=round(max(confidence, match.similarity) if match else confidence, 3),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            verified_id=match.answer.id if match else None,
        )

    def use_verified(self, answers: list[VerifiedAnswer]) -> list[VerifiedAnswer]:
        """Match later questions against these verified answers; returns those whose quote no longer stands."""
        book = VerifiedBook(answers, self._documents, self.retriever.embedder)
        self.verified = book if len(book) else None
        return book.stale

    def verified_citation(self, match: VerifiedMatch) -> Citation:
        """A verified answer's quote as the first citation, labelled with who verified it and when."""
        answer = match.answer
        doc = self._documents[answer.source]
        clause = next((c for c in self.index.clauses if c.source == answer.source and c.start < match.end
                       and match.start < c.end), None)
        quote = list_quote(doc.text, match.start, match.end)
        return Citation(
            quote="\n".join(line.strip() for line in without_emphasis(quote).split("\n")),
            source=answer.source,
            document=clause.document if clause else doc.title,
            section=clause.section_label if clause else "",
            score=round(match.similarity, 4),
            verdict=answer.verdict or (clause_verdict(clause.text, clause.context) if clause else Verdict.information),
            context=without_emphasis(" ".join(clause.context.split())) if clause and clause.context else None,
            clause_id=clause.id if clause else f"verified-{answer.id}",
            review_due=doc.review_due_label,
            verified=answer.label,
        )

    def quote_stands(self, source: str, quote: str) -> bool:
        """True when the quote stands in that document (case, white space and emphasis aside)."""
        doc = self._documents.get(source)
        return doc is not None and locate(doc.text, quote) is not None

    def lookup(self, words: str, scope: str | list[str] | None = None, k: int = 3, offset: int = 0) -> list[Citation]:
        """The best matching clauses for a few words, for quick clause lookup ("More clauses" pages on)."""
        words = self.check_question(words)
        hits = self.retriever.search(words, self.resolve_scope(scope).sources, k=3 * (offset + k))
        return [self.citation(h, words, span) for h, span in self._distinct(hits)[offset:offset + k]]

    def check_question(self, question: str) -> str:
        """The question, tidied; raises QuestionError for empty, huge or binary input."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"That question is too long ({len(question):,} characters); "
                                f"please keep it under {limit:,}.")
        controls = sum(1 for ch in question if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
                       and ch not in "\n\r\t")
        if controls or question.count("\ufffd") > 2:
            raise QuestionError("That doesn't look like a question in words; please type it as plain text.")
        question = " ".join(question.split())
        if not re.search(r"\w", question):
            raise QuestionError("Please ask a question, e.g. \"Can I accept a friend request from a parent?\"")
        return question

    def resolve_scope(self, scope: str | list[str] | None) -> Scope:
        """Turn source names or glob patterns into the set of documents to search."""
        if scope is None or scope == [] or scope == "":
            return Scope()
        patterns = [scope] if isinstance(scope, str) else list(scope)
        chosen = {s for s in self._documents for p in patterns if s == p or fnmatch.fnmatch(s, p)}
        if not chosen:
            raise QuestionError(f"No policy matches {', '.join(patterns)}; `policy-assistant list` shows them.")
        return Scope(chosen)

    # ------------------------------------------------------------------ documents

    def documents(self) -> list[DocumentStatus]:
        """Every policy with its review status."""
        today = self.settings.review_date()
        counts: dict[str, int] = {}
        for clause in self.index.clauses:
            counts[clause.source] = counts.get(clause.source, 0) + 1
        return [DocumentStatus(source=d.source, title=d.title, contact=d.contact, last_reviewed=d.last_reviewed,
                               review_due=d.review_due_label, overdue=bool(d.review_due and d.review_due < today),
                               clauses=counts.get(d.source, 0))
                for d in self.index.documents]

    def document(self, source: str) -> PolicyDocument | None:
        return self._documents.get(source)

    def contact_for(self, source: str | None) -> str:
        """Who to ask about a policy (its named owner, else the configured contact)."""
        doc = self._documents.get(source or "")
        return (doc.contact if doc and doc.contact else None) or self.settings.contact

    # ------------------------------------------------------------------ pieces

    def quote_span(self, hit: Hit) -> tuple[int, int]:
        """What a hit quotes: its clause, or the whole of a short list it belongs to."""
        return self._list_spans.get(hit.position, (hit.clause.start, hit.clause.end))

    def _distinct(self, hits: list[Hit]) -> list[tuple[Hit, tuple[int, int]]]:
        """Hits in order with the span each quotes, skipping any that overlaps a span already taken.

        When other strong hits stand right next to a hit in the same section, and together they
        still make a short quote, they are quoted as one passage: two neighbouring sentences that
        both match usually answer the question together ("called to jury duty" + "does not count
        against your leave").
        """
        taken: list[tuple[str, int, int]] = []
        out = []
        for rank, hit in enumerate(hits):
            start, end = self.quote_span(hit)
            if _overlaps(taken, hit.clause.source, start, end):
                continue
            start, end = self._widen(hit, start, end, hits[:rank + 1 + NEIGHBOUR_DEPTH], taken)
            taken.append((hit.clause.source, start, end))
            out.append((hit, (start, end)))
        return out

    def _widen(self, hit: Hit, start: int, end: int, near: list[Hit],
               taken: list[tuple[str, int, int]]) -> tuple[int, int]:
        """The span grown over adjacent strong hits of the same section while it stays a short quote."""
        text = self._documents[hit.clause.source].text
        grown = True
        while grown:
            grown = False
            for other in near:
                clause = other.clause
                if clause.source != hit.clause.source or clause.section != hit.clause.section:
                    continue
                a, b = self.quote_span(other)
                if not self._adjacent((start, end), (a, b), clause.source) or _overlaps(taken, clause.source, a, b):
                    continue
                lo, hi = min(start, a), max(end, b)
                if len(text[lo:hi].split()) <= QUOTE_WORDS:
                    start, end, grown = lo, hi, True
        return start, end

    def _adjacent(self, span: tuple[int, int], other: tuple[int, int], source: str) -> bool:
        """True when only white space or a list marker stands between the two spans."""
        lo, hi = (span, other) if span[0] < other[0] else (other, span)
        if lo[1] > hi[0]:
            return False
        gap = self._documents[source].text[lo[1]:hi[0]]
        return not gap.strip() or _LIST_MARKER.fullmatch(gap.lstrip()) is not None

    def citation(self, hit: Hit, question: str, span: tuple[int, int]) -> Citation:
        """The hit as a citation quoting `span` (its clause, its short list, or a joined passage)."""
        clause = hit.clause
        doc = self._documents[clause.source]
        quote = quote_of(doc.text, clause, question) if span == (clause.start, clause.end) \
            else list_quote(doc.text, *span)
        return Citation(
            quote="\n".join(line.strip() for line in without_emphasis(quote).split("\n")),
            source=clause.source,
            document=clause.document,
            section=clause.section_label,
            score=round(hit.score, 4),
            verdict=clause_verdict(clause.text, clause.context),
            context=without_emphasis(" ".join(clause.context.split())) if clause.context else None,
            clause_id=clause.id,
            review_due=doc.review_due_label,
        )

    def _warnings(self, sources: set[str]) -> list[str]:
        today = self.settings.review_date()
        out = []
        for source in sorted(sources):
            doc = self._documents[source]
            if doc.review_due and doc.review_due < today:
                out.append(f"{doc.title} was due for review in {doc.review_due_label or f'{doc.review_due:%B %Y}'}; "
                           f"check with {self.contact_for(source)} that it is still current.")
        return out

    def _only_document(self, scope: Scope) -> PolicyDocument | None:
        sources = scope.sources if scope.sources is not None else set(self._documents)
        return self._documents[next(iter(sources))] if len(sources) == 1 else None


def open_index(settings: Settings, embedder: Embedder, progress: bool = False,
               build: bool | None = None) -> PolicyIndex:
    """The index for the configured corpus and model: loaded, or (re)built when missing or stale.

    A missing index is built, and `build=None` rebuilds a stale one as `settings.auto_reindex` says;
    `build=False` (a serving process not told to rebuild) never builds: a missing index is an error,
    a stale one is served with a warning until `policy-assistant index` publishes a new one."""
    allowed = settings.auto_reindex if build is None else build
    try:
        index = load_index(settings.index_dir)
    except IndexError_:
        if (settings.index_dir / "manifest.json").exists() or build is False:
            raise  # corrupt (refuse rather than replace what someone may be inspecting), or not ours to build
        log.info("No index yet in %s; building it", settings.index_dir)
        return _build(settings, embedder, progress)
    if index.manifest.model != embedder.name and build is False:
        raise IndexError_(f"The index in {settings.index_dir} was built with the model {index.manifest.model!r}, "
                          f"not {embedder.name!r}. Run `policy-assistant index` to rebuild it.")
    try:
        reason = staleness(index, settings.corpus_dir, embedder.name, settings.max_file_bytes)
    except CorpusError:
        if build is not False:
            raise
        reason = None  # a serving replica may have the index without the policy folder
    if reason is None:
        return index
    if build is False:
        log.warning("Serving the published index although %s; run `policy-assistant index` to refresh it", reason)
        return index
    if not allowed:
        raise IndexError_(f"The index in {settings.index_dir} is out of date: {reason}. "
                          "Run `policy-assistant index` to rebuild it.")
    log.info("Rebuilding the index: %s", reason)
    return _build(settings, embedder, progress)


def _build(settings: Settings, embedder: Embedder, progress: bool) -> PolicyIndex:
    return build_index(settings.corpus_dir, settings.index_dir, embedder, progress, settings.max_file_bytes)


def _confidence(hit: Hit) -> float:
    """How sure we are the best clause answers the question, from meaning and topical overlap."""
    return hit.dense + 0.5 * hit.coverage


def without_emphasis(text: str) -> str:
    """Markdown emphasis marks dropped (`***must not***` -> `must not`); the words stay verbatim."""
    text = re.sub(r"\*{1,3}", "", text)
    return re.sub(r"(?<![\w\\])_{1,3}(?=\S)|(?<=\S)_{1,3}(?!\w)", "", text)


def _overlaps(taken: list[tuple[str, int, int]], source: str, start: int, end: int) -> bool:
    """True when the span overlaps one already quoted from the same document."""
    return any(s == source and a < end and start < b for s, a, b in taken)


_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|[a-z][.)])[ \t]+")


def list_quote(text: str, start: int, end: int) -> str:
    """A short list quoted verbatim, one item a line (white space within a line folded).

    A quote that starts at a list item starts at its marker, so every item reads alike ("- ...").
    """
    line_start = text.rfind("\n", 0, start) + 1
    if _LIST_MARKER.fullmatch(text[line_start:start]):
        start = line_start
    return "\n".join(" ".join(line.split()) for line in text[start:end].splitlines() if line.strip())


def quote_of(text: str, clause: Clause, question: str) -> str:
    """The clause as a verbatim quote (white space folded); long clauses are cut to the best sentences."""
    words = clause.text.split()
    if len(words) <= QUOTE_WORDS:
        return " ".join(words)
    wanted = set(tokens(question))
    spans = sentence_spans(text, clause.start, clause.end)
    best, best_score = (clause.start, clause.end), -1.0
    for i in range(len(spans)):
        n = 0
        for j in range(i, len(spans)):
            n += len(text[spans[j][0]:spans[j][1]].split())
            if n > QUOTE_WORDS and j > i:
                break
            score = len(wanted & set(tokens(text[spans[i][0]:spans[j][1]]))) - 0.001 * n
            if score > best_score:
                best, best_score = (spans[i][0], spans[j][1]), score
    quote = text[best[0]:best[1]].split()
    return " ".join(quote[:QUOTE_WORDS])

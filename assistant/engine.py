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
from datetime import date

from .calibration import calibration_for
from .confidence import AGREEING, LEAD_CAP, Evidence
from .embeddings import Embedder
from .errors import CorpusError, IndexError_, IndexOutdated, QuestionError
from .index import PolicyIndex, build_index, load_index, published_build, staleness
from .language import is_english
from .review import about_policy, named_document, status_line
from .models import Answer, Citation, Clause, DocumentStatus, Place, PolicyDocument, Verdict, VerifiedAnswer
from .quoting import QUOTE_WORDS, Passage, Quoter, header_cells, list_lines, overlaps, shown
from .retrieval import Hit, Mode, Retriever
from .settings import Settings, bundled_model_path
from .text import fold, without_emoji
from .verdict import RESTRICTING, asks_for_ruling, clause_verdict, ruling_for, rules_its_items, verdict_line
from .verified import VerifiedBook, VerifiedMatch, locate

log = logging.getLogger(__name__)

# a clause asked for by its number: "4.2", "section 3.1.3", "clause 5 of the leave policy"
_BY_NUMBER = re.compile(r"((?:section|clause|paragraph|para|rule|item|§)\s*)?\(?(\d{1,3}(?:\.\d{1,3}){0,5})[.)]?"
                        r"(?:\s+(?:(?:of|in)\s+(?:the\s+)?)?(\S.*))?", re.I)


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
        self.quoter = Quoter(self._documents, index.clauses)
        self.calibration, self.uncalibrated = calibration_for(embedder.name, settings.calibration, bundled_model_path())
        self.verified: VerifiedBook | None = None
        self._by_source: dict[str, list[tuple[int, Clause]]] | None = None  # see `_clauses_of`
        self._clause_counts: dict[str, int] = {}
        for clause in index.clauses:
            self._clause_counts[clause.source] = self._clause_counts.get(clause.source, 0) + 1
        self._statuses: tuple[date, list[DocumentStatus], frozenset[str]] | None = None

    @classmethod
    def open(cls, settings: Settings, progress: bool = False, embedder: Embedder | None = None,
             build: bool | None = None) -> PolicyEngine:
        """Load the model and the index, building it when missing or stale if `build` (default: the
        `auto_reindex` setting) allows; serving processes pass build=False unless told otherwise."""
        from .loaders import supported_files

        if build is not False:
            supported_files(settings.corpus_dir)  # a missing corpus is reported before the slow model load
        embedder = embedder or Embedder(settings.model, settings.encoder, threads=settings.encoder_threads)
        engine = cls(settings, open_index(settings, embedder, progress, build), embedder)
        if engine.uncalibrated:
            log.warning("%s", engine.uncalibrated)
        return engine

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
        """Answer a question from the policies, quoting the governing clauses verbatim.

        The answer carries the question exactly as asked (batch callers pair answers with their questions
        by it); the tidied text is what is searched."""
        started = time.perf_counter()
        answer = self._answer(self.check_question(question), scope, mode, started)
        return answer if answer.question == question else answer.model_copy(update={"question": question})

    def _answer(self, question: str, scope: str | list[str] | None, mode: Mode, started: float) -> Answer:
        chosen = self.resolve_scope(scope)
        vector, match = None, None
        if self.verified and mode == "hybrid":
            vector = self.retriever.embedder.encode([question])[0]
            match = self.verified.match(question, chosen.sources, vector)
        titles = [d.title for d in self._in_scope(chosen)]
        # an owner's answer to a question about the policy itself outranks its metadata; an answer to another
        # kind of question ("Who does this policy apply to?") does not, however near the wording
        verified_first = match is not None and not match.supported_only and any(
            about_policy(q, titles) for q in match.answer.questions)
        if about_policy(question, titles) and not verified_first:
            return self._status_answer(question, chosen, started)
        hits = self.retriever.search(question, chosen.sources, k=10, mode=mode, query_vec=vector)
        # only the first passages are read (a verified answer's quote may hide some: then all are worked out)
        needed = None if self.verified else max(self.settings.max_citations, 1 + AGREEING)
        passages = self._distinct(hits, question, needed)
        found = self.evidence_from(hits, question, passages)
        answer_rule, ruling_rule = self.calibration.answer, self.calibration.ruling
        confidence = answer_rule.score(found)
        answered = mode != "hybrid" and bool(hits) or confidence >= answer_rule.threshold
        shown_anyway = match is not None and any(overlaps([match.place], h.clause.source, p.start, p.end)
                                                 for h, p in passages[:self.settings.max_citations])
        if match and not shown_anyway and (match.supported_only or not match.close and (
                ruling_rule.passes(found))):
            # a supported match is used only among the clauses shown anyway; a match short of close does not
            # override a search sure enough of another clause to state a ruling from it
            match = None
        taken = [match.place] if match else []
        picked = [(h, p) for h, p in passages if not overlaps(taken, h.clause.source, p.start, p.end)]
        first = (match.place if match else (picked[0][0].clause.source, picked[0][1].start, picked[0][1].end)
                 if picked else None)
        limits = self._limits_of(*first) if first else []
        after = 0 if match else 1  # where the quote shown first is followed
        limiting = next((i for i, (h, p) in enumerate(picked) if i >= after
                         and overlaps(limits, h.clause.source, p.start, p.end)), None)
        if limiting is not None:  # shown right after the quote it limits
            picked.insert(after, picked.pop(limiting))
        picked = picked[:self.settings.max_citations - len(taken)]
        spans = taken + [(h.clause.source, p.start, p.end) for h, p in picked]
        citations = [self.citation(h, question, span, spans) for h, span in picked]
        if limiting is not None:
            citations[after].limits_first = True
        if match:
            citations.insert(0, self.verified_citation(match))
            answered = True
        top_source = citations[0].source if citations else None
        top_doc = self._documents.get(top_source) if top_source else self._only_document(chosen)
        contact = (top_doc.contact if top_doc and top_doc.contact else None) or self.settings.contact
        verdict = Verdict.information
        if match and match.close and match.answer.verdict is not None:
            verdict = match.answer.verdict  # the owner's own reading of the clause, for a question this close
        elif (answered and citations and ruling_rule.passes(found)
              and asks_for_ruling(question)):
            # the rule of the part of the first quote that is about the thing asked; none when unsure
            verdict = self.ruling_read(question, citations[0], first)
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

    def ruling_read(self, question: str, citation: Citation, place: tuple[str, int, int] | None) -> Verdict:
        """The rule a first quote (standing at `place`) gives on the thing asked, or `information`.

        Read from the part of the quote about the thing asked (`verdict.ruling_for`), under its list's
        lead-in or a heading that rules out; no "Allowed" when the rest of its paragraph limits it."""
        quote, lead = citation.quote, None
        if place and citation.spans and not citation.context:
            source, start, end = place
            offset = self._documents[source].offset
            if citation.spans[0][0] - offset < list_lines(self._documents[source].text, start, end)[0]:
                # the list was quoted from the sentence leading into it: its items are read under it, as when shown apart
                item = self.quoter.first_item(*place)
                head, _, items = quote.partition("\n")
                if item and item.context and items and fold(head) == fold(lead_in(item.context, "") or ""):
                    quote, lead = items, item.context
        verdict = ruling_for(question, quote, citation.context or lead or self._heading_rule(place))
        if verdict is Verdict.permitted and place and self._limits_of(*place):
            return Verdict.information  # what the quote allows, the rest of its paragraph limits
        return verdict

    def _heading_rule(self, place: tuple[str, int, int] | None) -> str | None:
        """The heading of a quote's section when it states a rule against ("## Not OK", "## Prohibited"):
        the items under it are read under it, as items are read under the sentence leading into their list."""
        clause = self.quoter.clause_at(*place) if place else None
        heading = clause.section[-1] if clause and clause.section else ""
        return heading if heading and rules_its_items(heading) else None

    def _limits_of(self, source: str, start: int, end: int) -> list[tuple[str, int, int]]:
        """Where the paragraph around a quote states, outside it, a rule against or a condition
        ("You can upgrade your computer at any time. … Please get approval from Finance before purchasing")."""
        return [(c.source, c.start, c.end) for c in self.quoter.rest_of_paragraph(source, start, end)
                if clause_verdict(c.text) in RESTRICTING]

    def evidence_for(self, question: str, scope: str | list[str] | None = None) -> Evidence:
        """What abstention and rulings read for this question (see `assistant/confidence.py`)."""
        question = self.check_question(question)
        hits = self.retriever.search(question, self.resolve_scope(scope).sources, k=10)
        return self.evidence_from(hits, question)

    def evidence_from(self, hits: list[Hit], question: str, passages: list[tuple[Hit, Passage]] | None = None,
                      k: int = 10) -> Evidence:
        """The evidence read from the hits in the order of their own clause scores (not the order shown).

        `passages`, those of the hits in the order shown, are reused when the two orders agree."""
        own = sorted(hits, key=lambda h: -h.score)[:k]
        if passages is None or own != hits:
            passages = self._distinct(own, question, 1 + AGREEING)
        return evidence(passages)

    def use_verified(self, answers: list[VerifiedAnswer]) -> list[VerifiedAnswer]:
        """Match later questions against these verified answers; returns those whose quote no longer stands."""
        book = VerifiedBook(answers, self._documents, self.retriever.embedder, self.calibration.verified)
        self.verified = book if len(book) else None
        return book.stale

    def verified_citation(self, match: VerifiedMatch) -> Citation:
        """A verified answer's quote as the first citation, labelled with who verified it and when."""
        answer = match.answer
        doc = self._documents[answer.source]
        clause = self.quoter.clause_at(answer.source, match.start, match.end)
        start, end = match.start, match.end
        start, end = list_lines(doc.text, start, end)  # several list items: each shows its marker
        quote = shown(doc.text, start, end)
        context = lead_in(clause.context, quote.text) if clause and clause.kind != "row" else None
        return Citation(
            quote=quote.text,
            spans=[(a + doc.offset, b + doc.offset) for a, b in quote.spans],
            source=answer.source,
            document=clause.document if clause else doc.title,
            section=self.where(clause, match.start, match.end) if clause else "",
            score=round(match.similarity, 4),
            verdict=answer.verdict or (clause_verdict(clause.text, clause.context) if clause else Verdict.information),
            context=context,
            clause_id=clause.id if clause else f"verified-{answer.id}",
            **cut_marks(doc.text, start, end),
            review_due=doc.review_due_label,
            verified=answer.label,
        )

    def quote_stands(self, source: str, quote: str) -> bool:
        """True when the quote stands in that document (case, white space and emphasis aside)."""
        doc = self._documents.get(source)
        return doc is not None and locate(doc.text, quote) is not None

    def lookup(self, words: str, scope: str | list[str] | None = None, k: int = 3, offset: int = 0,
               mode: Mode = "hybrid") -> list[Citation]:
        """The best matching clauses for a few words, for quick clause lookup ("More clauses" pages on); a
        clause's number ("4.2", "section 3.1.3", "clause 5 leave policy") finds the paragraphs numbered so."""
        words = self.check_question(words)
        numbered = self.numbered(words, scope)
        if numbered:
            found = numbered[offset:offset + k]
            spans = [(h.clause.source, p.start, p.end) for h, p in found]
            return [self.citation(h, words, span, spans) for h, span in found]
        hits = self.retriever.search(words, self.resolve_scope(scope).sources, k=3 * (offset + k), mode=mode)
        found = self._distinct(hits, words)[offset:offset + k]
        spans = [(h.clause.source, p.start, p.end) for h, p in found]
        return [self.citation(h, words, span, spans) for h, span in found]

    def numbered(self, words: str, scope: str | list[str] | None = None) -> list[tuple[Hit, Passage]]:
        """The paragraphs bearing the number `words` asks for, in document order: the number a Word or
        OpenDocument list shows (`PolicyDocument.numbers`) or one written at the start of a line ("3.1 Staff
        …", "## 4. Leave"); a heading's number finds the first clause under it. Words after the number name
        the policy ("4.2 leave policy"). Only a number that cannot be a quantity is taken so: one with a
        point, one after "section" or "clause", or a number alone ("25 days holiday" is searched as words)."""
        asked = _BY_NUMBER.fullmatch(words)
        if not asked or not ("." in asked.group(2) or asked.group(1) or not asked.group(3)):
            return []
        number, rest = asked.group(2), (asked.group(3) or "").strip()
        documents = self._in_scope(self.resolve_scope(scope))
        if rest:
            named = named_document(rest, documents)
            documents = [named] if named else documents
        written = re.compile(rf"^[ \t>]*(?:#+[ \t]*|[-*+][ \t]+)?(?:\*\*)?\(?{re.escape(number)}[.)]?(?:\*\*)?[ \t]+\S",
                             re.M)
        found: list[tuple[Hit, Passage]] = []
        for doc in documents:
            spans = [(start, end) for start, end, shown in doc.numbers if shown.strip("(.)") == number]
            for match in written.finditer(doc.text):
                end = doc.text.find("\n\n", match.start())
                spans.append((match.start(), len(doc.text) if end < 0 else end))
            rows = self._clauses_of(doc.source)
            clauses = [clause for _, clause in rows]
            taken: set[int] = set()
            for start, end in sorted(spans):
                first = next((i for i, c in enumerate(clauses) if c.end > start), None)
                if first is None or first in taken:
                    continue
                taken.add(first)
                last, words_in = first, len(clauses[first].text.split())
                while last + 1 < len(clauses) and clauses[last + 1].end <= end \
                        and words_in + len(clauses[last + 1].text.split()) <= QUOTE_WORDS:
                    last += 1
                    words_in += len(clauses[last].text.split())
                clause = clauses[first]
                hit = Hit(clause, rows[first][0], score=1.0, dense=0.0, lexical=0.0, coverage=0.0)
                found.append((hit, Passage(clause.start, clauses[last].end)))
        return found

    def _clauses_of(self, source: str) -> list[tuple[int, Clause]]:
        """A document's clauses in reading order, each with its row in the index (grouped once, at the first
        lookup by number)."""
        if self._by_source is None:
            self._by_source = {}
            for row, clause in enumerate(self.index.clauses):
                self._by_source.setdefault(clause.source, []).append((row, clause))
        return self._by_source.get(source, [])

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
        question = without_emoji(" ".join(question.split()))
        if not re.search(r"\w", question):
            example = self.settings.example_questions[0] if self.settings.example_questions else None
            raise QuestionError("Please ask a question" + (f", e.g. \"{example}\"" if example else "") + ".")
        if not is_english(question):
            raise QuestionError("Sorry, I can only answer questions in English.")
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
        """Every policy with its review status (worked out once per index and day)."""
        return list(self._status()[1])

    def overdue_sources(self) -> frozenset[str]:
        """The policies past their review date."""
        return self._status()[2]

    def _status(self) -> tuple[date, list[DocumentStatus], frozenset[str]]:
        today = self.settings.review_date()
        if self._statuses is None or self._statuses[0] != today:
            statuses = [DocumentStatus(source=d.source, title=d.title, contact=d.contact,
                                       last_reviewed=d.last_reviewed, dated=d.dated,
                                       review_due=d.review_due_label,
                                       overdue=bool(d.review_due and d.review_due < today),
                                       clauses=self._clause_counts.get(d.source, 0))
                        for d in self.index.documents]
            self._statuses = (today, statuses, frozenset(s.source for s in statuses if s.overdue))
        return self._statuses

    def document(self, source: str) -> PolicyDocument | None:
        return self._documents.get(source)

    def contact_for(self, source: str | None) -> str:
        """Who to ask about a policy (its named owner, else the configured contact)."""
        doc = self._documents.get(source or "")
        return (doc.contact if doc and doc.contact else None) or self.settings.contact

    # ------------------------------------------------------------------ pieces

    def _distinct(self, hits: list[Hit], question: str = "", limit: int | None = None) -> list[tuple[Hit, Passage]]:
        """Hits in order with the passage each quotes, the first `limit` of them (see `quoting.Quoter.passages`)."""
        own = sorted(range(len(hits)), key=lambda i: -hits[i].score)  # strength: each hit's rank by its own score
        strength = [0] * len(hits)
        for r, i in enumerate(own):
            strength[i] = r
        passages = self.quoter.passages([(h.position, h.clause) for h in hits], question, strength, limit)
        return [(hits[rank], passage) for rank, passage in passages]

    def where(self, clause: Clause, start: int | None = None, end: int | None = None) -> str:
        """A clause's section, then the numbers the page shows before the paragraphs quoted, if they have any
        (a Word or OpenDocument list's "4.2", which the text does not hold): "Annual leave › 4.2", or
        "Annual leave › 4.2–4.4" for a quote of several."""
        doc = self._documents.get(clause.source)
        start = clause.start if start is None else start
        numbers = [n.rstrip(".") or n for n in doc.numbered_between(start, clause.end if end is None else end)] \
            if doc else []
        if not numbers:
            return clause.section_label
        shown = numbers[0] if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}"
        return f"{clause.section_label} › {shown}" if clause.section_label else shown

    def citation(self, hit: Hit, question: str, passage: Passage,
                 quoted: list[tuple[str, int, int]] | None = None) -> Citation:
        """The hit as a citation quoting its passage as a reader sees it, with the source offsets shown; a list
        quoted from the sentence leading into it when no other passage `quoted` beside it holds that sentence."""
        clause = hit.clause
        doc = self._documents[clause.source]
        start, end = passage.start, passage.end
        start, end = list_lines(doc.text, start, end)  # several list items: each shows its marker
        others = [q for q in quoted or [] if q != (clause.source, passage.start, passage.end)]
        start = self.quoter.lead_in_start(clause.source, start, end, others)
        quote = shown(doc.text, start, end)
        context = columns = None
        if clause.kind == "row":
            columns = header_cells(clause.context) if clause.context else None
        else:
            context = lead_in(clause.context, quote.text)
        return Citation(
            quote=quote.text,
            spans=[(a + doc.offset, b + doc.offset) for a, b in quote.spans],
            source=clause.source,
            document=clause.document,
            section=self.where(clause, start, end),
            score=round(hit.score, 4),
            verdict=clause_verdict(clause.text, clause.context),
            context=context,
            columns=columns,
            clause_id=clause.id,
            review_due=doc.review_due_label,
            also=[Place(source=c.source, document=c.document, section=self.where(c)) for c in passage.also],
            **cut_marks(doc.text, start, end),
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

    def _in_scope(self, scope: Scope) -> list[PolicyDocument]:
        sources = sorted(scope.sources) if scope.sources is not None else sorted(self._documents)
        return [self._documents[s] for s in sources]

    def _status_answer(self, question: str, chosen: Scope, started: float) -> Answer:
        """A question about a policy itself, answered from its metadata, quoting its review line."""
        documents = self._in_scope(chosen)
        doc = documents[0] if len(documents) == 1 else named_document(question, documents)
        elapsed = lambda: round((time.perf_counter() - started) * 1000, 1)  # noqa: E731
        if doc is None:
            return Answer(question=question, answered=False, scope=chosen.label, contact=self.settings.contact,
                          verdict_line="Which policy do you mean? Please name it in your question "
                                       "(`/policy list` or `policy-assistant list` shows them).",
                          latency_ms=elapsed())
        contact = self.contact_for(doc.source)
        return Answer(question=question, answered=True, verdict=Verdict.information, scope=chosen.label,
                      verdict_line=status_line(doc, self.settings.review_date(), contact),
                      citations=[self._review_citation(doc)] if doc.review_lines else [],
                      contact=contact, confidence=1.0, latency_ms=elapsed())

    def _review_citation(self, doc: PolicyDocument) -> Citation:
        """The lines where a policy states its own review dates, quoted."""
        assert doc.review_lines is not None
        start, end = doc.review_lines
        quote = shown(doc.text, start, end)
        clause = self.quoter.clause_at(doc.source, start, end)
        return Citation(quote=quote.text, spans=[(a + doc.offset, b + doc.offset) for a, b in quote.spans],
                        source=doc.source, document=doc.title, section=clause.section_label if clause else "",
                        score=1.0, clause_id=clause.id if clause else f"review:{doc.source}",
                        review_due=doc.review_due_label)

    def _only_document(self, scope: Scope) -> PolicyDocument | None:
        sources = scope.sources if scope.sources is not None else set(self._documents)
        return self._documents[next(iter(sources))] if len(sources) == 1 else None


def open_index(settings: Settings, embedder: Embedder, progress: bool = False,
               build: bool | None = None) -> PolicyIndex:
    """The index for the configured corpus and model: loaded, or (re)built when missing or stale.

    A missing index is built, and `build=None` rebuilds a stale one (or one another version of Policy
    Assistant wrote) as `settings.auto_reindex` says;
    `build=False` (a serving process not told to rebuild) never builds: a missing index is an error,
    a stale one is served with a warning until `policy-assistant index` publishes a new one."""
    allowed = settings.auto_reindex if build is None else build
    try:
        index = load_index(settings.index_dir)
    except IndexOutdated as exc:
        if build is False or not allowed:
            raise
        log.info("Rebuilding the index: %s", exc)
        return _build(settings, embedder, progress)
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
    built = build_index(settings.corpus_dir, settings.index_dir, embedder, progress, settings.max_file_bytes)
    for note in built.manifest.unquotable:  # (a file that could not be read is logged as it is skipped)
        log.warning("Check %s", note)
    return built


def cut_marks(text: str, start: int, end: int) -> dict[str, bool]:
    """Whether a quote of text[start:end] starts or stops inside a sentence: words of the same line
    run on past its edge, with no sentence end between."""
    before = text[max(0, start - 80):start].rstrip(" \t")
    after = text[end:end + 80].lstrip(" \t")
    body = text[start:end].strip().rstrip("\"'”’)]*_")
    return {"cut_before": bool(before) and (before[-1].isalnum() or before[-1] in ",;"),
            "cut_after": bool(after) and after[0].isalnum() and bool(body) and body[-1] not in ".!?:;…"}


def lead_in(context: str | None, quote: str) -> str | None:
    """The sentence introducing a quoted list item, as shown; none when the quote already holds it."""
    if not context:
        return None
    said = shown(context, 0, len(context)).text.replace("\n", " ")
    return None if fold(said) in fold(quote) else said


def evidence(passages: list[tuple[Hit, Passage]]) -> Evidence:
    """What abstention and rulings read about the best passage (see `confidence`)."""
    if not passages:
        return Evidence(0.0)
    top = passages[0][0]
    # with no other passage to stand ahead of or agree with, neither signal adds anything
    lead = top.score - passages[1][0].score if len(passages) > 1 else 0.0
    after = [h.clause for h, _ in passages[1:1 + AGREEING]]
    agreement = (sum(c.source == top.clause.source and c.section == top.clause.section for c in after) / len(after)
                 if after else 0.0)
    return Evidence(top.dense, top.coverage, min(lead, LEAD_CAP), agreement, top.missing)

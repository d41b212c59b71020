"""Hybrid clause retrieval: dense (FAISS) and lexical (BM25) candidates, scored together.

Both retrievers propose candidates; every candidate is then scored on four general signals:
its cosine similarity to the question (the passage includes the clause's document, section and
lead-in), BM25 normalised to the best lexical match, the similarity of its whole section (the mean
of the section's clause vectors, so a clause in the right part of the handbook is preferred), and a
mild penalty for fragments of only a few words, which rarely state a rule on their own.

The order in which hits are shown also weighs the similarity of the clause's paragraph: a clause cut
from a long paragraph is read with the sentences around it. That similarity is the mean of two: to the
mean of the paragraph's clause passages (the clause's own passage when it stands alone), and to the
paragraph embedded as written, without the document, section and lead-in its passages carry (a list
item of a long list, "Undertaking paid employment during your working hours", reads closer to the
question without its list's lead-in). That weight orders what is shown only; `Hit.score`, which
abstention and rulings read (`PolicyEngine.evidence_from`), is the clause's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import re

import numpy as np

from .chunking import BLANK_LINE
from .embeddings import Embedder
from .index import PolicyIndex
from .lexical import best
from .models import Clause
from .text import MODAL_WORDS, stem, tokens
from .verdict import asked_words
from .vectors import Subset

Mode = Literal["hybrid", "dense", "lexical"]
CANDIDATES = 100
LEXICAL_WEIGHT = 0.15
SECTION_WEIGHT = 0.3
PARAGRAPH_WEIGHT = 0.75  # orders what is shown (see the module docstring)
SHORT_PENALTY = 0.1
SHORT_WORDS = 12
SHORT_LABEL_WORDS = 4  # only a sentence this short is read for whether it says anything (a load reads them all)
SCOPES_KEPT = 64  # document scopes whose vector-search subsets are kept ready
_MODAL_STEMS = frozenset(stem(w) for w in MODAL_WORDS)
_NOT_WORD = re.compile(r"[\s\-‐‑–]+")
_BLANKS = re.compile(r"_{3,}|\.{4,}|…{2,}")  # a form's spaces to fill in: "Home Phone #________"


@dataclass
class Hit:
    clause: Clause
    position: int  # row in the index
    score: float  # fused score, higher is better
    dense: float  # cosine similarity of question and clause passage
    lexical: float  # BM25 score
    coverage: float  # share of the question's topical weight (IDF) found in the passage
    missing: float = 0.0  # the weight of the rarest topical word asked that it lacks, over the corpus's rarest
    shown: float = 0.0  # the order shown: `score` plus the weighted similarity of the clause's paragraph


class Retriever:
    """Finds the clauses that best answer a question, optionally within some documents."""

    def __init__(self, index: PolicyIndex, embedder: Embedder, paragraph_weight: float = PARAGRAPH_WEIGHT) -> None:
        self.index = index
        self.embedder = embedder
        self.paragraph_weight = paragraph_weight
        self._bm25 = index.lexicon
        self._unseen_idf = self._bm25.max_idf  # a word the policies never use
        by_source: dict[str, list[int]] = {}
        for i, clause in enumerate(index.clauses):
            # a lead-in ("The following are not acceptable:") is shown as its items' context, never as an answer;
            # a short sentence with fewer than two words that say something ("Signed:", "See here.", "WELCOME")
            # answers nothing (a list item of one word, "Age", stands under its lead-in and may)
            # nor does a form's line of spaces to fill in ("Home Phone #____ Work Phone #____"), blanks a third of it
            if clause.kind != "lead-in" and (clause.kind != "sentence" or len(clause.text.split()) > SHORT_LABEL_WORDS
                                             or len(tokens(clause.text)) >= 2) and not _form_line(clause.text):
                by_source.setdefault(clause.source, []).append(i)
        self._answerable = np.array([i for ids in by_source.values() for i in ids], dtype=np.int64)
        self._answerable.sort()
        self._by_source = {s: np.array(ids, dtype=np.int64) for s, ids in by_source.items()}
        self._everything = index.vectors.subset(self._answerable)
        self._subsets: dict[frozenset[str], Subset] = {}
        self._section_of = _section_keys(index)
        self._sections = _centroids(index.vectors.matrix, self._section_of, int(self._section_of.max(initial=-1)) + 1)
        # a paragraph of one clause reads as that clause: only longer paragraphs keep a mean vector (-1: none)
        paragraph_of = paragraph_keys(index)
        sizes = np.bincount(paragraph_of) if len(paragraph_of) else np.zeros(0, dtype=np.int64)
        longer = np.flatnonzero(sizes > 1)
        row = np.full(len(sizes), -1, dtype=np.int64)
        row[longer] = np.arange(len(longer))
        self._paragraph_of = row[paragraph_of]
        kept = self._paragraph_of >= 0
        self._paragraphs = _centroids(index.vectors.matrix[kept], self._paragraph_of[kept], len(longer))
        words = np.array([len(c.text.split()) for c in index.clauses], dtype=np.float64)
        self._brevity = SHORT_PENALTY * np.maximum(0.0, (SHORT_WORDS - words) / SHORT_WORDS)

    def allowed_ids(self, sources: set[str] | None) -> np.ndarray:
        """Rows that may answer, ascending: every answerable clause, or those of the given documents."""
        if sources is None:
            return self._answerable
        ids = [self._by_source[s] for s in sources if s in self._by_source]
        return np.sort(np.concatenate(ids)) if ids else np.zeros(0, dtype=np.int64)

    def _subset(self, sources: set[str] | None) -> Subset | None:
        """The rows that may answer, prepared for vector search (kept for the scopes last asked)."""
        if sources is None:
            return self._everything
        key = frozenset(sources)
        if key not in self._subsets:
            ids = self.allowed_ids(sources)
            if not len(ids):
                return None
            if len(self._subsets) >= SCOPES_KEPT:
                self._subsets.pop(next(iter(self._subsets)))
            self._subsets[key] = self.index.vectors.subset(ids)
        return self._subsets[key]

    def search(self, question: str, sources: set[str] | None = None, k: int = 10, mode: Mode = "hybrid",
               query_vec: np.ndarray | None = None) -> list[Hit]:
        """The clauses to show for the question, in the order shown: the k best by `Hit.shown`, and
        after them any of the k best by the clause's own `Hit.score` not already among them.

        `query_vec`: the question already embedded, when the caller has it."""
        within = self._subset(sources)
        if within is None:
            return []
        if query_vec is None:
            query_vec = self.embedder.encode([question])[0]
        query_terms = tokens(question)
        lex_rows, lex_scores = self._bm25.top(query_terms, None if sources is None else within.ids)
        if sources is None and len(lex_rows):
            keep = self._answerable_rows(lex_rows)
            lex_rows, lex_scores = lex_rows[keep], lex_scores[keep]
        _, dense_ids = self.index.vectors.search(query_vec, CANDIDATES, within)
        lex_ids = best(lex_rows, lex_scores, CANDIDATES)
        candidates = np.unique(np.concatenate([dense_ids, lex_ids])) if mode == "hybrid" else (
            dense_ids if mode == "dense" else lex_ids)
        if not len(candidates):
            return []
        dense = self.index.vectors.similarity(query_vec, candidates)
        at = np.minimum(np.searchsorted(lex_rows, candidates), max(len(lex_rows) - 1, 0))
        lex = np.where(lex_rows[at] == candidates, lex_scores[at], 0).astype(np.float32) if len(lex_rows) \
            else np.zeros(len(candidates), np.float32)
        if mode == "dense":
            fused = dense.astype(np.float64)
        elif mode == "lexical":
            fused = lex.astype(np.float64)
        else:
            best_lex = float(lex.max()) if len(lex) else 0.0
            section = self._sections[self._section_of[candidates]] @ query_vec
            fused = (dense + LEXICAL_WEIGHT * (lex / best_lex if best_lex > 0 else lex)
                     + SECTION_WEIGHT * section - self._brevity[candidates]).astype(np.float64)
        shown = fused
        if mode == "hybrid" and self.paragraph_weight:
            rows = self._paragraph_of[candidates]
            paragraph = dense.astype(np.float64)
            if (rows >= 0).any():
                paragraph[rows >= 0] = self._paragraphs[rows[rows >= 0]] @ query_vec
            written = self.index.paragraphs
            paragraph = (paragraph + written.vectors[written.of[candidates]].astype(np.float32) @ query_vec) / 2
            shown = fused + self.paragraph_weight * paragraph
        order = np.argsort(-shown, kind="stable")[:k]
        own = np.argsort(-fused, kind="stable")[:k]
        order = np.concatenate([order, own[~np.isin(own, order)]])
        weights = self._topical_weights(query_terms)
        rows = [int(candidates[i]) for i in order]
        uses = self._uses(weights, rows)
        asked = set(tokens(asked_words(question)))
        asking = [t in asked for t in weights]
        return [Hit(self.index.clauses[row], row, float(fused[i]), float(dense[i]), float(lex[i]),
                    self._coverage(weights, used), self._missing(weights, used, row, asking), float(shown[i]))
                for i, row, used in zip(order, rows, uses)]

    def _answerable_rows(self, rows: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self._answerable, rows), max(len(self._answerable) - 1, 0))
        return self._answerable[at] == rows if len(self._answerable) else np.zeros(len(rows), dtype=bool)

    def _topical_weights(self, query_terms: list[str]) -> dict[str, float]:
        return {t: self._bm25.idf.get(t, self._unseen_idf) for t in dict.fromkeys(query_terms) if t not in _MODAL_STEMS}

    def _uses(self, weights: dict[str, float], rows: list[int]) -> list[list[bool]]:
        """For each row, whether its clause uses each topical word (in `weights` order): one postings
        lookup a word for all the rows, not one a word and row."""
        found = [self._bm25.contains_rows(t, rows) for t in weights]
        return [[bool(f[j]) for f in found] for j in range(len(rows))]

    @staticmethod
    def _coverage(weights: dict[str, float], used: list[bool]) -> float:
        total = sum(weights.values())
        if not total:
            return 0.0
        return sum(w for w, u in zip(weights.values(), used) if u) / total

    def _missing(self, weights: dict[str, float], used: list[bool], position: int, asking: list[bool]) -> float:
        # only a word of what the message asks counts (`verdict.asked_words`): the chat around a question ("I nicked
        # my thumb on the bandsaw this morning.") names things no policy does, and would leave every answer short of
        # a word; a word the passage writes with a hyphen or a space ("e-mail", "on line") is not missing from it
        unused = [(t, w) for (t, w), u, a in zip(weights.items(), used, asking) if a and not u]
        if unused:
            joined = "".join(_NOT_WORD.split(self.index.clauses[position].text.lower()))
            unused = [(t, w) for t, w in unused if t not in joined]
        return max((w for _, w in unused), default=0.0) / self._unseen_idf if self._unseen_idf > 0 else 0.0


def _form_line(text: str) -> bool:
    """A line of a form to fill in: its blanks take a third or more of what it shows."""
    blanks = sum(len(m) for m in _BLANKS.findall(text))
    return bool(blanks) and 3 * blanks >= len("".join(text.split()))


def _section_keys(index: PolicyIndex) -> np.ndarray:
    """Each clause's section number."""
    keys: dict[tuple[str, tuple[str, ...]], int] = {}
    return np.array([keys.setdefault((c.source, c.section), len(keys)) for c in index.clauses], dtype=np.int64)


def paragraph_keys(index: PolicyIndex) -> np.ndarray:
    """Each clause's paragraph number: clauses in a row of one section with no blank line between them."""
    texts = {d.source: d.text for d in index.documents}
    out = np.zeros(len(index.clauses), dtype=np.int64)
    n, previous = -1, None
    for i, c in enumerate(index.clauses):
        text = texts.get(c.source)
        joined = (previous is not None and text is not None and previous.source == c.source
                  and previous.section == c.section
                  and previous.end <= c.start and not BLANK_LINE.search(text, previous.end, c.start))
        n += not joined
        out[i], previous = n, c
    return out


def _centroids(vectors: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
    """Each group's mean vector (unit length), from the vectors and their group numbers."""
    centroids = np.zeros((groups, vectors.shape[1]), dtype=np.float32)
    if len(group_of):  # summed group by group over the rows sorted by group (np.add.at: seconds at 100k rows)
        order = np.argsort(group_of, kind="stable")
        rows, sorted_groups = vectors[order], group_of[order]
        starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]).tolist()
        for start, end in zip(starts, starts[1:] + [len(rows)]):
            centroids[sorted_groups[start]] = rows[start:end].sum(axis=0)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    return centroids / np.maximum(norms, 1e-9)

"""Verified answers: a policy owner confirms once which clause answers a question, and every later
question that means the same thing gets that clause first.

A new question is matched to the owners' *example questions*, not to the clause: all-MiniLM-L6-v2
was trained mostly on pairs of questions and paraphrases, so two wordings of one question lie much
closer together than a question and the rule that answers it (see the README's figures).

Three strengths of match, by cosine similarity, each a threshold chosen for the model
(`calibration.VerifiedThresholds`; for all-MiniLM-L6-v2 by benchmarks/bench_verified.py, on question pairs
only, never a gold quote). A *match* puts the verified clause first, unless it falls short of close and the
search, sure enough of another clause to state a ruling from it, does not show the verified one
(`PolicyEngine._answer`). A *supported* match, a little weaker, is used only when the verified clause is
among the clauses the answer shows anyway: a wrong one can only reorder what is shown. The owner's verdict,
given for another wording, is stated only for a *close* match: a wrong ruling is worse than none. Below
that the question is answered as before.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np
from pydantic import ValidationError
from .calibration import MINILM, VerifiedThresholds
from .embeddings import Embedder
from .models import PolicyDocument, VerifiedAnswer
from .quoting import visible


@dataclass(frozen=True)
class VerifiedMatch:
    """A verified answer that a question resembles closely enough, with where its quote stands."""

    answer: VerifiedAnswer
    similarity: float
    start: int
    end: int
    supported_only: bool  # short of a match: used only among the clauses the answer shows
    close: bool  # close enough for the owner's verdict to be stated

    @property
    def place(self) -> tuple[str, int, int]:
        return self.answer.source, self.start, self.end


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where a quote stands in a document, ignoring case, white space, curly quotes and Markdown emphasis;
    as written in the source, or as an answer shows it (markup hidden, character references read).

    Returns the (start, end) slice of the document's own text, or None when the quote is not there.
    """
    words = [w for w in (re.sub(r"[*_`#>]", "", w) for w in quote.split()) if w]
    if not words:
        return None
    found = re.search(r"\s+".join(map(re.escape, quote.split())), text)  # as stored: the source's own characters
    if found:
        return found.start(), found.end()
    pattern = re.compile(r"[*_`#>]*\s[\s*_`#>]*".join(_word_pattern(w) for w in words), flags=re.IGNORECASE)
    found = pattern.search(text)
    if found:
        return found.start(), found.end()
    seen, origins = visible(text)  # as an answer shows it: a link's text without its address, "&amp;" as "&"
    found = pattern.search(seen)
    return (origins[found.start()][0], origins[found.end() - 1][1]) if found else None


def _word_pattern(word: str) -> str:
    out = []
    for ch in word:
        if ch in "'‘’":
            out.append("['‘’]")
        elif ch in '"“”':
            out.append('["“”]')
        elif ch == "\u00a0":
            out.append(r"\s")
        else:
            out.append(re.escape(ch) + r"[*_`]*" if ch.isalnum() else re.escape(ch))
    return "".join(out).removesuffix("[*_`]*")


class VerifiedBook:
    """The verified answers in use, with their example questions embedded for matching."""

    def __init__(self, answers: list[VerifiedAnswer], documents: dict[str, PolicyDocument], embedder: Embedder,
                 thresholds: VerifiedThresholds = MINILM.verified) -> None:
        self.threshold, self.supported, self.close = thresholds.match, thresholds.supported, thresholds.close
        self.embedder = embedder
        self.spans: dict[int, tuple[int, int]] = {}
        self.stale: list[VerifiedAnswer] = []  # active answers whose quote no longer stands
        usable: list[VerifiedAnswer] = []
        for answer in answers:
            if answer.suspended:
                continue
            doc = documents.get(answer.source)
            span = locate(doc.text, answer.quote) if doc else None
            if span is None:
                self.stale.append(answer)
                continue
            self.spans[answer.id] = span
            usable.append(answer)
        self.answers = usable
        self._owner = [a for a in usable for _ in a.questions]
        texts = [q for a in usable for q in a.questions]
        self._vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dimension), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.answers)

    def match(self, question: str, sources: set[str] | None = None,
              vector: np.ndarray | None = None) -> VerifiedMatch | None:
        """The closest verified answer within the allowed documents, if it is close enough to be supported."""
        if not self._owner:
            return None
        vector = self.embedder.encode([question])[0] if vector is None else vector
        similarities = self._vectors @ vector
        for row in np.argsort(-similarities):
            similarity = float(similarities[row])
            if similarity < self.supported:
                return None
            answer = self._owner[row]
            if sources is None or answer.source in sources:
                start, end = self.spans[answer.id]
                return VerifiedMatch(answer, similarity, start, end, supported_only=similarity < self.threshold,
                                     close=similarity >= self.close)
        return None


def read_verified_lines(lines: Iterable[str], verified_by: str) -> Iterator[tuple[int, VerifiedAnswer | str]]:
    """Verified answers from JSON lines: `verified export`'s own lines, or evaluation questions
    (`question`, the first of `quotes`, `source`, optional `verdict`). Yields (line number, answer or
    the reason the line was skipped)."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            yield n, "not JSON"
            continue
        if not isinstance(data, dict):
            yield n, "not a JSON object"
            continue
        if data.get("answerable") is False:
            yield n, "an unanswerable question has no clause to verify"
            continue
        if "questions" not in data and isinstance(data.get("question"), str):
            quotes = data.get("quotes") or []
            data = {"questions": [data["question"]], "source": data.get("source"),
                    "quote": quotes[0] if quotes and isinstance(quotes, list) else None,
                    "verdict": data.get("verdict")}
        data.setdefault("verified_by", verified_by)
        data.pop("id", None)
        data.pop("suspended", None)
        try:
            yield n, VerifiedAnswer.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            yield n, f"{'.'.join(str(p) for p in first.get('loc', ())) or 'line'}: {first.get('msg')}"

"""Score the engine on JSON Lines questions with gold quotes (format: shared/eval/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .engine import PolicyEngine
from .errors import PolicyAssistantError
from .retrieval import Mode
from .text import fold


class EvalQuestion(BaseModel):
    id: str
    question: str
    answerable: bool = True
    quotes: list[str] = []
    source: str | None = None
    scope: str | None = None


@dataclass
class Scores:
    """hit@1, hit@3 and MRR over answerable questions; abstention figures over both kinds."""

    name: str
    answerable: int = 0
    unanswerable: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal: float = 0.0
    abstained_unanswerable: int = 0
    abstained_answerable: int = 0
    misses: list[str] = field(default_factory=list)

    def row(self) -> dict[str, float | None]:
        n, u = max(self.answerable, 1), self.unanswerable
        return {
            "hit@1": self.hit1 / n, "hit@3": self.hit3 / n, "MRR": self.reciprocal / n,
            "abstain(unanswerable)": self.abstained_unanswerable / u if u else None,
            "false_abstain": self.abstained_answerable / n,
        }


def read_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyAssistantError(f"Cannot read {path}: {exc}") from None
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                questions.append(EvalQuestion.model_validate_json(line))
            except ValidationError:
                raise PolicyAssistantError(f"{path}:{n}: not an evaluation question (see shared/eval/README.md)") from None
    return questions


def evaluate(engine: PolicyEngine, questions: list[EvalQuestion], mode: Mode = "hybrid", name: str = "") -> Scores:
    """Ask every question; a hit at k is a gold quote inside one of the first k cited quotes."""
    scores = Scores(name or mode)
    for q in questions:
        answer = engine.ask(q.question, scope=q.scope, mode=mode)
        if not q.answerable:
            scores.unanswerable += 1
            scores.abstained_unanswerable += not answer.answered
            continue
        scores.answerable += 1
        scores.abstained_answerable += not answer.answered
        gold = [fold(g) for g in q.quotes]
        # MRR looks down the ranking further than the shown citations
        ranked = [c.quote for c in answer.citations] if answer.answered else []
        if answer.answered:
            ranked += [c.quote for c in engine.lookup(q.question, scope=q.scope, k=7, offset=len(ranked))]
        rank = next((i for i, quote in enumerate(ranked, 1) if any(g in fold(quote) for g in gold)), None)
        if rank:
            scores.hit1 += rank == 1
            scores.hit3 += rank <= 3
            scores.reciprocal += 1 / rank
        if rank != 1:
            scores.misses.append(q.id)
    return scores


def to_json(scores: list[Scores]) -> str:
    return json.dumps({s.name: s.row() for s in scores}, indent=2)

"""How sure an answer is: several signals about the best passage, weighed into one confidence.

Abstention and rulings read the same evidence: how close the best passage's meaning is to the
question, how much of the question's topical weight (IDF from the corpus itself) it holds, how rare
the rarest topical word of what the question asks that it lacks is (a question about something the policy never
names — "mileage", "sabbatical" — lacks a rare word however close the passage reads), how far
it stands ahead of the next distinct passage, and whether the next passages come from the same
section of the same document (candidates that agree point at one answer; scattered ones suggest the
policy is silent). The weights and both thresholds belong to the embedding model
(`calibration.Calibration`), chosen once on all the development sets together
(`evaluation.choose_thresholds`, run by `policy-assistant eval-thresholds`); leave-one-set-out figures
are in the README. A ruling needs more confidence than an answer: a wrong
ruling is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass

LEAD_CAP = 0.3  # a lead beyond this says nothing more
AGREEING = 2  # how many passages after the best are checked for agreement


@dataclass(frozen=True)
class Evidence:
    """What the decisions read about one question's best passage."""

    closeness: float  # cosine similarity of question and best passage
    coverage: float = 0.0  # share of the question's topical weight found in it
    lead: float = 0.0  # its fused-score lead over the next distinct passage, capped at LEAD_CAP
    agreement: float = 0.0  # share of the next AGREEING passages from the same section of the same document
    missing: float = 0.0  # IDF of the rarest topical word asked that it lacks, over the corpus's highest IDF (0..1)


@dataclass(frozen=True)
class Weights:
    """How much each signal adds to the best passage's closeness."""

    coverage: float = 0.0
    lead: float = 0.0
    agreement: float = 0.0
    missing: float = 0.0  # a penalty: zero or below

    def confidence(self, e: Evidence) -> float:
        return (e.closeness + self.coverage * e.coverage + self.lead * e.lead + self.agreement * e.agreement
                + self.missing * e.missing)

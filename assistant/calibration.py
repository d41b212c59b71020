"""The weights and thresholds that turn one embedding model's similarities into decisions.

Abstaining, stating a ruling and using a verified answer each compare cosine similarities with numbers,
and those numbers belong to the model that made the similarities: all-mpnet-base-v2 spreads a question
and its answer differently from all-MiniLM-L6-v2. Each model known here has its own calibration, chosen
on the development sets by `policy-assistant eval-thresholds` (answering and rulings) and
`benchmarks/bench_verified.py` (verified answers); the README tells how. Any other model runs on
all-MiniLM-L6-v2's numbers, with a warning, until numbers chosen for it are set as
`POLICY_ASSISTANT_CALIBRATION` (the JSON that `eval-thresholds` and `bench_verified.py` print).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .confidence import Evidence, Weights


class Weighing(BaseModel):
    """Signals weighed into one score (closeness counts once), and the score a decision needs (Infinity:
    never)."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")

    coverage: float = 0.0
    lead: float = 0.0
    agreement: float = 0.0
    missing: float = Field(0.0, le=0.0, description="a penalty: zero or below")
    threshold: float

    @property
    def weights(self) -> Weights:
        return Weights(self.coverage, self.lead, self.agreement, self.missing)

    def score(self, evidence: Evidence) -> float:
        return self.weights.confidence(evidence)

    def passes(self, evidence: Evidence) -> bool:
        return self.score(evidence) >= self.threshold


class VerifiedThresholds(BaseModel):
    """How close a question must be to a verified answer's example question (cosine similarity)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    supported: float = Field(ge=-1.0, le=1.0, description="used only when the answer shows its clause anyway")
    match: float = Field(ge=-1.0, le=1.0, description="its clause comes first")
    close: float = Field(ge=-1.0, le=1.0, description="the owner's verdict is stated too")

    @model_validator(mode="after")
    def _ordered(self) -> VerifiedThresholds:
        if not self.supported <= self.match <= self.close:
            raise ValueError("verified thresholds must be ordered: supported <= match <= close")
        return self


class Calibration(BaseModel):
    """Everything that is chosen for one model's similarities."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: Weighing = Field(description="answer, rather than abstain, when the best passage scores this")
    ruling: Weighing = Field(description="state a ruling on an answer only when it scores this")
    verified: VerifiedThresholds


class CalibrationSetting(BaseModel):
    """`POLICY_ASSISTANT_CALIBRATION`: any of the three parts, each replacing the model's own (or, for a
    model without one, all-MiniLM-L6-v2's)."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")

    answer: Weighing | None = None
    ruling: Weighing | None = None
    verified: VerifiedThresholds | None = None


# all-MiniLM-L6-v2, the bundled default, chosen on the four development sets together (README, "Answer
# quality" and "Evidence: verified answers"). Answer and ruling by `eval-thresholds` (the ruling's weighing is
# fixed; only its threshold is chosen). Verified answers by benchmarks/bench_verified.py on question pairs only,
# never a gold quote: pairs written for this (tests/data/paraphrase_pairs.jsonl) and pairs derived from the
# development questions and hand-written paraphrases of them; `match` maximises the share of right matches kept
# minus twice the share of wrong ones let through, `supported` and `close` are the lowest 0.01 steps letting
# through at most 10% and 2% of the questions of another intent.
MINILM = Calibration(answer=Weighing(lead=1.0, missing=-1.0, threshold=-0.515),
                     ruling=Weighing(lead=4.0, threshold=0.705),
                     verified=VerifiedThresholds(supported=0.66, match=0.70, close=0.80))

# all-mpnet-base-v2, chosen the same way (README, "A stronger model, calibrated"; the answer weighing chosen again
# when the missing word came to be read over what a question asks: docs/blind-sets.md, rounds 47 and 48).
MPNET = Calibration(answer=Weighing(lead=2.0, agreement=0.1, missing=-0.5, threshold=0.03),
                    ruling=Weighing(lead=4.0, threshold=0.72),
                    verified=VerifiedThresholds(supported=0.63, match=0.63, close=0.86))

# By the model's name: the last part of its hub name or folder, in lower case.
KNOWN: dict[str, Calibration] = {"all-minilm-l6-v2": MINILM, "all-mpnet-base-v2": MPNET}


def model_name(model: str, bundled: str | None = None) -> str:
    """The name a model's calibration is known by: all-minilm-l6-v2 for the bundled copy, else the last
    part of its hub name or folder ("sentence-transformers/all-mpnet-base-v2" -> "all-mpnet-base-v2")."""
    if bundled is not None and model == bundled:
        return "all-minilm-l6-v2"
    return Path(model.rstrip("/\\")).name.lower()


def calibration_for(model: str, setting: CalibrationSetting | None = None,
                    bundled: str | None = None) -> tuple[Calibration, str | None]:
    """The calibration to use for a model, and a warning naming what is not chosen for it, if anything."""
    own = KNOWN.get(model_name(model, bundled))
    chosen = {k: v for k, v in (setting or CalibrationSetting()) if v is not None}
    calibration = (own or MINILM).model_copy(update=chosen)
    missing = [] if own else [part for part in ("answer", "ruling", "verified") if part not in chosen]
    if not missing:
        return calibration, None
    return calibration, (f"no calibration is known for the model {model!r}: its similarities are judged with "
                         f"all-MiniLM-L6-v2's thresholds for {', '.join(missing)}, so it may abstain too often "
                         "or too rarely. Choose its own with `policy-assistant eval-thresholds` on labelled questions "
                         "and set POLICY_ASSISTANT_CALIBRATION (README: \"Another embedding model\").")

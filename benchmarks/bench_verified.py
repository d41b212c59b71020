"""Verified answers: how the match thresholds were chosen, and what verified answers do to answers.

    python benchmarks/bench_verified.py [--json FILE] [--sets Glenmere,18F,Clef,PolicyQA]

1. Thresholds, from question pairs only (never a gold quote): the pairs in tests/data/paraphrase_pairs.jsonl
   (written for this, about policies in general) and pairs derived from each development set's questions
   and their hand-written paraphrases, all sets together. The match threshold maximises right matches kept
   minus twice the wrong matches let through; the supported one (used only among the clauses an answer
   shows anyway) and the close one (the owner's verdict is stated) are the lowest steps letting through at
   most 10% and 2% of the questions of another intent. Leaving one set out shows how much each depends on
   that set.
2. Evidence, per development set (../shared/eval), answerable questions imported as verified answers
   (their first gold quote): paraphrases of them (benchmarks/data/paraphrases.jsonl, written by hand:
   same intent, other words) should get the verified clause first; questions of *other* intents should
   be answered no worse. "Other intents" are measured honestly by two folds: half the answerable
   questions are verified, the other half (and the unanswerable ones) are asked with and without them.
3. Question-to-question against question-to-clause matching: for each paraphrase, is the nearest
   verified answer the right one when compared by its example question, or by its clause's words?
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.calibration import CalibrationSetting, VerifiedThresholds, calibration_for  # noqa: E402
from assistant.embeddings import Embedder  # noqa: E402
from assistant.engine import PolicyEngine  # noqa: E402
from assistant.evaluation import EvalQuestion, read_questions  # noqa: E402
from assistant.models import VerifiedAnswer  # noqa: E402
from assistant.settings import Settings, bundled_model_path  # noqa: E402
from assistant.text import fold  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SETS = {"Glenmere": ("glenmere_dev.jsonl", "glenmere"), "18F": ("18f_dev.jsonl", "18f_handbook"),
        "Clef": ("clef_handbook_dev.jsonl", "clef_handbook"), "PolicyQA": ("policyqa_dev.jsonl", "policyqa_dev")}
# PolicyQA asks the same generic questions several times of one policy, each time with another gold span
# ("Do you explicitly ask for information from users?" twice of cbsinteractive), so "another question of
# the set means something else" does not hold there: it gives right pairs (paraphrase and its question) only.
RIGHT_PAIRS_ONLY = {"PolicyQA"}
PAIRS = ROOT / "tests" / "data" / "paraphrase_pairs.jsonl"
PARAPHRASES = ROOT / "benchmarks" / "data" / "paraphrases.jsonl"


def pair_similarities(embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    pairs = [json.loads(line) for line in PAIRS.read_text().splitlines() if line.strip()]
    a = embedder.encode([p["a"] for p in pairs])
    b = embedder.encode([p["b"] for p in pairs])
    sims = np.einsum("ij,ij->i", a, b)
    same = np.array([p["same"] for p in pairs])
    return sims[same], sims[~same]


GRID = np.round(np.arange(0.50, 0.96, 0.01), 2)
WRONG_COST = 2.0  # a wrong verified answer first is worse than none: it costs twice a missed match
# The share of questions of another intent let through: a supported match can only reorder the clauses an
# answer shows anyway; a close one states the owner's verdict, given for another wording.
WRONG_THROUGH = {"supported": 0.10, "close": 0.02}


def choose_threshold(right: np.ndarray, wrong: np.ndarray, share: float | None = None) -> float:
    """Without `share`: the grid step maximising (share of right matches kept) - 2 x (share of wrong matches
    let through). With it: the lowest step letting through at most `share` of the wrong matches.

    `right`: similarities at which a question would get the verified answer it means; `wrong`: the
    best similarity of a question to a verified answer it does *not* mean.
    """
    if share is not None:
        return float(next(t for t in GRID if np.mean(wrong >= t) <= share))
    gain = [np.mean(right >= t) - WRONG_COST * np.mean(wrong >= t) for t in GRID]
    return float(GRID[int(np.argmax(gain))])


def set_pairs(name: str, embedder: Embedder, paraphrases: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Derived pairs for one development set (no gold quotes used): a paraphrase against its own question
    (right, when that is its nearest), and every question against the verified questions of the other fold
    (wrong: they mean something else), unanswerable questions included."""
    questions = read_questions(EVAL / SETS[name][0])
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    qv = embedder.encode([q.question for q in answerable])
    if name in RIGHT_PAIRS_ONLY:
        asked = [i for i, q in enumerate(answerable) if q.id in paraphrases]
        pv = embedder.encode([paraphrases[answerable[i].id] for i in asked])
        return np.einsum("ij,ij->i", pv, qv[asked]), np.zeros(0)
    right: list[float] = []
    wrong: list[float] = []
    for k in (0, 1):
        verified = list(range(k, len(answerable), 2))
        others = [i for i in range(len(answerable)) if i not in verified]
        asked = [i for i in verified if answerable[i].id in paraphrases]
        pv = embedder.encode([paraphrases[answerable[i].id] for i in asked])
        sims = pv @ qv[verified].T
        for row, i in enumerate(asked):
            best = int(np.argmax(sims[row]))
            if verified[best] == i:
                right.append(float(sims[row, best]))
            else:  # its nearest verified question is another one: a wrong match, and its right one is lost
                wrong.append(float(sims[row, best]))
                right.append(-1.0)
        other_vecs = np.vstack([qv[others], embedder.encode([q.question for q in unanswerable])]) if unanswerable \
            else qv[others]
        wrong += [float(x) for x in (other_vecs @ qv[verified].T).max(1)]
    return np.array(right), np.array(wrong)


def verified_from(q: EvalQuestion) -> VerifiedAnswer:
    return VerifiedAnswer(id=0, questions=[q.question], source=q.source or "", quote=q.quotes[0],
                          verified_by="bench", verified_at="2026-11-26")


def hit1(engine: PolicyEngine, q: EvalQuestion, text: str | None = None) -> bool:
    answer = engine.ask(text or q.question, scope=q.scope)
    return answer.answered and bool(answer.citations) and any(fold(g) in fold(answer.citations[0].quote)
                                                               for g in q.quotes)


def run_set(name: str, embedder: Embedder, paraphrases: dict[str, str]) -> dict:
    file, folder = SETS[name]
    corpus = EVAL / "corpora" / folder
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:12]
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=ROOT / ".cache" / "eval-index" / key)
    engine = PolicyEngine.open(settings, embedder=embedder)
    questions = read_questions(EVAL / file)
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    with_paraphrase = [q for q in answerable if q.id in paraphrases]

    def load(verified: list[EvalQuestion]) -> dict[int, EvalQuestion]:
        answers = [verified_from(q).model_copy(update={"id": n}) for n, q in enumerate(verified, 1)]
        stale = engine.use_verified(answers)
        assert not stale, f"{name}: gold quotes not found: {[a.quote for a in stale]}"
        return {n: q for n, q in enumerate(verified, 1)}

    def verified_first(ids: dict[int, EvalQuestion], asked: list[EvalQuestion]) -> tuple[int, int]:
        """Paraphrases whose first citation is their own verified clause, and those whose first citation
        came from their own verified answer (not another one quoting an overlapping clause)."""
        first = own_first = 0
        by_id = {q.id: n for n, q in ids.items()}
        for q in asked:
            answer = engine.ask(paraphrases[q.id], scope=q.scope)
            own_first += answer.verified_id == by_id[q.id]
            first += answer.verified_id is not None and bool(answer.citations) and \
                fold(q.quotes[0]) in fold(answer.citations[0].quote)
        return first, own_first

    engine.use_verified([])
    base_para = sum(hit1(engine, q, paraphrases[q.id]) for q in with_paraphrase)
    base_hit = {q.id: hit1(engine, q) for q in answerable}
    base_abstain = sum(not engine.ask(q.question, scope=q.scope).answered for q in unanswerable)

    ids = load(answerable)  # all answerable questions verified
    all_first, all_own_first = verified_first(ids, with_paraphrase)
    all_gold_first = sum(hit1(engine, q, paraphrases[q.id]) for q in with_paraphrase)
    all_abstain = sum(not engine.ask(q.question, scope=q.scope).answered for q in unanswerable)

    folds = [answerable[0::2], answerable[1::2]]
    other_base = other_with = wrong_match = folded_first = folded_n = 0
    fold_abstain = 0
    for k in (0, 1):
        verified, other = folds[k], folds[1 - k]
        ids = load(verified)
        first, _ = verified_first(ids, [q for q in verified if q.id in paraphrases])
        folded_first += first
        folded_n += sum(q.id in paraphrases for q in verified)
        for q in other:
            answer = engine.ask(q.question, scope=q.scope)
            wrong_match += answer.verified_id is not None
            other_with += answer.answered and bool(answer.citations) and any(
                fold(g) in fold(answer.citations[0].quote) for g in q.quotes)
            other_base += base_hit[q.id]
        fold_abstain += sum(not engine.ask(q.question, scope=q.scope).answered for q in unanswerable)

    # question-to-question against question-to-clause, all answerable questions verified
    para_vecs = embedder.encode([paraphrases[q.id] for q in with_paraphrase])
    question_vecs = embedder.encode([q.question for q in answerable])
    clause_vecs = embedder.encode([q.quotes[0] for q in answerable])
    truth = np.array([answerable.index(q) for q in with_paraphrase])
    # a verified answer is only ever matched within the documents a question may search (PolicyQA: its policy)
    allowed = np.array([[a.scope == q.scope for a in answerable] for q in with_paraphrase])
    q2q = np.where(allowed, para_vecs @ question_vecs.T, -1.0)
    q2c = np.where(allowed, para_vecs @ clause_vecs.T, -1.0)
    engine.use_verified([])
    return {
        "set": name, "answerable": len(answerable), "paraphrases": len(with_paraphrase),
        "unanswerable": len(unanswerable),
        "paraphrase_hit1_without": base_para / len(with_paraphrase),
        "paraphrase_verified_first": all_first / len(with_paraphrase),
        "paraphrase_own_verified_answer_first": all_own_first / len(with_paraphrase),
        "paraphrase_gold_first_with": all_gold_first / len(with_paraphrase),
        "folds_paraphrase_verified_first": folded_first / folded_n,
        "other_intents": len(answerable),
        "other_hit1_without": other_base / len(answerable),
        "other_hit1_with": other_with / len(answerable),
        "other_wrongly_matched": wrong_match,
        "unanswerable_abstain_without": base_abstain / max(len(unanswerable), 1),
        "unanswerable_abstain_with_all": all_abstain / max(len(unanswerable), 1),
        "unanswerable_abstain_with_folds": fold_abstain / max(2 * len(unanswerable), 1),
        "q2q_top1": float(np.mean(q2q.argmax(1) == truth)),
        "q2c_top1": float(np.mean(q2c.argmax(1) == truth)),
        "q2q_right_sim": float(np.mean(q2q[np.arange(len(truth)), truth])),
        "q2c_right_sim": float(np.mean(q2c[np.arange(len(truth)), truth])),
        "q2q_at_threshold": float(np.mean((q2q.argmax(1) == truth) & (q2q.max(1) >= engine.calibration.verified.match))),
        "q2q_auc": auc(q2q, truth, allowed), "q2c_auc": auc(q2c, truth, allowed),
    }


def auc(sims: np.ndarray, truth: np.ndarray, allowed: np.ndarray) -> float:
    """Chance that a paraphrase is closer to its own verified answer than to another one it could match."""
    right = sims[np.arange(len(truth)), truth]
    mask = allowed.copy()
    mask[np.arange(len(truth)), truth] = False
    wrong = sims[mask]
    return float(np.mean(right[:, None] > wrong[None, :]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--sets", default=",".join(SETS), help="the sets whose engine runs to measure")
    args = parser.parse_args()
    settings = Settings(_env_file=None)
    embedder = Embedder(settings.model)
    same, different = pair_similarities(embedder)
    print(f"written pairs: {len(same)} same-intent, {len(different)} different-intent; "
          f"same median {np.median(same):.3f}, different median {np.median(different):.3f}")
    in_use = calibration_for(embedder.name, settings.calibration, bundled_model_path())[0].verified.model_dump()
    figures: dict = {"in_use": in_use, "sets": [], "leave_one_set_out": {}}
    if not EVAL.exists():
        print(f"{EVAL} is absent: the evidence part needs the development sets.")
        return
    paraphrases = {d["id"]: d["paraphrase"] for d in map(json.loads, PARAPHRASES.read_text().splitlines()) if d}
    derived = {name: set_pairs(name, embedder, paraphrases) for name in SETS}
    pooled_right = np.concatenate([same, *(r for r, _ in derived.values())])
    pooled_wrong = np.concatenate([different, *(w for _, w in derived.values())])
    figures["thresholds"] = {}
    for kind, share in {"match": None, **WRONG_THROUGH}.items():
        threshold = choose_threshold(pooled_right, pooled_wrong, share)
        figures["thresholds"][kind] = threshold
        print(f"{kind} threshold on all pairs together: {threshold:.2f} (in use: {in_use[kind]:.2f}); "
              f"right matches kept {np.mean(pooled_right >= threshold):.2f}, wrong let through "
              f"{np.mean(pooled_wrong >= threshold):.3f}; written pairs alone: same {np.mean(same >= threshold):.2f}, "
              f"different {np.mean(different >= threshold):.2f}")
        for name in SETS:
            rest_right = np.concatenate([same, *(r for n, (r, _) in derived.items() if n != name)])
            rest_wrong = np.concatenate([different, *(w for n, (_, w) in derived.items() if n != name)])
            t = choose_threshold(rest_right, rest_wrong, share)
            right, wrong = derived[name]
            kept = float(np.mean(right >= t)) if len(right) else None
            through = float(np.mean(wrong >= t)) if len(wrong) else None
            figures["leave_one_set_out"].setdefault(name, {})[kind] = {
                "threshold": t, "right_kept": kept, "wrong_through": through}
            print(f"  leave {name} out: {kind} threshold {t:.2f}; on {name}: right matches kept "
                  f"{'n/a' if kept is None else f'{kept:.2f}'}, wrong let through "
                  f"{'n/a' if through is None else f'{through:.3f}'}")
    chosen = VerifiedThresholds(**figures["thresholds"])
    print(f"model {embedder.name}: {'these are the thresholds in use' if chosen.model_dump() == in_use else 'to use these, set'}"
          f"\nPOLICY_ASSISTANT_CALIBRATION='{CalibrationSetting(verified=chosen).model_dump_json(exclude_none=True)}'")
    for name in args.sets.split(","):
        if os.environ.get("BENCH_THRESHOLD_ONLY"):
            break
        started = time.perf_counter()
        row = run_set(name, embedder, paraphrases)
        row["seconds"] = round(time.perf_counter() - started)
        figures["sets"].append(row)
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

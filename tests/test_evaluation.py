"""Evaluation: ruling figures, the naive paragraph baseline, and thresholds chosen on several sets at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.confidence import Evidence, Weights
from assistant.evaluation import (EvalQuestion, ParagraphBaseline, Scores, Signals, Thresholds, abstention_figures,
                                  choose_thresholds, collect_signals, evaluate, evaluate_naive, leave_one_set_out,
                                  paragraphs, read_questions, ruling_figures, set_names)
from assistant.engine import PolicyEngine
from assistant.settings import Settings

POLICY = "glenmere-social-media-policy-2023-24.md"
SHARED_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def _signal(dataset: str, answerable: bool, closeness: float, lead: float = 0.0, gold: str | None = "information",
            ruling: str = "information", asks: bool = False, agreement: float = 0.0) -> Signals:
    return Signals(dataset, answerable, gold if answerable else "information", asks, ruling,
                   Evidence(closeness, lead=lead, agreement=agreement))


def test_paragraphs_are_text_between_blank_lines():
    assert paragraphs("# Title\n\nOne line\nand its second line.\n \n\n- a\n- b\n") == [
        "# Title", "One line\nand its second line.", "- a\n- b"]


def test_thresholds_refuse_most_unanswerable_while_no_set_refuses_more_than_one_in_ten():
    signals = [_signal("a", True, 0.5 + i / 100) for i in range(10)] + [_signal("a", False, 0.45), _signal("a", False, 0.7)]
    signals += [_signal("b", True, 0.6 + i / 100) for i in range(10)] + [_signal("b", False, 0.48)]
    t = choose_thresholds(signals)
    figures = abstention_figures(signals, t)
    assert all(refused <= 0.10 for _, refused in figures.values()), (t, figures)
    assert figures["b"][0] == 1.0 and figures["a"][0] == 0.5  # 0.7 cannot be refused without refusing answerable ones


def test_ruling_threshold_keeps_every_set_precise():
    right = [_signal("a", True, 0.9, gold="prohibited", ruling="prohibited", asks=True) for _ in range(5)]
    wrong = [_signal("a", True, 0.6, gold="permitted", ruling="prohibited", asks=True)]
    t = choose_thresholds(right + wrong)
    stated, correct, due = ruling_figures(right + wrong, t)["a"]
    assert (stated, correct, due) == (5, 5, 6)  # the uncertain wrong one is left without a ruling
    # a question that does not ask for a ruling never gets one, however sure the answer
    assert ruling_figures([_signal("a", True, 1.0, gold="information", ruling="required")], t)["a"] == (0, 0, 0)


def test_leave_one_set_out_scores_each_set_with_thresholds_from_the_others():
    signals = [_signal("a", True, 0.5 + i / 100) for i in range(10)] + [_signal("a", False, 0.45)]
    signals += [_signal("b", True, 0.8 + i / 100) for i in range(10)] + [_signal("b", False, 0.75)]
    loso = leave_one_set_out(signals)
    assert loso["b"]["answer"] == choose_thresholds([s for s in signals if s.dataset == "a"]).answer
    assert loso["b"]["abstain(unanswerable)"] == 0.0  # a's threshold is too low for b: honest, not refitted
    assert loso["a"]["false_abstain"] == 1.0  # b's threshold refuses all of a


def test_sets_kept_as_folders_of_questions_jsonl_keep_apart():
    # every set kept as NAME/questions.jsonl: named by its folder, so leave-one-set-out leaves out one set
    files = [Path("sets/handbook/questions.jsonl"), Path("sets/conduct/questions.jsonl"), Path("eval/glenmere_dev.jsonl")]
    assert set_names(files) == ["handbook", "conduct", "glenmere_dev"]


def test_a_second_signal_is_weighed_when_closeness_alone_cannot_separate():
    # unanswerable questions as close as answerable ones, but with scattered candidates and no lead
    signals = [_signal("a", True, 0.6, lead=0.2, agreement=1.0) for _ in range(10)]
    signals += [_signal("a", False, 0.6, lead=0.0, agreement=0.0) for _ in range(3)]
    signals += [_signal("b", True, 0.5, lead=0.1, agreement=0.5) for _ in range(10)] + [_signal("b", False, 0.55)]
    t = choose_thresholds(signals)
    assert t.weights.lead > 0 or t.weights.agreement > 0, t
    assert abstention_figures(signals, t) == {"a": (1.0, 0.0), "b": (1.0, 0.0)}


def test_scores_count_rulings_against_gold():
    scores = Scores("x", abstains=True, has_verdicts=True, answerable=4, rulings=3, right_rulings=2, rulings_due=4,
                    wrong_rulings=["q1: permitted (prohibited)"])
    row = scores.row()
    assert row["ruling_precision"] == 2 / 3 and row["ruling_coverage"] == 0.5 and row["wrong_rulings"] == 1


def test_naive_baseline_and_signals_on_the_default_policy(engine, tmp_path):
    questions = [
        EvalQuestion(id="n1", question="Can I add a pupil as a friend on my personal account?",
                     quotes=["Staff must never add pupils as friends into their personal accounts"], source=POLICY,
                     ruling=True, verdict="prohibited"),
        EvalQuestion(id="n2", question="What is the mileage rate for driving my own car?", answerable=False),
    ]
    baseline = ParagraphBaseline(engine, tmp_path)
    assert (tmp_path / "paragraph-cache.npz").exists()
    assert all(len(p.split()) > 0 for p in baseline.texts) and len(baseline.texts) <= len(engine.index.clauses)
    assert max(sum(c.text in p for c in engine.index.clauses) for p in baseline.texts) >= 2  # whole paragraphs
    # a scoped question searches only its policy's paragraphs (PolicyQA's questions are all scoped)
    scoped = baseline.search("Can I add a pupil as a friend?", POLICY, k=2)
    assert len(scoped) == 2 and set(scoped) <= set(baseline.texts) and baseline.search("friends", "no-such.md") == []
    naive = evaluate_naive(ParagraphBaseline(engine, tmp_path), questions)  # second time from the cache
    assert naive.answerable == naive.unanswerable == 1 and naive.reciprocal > 0  # found among its ten paragraphs
    product = evaluate(engine, questions)
    assert product.hit1 == 1
    assert product.rulings_due == 1 and product.right_rulings == product.rulings == 1
    signals = collect_signals(engine, questions, "glenmere")
    assert [s.answerable for s in signals] == [True, False]
    assert signals[0].ruling == "prohibited" and signals[0].asks_ruling and not signals[1].asks_ruling
    t = Thresholds(Weights(lead=4.0, agreement=0.1), 0.5, 0.9)
    assert t.score(signals[0]) > t.score(signals[1])
    assert 0 <= signals[0].evidence.lead <= 0.3 and 0 <= signals[1].evidence.agreement <= 1


def test_the_landed_weights_meet_the_abstention_and_ruling_targets_on_the_schools_own_set(embedder, tmp_path):
    """On the first customer's dev set, the global weights and thresholds (chosen on all sets) abstain on most
    unanswerable questions, refuse at most 1 answerable question in 10, and state no wrong ruling."""
    corpus, questions = SHARED_EVAL / "corpora" / "glenmere", SHARED_EVAL / "glenmere_dev.jsonl"
    if not corpus.is_dir() or not questions.exists():
        pytest.skip(f"evaluation set {questions} is absent (../shared/eval is not part of a fresh clone)")
    engine = PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"),
                               embedder=embedder)
    scores = evaluate(engine, read_questions(questions))
    row = scores.row()
    assert row["abstain(unanswerable)"] >= 0.6 and row["false_abstain"] <= 0.10, row
    assert row["wrong_rulings"] == 0 and row["rulings"] >= 1, (row, scores.wrong_rulings)


def test_a_paragraph_read_as_written_comes_before_the_table_rows_it_explains(embedder, tmp_path):
    """Clef's holiday page lists the holidays in a table, then says which day is taken off when one falls
    on a weekend. Asked which day they get off when the 4th of July is a Saturday, the reader is shown that
    paragraph first, not the table's "Independence Day" row (whose passage carries the table's context):
    a clause is ordered by its paragraph embedded as written, too."""
    corpus, questions = SHARED_EVAL / "corpora" / "clef_handbook", SHARED_EVAL / "clef_handbook_dev.jsonl"
    if not corpus.is_dir() or not questions.exists():
        pytest.skip(f"evaluation set {questions} is absent (../shared/eval is not part of a fresh clone)")
    engine = PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"),
                               embedder=embedder)
    answer = engine.ask("the 4th of July is on a Saturday this year, which day do we get off?")
    first = (answer.citations or answer.related)[0]
    assert "if a holiday falls on a Saturday, we will observe it on the Friday before" in first.quote

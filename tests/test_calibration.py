"""Calibration: each model's own weights and thresholds, a setting that replaces them, and what they decide.

The engines here are real (the bundled model, the default corpus's index); only the numbers change."""

from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from assistant.calibration import MINILM, MPNET, CalibrationSetting, VerifiedThresholds, Weighing, calibration_for, \
    model_name
from assistant.cli import main
from assistant.embeddings import Embedder
from assistant.engine import PolicyEngine
from assistant.models import VerifiedAnswer
from assistant.settings import Settings, bundled_model_path

NEVER = Weighing(threshold=float("inf"))


def test_models_are_known_by_their_name_wherever_they_live():
    assert model_name(bundled_model_path(), bundled_model_path()) == "all-minilm-l6-v2"
    assert model_name("sentence-transformers/all-mpnet-base-v2") == "all-mpnet-base-v2"
    assert model_name("/srv/models/All-MPNet-Base-v2/") == "all-mpnet-base-v2"
    assert calibration_for(bundled_model_path(), None, bundled_model_path()) == (MINILM, None)
    assert calibration_for("sentence-transformers/all-MiniLM-L6-v2") == (MINILM, None)
    assert calibration_for("/srv/models/all-mpnet-base-v2") == (MPNET, None)
    assert MPNET != MINILM


def test_a_model_without_a_calibration_is_named_in_a_warning_until_every_part_is_set():
    calibration, warning = calibration_for("/srv/models/my-own-model")
    assert calibration == MINILM
    assert "'/srv/models/my-own-model'" in warning and "for answer, ruling, verified" in warning
    assert "eval-thresholds" in warning and "POLICY_ASSISTANT_CALIBRATION" in warning

    answer = Weighing(lead=2.0, threshold=0.3)
    calibration, warning = calibration_for("/srv/models/my-own-model", CalibrationSetting(answer=answer))
    assert calibration.answer == answer and calibration.ruling == MINILM.ruling
    assert "for ruling, verified," in warning

    every = CalibrationSetting(answer=answer, ruling=NEVER, verified=VerifiedThresholds(supported=0.5, match=0.6,
                                                                                         close=0.9))
    calibration, warning = calibration_for("/srv/models/my-own-model", every)
    assert warning is None and calibration.ruling == NEVER and calibration.verified.match == 0.6

    # a known model keeps its own numbers for the parts not set
    calibration, warning = calibration_for("all-mpnet-base-v2", CalibrationSetting(answer=answer))
    assert warning is None and calibration.answer == answer and calibration.verified == MPNET.verified


def test_the_setting_is_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("POLICY_ASSISTANT_CALIBRATION",
                       '{"answer": {"lead": 2, "agreement": 0.2, "missing": -0.25, "threshold": 0.28},'
                       ' "ruling": {"lead": 4, "threshold": Infinity}}')
    settings = Settings(_env_file=None)
    assert settings.calibration.answer == Weighing(lead=2, agreement=0.2, missing=-0.25, threshold=0.28)
    assert settings.calibration.ruling.threshold == float("inf") and settings.calibration.verified is None
    # and written back the same way
    assert CalibrationSetting.model_validate_json(settings.calibration.model_dump_json()) == settings.calibration


@pytest.mark.parametrize("value, wrong", [
    ('{"verified": {"supported": 0.8, "match": 0.7, "close": 0.9}}', "supported <= match <= close"),
    ('{"answer": {"missing": 0.5, "threshold": 0.2}}', "less than or equal to 0"),
    ('{"answers": {"threshold": 0.2}}', "Extra inputs are not permitted"),
    ('{"answer": {"threshold": 0.2}', "not JSON (Expecting ',' delimiter at character 29)"),
])
def test_a_bad_setting_is_one_line_naming_it(monkeypatch, value, wrong):
    monkeypatch.setenv("POLICY_ASSISTANT_CALIBRATION", value)
    with pytest.raises(ValidationError, match=re.escape(wrong)):
        Settings(_env_file=None)
    result = CliRunner().invoke(main, ["ask", "Can I accept a friend request from a parent?"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "calibration" in errors[0], result.output


def _engine(settings: Settings, embedder: Embedder, **parts) -> PolicyEngine:
    return PolicyEngine.open(settings.model_copy(update={"calibration": CalibrationSetting(**parts)}),
                             embedder=embedder)


def test_the_calibration_decides_answering_and_rulings(engine, settings, embedder):
    question = "Can I add a pupil as a friend on my personal account?"
    assert engine.calibration == MINILM
    answer = engine.ask(question)
    assert answer.answered and answer.verdict.value == "prohibited"

    never_rule = _engine(settings, embedder, ruling=NEVER).ask(question)
    assert never_rule.answered and never_rule.verdict.value == "information"
    assert never_rule.citations[0].quote == answer.citations[0].quote

    never_answer = _engine(settings, embedder, answer=NEVER).ask(question)
    assert not never_answer.answered and never_answer.related and not never_answer.citations


def test_the_calibration_decides_verified_matches(engine, settings, embedder):
    policy = engine.index.documents[0].source
    verified = VerifiedAnswer(id=1, questions=["Can I accept a friend request from a parent on Facebook?"],
                              source=policy, quote="staff are strongly advised not to become 'friends' with parents",
                              verified_by="U0OWNER", verified_at="2026-11-28")
    paraphrase = "A mum from my class sent me a Facebook friend request - should I accept it?"
    default = _engine(settings, embedder)
    default.use_verified([verified])
    assert default.ask(paraphrase).verified_id == 1
    strict = _engine(settings, embedder, verified=VerifiedThresholds(supported=0.95, match=0.95, close=0.99))
    strict.use_verified([verified])
    assert strict.ask(paraphrase).verified_id is None


def test_a_model_without_a_calibration_is_warned_about_when_opened(settings, tmp_path, caplog):
    own = tmp_path / "my-own-model"
    own.symlink_to(bundled_model_path(), target_is_directory=True)
    embedder = Embedder(str(own), runtime="torch")
    mine = settings.model_copy(update={"model": str(own), "index_dir": tmp_path / "index"})
    with caplog.at_level(logging.WARNING, logger="assistant.engine"):
        engine = PolicyEngine.open(mine, embedder=embedder)
    assert engine.calibration == MINILM
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("no calibration is known for the model" in w and "my-own-model" in w for w in warnings), warnings


def test_eval_thresholds_prints_the_setting_to_use(tmp_path, monkeypatch, corpus_copy):
    questions = tmp_path / "dev.jsonl"
    policy = "glenmere-social-media-policy-2023-24.md"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "c1", "question": "Can I add a pupil as a friend on my personal account?", "answerable": True,
         "quotes": ["Staff must never add pupils as friends into their personal accounts"], "source": policy,
         "ruling": True, "verdict": "prohibited"},
        {"id": "c2", "question": "Who do I talk to about the social media policy?", "answerable": True,
         "quotes": ["the Headteacher"], "source": policy, "ruling": False, "verdict": "information"},
        {"id": "c3", "question": "What is the mileage rate for driving my own car?", "answerable": False,
         "quotes": [], "ruling": False, "verdict": "information"},
    ]) + "\n", encoding="utf-8")
    monkeypatch.setenv("POLICY_ASSISTANT_HOME", str(tmp_path))  # the eval index is built under <home>/.cache
    result = CliRunner().invoke(main, ["eval-thresholds", f"{questions}={corpus_copy}"])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("POLICY_ASSISTANT_CALIBRATION='") and line.endswith("'"), result.output
    chosen = CalibrationSetting.model_validate_json(line.split("=", 1)[1].strip("'"))
    assert chosen.answer is not None and chosen.ruling is not None and chosen.verified is None
    match = re.search(r"answer when closeness .* >= ([\d.-]+); rule when .* >= ([\d.-]+|inf)", result.output)
    assert match and chosen.answer.threshold == pytest.approx(float(match.group(1)))
    assert chosen.ruling.threshold == pytest.approx(float(match.group(2)))

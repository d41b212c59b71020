"""The `policy-assistant` command through CliRunner: output shapes, batch mode, and one-line errors.

Each invocation loads the model itself (a few seconds), so the commands are kept few.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.engine import PolicyEngine
from assistant.index import build_index
from assistant.render import answer_text
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
POLICY = "glenmere-social-media-policy-2023-24.md"
WHERE = "— Social Media Policy 2023-24 › "


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "policy_corpus", corpus)
    return corpus, base / "index"


@pytest.fixture(scope="module")
def indexed(paths):
    """Run `policy-assistant index` once; later commands reuse the index."""
    corpus, index_dir = paths
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(index_dir)])
    return corpus, index_dir, result


def _args(indexed, *args: str) -> list[str]:
    corpus, index_dir, _ = indexed
    return [*args, "--corpus", str(corpus), "--index", str(index_dir)]


def _assert_one_line_error(result) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert len(errors[0]) < 400


def test_index_command(indexed):
    corpus, index_dir, result = indexed
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output and "clauses from 1 document into" in result.output
    assert (index_dir / "manifest.json").exists()
    assert "Check" not in result.output  # the seed policy is quoted in full


def test_index_command_names_a_document_it_can_hardly_quote(tmp_path):
    """A document most of whose words stand in no clause (here, set in a code block) is named when the index is
    built, so its owner checks the file rather than the bot silently never quoting it; the others are not."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = " ".join(["Visitors sign in at reception before going to any classroom."] * 40)
    (corpus / "visitors.md").write_text(f"# Visitors\n\n```\n{body}\n```\n\nVisitors wear a badge at all times.\n")
    (corpus / "leave.md").write_text("# Leave\n\n" + " ".join(["Staff may take five days of leave a term."] * 30))
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("Check ")]
    assert len(notes) == 1 and notes[0].startswith("Check visitors.md: only 6 of its 407 words"), result.output
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert [n.split(":")[0] for n in manifest["unquotable"]] == ["visitors.md"]


def test_ask_text(indexed):
    result = CliRunner().invoke(main, _args(indexed, "ask", "Can I add a pupil as a friend?"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Not allowed:")
    assert "Staff must never add pupils as friends" in " ".join(result.output.split())
    assert any(line.strip().startswith(WHERE.strip()) for line in lines), result.output
    # the review warning once, not a review date beside the quote as well
    assert result.output.count("June 2024") == 1 and "Warning: Social Media Policy 2023-24 was due" in result.output
    assert "Still unsure? Ask the Headteacher." in result.output
    # the clause that answers is quoted alone; the other ranked clauses are named under "More clauses"
    def quotes(output: str) -> int:
        return sum(line.startswith("  \u201c") for line in output.splitlines())
    assert quotes(result.output) == 1 and "More clauses" in result.output
    every = CliRunner().invoke(main, _args(indexed, "ask", "--all", "Can I add a pupil as a friend?"))
    assert every.exit_code == 0 and quotes(every.output) > 1 and "More clauses" not in every.output


def test_ask_json(indexed, engine):
    question = "Can I use the school logo on my website?"
    result = CliRunner().invoke(main, _args(indexed, "ask", "--json", question))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answered"] is True
    # a ruling only when the best passage is confidently the answer (same policy, same engine code)
    sure = engine.calibration.ruling.passes(engine.evidence_for(question))
    assert data["verdict"] == ("needs_permission" if sure else "information")
    assert data["contact"] == "the Headteacher"
    assert any("written prior permission" in c["quote"] and c["verdict"] == "needs_permission"
               for c in data["citations"][:3])
    assert all(c["source"] == POLICY for c in data["citations"])


def test_ask_batch_from_stdin(indexed):
    lines = [
        "Can I add a pupil as a friend?",
        json.dumps({"question": "Can I use the school logo on my website?", "scope": "glenmere-*"}),
        "",
        json.dumps({"question": "Can I add a pupil as a friend?", "scope": "no-such-policy.md"}),
        "   ",
        "Can I accept a friend request from a parent?",
    ]
    result = CliRunner().invoke(main, _args(indexed, "ask", "--json"), input="\n".join(lines) + "\n")
    assert result.exit_code != 0  # one line failed
    assert "Traceback" not in result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["question"] == "Can I add a pupil as a friend?" and out[0]["verdict"] == "prohibited"
    assert out[1]["question"] == "Can I use the school logo on my website?" and out[1]["scope"] == [POLICY]
    assert set(out[2]) == {"line", "question", "error"} and "No policy matches" in out[2]["error"]
    assert out[2]["line"] == 4 and out[2]["question"] == "Can I add a pupil as a friend?"
    assert out[3]["question"] == "Can I accept a friend request from a parent?" and out[3]["answered"]
    assert "1 question(s) could not be answered" in result.stderr


def test_eval_command(indexed, tmp_path):
    questions = tmp_path / "dev.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "c1", "question": "Can I add a pupil as a friend on my personal account?", "answerable": True,
         "quotes": ["Staff must never add pupils as friends into their personal accounts"], "source": POLICY,
         "ruling": True, "verdict": "prohibited"},
        {"id": "c2", "question": "Can I accept a friend request from a parent on Facebook?", "answerable": True,
         "quotes": ["staff are strongly advised not to become 'friends' with parents"], "source": POLICY,
         "ruling": True, "verdict": "permitted"},  # deliberately wrong gold: the stated ruling must count as wrong
        {"id": "c3", "question": "What is the mileage rate for driving my own car?", "answerable": False,
         "quotes": [], "ruling": False, "verdict": "information"},
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, _args(indexed, "eval", str(questions)))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2 answerable, 1 unanswerable" in out
    for label in ("hit@1", "hit@3", "MRR", "policy-assistant", "bm25-only", "dense-only"):
        assert label in out
    row = next(line for line in out.splitlines() if line.startswith("policy-assistant"))
    hit1, hit3, mrr = (float(x) for x in row.split()[1:4])
    assert 0 <= hit1 <= hit3 <= 1 and 0 <= mrr <= 1 and hit3 >= 0.5
    # rulings: c1 right, c2 stated against a wrong gold; precision = right / stated, coverage = right / due
    assert row.split()[6:] == ["2", "1", "0.50", "0.50"], row
    assert "wrong rulings: c2: advised_against (permitted)" in out
    naive = next(line for line in out.splitlines() if line.startswith("naive-paragraph"))
    assert naive.split()[4:] == ["—"] * 6, naive  # the baseline never abstains and states no ruling
    assert 0 < float(naive.split()[3]) <= 1  # MRR: whole paragraphs hold the gold quotes within ten


def test_list_command(indexed):
    result = CliRunner().invoke(main, _args(indexed, "list"))
    assert result.exit_code == 0, result.output
    assert POLICY in result.output
    assert "Social Media Policy 2023-24" in result.output
    assert "review due June 2024" in result.output and "contact: the Headteacher" in result.output


def test_chat_command(indexed):
    result = CliRunner().invoke(main, _args(indexed, "chat"),
                                input="Can I add a pupil as a friend?\n\x00\x01junk\nCan I use the school logo?\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Not allowed:") == 1
    assert "Only with permission:" in result.output
    assert "Error: That doesn't look like a question" in result.output  # reported, and the chat goes on
    assert "Traceback" not in result.output


@pytest.mark.parametrize("question", ["", "x" * 100_000, "pupil\x00\x07\x1b friend",
                                      "Puis-je accepter une demande d'ami d'un parent sur Facebook ?"],
                         ids=["empty", "100kB", "binary", "French"])
def test_bad_questions_give_one_line_errors(indexed, question):
    result = CliRunner().invoke(main, _args(indexed, "ask", question))
    _assert_one_line_error(result)


def test_missing_corpus(tmp_path):
    result = CliRunner().invoke(main, ["ask", "Can I add a pupil?", "--corpus", str(tmp_path / "nowhere"),
                                       "--index", str(tmp_path / "index")])
    _assert_one_line_error(result)
    assert "Policy folder not found" in result.output
    assert not (tmp_path / "index").exists()  # no index folder made for a policy folder that is not there


def test_folders_on_the_command_line_are_where_the_user_is(tmp_path, monkeypatch):
    """`score.py CLI corpus q.jsonl` from the folder holding `corpus`: relative flags are the caller's."""
    shutil.copytree(ROOT / "policy_corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["ask", "--json", "Can I add a pupil as a friend?",
                                       "--corpus", "corpus", "--index", "idx"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["citations"][0]["source"] == POLICY
    assert (tmp_path / "idx" / "manifest.json").is_file()


def test_corrupt_index(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "policy_corpus", corpus)
    index = build_index(corpus, tmp_path / "index", embedder)
    vectors = tmp_path / "index" / f"vectors-{index.manifest.build_id}.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    result = CliRunner().invoke(main, ["ask", "--json", "Can I add a pupil?", "--corpus", str(corpus),
                                       "--index", str(tmp_path / "index")])
    _assert_one_line_error(result)
    assert "corrupt" in result.output and "policy-assistant index" in result.output


def test_ask_without_question_or_json_is_a_usage_error():
    result = CliRunner().invoke(main, ["ask"])  # rejected before any model is loaded
    assert result.exit_code == 2 and "Traceback" not in result.output and "Give a question" in result.output


def test_module_entry_point_reports_a_missing_corpus_without_traceback(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "POLICY_ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", "Can I add a pupil as a friend?",
                           "--corpus", str(tmp_path / "missing")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith("Error: Policy folder not found")


def test_more_clauses_names_each_section_once_with_its_count(engine):
    answer = engine.ask("Can I add a pupil as a friend?")
    first, other = answer.citations[0], answer.citations[1]
    twin = other.model_copy(update={"quote": "another clause of the same section", "clause_id": "twin"})
    text = answer_text(answer.model_copy(update={"citations": [first, other, twin]}))
    more = next(line for line in text.splitlines() if line.startswith("More clauses"))
    assert more.count(other.where) == 1 and f"{other.where} (2 clauses)" in more


def test_a_price_list_is_shown_row_by_row_in_the_terminal(tmp_path, embedder):
    """A table given with tabs (as a PDF's or a text file's) is shown a row at a time, a blank line between
    rows, so "£30" is never read with the next row's item."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "uniform.txt").write_text("Uniform Prices\n\nAll uniform items are sold by the school office.\n\n"
                                        "Navy Blue Blazer\tSchool Office\t£30\nKufi\tSchool Office\t£5\n")
    policy = PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index",
                                        db_path=tmp_path / "db"), embedder=embedder)
    answer = policy.ask("How much does a kufi cost?")
    assert answer.answered and "Kufi\nSchool Office\n£5" in answer.citations[0].quote
    shown = answer_text(answer).splitlines()
    kufi = shown.index("   Kufi")
    assert shown[kufi - 1] == "" and shown[kufi + 1:kufi + 3] == ["   School Office", "   £5\u201d"]

"""Benchmark corpora of a chosen size, made of real handbook text under varied document names.

The evaluation corpora (../shared/eval/corpora) are copied again and again, each copy as another
organisation's policies: every document keeps its words, its section structure and its review
dates, and gets the organisation's name in its title, so no two passages are the same and every
clause must really be embedded. Without ../shared the project's own policy_corpus is used.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SETS = {"glenmere": "glenmere_dev.jsonl", "18f_handbook": "18f_dev.jsonl",
        "policyqa_dev": "policyqa_dev.jsonl", "clef_handbook": "clef_handbook_dev.jsonl"}
PLACES = ["Northfield", "Ashby", "Kelmscott", "Harrowgate", "Wexcombe", "Bramley", "Ottery", "Linden",
          "Carrow", "Eastleigh", "Fairholme", "Greywell", "Hollins", "Ingleby", "Juniper", "Kingsmead"]
KINDS = ["Academy Trust", "Group", "Housing Association", "Council", "Partners", "Foundation", "Clinic",
         "Learning Trust"]
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def sources() -> list[Path]:
    """The corpora copies are made from: the evaluation corpora, else the default policy corpus."""
    found = [EVAL / "corpora" / name for name in SETS if (EVAL / "corpora" / name).is_dir()]
    return found or [ROOT / "policy_corpus"]


def organisation(n: int) -> str:
    return f"{PLACES[n % len(PLACES)]} {KINDS[(n // len(PLACES)) % len(KINDS)]}" + (
        f" {n // (len(PLACES) * len(KINDS)) + 1}" if n >= len(PLACES) * len(KINDS) else "")


def make_corpus(target_clauses: int, out: Path) -> Path:
    """Write (once) a corpus of about `target_clauses` clauses into `out`; returns `out`."""
    from assistant.chunking import chunk_document
    from assistant.loaders import load_corpus

    done = out / ".complete"
    if done.exists() and json.loads(done.read_text())["target"] == target_clauses:
        return out
    shutil.rmtree(out, ignore_errors=True)
    documents = []  # (corpus folder, source, title, clauses)
    for folder in sources():
        loaded = load_corpus(folder)
        documents += [(folder, d.source, d.title, len(chunk_document(d))) for d in loaded.documents]
    total, copy = 0, 0
    while total < target_clauses:
        org = organisation(copy)
        for folder, source, title, clauses in documents:
            if total >= target_clauses:
                break
            _write_copy(folder / source, out / _slug(org) / folder.name / source, f"{org}: {title}")
            total += clauses
        copy += 1
    done.write_text(json.dumps({"target": target_clauses, "clauses": total, "copies": copy}))
    return out


def _write_copy(original: Path, target: Path, title: str) -> None:
    """The document with its title changed (front matter added or updated); its text otherwise untouched."""
    text = original.read_text("utf-8-sig", errors="replace")
    match = _FRONT.match(text)
    meta: dict = {}
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError:
            meta = {}
        text = text[match.end():]
    meta = (meta if isinstance(meta, dict) else {}) | {"title": title}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + text, "utf-8")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def questions() -> list[dict]:
    """The benchmark's questions: every evaluation question (with its scope), else a few built in."""
    found = []
    for name, file in SETS.items():
        path = EVAL / file
        if path.exists():
            found += [json.loads(line) | {"set": name} for line in path.read_text("utf-8").splitlines() if line.strip()]
    return found or [{"question": q, "set": "default"} for q in (
        "Can I accept a friend request from a parent?", "Can I add a pupil as a friend on Facebook?",
        "Can I use the school logo on my blog?", "What happens if I breach the code of conduct?",
        "Can I give my mobile number to a pupil?", "Will the school post photos of my child?",
        "What should I do about my privacy settings?", "Can I post photos of pupils on social media?")]

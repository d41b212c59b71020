"""The index: build/load round trip, incremental rebuilds, staleness, corruption and atomic replacement."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from assistant.engine import PolicyEngine, open_index
from assistant.errors import CorpusError, IndexError_, IndexOutdated
from assistant.index import CACHE_FILE, Manifest, build_index, corpus_fingerprint, load_index, staleness
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
POLICY = "glenmere-social-media-policy-2023-24.md"
EXTRA = "# Visitors Policy\n\n## Signing in\n\nVisitors must sign in at reception and wear a badge at all times.\n"


def _make_corpus(target: Path) -> Path:
    shutil.copytree(ROOT / "policy_corpus", target)
    (target / "visitors.md").write_text(EXTRA, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def seed(tmp_path_factory, embedder):
    """One real first build; other tests start from its embedding cache so they embed nothing twice."""
    base = tmp_path_factory.mktemp("seed")
    corpus = _make_corpus(base / "corpus")
    return corpus, base / "index", build_index(corpus, base / "index", embedder)


@pytest.fixture
def corpus(tmp_path) -> Path:
    return _make_corpus(tmp_path / "corpus")


@pytest.fixture
def built(seed, corpus, tmp_path, embedder):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    shutil.copy(seed[1] / CACHE_FILE, index_dir / CACHE_FILE)
    return corpus, index_dir, build_index(corpus, index_dir, embedder)


def _settings(corpus: Path, index_dir: Path, **extra) -> Settings:
    return Settings(_env_file=None, corpus_dir=corpus, index_dir=index_dir, db_path=index_dir.parent / "db", **extra)


def _build_files(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.name.split("-", 1)[0] in ("documents", "clauses", "vectors")}


def test_build_and_load_round_trip(seed, embedder):
    corpus, index_dir, index = seed
    m = index.manifest
    assert m.model == embedder.name
    assert m.dimension == 384
    assert m.corpus_fingerprint == corpus_fingerprint(corpus)
    assert datetime.fromisoformat(m.built_at).tzinfo is not None
    assert m.documents == 2 and m.clauses == len(index.clauses) > 30
    assert m.embedded == m.clauses  # nothing cached on the first build
    on_disk = Manifest.model_validate_json((index_dir / "manifest.json").read_text("utf-8"))
    assert on_disk == m
    loaded = load_index(index_dir)
    assert loaded.manifest == m
    assert loaded.clauses == index.clauses
    assert loaded.documents == index.documents
    assert loaded.vectors.size == len(loaded.clauses) and loaded.vectors.dimension == 384
    assert (loaded.vectors.matrix == index.vectors.matrix).all()
    assert staleness(loaded, corpus, embedder.name) is None
    assert _build_files(index_dir) == {f"documents-{m.build_id}.json", f"clauses-{m.build_id}.jsonl",
                                       f"vectors-{m.build_id}.faiss"}
    assert (index_dir / CACHE_FILE).exists()


def test_incremental_rebuild_embeds_only_what_changed(built, embedder):
    corpus, index_dir, first = built
    again = build_index(corpus, index_dir, embedder)
    assert first.manifest.embedded == again.manifest.embedded == 0  # everything came from the cache
    assert again.manifest.build_id != first.manifest.build_id
    assert again.clauses == first.clauses
    (corpus / "visitors.md").write_text(EXTRA + "\nContractors must show photo ID to the office staff.\n",
                                        encoding="utf-8")
    changed = build_index(corpus, index_dir, embedder)
    assert 0 < changed.manifest.embedded <= 3
    assert changed.manifest.clauses == first.manifest.clauses + 1
    assert any("photo ID" in c.text for c in changed.clauses)


def test_a_rebuild_reuses_unchanged_documents_and_their_keys_exactly(built, embedder):
    import numpy as np

    from assistant.chunking import passage
    from assistant.index import _cache_key

    corpus, index_dir, first = built
    (corpus / "visitors.md").write_text(EXTRA + "\nContractors must show photo ID to the office staff.\n",
                                        encoding="utf-8")
    changed = build_index(corpus, index_dir, embedder)
    kept = {d.source: d for d in first.documents}
    for doc in changed.documents:  # the untouched policy is the same document; the edited one is read anew
        assert (doc == kept[doc.source]) == (doc.source != "visitors.md")
        assert doc.digest == hashlib.sha256((corpus / doc.source).read_bytes()).hexdigest()
    keys = np.load(index_dir / f"keys-{changed.manifest.build_id}.npy").tolist()
    assert [k.decode() for k in keys] == [_cache_key(embedder.name, passage(c)) for c in changed.clauses]
    from_nothing = build_index(corpus, index_dir.parent / "fresh-index", embedder)  # a build from nothing: the same
    assert from_nothing.clauses == changed.clauses and from_nothing.documents == changed.documents
    assert from_nothing.manifest.corpus_fingerprint == changed.manifest.corpus_fingerprint == corpus_fingerprint(corpus)
    assert np.allclose(from_nothing.vectors.matrix, changed.vectors.matrix, atol=1e-5)


def test_problems_are_kept_in_the_manifest(built, embedder):
    corpus, index_dir, _ = built
    (corpus / "blob.txt").write_bytes(b"\x00\x01binary")
    index = build_index(corpus, index_dir, embedder)
    assert any(p.startswith("blob.txt:") for p in index.manifest.problems)
    assert index.manifest.documents == 2


def test_corpus_without_readable_policies(tmp_path, embedder):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="No readable policy documents"):
        build_index(empty, tmp_path / "index", embedder)
    (empty / "blob.txt").write_bytes(b"\x00\x00")
    with pytest.raises(CorpusError, match="blob.txt"):
        build_index(empty, tmp_path / "index", embedder)
    with pytest.raises(CorpusError, match="not found"):
        build_index(tmp_path / "missing", tmp_path / "index", embedder)


# ---------------------------------------------------------------- staleness

def test_stale_index_is_rebuilt_when_allowed(built, embedder):
    corpus, index_dir, first = built
    (corpus / "visitors.md").write_text(EXTRA.replace("reception", "the main office"), encoding="utf-8")
    assert "changed" in staleness(load_index(index_dir), corpus, embedder.name)
    engine = PolicyEngine.open(_settings(corpus, index_dir), embedder=embedder)
    assert engine.index.manifest.build_id != first.manifest.build_id
    assert engine.index.manifest.corpus_fingerprint == corpus_fingerprint(corpus)
    assert any("the main office" in c.text for c in engine.index.clauses)
    assert load_index(index_dir).manifest.build_id == engine.index.manifest.build_id


def test_stale_index_is_refused_without_auto_reindex(built, embedder):
    corpus, index_dir, first = built
    (corpus / "new.md").write_text("# New\n\nStaff must water the plants.\n", encoding="utf-8")
    with pytest.raises(IndexError_, match="policy-assistant index") as err:
        PolicyEngine.open(_settings(corpus, index_dir, auto_reindex=False), embedder=embedder)
    assert "out of date" in str(err.value) and "changed" in str(err.value)
    assert load_index(index_dir).manifest.build_id == first.manifest.build_id  # left alone


def test_fresh_index_is_used_without_rebuilding(built, embedder):
    corpus, index_dir, first = built
    engine = PolicyEngine.open(_settings(corpus, index_dir, auto_reindex=False), embedder=embedder)
    assert engine.index.manifest.build_id == first.manifest.build_id


def test_missing_index_is_built_on_open(seed, corpus, tmp_path, embedder):
    index_dir = tmp_path / "fresh-index"
    with pytest.raises(IndexError_, match="No index"):
        load_index(index_dir)
    index_dir.mkdir()
    shutil.copy(seed[1] / CACHE_FILE, index_dir / CACHE_FILE)
    engine = PolicyEngine.open(_settings(corpus, index_dir, auto_reindex=False), embedder=embedder)
    assert engine.index.manifest.clauses > 0 and (index_dir / "manifest.json").exists()


def test_model_mismatch_is_detected(built, embedder):
    corpus, index_dir, _ = built
    path = index_dir / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    data["model"] = "sentence-transformers/some-other-model"
    path.write_text(json.dumps(data), encoding="utf-8")
    reason = staleness(load_index(index_dir), corpus, embedder.name)
    assert reason and "some-other-model" in reason
    with pytest.raises(IndexError_, match="some-other-model"):
        PolicyEngine.open(_settings(corpus, index_dir, auto_reindex=False), embedder=embedder)
    rebuilt = PolicyEngine.open(_settings(corpus, index_dir), embedder=embedder)
    assert rebuilt.index.manifest.model == embedder.name
    assert rebuilt.index.manifest.embedded == 0  # same model underneath: the cache still serves


def test_an_index_read_by_other_chunking_code_is_stale(built, embedder):
    """An upgrade that reads policies differently (a PDF's pages, a table of contents) makes the index stale
    although no policy changed: rebuilt on open, where unchanged clauses keep their cached vectors."""
    corpus, index_dir, _ = built
    path = index_dir / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    data["chunker"] = "0" * 40
    path.write_text(json.dumps(data), encoding="utf-8")
    reason = staleness(load_index(index_dir), corpus, embedder.name)
    assert reason and "another version of the code" in reason
    rebuilt = PolicyEngine.open(_settings(corpus, index_dir), embedder=embedder)
    assert staleness(rebuilt.index, corpus, embedder.name) is None
    assert rebuilt.index.manifest.embedded == 0  # the same clauses: every vector from the cache


def _as_an_older_version_wrote_it(index_dir: Path) -> None:
    """Format 4 (before BM25 was saved with the index): an older manifest number, and no lexical file."""
    path = index_dir / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    data["format"] = 4
    path.write_text(json.dumps(data), encoding="utf-8")
    (index_dir / f"lexical-{data['build_id']}.npz").unlink()


def test_an_index_another_version_wrote_is_rebuilt_not_called_corrupt(built, embedder):
    corpus, index_dir, first = built
    _as_an_older_version_wrote_it(index_dir)
    with pytest.raises(IndexOutdated) as err:
        load_index(index_dir)
    message = str(err.value)
    assert "another version" in message and "format 4" in message and "`policy-assistant index`" in message
    assert "corrupt" not in message
    for refusing in (dict(auto_reindex=False), dict(build=False)):  # told not to build: the reason, and files left
        with pytest.raises(IndexOutdated, match="another version"):
            if "build" in refusing:
                open_index(_settings(corpus, index_dir), embedder, build=False)
            else:
                PolicyEngine.open(_settings(corpus, index_dir, **refusing), embedder=embedder)
        assert json.loads((index_dir / "manifest.json").read_text("utf-8"))["build_id"] == first.manifest.build_id
    engine = PolicyEngine.open(_settings(corpus, index_dir), embedder=embedder)  # upgraded: rebuilt on open
    assert engine.index.manifest.build_id != first.manifest.build_id
    assert engine.ask("Can I accept a friend request from a parent on Facebook?").answered


def test_each_clause_keeps_its_paragraph_embedded_as_written(seed, embedder):
    """The paragraph a clause stands in (its document's text between blank lines, without the document,
    section and lead-in its passage carries) is embedded once, stored with the build and read back."""
    corpus, index_dir, index = seed
    texts = {d.source: d.text for d in index.documents}
    of, vectors = index.paragraphs.of, index.paragraphs.vectors
    assert of.shape == (len(index.clauses),) and vectors.dtype == np.float16 and len(vectors) <= len(index.clauses)
    [item] = [i for i, c in enumerate(index.clauses) if c.text.startswith("Visitors must sign in at reception")]
    paragraph = "Visitors must sign in at reception and wear a badge at all times."
    assert texts[index.clauses[item].source].count(paragraph) == 1
    [expected] = embedder.encode([paragraph])
    assert np.allclose(vectors[of[item]].astype(np.float32), expected, atol=2e-3)
    # clauses of one paragraph share its vector; a clause's paragraph holds its words
    for i, clause in enumerate(index.clauses):
        if i and index.clauses[i - 1].source == clause.source and of[i] == of[i - 1]:
            between = texts[clause.source][index.clauses[i - 1].end:clause.start]
            assert "\n\n" not in between.replace(" ", "").replace("\t", "")
    loaded = load_index(index_dir)
    assert (loaded.paragraphs.of == of).all() and (loaded.paragraphs.vectors == vectors).all()


# ---------------------------------------------------------------- corruption

def _current(index_dir: Path) -> str:
    return json.loads((index_dir / "manifest.json").read_text("utf-8"))["build_id"]


def _truncate_vectors(index_dir: Path) -> None:
    path = index_dir / f"vectors-{_current(index_dir)}.faiss"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage_manifest(index_dir: Path) -> None:
    (index_dir / "manifest.json").write_bytes(b"\x00\xffnot json at all")


def _half_a_manifest(index_dir: Path) -> None:
    path = index_dir / "manifest.json"
    path.write_bytes(path.read_bytes()[:40])


def _drop_a_clause(index_dir: Path) -> None:
    path = index_dir / f"clauses-{_current(index_dir)}.jsonl"
    path.write_text("".join(path.read_text("utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")


def _garbage_clauses(index_dir: Path) -> None:
    (index_dir / f"clauses-{_current(index_dir)}.jsonl").write_bytes(b"{\"id\": 3}\n\xff\xfe")


def _missing_documents(index_dir: Path) -> None:
    (index_dir / f"documents-{_current(index_dir)}.json").unlink()


def _truncate_lexicon(index_dir: Path) -> None:
    path = index_dir / f"lexical-{_current(index_dir)}.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _missing_lexicon(index_dir: Path) -> None:
    (index_dir / f"lexical-{_current(index_dir)}.npz").unlink()


def _truncate_paragraphs(index_dir: Path) -> None:
    path = index_dir / f"paragraphs-{_current(index_dir)}.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _paragraphs_for_fewer_clauses(index_dir: Path) -> None:
    path = index_dir / f"paragraphs-{_current(index_dir)}.npz"
    with np.load(path) as data:
        of, vectors = data["of"], data["vectors"]
    with open(path, "wb") as fh:
        np.savez(fh, of=of[:-1], vectors=vectors)


@pytest.mark.parametrize("damage", [_truncate_vectors, _garbage_manifest, _half_a_manifest, _drop_a_clause,
                                    _garbage_clauses, _missing_documents, _truncate_lexicon, _missing_lexicon,
                                    _truncate_paragraphs, _paragraphs_for_fewer_clauses])
def test_corrupt_index_is_reported_clearly(built, embedder, damage):
    corpus, index_dir, _ = built
    damage(index_dir)
    with pytest.raises(IndexError_) as err:
        load_index(index_dir)
    message = str(err.value)
    assert "corrupt" in message and "`policy-assistant index`" in message and str(index_dir) in message
    assert "\n" not in message and "Traceback" not in message and "faiss::" not in message
    with pytest.raises(IndexError_, match="corrupt"):  # never silently replaced behind someone's back
        PolicyEngine.open(_settings(corpus, index_dir), embedder=embedder)
    rebuilt = build_index(corpus, index_dir, embedder)  # the cure the message names
    assert load_index(index_dir).manifest.build_id == rebuilt.manifest.build_id


def test_unreadable_embedding_cache_only_costs_time(built, embedder):
    corpus, index_dir, first = built
    (index_dir / CACHE_FILE).write_bytes(b"not an npz")
    again = build_index(corpus, index_dir, embedder)
    assert again.manifest.embedded == first.manifest.clauses


# ---------------------------------------------------------------- atomicity

def test_rebuild_replaces_files_and_removes_the_old_build(built, embedder):
    corpus, index_dir, first = built
    old = _build_files(index_dir)
    (corpus / "visitors.md").write_text(EXTRA + "\nVisitors must leave by 6pm.\n", encoding="utf-8")
    second = build_index(corpus, index_dir, embedder)
    new = _build_files(index_dir)
    assert not old & new
    assert all(second.manifest.build_id in name for name in new) and len(new) == 3
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".")]  # no temporary files left behind


def test_reader_opened_before_a_rebuild_keeps_its_data(built, embedder):
    corpus, index_dir, first = built
    engine = PolicyEngine.open(_settings(corpus, index_dir, auto_reindex=False), embedder=embedder)
    (corpus / "visitors.md").unlink()
    build_index(corpus, index_dir, embedder)
    assert not any(first.manifest.build_id in p.name for p in index_dir.iterdir())
    answer = engine.ask("Do visitors have to wear a badge?")
    assert any("wear a badge" in c.quote for c in answer.citations + answer.related)
    assert engine.document("visitors.md") is not None


def test_readers_never_see_a_half_replaced_build(built, embedder):
    """A reader racing a stream of rebuilds always gets a complete build, never 'corrupt'."""
    corpus, index_dir, _ = built
    stop = threading.Event()
    failures: list[BaseException] = []

    def rebuild_forever() -> None:
        n = 0
        try:
            while not stop.is_set():
                (corpus / "visitors.md").write_text(EXTRA + f"\nVisitors must leave by {n % 3 + 5}pm.\n",
                                                    encoding="utf-8")
                build_index(corpus, index_dir, embedder)
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    writer = threading.Thread(target=rebuild_forever)
    writer.start()
    loads, errors = 0, []
    deadline = time.monotonic() + 2.0
    try:
        while time.monotonic() < deadline:
            try:
                index = load_index(index_dir)
                assert len(index.clauses) == index.vectors.size == index.manifest.clauses
                loads += 1
            except IndexError_ as exc:
                errors.append(str(exc))
    finally:
        stop.set()
        writer.join()
    assert not failures
    assert loads > 20
    assert errors == []


def test_the_embedding_cache_keeps_every_passage_s_tokens_exactly(tmp_path):
    import numpy as np

    from assistant.index import _code_version, _load_cache, _save_cache

    vectors = {f"{n:040x}": np.full(4, n, dtype=np.float32) for n in range(3)}
    tokens = {f"{0:040x}": "café naïv résumé", f"{1:040x}": "", f"{2:040x}": "staff must sign 😀 in"}
    _save_cache(tmp_path / CACHE_FILE, vectors, tokens)
    loaded, loaded_tokens = _load_cache(tmp_path / CACHE_FILE)
    assert loaded_tokens == tokens
    assert {k: v.tolist() for k, v in loaded.items()} == {k: v.tolist() for k, v in vectors.items()}
    keys = sorted(vectors)  # a cache written in the earlier layout (fixed-width strings) still reads
    with open(tmp_path / "old.npz", "wb") as fh:
        np.savez(fh, keys=np.array(keys), vectors=np.stack([vectors[k] for k in keys]),
                 tokens=np.array([tokens[k] for k in keys]), version=np.array(_code_version()))
    assert _load_cache(tmp_path / "old.npz")[1] == tokens


def test_a_change_to_any_reader_of_a_format_makes_the_index_stale(monkeypatch):
    """The index is rebuilt when the code that reads documents changes: every module the loaders call to read a
    format (Word, Rich Text, OpenDocument, PDF), not only the loaders and chunker. A fix to the Word reader used to
    leave an index built before it in use, with the .doc files read the old way."""
    import re
    from pathlib import Path

    import assistant.index as index_module

    readers = set()
    for module in ("loaders", "chunking"):
        source = (Path(index_module.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
        readers |= set(re.findall(r"^\s*from \.(\w+) import", source, re.M)) | {module}
    readers -= {"errors", "models"}  # what they import that reads nothing
    version = index_module._code_version.__wrapped__  # (the built version is cached for the process)
    before = version()
    for name in sorted(readers):
        module = __import__(f"assistant.{name}", fromlist=["_"])
        monkeypatch.setattr(Path, "read_bytes", lambda self, _m=module.__file__, _o=Path.read_bytes:
                            _o(self) + (b"# changed" if str(self) == _m else b""))
        assert version() != before, f"a change to assistant/{name}.py leaves the index fresh"
        monkeypatch.undo()

"""Search structures at scale: BM25 saved with the index, approximate vector search, the ONNX encoder."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.chunking import chunk_document, passage
from assistant.embeddings import Embedder
from assistant.errors import ConfigError
from assistant.lexical import BM25, best
from assistant.loaders import load_corpus
from assistant.settings import Settings
from assistant.text import tokens
from assistant.vectors import VectorIndex

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "policy_corpus"


@pytest.fixture(scope="module")
def passages() -> list[str]:
    corpus = load_corpus(DEFAULT_CORPUS)
    return [passage(c) for d in corpus.documents for c in chunk_document(d)]


def _okapi(docs: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Textbook BM25 of every document, computed directly (no postings)."""
    avg = sum(map(len, docs)) / len(docs)
    out = np.zeros(len(docs))
    for term in set(query):
        df = sum(term in d for d in docs)
        if not df:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(term)
            out[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg)) if tf else 0
    return out


def test_bm25_postings_score_like_the_textbook_and_survive_a_save(passages, tmp_path):
    docs = [tokens(p) for p in passages]
    bm25 = BM25.from_tokens(docs)
    bm25.save(tmp_path / "lexical.npz")
    loaded = BM25.load(tmp_path / "lexical.npz")
    query = tokens("Can I accept a friend request from a parent on Facebook?")
    expected = _okapi(docs, query)
    for model in (bm25, loaded):
        rows, scores = model.top(query, None)
        assert rows.tolist() == np.flatnonzero(expected).tolist()
        np.testing.assert_allclose(scores, expected[rows], rtol=1e-5)
    allowed = np.arange(0, len(docs), 2)
    rows, _ = loaded.top(query, allowed)
    assert set(rows.tolist()) == set(np.flatnonzero(expected).tolist()) & set(allowed.tolist())
    assert loaded.contains(query[0], int(rows[0])) == (query[0] in docs[int(rows[0])])
    assert not loaded.contains("zzzunseen", 0)
    every = list(range(len(docs)))[::-1]  # in any order, as retrieval asks
    for term in set(query) | {"zzzunseen"}:
        assert loaded.contains_rows(term, every).tolist() == [term in docs[i] for i in every]
    assert loaded.contains_rows(query[0], []).tolist() == []


def test_damaged_postings_are_refused(passages, tmp_path):
    BM25.from_tokens([tokens(p) for p in passages]).save(tmp_path / "lexical.npz")
    data = (tmp_path / "lexical.npz").read_bytes()
    (tmp_path / "lexical.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        BM25.load(tmp_path / "lexical.npz")


def test_best_takes_the_top_k_like_a_stable_sort():
    rows = np.array([3, 5, 8, 9, 12, 20])
    scores = np.array([1.0, 4.0, 2.0, 4.0, 2.0, 0.5], dtype=np.float32)
    assert best(rows, scores, 3).tolist() == [5, 9, 8]  # ties go to the lower row
    assert best(rows, scores, 10).tolist() == [5, 9, 8, 12, 3, 20]


def _clustered(n: int, d: int = 64, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, d))
    x = centres[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_large_indexes_are_approximate_with_high_recall_and_hold_vectors_once(tmp_path):
    vectors = _clustered(3000)
    small = VectorIndex.build(vectors)
    large = VectorIndex.build(vectors, approximate_above=1000)
    assert not small.approximate and large.approximate
    assert not large.matrix.flags.owndata and not large.matrix.flags.writeable  # a view of FAISS's storage
    np.testing.assert_array_equal(large.matrix, vectors)
    large.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.approximate and loaded.size == 3000
    allowed = np.arange(0, 3000, 3)
    within = loaded.subset(np.setdiff1d(np.arange(3000), allowed[:50]))
    recall = []
    for q in vectors[:200]:
        _, exact = small.search(q, 10, within)
        scores, approx = loaded.search(q, 10, within)
        assert set(approx.tolist()) <= set(within.ids.tolist()) and np.all(np.diff(scores) <= 1e-6)
        recall.append(len(set(exact.tolist()) & set(approx.tolist())) / 10)
    assert np.mean(recall) >= 0.99
    few = loaded.subset(allowed[:20])  # a small scope is searched exactly
    _, got = loaded.search(vectors[0], 5, few)
    _, want = small.search(vectors[0], 5, small.subset(allowed[:20]))
    assert got.tolist() == want.tolist()


def test_onnx_and_torch_give_the_same_vectors(passages, tmp_path):
    model = Settings(_env_file=None).model
    onnx = Embedder(model, "onnx", cache_dir=tmp_path / "onnx")
    torch = Embedder(model, "torch")
    assert (onnx.runtime, torch.runtime) == ("onnx", "torch") and onnx.dimension == torch.dimension == 384
    a, b = onnx.encode(passages[:36]), torch.encode(passages[:36])
    assert a.shape == b.shape == (36, 384)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.9999
    again = Embedder(model, "onnx", cache_dir=tmp_path / "onnx")  # the export is reused, not redone
    assert len(list((tmp_path / "onnx").iterdir())) == 1
    np.testing.assert_allclose(again.encode(passages[:3]), a[:3], atol=1e-6)


def test_long_passages_batched_by_tokens_embed_as_they_do_alone(passages, embedder):
    """Passages past the token budget go fewer to a batch; each vector is still the one it gets alone."""
    from assistant.embeddings import BATCH, TOKEN_BUDGET

    long = [" ".join(passages[(i + j) % len(passages)] for j in range(12)) for i in range(6)]  # hundreds of tokens
    mixed = long + passages[:BATCH + 5]  # more than one batch of short ones, after the long ones
    assert min(len(p.split()) for p in long) * 32 > TOKEN_BUDGET
    together = embedder.encode(mixed)
    alone = np.stack([embedder.encode([text])[0] for text in mixed])
    assert together.shape == (len(mixed), 384)
    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_unknown_runtime_is_a_config_error():
    with pytest.raises(ConfigError, match="Unknown encoder runtime"):
        Embedder(Settings(_env_file=None).model, "tensorflow")


_SCORES = """
import json, sys
from pathlib import Path
from assistant.engine import PolicyEngine
from assistant.settings import Settings
engine = PolicyEngine.open(Settings(_env_file=None, corpus_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2])))
print(json.dumps([[h.score, h.coverage, h.missing, h.shown] for q in sys.argv[3:]
                  for h in engine.retriever.search(q, k=5)]))
"""


def test_scores_do_not_depend_on_the_processs_hash_seed(engine, settings):
    """Question words are weighed in the order asked, not a set's order: every process scores alike."""
    import json
    import os
    import subprocess
    import sys

    questions = ["Can staff use school email on their own phones at home?", "who checks pupils' photos online"]
    runs = []
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", _SCORES, str(settings.corpus_dir), str(settings.index_dir),
                                 *questions], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr[-2000:]
        runs.append(json.loads(result.stdout))
    assert runs[0] == runs[1] and len(runs[0]) >= 10  # five a question, and any of the five best by score not shown

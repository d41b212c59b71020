"""Vector search: the only module that imports FAISS."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .errors import IndexError_


class VectorIndex:
    """Exact inner-product search over unit vectors (cosine similarity), optionally within a subset."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        self.matrix = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        try:
            return cls(faiss.read_index(str(path)))
        except RuntimeError as exc:
            raise IndexError_(f"Vector file {path} is unreadable ({str(exc).splitlines()[0][:120]})") from None

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector, restricted to the `allowed` ids when given."""
        k = min(k, self.size if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))  # type: ignore[call-arg]
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to the given stored vectors."""
        return self.matrix[ids] @ query.astype(np.float32)

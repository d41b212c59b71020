"""Vector search: the only module that imports FAISS.

Below `APPROXIMATE_ABOVE` clauses the search is exact (a flat inner-product scan costs about a
millisecond per 10k clauses); above it an HNSW graph answers in well under a millisecond, with
recall@10 against exact search checked by the benchmark. The vectors are held once, inside FAISS:
`matrix` is a read-only view of FAISS's own storage, not a copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

from .errors import IndexError_

APPROXIMATE_ABOVE = 50_000  # clauses; exact search at or below this size
HNSW_NEIGHBOURS = 32  # graph degree (M)
# efConstruction and efSearch: on the 20k benchmark corpus's own vectors and questions, 80/256 gave
# recall@10 0.982 against exact search; 200/512 gives 0.999 at about a millisecond a search
HNSW_BUILD_DEPTH = 200
HNSW_SEARCH_DEPTH = 512  # at least the number of candidates asked for
DENSE_SUBSET = 0.5  # a subset smaller than this share of the index is searched exactly

# One thread a search: questions are searched concurrently on their own threads, and an OpenMP team
# waiting on a busy second core made an exact 20k search 8-14 ms instead of 4 (2-core machine).
# OpenMP keeps this setting per thread, so each search sets it for the thread it runs on. Building a
# graph, alone in its process, uses every core.
SEARCH_THREADS = 1


class Subset:
    """A fixed set of rows to search within (e.g. the clauses of some documents), prepared once."""

    def __init__(self, ids: np.ndarray, size: int) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        mask = np.zeros(size, dtype=bool)
        mask[self.ids] = True
        self._bitmap = np.packbits(mask, bitorder="little")
        self.selector = faiss.IDSelectorBitmap(size, faiss.swig_ptr(self._bitmap))

    def __len__(self) -> int:
        return len(self.ids)


class VectorIndex:
    """Inner-product search over unit vectors (cosine similarity), optionally within a subset."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        self.approximate = isinstance(index, faiss.IndexHNSW)
        self._flat = faiss.downcast_index(index.storage) if self.approximate else index
        if self.approximate:
            index.hnsw.efSearch = HNSW_SEARCH_DEPTH
        n, d = int(index.ntotal), int(index.d)
        self.matrix = (faiss.rev_swig_ptr(self._flat.get_xb(), n * d).reshape(n, d) if n
                       else np.zeros((0, d), np.float32))
        self.matrix.flags.writeable = False

    @classmethod
    def build(cls, vectors: np.ndarray, approximate_above: int = APPROXIMATE_ABOVE) -> VectorIndex:
        dimension = vectors.shape[1]
        if len(vectors) > approximate_above:
            index: faiss.Index = faiss.IndexHNSWFlat(dimension, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_BUILD_DEPTH
        else:
            index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            try:
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            finally:
                faiss.omp_set_num_threads(SEARCH_THREADS)
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

    def subset(self, ids: np.ndarray) -> Subset:
        return Subset(ids, self.size)

    def search(self, query: np.ndarray, k: int, within: Subset | None = None,
               exact: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) for one query vector, best first, restricted to a subset when given.

        The graph is used for the whole index or a large subset; a small subset (one document of a
        large corpus) is scanned exactly, where a filtered graph walk would lose recall.
        """
        k = min(k, self.size if within is None else len(within))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        faiss.omp_set_num_threads(SEARCH_THREADS)  # for this thread (OpenMP's setting is per thread)
        index = self._index
        if exact or (self.approximate and within is not None and len(within) < DENSE_SUBSET * self.size):
            index = self._flat
        params = None
        if within is not None:
            params = (faiss.SearchParametersHNSW(sel=within.selector, efSearch=max(HNSW_SEARCH_DEPTH, k))
                      if index is not self._flat else faiss.SearchParameters(sel=within.selector))
        elif index is not self._flat:
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_SEARCH_DEPTH, k))
        scores, ids = index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to the given stored vectors."""
        return self.matrix[ids] @ query.astype(np.float32)

"""BM25 over clause tokens, kept in memory (it builds in milliseconds from the clause table)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class BM25:
    """Okapi BM25 with the usual k1/b; scores every clause that shares a term with the query."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        avg = float(lengths.mean()) if self.size else 1.0
        self._norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        self._k1 = k1
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(documents):
            for term, tf in Counter(doc).items():
                postings[term].append((i, tf))
        self._postings = {t: (np.array([i for i, _ in p]), np.array([tf for _, tf in p], dtype=np.float32))
                          for t, p in postings.items()}
        self.idf = {t: math.log(1 + (self.size - len(p[0]) + 0.5) / (len(p[0]) + 0.5))
                    for t, p in self._postings.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every clause for the query tokens (zeros where nothing matches)."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in set(query):
            if term not in self._postings:
                continue
            ids, tf = self._postings[term]
            out[ids] += self.idf[term] * tf * (self._k1 + 1) / (tf + self._norm[ids])
        return out

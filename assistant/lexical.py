"""BM25 over clause tokens: built with the index and saved beside it, so a start never re-tokenises."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np


class BM25:
    """Okapi BM25 with the usual k1/b over postings (term -> clause rows ascending, term frequencies).

    Scoring touches only the postings of the question's terms, never every clause.
    """

    def __init__(self, postings: dict[str, tuple[np.ndarray, np.ndarray]], lengths: np.ndarray,
                 k1: float = 1.2, b: float = 0.75) -> None:
        self.size = len(lengths)
        self._lengths = np.asarray(lengths, dtype=np.float32)
        avg = float(self._lengths.mean()) if self.size else 1.0
        self._norm = k1 * (1 - b + b * self._lengths / max(avg, 1e-9))
        self._k1 = k1
        self._postings = postings
        self.idf = {t: math.log(1 + (self.size - len(p[0]) + 0.5) / (len(p[0]) + 0.5)) for t, p in postings.items()}
        self.max_idf = max(self.idf.values(), default=1.0)

    @classmethod
    def from_tokens(cls, documents: list[list[str]]) -> BM25:
        """Index one token list per clause, in row order (counted by numpy: a re-index rebuilds this)."""
        vocabulary: dict[str, int] = {}
        term_ids = [vocabulary.setdefault(t, len(vocabulary)) for doc in documents for t in doc]
        lengths = np.array([len(d) for d in documents], dtype=np.int64)
        rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        pairs, tfs = np.unique(np.array(term_ids, dtype=np.int64) * max(len(documents), 1) + rows, return_counts=True)
        terms, ids = np.divmod(pairs, max(len(documents), 1))  # by term, then row ascending
        bounds = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1], True]).tolist() if len(terms) else [0]
        names = list(vocabulary)
        arrays = {names[int(terms[a])]: (ids[a:b].astype(np.int32), tfs[a:b].astype(np.float32))
                  for a, b in zip(bounds, bounds[1:])}
        return cls(arrays, lengths.astype(np.float32))

    def save(self, path: Path) -> None:
        """Write the postings as flat arrays (numpy .npz, no pickles) to an open-for-write path."""
        terms = sorted(self._postings)
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(self._postings[t][0]) for t in terms], out=offsets[1:])
        ids = np.concatenate([self._postings[t][0] for t in terms]) if terms else np.zeros(0, np.int32)
        tfs = np.concatenate([self._postings[t][1] for t in terms]) if terms else np.zeros(0, np.float32)
        with open(path, "wb") as fh:
            np.savez(fh, terms=np.array(terms, dtype=str), offsets=offsets, ids=ids, tfs=tfs, lengths=self._lengths)

    @classmethod
    def load(cls, path: Path) -> BM25:
        """Read postings written by `save`; raises ValueError/OSError/KeyError when damaged."""
        try:
            with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
                terms, offsets, ids, tfs, lengths = (data[k] for k in ("terms", "offsets", "ids", "tfs", "lengths"))
        except zipfile.BadZipFile as exc:
            raise ValueError(f"lexical postings unreadable: {exc}") from None
        if len(offsets) != len(terms) + 1 or offsets[-1] != len(ids) or len(ids) != len(tfs) or (
                len(ids) and (ids.min() < 0 or ids.max() >= len(lengths))):
            raise ValueError("lexical postings disagree")
        bounds = offsets.tolist()
        postings = {t: (ids[a:b], tfs[a:b]) for t, a, b in zip(terms.tolist(), bounds, bounds[1:])}
        return cls(postings, lengths)

    def top(self, query: list[str], allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the clauses matching any query term, restricted to sorted `allowed` rows.

        Rows come in ascending order with their scores; `best` picks the top k of them.
        """
        found = [(self.idf[t], *self._postings[t]) for t in set(query) if t in self._postings]
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        rows = np.concatenate([ids for _, ids, _ in found]).astype(np.int64)
        parts = [(idf * tf * (self._k1 + 1) / (tf + self._norm[ids])).astype(np.float32) for idf, ids, tf in found]
        rows, inverse = np.unique(rows, return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(parts), minlength=len(rows)).astype(np.float32)
        if allowed is not None:
            keep = _member(rows, allowed)
            rows, scores = rows[keep], scores[keep]
        return rows, scores

    def contains(self, term: str, row: int) -> bool:
        """True when the clause at `row` uses the term."""
        posting = self._postings.get(term)
        if posting is None:
            return False
        ids = posting[0]
        at = int(np.searchsorted(ids, row))
        return at < len(ids) and int(ids[at]) == row

    def contains_rows(self, term: str, rows: list[int]) -> np.ndarray:
        """For each of `rows`, True when its clause uses the term (one search of the term's postings)."""
        posting = self._postings.get(term)
        if posting is None or not len(posting[0]) or not rows:
            return np.zeros(len(rows), dtype=bool)
        ids = posting[0]
        wanted = np.asarray(rows, dtype=np.int64)
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        return ids[at] == wanted


def best(rows: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The k rows of highest score, best first, ties to the lower row (a stable sort, without sorting all)."""
    if len(rows) > k:
        cut = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= cut
        rows, scores = rows[keep], scores[keep]
    order = np.lexsort((rows, -scores))[:k]
    return rows[order]


def _member(rows: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    at = np.searchsorted(allowed, rows)
    at[at >= len(allowed)] = 0
    return allowed[at] == rows if len(allowed) else np.zeros(len(rows), dtype=bool)

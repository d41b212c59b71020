"""Where the policies are silent: unanswered questions grouped by meaning, for policy owners."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .embeddings import Embedder
from .store import Gap

SAME_TOPIC = 0.7  # cosine similarity at which two questions count as the same topic


@dataclass
class Topic:
    """Unanswered questions about one thing, most asked wording first."""

    questions: list[Gap] = field(default_factory=list)

    @property
    def times(self) -> int:
        return sum(q.times for q in self.questions)

    @property
    def last_asked(self) -> str:
        return max(q.last_asked for q in self.questions)


def unanswered_topics(gaps: list[Gap], embedder: Embedder, threshold: float = SAME_TOPIC) -> list[Topic]:
    """Group unanswered questions whose meaning is close; the most asked topics first."""
    if not gaps:
        return []
    vectors = embedder.encode([g.question for g in gaps])
    topics: list[Topic] = []
    centroids: list[np.ndarray] = []
    for gap, vector in sorted(zip(gaps, vectors), key=lambda gv: -gv[0].times):
        sims = [float(c @ vector) / float(np.linalg.norm(c)) for c in centroids]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            topics[best].questions.append(gap)
            centroids[best] = centroids[best] + vector
        else:
            topics.append(Topic([gap]))
            centroids.append(vector.copy())
    return sorted(topics, key=lambda t: (-t.times, t.last_asked))

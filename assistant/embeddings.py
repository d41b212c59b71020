"""Sentence embeddings: the only module that imports sentence-transformers."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)


class Embedder:
    """A sentence-transformers model that turns text into unit-length float32 vectors."""

    def __init__(self, model: str) -> None:
        if Path(model).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model never needs the hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # hub errors, missing files, bad configs: all mean "cannot load"
            raise ConfigError(f"Cannot load embedding model {model!r}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
        self.name = model
        dimension = (self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension")
                     else self._model.get_sentence_embedding_dimension())
        if not dimension:
            raise ConfigError(f"Embedding model {model!r} does not say how long its vectors are.")
        self.dimension = int(dimension)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts as rows of a (len(texts), dimension) matrix of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=64, show_progress_bar=progress,
                                     convert_to_numpy=True, normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

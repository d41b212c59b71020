"""Sentence embeddings: the only module that imports a model runtime (ONNX Runtime, sentence-transformers).

Two runtimes give the same vectors from the same weights:
- "onnx": the sentence-transformers model (transformer, pooling, normalisation) exported once to ONNX
  on this machine, from the local model, and run by ONNX Runtime with the model's own tokenizer.
  It loads in a fraction of a second and embeds faster than torch on a small CPU.
- "torch": sentence-transformers itself.
"auto" (the default) uses ONNX and falls back to torch when ONNX Runtime is missing or the model
cannot be exported. The export is cached under the user's cache folder, keyed by the model's files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)

RUNTIMES = ("auto", "onnx", "torch")
BATCH = 32  # passages per forward pass; sorted by length so a batch pads little
TOKEN_BUDGET = 2048  # padded tokens per forward pass (ONNX Runtime): 32 passages of 64 tokens, 8 of 256
EXPORT_FORMAT = 1  # bump when the exported graph or its metadata change


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policy-assistant" / "onnx"


class Embedder:
    """Turns text into unit-length float32 vectors with a sentence-transformers model."""

    def __init__(self, model: str, runtime: str = "auto", cache_dir: Path | None = None, threads: int = 0) -> None:
        if runtime not in RUNTIMES:
            raise ConfigError(f"Unknown encoder runtime {runtime!r}; use one of {', '.join(RUNTIMES)}.")
        if Path(model).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local model never needs the hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self.name = model
        self._encoder: _OnnxEncoder | _TorchEncoder
        if runtime in ("auto", "onnx"):
            try:
                self._encoder = _OnnxEncoder(model, cache_dir or default_cache_dir(), threads)
            except ConfigError:
                raise
            except Exception as exc:  # no onnxruntime, an unexportable model: torch still works
                if runtime == "onnx":
                    raise ConfigError(f"Cannot run {model!r} with ONNX Runtime: "
                                      f"{type(exc).__name__}: {exc}".splitlines()[0]) from None
                log.info("ONNX Runtime unavailable for %s (%s); using torch", model, type(exc).__name__)
                self._encoder = _TorchEncoder(model, threads)
        else:
            self._encoder = _TorchEncoder(model, threads)
        self.runtime = self._encoder.runtime
        self.dimension = self._encoder.dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts as rows of a (len(texts), dimension) matrix of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._encoder.encode(texts, progress)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _load_sentence_transformer(model: str) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(model, device="cpu")
    except Exception as exc:  # hub errors, missing files, bad configs: all mean "cannot load"
        raise ConfigError(f"Cannot load embedding model {model!r}: {type(exc).__name__}: {exc}".splitlines()[0]) from None


def _dimension(st: Any, model: str) -> int:
    dimension = (st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension")
                 else st.get_sentence_embedding_dimension())
    if not dimension:
        raise ConfigError(f"Embedding model {model!r} does not say how long its vectors are.")
    return int(dimension)


class _TorchEncoder:
    runtime = "torch"

    def __init__(self, model: str, threads: int = 0) -> None:
        if threads:
            import torch

            torch.set_num_threads(threads)
        self._model = _load_sentence_transformer(model)
        self.dimension = _dimension(self._model, model)

    def encode(self, texts: list[str], progress: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts, batch_size=BATCH, show_progress_bar=progress,
                                             convert_to_numpy=True, normalize_embeddings=True))


class _OnnxEncoder:
    runtime = "onnx"

    def __init__(self, model: str, cache_dir: Path, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = cache_dir / _model_key(model)
        if not (folder / "meta.json").exists():
            shutil.rmtree(folder, ignore_errors=True)  # an interrupted export's leftovers
            _export(model, folder)
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads  # 0: ONNX Runtime's choice, one a core
        # threads sleep between operators instead of spinning: a third less CPU a question, which the
        # server's other requests (and a build beside it) need more than the microseconds it saves
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = list(meta["inputs"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(meta["max_length"]))
        self._tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=str(meta["pad_token"]))
        self.dimension = int(meta["dimension"])

    def encode(self, texts: list[str], progress: bool) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        done = 0
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="Embedding", unit="passage")
        while done < len(texts):
            rows = order[done:done + BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            # long passages go fewer at a time: attention's memory grows with batch × length², and the
            # memory arena keeps its largest size for the life of the process
            take = max(1, min(len(rows), TOKEN_BUDGET // max(1, len(encoded[0].ids))))
            rows, encoded = rows[:take], encoded[:take]
            feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
            out[rows] = self._session.run(None, {name: feed[name] for name in self._inputs})[0]
            done += take
            if bar is not None:
                bar.update(take)
        if bar is not None:
            bar.close()
        return out


def _model_key(model: str) -> str:
    """A folder name for the export of this model: its name and a hash of its files (or its hub name)."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\0{model}".encode())
    root = Path(model)
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return f"{root.name or 'model'}-{digest.hexdigest()[:16]}"


def _export(model: str, folder: Path) -> None:
    """Export the whole sentence-transformers pipeline to ONNX, with its tokenizer, atomically."""
    import torch

    st = _load_sentence_transformer(model)
    tokenizer = st.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("the model has no fast tokenizer (tokenizer.json)")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tokenizer.model_input_names]

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.st(dict(zip(names, inputs)))["sentence_embedding"]

    sample = tokenizer(["an example policy clause", "a second, somewhat longer example clause"],
                       padding=True, return_tensors="pt")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Pipeline().eval(), tuple(sample[n] for n in names), str(tmp / "model.onnx"),
                              input_names=names, output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "embedding": {0: "batch"}})
        tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        meta = {"model": model, "inputs": names, "max_length": int(st.max_seq_length),
                "pad_id": int(tokenizer.pad_token_id), "pad_token": str(tokenizer.pad_token),
                "dimension": _dimension(st, model)}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
        tmp.chmod(0o755)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process exported it first: theirs is as good
            if not (folder / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

"""Build, store and open the clause index: FAISS vectors, the clause table and a manifest.

Layout of the index folder::

    manifest.json              written last, atomically: names the files of the current build
    clauses-<build>.jsonl      one Clause per line
    documents-<build>.json     the loaded PolicyDocuments (their text is what quotes come from)
    vectors-<build>.faiss      one unit vector per clause, same order (exact, or HNSW for large corpora)
    lexical-<build>.npz        BM25 postings of the clause passages, so a start never re-tokenises
    paragraphs-<build>.npz     one vector per paragraph as written (float16) and each clause's paragraph number
    keys-<build>.npy           each clause's embedding-cache key, so a rebuild skips unchanged documents' passages
    embedding-cache.npz        vectors by content hash, so unchanged clauses are never re-embedded
    build.lock                 held (flock) by the one process building; a second builder waits

A reader always reads `manifest.json` first and then only the files it names, so it never sees a
half-written build; files of older builds are removed after the new manifest is in place, by the
builder holding the lock, so no build can remove another's files before they are published. Serving
processes poll `published_build` and switch to a new build when it appears.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from .chunking import chunk_document, paragraph_texts, passage
from .embeddings import Embedder
from .errors import CorpusError, IndexError_, IndexOutdated
from .lexical import BM25
from .loaders import DEFAULT_MAX_FILE_BYTES, SUPPORTED, load_corpus, refusal, supported_files
from .models import Clause, PolicyDocument
from .text import tokens
from .vectors import VectorIndex

log = logging.getLogger(__name__)

FORMAT = 7  # bump whenever chunking or the file layout changes: older indexes are then stale
CACHE_FILE = "embedding-cache.npz"
LOCK_FILE = "build.lock"


class Manifest(BaseModel):
    format: int
    build_id: str
    model: str
    dimension: int
    corpus_dir: str
    corpus_fingerprint: str
    built_at: str
    documents: int
    clauses: int
    embedded: int  # clauses embedded in this build; the rest came from the cache
    problems: list[str] = []
    unquotable: list[str] = []  # documents most of whose words stand in no clause (see `thinly_quoted`)
    chunker: str = ""  # hash of the chunking code, so a later build may reuse unchanged documents' clauses


@dataclass
class PolicyIndex:
    manifest: Manifest
    documents: list[PolicyDocument]
    clauses: list[Clause]
    vectors: VectorIndex
    lexicon: BM25
    paragraphs: Paragraphs


@dataclass
class Paragraphs:
    """The paragraphs the clauses stand in, embedded as written: `vectors[of[i]]` is clause i's paragraph."""

    of: np.ndarray  # int64, one a clause
    vectors: np.ndarray  # float16 unit vectors, one a paragraph (half the memory; only ever read a few rows at a time)


def corpus_fingerprint(corpus_dir: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str:
    """A hash of every policy file's path and bytes (or, for a refused file, why), plus the index format."""
    root, dirs = os.path.realpath(corpus_dir), {}
    files = []
    for path in supported_files(corpus_dir):
        problem = refusal(path, corpus_dir, max_file_bytes, root, dirs)
        if not problem:
            try:
                problem = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError as exc:
                problem = f"cannot be read ({exc.strerror or exc})"
        files.append((path.relative_to(corpus_dir).as_posix(), problem))
    return _fingerprint(files)


def _fingerprint(files: list[tuple[str, str]]) -> str:
    """The fingerprint of (source, sha256 hex of its bytes or why it was refused) pairs, in folder order."""
    digest = hashlib.sha256(f"format={FORMAT}".encode())
    for source, state in files:
        digest.update(source.encode() + b"\0")
        digest.update(bytes.fromhex(state) if _HEX.fullmatch(state) else state.encode())
    return digest.hexdigest()


_HEX = re.compile(r"[0-9a-f]{64}")


_held: set[tuple[int, Path]] = set()  # (thread, index folder) locks this process holds: re-entrant per thread


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock; a second builder waits here (and says so) until the first is done."""
    key = (threading.get_ident(), index_dir.resolve())
    if key in _held:
        yield
        return
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK_FILE, "a+b")
    except OSError as exc:
        raise IndexError_(f"Cannot write the index in {index_dir}: {exc.strerror or exc}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("Another index build is running in %s; waiting for it to finish", index_dir)
            fcntl.flock(handle, fcntl.LOCK_EX)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)


def published_build(index_dir: Path) -> str | None:
    """The build id the index folder's manifest names now (None if there is none or it is unreadable)."""
    try:
        return Manifest.model_validate_json((index_dir / "manifest.json").read_bytes()).build_id
    except (OSError, ValueError):
        return None


def build_index(corpus_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False,
                max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> PolicyIndex:
    """Load, chunk and embed the corpus, then publish the index atomically (one builder at a time)."""
    supported_files(corpus_dir)  # no policy folder: say so before making an index folder for it
    with build_lock(index_dir):
        return _build(corpus_dir, index_dir, embedder, progress, max_file_bytes)


def _build(corpus_dir: Path, index_dir: Path, embedder: Embedder, progress: bool, max_file_bytes: int) -> PolicyIndex:
    previous = _previous_build(index_dir, embedder.name)  # an unchanged document keeps its clauses: no re-chunking
    corpus = load_corpus(corpus_dir, max_file_bytes, known={source: p.document for source, p in previous.items()})
    if not corpus.documents:
        found = ", ".join(sorted(SUPPORTED))
        detail = f" ({'; '.join(corpus.problems)})" if corpus.problems else f" (looked for {found})"
        raise CorpusError(f"No readable policy documents in {corpus_dir}{detail}")
    clauses: list[Clause] = []
    keys: list[str] = []
    for doc in corpus.documents:
        kept = previous.get(doc.source)
        if kept is not None and kept.document == doc:
            clauses += kept.clauses
            keys += kept.keys if kept.keys is not None else [_cache_key(embedder.name, passage(c)) for c in kept.clauses]
        else:
            fresh = chunk_document(doc)
            clauses += fresh
            keys += [_cache_key(embedder.name, passage(c)) for c in fresh]
    index_dir.mkdir(parents=True, exist_ok=True)
    cache, token_cache = _load_cache(index_dir / CACHE_FILE)
    embedded = len({k for k in keys if k not in cache})  # clauses whose passage is new to the cache
    vectors = _embedded(keys, lambda i: passage(clauses[i]), cache, embedder, progress, np.float32)
    paragraph_of, paragraph_text = paragraph_texts(corpus.documents, clauses)
    paragraph_keys = [_cache_key(embedder.name, t) for t in paragraph_text]
    paragraphs = Paragraphs(np.array(paragraph_of, dtype=np.int64),
                            _embedded(paragraph_keys, paragraph_text.__getitem__, cache, embedder, progress, np.float16))
    manifest = Manifest(
        format=FORMAT, build_id=uuid.uuid4().hex[:12], model=embedder.name, dimension=embedder.dimension,
        corpus_dir=str(corpus_dir.resolve()), corpus_fingerprint=_fingerprint(corpus.files),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        documents=len(corpus.documents), clauses=len(clauses), embedded=embedded, problems=corpus.problems,
        unquotable=thinly_quoted(corpus.documents, clauses), chunker=_code_version(),
    )
    for k, c in zip(keys, clauses):
        if k not in token_cache:
            token_cache[k] = " ".join(tokens(passage(c)))
    lexicon = BM25.from_tokens([token_cache[k].split() for k in keys])
    index = PolicyIndex(manifest, corpus.documents, clauses, VectorIndex.build(vectors), lexicon, paragraphs)
    _write(index, index_dir, keys)
    _save_cache(index_dir / CACHE_FILE, {k: cache[k] for k in {*keys, *paragraph_keys}}, token_cache)
    return index


# a document of at least this many words, of which less than this share stands in a clause, is reported
THIN_DOCUMENT_WORDS = 200
THIN_SHARE = 0.3
_WORD = re.compile(r"[^\W\d_]{2,}")


def thinly_quoted(documents: list[PolicyDocument], clauses: list[Clause]) -> list[str]:
    """The documents most of whose words no clause holds, so no answer can quote them: text set in a layout
    the reader does not follow (a page framed by a table, text boxes, an image of a page), which the owner
    should check. Headings, markup and code are no clauses either, hence the low share."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in clauses:
        spans.setdefault(c.source, []).append((c.start, c.end))
    out = []
    for doc in documents:
        starts = [m.start() for m in _WORD.finditer(doc.text)]
        if len(starts) < THIN_DOCUMENT_WORDS:
            continue
        inside, held = 0, iter(sorted(spans.get(doc.source, [])))
        span = next(held, None)
        for at in starts:  # both in order: one pass
            while span is not None and span[1] <= at:
                span = next(held, None)
            inside += span is not None and span[0] <= at
        if inside < THIN_SHARE * len(starts):
            out.append(f"{doc.source}: only {inside:,} of its {len(starts):,} words stand in a clause that can be "
                       "quoted (is its text laid out in a way the reader does not follow: a table framing the page, "
                       "text boxes, a picture of the page?)")
    return out


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """A hash of the code that turns documents into clauses and tokens: reuse across builds only while it holds."""
    from . import chunking, loaders, numbering, odf, pdf_layout, rtf, text, worddoc

    digest = hashlib.sha1(f"format={FORMAT}".encode())
    for module in (chunking, loaders, numbering, odf, pdf_layout, rtf, text, worddoc):  # every reader of a format
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


@dataclass
class _Kept:
    """A document of the last build with its clauses and, if the same model embedded them, their cache keys."""

    document: PolicyDocument
    clauses: list[Clause]
    keys: list[str] | None


def _previous_build(index_dir: Path, model: str) -> dict[str, _Kept]:
    """The last build's documents with their clauses, when it was made by the same chunking code."""
    try:
        manifest = Manifest.model_validate_json((index_dir / "manifest.json").read_bytes())
        if manifest.format != FORMAT or manifest.chunker != _code_version():
            return {}
        build = manifest.build_id
        documents = {d["source"]: PolicyDocument.model_validate(d)
                     for d in json.loads((index_dir / f"documents-{build}.json").read_text("utf-8"))}
        clauses = _read_clauses(index_dir / f"clauses-{build}.jsonl")
        keys = _read_keys(index_dir / f"keys-{build}.npy", len(clauses)) if manifest.model == model else None
    except (ValidationError, ValueError, OSError, UnicodeDecodeError, KeyError, TypeError):
        return {}  # no usable previous build: chunk everything
    out = {s: _Kept(d, [], None if keys is None else []) for s, d in documents.items()}
    for n, clause in enumerate(clauses):
        kept = out.get(clause.source)
        if kept is None:
            return {}
        kept.clauses.append(clause)
        if kept.keys is not None and keys is not None:
            kept.keys.append(keys[n])
    return out


def _read_keys(path: Path, count: int) -> list[str] | None:
    """The cache key of each clause of a build, in clause order (None if absent or not one per clause)."""
    try:
        keys = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if keys.shape != (count,) or keys.dtype.kind != "S":
        return None
    return [k.decode("ascii") for k in keys.tolist()]


def _embedded(keys: list[str], text_of, cache: dict[str, np.ndarray], embedder: Embedder, progress: bool,
              dtype: type) -> np.ndarray:
    """The vectors of `keys`, one row each (key i's text is `text_of(i)`): those the cache lacks are embedded,
    each once, and added to it."""
    missing: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in cache:
            missing.setdefault(key, i)
    if missing:
        cache.update(zip(missing, embedder.encode([text_of(i) for i in missing.values()], progress=progress)))
    return np.stack([cache[k] for k in keys]).astype(dtype) if keys else np.zeros((0, embedder.dimension), dtype)


def load_index(index_dir: Path) -> PolicyIndex:
    """Read the build named by the manifest; a missing or damaged index raises IndexError_."""
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise IndexError_(f"No index in {index_dir}; build it with `policy-assistant index`")
    for attempt in range(5):
        raw_manifest: bytes | None = None
        try:
            raw_manifest = manifest_path.read_bytes()
            _check_format(raw_manifest, index_dir)
            manifest = Manifest.model_validate_json(raw_manifest)
            build = manifest.build_id
            stored = json.loads((index_dir / f"documents-{build}.json").read_text("utf-8"))
            if not isinstance(stored, list):
                raise _Damaged(f"documents-{build}.json is not a list of documents")
            documents = [PolicyDocument.model_validate(d) for d in stored]
            clauses = _read_clauses(index_dir / f"clauses-{build}.jsonl")
            vectors = VectorIndex.load(index_dir / f"vectors-{build}.faiss")
            lexicon = BM25.load(index_dir / f"lexical-{build}.npz")
            paragraphs = _read_paragraphs(index_dir / f"paragraphs-{build}.npz", len(clauses), manifest.dimension)
            break
        except (ValidationError, ValueError, OSError, UnicodeDecodeError, KeyError, EOFError, IndexError_) as exc:
            if attempt < 4 and _manifest_changed(manifest_path, raw_manifest):
                continue  # a rebuild replaced the build we were reading (and removed its files): read the new one
            if isinstance(exc, IndexOutdated):
                raise
            reason = _corruption(exc)
            raise IndexError_(f"The index in {index_dir} is corrupt ({reason}); "
                              "rebuild it with `policy-assistant index`") from None
    if (vectors.size != len(clauses) or vectors.dimension != manifest.dimension or len(clauses) != manifest.clauses
            or lexicon.size != len(clauses)):
        raise IndexError_(f"The index in {index_dir} is corrupt (vectors and clauses disagree); "
                          "rebuild it with `policy-assistant index`")
    if {c.source for c in clauses} - {d.source for d in documents}:
        raise IndexError_(f"The index in {index_dir} is corrupt (clauses name documents it does not hold); "
                          "rebuild it with `policy-assistant index`")
    return PolicyIndex(manifest, documents, clauses, vectors, lexicon, paragraphs)


def _read_paragraphs(path: Path, clauses: int, dimension: int) -> Paragraphs:
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            of, vectors = data["of"], data["vectors"]
    except zipfile.BadZipFile:
        raise _Damaged(f"{path.name} is not a readable archive") from None
    if (of.shape != (clauses,) or of.dtype.kind not in "iu" or vectors.ndim != 2 or vectors.shape[1] != dimension
            or vectors.dtype != np.float16 or (clauses and (of.min() < 0 or of.max() >= len(vectors)))):
        raise _Damaged(f"{path.name} does not give each clause a paragraph")
    return Paragraphs(of.astype(np.int64), vectors)


_CLAUSES = TypeAdapter(list[Clause])


def _read_clauses(path: Path) -> list[Clause]:
    """The clauses of a build, one JSON object a line, validated in one call (a call a line cost seconds at 100k)."""
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    return _CLAUSES.validate_json(b"[" + b",".join(lines) + b"]")


def _check_format(raw_manifest: bytes, index_dir: Path) -> None:
    """An index another version wrote may lack files this one reads: name that, rather than "corrupt"."""
    try:
        written = json.loads(raw_manifest).get("format")
    except (ValueError, AttributeError):
        return  # not a manifest at all: reported as damaged when it is validated
    if isinstance(written, int) and written != FORMAT:
        raise IndexOutdated(f"The index in {index_dir} was built by another version of Policy Assistant "
                            f"(index format {written}, this version reads {FORMAT}); "
                            "rebuild it with `policy-assistant index`")


class _Damaged(ValueError):
    """A file of the index parses but does not hold what it should."""


def _corruption(exc: Exception) -> str:
    """A short reason for a damaged index, without library internals."""
    if isinstance(exc, _Damaged):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"{Path(exc.filename or '?').name} is missing"
    if isinstance(exc, IndexError_):
        return "the vector file is unreadable"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return f"{type(exc).__name__}: a file is damaged"


def _manifest_changed(path: Path, seen: bytes | None) -> bool:
    try:
        return seen is not None and path.read_bytes() != seen
    except OSError:
        return False


def staleness(index: PolicyIndex, corpus_dir: Path, model: str,
              max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str | None:
    """Why the index no longer fits this corpus and model, or None when it does."""
    if index.manifest.model != model:
        return f"it was built with the model {index.manifest.model!r}, not {model!r}"
    if index.manifest.corpus_fingerprint != corpus_fingerprint(corpus_dir, max_file_bytes):
        return f"the policies in {corpus_dir} have changed since it was built"
    if index.manifest.chunker != _code_version():
        return "it was built by another version of the code that reads policies into clauses"
    return None


def _write(index: PolicyIndex, index_dir: Path, keys: list[str]) -> None:
    build = index.manifest.build_id
    _atomic_write(index_dir / f"documents-{build}.json",
                  json.dumps([d.model_dump(mode="json") for d in index.documents], ensure_ascii=False).encode())
    _atomic_write(index_dir / f"clauses-{build}.jsonl",
                  "".join(c.model_dump_json() + "\n" for c in index.clauses).encode())
    tmp = index_dir / f".vectors-{build}.tmp"
    index.vectors.save(tmp)
    os.replace(tmp, index_dir / f"vectors-{build}.faiss")
    tmp = index_dir / f".lexical-{build}.tmp"
    index.lexicon.save(tmp)
    os.replace(tmp, index_dir / f"lexical-{build}.npz")
    with open(index_dir / f".paragraphs-{build}.tmp", "wb") as fh:
        np.savez(fh, of=index.paragraphs.of, vectors=index.paragraphs.vectors)
    os.replace(index_dir / f".paragraphs-{build}.tmp", index_dir / f"paragraphs-{build}.npz")
    with open(index_dir / f".keys-{build}.tmp", "wb") as fh:
        np.save(fh, np.array(keys, dtype="S40"))
    os.replace(index_dir / f".keys-{build}.tmp", index_dir / f"keys-{build}.npy")
    _atomic_write(index_dir / "manifest.json", index.manifest.model_dump_json(indent=2).encode())
    for old in index_dir.iterdir():  # earlier builds: no reader can reach them any more
        if old.name.split("-", 1)[0] in ("documents", "clauses", "vectors", "lexical", "keys", "paragraphs") and build not in old.name:
            old.unlink(missing_ok=True)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cache_key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\0{text}".encode()).hexdigest()


def _load_cache(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Vectors by passage key, and the passages' BM25 tokens (while the tokenising code is unchanged)."""
    if not path.exists():
        return {}, {}
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            keys = [k.decode("ascii") if isinstance(k, bytes) else k for k in data["keys"].tolist()]
            vectors = dict(zip(keys, data["vectors"]))
            same_code = "version" in data.files and str(data["version"]) == _code_version()
            if same_code and "token_text" in data.files:  # one UTF-8 text, each passage's tokens a slice of it
                text, bounds = data["token_text"].tobytes().decode("utf-8"), data["token_bounds"].tolist()
                tokens = {k: text[a:b] for k, a, b in zip(keys, bounds, bounds[1:])}
            elif same_code and "tokens" in data.files:  # the earlier layout: one fixed-width string each
                tokens = dict(zip(keys, data["tokens"].tolist()))
            else:
                tokens = {}
            return vectors, tokens
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        log.warning("Embedding cache %s is unreadable; re-embedding everything", path)
        return {}, {}


def _save_cache(path: Path, cache: dict[str, np.ndarray], tokens: dict[str, str]) -> None:
    keys = sorted(cache)
    vectors = np.stack([cache[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache.", suffix=".npz")
    os.close(fd)
    texts = [tokens.get(k, "") for k in keys]
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=bounds[1:])
    np.savez(tmp, keys=np.array(keys, dtype="S40"), vectors=vectors,
             token_text=np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8), token_bounds=bounds,
             version=np.array(_code_version()))
    os.replace(tmp, path)

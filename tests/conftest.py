"""Shared fixtures: the real bundled model (loaded once), and engines over temporary index folders."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.embeddings import Embedder  # noqa: E402
from assistant.engine import PolicyEngine  # noqa: E402
from assistant.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "policy_corpus"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(Settings(_env_file=None).model)


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory) -> Path:
    """A private copy of the default corpus (tests may not touch the real one)."""
    target = tmp_path_factory.mktemp("corpus") / "policy_corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def settings(tmp_path_factory, corpus_copy) -> Settings:
    """Settings over the default corpus, with the index and database in temporary folders."""
    base = tmp_path_factory.mktemp("state")
    return Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=base / "index", db_path=base / "store.db",
                    today=date(2026, 11, 25), rate_limit_per_minute=1000)


@pytest.fixture(scope="session")
def engine(settings, embedder) -> PolicyEngine:
    return PolicyEngine.open(settings, embedder=embedder)


@pytest.fixture(scope="module")
def fake():
    """Slack's Web API, faked: a real HTTP server on 127.0.0.1 that records every call (tests/fake_slack.py)."""
    from fake_slack import FakeSlack

    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (see tests/postgres.py); skips when there is none."""
    from postgres import cluster_or_skip

    cluster = cluster_or_skip()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request, tmp_path):
    """Where a fresh store lives: a SQLite file, and a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "store.db"
    return request.getfixturevalue("postgres").database()


@pytest.fixture
def open_store(store_target):
    """Open stores on `store_target` (each a process or replica of its own); all closed after the test."""
    from assistant.store import Store

    opened: list[Store] = []

    def open_(pool_size: int = 4) -> Store:
        opened.append(Store(store_target, pool_size=pool_size))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()

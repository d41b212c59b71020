"""`serve --workers 2`: two real worker processes accepting on one port, supervised by their parent.

A real `python -m assistant serve` with SQLite, the session's index, the fake Slack Web API and signed
events; the processes are found in /proc and killed for real.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fake_slack import FakeSlack, SlackSender
from test_scale_out import QUESTIONS, ROOT, Replica, _answers, _mention, _wait

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the workers")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(p) for p in task.read_text().split()}
    return found


def _env(folder: Path, fake: FakeSlack, secret: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "CONNECTIONS__", "POLICY_ASSISTANT_", "DATABASE_URL"))}
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "POLICY_ASSISTANT_CORPUS_DIR": str(folder / "policy_corpus"),
                "POLICY_ASSISTANT_INDEX_DIR": str(folder / "index"), "POLICY_ASSISTANT_DB_PATH": str(folder / "store.db"),
                "POLICY_ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000", "POLICY_ASSISTANT_LOG_FORMAT": "json",
                "SLACK_BOT_TOKEN": "xoxb-workers", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.base_url})
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def pool(settings, engine, fake, tmp_path_factory):
    """`serve --workers 2` over a copy of the session's corpus and index, with its own SQLite store."""
    folder = tmp_path_factory.mktemp("workers")
    shutil.copytree(settings.corpus_dir, folder / "policy_corpus")
    shutil.copytree(settings.index_dir, folder / "index")
    secret = secrets.token_hex(16)
    server = Replica("workers", _env(folder, fake, secret), folder, "--workers", "2")
    try:
        server.wait_ready()
        _wait(lambda: len(_children(server.process.pid)) == 2 and _all_ready(server), 300, "both workers")
        yield server, SlackSender(server.url + "/slack/events", secret)
    finally:
        server.stop()


def _all_ready(server: Replica) -> bool:
    """Several /readyz in a row all 200: whichever worker takes the connection, it is loaded."""
    return all(server.get("/readyz")[0] == 200 for _ in range(6))


def _questions_counted(server: Replica) -> float:
    status, page = server.get("/metrics")
    assert status == 200
    return sum(float(v) for v in re.findall(r"^policy_assistant_questions_total\{[^}]*\} (\S+)$", page, re.M))


def _ask_many(sender: SlackSender, fake: FakeSlack, channel: str, count: int) -> None:
    def ask(i: int) -> int:
        ts = f"1700001{count:03d}.{i:06d}"
        status = sender.event(_mention(ts, QUESTIONS[i % len(QUESTIONS)], f"U-w{i}", channel), event_id=f"Ev{channel}{i}")[0]
        _wait(lambda: _answers(fake, channel, ts), 180, f"answer {i}")
        return status

    with ThreadPoolExecutor(6) as threads:
        assert list(threads.map(ask, range(count))) == [200] * count
    for i in range(count):
        assert len(_answers(fake, channel, f"1700001{count:03d}.{i:06d}")) == 1, "every question answered once"


def test_two_workers_share_the_port_and_count_together(pool, fake):
    server, sender = pool
    workers = _children(server.process.pid)
    assert len(workers) == 2
    _ask_many(sender, fake, "C-workers", 24)
    answering = {line["pid"] for line in server.log_lines() if line.get("event") == "answer"}
    assert answering == workers, "both workers took questions from the one port"
    # whichever worker renders /metrics, it shows the questions both answered
    assert [_questions_counted(server) for _ in range(6)] == [24.0] * 6


def test_a_worker_that_dies_is_replaced_while_the_other_answers(pool, fake):
    server, sender = pool
    victim, survivor = sorted(_children(server.process.pid))
    os.kill(victim, signal.SIGKILL)
    _ask_many(sender, fake, "C-after-kill", 4)  # answered meanwhile (by the survivor, or the new worker)
    _wait(lambda: len(_children(server.process.pid)) == 2, 300, "a new worker")
    replaced = _children(server.process.pid)
    assert survivor in replaced and victim not in replaced
    assert "stopped (exit code -9); starting another" in server.log_path.read_text()
    _wait(lambda: _all_ready(server), 300, "the new worker ready")


def test_sigterm_stops_every_worker_and_the_parent(pool):
    server, _ = pool
    workers = _children(server.process.pid)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in workers)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_workers_without_an_index_stop_with_one_line_not_a_restart_loop(settings, fake, tmp_path):
    shutil.copytree(settings.corpus_dir, tmp_path / "policy_corpus")
    started = time.monotonic()
    done = _run(["serve", "--host", "127.0.0.1", "--port", "0", "--workers", "2"],
                _env(tmp_path, fake, secrets.token_hex(16)), tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Error:" in done.stderr and "index" in done.stderr.lower()
    assert "starting another" not in done.stderr
    assert time.monotonic() - started < 150


def test_socket_mode_cannot_be_split_into_workers(settings, fake, tmp_path):
    env = _env(tmp_path, fake, secrets.token_hex(16), SLACK_APP_TOKEN="xapp-1-workers")
    done = _run(["slack", "--workers", "2"], env, tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("Error: --workers above 1 needs the HTTP server alone")


def test_rebuild_builds_the_index_once_before_the_workers_start(settings, fake, tmp_path):
    shutil.copytree(settings.corpus_dir, tmp_path / "policy_corpus")
    secret = secrets.token_hex(16)
    server = Replica("rebuild", _env(tmp_path, fake, secret), tmp_path, "--workers", "2", "--rebuild")
    try:
        ready = server.wait_ready()
        _wait(lambda: len(_children(server.process.pid)) == 2 and _all_ready(server), 300, "both workers")
        builds = sorted(p.name for p in (tmp_path / "index").glob("clauses-*.jsonl"))
        assert builds == [f"clauses-{ready['index_build']}.jsonl"], "one build, made before the workers, not by each"
        sender = SlackSender(server.url + "/slack/events", secret)
        assert sender.event(_mention("1700002000.000001", QUESTIONS[0], "U-rb", "C-rb"), event_id="EvRb1")[0] == 200
        _wait(lambda: _answers(fake, "C-rb", "1700002000.000001"), 60, "the answer")
    finally:
        server.stop()

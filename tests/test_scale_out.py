"""Two `serve` processes sharing one PostgreSQL and one index folder, attacked the way Slack and a crash would.

Real processes (`python -m assistant serve`), a real PostgreSQL (tests/postgres.py), the fake Slack Web
API (tests/fake_slack.py) and signed requests. The figures measured (answers per second over the two
replicas, requests refused while one is killed) are printed and written to `.cache/scale_out.json`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.store import Store
from fake_slack import BOT_USER_ID, FakeSlack, SlackSender

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 5
RATE_LIMIT = 5
QUESTIONS = [
    "Can I accept a friend request from a parent?",
    "Can I post photos of pupils on social media?",
    "Can I use the school logo on my own website?",
    "Who should I tell about a safeguarding concern?",
    "Can I give my personal phone number to a parent?",
    "May staff use their own devices to take pictures of children?",
    "What should I do if a pupil discloses abuse?",
    "Can I contact a pupil on social media?",
    "Should I report a data breach?",
    "Can I share a pupil's information with another school?",
]
NEW_POLICY = """# Bicycle Storage Policy

## Storage

Staff bicycles must be locked in the covered shelter beside the caretaker's office before 8.30am.
"""
NEW_QUESTION = "Where must staff lock their bicycles?"
NEW_CLAUSE = "Staff bicycles must be locked in the covered shelter"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """One `policy-assistant serve` process; its log (JSON lines) goes to a file."""

    def __init__(self, name: str, env: dict[str, str], folder: Path, *args: str) -> None:
        self.name, self.port = name, _free_port()
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1",
                                         "--port", str(self.port), *args], env=env, cwd=folder, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()

    def wait_ready(self, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                status, body = self.get("/readyz")
                if status == 200:
                    return json.loads(body)
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{self.name} not ready: {self.log_path.read_text(errors='replace')[-3000:]}")

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return lines

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def shared(postgres, settings, engine, tmp_path_factory):
    """One database, one corpus and one index folder for both replicas (the index copied from the session's)."""
    folder = tmp_path_factory.mktemp("scale-out")
    corpus, index = folder / "policy_corpus", folder / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index)
    return {"folder": folder, "corpus": corpus, "index": index, "database": postgres.database()}


@pytest.fixture(scope="module")
def replicas(shared, fake, settings):
    secret = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "CONNECTIONS__", "POLICY_ASSISTANT_", "DATABASE_URL"))}
    env.update({
        "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "DATABASE_URL": shared["database"], "POLICY_ASSISTANT_CORPUS_DIR": str(shared["corpus"]),
        "POLICY_ASSISTANT_INDEX_DIR": str(shared["index"]), "POLICY_ASSISTANT_TODAY": str(settings.today),
        "POLICY_ASSISTANT_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
        "POLICY_ASSISTANT_QUESTION_LEASE_SECONDS": str(LEASE_SECONDS), "POLICY_ASSISTANT_LOG_FORMAT": "json",
        "SLACK_BOT_TOKEN": "xoxb-scale-out", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.base_url,
    })
    started = [Replica(name, env, shared["folder"]) for name in ("a", "b")]
    try:
        for replica in started:
            replica.wait_ready()
        yield started, secret
    finally:
        for replica in started:
            replica.stop()


def _sender(replica: Replica, secret: str) -> SlackSender:
    return SlackSender(replica.url + "/slack/events", secret)


def _mention(ts: str, text: str, user: str, channel: str) -> dict:
    return {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
            "event_ts": ts}


def _answers(fake: FakeSlack, channel: str, ts: str) -> list:
    return fake.received("chat.postMessage", lambda c: c.body.get("channel") == channel and c.body.get("thread_ts") == ts)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _deliver(sender: SlackSender, event: dict, event_id: str, retry: int | None = None) -> int | None:
    """POST one signed event; the HTTP status, or None when the replica could not be reached."""
    try:
        return sender.event(event, event_id=event_id, retry=retry)[0]
    except OSError:
        return None


def test_the_same_event_on_both_replicas_is_answered_once(replicas, fake):
    (a, b), secret = replicas
    event = _mention("1700000001.000001", QUESTIONS[0], "U-both", "C-both")
    barrier = threading.Barrier(2)

    def send(replica: Replica) -> int | None:
        barrier.wait()
        return _deliver(_sender(replica, secret), event, "EvBoth1")

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(send, (a, b))) == [200, 200]
    _wait(lambda: _answers(fake, "C-both", "1700000001.000001"), 30, "the answer")
    time.sleep(LEASE_SECONDS + 2)  # long enough for a wrongly leased copy to be recovered and sent
    assert len(_answers(fake, "C-both", "1700000001.000001")) == 1


def test_the_rate_limit_counts_every_request_on_both_replicas(replicas, fake):
    (a, b), secret = replicas
    sa, sb = _sender(a, secret), _sender(b, secret)
    for i in range(3):  # questions alternate between the replicas
        ts = f"1700000002.00000{i}"
        assert _deliver((sa, sb)[i % 2], _mention(ts, QUESTIONS[i], "U-limit", "C-limit"), f"EvLimit{i}") == 200
        _wait(lambda: _answers(fake, "C-limit", ts), 30, f"answer {i}")
    for name, sender in (("look-a", sa), ("look-b", sb)):  # /policy lookups count too
        assert sender.command("photos", fake.response_url(name), user="U-limit", channel="C-limit")[0] == 200
        fake.wait_for(f"response/{name}")
    assert _deliver(sb, _mention("1700000002.000009", QUESTIONS[5], "U-limit", "C-limit"), "EvLimit9") == 200
    [notice] = fake.wait_for("chat.postEphemeral", lambda c: c.body.get("channel") == "C-limit")
    assert "try again in" in notice.body["text"] and notice.body["user"] == "U-limit"
    assert sa.command("photos", fake.response_url("look-late"), user="U-limit", channel="C-limit")[0] == 200
    [late] = fake.wait_for("response/look-late")
    assert "try again in" in late.body["text"]
    assert _answers(fake, "C-limit", "1700000002.000009") == []


def test_a_new_index_published_mid_burst_is_taken_up_by_both(replicas, fake, shared):
    (a, b), secret = replicas
    senders = [_sender(a, secret), _sender(b, secret)]
    old_build = {json.loads(r.get("/readyz")[1])["index_build"] for r in (a, b)}
    assert len(old_build) == 1
    (shared["corpus"] / "bicycles.md").write_text(NEW_POLICY, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    build_log = shared["folder"] / "index.log"
    with open(build_log, "wb") as output:
        builder = subprocess.Popen([sys.executable, "-m", "assistant", "index", "--corpus", str(shared["corpus"]),
                                    "--index", str(shared["index"])], env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    statuses, sent, i = [], [], 0
    while builder.poll() is None or i < 10:  # keep asking while the new index is built and published
        ts = f"1700000003.{i:06d}"
        statuses.append(_deliver(senders[i % 2], _mention(ts, QUESTIONS[i % len(QUESTIONS)], f"U-pub{i}", "C-pub"),
                                 f"EvPub{i}"))
        sent.append(ts)
        i += 1
        time.sleep(0.1)
    assert builder.wait() == 0, build_log.read_text(errors="replace")
    assert statuses == [200] * len(statuses), "no request fails while the index is replaced"
    _wait(lambda: all(_answers(fake, "C-pub", ts) for ts in sent), 60, "every question of the burst answered")
    assert all(len(_answers(fake, "C-pub", ts)) == 1 for ts in sent)
    _wait(lambda: {json.loads(r.get("/readyz")[1])["index_build"] for r in (a, b)}.isdisjoint(old_build), 10,
          "both replicas on the new build")
    for n, sender in enumerate(senders):
        ts = f"1700000004.00000{n}"
        assert _deliver(sender, _mention(ts, NEW_QUESTION, f"U-bike{n}", "C-bike"), f"EvBike{n}") == 200
        _wait(lambda: _answers(fake, "C-bike", ts), 30, "the answer from the new policy")
        assert any(NEW_CLAUSE in text for text in _answers(fake, "C-bike", ts)[0].texts())


def test_a_burst_over_both_with_one_killed_loses_nothing(replicas, fake, shared):
    (a, b), secret = replicas
    senders = {"a": _sender(a, secret), "b": _sender(b, secret)}

    def events(prefix: str, count: int) -> list[tuple[str, str, dict]]:
        return [(f"Ev{prefix}{i:03d}", f"1700000{prefix}.{i:06d}",
                 _mention(f"1700000{prefix}.{i:06d}", f"{QUESTIONS[i % len(QUESTIONS)]} ({prefix}{i})",
                          f"U-{prefix}{i}", "C-burst")) for i in range(count)]

    # Throughput with both replicas up: 40 questions, from the first sent to the last answer posted.
    warm = events("6", 40)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda n: _deliver(senders["ab"[n % 2]], warm[n][2], warm[n][0]), range(40))) == [200] * 40
    _wait(lambda: all(_answers(fake, "C-burst", ts) for _, ts, _ in warm), 120, "the warm-up answers")
    answers_per_second = len(warm) / (time.monotonic() - started)

    burst = events("5", 100)
    acked: dict[str, str] = {}  # event id -> the replica that acked it
    refused: list[str] = []
    votes: set[tuple[int, str]] = set()
    lock = threading.Lock()

    def send(n: int) -> None:
        if n == 50:  # mid-burst: b dies with questions queued and in flight
            b.process.send_signal(signal.SIGKILL)
        event_id, _, event = burst[n]
        name = "ab"[n % 2]
        status = _deliver(senders[name], event, event_id)
        if status != 200:  # unreachable: Slack delivers the event again, here reaching the survivor
            with lock:
                refused.append(event_id)
            name, status = "a", _deliver(senders["a"], event, event_id, retry=1)
        assert status == 200
        with lock:
            acked[event_id] = name
        if n % 3 == 0:  # people vote on earlier answers meanwhile, on either replica
            vote = _vote(fake, senders, warm[n % len(warm)][1], n)
            if vote:
                with lock:
                    votes.add(vote)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(len(burst))))
    _wait(lambda: all(_answers(fake, "C-burst", ts) for _, ts, _ in burst), LEASE_SECONDS * 10 + 60,
          "every acked question answered")
    time.sleep(LEASE_SECONDS + 2)
    assert sorted(acked) == sorted(e for e, _, _ in burst)
    duplicates = [ts for _, ts, _ in burst + warm if len(_answers(fake, "C-burst", ts)) != 1]
    assert not duplicates, f"answered more than once: {duplicates}"

    with Store(shared["database"], pool_size=2) as store:
        recorded = [q for q in store.questions("slack") if q.channel == "C-burst"]
        assert len(recorded) == len(burst) + len(warm) and {q.status for q in recorded} == {"answered"}
        kept = {(f.question_id, f.user_id) for f in store.feedback() if f.rating == "up"}
    assert votes and votes <= kept, f"votes lost: {votes - kept}"

    taken_over = sum("Taking over question" in str(line.get("message", "")) for line in a.log_lines())
    figures = {"replicas": 2, "answers_per_second_two_replicas": round(answers_per_second, 1),
               "burst_questions": len(burst), "requests_refused_during_kill": len(refused),
               "questions_taken_over_from_the_killed_replica": taken_over, "votes_acked": len(votes),
               "questions_lost": 0, "votes_lost": 0, "answered_twice": 0}
    print(f"\nscale-out figures: {json.dumps(figures)}")
    out = ROOT / ".cache" / "scale_out.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")

    answer_lines = [line for line in a.log_lines() if line.get("event") == "answer"]
    assert answer_lines and all({"platform", "outcome", "latency_ms", "build_id"} <= set(line) for line in answer_lines)
    assert not any("question" in line for line in answer_lines), "question text is logged only when asked for"
    assert "xoxb-" not in a.log_path.read_text(errors="replace")
    status, page = a.get("/metrics")
    assert status == 200 and 'policy_assistant_questions_total{outcome="answered",platform="slack"}' in page


def _vote(fake: FakeSlack, senders: dict[str, SlackSender], ts: str, n: int) -> tuple[int, str] | None:
    """👍 on the answer in thread `ts`, sent to one replica; (question id, user) if it was acked."""
    [answer] = _answers(fake, "C-burst", ts)
    value = next(e["value"] for block in answer.body["blocks"] for e in block.get("elements", [])
                 if isinstance(e, dict) and e.get("action_id") == "feedback_up")
    try:
        status, _ = senders["ab"[n % 2]].click("feedback_up", value, "1800000000.000001", ts,
                                               fake.response_url(f"vote{n}"), user=f"U-voter{n}", channel="C-burst")
    except OSError:
        return None
    return (int(value), f"U-voter{n}") if status == 200 else None

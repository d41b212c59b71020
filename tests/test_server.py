"""The real `policy-assistant serve` process, attacked on 127.0.0.1 as an outsider would.

One process serves Slack (HTTP, against `FakeSlack`) and Teams (anonymous, against `FakeConnector`)
on one port, over a private copy of the corpus and index. Every attack loop is bounded in count and
time. The process's stderr is kept, to check that no attack produced a traceback.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.index import load_index
from fake_connector import FakeConnector
from fake_slack import BOT_USER_ID, FakeSlack, SlackSender

ROOT = Path(__file__).resolve().parent.parent
SECRET = secrets.token_hex(16)
READ_TIMEOUT = 2.0
MAX_CONNECTIONS = 24
QUESTION = "Can I accept a friend request from a parent?"
ANON = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "POLICY_ASSISTANT_", "CONNECTIONS__", "DATABASE_URL"))}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def http_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"{}")


class Process:
    """A `python -m assistant ...` process with its output in files."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.out, self.err = cwd / f"out-{secrets.token_hex(3)}.txt", cwd / f"err-{secrets.token_hex(3)}.txt"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], env=env, cwd=cwd,
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def stderr(self) -> str:
        return self.err.read_text("utf-8", "replace")

    def stdout(self) -> str:
        return self.out.read_text("utf-8", "replace")

    def wait(self, timeout: float = 400) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


def wait_ready(process: Process, port: int, timeout: float = 400) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise AssertionError(f"the server exited ({process.proc.returncode}): {process.stderr()[-2000:]}")
        try:
            status, body = http_get(f"http://127.0.0.1:{port}/readyz")
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not ready in {timeout}s: {process.stderr()[-2000:]}")


# ------------------------------------------------------------------------------------ the server


@pytest.fixture(scope="module")
def state(tmp_path_factory, settings, engine):
    """A private corpus and a copy of the session's built index (so publishing here disturbs no one)."""
    base = tmp_path_factory.mktemp("served")
    corpus, index_dir = base / "corpus", base / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index_dir)
    return base, corpus, index_dir


@pytest.fixture(scope="module")
def fakes():
    with FakeSlack() as slack, FakeConnector() as connector:
        yield slack, connector


@pytest.fixture(scope="module")
def server(state, fakes):
    base, corpus, index_dir = state
    slack, _ = fakes
    published = load_index(index_dir).manifest.build_id
    with open(corpus / "glenmere-social-media-policy-2023-24.md", "a", encoding="utf-8") as policy:
        policy.write("\nStaff must sign the visitors' book when they arrive after hours.\n")  # the index is now stale
    port = free_port()
    env = base_env(SLACK_BOT_TOKEN="xoxb-1-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.base_url,
                   POLICY_ASSISTANT_CORPUS_DIR=str(corpus), POLICY_ASSISTANT_INDEX_DIR=str(index_dir),
                   POLICY_ASSISTANT_DB_PATH=str(base / "served.db"), POLICY_ASSISTANT_RATE_LIMIT_PER_MINUTE="100000",
                   POLICY_ASSISTANT_HTTP_READ_TIMEOUT=str(READ_TIMEOUT),
                   POLICY_ASSISTANT_HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS), **{ANON: "true"})
    process = Process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, base)
    try:
        ready = wait_ready(process, port)
        process.port, process.first_build = port, published  # type: ignore[attr-defined]
        process.ready = ready  # type: ignore[attr-defined]
        yield process
    finally:
        process.stop()


def raw_request(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it or `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(data)
        received = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = conn.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received and _complete(received):
                break
        return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def status_of(response: bytes) -> int:
    assert response.startswith((b"HTTP/1.1 ", b"HTTP/1.0 ")), response[:200]
    return int(response.split()[1])


def no_traceback(process: Process) -> None:
    assert "Traceback" not in process.stderr(), process.stderr()[-3000:]


def test_serve_reports_ready_with_the_build_and_never_rebuilt_the_stale_index(server, state):
    _, _, index_dir = state
    assert server.ready == {"status": "ready", "index_build": server.first_build, "clauses": server.ready["clauses"],
                            "database": "ok"}
    assert load_index(index_dir).manifest.build_id == server.first_build  # stale, but only `index` rebuilds
    assert "Serving the published index although the policies" in server.stderr()
    assert http_get(f"http://127.0.0.1:{server.port}/healthz") == (200, {"status": "alive"})


def test_missing_negative_and_oversized_lengths_are_refused_before_the_body(server):
    port = server.port
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    started = time.monotonic()
    assert status_of(raw_request(port, head + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")) == 411
    assert status_of(raw_request(port, head + b"\r\n")) == 411
    assert status_of(raw_request(port, head + b"Content-Length: -1\r\n\r\n")) in (400, 411)
    assert status_of(raw_request(port, head + b"Content-Length: 150000000\r\n\r\n")) == 413
    assert status_of(raw_request(port, b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")) \
        == 413
    assert time.monotonic() - started < 5  # each refused at once, none waited for a body

    before = server.rss_kb()
    chunk = b"x" * 1_000_000
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:  # declare 150 MB, then send it anyway
        conn.sendall(head + b"Content-Length: 150000000\r\n\r\n")
        sent = 0
        try:
            for _ in range(150):
                conn.sendall(chunk)
                sent += 1
        except OSError:
            pass  # the server closed the connection: good
    assert sent < 150, "the server read a 150 MB body it had refused"
    assert server.rss_kb() - before < 50_000  # not grown by the body (kB)
    no_traceback(server)


def test_idle_and_half_sent_connections_are_bounded_and_closed(server):
    port = server.port
    half = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Le"
    conns = []
    started = time.monotonic()
    try:
        for _ in range(3 * MAX_CONNECTIONS):  # bounded: three times the limit, all idle or half-sent
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            conn.sendall(half)
            conns.append(conn)
        received = {conn: b"" for conn in conns}
        open_ = set(conns)
        deadline = started + READ_TIMEOUT + 8
        while open_ and time.monotonic() < deadline:  # every one ends soon: 503 at once beyond the limit,
            ready, _, _ = select.select(list(open_), [], [], 0.2)  # else closed after the read timeout
            for conn in ready:
                try:
                    chunk = conn.recv(4096)
                except ConnectionResetError:
                    chunk = b""
                received[conn] += chunk
                if not chunk:
                    open_.discard(conn)
        assert not open_, f"{len(open_)} connections still open after {READ_TIMEOUT + 8}s"
        busy = sum(data.startswith(b"HTTP/1.1 503") for data in received.values())
        assert busy >= 2 * MAX_CONNECTIONS - 2
    finally:
        for conn in conns:
            conn.close()
    assert http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200  # and it serves again


def test_a_body_sent_too_slowly_gets_408(server):
    started = time.monotonic()
    response = raw_request(server.port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"",
                           wait=READ_TIMEOUT + 5)
    assert status_of(response) == 408 and time.monotonic() - started < READ_TIMEOUT + 4


def test_slack_signature_is_checked_before_the_body_is_parsed(server, fakes):
    url = f"http://127.0.0.1:{server.port}/slack/events"
    signed, forged = SlackSender(url, SECRET), SlackSender(url, secrets.token_hex(16))
    for body in ('{"type": "event_callback", "event": ', "payload=%7Bnot-json", "[1, 2]", "payload=%5B1%5D"):
        assert forged.post(body)[0] == 401
        assert signed.post(body, timestamp=int(time.time()) - 3600)[0] == 401
        status, text = signed.post(body, content_type="application/x-www-form-urlencoded"
                                   if body.startswith("payload") else "application/json")
        assert status == 400 and "malformed" in text
    assert signed.post("{}", headers={"X-Slack-Request-Timestamp": "not-a-number"})[0] == 401
    no_traceback(server)


def test_other_bots_are_ignored_in_mentions_and_messages(server, fakes):
    slack, _ = fakes
    sender = SlackSender(f"http://127.0.0.1:{server.port}/slack/events", SECRET)
    text = f"<@{BOT_USER_ID}> {QUESTION}"
    for n, extra in enumerate(({"bot_id": "B2"}, {"subtype": "bot_message", "bot_id": "B3"},
                               {"bot_profile": {"id": "B4"}, "bot_id": "B4"})):
        ts = sender.next_ts()
        assert sender.event({"type": "app_mention", "user": "U-bot", "text": text, "ts": ts, "channel": f"C-bot{n}",
                             **extra})[0] == 200
        assert sender.event({"type": "message", "channel_type": "im", "user": "U-bot", "text": QUESTION,
                             "ts": ts, "channel": f"D-bot{n}", **extra})[0] == 200
    ts = sender.next_ts()
    assert sender.event({"type": "app_mention", "user": "U-person", "text": text, "ts": ts, "channel": "C-person"})[0] \
        == 200
    slack.wait_for("chat.postMessage", lambda c: c.body.get("channel") == "C-person", timeout=60)
    time.sleep(0.5)
    assert not [c for c in slack.calls if str(c.body.get("channel", "")).startswith(("C-bot", "D-bot"))]


def _teams_post(port: int, body: dict, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/messages", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def _activity(connector: FakeConnector, conversation: str, text: str) -> dict:
    return {"type": "message", "id": f"user-{secrets.token_hex(4)}", "channelId": "msteams",
            "serviceUrl": connector.url, "from": {"id": "29:alice", "aadObjectId": "aad-alice"},
            "recipient": {"id": "28:bot"}, "conversation": {"id": conversation, "conversationType": "personal"},
            "text": text}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_teams_alg_none_and_garbage_tokens_get_401_without_a_traceback(server, fakes):
    _, connector = fakes
    claims = {"iss": "https://api.botframework.com", "aud": "28:bot", "exp": int(time.time()) + 600,
              "serviceurl": connector.url}
    tokens = [f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
              f"{_b64({'alg': 'none'})}.{_b64(claims)}.{_b64({'x': 1})}",
              f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2ln", "not.a.jwt", "x"]
    for token in tokens:
        status, _ = _teams_post(server.port, _activity(connector, "a:alg-none", QUESTION),
                                {"Authorization": f"Bearer {token}"})
        assert status == 401, token
    assert connector.to("a:alg-none") == []
    no_traceback(server)


def test_a_published_index_is_picked_up_within_5s_and_no_question_fails(server, state, fakes):
    base, corpus, index_dir = state
    _, connector = fakes
    (corpus / "parking.md").write_text(
        "---\ntitle: Car Parking Policy\ncontact: the Business Manager\n---\n# Car Parking Policy\n\n"
        "## Staff parking\n\nStaff must park their bicycles in the shelter behind the kitchen.\n", encoding="utf-8")
    failures: list[str] = []
    stop = threading.Event()
    asked = 0

    def burst() -> None:  # bounded: stops when told, or after 400 questions
        nonlocal asked
        for n in range(400):
            if stop.is_set():
                return
            status, _ = _teams_post(server.port, _activity(connector, f"a:burst-{n}", QUESTION))
            sent = connector.to(f"a:burst-{n}")
            asked += 1
            if status != 202 or not sent or sent[-1].body.get("text", "").startswith("Sorry"):
                failures.append(f"{n}: {status} {[s.body.get('text', '')[:60] for s in sent]}")

    asking = threading.Thread(target=burst)
    asking.start()
    try:
        builder = Process(["index", "--corpus", str(corpus), "--index", str(index_dir)], base_env(), base)
        assert builder.wait() == 0, builder.stderr()
        published = load_index(index_dir).manifest.build_id
        published_at = time.monotonic()
        while http_get(f"http://127.0.0.1:{server.port}/readyz")[1]["index_build"] != published:
            assert time.monotonic() - published_at < 5, "the running server did not switch within 5 s"
            time.sleep(0.1)
        time.sleep(1)  # a few questions on the new build too
    finally:
        stop.set()
        asking.join(120)
    assert asked > 0 and failures == []
    assert published != server.first_build

    status, _ = _teams_post(server.port, _activity(connector, "a:bicycles", "Where do staff park their bicycles?"))
    assert status == 202
    [answer] = connector.wait_for("a:bicycles")
    assert "shelter behind the kitchen" in json.dumps(answer.body)
    no_traceback(server)


# ------------------------------------------------------------------------------------ other processes


def test_anonymous_teams_with_an_unrecognised_value_refuses_to_start(tmp_path):
    for value in ("yes", "on", "True ish"):
        process = Process(["teams", "--port", str(free_port())], base_env(**{ANON: value}), tmp_path)
        assert process.wait(120) == 1
        err = process.stderr()
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith(
            "Error: CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED must be true or false"), err


def test_anonymous_teams_listens_on_localhost_only_and_warns(tmp_path, state):
    _, corpus, index_dir = state
    port = free_port()
    env = base_env(POLICY_ASSISTANT_CORPUS_DIR=str(corpus), POLICY_ASSISTANT_INDEX_DIR=str(index_dir),
                   POLICY_ASSISTANT_DB_PATH=str(tmp_path / "t.db"), **{ANON: "TRUE"})
    process = Process(["teams", "--port", str(port)], env, tmp_path)
    try:
        wait_ready(process, port)
        listening = _listening_addresses(port)
        assert listening == {"127.0.0.1"}, listening
        assert "anonymous mode: listening on 127.0.0.1 only" in process.stderr()
        assert "anonymous access is ON" in process.stderr()
    finally:
        process.stop()


def _listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses with a socket listening on `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def _private_corpus(tmp_path: Path, state) -> tuple[Path, Path]:
    """A copy of the served corpus and an empty index folder that starts with its embedding cache."""
    _, corpus_src, index_src = state
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus_src, corpus)
    index_dir.mkdir()
    shutil.copy(index_src / "embedding-cache.npz", index_dir / "embedding-cache.npz")
    return corpus, index_dir


def test_two_index_builds_at_once_take_turns_and_leave_a_sound_index(tmp_path, state):
    corpus, index_dir = _private_corpus(tmp_path, state)
    waited = 0
    for round_ in range(2):  # bounded: two rounds of two concurrent builders
        (corpus / "extra.md").write_text(f"# Extra\n\nVisitors must leave by {round_ + 5}pm.\n", encoding="utf-8")
        builders = [Process(["index", "--corpus", str(corpus), "--index", str(index_dir)], base_env(), tmp_path)
                    for _ in range(2)]
        for builder in builders:
            assert builder.wait() == 0, builder.stderr()
        waited += sum("Another index build is running" in b.stderr() for b in builders)
        index = load_index(index_dir)
        assert any(f"leave by {round_ + 5}pm" in c.text for c in index.clauses)
        builds = {p.name.split("-", 1)[1].split(".")[0] for p in index_dir.iterdir()
                  if p.name.startswith(("documents-", "clauses-", "vectors-"))}
        assert index.manifest.build_id in builds
    assert waited >= 1  # the builds really overlapped, and the second one waited


def test_cli_refuses_links_out_of_the_corpus_big_files_and_locked_pdfs_by_name(tmp_path, state):
    from pypdf import PdfWriter

    corpus, index_dir = _private_corpus(tmp_path, state)
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nStaff must share the root password.\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to(secret)
    (corpus / "big.txt").write_text("Staff must read this. " * 60_000, encoding="utf-8")  # 1.3 MB
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    with open(corpus / "locked.pdf", "wb") as fh:
        writer.write(fh)
    env = base_env(POLICY_ASSISTANT_MAX_FILE_BYTES="1000000")
    builder = Process(["index", "--corpus", str(corpus), "--index", str(index_dir)], env, tmp_path)
    assert builder.wait() == 0, builder.stderr()
    err = builder.stderr()
    assert "Skipped passwd.txt: refused: it links to a file outside the policy folder" in err
    assert "Skipped big.txt: skipped: 1.3 MB is over the 1 MB limit" in err
    assert "Skipped locked.pdf: the PDF is password-protected" in err
    assert [err.count(name) for name in ("passwd.txt", "big.txt", "locked.pdf")] == [1, 1, 1]  # each said once
    assert "Traceback" not in err
    index = load_index(index_dir)
    assert not any("root" in c.text for c in index.clauses)
    assert {d.source for d in index.documents}.isdisjoint({"passwd.txt", "big.txt", "locked.pdf"})

    lines = [QUESTION, '{"question": "Can I post photos?", "scope": ', '{"question": 42}', '{"scope": "x"}',
             '{"question": "Can I use the school logo?", "scope": 7}', json.dumps({"question": QUESTION})]
    asker = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "--corpus", str(corpus), "--index",
                            str(index_dir)], input="\n".join(lines) + "\n", capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=400)
    assert asker.returncode == 1 and "Traceback" not in asker.stderr
    out = [json.loads(line) for line in asker.stdout.splitlines()]
    assert len(out) == 6
    assert out[0]["answered"] and out[5]["answered"] and out[5]["question"] == QUESTION
    assert [o.get("line") for o in out[1:5]] == [2, 3, 4, 5]
    assert "Not valid JSON" in out[1]["error"] and "needs a \"question\" that is text" in out[2]["error"]
    assert "needs a \"question\"" in out[3]["error"] and "\"scope\" must be text" in out[4]["error"]
    assert "4 question(s) could not be answered" in asker.stderr

    manifest = json.loads((index_dir / "manifest.json").read_text())
    (index_dir / f"documents-{manifest['build_id']}.json").write_text("{}", encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION, "--corpus", str(corpus), "--index",
                             str(index_dir)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=400)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr and "KeyError" not in broken.stderr
    [line] = broken.stderr.strip().splitlines()
    assert line.startswith("Error: The index in") and "is corrupt (documents-" in line

"""Speed, memory and answer quality from 2k to 100k clauses, against simple baselines in the same run.

    .venv/bin/python benchmarks/run.py [--sizes default,2000,20000,100000] [--rebuild] [--no-eval]

`make bench` runs it. Corpora are made from real handbook text (benchmarks/corpora.py) and cached
with their indexes under .cache/bench/, so a rerun re-measures answering but does not re-embed 100k
clauses (a cached build's figures are those recorded when it was built, marked "cached").
Every timing that needs a fresh process (cold build, cold start, peak memory) runs in a child
process; answering is timed warm, in process. The machine is shared: the load average is recorded
next to each phase, and the ratios to BM25-only and dense-only retrieval, measured in the same
process a moment apart, are the figures to compare between runs.

Writes a table to the terminal, benchmarks/results/bench.json and benchmarks/results/bench.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpora import EVAL, SETS, make_corpus, questions  # noqa: E402

CACHE = ROOT / ".cache" / "bench"
RESULTS = ROOT / "benchmarks" / "results"
SIZES = ["default", "2000", "20000", "100000"]
TARGETS = {  # issue 12, on this 2-core machine
    "build clauses/s (cold)": ">= 250", "re-index one edit at 20k": "<= 2 s", "start to first answer at 100k": "<= 8 s",
    "peak RSS at 20k": "<= 700 MB", "answer p50 / p99 at 2k": "<= 20 / 40 ms", "answer p99 at 100k": "<= 60 ms",
    "recall@10 approximate vs exact": ">= 0.99", "eval: onnx vs torch": "every figure within 0.01",
}
THREADS = 4  # concurrent askers for the "under load" tail
SAMPLE = 150  # questions timed per corpus (spread over every evaluation set)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))] if ordered else float("nan")


def load() -> float:
    return round(os.getloadavg()[0], 2)


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    out.update(extra)
    return out


LAST_CPU = [0.0]  # CPU seconds (user + system) of the last child: a figure the machine's load barely moves


def child(args: list[str], **extra: str) -> tuple[float, float, str]:
    """Run a Python child to the end: (seconds, its peak RSS in MB, its stdout); its CPU time in LAST_CPU."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env(**extra), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda: out.append(proc.stdout.read())),  # type: ignore[union-attr]
               threading.Thread(target=lambda: err.append(proc.stderr.read()))]  # type: ignore[union-attr]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    if proc.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed ({proc.returncode}): {''.join(err)[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, "".join(out)


# ---------------------------------------------------------------------------------------------- builds

def corpus_for(size: str) -> Path:
    return ROOT / "policy_corpus" if size == "default" else make_corpus(int(size), CACHE / "corpora" / size)


def cold_build(size: str, corpus: Path, rebuild: bool) -> dict:
    """Build the index from nothing (no embedding cache) once, in a child; later runs reuse it."""
    index = CACHE / "index" / size
    record = CACHE / "builds.json"
    builds = json.loads(record.read_text()) if record.exists() else {}
    fresh = (index / "manifest.json").exists() and size in builds and not rebuild and _fresh(index, corpus)
    if fresh:
        return builds[size] | {"cached": True}
    shutil.rmtree(index, ignore_errors=True)
    before = load()
    seconds, rss, _ = child(["-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index)])
    clauses = json.loads((index / "manifest.json").read_text())["clauses"]
    builds[size] = {"clauses": clauses, "seconds": round(seconds, 1), "clauses_per_s": round(clauses / seconds, 1),
                    "cpu_s": round(LAST_CPU[0], 1), "clauses_per_cpu_s": round(clauses / LAST_CPU[0], 1),
                    "peak_rss_mb": round(rss), "load": [before, load()],
                    "when": datetime.now(timezone.utc).isoformat(timespec="minutes")}
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(builds, indent=2))
    return builds[size] | {"cached": False}


def _fresh(index: Path, corpus: Path) -> bool:
    from assistant.index import corpus_fingerprint

    return json.loads((index / "manifest.json").read_text())["corpus_fingerprint"] == corpus_fingerprint(corpus)


REINDEX = """
import json, sys, time
from pathlib import Path
from assistant.embeddings import Embedder
from assistant.index import build_index
from assistant.settings import Settings
embedder = Embedder(Settings(_env_file=None).model, Settings(_env_file=None).encoder)
t = time.perf_counter()
built = build_index(Path(sys.argv[1]), Path(sys.argv[2]), embedder)
print(json.dumps({"build_s": time.perf_counter() - t, "embedded": built.manifest.embedded}))
"""


ENCODER = """
import json, resource, sys, time
from pathlib import Path
from assistant.chunking import chunk_document, passage
from assistant.embeddings import Embedder
from assistant.loaders import load_corpus
from assistant.settings import Settings
settings = Settings(_env_file=None)
texts = []
for doc in load_corpus(Path(sys.argv[1])).documents:
    texts += [passage(c) for c in chunk_document(doc)]
    if len(texts) >= int(sys.argv[2]):
        break
texts = texts[:int(sys.argv[2])]
embedder = Embedder(settings.model, settings.encoder)
embedder.encode(texts[:32])
cpu, t = time.process_time(), time.perf_counter()
embedder.encode(texts)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({"passages": len(texts), "per_s": round(len(texts) / seconds, 1), "per_cpu_s": round(len(texts) / cpu, 1)}))
"""


def encoder_alone(corpus: Path, sample: int = 600) -> dict:
    """The floor under a build: the encoder embedding this corpus's passages in one call, nothing else."""
    before = load()
    _, _, out = child(["-c", ENCODER, str(corpus), str(sample)])
    return json.loads(out.splitlines()[-1]) | {"load": [before, load()]}


def incremental_build(size: str, corpus: Path) -> dict:
    """Edit one document, re-index (timed: the `index` command, and the rebuild alone in its process), undo."""
    index = CACHE / "index" / size
    victim = sorted(p for p in corpus.rglob("*") if p.suffix in (".md", ".txt"))[0]
    original = victim.read_bytes()
    before = load()
    try:
        victim.write_bytes(original + b"\n\nStaff must record every change to this policy in the change log.\n")
        seconds, rss, _ = child(["-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index)])
        victim.write_bytes(original + b"\n\nStaff must record every change to this policy in the staff log.\n")
        _, _, out = child(["-c", REINDEX, str(corpus), str(index)])
    finally:
        victim.write_bytes(original)
    child(["-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index)])
    inner = json.loads(out.splitlines()[-1])
    return {"seconds": round(seconds, 2), "rebuild_s": round(inner["build_s"], 2), "embedded": inner["embedded"],
            "peak_rss_mb": round(rss), "load": [before, load()]}


def cold_start(size: str, corpus: Path, question: str) -> dict:
    """A new process: load the model and the index, answer one question (what a restarted bot does)."""
    index = CACHE / "index" / size
    before = load()
    seconds, rss, out = child(["-m", "assistant", "ask", question, "--json", "--corpus", str(corpus),
                               "--index", str(index)])
    assert json.loads(out)["question"]
    return {"seconds": round(seconds, 2), "cpu_s": round(LAST_CPU[0], 2), "peak_rss_mb": round(rss),
            "load": [before, load()]}


# ---------------------------------------------------------------------------------------------- in process

def worker(corpus: Path, index: Path) -> dict:
    """Warm answering in this process: latency by mode, alone and under concurrent load; recall@10."""
    import numpy as np

    from assistant.engine import PolicyEngine
    from assistant.settings import Settings

    started = time.perf_counter()
    engine = PolicyEngine.open(Settings(_env_file=None, corpus_dir=corpus, index_dir=index, auto_reindex=False))
    opened = time.perf_counter() - started
    everything = [q["question"] for q in questions()]
    asked = everything[:: max(1, len(everything) // SAMPLE)]  # every set represented, in a bounded time
    for q in asked[:5]:
        engine.ask(q)
    out: dict = {"open_s": round(opened, 2), "clauses": len(engine.index.clauses), "questions": len(asked),
                 "runtime": engine.retriever.embedder.runtime, "approximate": engine.index.vectors.approximate}
    encode = []
    for q in asked:
        t = time.perf_counter()
        engine.retriever.embedder.encode([q])
        encode.append((time.perf_counter() - t) * 1000)
    out["encode_ms"] = _summary(encode)
    before = load()
    for mode in ("hybrid", "lexical", "dense"):
        times = []
        cpu = time.process_time()
        for q in asked:
            t = time.perf_counter()
            engine.ask(q, mode=mode)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t) * 1000)
        out[mode] = _summary(times) | {"cpu_ms": round((time.process_time() - cpu) * 1000 / len(asked), 2)}
    out["throughput_qps"] = round(len(asked) / (sum(out["hybrid"]["all"]) / 1000), 1)

    def timed(q: str) -> float:
        t = time.perf_counter()
        engine.ask(q)
        return (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        loaded = list(pool.map(timed, asked))
    out["concurrent"] = _summary(loaded) | {"threads": THREADS,
                                             "qps": round(len(asked) / (time.perf_counter() - t), 1)}
    out["load"] = [before, load()]
    vectors, retriever = engine.index.vectors, engine.retriever
    within = vectors.subset(retriever.allowed_ids(None))
    recall = []
    for q in asked:
        query = retriever.embedder.encode([q])[0]
        _, approx = vectors.search(query, 10, within)
        _, exact = vectors.search(query, 10, within, exact=True)
        recall.append(len(set(approx.tolist()) & set(exact.tolist())) / max(len(exact), 1))
    out["recall@10"] = round(statistics.mean(recall), 4)
    if not vectors.approximate and vectors.size >= 10_000:  # the graph this size would get above the threshold
        from assistant.vectors import VectorIndex

        started = time.perf_counter()
        graph = VectorIndex.build(np.ascontiguousarray(vectors.matrix), approximate_above=0)
        built_s = time.perf_counter() - started
        forced, exact_ms, graph_ms = [], [], []
        for q in asked:
            query = retriever.embedder.encode([q])[0]
            t = time.perf_counter()
            _, exact = vectors.search(query, 10, exact=True)
            exact_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            _, approx = graph.search(query, 10)
            graph_ms.append((time.perf_counter() - t) * 1000)
            forced.append(len(set(approx.tolist()) & set(exact.tolist())) / max(len(exact), 1))
        out["hnsw_forced"] = {"recall@10": round(statistics.mean(forced), 4), "build_s": round(built_s, 1),
                              "exact_p50_ms": round(statistics.median(exact_ms), 3),
                              "hnsw_p50_ms": round(statistics.median(graph_ms), 3)}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    for mode in ("hybrid", "lexical", "dense", "concurrent"):
        out[mode].pop("all")
    out["encode_ms"].pop("all")
    return out


def _summary(ms: list[float]) -> dict:
    return {"p50": round(statistics.median(ms), 2), "p99": round(percentile(ms, 0.99), 2),
            "mean": round(statistics.mean(ms), 2), "all": ms}


def eval_worker(runtime: str) -> dict:
    """Cold-build each evaluation corpus with one encoder runtime and score it (hybrid, BM25-only, dense-only)."""
    from assistant.embeddings import Embedder
    from assistant.engine import PolicyEngine
    from assistant.evaluation import evaluate, read_questions
    from assistant.index import build_index
    from assistant.settings import Settings

    started = time.perf_counter()
    embedder = Embedder(Settings(_env_file=None).model, runtime)
    out: dict = {"runtime": embedder.runtime, "model_load_s": round(time.perf_counter() - started, 2), "sets": {}}
    clauses = seconds = 0.0
    for name, file in SETS.items():
        corpus = EVAL / "corpora" / name
        if not corpus.is_dir():
            continue
        index = CACHE / f"eval-{runtime}" / name
        shutil.rmtree(index, ignore_errors=True)
        t = time.perf_counter()
        built = build_index(corpus, index, embedder)
        seconds += time.perf_counter() - t
        clauses += built.manifest.clauses
        engine = PolicyEngine(Settings(_env_file=None, corpus_dir=corpus, index_dir=index), built, embedder)
        asked = read_questions(EVAL / file)
        out["sets"][name] = {run.name: {k: (round(v, 4) if v is not None else None) for k, v in run.row().items()}
                             for run in (evaluate(engine, asked, "hybrid", "policy-assistant"),
                                         evaluate(engine, asked, "lexical", "bm25-only"),
                                         evaluate(engine, asked, "dense", "dense-only"))}
    encode = []
    for q in questions():
        t = time.perf_counter()
        embedder.encode([q["question"]])
        encode.append((time.perf_counter() - t) * 1000)
    out["build_clauses_per_s"] = round(clauses / seconds, 1) if seconds else None
    out["encode_p50_ms"] = round(statistics.median(encode), 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


# ---------------------------------------------------------------------------------------------- HTTP

def http_bench(corpus: Path, index: Path, workers: int = 1, users: tuple[int, ...] = (1, 8, 32),
               seconds: float = 20.0) -> dict:
    """Signed Slack events to the real bot (`slack --http --workers N`, its own processes), answers posted
    to a fake Slack.

    Each simulated user sends an @mention, waits for the answer's chat.postMessage, and asks again, for
    `seconds` or a set number of questions per round; the time is event sent -> postMessage received.
    """
    import secrets
    import socket
    import tempfile
    import urllib.request

    sys.path.insert(0, str(ROOT / "tests"))
    from fake_slack import BOT_USER_ID, FakeSlack, SlackSender

    arrived: dict[str, float] = {}
    waiting: dict[str, threading.Event] = {}  # a user sleeps until its answer arrives (no polling loop)
    lock = threading.Lock()

    class TimedSlack(FakeSlack):
        def _record(self, call) -> None:  # type: ignore[no-untyped-def]
            if call.method == "chat.postMessage" and call.body.get("thread_ts"):
                ts = str(call.body["thread_ts"])
                with lock:
                    arrived.setdefault(ts, time.perf_counter())
                    answered = waiting.get(ts)
                if answered is not None:
                    answered.set()
            super()._record(call)

    secret = secrets.token_hex(16)
    asked = [q["question"] for q in questions()]
    out: dict = {"corpus_clauses": json.loads((index / "manifest.json").read_text())["clauses"], "workers": workers,
                 "users": {}}
    with TimedSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # the bot logs a line an answer: to a file, since a pipe nobody drains would fill and stall it
        log_path = Path(tmp) / "bot.log"
        bot_log = open(log_path, "w")  # noqa: SIM115 (closed with the bot below)
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "slack", "--http", "--host", "127.0.0.1", "--port", str(port), "--corpus", str(corpus),
             "--index", str(index), "--workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=bot_log,
            env=env(SLACK_BOT_TOKEN="xoxb-1-bench", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.base_url,
                    POLICY_ASSISTANT_DB_PATH=str(Path(tmp) / "bench.db"), POLICY_ASSISTANT_RATE_LIMIT_PER_MINUTE="100000",
                    POLICY_ASSISTANT_AUTO_REINDEX="false"))
        try:
            deadline = time.time() + 300
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None:
                        raise SystemExit(f"the Slack bot stopped: {log_path.read_text()[-1500:]}")
                    time.sleep(0.5)
            while workers > 1 and time.time() < deadline:  # every worker loaded, not only the first
                if "is answering" in log_path.read_text() and log_path.read_text().count("is answering") >= workers:
                    break
                time.sleep(0.5)
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", secret)
            counter = iter(range(10**9))

            def ask(i: int) -> tuple[int, str, threading.Event]:
                """Send the i-th question as an @mention; the event is set when its answer is posted."""
                ts = sender.next_ts()
                event = {"type": "app_mention", "user": f"U{i:09d}", "ts": ts, "event_ts": ts,
                         "channel": "CBENCH", "text": f"<@{BOT_USER_ID}> {asked[i % len(asked)]}"}
                answered = threading.Event()
                with lock:
                    waiting[ts] = answered
                try:
                    status, _ = sender.event(event)
                except OSError:  # refused or timed out
                    status = 0
                return status, ts, answered

            # measured warm, as a bot that has been running is (and as the in-process latency is): every
            # question asked once first, 8 at a time, untimed; the caches it fills are per clause, span
            # and word (quotes' shown text, clause verdicts, stems), none per question
            warm_started = time.perf_counter()

            def warm() -> None:
                while True:
                    with lock:
                        i = next(counter)
                    if i >= len(asked):
                        return
                    status, _, answered = ask(i)
                    if status == 200:
                        answered.wait(10)

            pool = [threading.Thread(target=warm) for _ in range(8)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            out["warm_up"] = {"questions": len(asked), "seconds": round(time.perf_counter() - warm_started, 1)}
            for n in users:
                times: list[float] = []
                errors = 0
                stop = time.perf_counter() + seconds

                def user() -> None:
                    nonlocal errors
                    while time.perf_counter() < stop:
                        with lock:
                            i = next(counter)
                        sent = time.perf_counter()
                        status, ts, answered = ask(i)  # refused or timed out: an error, and the user asks again
                        if status == 200:
                            answered.wait(10)
                        with lock:
                            if status == 200 and ts in arrived:
                                times.append((arrived[ts] - sent) * 1000)
                            else:
                                errors += 1

                before = load()
                started = time.perf_counter()
                pool = [threading.Thread(target=user) for _ in range(n)]
                for t in pool:
                    t.start()
                for t in pool:
                    t.join()
                elapsed = time.perf_counter() - started
                out["users"][str(n)] = {"answered": len(times), "errors": errors,
                                        "p50_ms": round(statistics.median(times), 1) if times else None,
                                        "p95_ms": round(percentile(times, 0.95), 1) if times else None,
                                        "qps": round(len(times) / elapsed, 1), "load": [before, load()]}
            out["seconds"] = seconds
            out["sustained_qps"] = max((u["qps"] for u in out["users"].values() if not u["errors"]), default=0.0)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            bot_log.close()
    return out


def run_eval(runtime: str) -> dict:
    """The evaluation sets with one runtime, in a child; the result is kept in .cache/bench/eval-<runtime>.json."""
    before = load()
    _, _, out = child([str(Path(__file__)), "--eval-worker", runtime])
    result = json.loads(out.splitlines()[-1]) | {"load": [before, load()],
                                                 "when": datetime.now(timezone.utc).isoformat(timespec="minutes")}
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / f"eval-{runtime}.json").write_text(json.dumps(result, indent=2))
    return result


# ---------------------------------------------------------------------------------------------- report

def machine() -> dict:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(mem) / 1024 / 1024, 1),
            "python": platform.python_version(), "load_at_start": load()}


def table(results: dict) -> str:
    lines = [f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
             f"{results['machine']['memory_gb']} GB; load at start {results['machine']['load_at_start']}"]
    head = (f"{'corpus':>8} {'clauses':>8} {'build/s':>8} {'/CPU-s':>7} {'enc/s':>6} {'re-index':>10} {'start':>7} {'RSS MB':>7} "
            f"{'p50':>6} {'p99':>6} {'p99 x4':>7} {'q/s':>6} {'bm25 p50':>9} {'dense p50':>10} "
            f"{'ans/dense':>10} {'recall':>7} {'load':>5}")
    lines += [head, "-" * len(head)]
    for size, r in results["corpora"].items():
        b, w = r["build"], r["answer"]
        build = f"{b['clauses_per_s']:.0f}" + ("*" if b.get("cached") else "")
        inc = (f"{r['incremental']['rebuild_s']:.1f}/{r['incremental']['seconds']:.0f}s"
               if r.get("incremental") else "—")
        lines.append(
            f"{size:>8} {w['clauses']:>8} {build:>8} {b.get('clauses_per_cpu_s', float('nan')):>7.0f} "
            f"{r.get('encoder', {}).get('per_s', float('nan')):>6.0f} {inc:>10} {r['cold_start']['seconds']:>6.1f}s "
            f"{max(w['peak_rss_mb'], r['cold_start']['peak_rss_mb']):>7} {w['hybrid']['p50']:>6.1f} "
            f"{w['hybrid']['p99']:>6.1f} {w['concurrent']['p99']:>7.1f} {w['throughput_qps']:>6.0f} "
            f"{w['lexical']['p50']:>9.1f} {w['dense']['p50']:>10.1f} "
            f"{w['hybrid']['p50'] / w['dense']['p50']:>10.2f} {w['recall@10']:>7.3f} {w['load'][0]:>5.1f}")
    lines.append("build/s: cold build incl. model load (* cached from an earlier run); /CPU-s: clauses per CPU-second "
                 "of that build (barely moved by load); enc/s: the encoder alone embedding 600 of the corpus's passages "
                 "in one call, this run (the ceiling of a build); re-index: after editing one "
                 "document, rebuild alone / whole `index` command; start: new process to first answer; RSS: peak of serving or cold start; latency in ms, "
                 f"warm, in process; p99 x4: with {THREADS} threads asking at once; recall: approximate vs exact top-10")
    for size, r in results["corpora"].items():
        forced = r["answer"].get("hnsw_forced")
        if forced:
            lines.append(f"HNSW over the {size} corpus's own vectors (forced; exact search is used at this size): recall@10 "
                         f"{forced['recall@10']:.3f} against exact, search p50 {forced['hnsw_p50_ms']} ms vs exact "
                         f"{forced['exact_p50_ms']} ms, graph built in {forced['build_s']} s")
    if results.get("eval"):
        lines.append("")
        lines.append(f"{'set':>14} {'system':>17} " + " ".join(f"{r:>22}" for r in results["eval"]))
        runtimes = list(results["eval"])
        first = results["eval"][runtimes[0]]
        for name, systems in first["sets"].items():
            for system, row in systems.items():
                cells = []
                for rt in runtimes:
                    got = results["eval"][rt]["sets"][name][system]
                    cells.append(f"{got['hit@1']:.2f}/{got['hit@3']:.2f}/{got['MRR']:.2f}/"
                                 f"{'—' if got['abstain(unanswerable)'] is None else format(got['abstain(unanswerable)'], '.2f')}")
                lines.append(f"{name:>14} {system:>17} " + " ".join(f"{c:>22}" for c in cells))
        lines.append("eval cells: hit@1/hit@3/MRR/abstains-on-unanswerable; " + "; ".join(
            f"{rt}: build {e['build_clauses_per_s']} clauses/s, question encode p50 {e['encode_p50_ms']} ms, "
            f"model load {e['model_load_s']} s" for rt, e in results["eval"].items()))
        if len(runtimes) == 2:
            lines.append(f"largest eval difference {runtimes[0]} vs {runtimes[1]}: {results['eval_max_difference']:.4f}")
    for h in results.get("http") or []:
        lines.append("")
        lines.append(f"HTTP: signed Slack event -> chat.postMessage at the fake Slack, {h['corpus_clauses']} clauses "
                     f"(`slack --http --workers {h['workers']}`, its own processes; warm: "
                     f"{h['warm_up']['questions']} questions asked first, untimed, in {h['warm_up']['seconds']} s)")
        lines.append(f"{'users':>6} {'answered':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'q/s':>6} {'load':>5}")
        for n, u in h["users"].items():
            lines.append(f"{n:>6} {u['answered']:>9} {u['errors']:>7} {u['p50_ms'] or 0:>8.1f} {u['p95_ms'] or 0:>8.1f} "
                         f"{u['qps']:>6.1f} {u['load'][0]:>5.1f}")
        lines.append(f"sustained without errors: {h['sustained_qps']} questions/s (best round of "
                     f"{int(h['seconds'])} s with no error)")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["corpora"].values()]
    x = [r["answer"]["clauses"] for r in rows]
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("hybrid", "answer p50"), ("lexical", "BM25-only p50"), ("dense", "dense-only p50")):
        lat.plot(x, [r["answer"][key]["p50"] for r in rows], marker="o", label=label)
    lat.plot(x, [r["answer"]["hybrid"]["p99"] for r in rows], marker="o", linestyle="--", label="answer p99")
    lat.plot(x, [r["answer"]["concurrent"]["p99"] for r in rows], marker="o", linestyle=":",
             label=f"answer p99, {THREADS} threads")
    lat.axhline(60, color="grey", linewidth=0.8, linestyle="-.", label="p99 target at 100k")
    lat.set(xscale="log", xlabel="clauses", ylabel="ms", title="Answer latency (warm, in process)")
    lat.legend(fontsize=8)
    mem.plot(x, [r["answer"]["peak_rss_mb"] for r in rows], marker="o", label="serving (questions answered)")
    mem.plot(x, [r["cold_start"]["peak_rss_mb"] for r in rows], marker="o", label="cold start, one answer")
    mem.plot(x, [r["build"]["peak_rss_mb"] for r in rows], marker="o", label="cold index build")
    mem.axhline(700, color="grey", linewidth=0.8, linestyle="-.", label="target at 20k")
    mem.set(xscale="log", xlabel="clauses", ylabel="MB", title="Peak memory (RSS)")
    mem.legend(fontsize=8)
    fig.suptitle(f"Policy Assistant, {results['machine']['cores']} cores, load {results['machine']['load_at_start']}"
                 f" ({results['when']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: default and/or clause counts")
    parser.add_argument("--rebuild", action="store_true", help="cold-build every index again")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation sets (onnx vs torch)")
    parser.add_argument("--incremental-up-to", type=int, default=20000, help="re-index timing for corpora up to this size")
    parser.add_argument("--http", default="2000", help="corpus size for the HTTP (Slack events) figures; '' skips")
    parser.add_argument("--http-workers", default="1,2", help="comma-separated worker counts for the HTTP figures")
    parser.add_argument("--worker", nargs=2, metavar=("CORPUS", "INDEX"), help=argparse.SUPPRESS)
    parser.add_argument("--eval-worker", metavar="RUNTIME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]))))
        return
    if args.eval_worker:
        print(json.dumps(eval_worker(args.eval_worker)))
        return

    results: dict = {"when": datetime.now(timezone.utc).isoformat(timespec="minutes"), "machine": machine(),
                     "targets": TARGETS, "corpora": {}}
    first_question = questions()[0]["question"]
    for size in args.sizes.split(","):
        corpus = corpus_for(size)
        print(f"[{size}] cold build (cached after the first run) ...", file=sys.stderr, flush=True)
        row: dict = {"build": cold_build(size, corpus, args.rebuild)}
        print(f"[{size}] the encoder alone on this corpus's passages ...", file=sys.stderr, flush=True)
        row["encoder"] = encoder_alone(corpus)
        index = CACHE / "index" / size
        if size == "default" or int(size) <= args.incremental_up_to:
            print(f"[{size}] re-index after editing one document ...", file=sys.stderr, flush=True)
            row["incremental"] = incremental_build(size, corpus)
        print(f"[{size}] cold start to first answer ...", file=sys.stderr, flush=True)
        row["cold_start"] = cold_start(size, corpus, first_question)
        print(f"[{size}] answering, warm ...", file=sys.stderr, flush=True)
        _, _, out = child([str(Path(__file__)), "--worker", str(corpus), str(index)])
        row["answer"] = json.loads(out.splitlines()[-1])
        results["corpora"][size] = row
    if not args.no_eval and (EVAL / "corpora").is_dir():
        results["eval"] = {}
        for runtime in ("onnx", "torch"):
            record = CACHE / f"eval-{runtime}.json"
            if record.exists() and not args.rebuild:
                results["eval"][runtime] = json.loads(record.read_text()) | {"cached": True}
                continue
            print(f"[eval] {runtime}: cold build and score of every evaluation set ...", file=sys.stderr, flush=True)
            results["eval"][runtime] = run_eval(runtime)
        results["eval_max_difference"] = max(
            abs((a or 0) - (results["eval"]["torch"]["sets"][s][system][k] or 0))
            for s, systems in results["eval"]["onnx"]["sets"].items()
            for system, row in systems.items() for k, a in row.items())
    if args.http:
        size = args.http
        print(f"[http] Slack events to the bot over HTTP at {size} ...", file=sys.stderr, flush=True)
        results["http"] = [http_bench(corpus_for(size), CACHE / "index" / size, int(w))
                           for w in args.http_workers.split(",")]
    results["machine"]["load_at_end"] = load()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2))
    plot(results, RESULTS / "bench.png")
    print(table(results))
    print(f"\nwritten: {RESULTS / 'bench.json'}, {RESULTS / 'bench.png'}")


if __name__ == "__main__":
    main()

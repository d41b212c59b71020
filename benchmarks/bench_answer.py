"""Speed and memory of answering, against simple baselines measured in the same run.

    .venv/bin/python benchmarks/bench_answer.py [--corpus DIR] [--questions FILE.jsonl] [--repeat N]

Reports: cold index build, warm engine start, per-question latency (p50/p95) of the full answer
(hybrid retrieval + verdict + quotes) next to BM25-only and dense-only retrieval on the same
engine, and peak memory. Targets: p95 answer latency under 250 ms on a 2-core machine (instant in
chat), under 3x the dense-only baseline, and peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.embeddings import Embedder  # noqa: E402
from assistant.engine import PolicyEngine  # noqa: E402
from assistant.settings import Settings  # noqa: E402

DEFAULT_QUESTIONS = [
    "Can I accept a friend request from a parent?", "Can I add a pupil as a friend on Facebook?",
    "Can I use the school logo on my blog?", "What happens if I breach the code of conduct?",
    "Can I give my mobile number to a pupil?", "Will the school post photos of my child?",
    "What should I do about my privacy settings?", "How many days of annual leave do I get?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "policy_corpus")
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    questions = DEFAULT_QUESTIONS
    if args.questions:
        questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]

    started = time.perf_counter()
    embedder = Embedder(Settings(_env_file=None).model)
    model_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, corpus_dir=args.corpus, index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        PolicyEngine.open(settings, embedder=embedder)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        engine = PolicyEngine.open(settings, embedder=embedder)
        warm_s = time.perf_counter() - started
        latencies: dict[str, list[float]] = {"answer (hybrid)": [], "bm25-only": [], "dense-only": []}
        modes = {"answer (hybrid)": "hybrid", "bm25-only": "lexical", "dense-only": "dense"}
        for _ in range(args.repeat):
            for question in questions:
                for name, mode in modes.items():
                    t = time.perf_counter()
                    engine.ask(question, mode=mode)
                    latencies[name].append((time.perf_counter() - t) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clauses = len(engine.index.clauses)
    print(f"corpus: {args.corpus} ({len(engine.index.documents)} document(s), {clauses} clauses); "
          f"{len(questions)} questions x {args.repeat}")
    print(f"model load {model_s:.2f}s, cold index build {build_s:.2f}s, warm start {warm_s:.2f}s, "
          f"peak memory {peak_mb:.0f} MB")
    print(f"{'':18}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in latencies.items():
        print(f"{name:18}{statistics.median(values):9.1f}{percentile(values, 0.95):9.1f}")
    hybrid = statistics.median(latencies["answer (hybrid)"])
    print(f"ratio answer/dense-only p50: {hybrid / statistics.median(latencies['dense-only']):.2f}; "
          f"answer/bm25-only p50: {hybrid / statistics.median(latencies['bm25-only']):.2f}")


if __name__ == "__main__":
    main()

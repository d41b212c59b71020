"""What a serving process tells operators: Prometheus metrics and one log line per answer.

The only module that imports prometheus_client. Each `Metrics` has its own registry (so every
service, and every test, counts on its own); `render()` is the `/metrics` page in Prometheus' text
format. Counters are per replica: Prometheus adds the replicas up (`sum by (outcome) (...)`). The worker
processes of one server (`serve --workers N`) share one port, so they count together, in prometheus_client's
multiprocess files (`share_between_processes`), and any of them renders the sum.

The per-answer log line goes to the `assistant.answers` logger at INFO, which `configure_logging`
shows by default; it carries the platform, outcome, latency and index build, the question's text only
when `POLICY_ASSISTANT_LOG_QUESTIONS=true`, and never a token or secret.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTCOMES = ("answered", "abstained", "refused")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

answers_log = logging.getLogger("assistant.answers")
_shared_dir: str | None = None


def share_between_processes(directory: str) -> None:
    """From now on this process's counters are kept in `directory`, summed with its sibling workers'.

    Called in a worker process before its service (and so its `Metrics`) exists."""
    global _shared_dir
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _shared_dir = directory
    values.ValueClass = values.MultiProcessValue()


@dataclass(frozen=True)
class IndexStatus:
    """What the served index looks like right now, read when /metrics is scraped."""

    build_id: str
    clauses: int
    documents_overdue: int


class _IndexCollector(Collector):
    def __init__(self, status: Callable[[], IndexStatus | None]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        status = self._status()
        if status is None:
            return
        info = InfoMetricFamily("policy_assistant_index", "The index build being served")
        info.add_metric([], {"build_id": status.build_id})
        yield info
        yield GaugeMetricFamily("policy_assistant_index_clauses", "Clauses in the served index", value=status.clauses)
        yield GaugeMetricFamily("policy_assistant_documents_overdue",
                                "Policies past their review date", value=status.documents_overdue)


class Metrics:
    """Counters of questions, latency, feedback and rate limiting, plus the served index's status."""

    def __init__(self, index_status: Callable[[], IndexStatus | None] = lambda: None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter("policy_assistant_questions", "Questions by platform and outcome",
                                 ["platform", "outcome"], registry=self.registry)
        self.latency = Histogram("policy_assistant_answer_seconds", "Time to answer a question",
                                 ["platform"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.feedback = Counter("policy_assistant_feedback", "Feedback by kind (up, down, help)", ["kind"],
                                registry=self.registry)
        self.rate_limited = Counter("policy_assistant_rate_limited", "Requests refused by the per-person rate limit",
                                    ["kind"], registry=self.registry)
        self._index = _IndexCollector(index_status)
        self.registry.register(self._index)

    def answered(self, platform: str, outcome: str, seconds: float) -> None:
        self.questions.labels(platform, outcome).inc()
        if outcome != "refused":
            self.latency.labels(platform).observe(seconds)

    def render(self) -> bytes:
        """The /metrics page: this process's counts, or every worker's summed when they share them."""
        if _shared_dir is None:
            return generate_latest(self.registry)
        summed = CollectorRegistry()
        MultiProcessCollector(summed, path=_shared_dir)
        summed.register(self._index)
        return generate_latest(summed)


def log_answer(platform: str, outcome: str, latency_ms: float, build_id: str, question_id: int,
               question: str | None = None) -> None:
    """The one log line per answer (the question text only if given: see POLICY_ASSISTANT_LOG_QUESTIONS)."""
    fields: dict[str, object] = {"platform": platform, "outcome": outcome, "latency_ms": round(latency_ms, 1),
                                 "build_id": build_id, "question_id": question_id}
    if question is not None:
        fields["question"] = question
    text = " ".join(f"{k}={json.dumps(v) if isinstance(v, str) and (' ' in v or not v) else v}"
                    for k, v in fields.items())
    answers_log.info("answer %s", text, extra={"fields": fields})


class JsonLines(logging.Formatter):
    """One JSON object per log record: time, level, logger, message and any structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "pid": record.process}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line["event"] = record.msg.split()[0] if isinstance(record.msg, str) else "log"
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(verbose: bool = False, json_lines: bool = False) -> None:
    """Warnings by default (with each answer's line), everything with `verbose`; JSON lines if asked.

    Leaves logging alone if the host program (a test runner, an embedding app) already set it up.
    """
    root = logging.getLogger()
    answers_log.setLevel(logging.INFO)
    if any(not getattr(h, "policy_assistant", False) for h in root.handlers):
        return
    for ours in list(root.handlers):
        root.removeHandler(ours)
    handler = logging.StreamHandler(sys.stderr)
    handler.policy_assistant = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)

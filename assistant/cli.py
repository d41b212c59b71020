"""The `policy-assistant` command: translates arguments into engine calls, nothing more."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import click
from pydantic import ValidationError

from .errors import ConfigError, PolicyAssistantError, QuestionError
from .settings import Settings, bundled_model_path
from .teams_package import main as teams_package


class _Group(click.Group):
    """Turns our own errors into a one-line message and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PolicyAssistantError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.Abort() from None


def _settings(**overrides) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ConfigError(f"Invalid setting {where}: {first.get('msg')}") from None


def _engine(settings: Settings, quiet: bool = False):
    """The engine, matching questions against the verified answers on record (when there is a store)."""
    from .engine import PolicyEngine

    engine = PolicyEngine.open(settings, progress=not quiet and sys.stderr.isatty())
    store = _existing_store(settings)
    if store is not None:
        engine.use_verified(store.verified_answers(include_suspended=False))
    return engine


def _existing_store(settings: Settings):
    """The store, when there is one already (answering on the terminal never creates a database file)."""
    from .store import Store

    target = settings.store_target()
    return Store(target) if isinstance(target, str) or target.exists() else None


def _service(settings: Settings):
    from .service import AnswerService

    return AnswerService.open(settings)


# a folder typed on the command line is where the person typing is (settings' own paths are under `home`)
corpus_option = click.option("--corpus", type=click.Path(path_type=Path, resolve_path=True),
                             help="Folder of policy documents.")
index_option = click.option("--index", "index_dir", type=click.Path(path_type=Path, resolve_path=True),
                            help="Folder of the index.")


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.version_option(package_name="policy-assistant")
def main(verbose: bool) -> None:
    """Answer staff questions by quoting the governing policy clause, word for word."""
    from .metrics import configure_logging

    try:
        json_lines = Settings().log_format == "json"
    except ValidationError:  # the command's own settings report it in one line
        json_lines = False
    configure_logging(verbose, json_lines=json_lines)


@main.command()
@corpus_option
@index_option
def index(corpus: Path | None, index_dir: Path | None) -> None:
    """Build (or refresh) the index of the policy folder."""
    from .embeddings import Embedder
    from .index import build_index, build_lock

    settings = _settings(corpus_dir=corpus, index_dir=index_dir)
    started = time.perf_counter()
    loading = logging.getLogger("assistant.loaders")
    level = loading.level
    loading.setLevel(logging.ERROR)  # each file skipped is said once, below, not also as it is met
    try:
        with build_lock(settings.index_dir):  # before the model loads: a second `index` waits for the first
            embedder = Embedder(settings.model, settings.encoder)
            built = build_index(settings.corpus_dir, settings.index_dir, embedder, progress=sys.stderr.isatty(),
                                max_file_bytes=settings.max_file_bytes)
    finally:
        loading.setLevel(level)
    m = built.manifest
    for problem in m.problems:
        click.echo(f"Skipped {problem}", err=True)
    for note in m.unquotable:
        click.echo(f"Check {note}", err=True)
    documents = f"{m.documents} document{'s' if m.documents != 1 else ''}"
    click.echo(f"Indexed {m.clauses} clauses from {documents} into {settings.index_dir} "
               f"({m.embedded} embedded, {m.clauses - m.embedded} from cache) in {time.perf_counter() - started:.1f}s")
    store = _existing_store(settings)
    if store is not None:  # keep verified answers true to the policies as they now read
        from .engine import PolicyEngine
        from .service import AnswerService

        service = AnswerService(settings, PolicyEngine(settings, built, embedder), store)
        for answer in service.sync_verified():
            owner = f" ({answer.owner_id})" if answer.owner_id else ""
            click.echo(f"Suspended verified answer #{answer.id}, verified by {answer.verified_by}{owner}: "
                       f"{answer.suspended}", err=True)


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON; without a question, answer stdin line by line.")
@corpus_option
@index_option
@click.option("--scope", help="Only search this policy (its source path, or a glob pattern).")
@click.option("--all", "every_clause", is_flag=True, help="Quote every ranked clause, not only the one that answers.")
def ask(question: str | None, as_json: bool, corpus: Path | None, index_dir: Path | None, scope: str | None,
        every_clause: bool) -> None:
    """Answer a question from the policies."""
    from .render import answer_text

    if question is None and not as_json:
        raise click.UsageError("Give a question, or use --json to read one question per line from standard input.")
    engine = _engine(_settings(corpus_dir=corpus, index_dir=index_dir), quiet=as_json)
    if question is not None:
        answer = engine.ask(question, scope=scope)
        click.echo(answer.model_dump_json(indent=2) if as_json else answer_text(answer, every_clause=every_clause))
        return
    failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        item_question = line.strip()
        try:
            item_question, item_scope = _batch_item(line, scope)
            click.echo(engine.ask(item_question, scope=item_scope).model_dump_json())
        except PolicyAssistantError as exc:
            failed += 1
            click.echo(json.dumps({"line": number, "question": item_question[:200], "error": str(exc)}))
    if failed:
        raise click.ClickException(f"{failed} question(s) could not be answered; see their \"error\" lines")


def _batch_item(line: str, scope: str | None) -> tuple[str, str | None]:
    """A batch line: plain question text, or a JSON object with a string "question" (and "scope")."""
    text = line.strip()
    if not text.startswith("{"):
        return text, scope
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuestionError(f"Not valid JSON ({exc.msg} at column {exc.colno}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        raise QuestionError('A JSON line needs a "question" that is text.')
    item_scope = data.get("scope")
    if item_scope is not None and not isinstance(item_scope, str):
        raise QuestionError('"scope" must be text (a policy source or a glob pattern).')
    return data["question"], item_scope if item_scope is not None else scope


@main.command(name="eval")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@corpus_option
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_(file: Path, corpus: Path | None, index_dir: Path | None, as_json: bool) -> None:
    """Score answers against gold quotes and verdicts, with the naive paragraph, BM25-only and dense-only baselines."""
    from .evaluation import evaluate_all, read_questions, table, to_json

    settings = _settings(corpus_dir=corpus, index_dir=index_dir)
    if index_dir is None and corpus is not None:  # keep evaluation indexes apart from the product's
        settings = _eval_settings(corpus)
    questions = read_questions(file)
    engine = _engine(settings, quiet=as_json)
    # the naive baseline's paragraph vectors are cached beside an evaluation index, never in the product's
    runs = evaluate_all(engine, questions, settings.index_dir if index_dir is None and corpus is not None else None)
    if as_json:
        click.echo(to_json(runs))
        return
    click.echo(f"{file.name}: {runs[0].answerable} answerable, {runs[0].unanswerable} unanswerable questions")
    for line in table(runs):
        click.echo(line)
    if runs[0].misses:
        shown = runs[0].misses[:20]
        more = f" and {len(runs[0].misses) - len(shown)} more" if len(runs[0].misses) > len(shown) else ""
        click.echo(f"not first: {', '.join(shown)}{more}")
    if runs[0].wrong_rulings:
        click.echo(f"wrong rulings: {', '.join(runs[0].wrong_rulings)}")


def _eval_settings(corpus: Path) -> Settings:
    """Settings whose index for this corpus is kept apart from the product's (under <home>/.cache/eval-index)."""
    key = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:12]
    settings = _settings(corpus_dir=corpus)
    return settings.model_copy(update={"index_dir": settings.home / ".cache" / "eval-index" / key})


@main.command(name="eval-thresholds")
@click.argument("pairs", nargs=-1, required=True, metavar="QUESTIONS.jsonl=CORPUS...")
def eval_thresholds(pairs: tuple[str, ...]) -> None:
    """Choose the abstention and ruling thresholds on all sets together, and score each set left out."""
    from dataclasses import asdict

    from .calibration import CalibrationSetting, Weighing, calibration_for
    from .embeddings import Embedder
    from .engine import PolicyEngine
    from .evaluation import (abstention_figures, choose_thresholds, collect_signals, leave_one_set_out,
                             read_questions, ruling_figures, set_names)

    signals = []
    embedder = None
    split = [pair.partition("=") for pair in pairs]
    for pair, (_, sep, _) in zip(pairs, split):
        if not sep:
            raise click.UsageError(f"{pair!r}: expected QUESTIONS.jsonl=CORPUS")
    files = [Path(file) for file, _, _ in split]
    for file, name, (_, _, corpus) in zip(files, set_names(files), split):
        settings = _eval_settings(Path(corpus))
        embedder = embedder or Embedder(settings.model, settings.encoder)
        engine = PolicyEngine.open(settings, embedder=embedder)
        signals += collect_signals(engine, read_questions(file), name)
    t = choose_thresholds(signals)
    w = t.weights
    r = t.ruling_weights or w
    click.echo(f"all sets: answer when closeness + {w.coverage:g} coverage + {w.lead:g} lead + {w.agreement:g} "
               f"agreement {w.missing:+g} missing >= {t.answer:.3f}; rule when closeness + {r.coverage:g} coverage + "
               f"{r.lead:g} lead + {r.agreement:g} agreement {r.missing:+g} missing >= {t.ruling:.3f}")
    abstention, rulings = abstention_figures(signals, t), ruling_figures(signals, t)
    click.echo(f"{'set (all sets chosen)':22}{'abstain':>9}{'false-abstain':>15}{'rulings':>9}{'wrong':>7}{'precision':>11}"
               f"{'coverage':>10}")
    for name, (abstained, refused) in abstention.items():
        stated, right, due = rulings.get(name, (0, 0, 0))
        figures = [abstained, refused] + ([stated, stated - right, right / stated if stated else None,
                                           right / due if due else None] if name in rulings else [None] * 4)
        click.echo(f"{name:22}" + "".join(f"{'—' if v is None else v if isinstance(v, int) else f'{v:.2f}':>{w}}"
                                          for v, w in zip(figures, (9, 15, 9, 7, 11, 10))))
    click.echo(f"{'left out':22}{'weights':>20}{'answer':>8}{'rule':>7}{'abstain':>9}{'false-abstain':>15}"
               f"{'rulings':>9}{'wrong':>7}{'precision':>11}{'coverage':>10}")

    def cell(v: float | int | None, width: int, digits: int = 2) -> str:
        return f"{'—':>{width}}" if v is None else f"{v:>{width}}" if isinstance(v, int) else f"{v:>{width}.{digits}f}"

    for name, row in leave_one_set_out(signals).items():
        rule = row["ruling"]
        weights = f"{row['coverage_weight']:g}/{row['lead_weight']:g}/{row['agreement_weight']:g}/{row['missing_weight']:g}"
        click.echo(f"{name:22}{weights:>20}{cell(row['answer'], 8, 3)}{cell(rule, 7, 3)}"
                   f"{cell(row['abstain(unanswerable)'], 9)}{cell(row['false_abstain'], 15)}{cell(row.get('rulings'), 9)}"
                   f"{cell(row.get('wrong_rulings'), 7)}{cell(row.get('ruling_precision'), 11)}"
                   f"{cell(row.get('ruling_coverage'), 10)}")

    chosen = CalibrationSetting(answer=Weighing(**asdict(w), threshold=t.answer),
                                ruling=Weighing(**asdict(r), threshold=t.ruling))
    in_use, _ = calibration_for(embedder.name, settings.calibration, bundled_model_path())
    same = chosen.answer == in_use.answer and chosen.ruling == in_use.ruling
    click.echo(f"model {embedder.name}: {'these are the numbers in use' if same else 'to use these, set'}\n"
               f"POLICY_ASSISTANT_CALIBRATION='{chosen.model_dump_json(exclude_none=True)}'")


@main.command()
@corpus_option
@index_option
def chat(corpus: Path | None, index_dir: Path | None) -> None:
    """Try questions interactively (empty line or Ctrl-D to quit)."""
    from .render import answer_text

    engine = _engine(_settings(corpus_dir=corpus, index_dir=index_dir))
    click.echo("Ask about the policies. An empty line quits.")
    while True:
        try:
            question = input("? ")
        except EOFError:
            break
        if not question.strip():
            break
        try:
            click.echo(answer_text(engine.ask(question)) + "\n")
        except PolicyAssistantError as exc:
            click.echo(f"Error: {exc}\n", err=True)


@main.command(name="list")
@corpus_option
@index_option
def list_(corpus: Path | None, index_dir: Path | None) -> None:
    """List the policies with their review status."""
    from .render import documents_text

    click.echo(documents_text(_engine(_settings(corpus_dir=corpus, index_dir=index_dir)).documents()))


@main.command()
@click.option("--limit", default=20, show_default=True, help="How many topics to show.")
def gaps(limit: int) -> None:
    """Questions the policies could not answer, grouped by topic, most asked first (for policy owners)."""
    from .embeddings import Embedder
    from .insights import unanswered_topics
    from .store import Store

    settings = _settings()
    found = Store(settings.store_target()).gaps(limit=1000)
    if not found:
        click.echo("No unanswered questions recorded.")
        return
    for topic in unanswered_topics(found, Embedder(settings.model, settings.encoder))[:limit]:
        click.echo(f"{topic.times:4}×  {topic.questions[0].question}  (last asked {topic.last_asked})")
        for other in topic.questions[1:]:
            click.echo(f"{'':7}also: {other.question} ({other.times}×)")


host_option = click.option("--host", help="Address to listen on (default 0.0.0.0; 127.0.0.1 while Teams is anonymous).")
workers_option = click.option("--workers", type=click.IntRange(1, 64),
                              help="Serving processes sharing the port, about one per core (default "
                                   "POLICY_ASSISTANT_WORKERS or 1); each loads the model and index.")
rebuild_option = click.option("--rebuild", is_flag=True,
                              help="Build the index at start if it is missing or stale (otherwise only "
                                   "`policy-assistant index` builds it; running bots switch to each new build).")


@main.command()
@click.option("--since", default="30d", show_default=True, help="How far back: e.g. 7d, 30d, 90d.")
@click.option("--html", "html_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write a self-contained HTML page with charts here.")
@index_option
def report(since: str, html_file: Path | None, index_dir: Path | None) -> None:
    """The policy owner's report: questions per day, gaps, 👎 answers, suggestions, overdue policies."""
    from .embeddings import Embedder
    from .report import build_report, report_html, report_text
    from .store import Store

    days = since.strip().lower().removesuffix("d")
    if not days.isdigit() or not 0 < int(days) <= 3660:
        raise click.BadParameter("use a number of days such as 30d", param_hint="--since")
    settings = _settings(index_dir=index_dir)
    documents = _documents(settings)
    store = Store(settings.store_target())
    embedder = Embedder(settings.model, settings.encoder) if store.gaps(limit=1) else None
    built = build_report(store, documents, embedder, since_days=int(days), today=settings.today)
    click.echo(report_text(built))
    if html_file is not None:
        html_file.write_text(report_html(built), encoding="utf-8")
        click.echo(f"\nWrote {html_file}")


def _documents(settings: Settings):
    """The policies with their review status, from the index alone (no model load); [] without an index."""
    from .errors import IndexError_
    from .index import load_index
    from .models import DocumentStatus

    try:
        index = load_index(settings.index_dir)
    except IndexError_:
        return []
    today = settings.review_date()
    return [DocumentStatus(source=d.source, title=d.title, contact=d.contact, last_reviewed=d.last_reviewed,
                           dated=d.dated, review_due=d.review_due_label,
                           overdue=bool(d.review_due and d.review_due < today), clauses=0)
            for d in index.documents]


@main.command()
@click.option("--http", is_flag=True, help="Serve the Events API over HTTP instead of Socket Mode.")
@host_option
@click.option("--port", default=3000, show_default=True, help="HTTP port (with --http).")
@workers_option
@rebuild_option
@corpus_option
@index_option
def slack(http: bool, host: str | None, port: int, workers: int | None, rebuild: bool, corpus: Path | None,
          index_dir: Path | None) -> None:
    """Run the Slack bot (Socket Mode by default)."""
    from .server import run, slack_serving

    run(slack_serving(_settings(corpus_dir=corpus, index_dir=index_dir, workers=workers), http, host, port, rebuild))


@main.command()
@host_option
@click.option("--port", default=3978, show_default=True)
@workers_option
@rebuild_option
@corpus_option
@index_option
def teams(host: str | None, port: int, workers: int | None, rebuild: bool, corpus: Path | None,
          index_dir: Path | None) -> None:
    """Run the Microsoft Teams bot on /api/messages."""
    from .server import run, teams_serving

    run(teams_serving(_settings(corpus_dir=corpus, index_dir=index_dir, workers=workers), host, port, rebuild))


@main.command()
@host_option
@click.option("--port", default=8080, show_default=True)
@workers_option
@rebuild_option
@corpus_option
@index_option
def serve(host: str | None, port: int, workers: int | None, rebuild: bool, corpus: Path | None,
          index_dir: Path | None) -> None:
    """Serve every configured platform on one port: /slack/events, /api/messages, /healthz, /readyz."""
    from .server import all_serving, run

    run(all_serving(_settings(corpus_dir=corpus, index_dir=index_dir, workers=workers), host, port, rebuild))


main.add_command(teams_package, name="teams-package")


# ---------------------------------------------------------------------------------------- verified answers


@main.group()
def verified() -> None:
    """Verified answers: the clause an owner confirmed for a question, given first to questions like it."""


def _verdict(value: str | None):
    from .models import Verdict

    return Verdict(value) if value else None


verdict_choice = click.Choice(["prohibited", "advised_against", "needs_permission", "required", "permitted",
                               "information"])


@verified.command(name="add")
@click.option("--question", "questions", multiple=True, required=True, help="An example question (repeatable).")
@click.option("--source", required=True, help="The policy's source path (see `policy-assistant list`).")
@click.option("--quote", required=True, help="The clause's exact words.")
@click.option("--verdict", type=verdict_choice, help="Your reading of the clause, shown as the verdict.")
@click.option("--by", "verified_by", default=lambda: os.environ.get("USER") or "policy owner",
              show_default="$USER", help="Who verified it.")
@corpus_option
@index_option
def verified_add(questions: tuple[str, ...], source: str, quote: str, verdict: str | None, verified_by: str,
                 corpus: Path | None, index_dir: Path | None) -> None:
    """Verify that a clause answers a question."""
    service = _service(_settings(corpus_dir=corpus, index_dir=index_dir))
    added = service.verify(list(questions), source, quote, verified_by=verified_by, verdict=_verdict(verdict))
    click.echo(f"Verified answer #{added.id}: {added.source} \u201c{added.quote}\u201d ({len(added.questions)} question(s))")


@verified.command(name="import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--by", "verified_by", default=lambda: os.environ.get("USER") or "policy owner", show_default="$USER")
@corpus_option
@index_option
def verified_import(file, verified_by: str, corpus: Path | None, index_dir: Path | None) -> None:
    """Import verified answers from JSON lines (evaluation format, or `verified export`'s)."""
    from .verified import read_verified_lines

    service = _service(_settings(corpus_dir=corpus, index_dir=index_dir))
    added, problems = 0, []
    for n, item in read_verified_lines(file, verified_by):
        if isinstance(item, str):
            problems.append(f"line {n}: {item}")
            continue
        try:
            service.verify(item.questions, item.source, item.quote, verified_by=item.verified_by,
                           verdict=item.verdict, owner_id=item.owner_id, platform=item.platform)
            added += 1
        except PolicyAssistantError as exc:
            problems.append(f"line {n}: {exc}")
    for problem in problems:
        click.echo(f"Skipped {problem}", err=True)
    click.echo(f"Imported {added} verified answer(s); {len(problems)} skipped.")


@verified.command(name="export")
def verified_export() -> None:
    """Every verified answer as JSON lines (to keep, or to import elsewhere)."""
    from .store import Store

    for answer in Store(_settings().store_target()).verified_answers():
        click.echo(answer.model_dump_json())


@verified.command(name="list")
def verified_list() -> None:
    """Verified answers, with suspended ones marked."""
    from .render import verified_text
    from .store import Store

    click.echo(verified_text(Store(_settings().store_target()).verified_answers()))


@verified.command(name="remove")
@click.argument("verified_id", type=int)
def verified_remove(verified_id: int) -> None:
    """Remove a verified answer."""
    from .store import Store

    if not Store(_settings().store_target()).remove_verified(verified_id):
        raise click.ClickException(f"No verified answer #{verified_id}; `verified list` shows them.")
    click.echo(f"Removed verified answer #{verified_id}.")


@verified.command(name="suggestions")
@click.option("--accept", "accept_ids", type=int, multiple=True, help="Accept suggestion ID (repeatable).")
@click.option("--reject", "reject_ids", type=int, multiple=True, help="Reject suggestion ID (repeatable).")
@click.option("--by", "decided_by", default=lambda: os.environ.get("USER") or "policy owner", show_default="$USER")
@corpus_option
@index_option
def verified_suggestions(accept_ids: tuple[int, ...], reject_ids: tuple[int, ...], decided_by: str,
                         corpus: Path | None, index_dir: Path | None) -> None:
    """Clauses staff said answered them: list the pending ones, or accept / reject them."""
    from .render import suggestions_text
    from .store import Store

    settings = _settings(corpus_dir=corpus, index_dir=index_dir)
    if not accept_ids and not reject_ids:
        click.echo(suggestions_text(Store(settings.store_target()).suggestions()))
        return
    service = _service(settings)
    for suggestion_id, accept in [(i, True) for i in accept_ids] + [(i, False) for i in reject_ids]:
        decided = service.decide(suggestion_id, accept, decided_by)
        click.echo(f"Suggestion #{decided.id} {decided.status}.")

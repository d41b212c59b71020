"""The policy owner's report: what staff asked, what went unanswered, what was wrong, what to review.

`build_report` gathers the figures from the store and the index into an `OwnerReport`;
`report_text` renders terminal tables and `report_html` a self-contained page (inline SVG charts,
inline CSS, no scripts, nothing fetched) that a headteacher can open from an e-mail attachment.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from .embeddings import Embedder
from .insights import Topic, unanswered_topics
from .models import Citation, DocumentStatus, Suggestion
from .store import Gap, Store

TOP = 10


@dataclass
class DayCount:
    day: str
    answered: int
    abstained: int


@dataclass
class DislikedAnswer:
    """An answer someone marked 👎, with the clauses it cited."""

    question_id: int
    question: str
    asked_at: str
    downs: int
    citations: list[Citation]


@dataclass
class OwnerReport:
    since: str
    until: str
    days: list[DayCount] = field(default_factory=list)
    most_asked: list[tuple[str, int]] = field(default_factory=list)
    gaps: list[Topic] = field(default_factory=list)
    disliked: list[DislikedAnswer] = field(default_factory=list)
    top_sections: list[tuple[str, int]] = field(default_factory=list)
    verified_answered: int = 0
    suggestions: list[Suggestion] = field(default_factory=list)
    overdue: list[DocumentStatus] = field(default_factory=list)

    @property
    def asked(self) -> int:
        return sum(d.answered + d.abstained for d in self.days)

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)

    @property
    def verified_share(self) -> float:
        return self.verified_answered / self.answered if self.answered else 0.0


def build_report(store: Store, documents: list[DocumentStatus], embedder: Embedder | None, since_days: int = 30,
                 today: date | None = None) -> OwnerReport:
    """The report over the last `since_days` days (today included)."""
    today = today or datetime.now(timezone.utc).date()
    start = today - timedelta(days=since_days - 1)
    asked = [q for q in store.questions(status="answered") if q.answer and q.asked_at[:10] >= start.isoformat()]
    report = OwnerReport(since=start.isoformat(), until=today.isoformat())
    per_day: dict[str, DayCount] = {}
    for n in range(since_days):
        day = (start + timedelta(days=n)).isoformat()
        per_day[day] = DayCount(day, 0, 0)
    wording: Counter[str] = Counter()
    shown: dict[str, str] = {}
    sections: Counter[str] = Counter()
    unanswered: dict[str, Gap] = {}
    for q in asked:
        assert q.answer is not None
        count = per_day.setdefault(q.asked_at[:10], DayCount(q.asked_at[:10], 0, 0))
        key = " ".join(q.answer.question.lower().split())
        wording[key] += 1
        shown.setdefault(key, q.answer.question)
        if q.answer.answered:
            count.answered += 1
            report.verified_answered += q.answer.verified_id is not None
            if q.answer.citations:
                sections[q.answer.citations[0].where] += 1
        else:
            count.abstained += 1
            gap = unanswered.get(key)
            unanswered[key] = Gap(question=shown[key], times=(gap.times if gap else 0) + 1,
                                  last_asked=max(q.asked_at, gap.last_asked) if gap else q.asked_at)
    report.days = sorted(per_day.values(), key=lambda d: d.day)
    report.most_asked = [(shown[k], n) for k, n in wording.most_common(TOP)]
    report.top_sections = sections.most_common(TOP)
    if unanswered and embedder is not None:
        report.gaps = unanswered_topics(list(unanswered.values()), embedder)[:TOP]
    elif unanswered:
        report.gaps = [Topic([g]) for g in sorted(unanswered.values(), key=lambda g: -g.times)][:TOP]
    by_id = {q.id: q for q in asked}
    downs: Counter[tuple[str, tuple[str, ...]]] = Counter()
    latest: dict[tuple[str, tuple[str, ...]], int] = {}
    for f in store.feedback():
        if f.rating == "down" and f.question_id in by_id:
            answer = by_id[f.question_id].answer
            key = (" ".join(answer.question.lower().split()), tuple(c.clause_id for c in answer.citations))
            downs[key] += 1  # the same answer to the same words counts once, with all its 👎
            latest[key] = max(latest.get(key, 0), f.question_id)
    for key, n in downs.most_common(TOP):
        stored = by_id[latest[key]]
        report.disliked.append(DislikedAnswer(stored.id, stored.answer.question, stored.asked_at, n,
                                              stored.answer.citations or stored.answer.related))
    report.suggestions = store.suggestions()
    report.overdue = [d for d in documents if d.overdue]
    return report


# ---------------------------------------------------------------------------------------- terminal


def _table(title: str, header: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"{title}\n  {empty}"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    widths = [min(w, 70) for w in widths]
    line = lambda cells: "  " + "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([title, line(header), "  " + "  ".join("-" * w for w in widths), *map(line, rows)])


def report_text(report: OwnerReport) -> str:
    """Terminal tables."""
    share = f"{report.verified_share:.0%}" if report.answered else "—"
    parts = [
        f"Policy Assistant report, {report.since} to {report.until}",
        f"{report.asked} questions, {report.answered} answered, {report.asked - report.answered} abstained; "
        f"answered from verified answers: {report.verified_answered} ({share})",
        _table("Questions per day", ["day", "answered", "abstained"],
               [[d.day, str(d.answered), str(d.abstained)] for d in report.days if d.answered or d.abstained],
               "No questions in this period."),
        _table("Most asked", ["times", "question"], [[str(n), q] for q, n in report.most_asked], "None."),
        _table("Unanswered, grouped by meaning (the policies' gaps)", ["times", "question", "also asked as"],
               [[str(t.times), t.questions[0].question, "; ".join(g.question for g in t.questions[1:])]
                for t in report.gaps], "None."),
        _table("Answers marked not helpful (👎)", ["times", "question", "cited"],
               [[str(d.downs), d.question, " | ".join(c.where for c in d.citations[:3])] for d in report.disliked],
               "None."),
        _table("Top sections cited", ["times", "section"], [[str(n), s] for s, n in report.top_sections], "None."),
        _table("Pending suggestions (`verified suggestions`)", ["#", "question", "clause"],
               [[str(s.id), s.question, f"{s.source}: {s.quote}"] for s in report.suggestions], "None."),
        _table("Policies past their review date", ["policy", "review due", "contact"],
               [[d.title, d.review_due or "", d.contact or ""] for d in report.overdue], "None."),
    ]
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}
.sub{color:#5b6474;margin:0 0 20px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin-bottom:16px}
.kpi{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.kpi b{display:block;font-size:26px}.kpi span{color:#5b6474;font-size:13px}
.grid{display:grid;grid-template-columns:2fr 1fr;gap:16px;margin-bottom:16px}
.card{background:#fff;border-radius:10px;padding:16px;box-shadow:0 1px 2px rgba(0,0,0,.08);margin-bottom:16px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e8ec;vertical-align:top}
th{color:#5b6474;font-weight:600}td.n{text-align:right;width:56px}
.legend{font-size:13px;color:#5b6474}.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
.quote{color:#3a4252;font-style:italic}.empty{color:#5b6474}
svg text{font-family:inherit}
"""
ANSWERED, ABSTAINED, BAR = "#2e7d5b", "#d9822b", "#3b6ea8"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def days_chart(days: list[DayCount], width: int = 620, height: int = 220) -> str:
    """Stacked bars: answered and abstained questions per day."""
    left, bottom, top = 36, 28, 10
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max([d.answered + d.abstained for d in days] + [1])
    step = plot_w / max(len(days), 1)
    bar = max(step * 0.7, 1)
    parts = [f'<svg id="chart-days" role="img" aria-label="Questions per day, answered and abstained" '
             f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">']
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e8ec"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6474">{tick}</text>')
    for n, d in enumerate(days):
        x = left + n * step + (step - bar) / 2
        h_ans = plot_h * d.answered / peak
        h_abs = plot_h * d.abstained / peak
        y_ans = top + plot_h - h_ans
        title = f"{d.day}: {d.answered} answered, {d.abstained} abstained"
        parts.append(f'<g class="day"><title>{_e(title)}</title>'
                     f'<rect class="answered" x="{x:.1f}" y="{y_ans:.1f}" width="{bar:.1f}" height="{h_ans:.1f}" fill="{ANSWERED}"/>'
                     f'<rect class="abstained" x="{x:.1f}" y="{y_ans - h_abs:.1f}" width="{bar:.1f}" height="{h_abs:.1f}" fill="{ABSTAINED}"/></g>')
    for n, d in enumerate(days):
        if n % max(1, len(days) // 6) == 0 or n == len(days) - 1:
            x = left + n * step + step / 2
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="middle" fill="#5b6474">{_e(d.day[5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def share_chart(answered: int, abstained: int, size: int = 180) -> str:
    """A ring: the share of questions answered against abstained."""
    total = answered + abstained
    r, c = 60, size / 2
    circumference = 2 * 3.14159265 * r
    part = circumference * (answered / total if total else 0)
    label = f"{answered / total:.0%}" if total else "—"
    return (f'<svg id="chart-answered" role="img" aria-label="Answered against abstained" viewBox="0 0 {size} {size}" '
            f'width="{size}" height="{size}" xmlns="http://www.w3.org/2000/svg">'
            f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="{ABSTAINED if total else "#e6e8ec"}" stroke-width="22"/>'
            f'<circle class="answered" cx="{c}" cy="{c}" r="{r}" fill="none" stroke="{ANSWERED}" stroke-width="22" '
            f'stroke-dasharray="{part:.1f} {circumference:.1f}" transform="rotate(-90 {c} {c})"/>'
            f'<text x="{c}" y="{c + 2}" font-size="26" font-weight="700" text-anchor="middle">{label}</text>'
            f'<text x="{c}" y="{c + 22}" font-size="12" text-anchor="middle" fill="#5b6474">answered</text></svg>')


def sections_chart(sections: list[tuple[str, int]], width: int = 960) -> str:
    """Horizontal bars: the sections most often quoted first."""
    row, label_w = 26, 430
    height = max(row * len(sections), row) + 6
    peak = max([n for _, n in sections] + [1])
    parts = [f'<svg id="chart-sections" role="img" aria-label="Top sections cited" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">']
    if not sections:
        parts.append(f'<text x="0" y="18" font-size="13" fill="#5b6474">No answers in this period.</text>')
    for n, (where, count) in enumerate(sections):
        y = n * row + 4
        name = where if len(where) <= 64 else where[:63] + "…"
        w = (width - label_w - 50) * count / peak
        parts.append(f'<g class="section"><title>{_e(where)}: {count}</title>'
                     f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">{_e(name)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" rx="3" fill="{BAR}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="#5b6474">{count}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _quote(quote: str, limit: int = 160) -> str:
    """A quote in quotation marks, cut at a word when long (the ellipsis stands outside the marks)."""
    words = quote.split()
    shown, more = [], False
    for word in words:
        if len(" ".join(shown + [word])) > limit:
            more = True
            break
        shown.append(word)
    return f'<span class="quote">“{_e(" ".join(shown))}”</span>{"…" if more else ""}'


def _html_table(table_id: str, header: list[str], rows: list[list[str]], empty: str) -> str:
    """A table of already-escaped cells (numbers right-aligned)."""
    if not rows:
        return f'<p class="empty" id="{table_id}-empty">{_e(empty)}</p>'
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if c.isdigit() else f"<td>{c}</td>" for c in r)
                   + "</tr>" for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def report_html(report: OwnerReport) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no links out."""
    abstained = report.asked - report.answered
    share = f"{report.verified_share:.0%}" if report.answered else "—"
    kpis = [(report.asked, "questions asked"), (report.answered, "answered"), (abstained, "abstained (policy silent)"),
            (share, "answered from verified answers")]
    cards = [
        ("Most asked questions", _html_table("most-asked", ["times", "question"],
                                             [[str(n), _e(q)] for q, n in report.most_asked], "No questions yet.")),
        ("Unanswered questions, grouped by meaning", _html_table(
            "gaps", ["times", "question", "also asked as"],
            [[str(t.times), _e(t.questions[0].question), _e("; ".join(g.question for g in t.questions[1:]))]
             for t in report.gaps], "Every question found an answer.")),
        ("Answers marked not helpful, with the clauses they cited", _html_table(
            "disliked", ["times", "question", "cited"],
            [[str(d.downs), _e(d.question), "<br>".join(f"{_quote(c.quote)} — {_e(c.where)}" for c in d.citations[:3])]
             for d in report.disliked], "No answer was marked not helpful.")),
        ("Suggestions waiting for an owner", _html_table(
            "suggestions", ["#", "question", "clause", "from"],
            [[str(s.id), _e(s.question), f"{_quote(s.quote)} — {_e(s.source)}", _e(s.suggested_by or "")]
             for s in report.suggestions], "No pending suggestions.")),
        ("Policies past their review date", _html_table(
            "overdue", ["policy", "review due", "contact"],
            [[_e(d.title), _e(d.review_due or ""), _e(d.contact or "")] for d in report.overdue],
            "Every policy is within its review date.")),
    ]
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Policy Assistant report {report.since} to {report.until}</title><style>{_CSS}</style></head><body><main>",
        "<h1>Policy Assistant report</h1>",
        f'<p class="sub">{_e(report.since)} to {_e(report.until)}</p>',
        '<section class="kpis">' + "".join(f'<div class="kpi"><b>{_e(v)}</b><span>{_e(t)}</span></div>' for v, t in kpis)
        + "</section>",
        '<section class="grid"><div class="card"><h2>Questions per day</h2>', days_chart(report.days),
        f'<div class="legend"><span class="sw" style="background:{ANSWERED}"></span>answered'
        f'<span class="sw" style="background:{ABSTAINED}"></span>abstained</div></div>',
        '<div class="card"><h2>Answered vs abstained</h2>', share_chart(report.answered, abstained),
        f'<div class="legend">{report.answered} answered, {abstained} abstained</div></div></section>',
        '<section class="card"><h2>Top sections cited</h2>', sections_chart(report.top_sections), "</section>",
        *(f'<section class="card"><h2>{_e(title)}</h2>{body}</section>' for title, body in cards),
        "</main></body></html>",
    ])

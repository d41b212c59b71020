"""Plain-text rendering of answers, for the terminal (the chat edges have their own renderers)."""

from __future__ import annotations

import textwrap
from collections import Counter

from .models import Answer, Citation, DocumentStatus, Suggestion, VerifiedAnswer


def citation_text(citation: Citation, width: int = 88, review: bool = True) -> str:
    """A quote with where it stands (every place, when the same words stand in several)."""
    lines = []
    if citation.context:
        lines.append(f"  (under \u201c{citation.context}\u201d)")
    if citation.columns:
        lines.append("  (columns: " + " \u00b7 ".join(f"\u201c{c}\u201d" for c in citation.columns) + ")")
    # a quote cut from a longer sentence says so outside its quotation marks: "…“words”…"
    quoted = (f"{'…' if citation.cut_before else ''}\u201c{citation.quote}\u201d"
              f"{'…' if citation.cut_after else ''}").split("\n")  # a short list keeps one item a line
    for n, line in enumerate(quoted):  # a blank line (between a table's rows) stays
        lines += textwrap.wrap(line, width=width, initial_indent="  " if n == 0 else "   ",
                               subsequent_indent="   ") or [""]
    due = f"  (review due {citation.review_due})" if review and citation.review_due else ""
    lines.append(f"  \u2014 {citation.places}{due}")
    if citation.verified:
        lines.append(f"  \u2714 {citation.verified}")
    return "\n".join(lines)


def answer_text(answer: Answer, width: int = 88, every_clause: bool = False) -> str:
    """The answer as it reads in chat: verdict, the clause that answers with where it stands, the review
    warning once, the contact; the other ranked clauses are named under "More clauses" (all quoted
    with `every_clause`)."""
    parts = [answer.verdict_line]
    shown = answer.citations if every_clause and answer.answered else answer.shown
    if not answer.answered and shown:
        parts.append("The closest clauses I found (they may not answer your question):")
    parts += [citation_text(c, width, review=not answer.warnings) for c in shown]
    rest = [] if every_clause else answer.held_back
    if rest:
        places = Counter(c.where for c in rest)  # one section's clauses named once, with their count
        parts.append("More clauses (`ask --all` quotes them): " + "; ".join(
            where if n == 1 else f"{where} ({n} clauses)" for where, n in places.items()))
    parts += [f"Warning: {w}" for w in answer.warnings]
    if answer.answered:
        parts.append(f"Still unsure? Ask {answer.contact}.")
    return "\n\n".join(parts)


def documents_text(documents: list[DocumentStatus]) -> str:
    rows = []
    for d in documents:
        status = "OVERDUE for review" if d.overdue else "current"
        due = d.review_label
        owner = f"; contact: {d.contact}" if d.contact else ""
        rows.append(f"{d.source}\n  {d.title} — {due} ({status}); {d.clauses} clauses{owner}")
    return "\n".join(rows)


def verified_text(answers: list[VerifiedAnswer]) -> str:
    """`verified list`: each verified answer, its questions and clause; suspended ones say why."""
    if not answers:
        return "No verified answers yet (`policy-assistant verified add --help`)."
    rows = []
    for a in answers:
        status = f"SUSPENDED: {a.suspended}" if a.suspended else "active"
        verdict = f"; verdict: {a.verdict.value}" if a.verdict else ""
        rows.append(f"#{a.id} [{status}] {a.label}{verdict}\n  {a.source}: \u201c{a.quote}\u201d\n"
                    + "\n".join(f"  Q: {q}" for q in a.questions))
    return "\n".join(rows)


def suggestions_text(suggestions: list[Suggestion]) -> str:
    """`verified suggestions`: clauses staff said answered them, waiting for an owner."""
    if not suggestions:
        return "No pending suggestions."
    return "\n".join(f"#{s.id} from {s.suggested_by or 'someone'} on {s.platform}, {s.suggested_at[:10]}\n"
                     f"  Q: {s.question}\n  {s.source}: \u201c{s.quote}\u201d"
                     for s in suggestions) + "\n(accept with `verified suggestions --accept ID`, reject with --reject ID)"

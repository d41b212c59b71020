"""Plain-text rendering of answers, for the terminal (the chat edges have their own renderers)."""

from __future__ import annotations

import textwrap

from .models import Answer, Citation, DocumentStatus, Suggestion, VerifiedAnswer


def citation_text(citation: Citation, width: int = 88) -> str:
    lines = []
    if citation.context:
        lines.append(f"  (under \"{citation.context}\")")
    quoted = f"\u201c{citation.quote}\u201d".split("\n")  # a short list keeps one item a line
    for n, line in enumerate(quoted):
        lines += textwrap.wrap(line, width=width, initial_indent="  " if n == 0 else "   ", subsequent_indent="   ")
    due = f"  (review due {citation.review_due})" if citation.review_due else ""
    lines.append(f"  — {citation.where}{due}")
    if citation.verified:
        lines.append(f"  ✔ {citation.verified}")
    return "\n".join(lines)


def answer_text(answer: Answer, width: int = 88) -> str:
    """The answer as it reads in chat: verdict, the quotes with where they stand, warnings, contact."""
    parts = [answer.verdict_line]
    for citation in answer.citations:
        parts.append(citation_text(citation, width))
    if not answer.answered and answer.related:
        parts.append("The closest clauses I found (they may not answer your question):")
        parts += [citation_text(c, width) for c in answer.related[:2]]
    parts += [f"Warning: {w}" for w in answer.warnings]
    if answer.answered:
        parts.append(f"Still unsure? Ask {answer.contact}.")
    return "\n\n".join(parts)


def documents_text(documents: list[DocumentStatus]) -> str:
    rows = []
    for d in documents:
        status = "OVERDUE for review" if d.overdue else "current"
        due = f"review due {d.review_due}" if d.review_due else "no review date"
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

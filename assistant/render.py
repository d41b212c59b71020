"""Plain-text rendering of answers, for the terminal (the chat edges have their own renderers)."""

from __future__ import annotations

import textwrap

from .models import Answer, Citation, DocumentStatus


def citation_text(citation: Citation, width: int = 88) -> str:
    lines = []
    if citation.context:
        lines.append(f"  (under \"{citation.context}\")")
    quoted = f"\u201c{citation.quote}\u201d".split("\n")  # a short list keeps one item a line
    for n, line in enumerate(quoted):
        lines += textwrap.wrap(line, width=width, initial_indent="  " if n == 0 else "   ", subsequent_indent="   ")
    due = f"  (review due {citation.review_due})" if citation.review_due else ""
    lines.append(f"  — {citation.where}{due}")
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

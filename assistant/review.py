"""Questions about a policy itself ("Is this policy still current?", "Who owns it?", "When was it last
reviewed?"), answered from the document's own metadata rather than from its clauses.

A question is about the policy itself when it refers to a document ("it", "this policy", the policy's
title) and, apart from that reference, asks only about currency, review dates or ownership.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from .models import PolicyDocument
from .text import stem, tokens

_DOCUMENT_WORDS = "policy policies handbook document guidance guide procedure procedures code conduct".split()
_STATUS_WORDS = """current currently date dated valid validity force expire expired expiry review reviewed
reviewing update updated updates revise revised revision change changed own owner owns wrote written author
maintain maintains maintained responsible responsibility charge effective still last latest next due old
version approved approve check checked""".split()
_DOCUMENT_STEMS = frozenset(stem(w) for w in _DOCUMENT_WORDS)
_STATUS_STEMS = frozenset(stem(w) for w in _STATUS_WORDS)
_PRONOUN = re.compile(r"\b(?:it|its|this|that)\b", re.I)


def about_policy(question: str, titles: list[str]) -> bool:
    """True when the question asks only about a policy's currency, review dates or owner."""
    words = set(tokens(question))
    if not words & _STATUS_STEMS or not (words & _DOCUMENT_STEMS or _PRONOUN.search(question)):
        return False
    rest = words - _STATUS_STEMS - _DOCUMENT_STEMS - {t for t in words if t.isdigit()}
    for title in titles:  # what is left must all be words of the policies' titles
        if not rest:
            break
        rest -= _title_words(title)
    return not rest


@lru_cache(maxsize=65536)
def _title_words(title: str) -> frozenset[str]:
    """A title's tokens, worked out once per title (questions come often; titles rarely change)."""
    return frozenset(tokens(title))


def named_document(question: str, documents: list[PolicyDocument]) -> PolicyDocument | None:
    """The document whose title the question names (most title words in common), if any."""
    words = set(tokens(question)) - _STATUS_STEMS - _DOCUMENT_STEMS
    best, best_n = None, 0
    for doc in documents:
        n = len(words & _title_words(doc.title))
        if n > best_n:
            best, best_n = doc, n
    return best


def status_line(doc: PolicyDocument, today: date, contact: str) -> str:
    """What the document's metadata says about it: owner, last review, next review and whether it is overdue."""
    parts = []
    if doc.last_reviewed:
        parts.append(f"was last reviewed in {doc.last_reviewed}")
    elif doc.dated:
        parts.append(f"is dated {doc.dated}")
    if doc.review_due:
        due = doc.review_due_label or f"{doc.review_due:%B %Y}"
        parts.append(f"was due for review in {due}" if doc.review_due < today else f"is next due for review in {due}")
    said = f"{doc.title} " + (" and ".join(parts) if parts else "states no review dates") + "."
    if doc.review_due and doc.review_due < today:
        said += f" It is past its review date: check with {contact} that it is still current."
    elif doc.review_due:
        said += " It is within its review period."
    owner = doc.owner or doc.contact
    said += f" Its owner is {owner}." if owner else f" It names no owner; ask {contact}."
    return said

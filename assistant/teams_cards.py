"""How an answer looks in Microsoft Teams: text with [n] markers, one citation per quote, an Adaptive Card.

Plain data only (dataclasses and card dicts); `teams_app` turns them into the SDK's objects. Teams
shows the `[n]` markers in the text as links to the citation with the same position, so the
positions here, the markers in the text and the card's "[n] Document › Section" lines always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import SECTION_SEP, Answer, Citation, DocumentStatus, Suggestion, VerifiedAnswer

CARD_VERSION = "1.5"
HELP_VERB = "help"
# Limits Teams puts on a citation's appearance (longer values make Teams drop the message).
NAME_CHARS = 80
ABSTRACT_CHARS = 160


@dataclass(frozen=True)
class CitedClause:
    """One quoted clause as a Teams citation: its [n] position, "Document › Section" and a short preview."""

    position: int
    name: str
    abstract: str
    quote: str
    detail_card: dict


def quoted(answer: Answer) -> list[Citation]:
    """The clauses an answer shows: the one that answers, or the closest clauses when it abstains."""
    return answer.shown


def cited_clauses(answer: Answer) -> list[CitedClause]:
    """The citations Teams links the [n] markers to; the pop-up card holds the whole quote and its place."""
    return [CitedClause(position=n, name=_citation_name(c), abstract=_clip(" ".join(c.quote.split()), ABSTRACT_CHARS),
                        quote=c.quote, detail_card=_detail_card(c))
            for n, c in enumerate(quoted(answer), start=1)]


def _review(answer: Answer) -> bool:
    """Review dates go beside quotes unless a review warning already says it, once, for the answer."""
    return not answer.warnings


def _citation_name(citation: Citation) -> str:
    """"Document › Section" within Teams' 80 characters, keeping the innermost heading when it must shorten."""
    if len(citation.where) <= NAME_CHARS or not citation.section:
        return _clip(citation.where or citation.document, NAME_CHARS)
    innermost = citation.section.split(SECTION_SEP)[-1]
    room = NAME_CHARS - len(citation.document) - len(SECTION_SEP)
    return citation.document + SECTION_SEP + _clip(innermost, room) if room >= 20 else _clip(citation.where, NAME_CHARS)


def _detail_card(citation: Citation) -> dict:
    body = [_block(citation.quote)]
    body.append(_block(f"{citation.places}{_due(citation)}", isSubtle=True, size="Small"))
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body}


def answer_text(answer: Answer) -> str:
    """The message text (also the plain-text fallback): verdict, the quote with its [n] marker, the warning once."""
    parts = [f"**{answer.verdict_line}**"]
    if not answer.answered and quoted(answer):
        parts.append("The closest clauses I found (they may not answer your question):")
    for n, citation in enumerate(quoted(answer), start=1):
        lead = f"(under \u201c{citation.context}\u201d) " if citation.context else ""
        due = _due(citation) if _review(answer) else ""
        parts.append(f"{lead}\u201c{citation.quote}\u201d [{n}]\n\n\u2014 {citation.places}{due}"
                     + (f"\n\n\u2714 {citation.verified}" if citation.verified else ""))
    parts += [f"\u26a0\ufe0f {warning}" for warning in answer.warnings]
    if answer.answered:
        parts.append(f"Still unsure? Ask {answer.contact}.")
    return "\n\n".join(parts)


def _quote_container(citation: Citation, label: str, n: int | None, review: bool) -> dict:
    """One quote in an emphasis box, with its list lead-in or table columns above and its place below."""
    items = []
    if citation.context:
        items.append(_block(f"Under \u201c{citation.context}\u201d", isSubtle=True, size="Small"))
    if citation.columns:
        items.append(_block("Columns: " + " \u00b7 ".join(f"\u201c{c}\u201d" for c in citation.columns),
                            isSubtle=True, size="Small"))
    ids = {"quote": {"id": f"quote-{n}"}, "source": {"id": f"source-{n}"}} if n else {"quote": {}, "source": {}}
    items.append(_block(citation.quote, **ids["quote"]))
    part = f" ({citation.in_part})" if citation.in_part else ""
    items.append(_block(f"{label}{citation.places}{part}{_due(citation) if review else ''}", isSubtle=True, size="Small",
                        **ids["source"]))
    if citation.verified:
        items.append(_block(f"\u2714 {citation.verified}", size="Small", color="Good",
                            **({"id": f"verified-{n}"} if n else {})))
    return {"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items}


def answer_card(answer: Answer, question_id: int, owner: bool = False) -> dict:
    """An Adaptive Card 1.5: verdict, the quote with "[n] Document › Section", the warning once; the other
    ranked clauses behind a "More clauses" button."""
    body: list[dict] = [_block(answer.verdict_line, weight="Bolder", size="Medium", style="heading")]
    if not answer.answered and quoted(answer):
        body.append(_block("The closest clauses I found (they may not answer your question):", isSubtle=True))
    for n, citation in enumerate(quoted(answer), start=1):
        body.append(_quote_container(citation, f"[{n}] ", n, _review(answer)))
    for warning in answer.warnings:
        body.append(_block(f"\u26a0\ufe0f {warning}", id="review-warning", color="Warning"))
    if not answer.answered:
        body.append(_block(f"Please ask {answer.contact}.", id="contact", weight="Bolder"))
    actions: list[dict] = []
    if answer.held_back:
        more = {"type": "AdaptiveCard", "version": CARD_VERSION,
                "body": [_quote_container(c, "", None, _review(answer)) for c in answer.held_back]}
        actions.append({"type": "Action.ShowCard", "title": "More clauses", "id": "more-clauses", "card": more})
    actions.append({"type": "Action.Submit", "title": "Still need help?",
                    "data": {"verb": HELP_VERB, "question_id": question_id}})
    if owner:
        actions.append({"type": "Action.Submit", "title": "Mark the right answer\u2026",
                        "data": {"verb": MORE_VERB, "question_id": question_id}})
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": answer_text(answer),
        "body": body,
        "actions": actions,
    }


def help_text(contact: str) -> str:
    """The reply to "Still need help?"."""
    return f"For help with this, please ask {contact}. I've noted that this answer wasn't enough."


def welcome_text(documents: list[DocumentStatus], examples: list[str]) -> str:
    """What the bot says when it is added to a chat, team or group chat."""
    titles = ", ".join(d.title for d in documents[:8]) or "your organisation's policies"
    tries = "\n".join(f"- {q}" for q in examples)
    return ("Hi! I answer questions about staff policies by quoting the clause that governs them, word for word.\n\n"
            f"I know: {titles}.\n\nTry asking:\n\n{tries}\n\n"
            "In a channel or group chat, @mention me with your question.")


def _block(text: str, **extra: object) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _due(citation: Citation) -> str:
    return f" (review due {citation.review_due})" if citation.review_due else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# ---------------------------------------------------------------------------------------- verified answers

MORE_VERB = "more"  # owners: the answer's clauses and the next ones, each with "Mark as the right answer"
MARK_VERB = "mark"  # an owner: "Mark as the right answer"
SUGGEST_VERB = "suggest"  # staff after 👎: "This one answered me"
ACCEPT_VERB = "accept"  # an owner accepts a suggestion
REJECT_VERB = "reject"  # an owner rejects a suggestion


def choices_card(question_id: int, question: str, kind: str | None, citations: list[Citation]) -> dict:
    """The clauses for a question, each with "Mark as the right answer" (owners) or "This one answered me"
    (someone who gave the answer 👎); without either, the clauses alone."""
    title = {"mark": f"Which clause answers \u201c{question}\u201d? Marking one makes it the first answer to "
                     "questions like it.",
             "suggest": f"Did one of these answer \u201c{question}\u201d? A policy owner will check it."}.get(
        kind or "", f"Clauses for \u201c{question}\u201d")
    body: list[dict] = [_block(title, weight="Bolder")]
    for position, citation in enumerate(citations):
        items = [_block(citation.quote), _block(f"{citation.where}{_due(citation)}", isSubtle=True, size="Small")]
        if kind:
            verb, label = (MARK_VERB, "Mark as the right answer") if kind == "mark" else (SUGGEST_VERB,
                                                                                         "This one answered me")
            items.append({"type": "ActionSet", "actions": [{
                "type": "Action.Submit", "title": label,
                "data": {"verb": verb, "question_id": question_id, "position": position}}]})
        body.append({"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items})
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body}


def suggestion_card(suggestion: Suggestion) -> dict:
    """To owners: a clause staff said answered them, with Accept / Reject (as `verified suggestions` does)."""
    data = {"suggestion_id": suggestion.id}
    body = [_block(f"A member of staff says this clause answered \u201c{suggestion.question}\u201d:", weight="Bolder"),
            {"type": "Container", "style": "emphasis", "items": [
                _block(suggestion.quote), _block(suggestion.source, isSubtle=True, size="Small")]},
            _block(f"Suggestion #{suggestion.id}. Accepting makes it the first answer to questions like it "
                   "(also `policy-assistant verified suggestions`).", isSubtle=True, size="Small")]
    return {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION, "body": body, "fallbackText": f"Suggestion #{suggestion.id}: "
            f"\u201c{suggestion.quote}\u201d ({suggestion.source}) for \u201c{suggestion.question}\u201d",
            "actions": [
                {"type": "Action.Submit", "title": "Accept as the right answer", "style": "positive",
                 "data": {"verb": ACCEPT_VERB, **data}},
                {"type": "Action.Submit", "title": "Reject", "data": {"verb": REJECT_VERB, **data}}]}


def suspended_text(answer: VerifiedAnswer) -> str:
    """To its owner: a verified answer whose quote no longer stands in the policy."""
    return (f"\u26a0\ufe0f The verified answer #{answer.id} to \u201c{answer.questions[-1]}\u201d is suspended: "
            f"{answer.suspended or 'its quote no longer stands in its policy'}. It is no longer used; mark the right "
            "clause again to replace it (`policy-assistant verified list` shows it).")

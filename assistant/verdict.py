"""Read a verdict from a clause's own wording: "must not" -> prohibited, and so on.

Patterns are general English rule phrasing, checked most specific first: a permission condition
("without written prior permission", "unless agreed") outranks a prohibition, and "advised not to"
outranks the plain "not" of a prohibition. A list item with no rule words of its own takes the rule
of the sentence that introduces its list ("The following are not considered acceptable:").
"""

from __future__ import annotations

import re

from .models import Verdict

_W = r"(?:[\w'’/-]+\s+){0,4}?"
_PATTERNS: list[tuple[Verdict, list[str]]] = [
    (Verdict.needs_permission, [
        rf"\bwithout\s+{_W}(?:permission|approval|consent|authori[sz]ation|agreement)\b",
        r"\bunless\b[^.;]{0,120}\b(?:agreed|approved|authori[sz]ed|permission|permitted|consent|sign(?:ed)?[- ]off)\b",
        rf"\b(?:requires?|need|needs|must\s+(?:first\s+)?(?:get|obtain|seek|have|receive)|subject\s+to)\s+{_W}(?:permission|approval|authori[sz]ation|consent|sign[- ]off)\b",
        rf"\bwith\s+(?:the\s+)?{_W}(?:permission|approval|consent|agreement)\s+(?:of|from)\b",
        r"\b(?:check|clear|agree)\s+(?:it\s+)?with\s+[^.;]{0,60}\b(?:first|beforehand|before|in advance)\b",
        r"\blet\s+[^.;]{0,60}\bknow\s+(?:beforehand|in advance|first)\b",
        r"\bmust\s+be\s+(?:approved|authori[sz]ed|agreed)\b",
    ]),
    (Verdict.advised_against, [
        r"\b(?:strongly\s+)?(?:advised|recommended|encouraged|urged)\s+not\s+to\b",
        r"\bshould\s+not\b", r"\bshouldn['’]t\b", r"\b(?:is|are)\s+(?:strongly\s+)?discouraged\b",
        r"\bnot\s+(?:recommended|advisable|advised)\b", r"\b(?:best|wise)\s+to\s+avoid\b",
        r"\bought\s+not\b", r"^\s*(?:please\s+)?avoid\b",
    ]),
    (Verdict.prohibited, [
        r"\bmust\s+not\b", r"\bmustn['’]t\b", r"\bmust\s+never\b", r"\bshall\s+not\b", r"\bmay\s+not\b",
        r"\bcannot\b", r"\bcan['’]t\b", r"\bcan\s+not\b", r"\b(?:are|is)\s+not\s+to\b",
        r"\bnot\s+(?:be\s+)?(?:permitted|allowed|acceptable|tolerated)\b", r"\bnot\s+considered\s+acceptable\b",
        r"\b(?:is|are)\s+(?:strictly\s+)?(?:prohibited|forbidden|banned)\b", r"\bprohibited\b",
        r"\bwill\s+not\s+(?:tolerate|allow|accept)\b", r"\bunacceptable\b", r"\bno\s+\w+\s+(?:is|are)\s+permitted\b",
        r"\b(?:staff|employees|you|we|they)\s+(?:must\s+|should\s+)?never\b",
        r"^\s*(?:please\s+)?(?:do\s+not|don['’]t|never)\b",
    ]),
    (Verdict.required, [
        r"\bmust\b", r"\bshall\b", r"\b(?:is|are)\s+required\b", r"\brequired\s+to\b", r"\bhave\s+to\b",
        r"\bhas\s+to\b", r"\bneeds?\s+to\b", r"\bmandatory\b", r"\bobliged\s+to\b", r"\b(?:is|are)\s+expected\s+to\b",
        r"\bensure\s+that\b", r"\bshould\b", r"^\s*(?:please\s+)?(?:always|do|use|make\s+sure|ensure|submit|report|return|notify)\b",
    ]),
    (Verdict.permitted, [
        r"\b(?:you|staff|employees|members|they|parents|pupils|he|she|one|we|i|everyone|anyone)\s+(?:may|can|are\s+able\s+to)\b(?!\s+not)",
        r"\b(?:is|are)\s+(?:permitted|allowed|entitled|eligible|welcome)\b", r"\bentitled\s+to\b", r"\beligible\s+for\b",
        r"\bfree\s+to\b", r"\bget\s+to\s+keep\b", r"\bat\s+(?:your|their)\s+discretion\b",
    ]),
]
_COMPILED = [(v, [re.compile(p, re.I | re.M) for p in ps]) for v, ps in _PATTERNS]

LABELS = {
    Verdict.prohibited: "Not allowed",
    Verdict.advised_against: "Advised against",
    Verdict.needs_permission: "Only with permission",
    Verdict.required: "Required",
    Verdict.permitted: "Allowed",
    Verdict.information: "What the policy says",
}


_SUBJECT = r"(?:i|we|you|staff|teachers|employees|parents|pupils|volunteers|governors|someone|anyone|everyone|people|a|an|the|my|our|they|he|she)"
_RULING_QUESTION = re.compile(
    rf"\b(?:can|could|may|might|must|shall|should)\s+{_SUBJECT}\b"
    rf"|\b(?:will|would)\s+(?:i|we|you)\b"
    rf"|\b(?:am|are|is)\s+{_SUBJECT}\s+(?:\w+\s+)?(?:allowed|permitted|able|required|supposed|expected|obliged|meant|entitled)\b"
    r"|\b(?:is|are)\s+(?:it|this|that)\s+(?:\w+\s+)?(?:ok|okay|alright|all right|acceptable|appropriate|fine|allowed|permitted|legal)\b"
    rf"|\b(?:do|does|did)\s+{_SUBJECT}\s+(?:\w+\s+)?(?:need|have|get|must)\b"
    r"|\b(?:allowed|permitted|permission|forbidden|banned|prohibited|acceptable|required|mandatory|compulsory"
    r"|obliged|supposed to|have to|has to|need to|needs to|ok to|okay to)\b",
    re.I)


def asks_for_ruling(question: str) -> bool:
    """True when a question asks whether something is allowed or required ("Can I ...?", "Do I have to ...?").

    Only such questions get a ruling ("Not allowed", "Required") in the verdict line; a question about
    facts ("What is the school's Twitter handle?") is answered with the quotes alone, so a rule that
    happens to stand in the best clause is never presented as the answer to something else.
    """
    return bool(_RULING_QUESTION.search(question))


def classify(text: str) -> Verdict:
    """The verdict a piece of policy wording expresses on its own."""
    flat = " ".join(text.replace("*", "").replace("_", " ").split())
    for verdict, patterns in _COMPILED:
        if any(p.search(flat) for p in patterns):
            return verdict
    return Verdict.information


def clause_verdict(text: str, context: str | None = None) -> Verdict:
    """A clause's verdict; a list item without rule words inherits its lead-in's rule."""
    own = classify(text)
    if own is Verdict.information and context:
        return classify(context)
    if own in (Verdict.required, Verdict.permitted) and context:
        inherited = classify(context)
        if inherited in (Verdict.prohibited, Verdict.needs_permission, Verdict.advised_against):
            return inherited
    return own


def verdict_line(verdict: Verdict, document: str, answered: bool, contact: str) -> str:
    """The one-line headline of an answer."""
    if not answered:
        return f"The policies I have don't answer this. Please ask {contact}."
    return {
        Verdict.prohibited: f"Not allowed: {document} rules this out.",
        Verdict.advised_against: f"Advised against: {document} advises staff not to do this.",
        Verdict.needs_permission: f"Only with permission: {document} allows this only with approval.",
        Verdict.required: f"Required: {document} says this must be done.",
        Verdict.permitted: f"Allowed: {document} permits this.",
        Verdict.information: f"Here is what {document} says.",
    }[verdict]

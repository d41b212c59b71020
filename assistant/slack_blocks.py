"""Block Kit rendering for Slack, as plain dicts: answers, clause lookups, policy lists, help.

Quotes go in verbatim: only `&`, `<` and `>` are escaped, as Slack's mrkdwn requires, so the words
people read are the clause's own words. Everything a person typed is escaped the same way before it
is echoed, so `<!channel>` or `<@U123>` inside a question pings nobody and `<https://x|y>` links
nowhere. Slack's limits are kept here: 3,000 characters per section text, 50 blocks per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .models import Answer, Citation, DocumentStatus, Suggestion, Verdict, VerifiedAnswer
from .verdict import LABELS

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
ECHO_LIMIT = 300  # characters of a question echoed back

ACTION_UP = "feedback_up"
ACTION_DOWN = "feedback_down"
ACTION_MORE = "more_clauses"
ACTION_HELP = "need_help"

ICONS = {
    Verdict.prohibited: ":no_entry:",
    Verdict.advised_against: ":warning:",
    Verdict.needs_permission: ":lock:",
    Verdict.required: ":heavy_exclamation_mark:",
    Verdict.permitted: ":white_check_mark:",
    Verdict.information: ":page_facing_up:",
}
ABSTAIN_ICON = ":grey_question:"

PROMPT_TITLE_CHARS = 40

Block = dict[str, Any]


@dataclass
class SlackMessage:
    """What one Slack message carries: the notification/fallback `text` and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- text


def escape(text: str) -> str:
    """Slack's three control characters escaped; every other character is left as it is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_MARKUP = re.compile(r"<([^<>]*)>")


def from_slack(text: str, bot_user_id: str | None = None) -> str:
    """What a person typed, as plain words: the bot's mention dropped, other mentions, channels and
    links unwrapped to what Slack displays, entities decoded, white space folded."""

    def shown(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "" if bot_user_id and target[1:] == bot_user_id else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            name = target[1:].split("^")[0]
            return label if name == "date" else f"@{label or name}"
        return label or target

    return " ".join(unescape(_MARKUP.sub(shown, text or "")).split())


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at spaces and never inside an `&…;` entity."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
            amp = text.rfind("&", max(0, cut - 5), cut)
            if amp > 0 and ";" not in text[amp:cut]:
                cut = amp
        pieces.append(text[:cut])
        text = text[cut:].removeprefix(" ")
    return pieces + ([text] if text or not pieces else [])


def _echo(text: str) -> str:
    short = text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT].rsplit(" ", 1)[0] + "…"
    return escape(short)


# ---------------------------------------------------------------------------------------- blocks


def suggested_prompts(questions: list[str]) -> list[dict[str, str]]:
    """Example questions as Slack suggested prompts (at most four; titles kept short)."""
    return [{"title": q if len(q) <= PROMPT_TITLE_CHARS else q[:PROMPT_TITLE_CHARS - 1].rstrip() + "…", "message": q}
            for q in questions[:4]]


def section(text: str, verbatim: bool = False) -> Block:
    body: Block = {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}
    if verbatim:
        body["verbatim"] = True  # no auto-linking of URLs, channel names or @words inside a quote
    return {"type": "section", "text": body}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:SECTION_LIMIT]} for t in texts[:10]]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "value": value,
                     "text": {"type": "plain_text", "text": label, "emoji": True}}
    if style:
        button["style"] = style
    return button


def answer_buttons(question_id: int) -> Block:
    value = str(question_id)
    return {"type": "actions", "block_id": f"answer_actions_{value}", "elements": [
        _button("👍 Helpful", ACTION_UP, value),
        _button("👎 Not helpful", ACTION_DOWN, value),
        _button("More clauses", ACTION_MORE, value),
        _button("Still need help?", ACTION_HELP, value, style="primary"),
    ]}


def quote_blocks(quote: str) -> list[Block]:
    """A clause's words as a Slack quote, split into as many sections as Slack's limit needs."""
    pieces = split_text(escape(quote), SECTION_LIMIT - 2 - 2 * quote.count("\n"))
    return [section("> " + piece.replace("\n", "\n> "), verbatim=True) for piece in pieces]


def citation_blocks(citation: Citation, show_verdict: bool = False, review: bool = True) -> list[Block]:
    """The quote, then where it stands: every "Document › Section" it stands in, the review date (and the
    clause's verdict)."""
    out: list[Block] = []
    if citation.context:
        out.append(context(f"_From the list under:_ {escape(citation.context)}"))
    if citation.columns:
        out.append(context("_Columns:_ " + " · ".join(escape(c) for c in citation.columns)))
    out += quote_blocks(citation.quote)
    where = f":page_facing_up: *{escape(citation.places)}*"
    labels = [f"*{LABELS[citation.verdict]}*"] if show_verdict and citation.verdict is not Verdict.information else []
    if citation.verified:
        labels.insert(0, f":white_check_mark: *{escape(citation.verified)}*")
    dates = [f"Review due {escape(citation.review_due)}"] if review and citation.review_due else []
    part = [f"_{citation.in_part}_"] if citation.in_part else []
    out.append(context(where, *part, *dates, *labels))
    return out


def fit(blocks: list[Block], tail: list[Block] | None = None) -> list[Block]:
    """At most 50 blocks, keeping `tail` (the buttons) last and saying when something was left out."""
    tail = tail or []
    room = MAX_BLOCKS - len(tail)
    if len(blocks) > room:
        blocks = blocks[:room - 1] + [context("_Some clauses are not shown; ask a narrower question._")]
    return blocks + tail


def _fallback(*lines: str) -> str:
    return split_text("\n".join(line for line in lines if line), SECTION_LIMIT)[0]


# ---------------------------------------------------------------------------------------- messages


def answer_message(question_id: int, answer: Answer) -> SlackMessage:
    """An answer: verdict line, the clause that answers (or the closest ones), the review warning once,
    contact, buttons; the other ranked clauses wait under "More clauses"."""
    icon = ICONS[answer.verdict] if answer.answered else ABSTAIN_ICON
    blocks = [section(f"{icon} *{escape(answer.verdict_line)}*"), context(f"Question: {_echo(answer.question)}")]
    if not answer.answered and answer.shown:
        blocks.append(section("The closest clauses I found (they may not answer your question):"))
    for citation in answer.shown:
        blocks += citation_blocks(citation, review=not answer.warnings)
    if answer.held_back:
        n = len(answer.held_back)
        blocks.append(context(f"{n} more clause{'s' if n > 1 else ''} matched: press *More clauses* to see "
                              f"{'them' if n > 1 else 'it'}."))
    blocks += [section(f":warning: {escape(w)}") for w in answer.warnings]
    who = f":bust_in_silhouette: Who to ask: *{escape(answer.contact)}*"
    blocks.append(section(who) if not answer.answered else context(f"Still unsure? Ask {escape(answer.contact)}."))
    top = answer.citations[0] if answer.citations else None
    text = _fallback(escape(answer.verdict_line),
                     f"> {escape(top.quote)}\n— {escape(top.where)}" if top else "",
                     *(f"Warning: {escape(w)}" for w in answer.warnings),
                     f"Who to ask: {escape(answer.contact)}" if not answer.answered else "")
    return SlackMessage(text, fit(blocks, [answer_buttons(question_id)]))


def clauses_message(heading: str, citations: list[Citation], overdue: Iterable[str] = (),
                    none: str = "No clause matches that.") -> SlackMessage:
    """A list of clauses under a heading: the `/policy <words>` lookup and "More clauses".

    A policy past its review date is said once, under the clauses, not beside each of them.
    """
    if not citations:
        return SlackMessage(none, [section(none)])
    blocks = [section(heading)]
    for citation in citations:
        blocks += citation_blocks(citation, show_verdict=True)
    overdue = set(overdue)
    late = {c.document: c.review_due for c in citations if c.source in overdue}
    blocks += [context(f":warning: {escape(title)} is past its review date"
                       + (f" ({escape(due)})." if due else "."))
               for title, due in sorted(late.items())]
    first = citations[0]
    return SlackMessage(_fallback(heading, f"> {escape(first.quote)}\n— {escape(first.where)}"), fit(blocks))


def lookup_message(words: str, citations: list[Citation], overdue: Iterable[str] = ()) -> SlackMessage:
    return clauses_message(f":mag: *Top clauses for* “{_echo(words)}”", citations, overdue,
                           none=f"No clause matches “{_echo(words)}”. Try other words, or `/policy list`.")


def more_message(question: str, citations: list[Citation], overdue: Iterable[str] = ()) -> SlackMessage:
    return clauses_message(f":books: *More clauses for* “{_echo(question)}”", citations, overdue,
                           none="There are no more clauses for this question.")


def documents_message(documents: list[DocumentStatus]) -> SlackMessage:
    """`/policy list`: every policy with its review status and contact."""
    if not documents:
        return SlackMessage("No policies are loaded.", [section("No policies are loaded.")])
    lines = []
    for d in documents:
        status = ":warning: *overdue for review*" if d.overdue else ":white_check_mark: current"
        due = escape(d.review_label)
        contact = f" · contact: {escape(d.contact)}" if d.contact else ""
        lines.append(f"*{escape(d.title)}* (`{escape(d.source)}`)\n{due} — {status}{contact} · {d.clauses} clauses")
    heading = f":books: *Policies ({len(documents)})*"
    blocks = [section(heading)] + [section(piece) for piece in _pack(lines)]
    return SlackMessage(_fallback(heading, *lines), fit(blocks))


def _pack(lines: list[str]) -> list[str]:
    """Lines joined into as few sections as the 3,000-character limit allows."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + 2 + len(line) <= SECTION_LIMIT:
            out[-1] += "\n\n" + line
        else:
            out += split_text(line)
    return out


def help_message() -> SlackMessage:
    text = "\n".join([
        ":wave: *Policy Assistant* quotes the policy clause that answers your question, word for word.",
        "• `/policy <words>`: the top 3 clauses matching a few words, only visible to you; "
        "`/policy 4.2` quotes the clause numbered 4.2",
        "• `/policy list`: every policy with its review status",
        "• Mention me with a question in a channel (or in the thread under a question), or message me "
        "directly, for an answer with its verdict and sources.",
    ])
    return SlackMessage(text, [section(text)])


def usage_hint(examples: list[str]) -> str:
    """How to ask, with one of the configured example questions."""
    example = f", e.g. “{escape(examples[0])}”" if examples else ""
    return f"Ask me a policy question{example} (`/policy help` for more)."


def contact_text(user: str | None, contact: str) -> str:
    """The "Still need help?" reply: who to ask, addressed to the person who asked for help."""
    who = f"<@{user}> " if user and re.fullmatch(r"[UW][A-Z0-9]+", user) else ""
    return f":bust_in_silhouette: {who}For help with this, please ask *{escape(contact)}*."


def apology(contact: str) -> str:
    return (":warning: Sorry, something went wrong on my side while answering. Please try again in a moment, "
            f"or ask {escape(contact)}.")




# ---------------------------------------------------------------------------------------- verified answers

ACTION_MARK = "verified_mark"  # an owner: "Mark as the right answer"
ACTION_SUGGEST = "verified_suggest"  # staff after 👎: "This one answered me"
ACTION_ACCEPT = "suggestion_accept"
ACTION_REJECT = "suggestion_reject"


def choices_message(question_id: int, question: str, kind: str, citations: list[Citation]) -> SlackMessage:
    """The answer's clauses and the next ones, each with the button this person may use (only they see it)."""
    owner = kind == "mark"
    heading = (f":white_check_mark: *Which clause answers* “{_echo(question)}”? Marking one makes it the first "
               "answer to questions like it." if owner else
               f":raising_hand: *Did one of these answer* “{_echo(question)}”? A policy owner will check it.")
    blocks = [section(heading)]
    for position, citation in enumerate(citations):
        blocks += citation_blocks(citation)
        label, action = ("Mark as the right answer", ACTION_MARK) if owner else ("This one answered me", ACTION_SUGGEST)
        blocks.append({"type": "actions", "block_id": f"choice_{question_id}_{position}",
                       "elements": [_button(label, action, f"{question_id}:{position}")]})
    return SlackMessage(heading, fit(blocks))


def suggestion_message(suggestion: Suggestion) -> SlackMessage:
    """To owners: a clause staff said answered them, with Accept / Reject."""
    who = f"<@{suggestion.suggested_by}>" if suggestion.suggested_by and \
        re.fullmatch(r"[UW][A-Z0-9]+", suggestion.suggested_by) else "Someone"
    heading = f":memo: {who} says this clause answered “{_echo(suggestion.question)}”:"
    value = str(suggestion.id)
    blocks = [section(heading), *quote_blocks(suggestion.quote), context(f":page_facing_up: {escape(suggestion.source)}"),
              {"type": "actions", "block_id": f"suggestion_{value}", "elements": [
                  _button("Accept as the right answer", ACTION_ACCEPT, value, style="primary"),
                  _button("Reject", ACTION_REJECT, value)]}]
    return SlackMessage(_fallback(heading, f"> {escape(suggestion.quote)}"), blocks)


def suspended_text(answer: VerifiedAnswer) -> str:
    """To its owner: a verified answer whose quote no longer stands in the policy."""
    return (f":warning: The verified answer #{answer.id} to “{_echo(answer.questions[-1])}” is suspended: "
            f"{escape(answer.suspended or 'its quote no longer stands in its policy')}. It is no longer used; mark "
            "the right clause again to replace it (`policy-assistant verified list` shows it).")


def verified_text(answer: VerifiedAnswer) -> str:
    return (f":white_check_mark: Marked as the right answer to “{_echo(answer.questions[-1])}” "
            f"({escape(answer.label)}). Questions like it now get this clause first.")

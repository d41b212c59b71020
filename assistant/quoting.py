"""Quote assembly: which span of a policy each hit quotes, and how that span reads with markup hidden.

A hit quotes its clause, or the whole short list it belongs to; strong neighbours of the same
section join it while the quote stays short; a sentence that opens by pointing back ("This", "Such",
"If that's the case") brings the sentence it points to; and the same words standing in several
places are quoted once, with every place listed.

What a reader sees is the span with its source markup hidden: a Markdown link shows its text, an
image, an HTML tag, a template tag or a table pipe shows nothing, emphasis marks go, and a character
reference shows the character it names ("&quot;" a quotation mark, "&#x20;" a space), as Markdown
renders it. The words that remain are never changed or reordered: a `Shown` quote carries the exact
source offsets of every piece it shows, so each quoted word maps back to where it stands.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from functools import lru_cache

from .chunking import (ADMONITION, ATTR_LIST, HTML_TAG, ICON, JSX_TAG, LIST_ITEM, NO_SPACE_HEADING, SUBSTITUTION,
                       WIKI_HEADING, box_title, is_list_marker, is_tab_row, sentence_spans)
from .models import Clause, PolicyDocument
from .text import ADOC_LINK, ADOC_XREF, ENTITY, ROLE, ROLE_TARGET, entity, fold, tokens

QUOTE_WORDS = 60
NEIGHBOUR_DEPTH = 3  # a neighbour joins a quote when it ranks within this many places after it

Span = tuple[int, int]
_REACH = 500
_CELL = "\x00"  # stands for a hidden table pipe while a quote is assembled: one cell a line

# ------------------------------------------------------------------ markup hidden from quotes

# "( url )" too, and a line ending on either side of the address ("(https://…/350304 ⏎) by 11:59 pm"), as CommonMark allows
_URL = (r"\([ \t]*(?:\n[ \t]*)?(?:[^()\s]|\([^()\s]*\)|\{%[^%]*%\}|\{\{[^}]*\}\})*(?:\s+\"[^\"\n]*\")?[ \t]*"
        r"(?:\n[ \t]*)?\)")
_IMAGE = re.compile(r"!\[[^\]\n]*\](?:" + _URL + r"|\[[^\]\n]*\])")
_LINK = re.compile(r"(\[)((?:[^\[\]\n]|\n(?![ \t]*\n)|!?\[[^\[\]\n]*\])*)(\]" + _URL + r"|\]\[[^\]\n]*\])")
# a wiki link (DokuWiki, MediaWiki, Obsidian): "[[target|the text shown]]", or "[[target]]" showing its target
_WIKI_LINK = re.compile(r"(\[\[)((?:[^\[\]|\n]|\n(?![ \t]*\n))*\|)?((?:[^\[\]\n]|\n(?![ \t]*\n))*)(\]\])")
# wiki emphasis: DokuWiki's //italic// and ''monospace'', MediaWiki's ''italic'' and '''bold''' ("https://" is no mark)
_WIKI_EMPHASIS = re.compile(r"(?<![\w:/])//(?=[^\s/])|(?<=[^\s:/])//(?![\w/])|(?<![\w'])'{2,5}(?=[^\s'])|(?<=[^\s'])'{2,5}(?![\w'])")
_AUTOLINK = re.compile(r"(<)(mailto:[^>\s]+|[^<>\s@:/]+@[^<>\s]+)(>)")  # <https://…> stands as written
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_INLINE_TAGS = "a|abbr|b|code|em|i|kbd|mark|s|small|span|strong|sub|sup|u"
_TAG = re.compile(HTML_TAG)
_JSX = re.compile(JSX_TAG)
_TEMPLATE = re.compile(r"\{%[^%]*%\}|\{\{(?:[^}\n]|\n(?![ \t]*\n)|\}(?!\}))*\}\}|\{#[^}\n]*\}|" + ATTR_LIST)  # "{{'[{}](…)'.format(…)}}" too
_ICON = re.compile(ICON)
_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")  # any ASCII punctuation may be escaped (CommonMark)
# the leading look-ahead lets the engine pass over every other character at once (8x faster, same matches)
# A `*` with white space (or a line's edge) on both sides is not emphasis but a list marker or a sign
# ("* Staff may keep the charger", "SEK 417 * the number of months"): it stays.
# A character escaped with a backslash ("\*Snapshot", "5 \* 3") is that character, shown: only the backslash goes.
_EMPHASIS = re.compile(r"(?=[*`_~])(?<!\\)(?:(?<=\S)\*{1,3}|\*{1,3}(?=\S)|`+|(?<![\w\\])_{1,3}(?=\S)|(?<=\S)_{1,3}(?!\w)|~~)")
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}(?:[ \t]+|(?-i:" + NO_SPACE_HEADING + r"))|>[ \t]?)+(?:\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*)?", re.M | re.I)
_LINE = re.compile(r"^.*$", re.M)
_PIPE = re.compile(r"(?<!\\)\|")  # a pipe not escaped by a backslash
_TABS = re.compile(r"[ ]*\t[ \t]*")  # the gap between two cells of a row written with tabs
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t\r]*$", re.M)
# a zero-width space, word joiner, stray byte-order mark or soft hyphen ("on\u00adair"): never seen mid-line
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff\u00ad]")


# a line of nothing but links ("[billing.example.com 🔒](https://…)") says where to go, not a rule: it
# is quoted when it is what was found, never glued onto a neighbouring clause
_BARE_LINKS = re.compile(r"^\s*(?:(?:\[[^\]\n]*\]" + _URL + r"|<https?://[^>\s]+>|https?://\S+)[\s,;|·•-]*)+$")


@dataclass(frozen=True)
class Shown:
    """A span as a reader sees it: `text`, and the source offsets of each piece of it."""

    text: str
    spans: tuple[Span, ...]

    @property
    def words(self) -> int:
        return len(self.text.split())


@lru_cache(maxsize=8192)  # pure, and asked again for the same span while an answer is put together
def shown(text: str, start: int, end: int) -> Shown:
    """text[start:end] with markup hidden; lines kept (one list item or table cell a line), spaces folded.

    A table row (a line starting with `|`, or cells a tab apart) shows its cells one a line, and a blank
    line stands between it and what comes before or after it, so two rows never read as one.
    """
    return _assemble(text, start, *_mask(text, start, end))


def visible(text: str) -> tuple[str, list[Span]]:
    """A whole text as a reader sees it, character by character (hidden markup as one space at most), with
    the source offsets each character stands for: for finding a quote copied from an answer in its source."""
    hidden, breaks, characters = _mask(text, 0, len(text))
    out: list[str] = []
    origins: list[Span] = []
    i = 0
    while i < len(text):
        if i in characters:
            length, character = characters[i]
            out.append(character)
            origins.append((i, i + length))
            i += length
            continue
        if not hidden[i]:
            out.append(text[i])
            origins.append((i, i + 1))
        elif i in breaks:
            out.append(" ")
            origins.append((i, i))
        i += 1
    return "".join(out), origins


def _mask(text: str, start: int, end: int) -> tuple[list[bool], dict[int, str], dict[int, tuple[int, str]]]:
    """Which characters of text[start:end] are hidden markup; what stands for hidden markup where it breaks
    words or cells apart; and the character references, each shown as the character it names."""
    hidden = [False] * (end - start)
    # markup is looked for a little beyond the span, so a link cut by the span's edge is still seen
    lo, hi = text.rfind("\n", 0, max(0, start - _REACH)) + 1, min(len(text), end + _REACH)
    breaks: dict[int, str] = {}  # position (relative) -> separator standing for hidden markup

    def hide(a: int, b: int, sep: str = "") -> None:
        a, b = max(a, start), min(b, end)
        for i in range(a - start, b - start):
            hidden[i] = True
        if sep and a < b:
            breaks[a - start] = sep if breaks.get(a - start) != _CELL else _CELL

    for m in _COMMENT.finditer(text, lo, hi):
        hide(m.start(), m.end(), " ")
    for m in _TABLE_SEP.finditer(text, lo, hi):
        hide(m.start(), m.end(), _CELL)
    for m in _IMAGE.finditer(text, lo, hi):
        hide(m.start(), m.end(), " ")
    for m in _LINK.finditer(text, lo, hi):
        hide(m.start(1), m.end(1))
        hide(m.start(3), m.end(3))
    for m in ADOC_LINK.finditer(text, lo, hi):
        if m.group(4).strip():
            hide(m.start(1), m.end(3))
        else:
            hide(m.start(1), m.end(1))
            hide(m.start(3), m.end(3))
        hide(m.start(5), m.end(5))
    for m in ADOC_XREF.finditer(text, lo, hi):
        hide(m.start(1), m.end(3) if m.group(4) else m.end(1))
        hide(m.start(5), m.end(5))
    for m in _AUTOLINK.finditer(text, lo, hi):
        hide(m.start(1), m.end(1))
        hide(m.start(3), m.end(3))
    wiki_links = list(_WIKI_LINK.finditer(text, lo, hi))
    for m in wiki_links:
        hide(m.start(1), m.end(2) if m.group(2) else m.end(1))
        hide(m.start(4), m.end(4))
    for m in _WIKI_EMPHASIS.finditer(text, lo, hi):
        hide(m.start(), m.end())
    for m in WIKI_HEADING.finditer(text, lo, hi):
        hide(m.start(), m.start(2), " ")
        hide(m.end(2), m.end(), " ")
    for m in _TAG.finditer(text, lo, hi):
        hide(m.start(), m.end(), "" if m.group(1).lower() in _INLINE_TAGS.split("|") else " ")
    for m in _JSX.finditer(text, lo, hi):
        hide(m.start(), m.end(), "")
    for m in _TEMPLATE.finditer(text, lo, hi):
        hide(m.start(), m.end(), " ")
    for m in _ICON.finditer(text, lo, hi):
        hide(m.start(), m.end(), " ")
    for m in ADMONITION.finditer(text, lo, hi):  # a box's marker line: its title shows, nothing else of the line
        title_start, title_end = box_title(m)
        hide(m.start(), title_start, " ")
        hide(title_end, m.end(), " ")
    for pattern in (ROLE, ROLE_TARGET):  # a role's name and a link's target (its backticks and "_" go with emphasis)
        for m in pattern.finditer(text, lo, hi):
            hide(m.start(), m.end())
    for m in _ESCAPE.finditer(text, lo, hi):
        hide(m.start(), m.end())
    for m in _ZERO_WIDTH.finditer(text, lo, hi):
        hide(m.start(), m.end())
    for m in _EMPHASIS.finditer(text, lo, hi):
        hide(m.start(), m.end())
    for m in _LINE_MARK.finditer(text, lo, hi):
        hide(m.start(), m.end())
    for line in _LINE.finditer(text, lo, hi):  # a table row (or a line of one): its pipes separate cells
        if is_tab_row(line.group()):
            for m in _TABS.finditer(text, line.start(), line.end()):
                hide(m.start(), m.end(), _CELL)
            continue
        if "|" not in line.group():
            continue
        words = SUBSTITUTION.sub(lambda m: " " * len(m.group()), line.group())
        if "|" not in words.strip():  # only substitutions ("|The Setting|"): their pipes are hidden
            for m in SUBSTITUTION.finditer(line.group()):
                hide(line.start() + m.start(), line.start() + m.start() + 1)
                hide(line.start() + m.end() - 1, line.start() + m.end())
            continue
        pipes = [m.start() for m in _PIPE.finditer(text, line.start(), line.end())
                 if not any(w.start() <= m.start() < w.end() for w in wiki_links)]  # a wiki link's "|" is no cell's
        body = line.group().strip()
        if len(pipes) >= 2 or body.startswith("|") or body.endswith("|"):
            for i in pipes:
                hide(i, i + 1, _CELL)
    characters: dict[int, tuple[int, str]] = {}  # a character reference shows what it names, at its own offsets
    for m in ENTITY.finditer(text, start, end):
        character = entity(m.group())
        if character is None or any(hidden[m.start() - start:m.end() - start]):
            continue  # no name it knows, or inside markup already hidden (a link's address)
        hide(m.start(), m.end(), " " if character == " " else "")
        if character != " ":
            characters[m.start() - start] = (m.end() - m.start(), character)
    return hidden, breaks, characters


def _assemble(text: str, start: int, hidden: list[bool], breaks: dict[int, str],
              characters: dict[int, tuple[int, str]]) -> Shown:
    out: list[str] = []
    spans: list[Span] = []
    i, n = 0, len(hidden)
    while i < n:
        if i in characters:
            length, character = characters[i]
            out.append(character)
            spans.append((start + i, start + i + length))
            i += length
            continue
        if hidden[i]:
            if i in breaks:
                out.append(breaks[i])
            i += 1
            continue
        j = i
        while j < n and not hidden[j]:
            j += 1
        piece = text[start + i:start + j]
        out.append(piece)
        a, b = start + i, start + j
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
        i = j
    lines: list[str] = []
    new_paragraph = False
    for line in "".join(out).split("\n"):  # a line break stays only between paragraphs and before list items
        if not line.strip():
            new_paragraph = True
        elif not line.replace(_CELL, "").strip():
            continue  # a table's separator row
        elif lines and not new_paragraph and not LIST_ITEM.match(line) and _CELL not in line + lines[-1]:
            lines[-1] += " " + line
        else:
            lines.append(line)
            new_paragraph = False
    shown_lines: list[str] = []
    after_row = False
    for line in lines:
        cells = [cell for cell in (" ".join(cell.split()) for cell in line.split(_CELL)) if cell]
        if not cells:
            continue
        row = _CELL in line
        if shown_lines and (row or after_row):
            shown_lines.append("")  # a row stands apart: its cells are one a line
        shown_lines += cells
        after_row = row
    return Shown("\n".join(shown_lines), tuple(spans))


def plain_document(text: str) -> str:
    """A whole document as a reader sees it, folded: what every shown quote must stand in."""
    return fold(shown(text, 0, len(text)).text)


def header_cells(row: str) -> list[str]:
    """The cells of a table's header row, as shown."""
    return shown(row, 0, len(row)).text.split("\n")


# ------------------------------------------------------------------ pointing back

_OPENING = r"""^["'“‘(*_]*"""
_POINTER = re.compile(
    _OPENING + r"(?:If\s+(?:so|not|that(?:'s|’s|\s+is)\s+the\s+case|this\s+is\s+the\s+case)"
    r"|In\s+(?:that|this|such)\s+cases?|For\s+(?:example|instance)|Otherwise|However|Such|These|Those|They|This|That"
    r"|It)\b(?!['’-])")
_SELF_NAMING = re.compile(  # "This policy applies…", "It is important to…" point at nothing before them
    _OPENING + r"(?:(?:This|That)\s+(?:policy|handbook|document|page|guide|guidance|section|procedure|code|"
    r"statement|notice|agreement|chapter|site|website)\b|It\s+(?:is|was|will\s+be|would\s+be)\s+(?:\S+\s+){0,3}?"
    r"(?:to|that|for)\b)", re.I)


def points_back(sentence: str) -> bool:
    """True when a sentence opens with words that refer to the sentence before ("This means…", "If so, …")."""
    return bool(_POINTER.match(sentence)) and not _SELF_NAMING.match(sentence)


# ------------------------------------------------------------------ the assembler

@dataclass
class Passage:
    """The span a hit quotes, and the other clauses whose words it also stands for."""

    start: int
    end: int
    also: list[Clause] = field(default_factory=list)


class Quoter:
    """Decides what each hit quotes, within one corpus's documents and clauses."""

    def __init__(self, documents: dict[str, PolicyDocument], clauses: list[Clause]) -> None:
        self.documents = documents
        self.clauses = clauses
        self.list_spans = short_lists(clauses, QUOTE_WORDS)
        self._before: dict[str, list[Clause]] = {}  # each document's clauses, in reading order
        for clause in clauses:
            self._before.setdefault(clause.source, []).append(clause)
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}  # the furthest end of a document's clauses so far
        for source, own in self._before.items():
            own.sort(key=lambda c: c.start)
            self._starts[source] = [c.start for c in own]
            self._reach[source] = list(accumulate((c.end for c in own), max))

    def _overlapping(self, source: str, start: int, end: int) -> list[int]:
        """Positions, in its document's clauses, of the clauses overlapping the span (found by bisection)."""
        own = self._before.get(source, [])
        first = bisect_right(self._reach.get(source, []), start)
        last = bisect_left(self._starts.get(source, []), end)
        return [k for k in range(first, last) if own[k].end > start]

    def clause_at(self, source: str, start: int, end: int) -> Clause | None:
        """The first clause of that document overlapping the span (only its own clauses are looked at)."""
        found = self._overlapping(source, start, end)
        return self._before[source][found[0]] if found else None

    def rest_of_paragraph(self, source: str, start: int, end: int) -> list[Clause]:
        """The sentences of the paragraph around a span that the span leaves out (a long paragraph is cut
        into clauses of at most MAX_CLAUSE_WORDS words, and a quote may hold only some of them)."""
        clauses = self._before.get(source, [])
        text = self.documents[source].text if source in self.documents else ""
        inside = [k for k in self._overlapping(source, start, end) if clauses[k].kind == "sentence"]
        if not inside:
            return []

        def joined(a: Clause, b: Clause) -> bool:  # one paragraph: same section, no blank line between
            return (a.kind == b.kind == "sentence" and a.section == b.section
                    and text[a.end:b.start].count("\n") <= 1)

        lo, hi = inside[0], inside[-1]
        while lo > 0 and joined(clauses[lo - 1], clauses[lo]):
            lo -= 1
        while hi + 1 < len(clauses) and joined(clauses[hi], clauses[hi + 1]):
            hi += 1
        return [c for c in clauses[lo:hi + 1] if not (c.start < end and start < c.end)]

    def span_of(self, position: int, clause: Clause) -> Span:
        """What a clause quotes on its own: itself, or the whole of a short list it belongs to."""
        return self.list_spans.get(position, (clause.start, clause.end))

    def passages(self, ranked: list[tuple[int, Clause]], question: str, strength: list[int] | None = None,
                 limit: int | None = None) -> list[tuple[int, Passage]]:
        """For clauses in rank order (index position, clause): the passage each quotes, best first.

        A clause overlapping a passage already taken is skipped. Other strong clauses right next to
        a clause in the same section are quoted with it while the passage stays short: two neighbouring
        sentences that both match usually answer together. "Strong" is judged by `strength` (each
        clause's rank by its own score; default: the order given): a neighbour joins when it ranks
        within NEIGHBOUR_DEPTH places after the clause, or anywhere before it. A passage whose words
        are already quoted (the same sentence in another section or document) becomes one more place
        of that quote. With a `limit`, the first `limit` passages (the same as without it).
        """
        taken: list[tuple[str, int, int]] = []
        out: list[tuple[int, Passage]] = []
        seen: dict[str, Passage] = {}
        placed: dict[tuple[str, int, int], Passage] = {}  # the passages quoted, by where they stand
        strength = strength if strength is not None else list(range(len(ranked)))
        for rank, (position, clause) in enumerate(ranked):
            if limit is not None and len(out) >= limit:
                break
            start, end = self.span_of(position, clause)
            if overlaps(taken, clause.source, start, end):
                continue
            near = [item for item, r in zip(ranked, strength) if r <= strength[rank] + NEIGHBOUR_DEPTH]
            start, end = self._widen(clause, start, end, near, taken)
            start, end = self.best_part(clause, start, end, question)
            start, end = self._with_antecedent(clause, start, end, question)
            if overlaps(taken, clause.source, start, end) and self._merge(placed, taken, clause.source, start, end):
                continue  # grown over a passage already quoted (back to the sentence it points to, or over a
                # neighbour): the two are quoted as one, when that stays a short quote
            words = fold(shown(self.documents[clause.source].text, start, end).text)
            earlier = seen.get(words) or next((p for said, p in seen.items() if words and f" {words} " in f" {said} "), None)
            if earlier is not None:
                earlier.also.append(clause)
                taken.append((clause.source, start, end))
                continue
            passage = Passage(start, end)
            seen[words] = passage
            taken.append((clause.source, start, end))
            placed[(clause.source, start, end)] = passage
            out.append((rank, passage))
        return out

    def _merge(self, placed: dict[tuple[str, int, int], Passage], taken: list[tuple[str, int, int]], source: str,
               start: int, end: int) -> bool:
        """Grow the one passage already quoted that the span overlaps to cover both, if that stays a short quote."""
        under = [i for i, (s, a, b) in enumerate(taken) if s == source and a < end and start < b]
        passage = placed.get(taken[under[0]]) if len(under) == 1 else None
        if passage is None:  # over several, or over a place of a quote said elsewhere
            return False
        lo, hi = min(passage.start, start), max(passage.end, end)
        if len(self.documents[source].text[lo:hi].split()) > QUOTE_WORDS:
            return False
        del placed[taken[under[0]]]
        passage.start, passage.end = lo, hi
        taken[under[0]] = (source, lo, hi)
        placed[taken[under[0]]] = passage
        return True

    def _widen(self, clause: Clause, start: int, end: int, near: list[tuple[int, Clause]],
               taken: list[tuple[str, int, int]]) -> Span:
        """The span grown over adjacent strong clauses of the same section while it stays a short quote."""
        text = self.documents[clause.source].text
        grown = True
        while grown:
            grown = False
            for position, other in near:
                if other.source != clause.source or other.section != clause.section or _BARE_LINKS.match(other.text):
                    continue
                a, b = self.span_of(position, other)
                if not self._adjacent((start, end), (a, b), text) or overlaps(taken, other.source, a, b):
                    continue
                lo, hi = min(start, a), max(end, b)
                if len(text[lo:hi].split()) <= QUOTE_WORDS:
                    start, end, grown = lo, hi, True
        return start, end

    def first_item(self, source: str, start: int, end: int) -> Clause | None:
        """The first list item of that document overlapping the span."""
        own = self._before.get(source, [])
        return next((own[k] for k in self._overlapping(source, start, end) if own[k].kind == "item"), None)

    def lead_in_start(self, source: str, start: int, end: int, taken: list[tuple[str, int, int]]) -> int:
        """Where a quote of list items starts: at the sentence leading into the list when that sentence stands
        right before the first item quoted, is not quoted elsewhere (`taken`), and fits with the items within
        QUOTE_WORDS.
        "The Company designated seven (7) days each year as holidays:" says what its items are, and is often
        the very answer ("how many paid holidays do we get?"); otherwise it is shown as the items' context."""
        found = self._overlapping(source, start, end)
        own = self._before.get(source, [])
        if not found or found[0] == 0:
            return start
        first, before = own[found[0]], own[found[0] - 1]
        lead = first.context
        if first.kind != "item" or not lead or before.section != first.section or before.end > start \
                or not before.text.endswith(lead):
            return start
        text = self.documents[source].text
        gap, _, marker = text[before.end:start].rpartition("\n")
        if gap.strip() or marker.strip() and not is_list_marker(marker):
            return start
        lead_start = before.end - len(lead)
        if overlaps(taken, source, lead_start, start) or shown(text, lead_start, end).words > QUOTE_WORDS:
            return start
        return lead_start

    @staticmethod
    def _adjacent(span: Span, other: Span, text: str) -> bool:
        """True when only white space or a list marker stands between the two spans."""
        lo, hi = (span, other) if span[0] < other[0] else (other, span)
        if lo[1] > hi[0]:
            return False
        gap = text[lo[1]:hi[0]]
        return not gap.strip() or is_list_marker(gap)

    def best_part(self, clause: Clause, start: int, end: int, question: str) -> Span:
        """A span over the word limit cut to its sentences that best match the question."""
        text = self.documents[clause.source].text
        if len(text[start:end].split()) <= QUOTE_WORDS:
            return start, end
        wanted = set(tokens(question))
        spans = sentence_spans(text, start, end)
        best, best_score = (start, end), -1.0
        for i in range(len(spans)):
            n = 0
            for j in range(i, len(spans)):
                n += len(text[spans[j][0]:spans[j][1]].split())
                if n > QUOTE_WORDS and j > i:
                    break
                score = len(wanted & set(tokens(text[spans[i][0]:spans[j][1]]))) - 0.001 * n
                if score > best_score:
                    best, best_score = (spans[i][0], spans[j][1]), score
        return _first_words(text, *best, QUOTE_WORDS)

    def _with_antecedent(self, clause: Clause, start: int, end: int, question: str = "") -> Span:
        """The span, extended back over the sentence it points to when it opens by pointing back.

        The sentence that points back is never quoted without the one it points to. When the two together
        are over the word limit, either the span's later sentences give way, or, when those later sentences
        hold more of the question's words and do not point back themselves, the sentence pointing back does:
        the quote starts after it.
        """
        text = self.documents[clause.source].text
        if not points_back(shown(text, start, min(end, start + 200)).text):
            return start, end
        previous = self._previous_sentence(clause, start)
        if previous is None:
            return start, end
        joined = (previous[0], end)
        if len(text[joined[0]:joined[1]].split()) > QUOTE_WORDS:
            own = sentence_spans(text, start, end)
            keep = own[0][1]
            for s, e in own[1:]:
                if len(text[previous[0]:e].split()) > QUOTE_WORDS:
                    break
                keep = e
            joined = (previous[0], keep)
            if len(own) > 1 and keep < end and not points_back(shown(text, own[1][0], min(end, own[1][0] + 200)).text):
                wanted = set(tokens(question))
                later = (own[1][0], end)
                if len(wanted & set(tokens(text[later[0]:later[1]]))) > len(wanted & set(tokens(text[joined[0]:joined[1]]))):
                    return later
        return joined

    def _previous_sentence(self, clause: Clause, start: int) -> Span | None:
        """The sentence just before `start` in the same section (within the clause, or the clause before)."""
        text = self.documents[clause.source].text
        siblings = self._before[clause.source]
        i = next((k for k in self._overlapping(clause.source, start, start + 1) if siblings[k].start <= start), None)
        holder = clause if i is None else siblings[i]
        if start > holder.start:
            before = sentence_spans(text, holder.start, start)
            return before[-1] if before else None
        if i is None:
            i = bisect_left(self._starts[clause.source], holder.start)
            i = i if i < len(siblings) and siblings[i].start == holder.start else None
        if not i:
            return None
        prior = siblings[i - 1]
        if prior.section != holder.section or "row" in (prior.kind, holder.kind):
            return None
        spans = sentence_spans(text, prior.start, prior.end)
        return spans[-1] if spans else None


def _first_words(text: str, start: int, end: int, limit: int) -> Span:
    """The span cut after its `limit`-th word."""
    count = 0
    for match in re.finditer(r"\S+", text[start:end]):
        count += 1
        if count == limit:
            return start, start + match.end()
    return start, end


def overlaps(taken: list[tuple[str, int, int]], source: str, start: int, end: int) -> bool:
    """True when the span overlaps one already quoted from the same document."""
    return any(s == source and a < end and start < b for s, a, b in taken)


def short_lists(clauses: list[Clause], max_words: int) -> dict[int, Span]:
    """For each item of a short list (its items together at most `max_words`), the span of the list.

    A short list is quoted whole: "Fewer than 3 years: 4 hours" means little without its siblings.
    Items belong to one list when they follow each other under the same lead-in and section.
    """
    spans: dict[int, Span] = {}
    i = 0
    while i < len(clauses):
        j = i
        if clauses[i].kind == "item":
            while j + 1 < len(clauses) and clauses[j + 1].kind == "item" and all(
                    getattr(clauses[j + 1], f) == getattr(clauses[i], f) for f in ("source", "section", "context")):
                j += 1
        if j > i and sum(len(c.text.split()) for c in clauses[i:j + 1]) <= max_words:
            for k in range(i, j + 1):
                spans[k] = (clauses[i].start, clauses[j].end)
        i = j + 1
    return spans


def list_lines(text: str, start: int, end: int) -> Span:
    """A span of several list items that starts at one, widened to start at its marker so every item reads
    alike. One item wrapped over several lines (as a PDF's or a Markdown file's lines wrap) stays as it is."""
    if not any(LIST_ITEM.match(line) for line in text[start:end].split("\n")[1:]):
        return start, end
    line_start = text.rfind("\n", 0, start) + 1
    gap = text[line_start:start]
    return (line_start, end) if gap.strip() and is_list_marker(gap) else (start, end)

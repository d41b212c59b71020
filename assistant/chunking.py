"""Split a policy into clauses: sentence groups, list items and table rows, each with its section.

The chunker walks the document line by line, keeping character offsets, so every clause is an exact
slice of the document text and can be quoted word for word. Headings come from Markdown (`#`,
underlines, a bold line on its own) or, in plain text, from a short stand-alone line followed by body
text. A list item keeps the sentence that introduces its list as `context`.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from .models import Clause, PolicyDocument
from .text import stem, unescape

MAX_CLAUSE_WORDS = 60  # a clause longer than this is split at sentence boundaries, else between words
BOX_LEVEL = 8  # a box's title heads the box's lines only, under every heading of the page
HEADING_MAX_WORDS = 16
LEAD_IN_MAX_WORDS = 25  # a sentence introducing a list with this many words or more also says something itself

# "#Data protection policy.", "###Overview." (no space after the marks, as older Markdown renderers took it)
# are headings too when a capital follows; a lone "#TeamGlenmere" is a hashtag.
NO_SPACE_HEADING = r"(?:(?<=##)(?=[A-Z])|(?=[A-Z]\S*[ \t]+\S))"
_MD_HEADING = re.compile(rf"^\s{{0,3}}(#{{1,6}})(?:\s+|{NO_SPACE_HEADING})(.*?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
# a wiki heading (DokuWiki, MediaWiki): "====== Code of Conduct ======", "== Leave =="
WIKI_HEADING = re.compile(r"^[ \t]{0,3}(={2,6})[ \t]*([^=\s](?:.*?[^=\s])?)[ \t]*\1[ \t]*$", re.M)
# reStructuredText's other section adornments (a line of one punctuation mark, at least as long as its title)
_ADORNMENT = re.compile(r"^([=\-~^\"+#*])\1{2,}\s*$")
# a list item's line: its indent, its marker, and the markers of lists it opens on the same line ("* + - Emails will
# be reviewed …", as converters from Word write nested lists)
LIST_ITEM = re.compile(r"^(\s*)(?:[-*+•▪◦·–]|\d{1,3}[.)]|#\.|[a-zA-Z][.)]|(?-i:[ivx]{2,5})[.)]|\((?:[a-z]|[ivx]+|\d+)\))\s+"
                       r"(?:[-*+•▪◦][ \t]+)*(?=\S)")
# a reStructuredText substitution ("|The Setting|"): its pipes are markup, not a table's
SUBSTITUTION = re.compile(r"(?<![\w|])\|(?=[^\s|])[^|\n]*?[^\s|]\|(?![\w|])")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_]{2,120})\1\s*:?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# a rule between sections, at any depth (inside a list item, Material's "grid cards" set one under a card's title)
_THEMATIC_BREAK = re.compile(r"^\s*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# The elements of HTML: a "<tag>" of another name is the policy's own text ("send it to <insert email address
# here>", "<Company Name>"), quoted like any other words.
HTML_TAGS = frozenset((
    "a abbr address article aside audio b bdi bdo big blockquote body br button caption center cite code col "
    "colgroup data dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer form h1 "
    "h2 h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main map mark meta nav "
    "noscript object ol optgroup option output p param picture pre q rp rt ruby s samp script section select "
    "small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead "
    "time title tr track tt u ul var video wbr").split())
HTML_TAG = r"</?((?i:" + "|".join(sorted(HTML_TAGS, key=len, reverse=True)) + r"))(?![\w:-])(?:\s[^<>]*)?/?>"  # group 1: name
# An MDX / JSX component ("<PrivateLink url=\"…\">", "</PrivateLink>", "<HubSpotForm />"): markup round its words. A
# capitalised "<…>" with no attribute, no closing slash, is still the policy's own placeholder ("<Company Name>").
JSX_TAG = (r"(?-i:</[A-Z][\w.]*\s*>|<[A-Z][\w.]*(?:\s[^<>]*)?/>"  # capitalised even inside a pattern that ignores case
           r"|<[A-Z][\w.]*\s[^<>]*?[\w:-]=\s*(?:\"[^\"]*\"|'[^']*'|\{[^{}]*\})[^<>]*>)")
# Material for MkDocs: an icon (":material-clock:", ":octicons-arrow-right-24:") and an attribute list ("{ .lg .middle }",
# "{:target=\"_blank\"}", "{#anchor}") are markup round the words
ICON = r"(?<![\w:]):(?:material|octicons|fontawesome|simple)-[a-z0-9-]+:(?![\w:])"
ATTR_LIST = r"\{:[^{}\n]*\}|\{[ \t]*[#.][#.\w-][^{}\n]*\}"
# A box around a passage (Python-Markdown's admonition "!!! warning \"Title\"", its collapsible "??? note" and
# "???+ note", a content tab "=== \"Tab\""): the marker line is markup, its title the box's own heading, and its
# body the lines indented under it
ADMONITION = re.compile(r'^([ \t]*)(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+[\w-]+)*(?:[ \t]+"([^"\n]*)")?'
                        r'|===!?\+?[ \t]+"([^"\n]*)")[ \t]*$', re.M)


def box_title(match: re.Match) -> tuple[int, int]:
    """Where a box's title stands in the text the marker line was matched in (empty at the line's end if none)."""
    group = 2 if match.group(2) is not None else 3
    return match.span(group) if match.group(group) is not None else (match.end(), match.end())
# a table of contents' line: an entry, its dot leaders, its page number ("17 Health & Safety ........ 29")
_CONTENTS_LINE = r"[^\n]*?\S\s*(?:\.\s?){4,}[\s.…]*\d{1,4}|[^\n]*?\S\s*…{2,}[\s.…]*\d{1,4}"
# headings that head no section: a table of contents ("Contents (Part A)"), and a cover sheet's fields set in
# a heading style ("Authors:", "Scope: This policy outlines…", "Department: Supported Living Title: …")
_NO_SECTION = re.compile(r"^\s*(?:(?:table\s+of\s+)?contents\s*(?:\(.*\)|[-–:].*)?$"
                         r"|(?:policy|procedure|document)\s+(?:no\.?\s*)?\d+(?:\.\d+)*\s*$"  # "Policy 2": a number
                         r"|(?:or|and)\s*$"  # a template's alternatives ("**OR**"), heading nothing
                         r"|(?:authors?|author\(s\)|scope|department|title|owner|version|approved\s+by|date"
                         r"|last\s+(?:updated|reviewed|revised|review)(?:\s+date)?"
                         r"|(?:implementation|issue|effective|review|next\s+review)\s+date)\s*:)", re.I)
# MyST Markdown's "(label)=" target and the ":::{note} …" / ":::" lines around a directive, and the ":::warning" /
# "::: tip Title" lines of a custom container (VuePress, Docusaurus, markdown-it), are markup, not text
_NOISE = re.compile(r"^\s*(" + _CONTENTS_LINE + r"|\([\w:.-]+\)=|:{3,}\s*(?:\{[^}]*\}.*|[a-z][\w-]*(?:\s.*)?)?|\.\.(?:\s+[\w:-]+::.*|\s+\|[^|]+\|\s+\w+::.*|\s*\[[^\]]*\].*)?|\{%.*%\}|<!--.*-->|" + HTML_TAG + r"|" + JSX_TAG + r"|\[[^\]]+\]:\s*\S+|!\[[^\]]*\]\([^)]*\)"
                    r"|(?:&(?:nbsp|#160|#xa0);\s*)+"
                    # MDX's imports and exports (Docusaurus, Nextra): code, not text
                    r"|import\s+(?:[\w*{}\s,]+\s+from\s+)?['\"][^'\"]+['\"];?|export\s+(?:const|let|default|function)\b.*)\s*$", re.I)
# reStructuredText's explicit markup that is no text of the policy: a comment ("..", ".. note to editors") or a link
# target (".. _conduct:"), and directives whose indented body is no prose (a table of contents, code, an image);
# each with the indented lines under it. An admonition's body (".. note::") is the policy's own text.
_RST_HIDDEN = re.compile(r"^\.\.(?:[ \t]*$|[ \t]+_[^\n]*:[ \t]*$|[ \t]+(?![_|\[])(?![\w:-]+::)\S.*$|[ \t]+(?:toctree|contents|code-block"
                         r"|code|sourcecode|literalinclude|include|image|figure|raw|highlight|index|automodule|autoclass"
                         r"|graphviz|meta|sectnum|tabularcolumns|math)::.*$)")
# AsciiDoc (a page opening "= Title", or sections "== Name" with no closing marks): its section titles, list items
# ("** nested", ". numbered"), and the lines that are markup, not text — an attribute entry (":toc: preamble"), a
# conditional ("ifdef::env-github[]"), a block's attributes or anchor ("[NOTE]", "[cols=\"1h,1\"]", "[[grants]]"), a
# comment ("// to do"), a block's caption (".Metadata"), a block's delimiter ("|===", "====", "--"); and the blocks
# whose lines are no prose: a comment ("////"), a listing ("----"), a literal ("....")
ADOC_HEADING = re.compile(r"^(={1,6})[ \t]+([^=\s].*?)(?:[ \t]+=+)?[ \t]*$")
_ADOC_ITEM = re.compile(r"^([ \t]*)(\*{1,5}|\.{1,5}|-)[ \t]+(?=\S)")
_ADOC_NOISE = re.compile(r"^(?::!?\w[\w-]*!?:(?:[ \t].*)?|(?:ifdef|ifndef|ifeval|endif|include)::\S*\[.*\]"
                         r"|\[\[?[^\[\]\n]*\]\]?|//(?!//).*|\.(?=[^.\s])(?:\S+[ \t]*){1,10}(?<![.:])"
                         r"|={4,}|\*{4,}|_{4,}|\+{4,}|[|,:!]={3,}|--)[ \t]*$")
_ADOC_HIDDEN_BLOCK = re.compile(r"^(/{4,}|-{4,}|\.{4,})[ \t]*$")
# AsciiDoc's two-line section title: the title, then a line of one mark as long as it (give or take one), the mark
# giving the level: "=" the document's, "-" a section's, "~", "^", "+" deeper ones
_ADOC_UNDERLINE = re.compile(r"^([=\-~^+])\1+[ \t]*$")


def is_asciidoc(text: str) -> bool:
    """Whether a text is written in AsciiDoc: it opens with a level-0 title ("= Travel Grant Program"), or has
    sections marked "== Name" (no closing marks, which a wiki's headings have) and no Markdown heading."""
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith("//")), "")
    if re.match(r"=[ \t]+[^=\s]", first):
        return True
    sections = [m for m in re.finditer(r"^={2,6}[ \t]+[^=\s].*$", text, re.M) if not m.group().rstrip().endswith("=")]
    return len(sections) >= 2 and not re.search(r"^#{1,6}[ \t]+\S", text, re.M)


_WORD = re.compile(r"\S+")
_ENDS_SENTENCE = re.compile(r"""[.!?]["'”’)\]]*\s*$""")
_SENTENCE_END = re.compile(r"""(?<=[.!?])(["'”’)\]]*)\s+(?=["'“‘(\[]?[A-Z0-9])""")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "vs.", "U.S.", "approx.",
                  "Inc.", "Ltd.", "Co.", "Jr.", "Sr.", "p.", "pp.", "Fig.", "Sec.", "cf.", "a.m.", "p.m.")


@dataclass
class _Line:
    start: int
    end: int  # excluding the newline
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Block:
    kind: str  # paragraph | item | row | heading | box (a box's marker, its title) | end (of the last box)
    start: int
    end: int
    level: int = 0
    title: str = ""
    indent: int = 0


def chunk_document(doc: PolicyDocument) -> list[Clause]:
    """All clauses of a document, in reading order. A cover sheet's lines about the policy itself ("Date of
    Next review  Headteacher  Summer 2021") are its metadata, answered and quoted from there, not clauses."""
    return [c for c in _clauses(doc, _blocks(doc.text)) if not _cover_line(doc, c)]


def _cover_line(doc: PolicyDocument, clause: Clause) -> bool:
    if doc.review_lines is None:
        return False
    start, end = doc.review_lines  # lines about the policy ("Version: 2.0 / Reviewed: …"), not a sentence
    return clause.start < end and start < clause.end and len(clause.text.split()) <= 40 \
        and not _ENDS_SENTENCE.search(clause.text)


def _lines(text: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(_Line(pos, pos + len(body), body))
        pos += len(raw)
    return lines


def _blocks(text: str) -> list[_Block]:
    """Group lines into headings, paragraphs, list items and table rows."""
    lines = _lines(text)
    blocks: list[_Block] = []
    in_fence = False
    current: _Block | None = None
    adornments: dict[str, int] = {}  # reStructuredText adornments after "=" and "-": levels in order met

    def close() -> None:
        nonlocal current
        if current is not None:
            blocks.append(current)
            current = None

    wiki_level = _wiki_levels(lines)
    hidden = False  # inside a reStructuredText comment or a directive whose body is no prose
    boxes: list[int] = []  # the indentation of each open box's marker line
    adoc = is_asciidoc(text)
    adoc_block = ""  # the delimiter of the AsciiDoc comment, listing or literal block the lines stand in
    for i, line in enumerate(lines):
        if adoc:
            if adoc_block:
                adoc_block = "" if line.text.strip() == adoc_block else adoc_block
                continue
            if (m := _ADOC_UNDERLINE.match(line.text)) and current is not None and current.kind == "paragraph" \
                    and current.start == _line_start_of(lines, i - 1) \
                    and abs(len(line.text.strip()) - len(lines[i - 1].text.strip())) <= 1:
                blocks.append(_Block("heading", current.start, current.end, level="=-~^+".index(m.group(1)) + 1,
                                     title=_clean_title(text[current.start:current.end])))
                current = None
                continue
            if m := _ADOC_HIDDEN_BLOCK.match(line.text):
                close()
                adoc_block = m.group(1)
                continue
            if _ADOC_NOISE.match(line.text):
                close()
                continue
            if m := ADOC_HEADING.match(line.text):
                close()
                blocks.append(_Block("heading", line.start, line.end, level=len(m.group(1)), title=_clean_title(m.group(2))))
                continue
            if m := _ADOC_ITEM.match(line.text):
                close()
                depth = len(m.group(2)) if m.group(2) != "-" else 1
                current = _Block("item", line.start + m.end(), line.end, indent=len(m.group(1).expandtabs(4)) + 2 * depth)
                continue
        while boxes and not line.blank and _lead(line.text.expandtabs(4)) <= boxes[-1]:
            close()  # a line no further in than its box's marker: the box has ended
            blocks.append(_Block("end", line.start, line.start))
            boxes.pop()
        if hidden and (line.blank or line.text[:1] in " \t"):
            continue
        hidden = False
        if _RST_HIDDEN.match(line.text):
            close()
            hidden = True
            continue
        if _ADORNMENT.match(line.text) and current is None and i + 2 < len(lines) \
                and lines[i + 2].text.strip() == line.text.strip() and not lines[i + 1].blank:
            continue  # the overline of a reStructuredText title: its underline makes the heading
        if (m := _ADORNMENT.match(line.text)) and not _UNDERLINE.match(line.text) and current is not None \
                and current.kind == "paragraph" and current.start == _line_start_of(lines, i - 1) \
                and len(line.text.strip()) >= len(lines[i - 1].text.strip()):
            title = text[current.start:current.end]
            level = adornments.setdefault(m.group(1), 3 + len(adornments))
            blocks.append(_Block("heading", current.start, current.end, level=min(level, 6), title=_clean_title(title)))
            current = None
            continue
        if not in_fence and (m := ADMONITION.match(line.text)):
            close()
            a, b = _trim(text, *(line.start + n for n in box_title(m)))
            title = text[a:b]
            # a title ending in a colon ("Do NOT perform LP if:") introduces the box's list, as a lead-in does
            heads = bool(title) and not title.endswith(":")
            blocks.append(_Block("box", a, b, level=BOX_LEVEL, title=_clean_title(title) if heads else ""))
            if title and not heads:
                blocks.append(_Block("paragraph", a, b))
            boxes.append(_lead(line.text.expandtabs(4)))
            continue
        if _FENCE.match(line.text):
            close()
            in_fence = not in_fence
            continue
        if in_fence or line.blank or _NOISE.match(line.text) or _TABLE_SEP.match(line.text) and "|" in line.text:
            close()
            continue
        if (m := _MD_HEADING.match(line.text)) and m.group(2):
            close()
            blocks.append(_Block("heading", line.start, line.end, level=len(m.group(1)), title=_clean_title(m.group(2))))
            continue
        if m := WIKI_HEADING.match(line.text):
            close()
            blocks.append(_Block("heading", line.start, line.end, level=wiki_level[len(m.group(1))],
                                 title=_clean_title(m.group(2))))
            continue
        if _UNDERLINE.match(line.text) and current is not None and current.kind == "paragraph" \
                and current.start == _line_start_of(lines, i - 1):
            title = text[current.start:current.end]
            blocks.append(_Block("heading", current.start, current.end,
                                 level=1 if line.text.strip()[0] == "=" else 2, title=_clean_title(title)))
            current = None
            continue
        if _THEMATIC_BREAK.match(line.text):  # a rule between sections, not a clause
            close()
            continue
        stripped = line.text.strip()
        if stripped.startswith("|") and "|" in SUBSTITUTION.sub("", stripped) or is_tab_row(stripped):
            close()
            blocks.append(_Block("row", line.start + _lead(line.text), line.end))
            continue
        if m := LIST_ITEM.match(line.text):
            close()
            current = _Block("item", line.start + m.end(), line.end, indent=len(m.group(1).expandtabs(4)))
            continue
        if current is None:
            current = _Block("paragraph", line.start + _lead(line.text), line.end)
        else:
            current.end = line.end
    close()
    return _promote_headings(text, blocks)


def _wiki_levels(lines: list[_Line]) -> dict[int, int]:
    """The level of a wiki heading by its number of "=": DokuWiki's page title has the most ("======"),
    MediaWiki's the fewest ("=="). Whichever the document opens with is its top level."""
    marks = [len(m.group(1)) for line in lines if (m := WIKI_HEADING.match(line.text))]
    if not marks:
        return {}
    if marks[0] == max(marks):  # DokuWiki
        return {n: min(6, max(marks) - n + 1) for n in range(2, 7)}
    return {n: min(6, max(1, n - min(marks) + 1)) for n in range(2, 7)}


def _line_start_of(lines: list[_Line], i: int) -> int:
    return lines[i].start + _lead(lines[i].text) if i >= 0 else -1


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip())


def _clean_title(title: str) -> str:
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    title = re.sub(r"\[\[(?:[^\[\]|]*\|)?([^\[\]]*)\]\]", r"\1", title)  # a wiki link: its text
    title = re.sub(ATTR_LIST + r"|\{#[^}]*\}|\{%.*?%\}|<[^>]+>|" + ICON, "", title)
    return " ".join(unescape(re.sub(r"(?<!\\)[*_`]", "", title)).split()).strip(" :")


def _promote_headings(text: str, blocks: list[_Block]) -> list[_Block]:
    """Turn stand-alone title lines into headings when body text follows them."""
    # (a document whose one marked heading is its title at its head, as a web page's <h1>, has none that head its
    # sections)
    headings = [b for b in blocks if b.kind == "heading"]
    has_md_headings = len(headings) > 1 or bool(headings) and (headings[0].level != 1 or headings[0] is not blocks[0])
    under_heading = False  # a marked heading stands above: a cover or letterhead no longer can
    out: list[_Block] = []
    for i, block in enumerate(blocks):
        under_heading = under_heading or block.kind == "heading"
        if block.kind == "paragraph":
            body = text[block.start:block.end]
            bold = _BOLD_LINE.match(body)
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            # a bold line before a heading is a title too (the document's own, over its first heading), unless it
            # is a sentence set in bold; a statement ending its sentence is one wherever it stands ("**Use of personal
            # social media accounts … is prohibited.**")
            sentence = bold and re.search(r"[.!?]\s*$", bold.group(2))
            if bold and "\n" not in body and nxt is not None and nxt.kind != "end" and (
                    nxt.kind != "heading" and not (sentence and sentence.group().strip() != "?" and _stated(bold.group(2)))
                    or not sentence and not _STATEMENT.search(bold.group(2))):
                out.append(_Block("heading", block.start, block.end, level=7, title=_clean_title(bold.group(2))))
                continue
            # a bold title line with its text on the next lines ("**Q: Who has access?**" then "A: All…"), a
            # heading written without the blank line after it: a bold sentence (". !") stays in its paragraph
            first = body.split("\n", 1)[0]
            run_in = _BOLD_LINE.match(first) if "\n" in body.strip() else None
            if run_in and not re.search(r"[.!]\s*$", run_in.group(2)):
                rest = block.start + len(first) + 1
                rest += len(text[rest:block.end]) - len(text[rest:block.end].lstrip())
                out.append(_Block("heading", block.start, block.start + len(first.rstrip()), level=7,
                                  title=_clean_title(run_in.group(2))))
                out.append(_Block("paragraph", rest, block.end))
                continue
            # a plain title line, in a document with no marked headings; a line in capitals ("PAY CYCLE", "USING A
            # PRIVATE VEHICLE FOR EMPLOYER PURPOSES") under a marked heading: a PDF's larger headings are marked,
            # its headings in capitals at the body's size are not (above the first one stands a cover's letterhead)
            if (not has_md_headings or under_heading and _CAPITALS.match(body)) and _looks_like_title(body) \
                    and nxt is not None and _is_body(text, nxt):
                out.append(_Block("heading", block.start, block.end, level=7, title=_clean_title(body)))
                continue
        out.append(block)
    return out


def _looks_like_title(body: str) -> bool:
    if "\n" in body.strip():
        return False
    words = body.split()
    return (0 < len(words) <= HEADING_MAX_WORDS and not re.search(r"[.,;:!]\s*$", body) and body[:1].isupper() or
            bool(re.match(r"^\d+(\.\d+)*\.?\s+[A-Z]", body) and len(words) <= HEADING_MAX_WORDS
                 and not body.endswith("."))) and not _STATEMENT.search(body)


# A line in capitals with a word of three letters or more, and no rule word ("DO NOT SHARE PASSWORDS" is a rule)
_CAPITALS = re.compile(r"^(?=[^a-z]*[A-Z]{3})(?![^a-z]*\b(?:MUST|NOT|NEVER|SHOULD|SHALL|DO|DON'T|CANNOT|NO)\b)[^a-z]+$")

# A heading that states something: "The lead is: Jo Bloggs", or a sentence that lost its full stop (below)
_LABELLED = re.compile(r"\b(?:is|are|was|were)\s*:\s*\S")

# A line stating something ("The hours for waking night staff will be a 12-hour shift") is a sentence that lost
# its full stop, not a title, however short: a modal or finite verb after a few words, in a line not asking.
_STATEMENT = re.compile(r"^(?!\s*(?:\d[\d.]*\s+)?(?:how|what|when|where|which|who|whom|whose|why|can|do|does|is|are|should)\b)"
                        r"(?=(?:\S+\s+){5,})(?:\S+\s+){1,8}?(?:will|must|shall|should|may|can(?:not)?|is|are|was|were"
                        r"|has|have)\s+(?:not\s+)?[a-z][^?]*$", re.I)
_FINITE = re.compile(r"\s(?:is|are|was|were|will|must|shall|should|may|can(?:not)?|has|have)\s+(?:not\s+)?[a-z]", re.I)


def _stated(line: str) -> bool:
    """Whether a line ending its sentence states something: a verb after its subject, however long that is."""
    return bool(_STATEMENT.search(line)) or len(line.split()) >= 6 and bool(_FINITE.search(line))


def _is_body(text: str, block: _Block) -> bool:
    if block.kind in ("item", "row"):
        return True
    if block.kind != "paragraph":
        return False
    body = text[block.start:block.end]
    return bool(re.search(r"[.:;!?]\s*$", body)) or len(body.split()) > HEADING_MAX_WORDS or "\n" in body.strip()


# a heading's own number: "D.4.c.", "3.2", "A." (a single letter or number needs its full stop)
_HEADING_NUMBER = re.compile(r"^((?:[A-Z]|\d{1,3})(?:\.(?:[A-Za-z]|\d{1,3}))+\.?|(?:[A-Z]|\d{1,3})\.)(?=\s)")


def _number_of(title: str) -> tuple[tuple[tuple[str, ...], int], int] | None:
    """((the number's parent part, its depth), its last part's place): "D.4.c." -> ((("D", "4"), 3), 3).
    Headings with the same key are siblings, in the order of their places."""
    m = _HEADING_NUMBER.match(title)
    if m is None:
        return None
    parts = tuple(m.group(1).rstrip(".").split("."))
    last = parts[-1]
    return (parts[:-1], len(parts)), int(last) if last.isdigit() else ord(last.lower()) - ord("a") + 1


def _clauses(doc: PolicyDocument, blocks: list[_Block]):
    text = doc.text
    stack: list[tuple[int, str]] = []
    # numbered headings met, by their number's parent part and depth and their level: the sections above them
    # and their place. A heading set as an earlier one was and numbered as its next sibling ("**D.4.c.**" after
    # "**D.4.b.**") stands where that one stood: in one handbook "**D.4.b.**" in bold held headings marked
    # "##### A." to "##### K.", and "**D.4.c.**" after them would otherwise read as a part of "K."
    numbered: dict[tuple[tuple[tuple[str, ...], int], int], tuple[list[tuple[int, str]], int]] = {}
    lead_in: str | None = None  # sentence introducing the current list
    header_row: str | None = None
    title_key = _key(doc.title)
    item_parents: list[tuple[int, str]] = []
    seen_heading = False
    boxes: list[int] = []  # the depth of the section stack where each open box began
    for i, block in enumerate(blocks):
        if block.kind in ("box", "end"):
            if block.kind == "end":
                del stack[boxes.pop() if boxes else len(stack):]
            else:
                boxes.append(len(stack))
                if block.title:
                    stack.append((BOX_LEVEL, block.title))
            lead_in, header_row, item_parents = None, None, []
            continue
        if block.kind == "heading":
            while stack and stack[-1][0] >= block.level and stack[-1][0] != BOX_LEVEL:  # a box ends at its "end"
                stack.pop()
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if (nxt is None or nxt.kind == "heading" and nxt.level <= block.level) and (
                    _LABELLED.search(block.title) or _STATEMENT.search(block.title)):
                # a heading over nothing that states something ("Designated Health and Safety Officer is: Sylwia
                # Ferreday") is the section above it speaking: a clause, its words otherwise never read
                words = re.search(r"[^\s#*_].*?(?=[\s#*_:]*$)", text[block.start:block.end], re.S)
                if words:
                    start = block.start + words.start()
                    yield _make(doc, tuple(title for _, title in stack), "sentence", start, block.start + words.end(), None)
                    lead_in, header_row, item_parents = None, None, []
                    continue
            # a first top-level heading, or one repeating the title with no section above it (the title again at
            # the top of a page), names the document, not a section
            is_title = block.level == 1 and not stack and not seen_heading \
                or (not seen_heading or not stack) and _key(block.title) == title_key
            seen_heading = True
            written = re.sub(r"^[#\s]+|[*_`]", "", text[block.start:block.end])  # as written, its colon kept
            if block.title and not is_title and not _NO_SECTION.match(written):
                number = _number_of(block.title)
                if number is not None:
                    key, place = (number[0], block.level), number[1]
                    if key in numbered and numbered[key][1] < place:  # the next of its siblings, not a new count
                        stack = list(numbered[key][0])
                    numbered[key] = (list(stack), place)
                stack.append((block.level, block.title))
            lead_in, header_row, item_parents = None, None, []
            continue
        section = tuple(title for _, title in stack)
        if block.kind == "row":
            row = text[block.start:block.end]
            cells = [c for c in re.split(r"\||\t", row) if c.strip()]
            if not cells:
                continue
            if header_row is None and row.strip().startswith("|"):
                header_row = row  # the first row of a Markdown table names the columns
                continue
            for start, end in _sentence_groups(text, block.start, block.end):
                yield _make(doc, section, "row", start, end, header_row)
            continue
        header_row = None
        if block.kind == "item":
            while item_parents and item_parents[-1][0] >= block.indent:
                item_parents.pop()
            context = item_parents[-1][1] if item_parents else lead_in
            for start, end in _sentence_groups(text, block.start, block.end):
                yield _make(doc, section, "item", start, end, context)
            item_parents.append((block.indent, _last_sentence(text, block.start, block.end)))
            continue
        # paragraph
        item_parents = []
        groups = _sentence_groups(text, block.start, block.end)
        introduces_list = i + 1 < len(blocks) and blocks[i + 1].kind == "item"
        for n, (start, end) in enumerate(groups):
            kind = "sentence"
            if introduces_list and n == len(groups) - 1 and _is_lead_in(text, start, end):
                kind = "lead-in"  # quoted as the context of its items, never as an answer on its own
            yield _make(doc, section, kind, start, end, None)
        if groups:
            last = _last_sentence(text, block.start, block.end)
            lead_in = last if last.rstrip().endswith(":") or len(last.split()) <= 40 else None


# a list item's marker alone: "*\tGym shoes …", "-\tCommunication …" put a tab after the marker, as Word's lists do
_MARKER_ONLY = re.compile(r"^(?:[-*+•▪◦·–]|\d{1,3}[.)]|[a-zA-Z][.)]|\((?:[a-z]|[ivx]+|\d+)\))$")


def is_tab_row(line: str) -> bool:
    """A table row written with tabs (as PDF and text files give tables): two or more cells with words. A list
    item whose marker a tab sets off from its text is no row."""
    cells = [cell for cell in line.split("\t") if cell.strip()]
    return len(cells) >= 2 and not (len(cells) == 2 and _MARKER_ONLY.match(cells[0].strip()))


def is_list_marker(gap: str) -> bool:
    """True when `gap` is nothing but white space and one list item's marker ("\n- ", "\n  2. ")."""
    match = LIST_ITEM.match(gap + "x")
    return match is not None and match.end() == len(gap)


def _is_lead_in(text: str, start: int, end: int) -> bool:
    """A single sentence ending in a colon, such as "The following are not considered acceptable:", that
    only introduces its list. A longer one ("…it should immediately (or within 14 days of the occasion of
    the grievance) be brought to the attention of the company as follows:") says something of its own: it
    is still its items' context, and a clause that may answer too."""
    return text[start:end].rstrip("*_ ").endswith(":") and len(sentence_spans(text, start, end)) == 1 \
        and len(text[start:end].split()) < LEAD_IN_MAX_WORDS


def _make(doc: PolicyDocument, section: tuple[str, ...], kind: str, start: int, end: int, context: str | None) -> Clause:
    body = doc.text[start:end]
    digest = hashlib.sha1(f"{doc.source}\0{start}\0{body}".encode()).hexdigest()[:16]
    return Clause(id=digest, source=doc.source, document=doc.title, section=section, kind=kind,
                  start=start, end=end, text=body, context=context)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence boundaries within text[start:end], as absolute offsets, whitespace trimmed."""
    spans, pos = [], start
    chunk = text[start:end]
    for match in _SENTENCE_END.finditer(chunk):
        cut = start + match.end(1)  # closing quotes and brackets stay with their sentence
        if _ends_with_abbreviation(text[pos:start + match.start()]) or (
                chunk[match.end():match.end() + 1].isdigit() and _SHORT_TITLE.search(text, pos, start + match.start())):
            continue
        spans.append((pos, cut))
        pos = start + match.end()
    spans.append((pos, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


# a short title-case word before a full stop and a number: "Rs. 2,500", "Ch. 6", "Sec. 3" (not "TTS. 18F uses …")
_SHORT_TITLE = re.compile(r"(?:^|[\s(\[])[A-Z][a-z]{0,3}\.$")


def _ends_with_abbreviation(before: str) -> bool:
    """True when the full stop ending `before` belongs to a whole-word abbreviation ("e.g.", "J.")."""
    words = before.split()
    last = words[-1].lstrip("([\"'“‘") if words else ""
    return last in _ABBREVIATIONS or last[:1].lower() + last[1:] in _ABBREVIATIONS \
        or re.search(r"(?:^|\W)[A-Z]\.$", last) is not None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Greedy groups of whole sentences of at most MAX_CLAUSE_WORDS words; a longer sentence is cut in pieces."""
    start, end = _trim(text, start, end)
    if start >= end:
        return []
    if _word_count(text, start, end, MAX_CLAUSE_WORDS + 1) <= MAX_CLAUSE_WORDS:
        return [(start, end)]
    groups: list[tuple[int, int]] = []
    g_start: int | None = None
    g_end = start
    words = 0
    for s, e in sentence_spans(text, start, end):
        n = _word_count(text, s, e, MAX_CLAUSE_WORDS + 1)
        if g_start is not None and words + n > MAX_CLAUSE_WORDS:
            groups.append((g_start, g_end))
            g_start, words = None, 0
        if n > MAX_CLAUSE_WORDS:  # one sentence over the limit (or text with no sentence ends at all)
            groups += _word_pieces(text, s, e)
            continue
        if g_start is None:
            g_start = s
        g_end, words = e, words + n
    if g_start is not None:
        groups.append((g_start, g_end))
    return groups


def _word_count(text: str, start: int, end: int, cap: int) -> int:
    """Words in text[start:end], counting no further than `cap` (a 30 MB line is not split to count it)."""
    n = 0
    for _ in _WORD.finditer(text, start, end):
        n += 1
        if n >= cap:
            break
    return n


def _word_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run of words over the limit cut into pieces of at most MAX_CLAUSE_WORDS words.

    Each piece ends, where it can, after a word closing a phrase (`;`, `,`, `:`, `)`) in its second
    half, so pieces read as whole phrases; otherwise at the limit.
    """
    pieces: list[tuple[int, int]] = []
    words: list[re.Match[str]] = []
    for match in _WORD.finditer(text, start, end):
        words.append(match)
        if len(words) == MAX_CLAUSE_WORDS:
            cut = next((i for i in range(len(words) - 1, MAX_CLAUSE_WORDS // 2 - 1, -1)
                        if words[i].group()[-1] in ";,:)"), len(words) - 1)
            pieces.append((words[0].start(), words[cut].end()))
            words = words[cut + 1:]
    if words:
        pieces.append((words[0].start(), words[-1].end()))
    return pieces


def _last_sentence(text: str, start: int, end: int) -> str:
    spans = sentence_spans(text, start, end)
    s, e = spans[-1] if spans else (start, end)
    return text[s:e]


def _key(title: str) -> str:
    """A title as compared with another: "Working with Children Policy and Procedures" is the document
    "Working With Children Policy & Procedure"."""
    return " ".join(stem(w) for w in re.findall(r"\w+", title.lower().replace("&", " and ")))


def passage(clause: Clause) -> str:
    """What is embedded and matched for a clause: its place in the policy, its lead-in, then its words."""
    from .text import plain

    where = " › ".join((clause.document, *clause.section))
    lead = f"{plain(clause.context)} " if clause.context else ""
    return f"{where}: {lead}{plain(clause.text)}"


BLANK_LINE = re.compile(r"\n[ \t]*\n")  # what ends a paragraph


def paragraph_texts(documents: list[PolicyDocument], clauses: list[Clause]) -> tuple[list[int], list[str]]:
    """Each clause's paragraph as written: its document's text between the blank lines around the clause,
    nothing added (no document, section or lead-in, unlike `passage`). Returns, for each clause, the
    number of its paragraph, and the paragraphs' texts (each once)."""
    bounds: dict[str, tuple[list[int], list[tuple[int, str]]]] = {}
    for doc in documents:
        starts: list[int] = []
        spans: list[tuple[int, str]] = []
        at = 0
        for gap in [*BLANK_LINE.finditer(doc.text), None]:
            end = gap.start() if gap else len(doc.text)
            if doc.text[at:end].strip():
                starts.append(at)
                spans.append((end, doc.text[at:end].strip()))
            at = gap.end() if gap else end
        bounds[doc.source] = (starts, spans)
    numbers: dict[str, int] = {}
    of: list[int] = []
    for clause in clauses:
        starts, spans = bounds.get(clause.source, ([], []))
        i = bisect.bisect_right(starts, clause.start) - 1
        text = spans[i][1] if i >= 0 and spans[i][0] >= clause.start else clause.text
        of.append(numbers.setdefault(text, len(numbers)))
    return of, list(numbers)


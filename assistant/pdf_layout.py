"""A PDF's text as the Markdown the chunker reads, from where its lines stand on the page.

pypdf gives a page's text line by line, with no paragraphs, and with whatever the page's header and footer
say in the middle of the policy ("Glenmere Primary School – Social Media Policy", "Page 3 of 12"). Its
text visitor reports where each piece of text stands and in which font and size, and the pieces add up to
exactly the text it returns. From that:

- a line that stands at the top or the bottom of most pages, the same but for its numbers, is the
  page's furniture and is dropped, and so is a page number there on any page;
- a gap between lines wider than the page's usual line spacing, or a line ending a sentence well short
  of the column's width, ends a paragraph;
- a short line in a larger size than the body, or all in bold, is a heading (`#`, by size);
- a line opening with a bullet glyph is a list item (`- `);
- a table's cells, given one after the other, are read again as their rows;
- a paragraph that runs on over a page break is joined again.

A page whose positions cannot be read falls back to its plain text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

# glyphs that open a bulleted line in exported documents (Symbol and Wingdings bullets land in the private
# use area, or as the character their code point has in Latin-1: "·", "§", "Ø", "ü")
# (a symbol font's bullet may come out as a control character: "\x01 Never admit fault", "\x7f"; any glyph of the
# Symbol and Wingdings fonts, which Word and PowerPoint map to U+F020–U+F0FF, opening a line is one: "\uf0b4 Consultants
# wear black scrubs")
BULLETS = "•●▪■◦○‣⁃∙·◆◇►▶➢➤✓✔✗□\x7f\x01\x02\x03\x04\x05\x06\x07\x08\uf020-\uf0ff"
_BULLET = re.compile(rf"^\s*[{BULLETS}]\s*(?=\S)|^\s*[oØ§ü]\s+(?=[A-Za-z0-9“\"'(])")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_PAGE_COUNT = re.compile(r"\bpage\s+\d{1,4}\s*(?:of|/)\s*\d{1,4}\b", re.I)
_SENTENCE_DONE = re.compile(r"""[.!?:;]["'”’)\]]*\s*$""")
_RUNS_ON = re.compile(r"^(?!\d+(?:\.\d+)+\.?\s)[a-z0-9(,;–-]")  # how a sentence carried over a page break goes on
# (a numbered clause, "3.3 Investigations …", starts anew)
_HEADING_MAX_WORDS = 16
_PROSE_WORDS = 20  # a heading wrapped on to another line may run longer than one line's, to this
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-Za-z]")  # "3. Caretaker", "4.2 Visits"
_CELLS = re.compile(r"\S {2,}\S.* {2,}\S")  # words set apart in three or more columns: a table's row
_FURNITURE_LINES = 4  # how many lines at a page's top and at its bottom may be its header or footer


# a carriage return drawn as text between words, with the blanks around it ("Station\t\r \xa0Handbook": Word for Mac's
# PDFs map every space so): a page shows it as a space, never as a line break
_DRAWN_BREAK = re.compile(r"[ \t\xa0]*\r(?!\n)[ \t\xa0]*")


def _drawn_spaces(text: str) -> str:
    return _DRAWN_BREAK.sub(" ", text)


@dataclass
class Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool


def page_lines(page) -> tuple[str, list[Line]]:
    """A page's text, and its lines with where they stand (none when the visitor gives no positions)."""
    pieces: list[tuple[str, float, float, float, bool]] = []

    def visit(text, cm, tm, font, size):
        matrix = _times(tm, cm)
        scale = math.hypot(matrix[2], matrix[3]) or 1.0
        name = str((font or {}).get("/BaseFont", "")) if hasattr(font, "get") else ""
        pieces.append((text, matrix[4], matrix[5], float(size or 0) * scale, _is_bold(name)))

    text = page.extract_text(visitor_text=visit) or ""
    if "".join(p[0] for p in pieces) != text:  # the pieces must be the text, or positions mean nothing
        return _drawn_spaces(text), []
    pieces = [(_drawn_spaces(piece[0]), *piece[1:]) for piece in pieces]
    lines: list[Line] = []
    current: list[tuple[str, float, float, float, bool]] = []
    for piece in pieces:
        parts = piece[0].split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append(_line(current))
                current = []
            current.append((part, *piece[1:]))
    if current:
        lines.append(_line(current))
    return text, _rows(_spaced(_top_down(lines)))


def _top_down(lines: list[Line]) -> list[Line]:
    """The lines with heights that fall down the page. Some designers' tools (Canva's leaflets) place text
    with the page's y axis turned over, so that a paragraph's lines climb: read so, each line would be a
    paragraph of its own. When most lines that follow one another in a column climb, the axis is turned back."""
    climbs = falls = 0
    for above, below in zip(lines, lines[1:]):
        if above.text.strip() and below.text.strip() and abs(above.x - below.x) <= 2 \
                and 0 < abs(above.y - below.y) <= 3 * max(above.size, below.size):
            climbs += below.y > above.y
            falls += below.y < above.y
    if climbs < 3 or climbs <= falls:
        return lines
    return [Line(text=line.text, x=line.x, y=-line.y, size=line.size, bold=line.bold) for line in lines]


def _spaced(lines: list[Line]) -> list[Line]:
    """Words drawn one by one, with the spaces between them drawn as text of their own (some exporters do
    so), read as the lines they make: a space at a word's height, right of it, with the next word starting
    where the space ends, joins the two. A table's cells are never so joined: Word leaves its empty pieces
    between cells elsewhere on the page, and a cell starts well after any space."""
    out: list[Line] = []
    space: Line | None = None  # a space drawn after the last line kept, waiting for the word it leads to
    for line in lines:
        if not line.text.strip():
            space = line if line.text and out and out[-1].text.strip() else None
            continue
        if space is not None and out:
            before = out[-1]
            near = 0.35 * max(line.size, before.size, 1.0)
            if abs(space.y - before.y) <= near and abs(line.y - before.y) <= near and space.x > before.x \
                    and 0 < line.x - space.x <= 0.6 * max(line.size, before.size):
                out[-1] = Line(text=before.text + space.text + line.text, x=before.x, y=before.y,
                               size=before.size, bold=before.bold and line.bold)
                space = None
                continue
        space = None
        out.append(line)
    return out


def _rows(lines: list[Line]) -> list[Line]:
    """A table's rows, which pypdf gives cell by cell, read again as rows (each a line, its cells a tab apart,
    so that it is quoted as a table's row). Word writes a row's cells left to right, each cell's lines top
    down, with empty pieces of text between them: a line at the height of the row's first line and to the
    right of the cell before is the next cell; a line just below, not left of the cell being read, goes on
    in that cell. A "row" of one cell is ordinary text and is left as it stands."""
    out: list[Line] = []
    row: list[Line] = []
    cells: list[list[Line]] = []

    def flush() -> None:
        groups = _word_runs(cells) if len(cells) >= 2 else None
        if groups is not None and len(groups) == 1:
            top = row[0]  # a line's words, drawn one by one: a line of text, not a row of cells
            out.append(Line(text=" ".join(line.text.strip() for line in row), x=top.x, y=top.y, size=top.size,
                            bold=all(line.bold for line in row)))
        elif len(cells) >= 2:
            top = row[0]
            text = "\t".join(" ".join(line.text.strip() for line in cell) for cell in groups or cells)
            out.append(Line(text=text, x=top.x, y=top.y, size=top.size, bold=all(line.bold for line in row)))
        else:
            out.extend(row)
        row.clear()
        cells.clear()

    for line in lines:
        if not line.text.strip():
            continue  # an empty piece (Word leaves them between cells): nothing to read
        if row:
            near = 0.35 * max(line.size, row[0].size, 1.0)
            if len(cells) == 1:  # text read so far may end where a row begins: at the line this one stands beside
                k = next((k for k, part in enumerate(row) if abs(line.y - part.y) <= near), 0)
                if k and line.x > max(part.x for part in row[k:]) + near:
                    before = row[:k]
                    del row[:k]
                    del cells[0][:k]
                    out.extend(before)
            top, previous, cell = row[0], row[-1], cells[-1]
            if abs(line.y - top.y) <= near and line.x > max(part.x for part in cell) + near:
                cells.append([line])
                row.append(line)
                continue
            if near < previous.y - line.y <= 2 * max(line.size, previous.size) and line.x >= cell[0].x - near \
                    and abs(line.size - previous.size) <= 0.5 and top.y - line.y <= 6 * top.size:
                cell.append(line)
                row.append(line)
                continue
            flush()
        row.append(line)
        cells.append([line])
    flush()
    return out


def _word_runs(cells: list[list[Line]]) -> list[list[Line]] | None:
    """Where a row's pieces are single words (some exporters, Google Docs', draw every word on its own): the runs
    of words set a space apart, which are its cells, or one run for a line of text; None for any other row.

    A justified line's words each start about where the one before ends: 0.7 of an em a letter over the line,
    an em at most between two words (a clause number before the first word may stand at a tab stop). Within a
    cell, words stand a space apart, within 0.6 of an em a letter (0.55 in a row of two or three words); a
    table's next column stands further off."""
    if any(len(cell) > 1 or len(cell[0].text.split()) != 1 for cell in cells):
        return None
    words = [cell[0] for cell in cells]
    if _justified(words[1:] if _CLAUSE_NUMBER.match(words[0].text.strip()) else words):
        return [words]
    limit = 0.6 if len(words) >= 4 else 0.55
    runs = [[words[0]]]
    for word, after in zip(words, words[1:]):
        if 0 < after.x - word.x <= limit * max(word.size, 1.0) * (len(word.text.strip()) + 1):
            runs[-1].append(after)
        else:
            runs.append([after])
    return runs


def _justified(words: list[Line]) -> bool:
    if len(words) < 3:
        return False
    em = max(words[0].size, 1.0)
    letters = [len(word.text.strip()) + 1 for word in words[:-1]]
    return words[-1].x - words[0].x <= 0.7 * em * sum(letters) and all(
        0 < after.x - word.x <= em * n for word, after, n in zip(words, words[1:], letters))


_CLAUSE_NUMBER = re.compile(r"^\(?\d{1,3}(?:\.\d{1,3})*[.)]?$")


def _line(parts) -> Line:
    text = "".join(p[0] for p in parts)
    inked = [p for p in parts if p[0].strip()] or [p for p in parts if p[0]] or parts  # a drawn space: where it stands
    weight = Counter()
    for part in inked:
        weight[round(part[3] * 2) / 2] += len(part[0].strip()) or 1
    return Line(text=text.rstrip() or text.strip("\n"), x=inked[0][1], y=inked[0][2],
                size=weight.most_common(1)[0][0], bold=all(p[4] for p in inked))


def _times(m, n):
    return [m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]]


def _is_bold(font: str) -> bool:
    name = font.split("+", 1)[-1].lower()
    return any(w in name for w in ("bold", "black", "heavy", "semibold", "demi")) or name.endswith((",b", "-b"))


def to_markdown(pages: list[list[Line]]) -> str:
    """The pages' lines as Markdown: furniture dropped, paragraphs, headings and list items set apart."""
    pages = _without_furniture(pages)
    body = [line for page in pages for line in page if line.text.strip()]
    if not body:
        return ""
    body_size = _body_size(body)
    pages = [_reading_order(page, body_size) for page in pages]
    spacing = _line_spacing(pages, body_size)
    widths = sorted(len(line.text.strip()) for line in body if abs(line.size - body_size) < 0.75)
    full = widths[int(len(widths) * 0.8)] if widths else 80
    levels = _heading_levels(body, body_size)

    blocks: list[list[str]] = []  # each block: its lines; a heading or item starts its own block
    kinds: list[str] = []
    heading_levels: list[int] = []  # of the heading blocks, in order
    for page_no, page in enumerate(pages):
        previous: Line | None = None
        inked = [line for line in page if line.text.strip()]
        for n, line in enumerate(inked):
            text = line.text.strip()
            following = inked[n + 1] if n + 1 < len(inked) else None
            heading = _heading_level(line, text, body_size, levels)
            if heading and following is not None and _close(line, following, spacing, body_size) \
                    and following.text.strip()[:1].islower() \
                    and ((following.size, following.bold) != (line.size, line.bold)
                         or re.search(r"[.!:]$", following.text.strip())):
                heading = 0  # the sentence goes on in the next line (in another font, or to its stop: not a "?")
            if heading and line.size not in levels and len(text) >= 0.75 * full and _bold_sentence(inked, n, spacing, body_size):
                heading = 0  # bold body text filling the column and going on to a full stop: a sentence in bold
            if heading and line.size not in levels and previous is not None and _close(previous, line, spacing, body_size) \
                    and not _SENTENCE_DONE.search(previous.text) and kinds[-1] != "heading":
                heading = 0  # bold words running on from the line above: emphasis, not a heading
            # a list item's next line, set as the item is (larger than the body, so it looks like a heading): the
            # item goes on, its own line height below
            wrapped = previous is not None and kinds and kinds[-1] == "item" and not _BULLET.match(text) \
                and (previous.size, previous.bold) == (line.size, line.bold) \
                and 0 < previous.y - line.y <= 1.6 * line.size and not _SENTENCE_DONE.search(previous.text)
            if wrapped:
                heading = 0
            bullet = _BULLET.match(text)
            if heading:
                if kinds and kinds[-1] == "heading" and previous is not None and heading_levels[-1] == heading \
                        and previous.size == line.size and _close(previous, line, max(spacing, 1.1 * line.size)):
                    blocks[-1][0] += " " + text  # a heading wrapped onto a second line (its own line height apart)
                else:
                    blocks.append([text])
                    kinds.append("heading")
                    heading_levels.append(heading)
            elif bullet:
                blocks.append(["- " + text[bullet.end():]])
                kinds.append("item")
            elif wrapped:
                blocks[-1].append(text)
            elif previous is None and page_no and kinds and kinds[-1] in ("paragraph", "item") \
                    and not _SENTENCE_DONE.search(blocks[-1][-1]) \
                    and (_RUNS_ON.match(text) or len(blocks[-1]) > 1 and len(blocks[-1][-1]) >= 0.75 * full):
                # a sentence carried over the page break: it goes on in lower case, or a paragraph's lines
                # filled the column to the foot of the page (a line standing alone there may be a title)
                blocks[-1].append(text)
            elif previous is not None and kinds and kinds[-1] in ("paragraph", "item") \
                    and _close(previous, line, spacing, body_size) \
                    and (kinds[-1] == "paragraph" or previous.size == line.size or not _larger(previous, body_size)) \
                    and not (_SENTENCE_DONE.search(previous.text) and len(previous.text.strip()) < 0.75 * full):
                blocks[-1].append(text)
            else:
                blocks.append([text])
                kinds.append("paragraph")
            previous = line
    # a heading wrapped on to more lines than a title takes runs to prose: a sentence, or a list of contents
    # ("5. CODE OF CONDUCT POLICY 5.1. PURPOSE 5.2. STATEMENT …"), which no clause should hide in a section's name
    headings = [n for n, kind in enumerate(kinds) if kind == "heading"]
    prose = {n for n in headings if len(blocks[n][0].split()) > _PROSE_WORDS}
    heading_levels = [level for n, level in zip(headings, heading_levels) if n not in prose]
    for n in prose:
        kinds[n] = "paragraph"
    titles = [block[0] for block, kind in zip(blocks, kinds) if kind == "heading"]
    marks = iter(_numbered_as_siblings(titles, heading_levels))
    # a line of the body that starts with "#" (a table's "#" column) is no Markdown heading: escaped, it reads as "#"
    return "\n\n".join("#" * next(marks) + " " + block[0] if kind == "heading"
                       else "\n".join(re.sub(r"^(\s*)#", r"\1\\#", line) for line in block)
                       for block, kind in zip(blocks, kinds))


def _numbered_as_siblings(titles: list[str], levels: list[int]) -> list[int]:
    """Numbered headings ("3. Caretaker", "4. School Administrator") are the document's sections, right under
    its title, whatever font their author set them in; "3.1 …" is one level below "3. …". A heading without a
    number keeps the level its font gives it ("Table of Contents", set larger, held every section)."""
    depth = [len(m.group(1).split(".")) if (m := _NUMBERED.match(t)) else 0 for t in titles]
    if sum(d == 1 for d in depth) < 2:
        return levels
    return [min(1 + d, 6) if d else level for level, d in zip(levels, depth)]


def running_header(pages: list[list[Line]]) -> list[str]:
    """The first page's furniture above its body, top first: the running header a Word file repeats on every
    page, which often holds the policy's name ("Staff Training and Development Policy", "ZSL-POL-18 …")."""
    if not pages:
        return []
    first = pages[0]
    kept = {id(line) for line in _without_furniture(pages)[0]}
    body = [line.y for line in first if id(line) in kept and line.text.strip()]
    top = max(body) if body else float("-inf")
    return [" ".join(line.text.split()) for line in sorted(first, key=lambda line: -line.y)
            if id(line) not in kept and line.text.strip() and line.y > top]


def _without_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop the lines standing at the same place at the top or foot of most pages (numbers aside), and page
    numbers there.

    A line set larger than the body is furniture only when its very words (numbers too) stand there on
    most pages, or when it is a page number standing where most pages have one: a heading at the top of
    every page that differs only by its number ("Part 1", "Part 2") is the policy's."""
    def key(line: Line, numbers: bool = False) -> tuple[str, int]:  # the same words at the same height
        words = " ".join(line.text.lower().split())
        return (words if numbers else re.sub(r"\d+", "#", words)), round(line.y / 4)

    every = [line for page in pages for line in page]
    body_size = _body_size(every) if every else 0.0

    def edges(lines: list[int], page: list[Line]) -> list[int]:
        tops = sorted(lines, key=lambda i: -page[i].y)
        return tops[:_FURNITURE_LINES] + tops[-_FURNITURE_LINES:]

    def ends(page: list[Line]) -> tuple[list[int], list[int]]:  # (lines no larger than the body, larger ones)
        inked = [i for i, line in enumerate(page) if line.text.strip()]
        small = edges([i for i in inked if page[i].size <= body_size + 0.5], page)
        return small, [i for i in edges(inked, page) if page[i].size > body_size + 0.5]

    seen, exact = Counter(), Counter()
    for page in pages:
        small, large = ends(page)
        seen.update({key(page[i]) for i in small + large})
        exact.update({key(page[i], numbers=True) for i in large})
    often = {k for k, n in seen.items() if n >= 2 and n >= 0.5 * len(pages)}
    often_exact = {k for k, n in exact.items() if n >= 2 and n >= 0.5 * len(pages)}
    def furniture(line: Line) -> bool:
        if line.size <= body_size + 0.5:
            return key(line) in often
        # ... or when it counts the pages ("SSG – Slavery Policy Page 1 of 3", a size above the body on every page)
        return key(line, numbers=True) in often_exact or bool(_PAGE_NUMBER.match(line.text) or _PAGE_COUNT.search(
            line.text)) and key(line) in often

    kept = []
    for page in pages:  # found among the lines at the edges, furniture is dropped wherever the page has it
        small, _ = ends(page)  # (a figure's text set below the footer pushes it from the last lines)
        drop = {i for i in small if _PAGE_NUMBER.match(page[i].text)} | _marked_twice(page)
        drop |= {i for i, line in enumerate(page) if furniture(line)}
        kept.append([line for i, line in enumerate(page) if i not in drop])
    return kept


def _reading_order(page: list[Line], body_size: float) -> list[Line]:
    """The page's lines top down where its text was written out of order: a run of lines set above everything
    written before it on the page, in the body's size or larger (a cover page's title and dates in a text box
    drawn after the body), is read first. Nothing else moves: a small line printed at the top last (a
    browser's header on a one-page print) stays where it was; runs side by side (a second column, a table's
    next cell) are not above everything before them; and a text box's lines may stand where its own frame,
    not the page, says."""
    runs: list[list[Line]] = []
    for line in page:
        if runs and line.y > runs[-1][-1].y + max(line.size, runs[-1][-1].size):
            runs.append([line])  # back up the page: another run begins
        elif runs:
            runs[-1].append(line)
        else:
            runs.append([line])
    if len(runs) < 2:
        return page
    ordered: list[Line] = []
    for run in runs:
        if ordered and max(line.y for line in ordered) < min(line.y for line in run) - 0.5 * run[-1].size \
                and max(line.size for line in run) >= body_size - 0.5:
            ordered[:0] = run
        else:
            ordered += run
    return ordered


def _marked_twice(page: list[Line]) -> set[int]:
    """A short line in capitals standing both among a page's first lines and among its last, word for word: a
    marking printed at its top and foot ("OFFICIAL", "CONFIDENTIAL"), which a one-page document has no other
    pages to show as furniture. (A form's "Signature:" or a list's "Goal:" may stand twice too.)"""
    inked = sorted((i for i, line in enumerate(page) if line.text.strip()), key=lambda i: -page[i].y)
    if len(inked) < 2 * _FURNITURE_LINES:
        return set()
    top, foot = inked[:_FURNITURE_LINES], inked[-_FURNITURE_LINES:]
    marks = {i: " ".join(page[i].text.split()) for i in top + foot}
    marks = {i: m for i, m in marks.items()
             if len(m.split()) <= 4 and m.isupper() and not m.endswith(":") and not _BULLET.match(m)}
    both = {marks[i] for i in top if i in marks} & {marks[i] for i in foot if i in marks}
    return {i for i, m in marks.items() if m in both}


def _body_size(lines: list[Line]) -> float:
    """The size most of the running text is set in (list items aside: some documents set them larger)."""
    prose = [line for line in lines if not _BULLET.match(line.text)] or lines
    weight = Counter()
    for line in prose:
        weight[line.size] += len(line.text)
    return weight.most_common(1)[0][0]


def _bold_sentence(lines: list[Line], n: int, spacing: float, body_size: float) -> bool:
    """Whether the lines from the n-th on, in its font and each close below the last, end a sentence (". ! :")
    rather than a heading (no stop, or a question)."""
    first = lines[n]
    for previous, line in zip(lines[n:], lines[n + 1:]):
        if (line.size, line.bold) != (first.size, first.bold) or not _close(previous, line, spacing, body_size):
            return False
        text = line.text.strip()
        if re.search(r"[.!:]$", text):
            return True
        if text.endswith("?"):
            return False
    return False


def _line_spacing(pages: list[list[Line]], body_size: float) -> float:
    gaps = [a.y - b.y for page in pages for a, b in zip(page, page[1:])
            if abs(a.size - body_size) < 0.75 and abs(b.size - body_size) < 0.75 and 0 < a.y - b.y < 3 * body_size]
    return median(gaps) if gaps else 1.2 * body_size


def _close(previous: Line, line: Line, spacing: float, body_size: float | None = None) -> bool:
    """The next line of the same paragraph: below the last one, no wider apart than usual lines. Lines set
    larger than the body are spaced wider in proportion (prose in 9.5 pt beside tables in 8 pt)."""
    gap = previous.y - line.y
    size = min(previous.size, line.size)
    return 0 < gap <= 1.3 * spacing * (max(1.0, size / body_size) if body_size else 1.0)


def _heading_levels(lines: list[Line], body_size: float) -> dict[float, int]:
    """Heading sizes to levels, largest first; a size within half a point of the next larger one shares its
    level. (Word's own heading styles differ by a single point, 14 / 13 / 11 bold; headings an author sized by
    hand differ more, and numbering, not size, ranks those: see _numbered_as_siblings.)"""
    sizes = sorted({line.size for line in lines if _larger(line, body_size) and _short(line.text)}, reverse=True)
    levels: dict[float, int] = {}
    level, last = 0, None
    for size in sizes:
        if last is None or last - size > 0.5:
            level += 1
        levels[size], last = min(level, 5), size
    return levels


def _heading_level(line: Line, text: str, body_size: float, levels: dict[float, int]) -> int:
    if not _short(text) or re.search(r"[.,;:]$", text) or _BULLET.match(text) or _CELLS.search(text) \
            or "\t" in text or not re.search(r"[^\W_]", text) or _only_a_date(text):
        return 0  # a sentence, a list's lead-in, an item, a table row's cells, a symbol ("□") or a date set large
    if line.size in levels and _larger(line, body_size):
        return levels[line.size]
    if line.bold and abs(line.size - body_size) < 0.75:
        return min(len(levels) + 2, 6)  # never the title's level: bold body text heads a section
    return 0


def _only_a_date(text: str) -> bool:
    """A line that is only a date ("January 2025", "8 January 2025", "08/01/2025"): the version's date under a
    title, which heads nothing (a school year, "2023-24", is no date)."""
    from .loaders import parse_month  # the loaders read PDFs through this module

    return parse_month(text) is not None


def _larger(line: Line, body_size: float) -> bool:
    """Set larger than the body as headings are: in bold, or clearly larger (a table's cells are often set a
    point above the body, in its weight)."""
    return line.size >= body_size + 1 and (line.bold or line.size >= 1.2 * body_size)


def _short(text: str) -> bool:
    return 0 < len(text.split()) <= _HEADING_MAX_WORDS

"""OpenDocument Text (.odt, LibreOffice's and OpenOffice's own format, or .fodt, the same as one XML file)
read as the text a reader sees.

Written out as the Word reader writes a .docx (loaders.py): headings as `#` lines, list paragraphs as `- `
items, a heading set in bold by hand as `**…**`, tables as `| … |` rows, and a table used to lay out a
page read as the text in its cells. What a reader does not see on the page as the policy's own words is
left out: comments, footnotes and endnotes (their mark and their body), text deleted with changes
tracked (recorded apart, or standing between the change's marks as LibreOffice also writes it), and the
generated table of contents; words inserted with changes tracked stand, as they do on
the page. The numbers lists and headings show ("3.1", "b)"), which the file holds as rules, are worked out
and returned beside the text, not in it (see `PolicyDocument.numbers`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from .errors import DocumentError
from .loaders import FRAME_WORDS, Extracted, joined, reads_as_prose
from .numbering import format_number

# content.xml unpacked beyond this is refused unread (a small file may unpack to gigabytes)
MAX_UNPACKED = 64 * 1024 * 1024

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
_TEXT, _TABLE, _DRAW, _STYLE, _OFFICE = (f"{{{_NS[k]}}}" for k in ("text", "table", "draw", "style", "office"))
_FO = f"{{{_NS['fo']}}}"

# inline elements whose content is not the policy's running text (a drawing's text boxes are read apart)
_UNSEEN_INLINE = {_TEXT + "note", _OFFICE + "annotation", _OFFICE + "annotation-end", _TEXT + "change",
                  _TEXT + "ruby-text"}
# block elements that are generated (contents, indexes) or hold no text of the page
_UNSEEN_BLOCKS = {_TEXT + name for name in ("table-of-content", "alphabetical-index", "illustration-index",
                                           "object-index", "user-index", "table-index", "bibliography",
                                           "tracked-changes", "sequence-decls", "variable-decls",
                                           "user-field-decls", "dde-connection-decls", "soft-page-break")} \
    | {_OFFICE + "forms", _TABLE + "calculation-settings", _TABLE + "content-validations",
       _TABLE + "label-ranges"}


@dataclass(frozen=True)
class _Style:
    parent: str | None
    bold: bool | None  # None: not set by this style
    outline: int  # style:default-outline-level; 0 when none
    title: bool


def odt_text(raw: bytes, source: str) -> Extracted:
    """The document's text, as Markdown-like blocks separated by blank lines; where its numbered paragraphs
    stand, with the numbers the page shows before them (which the text does not hold); and the text of its page
    styles' running headers and footers."""
    from lxml import etree

    if raw.lstrip()[:1] == b"<":  # a flat OpenDocument file (.fodt): one XML document, styles and all
        content, styles = raw, None
    else:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as package:
                content = _member(package, "content.xml", source)
                styles = _member(package, "styles.xml", source, required=False)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise DocumentError(f"{source}: not a readable OpenDocument file ({type(exc).__name__})") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(content, parser)
        style_root = etree.fromstring(styles, parser) if styles else None
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"{source}: not a readable OpenDocument file (XMLSyntaxError: {exc})") from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        kind = root.find(f"{_OFFICE}body")
        what = kind[0].tag.rsplit("}", 1)[-1] if kind is not None and len(kind) else "no body"
        raise DocumentError(f"{source}: not an OpenDocument text document ({what})")
    deleted = {region.get(_TEXT + "id") for region in body.iter(_TEXT + "changed-region")
               if region.find(_TEXT + "deletion") is not None}
    reader = _Reader(_styles(style_root) | _styles(root), deleted, _list_styles(style_root) | _list_styles(root))
    reader.blocks_of(body)
    return (*joined(reader.blocks, reader.numbers), _margins(style_root if style_root is not None else root))


def _margins(root) -> str:
    """The text of the page styles' running headers and footers, each line once (read for review dates only)."""
    lines: dict[str, None] = {}
    for page in root.iter(_STYLE + "master-page"):
        for part in page:
            if part.tag.startswith(_STYLE) and part.tag.rsplit("}", 1)[-1].startswith(("header", "footer")):
                for para in part.iter(_TEXT + "p", _TEXT + "h"):
                    if text := " ".join(_spaced(para).split()):
                        lines.setdefault(text)
    return "\n".join(lines)


def _spaced(element) -> str:
    """An element's text, a tab, a line break or a run of spaces read as a space."""
    out = [element.text or ""]
    for child in element:
        out.append(" " if child.tag in (_TEXT + "tab", _TEXT + "line-break", _TEXT + "s") else _spaced(child))
        out.append(child.tail or "")
    return "".join(out)


def _member(package: zipfile.ZipFile, name: str, source: str, required: bool = True) -> bytes | None:
    try:
        info = package.getinfo(name)
    except KeyError:
        if required:
            raise DocumentError(f"{source}: not an OpenDocument file (no {name})") from None
        return None
    if info.file_size > MAX_UNPACKED:
        raise DocumentError(f"{source}: its {name} unpacks to {info.file_size:,} bytes (more than "
                            f"{MAX_UNPACKED:,}); not read")
    return package.read(info)


@dataclass(frozen=True)
class _Level:
    """How one level of a list (or of the headings' outline) is numbered."""

    format: str  # ODF's num-format: "1", "a", "A", "i", "I"; "" for none (a bullet, or unnumbered)
    prefix: str = ""
    suffix: str = ""
    shown: int = 1  # text:display-levels: how many levels' numbers stand in the label ("1.2")
    start: int = 1


_FORMATS = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}


def _numbered_levels(style) -> dict[int, _Level]:
    levels = {}
    for level in style:
        if not isinstance(level.tag, str):
            continue
        depth = level.get(_TEXT + "level") or ""
        if not depth.isdigit():
            continue
        numbered = level.tag in (_TEXT + "list-level-style-number", _TEXT + "outline-level-style")
        shown, start = level.get(_TEXT + "display-levels") or "1", level.get(_TEXT + "start-value") or "1"
        levels[int(depth)] = _Level(level.get(_STYLE + "num-format") or "" if numbered else "",
                                    level.get(_STYLE + "num-prefix") or "", level.get(_STYLE + "num-suffix") or "",
                                    int(shown) if shown.isdigit() else 1, int(start) if start.isdigit() else 1)
    return levels


def _list_styles(root) -> dict[str, dict[int, _Level]]:
    """List styles by name, and the headings' outline numbering under the name "" (none: not numbered)."""
    out: dict[str, dict[int, _Level]] = {}
    if root is None:
        return out
    for style in root.iter(_TEXT + "list-style"):
        out[style.get(_STYLE + "name") or ""] = _numbered_levels(style)
    for outline in root.iter(_TEXT + "outline-style"):
        out[""] = _numbered_levels(outline)
    return out


class _Counters:
    """One list's counters, level by level; counting a level restarts the levels below it."""

    def __init__(self, levels: dict[int, _Level]) -> None:
        self.levels = levels
        self.values: dict[int, int] = {}

    def count(self, depth: int, start: int | None = None) -> str | None:
        rules = self.levels.get(depth, _Level(""))
        self.values[depth] = start if start is not None else self.values.get(depth, rules.start - 1) + 1
        for deeper in [d for d in self.values if d > depth]:
            del self.values[deeper]
        if rules.format not in _FORMATS:
            return None
        parts = []
        for d in range(max(1, depth - rules.shown + 1), depth + 1):
            kind = _FORMATS.get(self.levels.get(d, rules).format, "decimal")
            parts.append(format_number(self.values.get(d, self.levels.get(d, rules).start), kind))
        return f"{rules.prefix}{'.'.join(parts)}{rules.suffix}".strip() or None


def _styles(root) -> dict[str, _Style]:
    """Paragraph and text styles by name, named ones (styles.xml) and a document's automatic ones."""
    out: dict[str, _Style] = {}
    if root is None:
        return out
    for style in root.iter(_STYLE + "style"):
        name = style.get(_STYLE + "name")
        if not name:
            continue
        props = style.find(_STYLE + "text-properties")
        weight = props.get(_FO + "font-weight") if props is not None else None
        bold = None if weight is None else (weight == "bold" or weight.isdigit() and int(weight) >= 600)
        outline = style.get(_STYLE + "default-outline-level") or ""
        shown = (style.get(_STYLE + "display-name") or name).replace("_20_", " ").strip().lower()
        out[name] = _Style(style.get(_STYLE + "parent-style-name"), bold,
                           int(outline) if outline.isdigit() else 0, shown == "title")
    return out


class _Reader:
    def __init__(self, styles: dict[str, _Style], deleted: set[str], lists: dict[str, dict[int, _Level]]) -> None:
        self.styles = styles
        self.lists = lists
        self.outline = _Counters(lists.get("", {}))  # the headings' numbers run through the whole document
        self.list_by_id: dict[str, _Counters] = {}
        self.last_list: dict[str, _Counters] = {}  # the latest list of each style, which a list may continue
        self.deleted = deleted  # tracked changes that delete: their text may stand between their marks
        self.deleting: set[str] = set()  # such changes begun and not yet ended (one may span paragraphs)
        self.blocks: list[str] = []
        self.numbers: dict[int, str] = {}  # the number shown before a block, which its text does not hold

    # ------------------------------------------------------------ styles

    def _chain(self, name: str | None):
        seen = set()
        while name and name not in seen and name in self.styles:
            seen.add(name)
            yield self.styles[name]
            name = self.styles[name].parent

    def _bold(self, name: str | None) -> bool | None:
        return next((s.bold for s in self._chain(name) if s.bold is not None), None)

    def _level(self, paragraph) -> int:
        """A paragraph's heading level by its style (a heading style's outline level, or Title)."""
        for style in self._chain(paragraph.get(_TEXT + "style-name")):
            if style.outline:
                return min(style.outline, 6)
            if style.title:
                return 1
        return 0

    # ------------------------------------------------------------ blocks

    def blocks_of(self, parent, in_list: bool = False) -> None:
        for element in parent:
            tag = element.tag
            if not isinstance(tag, str) or tag in _UNSEEN_BLOCKS:
                continue
            if tag in (_TEXT + "p", _TEXT + "h"):
                self._paragraph(element, in_list)
            elif tag == _TEXT + "list":
                self._list(element)
            elif tag == _TABLE + "table":
                self._table(element)
            elif tag in (_TEXT + "section", _TEXT + "index-body", _TABLE + "table-row-group"):
                self.blocks_of(element, in_list)
            elif tag.startswith(_DRAW):  # a frame or shape anchored to the page: the text drawn in it
                for box in _drawn_text(element):
                    if _nearest_paragraph(box) is None:
                        self.blocks_of(box)

    def _list(self, element, counters: _Counters | None = None, depth: int = 1) -> None:
        """A list's items, each numbered as the page shows it; a list nested in an item is its next level."""
        if counters is None:  # a list of its own: it starts counting, or continues one before it
            style = element.get(_TEXT + "style-name") or ""
            continued = element.get(_TEXT + "continue-list")
            if continued in self.list_by_id:
                counters = self.list_by_id[continued]
            elif element.get(_TEXT + "continue-numbering") == "true" and style in self.last_list:
                counters = self.last_list[style]
            else:
                counters = _Counters(self.lists.get(style, {}))
            self.last_list[style] = counters
            if own_id := element.get("{http://www.w3.org/XML/1998/namespace}id"):
                self.list_by_id[own_id] = counters
        for item in element:
            if item.tag == _TEXT + "list-header":  # an unnumbered paragraph inside a list
                self.blocks_of(item)
                continue
            if item.tag != _TEXT + "list-item":
                continue
            start = item.get(_TEXT + "start-value") or ""
            number = None
            if any(child.tag in (_TEXT + "p", _TEXT + "h") for child in item):
                number = counters.count(depth, int(start) if start.isdigit() else None)
            for child in item:
                if child.tag == _TEXT + "list":
                    self._list(child, counters, depth + 1)
                elif child.tag in (_TEXT + "p", _TEXT + "h"):
                    self._paragraph(child, True, number)
                    number = None  # the item's later paragraphs go on under its number
                else:
                    self.blocks_of([child], in_list=True)

    def _paragraph(self, element, in_list: bool, number: str | None = None) -> None:
        for box in _drawn_text(element):  # a cover's title in a frame, or a flowchart's shapes, anchored here
            if _nearest_paragraph(box) is element:
                self.blocks_of(box)
        text, bold = self.inline(element)
        text = text.strip()
        if not text:
            return
        level = 0
        if element.tag == _TEXT + "h":
            outline = element.get(_TEXT + "outline-level") or ""
            level = min(int(outline), 6) if outline.isdigit() and int(outline) > 0 else 1
        else:
            level = self._level(element)
        if element.tag == _TEXT + "h" and number is None and element.get(_TEXT + "is-list-header") != "true":
            written = element.find(_TEXT + "number")  # the number as the file records it, else the outline's
            number = " ".join((written.text or "").split()) if written is not None and (written.text or "").strip() \
                else self.outline.count(level)
        if number:
            self.numbers[len(self.blocks)] = number
        if level and not reads_as_prose(text):
            self.blocks.append("#" * level + " " + text)
        elif in_list:
            self.blocks.append("- " + text)
        elif bold and len(text.split()) <= 16 and not re.search(r"[.,;]$", text):
            self.blocks.append(f"**{text}**")  # a heading set in bold by hand
        else:
            self.blocks.append(text)

    def inline(self, element) -> tuple[str, bool]:
        """A paragraph's running text, and whether every inked part of it is bold."""
        parts: list[str] = []
        inked: list[bool] = []

        def add(text: str | None, bold: bool) -> None:
            if text and not self.deleting:
                parts.append(text if text == "\n" else re.sub(r"[ \t\r\n]+", " ", text))
                if text.strip():
                    inked.append(bold)

        def walk(node, bold: bool) -> None:
            add(node.text, bold)
            for child in node:
                tag = child.tag
                if isinstance(tag, str) and tag not in _UNSEEN_INLINE and tag != _TEXT + "number" \
                        and not tag.startswith(_DRAW):
                    if tag == _TEXT + "s":
                        count = child.get(_TEXT + "c") or "1"
                        add(" " * min(int(count) if count.isdigit() else 1, 64), bold)
                    elif tag == _TEXT + "tab":
                        add("\t", bold)
                    elif tag == _TEXT + "line-break":
                        add("\n", bold)
                    elif tag == _TEXT + "change-start":
                        if child.get(_TEXT + "change-id") in self.deleted:
                            self.deleting.add(child.get(_TEXT + "change-id"))
                    elif tag == _TEXT + "change-end":
                        self.deleting.discard(child.get(_TEXT + "change-id"))
                    else:
                        own = self._bold(child.get(_TEXT + "style-name"))
                        walk(child, bold if own is None else own)
                add(child.tail, bold)

        walk(element, bool(self._bold(element.get(_TEXT + "style-name"))))
        text = "".join(parts)
        text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
        return text, bool(inked) and all(inked)

    # ------------------------------------------------------------ tables

    def _table(self, table) -> None:
        rows = [row for row in table.iter(_TABLE + "table-row") if _owner_table(row) is table]
        grid = [[cell for cell in row if cell.tag == _TABLE + "table-cell"] for row in rows]
        cells = [cell for row in grid for cell in row]
        if self._frames_text(cells, grid):
            for cell in cells:  # a page laid out in a table: its cells hold the text itself
                self.blocks_of(cell)
            return
        texts = [[self._cell_text(cell) for cell in row] for row in grid]
        texts = [row for row in (_trim(row) for row in texts) if any(row)]
        if not texts:
            return
        if len(texts) == 1 and len(texts[0]) == 1:
            banner = texts[0][0]
            if len(banner.split()) <= 16 and not re.search(r"[.,;:]$", banner):
                self.blocks.append(f"**{banner}**")  # a heading boxed in a table of one cell
            else:
                self.blocks.append(banner)
            return
        self.blocks.append("\n".join("| " + " | ".join(row) + " |" for row in texts))

    def _cell_text(self, cell) -> str:
        words = []
        for paragraph in cell.iter(_TEXT + "p", _TEXT + "h"):
            if _owner_table(paragraph) is _owner_table(cell):
                words.append(self.inline(paragraph)[0])
        return " ".join(" ".join(words).split())

    def _frames_text(self, cells: list, grid: list) -> bool:
        """Whether a table lays out a page rather than tabulating: a cell holds another table or headings
        among its paragraphs, or a table of one row holds more words than a row of data does."""
        for cell in cells:
            if cell.find(f".//{_TABLE}table") is not None:
                return True
            paragraphs = [p for p in cell if p.tag in (_TEXT + "p", _TEXT + "h") and self.inline(p)[0].strip()]
            if len(paragraphs) >= 3 and any(p.tag == _TEXT + "h" or self._level(p) for p in paragraphs):
                return True
        return len(grid) == 1 and sum(len(self._cell_text(c).split()) for c in cells) > FRAME_WORDS


def _trim(row: list[str]) -> list[str]:
    """A row without the empty cells a spreadsheet-like table repeats at its end."""
    while row and not row[-1]:
        row = row[:-1]
    return row


def _drawn_text(element) -> list:
    """The text boxes and shapes holding text under an element, each read apart from the running text."""
    return [node for node in element.iter() if isinstance(node.tag, str) and node.tag.startswith(_DRAW)
            and any(child.tag in (_TEXT + "p", _TEXT + "h", _TEXT + "list") for child in node)]


def _owner_table(element):
    node = element.getparent()
    while node is not None and node.tag != _TABLE + "table":
        node = node.getparent()
    return node


def _nearest_paragraph(element):
    node = element.getparent()
    while node is not None and node.tag not in (_TEXT + "p", _TEXT + "h"):
        node = node.getparent()
    return node

"""Rich Text Format (.rtf): the text as a word processor shows it, in the Markdown-flavoured blocks of the
other loaders.

RTF is text: groups in braces, control words ("\\par", "\\b0", "\\u8217"), and the document's characters. Read
here: paragraphs (`\\par`), line breaks and tabs; characters by their code page (`\\ansicpg`, `\\'e9`) or as
Unicode (`\\u`, skipping the fallback characters `\\uc` says follow); headings by their style's name ("heading 2")
or outline level; list items (`\\ls`) with the number the writer put before them for older readers (`\\listtext`),
kept beside the text, as for .docx; tables (`\\cell`, `\\row`) as `| a | b |` rows, a row holding more words than
data does as its paragraphs; a heading set in bold by hand; a field's result, not its code; a text box's text
(`\\shptxt`), before the paragraph that anchors it. Left out: the font,
colour, style and list tables, document information, pictures, objects' data, headers and footers (read for review
dates only), footnotes, comments, hidden text and text deleted with changes tracked, and every destination marked
`\\*` that is not known here.
"""

from __future__ import annotations

import re

from .errors import DocumentError
from .loaders import Extracted, joined, lays_out, reads_as_prose

_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.S)
# destinations whose text is not the document's
_SKIPPED = frozenset(
    "fonttbl colortbl stylesheet info pict object objdata themedata colorschememapping datastore latentstyles "
    "listtable listoverridetable rsidtbl generator xmlnstbl mmathPr footnote annotation atnid atnauthor atndate "
    "fldinst bkmkstart bkmkend pgdsctbl revtbl filetbl nonshppict shpinst userprops docvar template field-code "
    "header headerl headerr headerf footer footerl footerr footerf listtext pntext pntxta pntxtb".split())
_MARGINS = frozenset("header headerl headerr headerf footer footerl footerr footerf".split())
_READ_APART = _MARGINS | {"listtext", "pntext", "fldinst", "style"}  # set aside, but read: see _close
_SYMBOLS = {"emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
            "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ", "enspace": " ", "qmspace": " ",
            "tab": "\t", "line": "\n", "~": "\u00a0", "_": "-", "-": ""}


_DEEPEST = 256  # groups within groups: Word writes a few dozen at most


class _TooDeep(Exception):
    pass


class _State:
    """What a group sets and its subgroups inherit."""

    __slots__ = ("skip", "destination", "opened", "bold", "unseen", "skip_after")

    def __init__(self) -> None:
        self.skip = False  # text here is not the document's
        self.destination = ""  # the destination this group stands in
        self.opened = ""  # the destination this very group opened
        self.bold = False
        self.unseen = False  # hidden, or deleted with changes tracked
        self.skip_after = 1  # characters after \uN that stand in for it (\ucN)

    def copy(self) -> _State:
        other = _State.__new__(_State)
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        return other


def rtf_text(raw: bytes, source: str) -> Extracted:
    """The document's text as blocks separated by blank lines, where its numbered paragraphs stand with their
    numbers, and the text of its headers and footers."""
    if not raw.lstrip()[:5] == b"{\\rtf":
        raise DocumentError(f"{source}: not a Rich Text file (no {{\\rtf header)")
    reader = _Reader()
    try:
        reader.read(raw)
    except _TooDeep:
        raise DocumentError(f"{source}: not a readable Rich Text file (groups nested over {_DEEPEST} deep)") from None
    blocks: list[str] = []
    numbers: dict[int, str] = {}
    reader.finish()
    for kind, text, number in reader.paragraphs:
        _emit(kind, text, number, blocks, numbers)
    return (*joined(blocks, numbers), "\n".join(dict.fromkeys(t for t in reader.margins if t)))


def _emit(kind: str, text, number: str | None, blocks: list[str], numbers: dict[int, str]) -> None:
    if kind == "table":
        rows = [row for row in text if any(cell for cell in row)]
        if len(rows) == 1 and len(rows[0]) == 1 and len(rows[0][0].split()) <= 16 \
                and not re.search(r"[.,;:]$", rows[0][0]):
            blocks.append(f"**{rows[0][0]}**")  # a heading boxed in a table of one cell
        elif rows:
            blocks.append("\n".join("| " + " | ".join(" ".join(c.split()) for c in row) + " |" for row in rows))
        return
    if number:
        numbers[len(blocks)] = number
    if kind.startswith("heading"):
        blocks.append("#" * int(kind[7:]) + " " + text.replace("\n", " "))
    elif kind == "bold":
        blocks.append(f"**{text}**")
    else:
        blocks.append(("- " if kind == "item" else "") + text)


class _Reader:
    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, object, str | None]] = []
        self.margins: list[str] = []
        self.styles: dict[int, str] = {}
        self.codepage = "cp1252"
        self._text: list[str] = []
        self._inked = self._bold = 0
        self._style = 0
        self._outline: int | None = None
        self._listed = False
        self._in_table = False
        self._number: str | None = None
        self._row: list[str] = []
        self._rows: list[tuple[list[str], list]] = []  # the table so far: each row, and its cells' paragraphs
        self._laid_out: list[list[tuple[str, str, str | None]]] = []  # each cell's paragraphs, for a row of text
        self._cell_paragraphs: list[tuple[str, str, str | None]] = []
        self._pending_skip = 0
        self._listtext: list[str] | None = None
        self._margin: list[str] | None = None
        self._boxes: list[tuple] = []  # the paragraphs waiting for the text boxes they anchor
        self._style_name: list[str] | None = None
        self._style_number = 0
        self._instruction: list[str] | None = None
        self._field_is_contents = False

    def read(self, raw: bytes) -> None:
        state, stack = _State(), []
        star = False
        for match in _TOKEN.finditer(raw):
            word, arg, hexa, symbol, brace, text = match.groups()
            if brace == b"{":
                if len(stack) >= _DEEPEST:
                    raise _TooDeep
                stack.append(state)
                state = state.copy()
                state.opened = ""
                if state.destination == "stylesheet":  # a style's definition: its name ends it ("heading 1;")
                    state.destination = state.opened = "style"
                    self._style_number, self._style_name = 0, []
                continue
            if brace == b"}":
                self._close(state)
                if stack:
                    state = stack.pop()
                star = False
                continue
            if symbol is not None:
                char = symbol.decode("latin-1")
                if char == "*":
                    star = True
                    continue
                if char in "\r\n":  # a backslash ending a line is a paragraph's end (as TextEdit writes them)
                    self._control("par", None, state)
                    continue
                if char in "\\{}":
                    self._char(char, state)
                elif char in _SYMBOLS:
                    self._char(_SYMBOLS[char], state)
                continue
            if hexa is not None:
                if self._pending_skip:
                    self._pending_skip -= 1
                    continue
                self._char(bytes([int(hexa, 16)]).decode(self.codepage, "replace"), state)
                continue
            if text is not None:
                if state.skip and state.destination not in _READ_APART:
                    continue  # a picture's data, a font table: passed over whole, not character by character
                chars = text.decode(self.codepage, "replace")
                if self._pending_skip:
                    skipped = min(self._pending_skip, len(chars))
                    chars, self._pending_skip = chars[skipped:], self._pending_skip - skipped
                for char in chars:
                    self._char(char, state)
                continue
            if word is None:
                continue
            name = word.decode("ascii")
            value = int(arg) if arg is not None else None
            if name == "shptxt":  # a text box's text, inside its shape's set-aside properties: read, before its anchor
                self._enter_box(state)
                continue
            if star or name in _SKIPPED:
                star = False
                self._open(name, state)
                continue
            self._control(name, value, state)

    def _open(self, name: str, state: _State) -> None:
        """A destination begins: its text is set aside (some of it is read apart)."""
        state.skip, state.destination, state.opened = True, name, name
        if name == "listtext" or name == "pntext":
            self._listtext = []
        elif name in _MARGINS:
            self._margin = []
        elif name == "fldinst":
            self._instruction = []

    def _enter_box(self, state: _State) -> None:
        """The paragraph that anchors a text box waits while the box's own paragraphs are read (as the .docx
        reader places them, before it)."""
        self._boxes.append((self._text, self._inked, self._bold, self._number, self._style, self._outline,
                            self._listed, self._in_table))
        self._text, self._inked, self._bold, self._number = [], 0, 0, None
        self._style, self._outline, self._listed, self._in_table = 0, None, False, False
        state.skip, state.unseen, state.destination, state.opened = False, False, "", "shptxt"

    def _close(self, state: _State) -> None:
        if state.opened == "shptxt" and self._boxes:
            if "".join(self._text).strip():
                self._end_paragraph(state)
            (self._text, self._inked, self._bold, self._number, self._style, self._outline, self._listed,
             self._in_table) = self._boxes.pop()
        elif state.opened in ("listtext", "pntext") and self._listtext is not None:
            number = " ".join("".join(self._listtext).split())
            # a bullet is no number: "•", or the "o" and "§" that Word's second and third levels show
            self._number = number if re.search(r"\d|\w.*[.)]|\(\w", number) else None
            self._listtext = None
        elif state.opened in _MARGINS and self._margin is not None:
            self.margins += [" ".join(line.split()) for line in "".join(self._margin).split("\n")]
            self._margin = None
        elif state.opened == "fldinst" and self._instruction is not None:
            words = "".join(self._instruction).split()
            self._field_is_contents = bool(words) and words[0].upper() == "TOC"
            self._instruction = None
        elif self._style_name is not None and state.opened == "style":
            name = "".join(self._style_name).strip().rstrip(";").strip()
            self.styles[self._style_number] = name
            self._style_name = None

    def _control(self, name: str, value: int | None, state: _State) -> None:
        if state.destination == "style":
            if name == "s" and value is not None:  # a paragraph style's number
                self._style_number = value
            elif name in ("cs", "ds", "ts"):  # a character, section or table style: not a paragraph's
                self._style_name = None
            return
        if state.destination == "stylesheet":
            return
        if state.skip:  # set-aside text: only its characters and line ends count (a list number's, a footer's)
            if state.destination not in _READ_APART:
                return
            if name == "u" and value is not None:
                self._char(chr(value % 65536), state)
                self._pending_skip = state.skip_after
            elif name in ("par", "line"):
                self._char("\n", state)
            elif name in _SYMBOLS:
                self._char(_SYMBOLS[name], state)
            return
        if name == "fldrslt" and self._field_is_contents:
            state.skip, state.opened = True, "fldrslt"  # a table of contents: the headings themselves follow
            return
        if name == "ansicpg" and value:
            self.codepage = f"cp{value}"
            try:
                "".encode(self.codepage)
            except LookupError:
                self.codepage = "cp1252"
        elif name == "uc" and value is not None:
            state.skip_after = max(value, 0)
        elif name == "u" and value is not None:
            self._char(chr(value % 65536 if value >= 0 else value + 65536), state)
            self._pending_skip = state.skip_after
        elif name in ("par", "sect", "page"):
            self._end_paragraph(state)
        elif name == "pard":
            self._style, self._outline, self._listed, self._in_table = 0, None, False, False
        elif name == "s" and value is not None:
            self._style = value
        elif name == "outlinelevel" and value is not None:
            self._outline = value
        elif name == "ls":
            self._listed = True
        elif name == "intbl":
            self._in_table = True
        elif name in ("cell", "nestcell"):
            self._end_paragraph(state)
            self._row.append(" ".join(text for _, text, _ in self._cell_paragraphs))
            self._laid_out.append(self._cell_paragraphs)
            self._cell_paragraphs = []
        elif name in ("row", "nestrow"):
            self._end_row()
        elif name == "b":
            state.bold = value != 0
        elif name in ("v", "deleted"):
            state.unseen = value != 0
        elif name == "plain":
            state.bold = state.unseen = False
        elif name in _SYMBOLS:
            self._char(_SYMBOLS[name], state)

    def _char(self, char: str, state: _State) -> None:
        if state.destination == "style":
            if self._style_name is not None:
                self._style_name.append(char)
            return
        if state.skip:
            if state.destination in ("listtext", "pntext") and self._listtext is not None:
                self._listtext.append(char)
            elif state.destination in _MARGINS and self._margin is not None:
                self._margin.append(char)
            elif state.destination == "fldinst" and self._instruction is not None:
                self._instruction.append(char)
            return
        if state.unseen:
            return
        self._text.append(char)
        if not char.isspace():
            self._inked += 1
            self._bold += state.bold

    def _end_paragraph(self, state: _State) -> None:
        if state.skip:
            return
        text = "\n".join(" ".join(line.split()) for line in "".join(self._text).split("\n")).strip("\n")
        text = re.sub(r"\n{2,}", "\n", text)
        kind = self._kind(text)
        number = self._number
        self._text, self._inked, self._bold, self._number = [], 0, 0, None
        if self._in_table:
            if text and kind:
                self._cell_paragraphs.append((kind, text, number))
            return
        self.flush_table()
        if text and kind:
            self.paragraphs.append((kind, text, number))

    def _kind(self, text: str) -> str | None:
        name = self.styles.get(self._style, "").lower()
        if name.startswith(("toc", "contents")):
            return None
        match = re.match(r"heading\s*(\d)", name)
        level = 1 if name == "title" else int(match.group(1)) if match else (
            self._outline + 1 if self._outline is not None and self._outline < 9 else 0)
        if level and not reads_as_prose(text):
            return f"heading{min(level, 6)}"
        if self._listed or name.startswith("list"):
            return "item"
        if self._inked and self._bold == self._inked and len(text.split()) <= 16 and not re.search(r"[.,;]$", text):
            return "bold"
        return "para"

    def _end_row(self) -> None:
        if self._row:
            self._rows.append((self._row, self._laid_out))
        self._row, self._laid_out = [], []

    def finish(self) -> None:
        """The last paragraph, where no paragraph mark ends it, and the table it may close."""
        self._end_paragraph(_State())
        self.flush_table()

    def flush_table(self) -> None:
        """The table just ended: its rows of data as one table, a row laying out text as its cells' paragraphs."""
        data: list[list[str]] = []
        for row, cells in self._rows:
            headed = any(len(cell) >= 3 and any(kind.startswith("heading") for kind, _, _ in cell) for cell in cells)
            if headed or lays_out(len(self._rows), [[text for _, text, _ in cell] for cell in cells]):
                self._table(data)
                data = []
                for cell in cells:
                    self.paragraphs += cell
            else:
                data.append(row)
        self._table(data)
        self._rows = []

    def _table(self, rows: list[list[str]]) -> None:
        if rows:
            width = max(len(row) for row in rows)
            while width > 1 and all(len(row) < width or not row[width - 1] for row in rows):
                width -= 1  # a column empty in every row shows nothing
            self.paragraphs.append(("table", [row[:width] for row in rows], None))

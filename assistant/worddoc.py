"""Word 97-2003 documents (.doc): the text as Word shows it, in the Markdown-flavoured blocks of the other loaders.

A .doc file is a Compound File (MS-CFB): a small file system of sectors. Its `WordDocument` stream holds the
File Information Block and the text; the table stream (`1Table` or `0Table`) holds the piece table that says
where each run of characters stands, and the paragraph properties say which paragraphs are headings (their
style), list items, table cells and the ends of table rows (MS-DOC). Read here:
- the main document (footnotes and comments, which follow it, are not read; headers and footers are read apart,
  for review dates only);
- a field's result, not its code ("HYPERLINK …"), and no table of contents (its field, or its "toc" styles);
- headings by their style (a heading style whose paragraph reads as prose stays a paragraph, as in .docx);
- list items as `- ` lines, table rows as `| a | b |` lines (a table used to lay out text gives its cells' text);
- the numbers lists show ("1.2.", "b)"), worked out from the lists' definitions (PlfLst, PlfLfo) as
  `numbering.WordNumbering` works out those of .docx, and kept beside the text, not in it.
- text boxes, before the paragraph that anchors them (their text stands after the main text's, each tied to its
  anchor through the shape that holds it).
Every structure is bounded by the file's own size: a chain of sectors that loops or leaves the file, or a
stream longer than the file, is refused by name rather than read.
"""

from __future__ import annotations

import re
import struct
from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from .errors import DocumentError
from .loaders import Extracted, joined, lays_out, reads_as_prose
from .numbering import ListCounters, format_number

_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_SECTOR = 0xFFFFFFFA  # above this a sector number is a marker, not a sector
_WORD97 = 0xA5EC  # wIdent of Word 97 and later
_WORD6 = 0xA5DC  # ... of Word 6 and Word 95

# field characters, and characters that stand for something not text (a picture, a note's mark)
_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
_PARAGRAPH_ENDS = "\r\x07\x0c"  # a paragraph mark, a cell or row-end mark, a page or section break
_DROPPED = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x06\x08\x1f"), None)
_SHOWN = {ord("\x0b"): "\n", ord("\x1e"): "-", ord("\xa0"): " "}  # line break, non-breaking hyphen and space

# paragraph properties read (MS-DOC 2.6.2): list, in a table, the end of a table row, table depth
_SPRM_LIST, _SPRM_LEVEL, _SPRM_IN_TABLE, _SPRM_ROW_END, _SPRM_DEPTH = 0x460B, 0x260A, 0x2416, 0x2417, 0x6649
_SPRM_INNER_ROW_END = 0x244C
# character properties read: bold, deleted with changes tracked, hidden
_SPRM_BOLD, _SPRM_DELETED, _SPRM_HIDDEN = 0x0835, 0x0800, 0x083C
# list formats (MS-DOC's MSONFC) by the names numbering.format_number knows
_FORMATS = {0: "decimal", 1: "upperRoman", 2: "lowerRoman", 3: "upperLetter", 4: "lowerLetter", 22: "decimalZero",
            23: "bullet", 255: "none"}
_OPERAND = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # operand size by a sprm's top three bits (6: sized)


def doc_text(raw: bytes, source: str) -> Extracted:
    """The document's text, as Markdown-like blocks separated by blank lines; where its numbered paragraphs stand,
    with the numbers the page shows before them; and the text of its running headers and footers. Raises
    DocumentError, by name, for what cannot be read."""
    try:
        return _doc_text(raw, source)
    except (struct.error, IndexError, ValueError, OverflowError) as exc:  # a structure pointing past its data
        raise _damaged(source, type(exc).__name__) from None


def _doc_text(raw: bytes, source: str) -> Extracted:
    streams = _Compound(raw, source)
    word = streams.read("WordDocument")
    ident = struct.unpack_from("<H", word, 0)[0] if len(word) >= 2 else 0
    if ident == _WORD6 and len(word) >= 0x200:
        return _word6_text(word, source)
    if ident != _WORD97 or len(word) < 0x200:
        raise DocumentError(f"{source}: a .doc file from an unknown version is not read; save it as .docx, .odt or PDF")
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100 or flags & 0x8000:
        raise DocumentError(f"{source}: the .doc file is password-protected; save an unprotected copy to have it read")
    table = streams.read("1Table" if flags & 0x0200 else "0Table")
    fib = _Fib(word, source)
    pieces = _pieces(table, fib.clx, len(word), source)
    styles = _styles(table, fib.stylesheet)
    lists = _Lists(table, fib.lists, fib.overrides)
    paragraphs = _Runs(word, table, fib.papx_bins, paragraphs=True)
    formats = _Runs(word, table, fib.chpx_bins, paragraphs=False)
    blocks: list[str] = []
    numbers: dict[int, str] = {}
    found = _paragraphs(word, pieces, (0, fib.text_length), paragraphs, formats, _text_boxes(table, fib))
    _blocks(_layout(found, styles, lists), blocks, numbers)
    # the running headers and footers follow the main text and its notes: read for review dates only
    lines = (_shown(text) for text, *_ in _paragraphs(word, pieces, fib.margins, paragraphs, formats))
    return (*joined(blocks, numbers), "\n".join(dict.fromkeys(line for line in lines if line)))


def _word6_text(word: bytes, source: str) -> Extracted:
    """A Word 6 or Word 95 file's text: its paragraphs as Word shows them (fields by their result), without their
    styles, which that format keeps in another layout (a title or a numbered line reads as a plain paragraph; the
    chunker still finds short title lines over body text). Its text is stored one byte a character (Windows-1252)
    from `fcMin`, unless it was fast-saved ("complex"), which is not read."""
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100:
        raise DocumentError(f"{source}: the .doc file is password-protected; save an unprotected copy to have it read")
    if flags & 0x0004 or flags & 0x1000:  # fast-saved in pieces; or two bytes a character (Far East editions)
        raise DocumentError(f"{source}: a .doc file from Word 6 or 95 saved with fast save is not read; save it "
                            "again (or as .docx, .odt or PDF)")
    text_at = struct.unpack_from("<I", word, 0x18)[0]
    main, notes, margins = struct.unpack_from("<3i", word, 0x34)  # characters: main text, footnotes, headers
    if not 0 < main or min(notes, margins) < 0 or text_at + main + notes + margins > len(word):
        raise _damaged(source, "file information block", "Word 6 or 95")
    pieces = [_Piece(0, main + notes + margins, text_at, True)]
    plain, characters = _Runs(word, b"", (0, 0), paragraphs=True), _Runs(word, b"", (0, 0), paragraphs=False)
    blocks: list[str] = []
    numbers: dict[int, str] = {}
    _blocks(_layout(_paragraphs(word, pieces, (0, main), plain, characters), {}, _Lists(b"", (0, 0), (0, 0))),
            blocks, numbers)
    lines = (_shown(text) for text, *_ in _paragraphs(word, pieces, (main + notes, main + notes + margins), plain,
                                                       characters))
    return (*joined(blocks, numbers), "\n".join(dict.fromkeys(line for line in lines if line)))


def _damaged(source: str, why: str, version: str = "Word 97-2003") -> DocumentError:
    return DocumentError(f"{source}: not a readable {version} file ({why})")


class _Compound:
    """The streams of a Compound File, by name, as stored under its root."""

    def __init__(self, raw: bytes, source: str) -> None:
        self.raw, self.source = raw, source
        if not raw.startswith(_SIGNATURE) or len(raw) < 512:
            raise _damaged(source, "no compound file header")
        shift, mini_shift = struct.unpack_from("<HH", raw, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _damaged(source, "sector size")
        self.size, self.mini_size = 1 << shift, 1 << mini_shift
        self.sectors = len(raw) // self.size - 1  # whole sectors after the header, which takes one sector's room
        fat_sectors, first_dir, _, self.cutoff, first_minifat, _, first_difat, difat_count = struct.unpack_from(
            "<IIIIIIII", raw, 0x2C)
        difat = list(struct.unpack_from("<109I", raw, 0x4C))
        seen: set[int] = set()
        sector = first_difat
        while sector <= _MAX_SECTOR and len(seen) < difat_count:  # more FAT sector numbers, in a chain of their own
            self._check(sector, seen)
            entries = struct.unpack_from(f"<{self.size // 4}I", raw, self._at(sector))
            difat += entries[:-1]
            sector = entries[-1]
        fat_ids = [s for s in difat[:fat_sectors] if s <= _MAX_SECTOR]
        fat = b"".join(self._sector(s) for s in fat_ids)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)
        directory = self._chain(first_dir, self.fat, self._sector)
        self.entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
        if not self.entries:
            raise _damaged(source, "no directory")
        root = self.entries[0]
        self.minifat: tuple[int, ...] = ()
        self.ministream = b""
        if first_minifat <= _MAX_SECTOR:
            minifat = self._chain(first_minifat, self.fat, self._sector)
            self.minifat = struct.unpack(f"<{len(minifat) // 4}I", minifat)
            start, length = struct.unpack_from("<IQ", root, 0x74)
            self.ministream = self._chain(start, self.fat, self._sector)[:length]
        self.children = self._children(struct.unpack_from("<I", root, 0x4C)[0])

    def read(self, name: str) -> bytes:
        entry = self.children.get(name)
        if entry is None:
            raise _damaged(self.source, f"no {name} stream")
        start, length = struct.unpack_from("<IQ", entry, 0x74)
        length &= 0xFFFFFFFF if self.size == 512 else length  # version 3 files leave the high half undefined
        if length > len(self.raw):
            raise _damaged(self.source, "a stream longer than the file")
        if length < self.cutoff:
            data = self._chain(start, self.minifat, self._mini_sector)
        else:
            data = self._chain(start, self.fat, self._sector)
        if len(data) < length:
            raise _damaged(self.source, "a stream cut short")
        return data[:length]

    def _children(self, first: int) -> dict[str, bytes]:
        """The root storage's entries by name: a tree of siblings under its child (a visited set stops loops)."""
        found: dict[str, bytes] = {}
        todo, seen = [first], set()
        while todo:
            index = todo.pop()
            if index >= len(self.entries) or index in seen:
                continue
            seen.add(index)
            entry = self.entries[index]
            name_bytes = struct.unpack_from("<H", entry, 0x40)[0]
            name = entry[:max(0, min(name_bytes, 64) - 2)].decode("utf-16-le", "replace")
            if entry[0x42] in (1, 2):  # a storage or a stream
                found.setdefault(name, entry)
            left, right = struct.unpack_from("<II", entry, 0x44)
            todo += [left, right]
        return found

    def _at(self, sector: int) -> int:
        return (sector + 1) * self.size

    def _check(self, sector: int, seen: set[int]) -> None:
        if sector in seen or sector >= self.sectors:
            raise _damaged(self.source, "a sector chain loops or leaves the file")
        seen.add(sector)

    def _sector(self, sector: int) -> bytes:
        return self.raw[self._at(sector):self._at(sector) + self.size]

    def _mini_sector(self, sector: int) -> bytes:
        return self.ministream[sector * self.mini_size:(sector + 1) * self.mini_size]

    def _chain(self, start: int, table: tuple[int, ...], read) -> bytes:
        parts, seen = [], set()
        sector = start
        while sector <= _MAX_SECTOR:
            if sector in seen or sector >= len(table):
                raise _damaged(self.source, "a sector chain loops or leaves the file")
            seen.add(sector)
            parts.append(read(sector))
            sector = table[sector]
        return b"".join(parts)


class _Fib:
    """What the File Information Block says of where things stand (MS-DOC 2.5: its counts of characters, and
    pairs of offset and size into the table stream)."""

    def __init__(self, word: bytes, source: str) -> None:
        try:
            at = 32
            (csw,) = struct.unpack_from("<H", word, at)
            at += 2 + 2 * csw
            (cslw,) = struct.unpack_from("<H", word, at)
            longs = struct.unpack_from(f"<{cslw}i", word, at + 2)
            at += 2 + 4 * cslw
            (pairs,) = struct.unpack_from("<H", word, at)
            fc_lcb = struct.unpack_from(f"<{2 * pairs}I", word, at + 2)
        except struct.error:
            raise _damaged(source, "file information block") from None
        if cslw < 4 or pairs < 34:
            raise _damaged(source, "file information block")
        pair = lambda n, needs=0: (fc_lcb[2 * n], fc_lcb[2 * n + 1]) if pairs > max(n, needs) else (0, 0)  # noqa: E731
        count = lambda n: max(longs[n], 0) if cslw > n else 0  # noqa: E731
        self.text_length = count(3)  # the main document's characters; footnotes', headers' … follow in turn
        self.stylesheet, self.chpx_bins, self.papx_bins, self.clx = pair(1), pair(12), pair(13), pair(33)
        self.shapes = pair(40, 56)  # where the main text anchors shapes (PlcSpaMom)
        self.boxes = pair(56)  # the text boxes' stories and the shapes holding them (PlcftxbxTxt)
        self.lists, self.overrides = pair(73, 74), pair(74)  # list definitions (PlfLst), lists named (PlfLfo)
        self.margins = (count(3) + count(4), count(3) + count(4) + count(5))  # headers' and footers' text
        self.boxes_at = sum(count(n) for n in range(3, 9)) if cslw > 9 else 0  # after the notes, headers, comments
        self.boxes_length = count(9)


@dataclass(frozen=True)
class _Piece:
    start: int  # first character position
    end: int
    offset: int  # where its text stands in the WordDocument stream
    compressed: bool  # one byte a character (Windows-1252) rather than two (UTF-16)


def _pieces(table: bytes, clx: tuple[int, int], stored: int, source: str) -> list[_Piece]:
    """The piece table: where each run of the document's characters is stored. Its positions only ever grow, and
    its pieces take no more bytes than the stream holds (`stored`): a table claiming more would have the same bytes
    read again and again."""
    at, end = clx[0], clx[0] + clx[1]
    if end > len(table) or clx[1] == 0:
        raise _damaged(source, "no piece table")
    while at < end and table[at] == 0x01:  # property modifiers kept for fast saves, passed over
        at += 3 + struct.unpack_from("<H", table, at + 1)[0]
    if at + 5 > end or table[at] != 0x02:
        raise _damaged(source, "no piece table")
    (length,) = struct.unpack_from("<I", table, at + 1)
    at += 5
    count = (length - 4) // 12
    if count <= 0 or at + length > len(table):
        raise _damaged(source, "piece table")
    cps = struct.unpack_from(f"<{count + 1}I", table, at)
    if any(b < a for a, b in zip(cps, cps[1:])):
        raise _damaged(source, "piece table out of order")
    pieces = []
    for i in range(count):
        (fc,) = struct.unpack_from("<I", table, at + 4 * (count + 1) + 8 * i + 2)
        compressed = bool(fc & 0x40000000)
        offset = (fc & 0x3FFFFFFF) // 2 if compressed else fc & 0x3FFFFFFF
        if cps[i + 1] > cps[i]:
            pieces.append(_Piece(cps[i], cps[i + 1], offset, compressed))
    if sum((p.end - p.start) * (1 if p.compressed else 2) for p in pieces) > stored:
        raise _damaged(source, "a piece table claiming more text than the file holds")
    return pieces


@dataclass(frozen=True)
class _Style:
    sti: int  # the built-in style it is (1-9 the headings), or 0x0FFE for one of the document's own
    name: str
    base: int  # the style it is based on (0x0FFF: none)
    numbering: dict  # the list properties its paragraphs take: {_SPRM_LIST: …, _SPRM_LEVEL: …}, where it sets them


def _styles(table: bytes, stylesheet: tuple[int, int]) -> dict[int, _Style]:
    """The document's styles by index (MS-DOC's STSH): what each is, its name, base and list properties."""
    at, end = stylesheet[0], min(stylesheet[0] + stylesheet[1], len(table))
    styles: dict[int, _Style] = {}
    try:
        (header,) = struct.unpack_from("<H", table, at)
        count, base_size = struct.unpack_from("<HH", table, at + 2)
        at += 2 + header
        for index in range(count):
            (size,) = struct.unpack_from("<H", table, at)
            std = at + 2
            if size and std + size <= end:
                sti, kind_base = struct.unpack_from("<HH", table, std)
                name_at = std + base_size
                (chars,) = struct.unpack_from("<H", table, name_at)
                name = table[name_at + 2:name_at + 2 + 2 * min(chars, 255)].decode("utf-16-le", "replace")
                numbering: dict[int, int] = {}
                upx = name_at + 2 + 2 * chars + 2
                upx += (upx - std) % 2
                if kind_base & 0x000F == 1 and upx + 4 <= std + size:  # a paragraph style: its paragraph properties
                    (upx_size,) = struct.unpack_from("<H", table, upx)
                    grpprl = table[upx + 4:min(upx + 2 + upx_size, std + size)]
                    numbering = {k: v for k, v in _sprms(grpprl) if k in (_SPRM_LIST, _SPRM_LEVEL)}
                styles[index] = _Style(sti & 0x0FFF, name, kind_base >> 4, numbering)
            at += 2 + size
    except struct.error:
        pass  # a style sheet cut short: the styles read so far stand
    return styles


def _numbering_of(props: "_Properties", styles: dict[int, _Style]) -> tuple[int, int]:
    """The list (its LFO, 1-based; 0 none) and level a paragraph is numbered in: its own, else its style's (up
    the styles it is based on)."""
    found = dict(props.numbering)
    style, seen = props.style, set()
    while (_SPRM_LIST not in found or _SPRM_LEVEL not in found) and style in styles and style not in seen:
        seen.add(style)
        for key, value in styles[style].numbering.items():
            found.setdefault(key, value)
        style = styles[style].base
    return found.get(_SPRM_LIST, 0), found.get(_SPRM_LEVEL, 0)


class _Lists:
    """Counts numbered paragraphs in reading order as Word shows them (MS-DOC's PlfLst and PlfLfo), with the
    counters numbering.WordNumbering counts .docx lists with."""

    def __init__(self, table: bytes, lists: tuple[int, int], overrides: tuple[int, int]) -> None:
        self.definitions: dict[int, list[dict]] = {}  # list id -> its levels' rules
        self.lfos: list[tuple[int, dict[int, int]]] = []  # (list id, restarts by level)
        self.counters = ListCounters()
        try:
            self._read(table, lists, overrides)
        except struct.error:
            pass  # what was read stands; a paragraph of a list not read is not numbered

    def _read(self, table: bytes, lists: tuple[int, int], overrides: tuple[int, int]) -> None:
        if not lists[1] or not overrides[1]:
            return
        at = lists[0]
        (count,) = struct.unpack_from("<h", table, at)
        at += 2
        headers = []
        for _ in range(max(count, 0)):
            (lsid,) = struct.unpack_from("<i", table, at)
            headers.append((lsid, 1 if table[at + 26] & 0x01 else 9))
            at += 28
        for lsid, level_count in headers:
            levels = []
            for _ in range(level_count):
                start, nfc, flags = struct.unpack_from("<iBB", table, at)
                places = [b for b in table[at + 6:at + 15]]
                papx_size, chpx_size = table[at + 25], table[at + 24]
                at += 28 + papx_size + chpx_size
                (chars,) = struct.unpack_from("<H", table, at)
                text = table[at + 2:at + 2 + 2 * chars].decode("utf-16-le", "replace")
                at += 2 + 2 * chars
                levels.append({"start": start, "format": _FORMATS.get(nfc, "decimal"), "legal": bool(flags & 0x04),
                               "text": text, "places": [p for p in places if p][:9]})
            self.definitions.setdefault(lsid, levels)
        at = overrides[0]
        (count,) = struct.unpack_from("<I", table, at)
        at += 4
        entries = []
        for _ in range(min(count, 0x7FFF)):
            lsid, _, _, levels = struct.unpack_from("<iiiB", table, at)
            entries.append((lsid, levels))
            at += 16
        for lsid, levels in entries:
            at += 4  # the LFOData's cp
            restarts = {}
            for _ in range(levels):
                start, flags = struct.unpack_from("<iI", table, at)
                at += 8
                if flags & 0x10:  # fStartAt
                    restarts[flags & 0x0F] = start
                if flags & 0x20:  # fFormatting: a whole level's rules follow, passed over
                    papx_size, chpx_size = table[at + 25], table[at + 24]
                    at += 28 + papx_size + chpx_size
                    (chars,) = struct.unpack_from("<H", table, at)
                    at += 2 + 2 * chars
            self.lfos.append((lsid, restarts))

    def known(self, lfo: int) -> bool:
        return 1 <= lfo <= len(self.lfos)

    def label(self, lfo: int, level: int) -> str | None:
        """The number shown before a paragraph of this list and level (None for none, or a bullet); counts it."""
        if not 1 <= lfo <= len(self.lfos):
            return None
        lsid, restarts = self.lfos[lfo - 1]
        levels = self.definitions.get(lsid)
        if not levels or level >= len(levels):
            return None
        rules = levels[level]
        counters = self.counters.count(lsid, lfo, restarts, level, rules["start"])
        if rules["format"] in ("bullet", "none") or not rules["text"]:
            return None
        shown, last = [], 0
        for place in rules["places"]:  # 1-based places in the text where a level's counter goes
            if place > len(rules["text"]):
                break
            k = ord(rules["text"][place - 1])
            shown.append(rules["text"][last:place - 1])
            value = counters.get(k, levels[k]["start"] if k < len(levels) else 1)
            kind = levels[k]["format"] if k < len(levels) else "decimal"
            shown.append(format_number(value, "decimal" if rules["legal"] else kind))
            last = place
        shown.append(rules["text"][last:])
        return "".join(shown).strip() or None


@dataclass(frozen=True)
class _Properties:
    """A paragraph's: its style, whether it is a list item, in a table, or the end of a table's row."""

    style: int = 0
    numbering: tuple[tuple[int, int], ...] = ()  # its own list and level, where it sets them
    in_table: bool = False
    row_end: bool = False


@dataclass(frozen=True)
class _Format:
    """A run of characters': bold set on it, deleted with changes tracked, or hidden."""

    bold: bool = False
    unseen: bool = False


class _Runs:
    """Properties by stream offset, read from the formatting pages (FKPs) of paragraphs (`paragraphs=True`)
    or of characters."""

    def __init__(self, word: bytes, table: bytes, bins: tuple[int, int], paragraphs: bool) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.values: list = []
        self.default = _Properties() if paragraphs else _Format()
        fc, length = bins
        if length < 12 or fc + length > len(table):
            return
        count = (length - 4) // 8
        pages = struct.unpack_from(f"<{count}I", table, fc + 4 * (count + 1))
        runs = []
        for page in pages:
            at = (page & 0x3FFFFF) * 512
            if at + 512 > len(word):
                continue
            crun = word[at + 511]
            if 4 * (crun + 1) + (13 if paragraphs else 1) * crun > 511:
                continue
            fcs = struct.unpack_from(f"<{crun + 1}I", word, at)
            for i in range(crun):
                offset = word[at + 4 * (crun + 1) + (13 * i if paragraphs else i)] * 2
                value = self.default
                if offset:
                    value = _paragraph(word, at + offset) if paragraphs else _characters_format(word, at + offset)
                runs.append((fcs[i], fcs[i + 1], value))
        runs.sort(key=lambda run: run[0])
        for start, end, value in runs:
            self.starts.append(start)
            self.ends.append(end)
            self.values.append(value)

    def at(self, offset: int):
        i = bisect_right(self.starts, offset) - 1
        return self.values[i] if i >= 0 and offset < self.ends[i] else self.default


def _sprms(grpprl: bytes):
    """(operation, operand as a number) for each property modifier in a list of them."""
    i = 0
    while i + 2 <= len(grpprl):
        (sprm,) = struct.unpack_from("<H", grpprl, i)
        i += 2
        kind = sprm >> 13
        if kind == 6:
            if sprm == 0xD608 and i + 2 <= len(grpprl):  # a table's definition: a two-byte size
                width = 1 + struct.unpack_from("<H", grpprl, i)[0]
            elif i < len(grpprl) and grpprl[i] != 255:
                width = 1 + grpprl[i]
            else:
                return  # a size this reader does not follow: what was read so far stands
        else:
            width = _OPERAND[kind]
        yield sprm, int.from_bytes(grpprl[i:i + min(width, 4)], "little")
        i += width


def _paragraph(word: bytes, at: int) -> _Properties:
    size = word[at]
    at += 1
    if size == 0:
        size = word[at] * 2
        at += 1
    else:
        size = size * 2 - 1
    grpprl = word[at:at + size]
    if len(grpprl) < 2:
        return _Properties()
    found = dict(_sprms(grpprl[2:]))
    return _Properties(style=struct.unpack_from("<H", grpprl, 0)[0],
                       numbering=tuple((k, v) for k, v in found.items() if k in (_SPRM_LIST, _SPRM_LEVEL)),
                       in_table=bool(found.get(_SPRM_IN_TABLE) or found.get(_SPRM_DEPTH)),
                       row_end=bool(found.get(_SPRM_ROW_END) or found.get(_SPRM_INNER_ROW_END)))


def _characters_format(word: bytes, at: int) -> _Format:
    found = dict(_sprms(word[at + 1:at + 1 + word[at]]))
    # each a toggle: 1 on, 0x81 the opposite of the style's (taken as off), 0 off, 0x80 the style's (taken as off)
    return _Format(bold=found.get(_SPRM_BOLD, 0) in (1, 0x81),
                   unseen=found.get(_SPRM_DELETED, 0) in (1, 0x81) or found.get(_SPRM_HIDDEN, 0) in (1, 0x81))


def _text_boxes(table: bytes, fib: _Fib) -> dict[int, list[tuple[int, int]]]:
    """The text boxes' stories (their span of positions) by where the main text anchors them: each shape anchored
    in the main text (PlcSpaMom: positions, then 26-byte FSPAs opening with the shape's id) is matched with the
    story of the text box it holds (PlcftxbxTxt: positions, then 22-byte FTXBXSs holding the shape's id at 14)."""
    (shapes_at, shapes_size), (boxes_at, boxes_size) = fib.shapes, fib.boxes
    if shapes_size < 30 or boxes_size < 26 or not fib.boxes_at:
        return {}
    try:
        count = (shapes_size - 4) // 30
        anchors = struct.unpack_from(f"<{count + 1}I", table, shapes_at)
        anchor_of = {struct.unpack_from("<i", table, shapes_at + 4 * (count + 1) + 26 * i)[0]: anchors[i]
                     for i in range(count)}
        count = (boxes_size - 4) // 26
        starts = struct.unpack_from(f"<{count + 1}I", table, boxes_at)
        found: dict[int, list[tuple[int, int]]] = {}
        read_to = 0  # stories follow one another within the text boxes' text: none is read twice
        for i in range(count):
            shape = struct.unpack_from("<i", table, boxes_at + 4 * (count + 1) + 22 * i + 14)[0]
            if shape in anchor_of and read_to <= starts[i] < starts[i + 1] <= fib.boxes_length:
                story = (fib.boxes_at + starts[i], fib.boxes_at + starts[i + 1])
                found.setdefault(anchor_of.pop(shape), []).append(story)
                read_to = starts[i + 1]
        return found
    except struct.error:
        return {}  # text boxes that cannot be placed are left out


def _characters(word: bytes, pieces: list[_Piece], start: int, end: int):
    """(character, its offset in the stream, its position) for the text from position `start` to `end`."""
    for piece in pieces:
        first, last = max(piece.start, start), min(piece.end, end)
        if first >= last:
            continue
        width = 1 if piece.compressed else 2
        at = piece.offset + width * (first - piece.start)
        data = word[at:at + width * (last - first)]
        if piece.compressed:
            text = "".join(_cp1252(b) for b in data)
        else:
            text = data[:len(data) // 2 * 2].decode("utf-16-le", "replace")
        for n, ch in enumerate(text):
            yield ch, at + width * n, first + n


_CP1252 = {b: bytes([b]).decode("cp1252") for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _cp1252(byte: int) -> str:
    return _CP1252.get(byte) or chr(byte)


def _paragraphs(word: bytes, pieces: list[_Piece], span: tuple[int, int], paragraphs: _Runs, formats: _Runs,
                boxes: dict[int, list[tuple[int, int]]] | None = None):
    """(text, properties, ended by, all of it bold) for each paragraph from position span[0] to span[1]: fields
    shown by their result, a table of contents, deleted and hidden text left out; the paragraphs of the text boxes
    anchored in a paragraph (`boxes`, by anchor) come before it, as the .docx reader has them."""
    fields: list[list] = []  # open fields: [showing its result yet, is a table of contents, its code so far]
    text: list[str] = []
    inked = bold = 0
    began = span[0]
    for ch, offset, position in _characters(word, pieces, *span):
        if ch in _PARAGRAPH_ENDS:
            for anchor in sorted(a for a in boxes or () if began <= a <= position):
                for box in boxes.pop(anchor):
                    yield from _paragraphs(word, pieces, box, paragraphs, formats)
            yield "".join(text), paragraphs.at(offset), ch, inked > 0 and bold == inked
            text, inked, bold, began = [], 0, 0, position + 1
            continue
        form = formats.at(offset)
        if form.unseen:
            continue
        if ch == _FIELD_BEGIN:
            fields.append([False, False, []])
        elif ch == _FIELD_SEPARATE and fields:
            code = "".join(fields[-1][2]).split()
            fields[-1][0] = True
            fields[-1][1] = bool(code) and code[0].upper() == "TOC"
        elif ch == _FIELD_END and fields:
            fields.pop()
        elif fields and not fields[-1][0]:
            fields[-1][2].append(ch)  # a field's code ("HYPERLINK …", "PAGE"), never shown
        elif not any(f[1] for f in fields):
            text.append(ch)
            if not ch.isspace():
                inked += 1
                bold += form.bold


def _shown(text: str) -> str:
    """A paragraph's text as shown: its line breaks kept, runs of white space within a line folded."""
    lines = (" ".join(line.split()) for line in text.translate(_DROPPED).translate(_SHOWN).split("\n"))
    return "\n".join(line for line in lines if line)


class _Para(NamedTuple):
    kind: str  # "heading1".."heading6", "bold", "item" or "para"
    text: str
    number: str | None  # the number the page shows before it


Cell = list[_Para]


def _layout(paragraphs, styles: dict[int, _Style], lists: _Lists):
    """Each paragraph as a `_Para`; each table row as a list of its cells. Every numbered paragraph is counted,
    shown or not, in reading order."""
    row: list[Cell] = []
    cell: Cell = []
    for text, props, ended, bold in paragraphs:
        shown = _shown(text)
        lfo, level = _numbering_of(props, styles)
        number = lists.label(lfo, level) if lfo else None
        kind = _kind(shown, props, styles, bold, lists.known(lfo))
        para = _Para(kind, shown, number) if shown and kind else None
        if props.in_table or ended == "\x07":
            if props.row_end:
                yield [*row, cell] if cell else row
                row, cell = [], []
                continue
            if para:
                cell.append(para)
            if ended == "\x07":
                row.append(cell)
                cell = []
            continue
        if row or cell:
            yield [*row, cell] if cell else row
            row, cell = [], []
        if para:
            yield para
    if row or cell:
        yield [*row, cell] if cell else row


def _kind(shown: str, props: _Properties, styles: dict[int, _Style], bold: bool, listed: bool) -> str | None:
    """How a paragraph is written out, or None for a line of a table of contents (the headings themselves follow)."""
    style = styles.get(props.style, _Style(0, "", 0x0FFF, {}))
    sti, name = style.sti, style.name.lower()
    if 19 <= sti <= 27 or name.startswith(("toc", "contents")):  # Word's names, and LibreOffice's
        return None
    level = 1 if sti == 62 or name == "title" else (sti if 1 <= sti <= 9 else _named_level(name))
    if level and not reads_as_prose(shown):
        return f"heading{min(level, 6)}"
    if listed or name.startswith("list"):
        return "item"
    if bold and len(shown.split()) <= 16 and not re.search(r"[.,;]$", shown):
        return "bold"  # a heading set in bold by hand, as Word users often do
    return "para"


def _blocks(items, blocks: list[str], numbers: dict[int, str]) -> None:
    """Append the blocks to write out: paragraphs as Markdown (with their numbers, by block, in `numbers`); a
    table's rows of data as `| a | b |` lines; a row used to lay out text (a cell holding a heading among its
    paragraphs, or more words than a row of data holds: a policy's whole body set in one cell under a cover
    table's rows) as its cells' paragraphs; a table of one short cell as a bold heading."""
    rows: list[list[str]] = []

    def flush() -> None:
        if len(rows) == 1 and len(rows[0]) == 1 and len(rows[0][0].split()) <= 16 \
                and not re.search(r"[.,;:]$", rows[0][0]):
            blocks.append(f"**{rows[0][0]}**")  # a heading boxed in a table of one cell
        elif rows:
            width = max(len(row) for row in rows)
            while width > 1 and all(len(row) < width or not row[width - 1] for row in rows):
                width -= 1  # a column empty in every row shows nothing
            blocks.append("\n".join("| " + " | ".join(row[:width]) + " |" for row in rows))
        rows.clear()

    items = list(items)
    table_rows = _table_sizes(items)
    for n, item in enumerate(items):
        if isinstance(item, _Para):
            flush()
            if item.number:
                numbers[len(blocks)] = item.number
            if item.kind.startswith("heading"):
                blocks.append("#" * int(item.kind[7:]) + " " + item.text.replace("\n", " "))
            else:
                blocks.append({"item": "- ", "bold": "**"}.get(item.kind, "") + item.text
                              + ("**" if item.kind == "bold" else ""))
            continue
        if not any(item):
            continue
        if any(len(cell) >= 3 and any(p.kind.startswith("heading") for p in cell) for cell in item) \
                or lays_out(table_rows[n], [[p.text for p in cell] for cell in item]):
            flush()
            _blocks([p for cell in item for p in cell], blocks, numbers)  # a page laid out in a table
            continue
        rows.append([" ".join(" ".join(p.text.split()) for p in cell) for cell in item])
    flush()


def _table_sizes(items: list) -> list[int]:
    """For each item, the number of rows in the table it is a row of (rows in a row make one table)."""
    sizes, n = [0] * len(items), 0
    while n < len(items):
        end = n
        while end < len(items) and not isinstance(items[end], _Para):
            end += 1
        sizes[n:end] = [end - n] * (end - n)
        n = end + 1 if end == n else end
    return sizes


def _named_level(name: str) -> int:
    match = re.match(r"heading\s*(\d)", name, re.I)
    return int(match.group(1)) if match else 0

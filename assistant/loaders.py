"""Read policy documents (Markdown, text, Word, Rich Text, OpenDocument, PDF, HTML) into `PolicyDocument`s.

Every loader produces Markdown-flavoured text: headings as `#` lines, list items as `- ` lines and
table rows as `| a | b |` lines, so one chunker serves all formats. For Markdown and text files the
document text is the file itself (minus YAML front matter); for the binary formats it is the text
extracted from them, which is what clauses quote.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

import yaml

from .chunking import ATTR_LIST, ICON, NO_SPACE_HEADING, is_asciidoc
from .errors import CorpusError, DocumentError
from .models import PolicyDocument
from .numbering import WordNumbering
from .pdf_layout import page_lines, running_header, to_markdown
from .text import unescape

log = logging.getLogger(__name__)
# pypdf reports each small defect it repairs as a warning ("Ignoring wrong pointing object 8 0"): noise to
# whoever indexes a school's PDFs. A file it cannot read is still reported, by name (see _pdf_text).
logging.getLogger("pypdf").setLevel(logging.ERROR)

DEFAULT_MAX_FILE_BYTES = 10_000_000
Numbered = tuple[tuple[int, int, str], ...]  # where numbered paragraphs stand in a text, and the numbers shown
# what a word-processed or printed file gives: its text, its numbered places, and the text of its running headers
# and footers (read for review dates only)
Extracted = tuple[str, Numbered, str]
_TAIL = 1500  # characters at a document's end read for its review dates when its head states none
SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".txt": "text", ".text": "text", ".rst": "text",
             ".adoc": "text", ".asciidoc": "text",
             ".docx": "docx", ".doc": "doc", ".rtf": "rtf", ".odt": "odt", ".fodt": "odt", ".pdf": "pdf", ".html": "html", ".htm": "html"}
# formats written in a word processor or printed: their text is extracted and written out as Markdown-like blocks
_OFFICE = ("docx", "doc", "rtf", "odt")
_PAGED = (*_OFFICE, "pdf")
# document formats met in policy folders that are not read: each file is named when met, not passed over
UNREAD = {".wpd": "WordPerfect (.wpd)",
          ".pages": "Apple Pages (.pages)", ".epub": "EPUB (.epub)", ".ppt": "PowerPoint (.ppt)",
          ".pptx": "PowerPoint (.pptx)", ".odp": "OpenDocument presentation (.odp)", ".xls": "Excel (.xls)",
          ".xlsx": "Excel (.xlsx)", ".ods": "OpenDocument spreadsheet (.ods)"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)
# YAML metadata without its opening fence (some policy tool kits write it so): "name: …" lines, each a key,
# an indented value or a list entry, up to a closing `---`; used only when it parses as a mapping
_BARE_FRONT_MATTER = re.compile(
    r"\A(?=[A-Za-z_][\w-]*:[ \t])((?:(?:[A-Za-z_][\w-]*:[^\n]*|[ \t]+[^\n]*|-[ \t][^\n]*|[ \t]*)\r?\n)+?)---[ \t]*(?:\r?\n|\Z)")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_TERM_MONTHS = {"spring": 1, "summer": 4, "autumn": 9, "fall": 9, "winter": 1}
_SEASON = r"(?:spring|summer|autumn|fall|winter)(?:\s+term)?"
_DATE_WORDS = (r"(?:\d{4}-\d{2}(?:-\d{2})?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|" + _SEASON + r",?\s+\d{4}"
               r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?[A-Za-z]{3,9}\.?,?\s+\d{4}"
               r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})")  # "January 13th 2026", "May 4, 2025"
# a cover sheet's table, as Word, PDF and Markdown write one: "Date of next review | Headteacher | Summer 2021";
# a cell between the label and the date is passed over only when cell breaks (a tab, a pipe or a run of
# spaces) stand on both sides of it, so prose ("reviewed by the governors in May 2024") is never read so
_CELL_BREAK = r"(?:(?:[ \t]*[|\t])+[ \t]*|[ \t]{2,})"  # empty cells between count as one break
_NAME_CELL = r"[A-Za-z][A-Za-z.,'’&()/-]*(?: [A-Za-z.,'’&()/-]+){0,5}"  # words one space apart, no digits
# or, where the table's cells reach the text one space apart, up to three capitalised words before a date
# that ends the line: "Date of Next review Headteacher Summer 2021". A cell is passed over only on the
# label's own line: an empty "| Next Review Date |  |" must not take the date of the row below it.
_THEN_DATE = (r"(?:[ \t:\-–|*]*(?:\n[ \t:\-–*]*)?"  # the date itself, on the label's line or the next
              r"|[ \t:\-–|*]*(?:" + _NAME_CELL + _CELL_BREAK + r"(?:dated?\b[ \t:|]*)?"
              r"|(?-i:(?:[A-Z][A-Za-z.'’&()/-]* ){1,3})(?=" + _DATE_WORDS + r"[ \t]*$)))(" + _DATE_WORDS + r")")
_REVIEW_DUE = re.compile(
    r"(?:next\s+review(?:\s+(?:due|date))?|review\s+due(?:\s+date)?|due\s+for\s+review"
    r"|(?:is\s+to|will|shall|should|to)\s+be\s+reviewed(?:\s+again)?(?:\s+by\s+[^.\n]{1,40}?)?"
    r"(?=\s+(?:in|by|on|before|during)\b|[\s]*[:|\t])|valid\s+(?:to|until)(?:\s+date)?)"
    r"(?:\s+(?:on|by|in|before|during)(?:\s+the)?)?" + _THEN_DATE, re.I | re.M)
# "Review date: 03/01/2025" (or "Date of review: March 2020") is the next review where nothing else names it,
# and the last one where a "Next review date" follows
_REVIEW_DATE = re.compile(r"(?:review\s+date|date\s+of\s+review)" + _THEN_DATE, re.I | re.M)
_LAST_REVIEW = re.compile(
    r"(?:date\s+of\s+last\s+review|last\s+(?:review(?:ed)?|updated|revised|amended)(?:\s+date)?|date\s+reviewed"
    r"|(?<![\w ])[ \t]*reviewed\s+(?:by(?=" + _CELL_BREAK + r"|(?-i: [A-Z]))|on\b)|\breviewed(?=[ \t]*:))"
    r"(?:\s+(?:on|in))?" + _THEN_DATE, re.I | re.M)
# a line giving the policy's own date, where nothing states its last review: "Date: 07/06/2014" under a
# childminder's policy, "Adopted February 2014", "| **Date** | December 17, 2025 |", "Ratified: 11th December 2024"
_DATED = re.compile(
    r"^[ \t*#|]*(?:dated?|policy\s+date|date\s+(?:of\s+)?(?:policy|adoption|adopted|issue|issued|approval|approved"
    r"|agreed|ratified)|(?:adopted|issued|approved|agreed|ratified)(?:\s+on)?)[ \t*]*[:|]?[ \t*|]*(" + _DATE_WORDS
    + r")[ \t*|]*$", re.I | re.M)
# a cover sheet's own "Title: Code of Conduct Policy"
_TITLE_LINE = re.compile(r"(?:^|[|*\t]|(?<!job)\s)(?:policy\s+|document\s+)?title[ \t*]*[:|][ \t*]*"
                         r"([^|*\n]{3,120}?)[ \t|*]*$", re.I | re.M)
# ... or a cell of a cover table's row holding more: "| Title of Policy: Safety and Health Policy | Number: 1 |"
_TITLE_CELL = re.compile(r"(?:^|\|)[ \t*]*(?:(?:policy|document)\s+)?title(?:\s+of\s+(?:the\s+)?(?:policy|document|procedure))?"
                         r"[ \t*]*:[ \t*]*([^|*\n:]{3,120}?)[ \t*]*\|", re.I | re.M)
# who owns a policy, as its cover sheet says: "Policy owner: Headteacher", "| Author | Mrs J Patel |"
_OWNER = re.compile(
    r"^[ \t|*]*(?:policy\s+owner|owner|author|responsible\s+(?:person|officer|lead)|(?:member\s+of\s+)?staff\s+responsible"
    r"|policy\s+lead|person\s+responsible|responsibility\s+(?:to|for)\s+(?:updat(?:e|ing)|review(?:ing)?)"
    r"(?:\s+(?:this|the)\s+policy)?)[ \t*]*"
    r"(?::[ \t*]*|" + _CELL_BREAK + r"|[ \t]+(?=(?-i:[A-Z])))(" + _NAME_CELL + r")[ \t*]*"
    r"(?=" + _CELL_BREAK + r"|$|[ \t]+date\b)", re.I | re.M)


@dataclass
class Corpus:
    """The documents that loaded, and the ones that could not, by name."""

    documents: list[PolicyDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (source, sha256 of its bytes or why it was refused)


def supported_files(corpus_dir: Path) -> list[Path]:
    """Every policy file under the folder, in a stable order; hidden files and folders are skipped. Files in
    document formats that are not read (`UNREAD`) are listed too, so that loading names them."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"Policy folder not found: {corpus_dir}")
    files = []
    skip = len(str(corpus_dir).rstrip(os.sep)) + 1
    for path in sorted(corpus_dir.rglob("*")):
        rel = str(path)[skip:]
        if rel.startswith(".") or f"{os.sep}." in rel:
            continue
        suffix = path.suffix.lower()
        if (suffix in SUPPORTED or suffix in UNREAD or not suffix) and path.is_file():
            files.append(path)  # a file with no extension ("SubmittingPatches") is read when it is a document
    return files


def refusal(path: Path, corpus_dir: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES, root: str | None = None,
            dirs: dict[str, str] | None = None) -> str | None:
    """Why a file in the policy folder must not be read, by name (None when it may be).

    A link resolving outside the folder is refused (a `passwd.txt -> /etc/passwd` must never be
    quoted); a file over `max_bytes` (setting `max_file_bytes`) is skipped before it is read.
    `root` (the folder's real path) and `dirs` (real paths of folders met so far) are kept for one walk.
    """
    try:
        root = root or os.path.realpath(corpus_dir)
        if dirs is not None and not os.path.islink(path):  # not a link itself: its folder decides where it is
            folder = os.path.dirname(path)
            real = os.path.join(dirs.get(folder) or dirs.setdefault(folder, os.path.realpath(folder)),
                                os.path.basename(path))
        else:
            real = os.path.realpath(path)
        inside = real == root or real.startswith(root.rstrip(os.sep) + os.sep)
        size = path.stat().st_size
    except OSError as exc:
        return f"{path.relative_to(corpus_dir).as_posix()}: cannot be read ({exc.strerror or exc})"
    if not inside:
        return f"{path.relative_to(corpus_dir).as_posix()}: refused: it links to a file outside the policy folder"
    if max_bytes > 0 and size > max_bytes:
        return (f"{path.relative_to(corpus_dir).as_posix()}: skipped: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit "
                "(POLICY_ASSISTANT_MAX_FILE_BYTES)")
    return None


def load_corpus(corpus_dir: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                known: Mapping[str, PolicyDocument] | None = None) -> Corpus:
    """Load every supported file; a file that cannot or must not be read is reported by name and skipped.

    A `known` document (from the last build) whose file still has the same bytes is taken as it is,
    not parsed again: a document is made from its name and its bytes alone."""
    corpus = Corpus()
    root, dirs = os.path.realpath(corpus_dir), {}
    for path in supported_files(corpus_dir):
        source = path.relative_to(corpus_dir).as_posix()
        problem = refusal(path, corpus_dir, max_file_bytes, root, dirs)
        raw = b""
        if not problem:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                problem = f"{source}: cannot be read ({exc.strerror or exc})"
        if problem:
            log.warning("%s", problem)
            corpus.problems.append(problem)
            corpus.files.append((source, problem))
            continue
        digest = hashlib.sha256(raw).hexdigest()
        corpus.files.append((source, digest))
        earlier = known.get(source) if known else None
        if earlier is not None and earlier.digest == digest:
            corpus.documents.append(earlier)
            continue
        try:
            corpus.documents.append(load_document(path, source, raw, digest))
        except DocumentError as exc:
            log.warning("%s", exc)
            corpus.problems.append(str(exc))
    return corpus


def load_document(path: Path, source: str | None = None, raw: bytes | None = None,
                  digest: str | None = None) -> PolicyDocument:
    """Load one file by its extension (from `raw`, its bytes, and `digest`, their sha256, when known)."""
    source = source or path.name
    kind = SUPPORTED.get(path.suffix.lower()) or ("text" if not path.suffix else None)
    if kind is None:
        if path.suffix.lower() in UNREAD:
            raise DocumentError(f"{source}: {UNREAD[path.suffix.lower()]} files are not read; save it as .docx, "
                                ".odt, PDF or text to have it read")
        raise DocumentError(f"{source}: unsupported file type {path.suffix!r}")
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DocumentError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    offset, numbers, margins = 0, (), ""
    if kind in ("markdown", "text"):
        meta, text, offset = _split_front_matter(_decode(raw, source), source)
        if not path.suffix and not _written_as_document(text):
            raise DocumentError(f"{source}: skipped: a file without an extension is read only when it is written as "
                                "a document, with headings (Markdown, AsciiDoc); name it .txt or .md to have it read")
    else:
        meta, (text, numbers, margins) = {}, _EXTRACTORS[kind](raw, source)
    if not text.strip():
        hint = " (a scanned or image-only document?)" if kind in _PAGED else ""
        raise DocumentError(f"{source}: has no text to index{hint}")
    return _document(source, kind, text, meta, path, margins).model_copy(
        update={"offset": offset, "digest": digest or hashlib.sha256(raw).hexdigest(), "numbers": numbers})


def _written_as_document(text: str) -> bool:
    """Headings as Markdown or AsciiDoc write them: a LICENSE, a Makefile or a CODEOWNERS file has none."""
    return is_asciidoc(text) or len(re.findall(r"^#{1,6}[ \t]+\S|^\S.{0,150}\n(?:={3,}|-{3,})[ \t]*$", text, re.M)) >= 2


_LONE_CR = re.compile(r"\r(?!\n)")


def _decode(raw: bytes, source: str) -> str:
    """Text as written: UTF-8, else Windows-1252, else (when Windows-1252 shows its telltale, "companyÕs") Mac Roman;
    a line ended by a carriage return alone, as classic Mac files end them, ends a line (one character for one, so
    every offset still stands)."""
    if b"\x00" in raw[:4096]:
        raise DocumentError(f"{source}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252" and _MAC_ROMAN_READ.search(text):
            text = raw.decode("mac_roman")
        return _LONE_CR.sub("\n", text)
    raise DocumentError(f"{source}: is not valid text")  # pragma: no cover - cp1252 rarely fails


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML has it: ~10x faster


def _yaml(text: str) -> Any:
    """YAML parsed safely (plain data only), as yaml.safe_load does."""
    return yaml.load(text, Loader=_YAML_LOADER)


def _split_front_matter(text: str, source: str) -> tuple[dict, str, int]:
    """YAML (`---`) or TOML (`+++`) front matter read as metadata, and the text after it with its offset."""
    for pattern, parse, kind in ((_FRONT_MATTER, _yaml, "YAML"), (_TOML_FRONT_MATTER, tomllib.loads, "TOML")):
        match = pattern.match(text)
        if not match:
            continue
        try:
            meta = parse(match.group(1)) or {}
        except (yaml.YAMLError, tomllib.TOMLDecodeError):
            log.warning("%s: front matter is not valid %s; ignored", source, kind)
            meta = {}
        return (meta if isinstance(meta, dict) else {}), text[match.end():], match.end()
    match = _BARE_FRONT_MATTER.match(text)
    if match:
        try:
            meta = _yaml(match.group(1))
        except yaml.YAMLError:
            meta = None
        if isinstance(meta, dict) and meta:
            return meta, text[match.end():], match.end()
    return {}, text, 0


def _document(source: str, kind: str, text: str, meta: dict, path: Path, margins: str = "") -> PolicyDocument:
    """`margins`: the text of a word-processed file's running headers and footers, read for its review dates
    where the text states none."""
    head = text[:3000]
    found_due, found_last = _review_statements(head)
    if found_due is None and found_last is None and len(text) > len(head):
        # a sign-off block at the end ("Version No: SAFE21 … Review Date: 13 January 2024") states it there
        found_due, found_last = _review_statements(text, max(len(head), len(text) - _TAIL))
    in_margins = False
    if found_due is None and found_last is None and margins:
        # a footer on every page: "Reviewed: September 2023   Next review: September 2024" (not a line of the text,
        # so none is quoted for it)
        found_due, found_last = _review_statements(margins)
        in_margins = found_due is not None or found_last is not None
    due_text = _meta_str(meta, "next_review_due", "review_due", "next_review", "next_review_date", "review_date",
                         "next_review_at", "next_review_on", "review_due_date", "review_by") \
        or (found_due.group(1) if found_due else None)
    last = _meta_str(meta, "last_reviewed", "last_review", "reviewed", "last_review_date", "last_reviewed_at",
                     "last_reviewed_on", "reviewed_at", "reviewed_on", "last_updated", "last_updated_at", "lastmod") \
        or (found_last.group(1) if found_last else None)
    due = parse_month(due_text) if due_text else None
    dated = None
    if last is None and found_last is None:  # the policy's own date, at its head or its end, stands in for it
        dated = _DATED.search(head) or (_DATED.search(text, max(len(head), len(text) - _TAIL))
                                        if len(text) > len(head) else None)
        found_last = dated
    return PolicyDocument(
        source=source,
        title=_meta_str(meta, "title", "name") or _title(text, kind, path),
        text=text,
        format=kind,
        contact=_meta_str(meta, "contact", "owner"),
        owner=_meta_str(meta, "owner", "policy_owner", "author", "signed_by", "signed_by_name", "approved_by", "contact")
        or _first_group(_OWNER, head),
        last_reviewed=_month_label(last),
        dated=_month_label(dated.group(1)) if dated else None,
        review_due=due,
        review_due_label=_month_label(due_text) if due_text else None,
        review_lines=None if in_margins else _review_lines(text, found_due, found_last),
    )


def _review_statements(text: str, start: int = 0) -> tuple[re.Match | None, re.Match | None]:
    """Where the text from `start` states the next review and the last one (either may be missing)."""
    due, last = _REVIEW_DUE.search(text, start), _LAST_REVIEW.search(text, start)
    plain = _REVIEW_DATE.search(text, start)
    if due is None:
        due = plain
    elif last is None and plain is not None and plain.start() < due.start():
        last = plain  # "Review date: 03/01/2025 / Next review date: 02/01/2026": the first is the last review
    return due, last


def _review_lines(text: str, due: re.Match | None, last: re.Match | None) -> tuple[int, int] | None:
    """Where the document itself states its review dates (`due` and `last`, found in its head): the lines from
    the first such statement to the last."""
    found = [m for m in (last, due) if m]
    if not found:
        return None
    if (owner := _OWNER.search(text, 0, 3000)) and owner.start() < min(m.start() for m in found):
        found.insert(0, owner)  # a cover sheet names its author first
    start = min(m.start() for m in found)
    end = max(m.end() for m in found)
    if end - start > 300:  # far apart: the next review date is what matters
        start, end = found[-1].start(), found[-1].end()
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def _meta_str(meta: dict, *keys: str) -> str | None:
    """The first of the keys the metadata gives ("Last reviewed", "last-reviewed" and "last_reviewed" alike); a
    timestamp as its day ("last_reviewed_at: 2025-05-16T17:00:00Z" is 2025-05-16)."""
    named = {re.sub(r"[\s-]+", "_", str(k).strip().lower()): v for k, v in meta.items()}
    for key in keys:
        value = named.get(key)
        if isinstance(value, datetime):
            value = value.date()
        if value not in (None, ""):
            return str(value).strip()
    return None


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def parse_month(text: str) -> date | None:
    """Read '2024-06', '2024-06-30', 'June 2024', '30 June 2024', '30/06/2024', 'Summer 2024' or 'Spring Term
    2025' as a date."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2})(?:[T ]\d{2}:\d{2}(?::[\d.]+)?(?:Z|[+-]\d{2}:?\d{2})?)?)?", text):
        return _safe_date(int(m[1]), int(m[2]), int(m[3] or 1))
    if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})", text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return _safe_date(year, int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(spring|summer|autumn|fall|winter)(\s+term)?,?\s+(\d{4})", text, re.I):
        # the season's first month; a school's term where "term" is written (the spring term starts in January)
        months = _TERM_MONTHS if m[2] else _SEASON_MONTHS
        return _safe_date(int(m[3]), months[m[1].lower()], 1)
    if m := re.fullmatch(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text):  # "January 13th 2026"
        month = next((n for name, n in _MONTHS.items() if name.startswith(m[1].lower()) and len(m[1]) >= 3), None)
        if month:
            return _safe_date(int(m[3]), month, int(m[2]))
    if m := re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]{3,9})\.?,?\s+(\d{4})", text):
        month = next((n for name, n in _MONTHS.items() if name.startswith(m[2].lower()) and len(m[2]) >= 3), None)
        if month:
            return _safe_date(int(m[3]), month, int(m[1] or 1))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_label(text: str | None) -> str | None:
    """'2024-06' -> 'June 2024'; anything unparsable is returned as written."""
    if not text:
        return None
    parsed = parse_month(text)
    if parsed is None or re.match(_SEASON, text, re.I):
        return " ".join(text.split())  # a season or term stays as written: "Summer 2021", not "June 2021"
    with_day = r"\d{1,2}\D+\d{1,2}\D+\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]|[A-Za-z]\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?!\d)"
    return parsed.strftime("%-d %B %Y") if re.search(with_day, text) else parsed.strftime("%B %Y")  # as precise as written


_NAMES_A_DOCUMENT = re.compile(r"\b(?:polic(?:y|ies)|procedures?|handbook|code\s+of\s+(?:conduct|practice)"
                               r"|guidance|guidelines|guide|manual|checklist|toolkit|(?:info(?:rmation)?|fact)\s+sheet"
                               r"|statement|protocol|agreement|framework|(?:role|job)\s+description)\b", re.I)
# a heading naming a document and nothing else ("Our Policy", "Policy Statement", "Introduction"): no title
_GENERIC_TITLE = re.compile(r"(?:(?:our|the|this|a|an|of|and|policy|policies|procedures?|statement|introduction"
                            r"|purpose|scope|overview|summary|executive|background|guidance|guide)\b[\s:&-]*)+", re.I)
# what a file name carries after its title: a version, a date, a copy number ("…_V3.0_Feb_2025_(002)")
_MONTH = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?", re.I)
_NAME_SUFFIX = re.compile(r"^(?:v(?:ersion)?\.?\d+(?:\.\d+)*|version|\d+(?:\.\d+)+|\(\d+\)|(?:19|20)\d\d[a-z]{0,3}"
                          rf"|{_MONTH.pattern}(?:(?:19|20)?\d\d)?[a-z]{{0,3}}|final|draft|updated?|copy)$", re.I)


_CONTACT_LINE = re.compile(r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:(?:tel|phone|t)\W*)?\+?[\d()][\d\s()-]{6,}\d"
                           r"|(?:https?://|www\.)\S+)", re.I)


def _names_a_title(heading: str) -> bool:
    """Whether a heading can be a document's title: it has words, more than a document's kind, and no section
    number ("1. Policy Statement" heads the first section)."""
    return bool(re.search(r"[^\W\d_]", heading)) and not _GENERIC_TITLE.fullmatch(heading.strip()) \
        and not re.match(r"\d+(?:\.\d+)*\.?\s", heading.strip())


def _title_from_text(text: str, kind: str) -> str | None:
    if kind in _PAGED:  # a printed policy's first heading, when it names the policy, is its title,
        blocks = text.split("\n\n", 8)[:8]  # whatever size it was set in; a school's name may stand above
        for n, block in enumerate(blocks):
            if _CONTACT_LINE.fullmatch(block.strip()):
                continue  # a letterhead's address: an email, a telephone number, a web address
            if match := re.fullmatch(r"#{1,6}\s+(.+?)\s*#*\s*|\*\*(.+?)\*\*\s*", block):
                heading = _plain(match.group(1) or match.group(2))
                if _NAMES_A_DOCUMENT.search(heading) and len(heading.split()) <= 16 and _names_a_title(heading):
                    return heading
                if n + 1 < len(blocks) and _CONTACT_LINE.fullmatch(blocks[n + 1].strip()):
                    continue  # the organisation's name over its letterhead
                if _names_a_title(heading):
                    break
                continue  # a marking ("OFFICIAL") or a symbol ("□") above the title
            if "\n" in block or len(block.split()) > 12 or re.search(r"[.!?:;]$", block.strip()):
                break  # the body has begun
    if kind in ("markdown", "html", *_PAGED):
        for match in re.finditer(rf"^#(?:\s+|{NO_SPACE_HEADING})(.+?)\s*#*\s*$", text, re.M):
            if re.search(r"[^\W\d_]", match.group(1)):  # words, not a symbol set large ("□")
                return _plain(match.group(1))
    if kind in ("markdown", "text") and is_asciidoc(text) and (match := re.search(r"^=[ \t]+([^=\s].*?)[ \t]*$", text, re.M)):
        return _plain(match.group(1))  # AsciiDoc's document title ("= JEP-12: Travel Grant Program")
    if kind in ("markdown", "text") and (match := re.search(r"^(?![=\-~^\"+#*]{3})(\S.{0,150})\n={3,}[ \t]*$", text, re.M)):
        return _plain(match.group(1))  # a title underlined with "=" (Markdown's setext, reStructuredText)
    if kind in _OFFICE and (match := re.match(r"\*\*(.+?)\*\*\n", text)):  # a bold first line (see _docx_text)
        return match.group(1).strip()
    if kind == "pdf":  # a first line standing on its own (see _pdf_paragraphs) is the title
        first, _, rest = text.partition("\n\n")
        if rest and "\n" not in first and not first.startswith("#") and len(first.split()) <= 12 \
                and not re.search(r"[.,;:!?]$", first):
            return first.strip()
    return None


def _title(text: str, kind: str, path: Path) -> str:
    """The title a document gives itself; for a Word file or a PDF, its cover sheet's "Title:" first, and its
    file name before a first heading that names no policy ("Executive Summary") where the name names one."""
    if kind in _PAGED:
        titled = _TITLE_LINE.search(text[:3000]) or _TITLE_CELL.search(text[:3000])
        if titled and len(titled.group(1).split()) <= 12 and not re.search(r"[.!?]\s", titled.group(1)):
            return _plain(titled.group(1))
        found = _title_from_text(text, kind)
        named = _title_from_name(path)
        if found and (not _names_a_title(found) or not _NAMES_A_DOCUMENT.search(found)
                      and _NAMES_A_DOCUMENT.search(named)):
            return named  # a section's heading ("Purpose") never titles; a document's kind in the name wins
        if found:
            # a handbook's schedules each open "Staff Handbook" over their own name ("Schedule 6 - Holiday Policy"):
            # of the opening headings, the one the file is named by names the document
            name = _name_words(named)
            best = max((h for h in _opening_headings(text) if _names_a_title(h)),
                       key=lambda heading: len(_name_words(heading) & name), default=found)
            if len(_name_words(best) & name) >= max(2, len(_name_words(found) & name) + 1):
                return best
        return found or named
    if path.suffix.lower() == ".rst" and (match := _RST_TITLE.search(text)) \
            and len(match.group(3).strip()) >= len(match.group(2).strip()):
        return _plain(match.group(2))  # reStructuredText: the first adorned heading, whatever its character
    return _title_from_text(text, kind) or _title_from_name(path)


_RST_TITLE = re.compile(r"^(?:([=\-~^\"+#*'`:.])\1{2,}[ \t]*\n)?[ \t]*([^\s=\-~^\"+#*'`:.].{0,150}?)[ \t]*\n"
                        r"(([=\-~^\"+#*'`:.])\4{2,})[ \t]*$", re.M)


def _opening_headings(text: str) -> list[str]:
    """The headings and title lines standing before a printed document's body begins (its cover sheet's): a
    council's template heads every policy "COUNCIL POLICY", over the policy's name on a line of its own."""
    out = []
    for block in text.split("\n\n", 12)[:12]:
        if match := re.fullmatch(r"#{1,6}\s+(.+?)\s*#*\s*", block):
            out.append(_plain(match.group(1)))
        elif "\n" in block or len(block.split()) > 12 or re.search(r"[.!?:;]$", block.strip()):
            break  # the body has begun
        elif ":" not in block and not re.search(r"\d", block) and _NAMES_A_DOCUMENT.search(block):
            out.append(_plain(block))  # a line naming a policy: not a label's ("Category: …"), a code's or a date's
    return out


def _name_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W_]+", text) if len(w) > 1 or w.isdigit()}


def _title_from_name(path: Path) -> str:
    stem = re.sub(r"\s*\(\d+\)$", "", path.stem.strip())  # "Lone Working Policy (1)": a downloaded copy
    words = re.sub(r"(?<!\d)[-_]|[-_](?!\d)", " ", stem).split()
    while len(words) > 2:  # "…Policy V2.0 FEB2025", "…Policy Sep 25": its version and date
        if len(words) > 3 and re.fullmatch(r"\d{1,2}", words[-1]) and _MONTH.fullmatch(words[-2]):
            del words[-2:]
        elif _NAME_SUFFIX.match(words[-1]):
            words.pop()
        else:
            break
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words)


def _plain(text: str) -> str:
    text = re.sub(ICON + "|" + ATTR_LIST, "", text)  # Material for MkDocs' icons and attribute lists
    return " ".join(unescape(re.sub(r"(?<!\\)[*_`]", "", text)).split())


# ---------------------------------------------------------------- binary formats -> Markdown text

def _docx_text(raw: bytes, source: str) -> Extracted:
    import io
    import zipfile

    from docx import Document

    try:
        doc = Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"{source}: not a readable DOCX file ({type(exc).__name__})") from None
    except Exception as exc:  # python-docx raises assorted errors on damaged packages
        raise DocumentError(f"{source}: not a readable DOCX file ({type(exc).__name__})") from None
    blocks: list[str] = []
    numbers: dict[int, str] = {}
    _docx_read(doc.element.body, doc, blocks, WordNumbering(doc), numbers)
    return (*joined(blocks, numbers), _docx_margins(doc))


def _docx_margins(doc) -> str:
    """The text of the running headers and footers, each line once (read for review dates only)."""
    lines: dict[str, None] = {}
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            element = getattr(part, "_element", None) if not part.is_linked_to_previous else None
            if element is None:
                continue
            for para in element.iter(_W + "p"):
                text = "".join(t.text or "" for t in para.iter(_W + "t")).strip()
                if text:
                    lines.setdefault(text)
    return "\n".join(lines)


def joined(blocks: list[str], numbers: dict[int, str]) -> tuple[str, Numbered]:
    """Blocks as one text, a blank line between, with where each numbered one stands and its number."""
    places, offset = [], 0
    for n, block in enumerate(blocks):
        if n in numbers:
            places.append((offset, offset + len(block), numbers[n]))
        offset += len(block) + 2
    return "\n\n".join(blocks), tuple(places)


def _docx_read(parent, doc, blocks: list[str], numbering: WordNumbering, numbers: dict[int, str]) -> None:
    """Append the paragraphs and tables under `parent` (the body, or a cell of a table used for layout); the
    number the page shows before a numbered paragraph ("4.2", "b)") goes in `numbers`, by its block."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for element in _docx_blocks(parent):
        if element.tag.rsplit("}", 1)[-1] == "p":
            para = Paragraph(element, doc)
            number = numbering.label(para)  # an empty numbered paragraph takes a number too
            text = _paragraph_text(para).strip()
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            level = _heading_level(style) if not reads_as_prose(text) else 0
            if style.lower().startswith("toc"):
                continue  # a table of contents line ("Introduction<tab>3"): the headings themselves follow
            if number:
                numbers[len(blocks)] = number
            if level:
                blocks.append("#" * level + " " + text)
            elif style.lower().startswith("list") or para._p.pPr is not None and para._p.pPr.numPr is not None:
                blocks.append("- " + text)
            elif _all_bold(para) and len(text.split()) <= 16 and not re.search(r"[.,;]$", text):
                blocks.append(f"**{text}**")  # a heading set in bold by hand, as Word users often do
            else:
                blocks.append(text)
            continue
        table = Table(element, doc)
        cells = _distinct_cells(table)
        if _frames_text(table, cells):
            for cell in cells:  # a page laid out in a table: its cells hold the text itself
                _docx_read(cell._tc, doc, blocks, numbering, numbers)
            continue
        # a row holding more words than a row of data does, in one cell or in cells of paragraphs, lays out text: a
        # policy's body set in one cell under a cover table's rows ("Title of Policy: … | Number: …") is read as
        # paragraphs, the rows around it as data (a long "Role | Responsibilities" row stays a row)
        laid_out = {n for n, row in enumerate(table.rows)
                    if lays_out(len(table.rows), [[p.text for p in c.paragraphs] for c in _distinct(row.cells)])}
        for n, row in enumerate(table.rows):  # a numbered paragraph in a table of data still counts, in reading order
            if n not in laid_out:
                for cell in _distinct(row.cells):
                    for para in cell.paragraphs:
                        numbering.label(para)
        shown_cells = {id(cell._tc): " ".join(" ".join(_paragraph_text(p) for p in cell.paragraphs).split())
                       for cell in cells}
        banner = shown_cells[id(table.rows[0].cells[0]._tc)] if len(table.rows) == 1 \
            and len(table.rows[0].cells) == 1 else ""
        if banner and len(banner.split()) <= 16 and not re.search(r"[.,;:]$", banner):
            blocks.append(f"**{banner}**")  # a heading boxed in a table of one cell
            continue
        rows = []
        for n, row in enumerate(table.rows):
            if n in laid_out:
                if rows:
                    blocks.append("\n".join(rows))
                    rows = []
                for cell in _distinct(row.cells):
                    _docx_read(cell._tc, doc, blocks, numbering, numbers)
                continue
            rows.append("| " + " | ".join(shown_cells[id(c._tc)] for c in row.cells) + " |")
        if rows:
            blocks.append("\n".join(rows))


def _paragraph_text(para) -> str:
    """A paragraph's text as Word shows it. python-docx reads only the runs outside tracked changes: a phrase
    inserted with changes tracked ("conducted through RIIS platforms") went missing."""
    element = para._p
    if not element.xpath("./w:ins | ./w:moveTo | ./w:hyperlink/w:ins"):
        return para.text
    from docx.text.run import Run

    runs = element.xpath("./w:r | ./w:ins/w:r | ./w:moveTo/w:r | ./w:hyperlink/w:r | ./w:hyperlink/w:ins/w:r")
    return "".join(Run(run, para).text for run in runs)


def reads_as_prose(text: str) -> bool:
    """A paragraph in a heading style that is a numbered clause of the body ("3.1 The consumption of alcohol
    on property owned … is prohibited, unless authorised by the Managing Director."): Word documents often
    number their clauses with the heading styles. A heading names; it does not run to sentences."""
    words = len(text.split())
    return words > 20 or words > 6 and text.endswith(".")


# a table holding more than this in one row is a frame around text, not a table of data
FRAME_WORDS = 150


def lays_out(rows: int, cells: list[list[str]]) -> bool:
    """Whether a table's row (its cells, each its paragraphs' texts) lays out text rather than holding data: it
    holds more words than a row of data does, and it is the table's only row, or one cell, or a cell of several
    paragraphs."""
    if sum(len(text.split()) for cell in cells for text in cell) <= FRAME_WORDS:
        return False
    return rows == 1 or len(cells) == 1 or any(len([t for t in cell if t.strip()]) >= 3 for cell in cells)


def _distinct(cells) -> list:
    """Cells once each: a merged cell stands once for each column (and row) it spans."""
    seen: set[int] = set()
    return [c for c in cells if id(c._tc) not in seen and not seen.add(id(c._tc))]


def _distinct_cells(table) -> list:
    """The table's cells in reading order, a cell merged across columns or rows once."""
    return _distinct(cell for row in table.rows for cell in row.cells)


def _frames_text(table, cells: list) -> bool:
    """Whether a table is used to lay out a page rather than to tabulate: a cell holds another table, or
    paragraphs under a heading (a row holding more words than data does is read as text on its own)."""
    for cell in cells:
        if cell._tc.find(_W + "tbl") is not None:
            return True
        inked = [p for p in cell.paragraphs if p.text.strip()]
        if len(inked) >= 3 and any(_heading_level(p.style.name if p.style is not None else "") for p in inked):
            return True
    return False


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_blocks(parent):
    """The body's paragraphs and tables in order, including those inside content controls (a table of
    contents control is left out)."""
    for element in parent.iterchildren():
        tag = element.tag
        if tag == _W + "p":
            for box in _text_boxes(element):  # a cover page's title in a text box anchored here
                yield from _docx_blocks(box)
            yield element
        elif tag == _W + "tbl":
            yield element
        elif tag == _W + "sdt":
            gallery = element.find(f"{_W}sdtPr/{_W}docPartObj/{_W}docPartGallery")
            if gallery is not None and "contents" in (gallery.get(_W + "val") or "").lower():
                continue
            content = element.find(_W + "sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_boxes(paragraph) -> list:
    """The text boxes a paragraph anchors, each once: Word writes a box twice, as a drawing and again as a
    fallback picture for older readers, and only the first is read."""
    boxes = []
    for box in paragraph.iter(_W + "txbxContent"):
        ancestor = box.getparent()
        while ancestor is not None and ancestor is not paragraph and ancestor.tag != _MC_FALLBACK:
            ancestor = ancestor.getparent()
        if ancestor is paragraph and not any(box in b.iter(_W + "txbxContent") for b in boxes):
            boxes.append(box)
    return boxes


def _all_bold(para) -> bool:
    style_bold = bool(para.style is not None and para.style.font.bold)
    inked = [run for run in para.runs if run.text.strip()]
    return bool(inked) and all(run.bold or run.bold is None and style_bold for run in inked)


def _heading_level(style: str) -> int:
    if style.lower() == "title":
        return 1
    match = re.match(r"heading\s*(\d)", style, re.I)
    return min(int(match.group(1)), 6) if match else 0


def _pdf_text(raw: bytes, source: str) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    locked = DocumentError(f"{source}: the PDF is password-protected")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # an empty user password: readable without asking anyone
            except Exception:
                opened = 0
            if not opened:
                raise locked
        pages = [page_lines(page) for page in reader.pages]
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise locked from None
    except (PdfReadError, ValueError, KeyError, OSError, TypeError) as exc:
        raise DocumentError(f"{source}: not a readable PDF ({type(exc).__name__})") from None
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise DocumentError(f"{source}: not a readable PDF ({type(exc).__name__})") from None
    if all(lines or not text.strip() for text, lines in pages):
        text = to_markdown([lines for _, lines in pages])
        # a policy named only in the running header Word repeats on every page: that name, from the first page,
        # is its title when the body gives none
        named = next((h for h in running_header([lines for _, lines in pages]) if _NAMES_A_DOCUMENT.search(h)
                      and _names_a_title(h) and len(re.findall(r"[^\W\d_]{3,}", h)) >= 2 and len(h.split()) <= 16), None)
        found = _title_from_text(text, "pdf")
        if named and not (found and _NAMES_A_DOCUMENT.search(found) and _names_a_title(found)):
            text = f"# {named}\n\n{text}"
    else:
        text = "\n\n".join(_pdf_paragraphs(text.strip()) for text, _ in pages if text.strip())
    return _kerned_capitals(_mac_roman_punctuation(_unknown_ligatures(text.translate(_TYPESET))))


# a typesetter's ligatures spelt out ("ﬁnancial" is searched and read as "financial"), soft hyphens dropped
_TYPESET = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st",
            0x00AD: None}


# a font's Mac Roman punctuation read as Latin-1: ’ ‘ “ ” – — •
_MAC_ROMAN = str.maketrans({"Õ": "’", "Ô": "‘", "Ò": "“", "Ó": "”", "Ð": "–", "Ñ": "—", "¥": "•"})
_MAC_ROMAN_READ = re.compile(r"[a-z]Õ[a-z]|Ò[^\W\d_][^ÒÓ\n]{0,300}?[^\W\d_]Ó|^¥ [A-Z][a-z]", re.M)


def _mac_roman_punctuation(text: str) -> str:
    """Punctuation set in a font encoded in Mac Roman and read as Latin-1 ("theyÕve", "ChaletÕs", "ÒinjuryÓ"),
    as the reader sees it on the page ("they’ve", "Chalet’s", "“injury”"). Only a document that shows the
    telltale (an "Õ" between lower-case letters, "Ò … Ó" around words, a line opening "¥ ") is read back."""
    return text.translate(_MAC_ROMAN) if _MAC_ROMAN_READ.search(text) else text


# a glyph the font gives no letters for, which pypdf writes as a NUL: in the words seen, always a ligature
_UNKNOWN_GLYPH = re.compile(r"(?<=[^\W\d_])\x00|\x00(?=[^\W\d_])")
_LIGATURES = ("ff", "fi", "fl", "ffi", "ffl")


def _unknown_ligatures(text: str) -> str:
    """Spell out a ligature the font maps to no letters ("Sta<NUL> Handbook", "o<NUL>ers") as the one that makes a
    word the document spells out elsewhere ("Staff", "offers"); one that makes no such word is marked as
    unknown (U+FFFD), and no other NUL is kept."""
    if "\x00" not in text:
        return text
    known = set(re.findall(r"[^\W\d_]+", text.replace("\x00", " ").lower()))

    def spelt(word: re.Match) -> str:
        found = [word.group().replace("\x00", lig) for lig in _LIGATURES]
        return next((w for w in found if w.lower() in known), None) or next(
            (w for w in found if len(w) >= 4 and any(k.startswith(w.lower()) for k in known)),  # "office": "offices"
            word.group().replace("\x00", "\ufffd"))

    text = re.sub(r"[^\W\d_]*(?:\x00[^\W\d_]*)+", lambda m: spelt(m) if _UNKNOWN_GLYPH.search(m.group()) else m.group(),
                  text)
    return text.replace("\x00", "")


# a capital the page sets apart from the rest of its word ("State V ehicle", "T urner policies")
_KERNED = re.compile(r"\b([A-Z]) ([a-z]{2,})\b")


def _kerned_capitals(text: str) -> str:
    """A word's capital that pypdf reads as a word of its own, where the page draws it apart from its letters
    to kern it ("V ehicle", "O ver one hundred"), joined to them again: when the document spells the whole
    word elsewhere and never writes its tail as a word ("A copy", "B and C", "HS&E is" stand as written)."""
    if not _KERNED.search(text):
        return text
    known = set(re.findall(r"[^\W\d_]+", _KERNED.sub(" ", text).lower()))

    def joined(split: re.Match) -> str:
        word = split.group(1) + split.group(2)
        return word if word.lower() in known and split.group(2).lower() not in known else split.group()

    return _KERNED.sub(joined, text)


def _pdf_paragraphs(page: str) -> str:
    """Set heading lines apart from the body text: PDF extraction runs a heading into the next line.

    A heading line is short next to the page's body lines, ends without punctuation, starts a new
    sentence after one that ended, and is followed by a line starting a new sentence.
    """
    lines = page.splitlines()
    widest = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    for i, line in enumerate(lines):
        text = line.strip()
        before = lines[i - 1].strip() if i else ""
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        heading = (0 < len(text.split()) <= 12 and text[:1].isupper() and not re.search(r"[.,;:!?]$", text)
                   and (not before or re.search(r"[.:!?]$", before) is not None or not out or out[-1] == "")
                   and after[:1].isupper() and (len(lines) < 3 or len(text) < 0.7 * widest))
        if heading:
            if out and out[-1] != "":
                out.append("")
            out += [text, ""]
        else:
            out.append(line)
    return "\n".join(out).strip()


# the classes Quarto, pandoc (bookdown) and Sphinx give the numbers they put before headings
_GENERATED_NUMBER = ["chapter-number", "header-section-number", "section-number"]


def _html_text(raw: bytes, source: str) -> str:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(raw, "html.parser")
    banner_h1 = ""  # a page heading set in the site's banner ("<header><h1>Hours of Work & Pay</h1>")
    for junk in soup(["script", "style", "nav", "header", "footer", "aside", "noscript", "template", "form"]):
        if junk.name == "header" and junk.find_parent(["article", "main", "section"]):
            continue  # an article's own header holds its heading ("<article><header><h1>Holidays</h1>"): not the site's
        if junk.name == "header" and not banner_h1 and (h1 := junk.find("h1")):
            banner_h1 = " ".join(h1.get_text(" ").split())
        junk.decompose()
    for junk in soup.find_all(attrs={"role": ["navigation", "banner", "contentinfo", "search", "complementary"]}):
        junk.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    # a web page's own content stands in its <main> (or its one <article>): the site's menus, banners and
    # sidebars around it are the same on every page and no part of the policy
    articles = soup.find_all("article")
    mains = soup.find_all("main") or soup.find_all(attrs={"role": "main"})
    mains = [m for m in mains if not any(p is q for p in m.parents for q in mains)]
    if len(mains) > 1:
        content = _sheets(soup, mains)
    else:
        content = mains[0] if mains else articles[0] if len(articles) == 1 else None
    if content is not None and content.get_text(strip=True):
        soup = content
    for listing in soup.find_all(["ul", "ol"]):
        if listing.decomposed or not _in_page_contents(listing):
            continue
        caption = listing.find_previous_sibling()
        if caption is not None and _CONTENTS_TITLE.fullmatch(" ".join(caption.get_text(" ").split())):
            caption.decompose()
        listing.decompose()
    for table in soup.find_all("table"):
        if not table.decomposed and _menu(table):
            table.decompose()
    for anchor in soup.find_all("a", href=True):  # a heading's permanent link ("¶", "#", "§"), no words of its own
        classes = anchor.get("class") or []
        if anchor["href"].startswith("#") and ("headerlink" in classes or "anchor" in classes
                                                or anchor.get_text(strip=True) in ("¶", "#", "§", "🔗", "")):
            if anchor.find_parent(["h1", "h2", "h3", "h4", "h5", "h6"]) or "headerlink" in classes:
                anchor.decompose()
    for link in soup.find_all(["a", "button"]):  # the page's own navigation: "[Back to Top]", "← Back to Dashboard"
        if not link.decomposed and _PAGE_NAVIGATION.fullmatch(" ".join(link.get_text(" ").split())):
            link.decompose()
    for number in soup.find_all("span", class_=_GENERATED_NUMBER):  # "7 Code of Conduct", "Section 4 …": a site
        if number.find_parent(["h1", "h2", "h3", "h4", "h5", "h6"]):  # generator numbers its headings
            number.decompose()
    blocks: list[str] = []

    def written(tag: Tag) -> str:
        """An element's text as a reader sees it: inline elements run on as written ("<a>the Policy</a>."),
        a block inside it or a line break stands between words."""
        parts = []
        for node in tag.descendants:
            if type(node) is NavigableString:  # not a comment, doctype or CDATA section
                parts.append(str(node))
            elif isinstance(node, Tag) and (node.name == "br" or node.name not in _INLINE_HTML):
                parts.append(" ")
        return "".join(parts)

    def words(tag: Tag) -> str:
        return " ".join(written(tag).split())

    def list_item(item: Tag, depth: int) -> None:
        """A list item, and the items of a list nested in it each on its own line, indented under it ("Move the
        following …:" over "the child's nappies", "the child's wipes"), not run into its text."""
        nested = [inner for inner in item.find_all(["ul", "ol"]) if inner.find_parent("li") is item]
        for k, inner in enumerate(nested):
            inner.replace_with(NavigableString(f" \ue000{k}\ue000 "))
        pieces = re.split(r"\ue000(\d+)\ue000", words(item))
        if pieces[0].strip() or not nested:
            blocks.append("  " * depth + "- " + pieces[0].strip())
        for k, after in zip(pieces[1::2], pieces[2::2]):
            for sub in nested[int(k)].find_all("li"):
                if sub.find_parent(["ul", "ol"]) is nested[int(k)]:
                    list_item(sub, depth + 1)
            if after.strip():  # the item's words after its nested list ("Otherwise, re-dress the child …") go on after it
                blocks.append("  " * (depth + 1) + after.strip())

    def walk(node: Tag) -> None:
        run: list[str] = []  # text and inline elements standing directly in a container: one paragraph

        def close_run() -> None:
            text = " ".join("".join(run).split())
            if text:
                blocks.append(text)
            run.clear()

        for child in node.children:
            if type(child) is NavigableString:
                run.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _INLINE_HTML and (name == "br" or child.find(_HTML_CONTAINERS) is None):
                run.append(" " if name == "br" else written(child))
                continue  # (an inline element around blocks, as "<font>" around a page's paragraphs, is walked)
            close_run()
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                blocks.append("#" * int(name[1]) + " " + words(child))
            elif name == "li":
                list_item(child, 0)
            elif name == "tr":
                cells = child.find_all(["td", "th"], recursive=False) or child.find_all(["td", "th"])
                if _lays_out_row(child, cells, words):
                    for cell in cells:  # a page laid out in a table: its cells hold the text itself
                        walk(cell)
                else:
                    blocks.append("| " + " | ".join(words(c) for c in cells) + " |")
            elif name in ("p", "blockquote", "dd", "dt", "caption", "pre"):
                text = words(child)
                if text:
                    blocks.append(text)
            else:
                walk(child)
        close_run()

    walk(soup)
    text = "\n\n".join(b for b in blocks if b.strip("#|- "))
    if not re.search(r"^# ", text, re.M):  # where the page has no <h1> of its own: its <title>, or the banner's
        # <h1> when the <title> names only the site ("Vernon Employee Portal" on every page)
        named = banner_h1 if banner_h1 and banner_h1.lower() not in title.lower() else title
        # ... or its first heading, when that is what the page is named by and the <title> is not ("NR Docs" on every
        # page, "## Personnel Policies" in policies/personnel-policies/index.html)
        first = re.search(r"^#{2,6} (.+)$", text, re.M)
        page = _name_words(_title_from_name(Path(source).parent if Path(source).stem.lower() in ("index", "default")
                                            else Path(source)))
        if first and page & _name_words(first.group(1)) and not page & _name_words(named):
            text = text[:first.start()] + "# " + first.group(1) + text[first.end():]
        elif named:
            text = f"# {named}\n\n{text}"
    return text


_HTML_BLOCKS = ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "pre"]
_HTML_CONTAINERS = _HTML_BLOCKS + ["div", "table", "ul", "ol", "dl", "section"]


def _lays_out_row(row, cells, words) -> bool:
    """Whether a web page's table row lays out the page rather than holding data (as `lays_out` tells for a Word
    table): a cell holds another table, or the row holds more words than a row of data does."""
    if any(cell.find("table") is not None for cell in cells):
        return True
    table = row.find_parent("table")
    rows = len(table.find_all("tr")) if table is not None else 1
    return lays_out(rows, [[words(b) for b in cell.find_all(_HTML_BLOCKS)] or [words(cell)] for cell in cells])


def _sheets(soup, mains):
    """A page laid out for print holds one <main> a sheet ("Page 1 of 2", "Page 2 of 2"): all of them, in order, in
    one element, with the title and lines every sheet repeats at its head read once."""
    content = soup.new_tag("div")
    first = [" ".join(c.get_text(" ").split()) for c in mains[0].find_all(recursive=False)]
    for n, main in enumerate(mains):
        for head, child in zip(first if n else [], main.find_all(recursive=False)):
            if " ".join(child.get_text(" ").split()) != head:
                break
            child.decompose()
        content.append(main.extract())
    return content


# a link or button that only moves about the site: back to the top of the page, or back (an arrow) to another page
_PAGE_NAVIGATION = re.compile(r"[\[(]?\s*(?:[↑⬆▲^]\s*)?(?:back\s+to\s+(?:the\s+)?top|return\s+to\s+top|top\s+of\s+(?:the\s+)?page)"
                              r"\s*[↑⬆▲]?\s*[\])]?|[←⬅«‹]\s*\S.{0,60}", re.I)


def _in_page_contents(listing) -> bool:
    """A list whose every item is only links (and lists of links under it, as Docutils and Sphinx nest a
    contents' subsections), most of them to places on the same page ("<li><a href="#ww">Workweek</a></li>"):
    the page's table of contents, whose headings follow. It is no clause."""
    items = listing.find_all("li", recursive=False)
    links = []
    for item in items:
        anchors = item.find_all("a")
        linked = " ".join(" ".join(a.get_text(" ").split()) for a in anchors)
        if not anchors or " ".join(item.get_text(" ").split()) != linked:
            return False
        links += [str(a.get("href") or "") for a in anchors]
    return len(items) >= 2 and sum(href.startswith("#") for href in links) * 2 >= len(links)


def _menu(table) -> bool:
    """A table whose every cell is one link, as an old site lays out its menu ("Home", "Calendar", "Pool Rules"): the
    site's navigation, no clause."""
    cells = [c for c in table.find_all(["td", "th"]) if c.get_text(strip=True)]
    for cell in cells:
        anchors = cell.find_all("a")
        if table.find("table") is not None or len(anchors) != 1 \
                or " ".join(cell.get_text(" ").split()) != " ".join(anchors[0].get_text(" ").split()):
            return False
    return len(cells) >= 3


# the line that titles a table of contents ("Contents", "On this page")
_CONTENTS_TITLE = re.compile(r"(?:table\s+of\s+)?contents|on\s+this\s+page|in\s+this\s+(?:page|section|article)", re.I)


# elements that run on inside a paragraph (anything else starts a block of its own)
_INLINE_HTML = frozenset("a abbr b bdi bdo br cite code data del dfn em font i img ins kbd label mark q s samp small "
                         "span strong sub sup time u var wbr".split())

def _odt_text(raw: bytes, source: str) -> Extracted:
    from .odf import odt_text

    return odt_text(raw, source)


def _doc_text(raw: bytes, source: str) -> Extracted:
    """A .doc file, read as what it holds: Word often saved other formats under the name (a web page, Rich
    Text), and a .docx renamed .doc is read as .docx."""
    from .worddoc import doc_text

    head = raw[:1024].lstrip().lower()
    if raw.startswith(b"PK\x03\x04"):
        return _docx_text(raw, source)
    if head.startswith(b"{\\rtf"):
        return _rtf_text(raw, source)
    if head.startswith(b"<") and (b"<html" in head or head.startswith(b"<!doctype html")):
        return _html_text(raw, source), (), ""
    return doc_text(raw, source)


def _rtf_text(raw: bytes, source: str) -> Extracted:
    from .rtf import rtf_text

    return rtf_text(raw, source)


# each gives an `Extracted` (only word-processed formats have numbered places, and running headers and footers)
_EXTRACTORS = {"docx": _docx_text, "doc": _doc_text, "rtf": _rtf_text, "odt": _odt_text,
               "pdf": lambda raw, source: (_pdf_text(raw, source), (), ""),
               "html": lambda raw, source: (_html_text(raw, source), (), "")}

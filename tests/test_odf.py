"""OpenDocument Text policies (.odt, .fodt), read from files LibreOffice wrote (tests/fixtures/odt/README.md
says how each was made), and document formats that are not read, named rather than passed over."""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.engine import PolicyEngine
from assistant.errors import DocumentError
from assistant.loaders import load_corpus, load_document
from assistant.models import Verdict
from assistant.settings import Settings
from assistant.text import fold

ODT = Path(__file__).resolve().parent / "fixtures" / "odt"

HANDBOOK = """# Riverside Trust Staff Handbook

# Expenses

Staff may claim mileage for journeys over 10 miles.

Receipts must be always kept for six years.

**Claiming online**

Use the expenses portal, not paper forms.
Claims close on the 25th.

Staff must not claim for alcohol under any circumstances.

- Parking is claimable.

- Fines are not.

- Tolls are claimable.

# Working hours

Core hours are 10:00 to 16:00.

You may start any time between 7:00 and 10:00.

## Flexible working

Requests go to your line manager.

They must reply within 28 days.

Overtime must be agreed in advance.

| Vehicle | Rate |
| Car | 45p per mile |
| Bicycle | 20p per mile |

Next review due: March 2027"""


def test_an_odt_reads_as_the_page_shows_it():
    """The generated contents, the footnote (mark and body), the comment and the word deleted with changes
    tracked are left out; the inserted word, the text box, a layout table's cells, a table of data, a
    heading in bold by hand and a nested list stand as a reader sees them."""
    doc = load_document(ODT / "handbook.odt", "handbook.odt")
    assert doc.format == "odt" and doc.text == HANDBOOK
    assert doc.title == "Riverside Trust Staff Handbook" and doc.review_due == date(2027, 3, 1)
    for unseen in ("Contents", "HMRC", "Check with finance", "never", "mileage1"):
        assert unseen not in doc.text


def test_a_flat_odt_reads_as_the_packaged_one():
    """LibreOffice's one-file XML (.fodt) writes a tracked deletion between the change's marks in the text."""
    flat = load_document(ODT / "handbook-flat.fodt", "handbook-flat.fodt")
    assert flat.format == "odt" and flat.text == HANDBOOK
    assert "never" in (ODT / "handbook-flat.fodt").read_text("utf-8").split("<office:body>")[1]


def test_a_heading_number_the_file_records_is_kept_beside_its_text():
    doc = load_document(ODT / "handbook-source.fodt", "handbook-source.fodt")
    assert "# Expenses" in doc.text and "# Working hours" in doc.text
    assert doc.number_at(doc.text.index("# Expenses")) == "1."
    assert doc.number_at(doc.text.index("# Working hours")) == "2."


def _libreoffice_numbers() -> dict[str, str]:
    """The numbers LibreOffice shows before each paragraph of tests/fixtures/odt/numbered-source.fodt, from its
    own text export: "1.1. Leave must be booked …" gives "Leave must be booked …" -> "1.1."."""
    shown = {}
    for line in (ODT / "numbered-libreoffice.expected").read_text("utf-8-sig").splitlines():
        if match := re.match(r"\s*(\(?[0-9a-z]+(?:\.[0-9]+)*[.)])\s+(.+)$", line):
            shown[match.group(2).strip()] = match.group(1)
    return shown


@pytest.mark.parametrize("name", ["numbered.docx", "numbered.odt", "../doc/numbered.doc"])
def test_numbered_paragraphs_take_the_numbers_libreoffice_shows(name):
    """Levels ("1.1."), letters, roman numerals in brackets, a list continued after a paragraph, a new list
    starting again, bullets unnumbered, headings numbered by the outline; the text itself holds no number."""
    doc = load_document(ODT / name, name)
    ours = {}
    for line in doc.text.split("\n\n"):
        body = re.sub(r"^(?:#+|-) ", "", line)
        if number := doc.number_at(doc.text.index(line)):
            ours[body] = number
    assert ours == _libreoffice_numbers() and len(ours) == 12
    assert "1.1" not in doc.text and "(ii)" not in doc.text
    assert doc.number_at(doc.text.index("- Keep your manager informed.")) is None  # a bullet


def test_a_citation_names_the_number_of_the_paragraph_it_quotes(tmp_path, embedder):
    corpus = tmp_path / "policies"
    corpus.mkdir()
    shutil.copy(ODT / "numbered.docx", corpus / "leave.docx")
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", db_path=tmp_path / "db",
                        today=date(2026, 11, 28))
    engine = PolicyEngine.open(settings, embedder=embedder)
    first = engine.ask("Can I carry over some of my annual leave into next year?").citations[0]
    assert first.document == "Annual leave"  # the first heading titles the document; no section under it
    assert first.quote.startswith("- Staff receive 25 days") and "- Bank holidays are additional." in first.quote
    assert first.section == "1–2"  # the list quoted whole: its first number to its last
    assert "1.1" not in first.quote  # the quote is the paragraphs' own words
    sick = engine.ask("When do I need a fit note?").citations[0]
    assert sick.quote.startswith("- Call your manager before 9am.") and sick.section == "Sickness › (i)–1"
    part = engine.ask("How much leave do part-time staff get?").citations[0]
    assert part.quote == "The following applies to part-time staff.\n- Part-time staff receive leave pro rata."
    assert part.section == "3"  # the lead-in has no number; the list continued after it goes on at 3


def test_text_drawn_in_frames_and_shapes_and_a_cross_reference_are_read():
    """A cover's title in a frame anchored to the page and a flowchart's step drawn in a shape stand as their own
    paragraphs (LibreOffice's own text export loses both); a cross-reference shows the heading it names."""
    doc = load_document(ODT / "drawn.odt", "drawn.odt")
    assert doc.text == ("Lone Working Policy\n\n# Reporting a concern\n\nTell the DSL the same day.\n\n"
                        "If you have a concern, follow the chart below.\n\n# Working alone\n\n"
                        "Before working alone, read Reporting a concern and tell a colleague where you are.")


def test_an_odt_saved_from_a_word_document_reads_as_the_word_document():
    odt = load_document(ODT / "conduct.odt", "conduct.odt")
    docx = load_document(ODT / "conduct.docx", "conduct.docx")
    assert odt.text == docx.text and odt.title == docx.title == "Staff Code of Conduct"
    assert odt.review_due == docx.review_due == date(2027, 9, 1)
    assert "| Teacher | Headteacher |" in odt.text and "**Declaring a gift**" in odt.text


def _zip(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in members.items():
            package.writestr(member, data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda tmp: (tmp / "junk.odt").write_bytes(b"\x00\xffnot a zip at all" * 50) and tmp / "junk.odt",
     "not a readable OpenDocument file (BadZipFile)"),
    (lambda tmp: _zip(tmp, "empty.odt", {"mimetype": b"application/vnd.oasis.opendocument.text"}),
     "not an OpenDocument file (no content.xml)"),
    (lambda tmp: _zip(tmp, "broken.odt", {"content.xml": b"<office:document-content"}),
     "not a readable OpenDocument file (XMLSyntaxError"),
    (lambda tmp: _zip(tmp, "sheet.odt", {"content.xml": (
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
        b'<office:body><office:spreadsheet/></office:body></office:document-content>')}),
     "not an OpenDocument text document (spreadsheet)"),
    (lambda tmp: _zip(tmp, "deep.odt", {"content.xml": (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>'
        + "<text:span>" * 5000 + "Sign in." + "</text:span>" * 5000
        + "</text:p></office:text></office:body></office:document-content>").encode()}),
     "Excessive depth in document"),  # nesting is bounded before any of it is read
    (lambda tmp: _zip(tmp, "bomb.odt", {"content.xml": b" " * (65 * 1024 * 1024)}),
     "content.xml unpacks to 68,157,440 bytes (more than 67,108,864)"),
])
def test_a_damaged_odt_is_one_clear_message(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(DocumentError) as err:
        load_document(path, path.name)
    assert str(err.value).startswith(f"{path.name}: ") and message in str(err.value)


def test_a_billion_laughs_in_an_odt_is_refused_quickly(tmp_path):
    """Entities are never expanded (an OpenDocument file declares none): the nested ones are refused by name."""
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    content = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "ha">{laughs}]>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               '<text:p>Staff must sign in at reception. &l9;</text:p></office:text></office:body>'
               '</office:document-content>').encode()
    path = _zip(tmp_path, "laughs.odt", {"content.xml": content})
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=r"^laughs\.odt: not a readable OpenDocument file \(XMLSyntaxError: .*entity"):
        load_document(path, path.name)
    assert time.perf_counter() - started < 2


def test_documents_in_formats_not_read_are_named_when_the_folder_is_read(tmp_path):
    corpus = tmp_path / "policies"
    corpus.mkdir()
    shutil.copy(ODT / "conduct.odt", corpus)
    (corpus / "Safeguarding Policy.wpd").write_bytes(b"\xffWPC")
    (corpus / "induction.pptx").write_bytes(b"PK\x03\x04")
    (corpus / "logo.png").write_bytes(b"\x89PNG\r\n")
    loaded = load_corpus(corpus)
    assert [d.source for d in loaded.documents] == ["conduct.odt"]
    assert loaded.problems == [
        "Safeguarding Policy.wpd: WordPerfect (.wpd) files are not read; save it as .docx, .odt, PDF or text to "
        "have it read",
        "induction.pptx: PowerPoint (.pptx) files are not read; save it as .docx, .odt, PDF or text to have it read"]

    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "Safeguarding Policy.wpd: WordPerfect (.wpd) files are not read" in result.output
    assert "logo.png" not in result.output


def test_an_odt_policy_is_answered_from_and_quoted_word_for_word(tmp_path, embedder):
    corpus = tmp_path / "policies"
    corpus.mkdir()
    shutil.copy(ODT / "handbook.odt", corpus)
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", db_path=tmp_path / "db",
                        today=date(2026, 11, 28))
    engine = PolicyEngine.open(settings, embedder=embedder)
    answer = engine.ask("Can I claim for a glass of wine with dinner on a work trip?")
    assert answer.answered and answer.verdict is Verdict.prohibited
    first = answer.citations[0]
    assert first.source == "handbook.odt" and first.document == "Riverside Trust Staff Handbook"
    assert fold("Staff must not claim for alcohol under any circumstances.") in fold(first.quote)
    assert first.section == "Expenses › Claiming online"  # the heading set in bold by hand heads its part
    text = engine.document("handbook.odt").text
    offset = engine.document("handbook.odt").offset
    assert "".join(text[a - offset:b - offset] for a, b in first.spans).split() == first.quote.split()
    hours = engine.ask("What are the core hours?")
    assert hours.answered and "Core hours are 10:00 to 16:00." in hours.citations[0].quote


def test_a_clause_is_looked_up_by_its_number(tmp_path, embedder):
    """`/policy 1.2` quotes the paragraph numbered 1.2, whether Word shows the number or the text writes it;
    words after the number name the policy; a number that may be a quantity is searched as words."""
    corpus = tmp_path / "policies"
    corpus.mkdir()
    shutil.copy(ODT / "numbered.docx", corpus / "leave.docx")
    (corpus / "expenses.md").write_text("# Expenses Policy\n\n## 1. Travel\n\n1.1 Staff must book rail travel "
                                        "through the portal.\n\n1.2 First class travel is not allowed.\n",
                                        encoding="utf-8")
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", db_path=tmp_path / "db",
                        today=date(2026, 11, 28))
    engine = PolicyEngine.open(settings, embedder=embedder)
    both = engine.lookup("1.2")
    assert [(c.source, c.quote) for c in both] == [
        ("expenses.md", "1.2 First class travel is not allowed."),
        ("leave.docx", "Leave may not be carried over without approval.")]
    assert both[1].section == "1.2"
    [leave] = engine.lookup("section 1.2 of the annual leave policy")
    assert leave.source == "leave.docx"
    [travel] = engine.lookup("clause 1 expenses")  # a heading's number: the first clause under it
    assert travel.quote == "1.1 Staff must book rail travel through the portal." and travel.section == "1. Travel"
    words = engine.lookup("25 days holiday")
    assert words and words[0].source == "leave.docx" and "25 days of annual leave" in words[0].quote


"""Loaders: every format becomes Markdown-flavoured text with review metadata; bad files are skipped by name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.errors import CorpusError, DocumentError
from assistant.loaders import load_corpus, load_document, parse_month
from assistant.quoting import shown

GLENMERE_TXT = Path(__file__).resolve().parent / "fixtures" / "glenmere-social-media-policy-2023-24.txt"

FRONT_MATTER_MD = """---
title: Expenses Policy
contact: the Finance Manager
last_reviewed: 2023-09
next_review_due: 2025-03
---
# Expenses Policy

## Travel

Staff must book rail travel through the portal.
"""


def make_docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("Expenses Policy", 0)
    doc.add_heading("Travel", 1)
    doc.add_paragraph("Staff must book travel through the portal. Receipts are required for every claim.")
    doc.add_paragraph("The following are not reimbursed:")
    doc.add_paragraph("First class rail tickets", style="List Bullet")
    doc.add_paragraph("Minibar charges", style="List Number")
    doc.add_heading("Limits", 2)
    table = doc.add_table(rows=3, cols=2)
    for r, (item, limit) in enumerate([("Item", "Limit"), ("Hotel", "£120 per night"), ("Meals", "£30 per day")]):
        table.cell(r, 0).text = item
        table.cell(r, 1).text = limit
    doc.save(str(path))


def make_pdf(path: Path) -> None:
    draw_pdf(path, [("Helvetica-Bold", 16, "Annual Leave Policy"),
                    ("Helvetica", 11, "Staff are entitled to 25 days of annual leave in each leave year."),
                    ("Helvetica", 11, "Leave must be approved by your line manager before you book travel."),
                    ("Helvetica-Bold", 13, "Carrying leave over"),
                    ("Helvetica", 11, "Up to five days may be carried over into the next leave year.")], step=22)


def draw_pdf(path: Path, lines: list[tuple], step: float, top: float = 800) -> None:
    """A one-page PDF of (font, size, text) lines, one under the other `step` points apart (or as far as a
    line's own fourth item says)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = top
    for font, size, text, *after in lines:
        pdf.setFont(font, size)
        pdf.drawString(72, y, text)
        y -= after[0] if after else step
    pdf.showPage()
    pdf.save()


HTML = """<html><head><title>Remote Work</title>
<script>var secret = "script text must not leak";</script><style>p { color: red }</style></head>
<body><h1>Remote Work Policy</h1><p>This policy covers working from home.</p>
<h2>Eligibility</h2><p>You may work from home:</p><ul><li>two days a week</li><li>with manager approval</li></ul>
<h3>Equipment</h3><table><tr><th>Item</th><th>Provided</th></tr><tr><td>Laptop</td><td>Yes</td></tr></table>
</body></html>"""


# ---------------------------------------------------------------- Markdown and plain text

def test_mdx_pages_are_read_as_markdown_without_their_imports(tmp_path):
    """Docusaurus and Nextra handbooks are written in MDX: Markdown, with JavaScript imports and exports."""
    (tmp_path / "leave.mdx").write_text(
        "---\ntitle: Time off\n---\nimport Callout from '@site/src/components/Callout';\n"
        "export const meta = { owner: 'ops' };\n\n## Booking leave\n\nBook leave two weeks ahead in the HR portal.\n"
        "\n<Callout>Ask your lead first.</Callout>\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    [doc] = corpus.documents
    assert doc.format == "markdown" and doc.title == "Time off"
    clauses = [c.text for c in chunk_document(doc)]
    assert "Book leave two weeks ahead in the HR portal." in clauses
    assert not [c for c in clauses if "import" in c or "export" in c]


def test_markdown_front_matter_is_parsed_and_removed(tmp_path):
    path = tmp_path / "expenses.md"
    path.write_text(FRONT_MATTER_MD, encoding="utf-8")
    doc = load_document(path, "expenses.md")
    assert doc.title == "Expenses Policy"
    assert doc.contact == "the Finance Manager"
    assert doc.last_reviewed == "September 2023"
    assert doc.review_due == date(2025, 3, 1)
    assert doc.review_due_label == "March 2025"
    assert doc.format == "markdown"
    # the document text is the body: front matter gone, offsets count from the first body character
    assert doc.text.startswith("# Expenses Policy")
    assert "next_review_due" not in doc.text
    assert FRONT_MATTER_MD.endswith(doc.text)
    clause = next(c for c in chunk_document(doc) if "rail travel" in c.text)
    assert doc.text[clause.start:clause.end] == clause.text == "Staff must book rail travel through the portal."


@pytest.mark.parametrize("front, last, due", [
    ("last_reviewed_at: 2025-05-16T17:00:00.000Z", "16 May 2025", None),  # a timestamp, read as its day
    ("Last reviewed: March 2024\nNext review date: 2025-03-01", "March 2024", date(2025, 3, 1)),  # as people name keys
    ("last-updated: 2024-11-02\nreview-by: September 2025", "2 November 2024", date(2025, 9, 1)),
    ("lastmod: 2023-07-01", "1 July 2023", None),
])
def test_front_matter_review_keys_as_sites_write_them(tmp_path, front, last, due):
    path = tmp_path / "sickness.md"
    path.write_text(f"---\ntitle: Sickness\n{front}\n---\nStaff must call in by 10am.\n", encoding="utf-8")
    doc = load_document(path)
    assert (doc.last_reviewed, doc.review_due) == (last, due)


@pytest.mark.parametrize("text, title, body", [
    # YAML without its opening fence, as some policy tool kits write it: read, never quoted
    ("name: Password Policy\nacronym: PWP\nsatisfies:\n  TSC:\n    - CC6.1\n---\n# Purpose and Scope\n\nStaff must "
     "use a password manager.\n", "Password Policy", "# Purpose and Scope"),
    # a body that merely opens with "Word: …" lines is the body
    ("Note: read this first.\nStaff must use a password manager.\n\n---\n\nMore.\n", "P", "Note: read this first."),
    ("Purpose: set out the rules\n\nThis applies to all staff.\n\n---\n", "P", "Purpose: set out the rules"),
])
def test_front_matter_without_its_opening_fence(tmp_path, text, title, body):
    path = tmp_path / "p.md"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path, "p.md")
    assert doc.title == title and doc.text.startswith(body) and text.endswith(doc.text)


def test_owner_is_the_contact_when_no_contact_given(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: Leave\nowner: HR Director\n---\nStaff must book leave.\n", encoding="utf-8")
    assert load_document(path).contact == "HR Director"


def test_the_signer_named_in_front_matter_owns_the_policy(tmp_path):
    path = tmp_path / "employment.md"
    path.write_text("---\ntitle: Employment Policy\nreview_date: 2015-01-07\nsigned-by-name: Nick Prater\n---\n"
                    "We check every new member of staff with the DBS.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.owner == "Nick Prater" and doc.contact is None


def test_invalid_front_matter_is_ignored_not_fatal(tmp_path, caplog):
    path = tmp_path / "broken-front.md"
    path.write_text("---\ntitle: [unclosed\n  : : :\n---\n# Real Title\n\nStaff must lock screens.\n", encoding="utf-8")
    doc = load_document(path, "broken-front.md")
    assert doc.title == "Real Title"
    assert doc.text.startswith("# Real Title")
    assert doc.contact is None
    assert "not valid YAML" in caplog.text


def test_plain_text_review_dates_detected_from_text():
    doc = load_document(GLENMERE_TXT, GLENMERE_TXT.name)
    assert doc.format == "text"
    assert "Next Review Due\tJune 2024" in doc.text
    assert doc.review_due == date(2024, 6, 1)
    assert doc.review_due_label == "June 2024"
    assert doc.last_reviewed == "June 2023"
    assert doc.text == GLENMERE_TXT.read_text("utf-8-sig")  # a text file is quoted exactly as written


@pytest.mark.parametrize("line, due", [
    ("Review date: 31/03/2025", date(2025, 3, 31)),
    ("Next review: 2026-01", date(2026, 1, 1)),
    ("This policy is due for review in September 2025.", date(2025, 9, 1)),
    # as schools write them: a season or a term, a cover sheet's table, the review in prose
    ("Review date: Summer 2025", date(2025, 6, 1)),
    ("Date of next review\tHeadteacher\tAutumn Term 2024", date(2024, 9, 1)),
    ("| Date of next review | Full Governing Body | Spring Term 2025 |", date(2025, 1, 1)),
    ("| Date of next review | Headteacher |  | Summer 2021 |", date(2021, 6, 1)),  # an empty cell between
    ("Date of Next review   Headteacher   Summer 2021", date(2021, 6, 1)),
    ("Date of Next review Headteacher Summer 2021", date(2021, 6, 1)),  # cells one space apart
    ("The policy is to be reviewed in Summer 2021.", date(2021, 6, 1)),
    ("This policy will be reviewed by the governing body in March 2026.", date(2026, 3, 1)),
    ("To be reviewed: September 2025", date(2025, 9, 1)),
    ("Next review  June 2024  Approved  March 2023", date(2024, 6, 1)),  # the date beside its label
    ("**Next review date: January 13th 2026**", date(2026, 1, 13)),
    ("| Policy Valid to date: 02/01/2026 |  |", date(2026, 1, 2)),
    ("**Review date: 03/01/2025**\n\n**Next review date: 02/01/2026**", date(2026, 1, 2)),
    ("DATE OF REVIEW: March 2020\n\nDATE OF NEXT REVIEW:  March 2021", date(2021, 3, 1)),
    ("Date of review: June 2026", date(2026, 6, 1)),
    ("| Next Review Date |  |\n| Reviewed on | 03/06/2022 |", None),  # an empty cell takes no other row's date
    # no review date stated
    ("This policy will be reviewed annually by the governors.", None),
    ("The next review will look at the figures for 2024 and the staffing plan.", None),
    ("Next review of staff rotas Every Monday 2024 onwards is planned.", None),
])
def test_review_date_phrasings(tmp_path, line, due):
    path = tmp_path / "policy.txt"
    path.write_text(f"Data Policy\n\n{line}\n\nStaff must lock their screens.\n", encoding="utf-8")
    assert load_document(path).review_due == due


@pytest.mark.parametrize("lines, owner, last", [
    ("Policy owner: Headteacher\nLast reviewed: Spring 2024", "Headteacher", "Spring 2024"),
    ("| Author | Mrs J Patel |\n| Reviewed by | Governing body | Date | 12/03/2024 |", "Mrs J Patel", "12 March 2024"),
    ("Author  Headteacher  Date March 2020\nReviewed by  Governing body  Date March 2020", "Headteacher", "March 2020"),
    ("Author Headteacher Date March 2020\nReviewed by Headteacher Date August 2020", "Headteacher", "August 2020"),
    ("Version: 1.1 Reviewed: October 2025 Next Review Due: October 2026", None, "October 2025"),
    ("Date of Policy: October 2025\nMember of Staff Responsible: Headteacher", "Headteacher", None),
    ("| Next Review Date |  |\n| Reviewed on | 03/06/2022 EPC |", None, "3 June 2022"),
    ("**Review date: 03/01/2025**\n\n**Next review date: 02/01/2026**", None, "3 January 2025"),
    ("DATE OF REVIEW: March 2020\n\nDATE OF NEXT REVIEW:  March 2021", None, "March 2020"),
    ("Applies to: employees · Version 1.0 · Last updated 17 June 2026", None, "17 June 2026"),  # as precise as written
    ("Responsibility to update: Zoe Waitz and Michelle Pascoe\nVersion No: 1", "Zoe Waitz and Michelle Pascoe", None),
    ("Person responsible: Business Manager\nReviewed: May 2025", "Business Manager", "May 2025"),
    # prose that only resembles a cover sheet
    ("Each team has responsibility for updating its own rota.", None, None),
    ("Owner approval is required before use.\nWork reviewed by a colleague in May 2024 is final.", None, None),
    ("Authors of blog posts must name the school.\nIt was reviewed by staff in June 2023.", None, None),
])
def test_cover_sheet_owner_and_last_review(tmp_path, lines, owner, last):
    path = tmp_path / "policy.txt"
    path.write_text(f"Data Policy\n\n{lines}\n\nStaff must lock their screens.\n", encoding="utf-8")
    doc = load_document(path)
    assert (doc.owner, doc.last_reviewed) == (owner, last)


def test_a_sign_off_block_at_the_end_gives_the_review_date(tmp_path):
    """Many policies end, not start, with what they say of themselves: "Signature … Date … Version No …
    Review Date …". Read there when the head states none, and kept out of the clauses."""
    body = "\n\n".join(f"Rule {n}: staff must record incident {n} in the log." for n in range(120))
    path = tmp_path / "policy.txt"
    path.write_text(f"Safeguarding Policy\n\n{body}\n\nSignature of J Behal, Managing Director\n\n"
                    "Date: 13 January 2023\n\nVersion No: SAFE21011405     Review Date: 13 January 2024\n",
                    encoding="utf-8")
    doc = load_document(path)
    assert len(doc.text) > 4000  # beyond the head
    assert doc.review_due == date(2024, 1, 13) and doc.review_due_label == "13 January 2024"  # as written
    assert not [c for c in chunk_document(doc) if "Review Date" in c.text]
    # the head still decides when it states a review
    path.write_text(f"Safeguarding Policy\n\nNext review: March 2027\n\n{body}\n\nReview Date: 13 January 2024\n",
                    encoding="utf-8")
    assert load_document(path).review_due == date(2027, 3, 1)


@pytest.mark.parametrize("line, dated", [
    ("Date: 07/06/2014", "7 June 2014"), ("Adopted  February 2014", "February 2014"),
    ("| **Date**       | December 17, 2025      |", "17 December 2025"), ("### Ratified: 11th December 2024",
                                                                         "11 December 2024"),
])
def test_the_policy_s_own_date_is_its_metadata_where_it_states_no_review(tmp_path, line, dated):
    """A childminder's policies each end "Date: 07/06/2014": the policy's date, not a clause to quote for
    "are we open on bank holidays?". Read at the head or the end, where review dates are read."""
    body = "\n\n".join(f"Rule {n}: staff must record incident {n} in the log." for n in range(120))
    path = tmp_path / "policy.md"
    path.write_text(f"# Visitors Policy\n\n{body}\n\n{line}\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.dated == dated and doc.last_reviewed is None
    assert doc.text[doc.review_lines[0]:doc.review_lines[1]] == line
    assert not [c for c in chunk_document(doc) if dated.split()[-1] in c.text]
    # a last review, where one is stated, is what counts; a date line in the middle is the text's own
    path.write_text(f"# Visitors Policy\n\nLast reviewed: May 2024\n\n{body}\n\n{line}\n", encoding="utf-8")
    assert (load_document(path).last_reviewed, load_document(path).dated) == ("May 2024", None)
    path.write_text(f"# Visitors Policy\n\n{body}\n\n{line}\n\n{body}\n", encoding="utf-8")
    assert load_document(path).dated is None


def test_a_season_is_shown_as_written(tmp_path):
    path = tmp_path / "policy.txt"
    path.write_text("Data Policy\n\nNext review: summer  term 2021\n\nStaff must lock their screens.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.review_due == date(2021, 4, 1) and doc.review_due_label == "summer term 2021"


def test_cp1252_text_is_decoded(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Staff mustn\x92t share passwords \x96 ever.\n".encode("latin-1"))
    assert load_document(path).text == "Staff mustn’t share passwords – ever.\n"


def test_a_word_document_reads_as_its_tracked_changes_show_it(tmp_path):
    """Words inserted with changes tracked stand on the page (python-docx's text leaves them out); deleted ones do
    not, in a paragraph or a table cell."""
    from docx import Document
    from docx.oxml.ns import qn

    def tracked(paragraph, kind: str, words: str, before: str) -> None:
        change = paragraph._p.makeelement(qn(f"w:{kind}"), {qn("w:id"): "1", qn("w:author"): "A"})
        run = change.makeelement(qn("w:r"), {})
        text = run.makeelement(qn("w:delText" if kind == "del" else "w:t"), {})
        text.text = words
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.append(text)
        change.append(run)
        at = next(r for r in paragraph.runs if r.text == before)
        at._r.addprevious(change)

    doc = Document()
    rule = doc.add_paragraph()
    for words in ("No screenshots of discussions on", " platforms without permission."):
        rule.add_run(words)
    tracked(rule, "ins", " RIIS", " platforms without permission.")
    tracked(rule, "del", " public", " platforms without permission.")
    table = doc.add_table(rows=2, cols=2)
    for cell, words in zip(table.rows[0].cells + table.rows[1].cells, ("Grade", "Days", "Staff", "25")):
        cell.paragraphs[0].add_run(words)
    tracked(table.rows[1].cells[1].paragraphs[0], "ins", "2", "25")
    doc.save(str(tmp_path / "conduct.docx"))

    text = load_document(tmp_path / "conduct.docx", "conduct.docx").text
    assert "No screenshots of discussions on RIIS platforms without permission." in text
    assert "public" not in text and "| Staff | 225 |" in text


def test_a_classic_mac_text_file_reads_as_written(tmp_path):
    """Saved on an old Mac: Mac Roman punctuation, and lines ended by a carriage return alone. Read as
    Windows-1252 it showed "companyÕs", and all its lines ran into one."""
    path = tmp_path / "discipline.txt"
    path.write_bytes("Discipline Procedure\r\r2 PROCEDURES\r2.1 The superior\u2019s first step is a \u201cverbal "
                     "warning\u201d.\r2.2 Employees must report misconduct to HR.\r".encode("mac_roman"))
    doc = load_document(path)
    assert doc.text == ("Discipline Procedure\n\n2 PROCEDURES\n2.1 The superior’s first step is a “verbal warning”.\n"
                        "2.2 Employees must report misconduct to HR.\n")  # one character for one byte: offsets stand
    assert all("\r" not in c.text and "Õ" not in c.text for c in chunk_document(doc))


# ---------------------------------------------------------------- binary formats

def test_docx_headings_lists_and_table(tmp_path):
    make_docx(tmp_path / "expenses.docx")
    doc = load_document(tmp_path / "expenses.docx", "expenses.docx")
    assert doc.format == "docx"
    assert doc.title == "Expenses Policy"
    assert "# Travel" in doc.text.splitlines()
    assert "## Limits" in doc.text.splitlines()
    assert "- First class rail tickets" in doc.text.splitlines()
    assert "- Minibar charges" in doc.text.splitlines()
    assert "| Hotel | £120 per night |" in doc.text.splitlines()
    clauses = chunk_document(doc)
    by_text = {c.text: c for c in clauses}
    assert by_text["First class rail tickets"].kind == "item"
    assert by_text["First class rail tickets"].context == "The following are not reimbursed:"
    assert by_text["First class rail tickets"].section == ("Travel",)
    row = by_text["| Hotel | £120 per night |"]
    assert row.kind == "row" and row.section == ("Travel", "Limits") and row.context == "| Item | Limit |"
    assert all(doc.text[c.start:c.end] == c.text for c in clauses)


def test_docx_as_staff_write_it_bold_headings_contents_and_controls(tmp_path):
    """Headings set in bold by hand are headings; a table of contents is not quoted; text inside a
    content control is read."""
    import copy

    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    doc = Document()
    doc.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph().add_run("Lone Working Policy").bold = True
    doc.add_paragraph("Training\t3", style="TOC 1")
    doc.add_paragraph().add_run("Training").bold = True
    doc.add_paragraph("Staff who work alone must complete the lone working course.")
    heading = doc.add_paragraph()
    heading.add_run("Visits ").bold = True
    heading.add_run("to homes").bold = True
    controlled = doc.add_paragraph("Home visits are made in pairs and logged with the office.")
    sdt = copy.deepcopy(doc.element.body.makeelement(qn("w:sdt"), {}))
    content = sdt.makeelement(qn("w:sdtContent"), {})
    sdt.append(content)
    controlled._p.addprevious(sdt)
    content.append(controlled._p)
    emphasis = doc.add_paragraph()
    emphasis.add_run("Never enter a home when the parent is absent.").bold = True
    doc.save(str(tmp_path / "lone.docx"))

    loaded = load_document(tmp_path / "lone.docx", "lone.docx")
    assert loaded.title == "Lone Working Policy"
    assert "\t3" not in loaded.text
    by_text = {c.text: c for c in chunk_document(loaded)}
    assert by_text["Staff who work alone must complete the lone working course."].section == ("Training",)
    assert by_text["Home visits are made in pairs and logged with the office."].section == ("Visits to homes",)
    assert "**Never enter a home when the parent is absent.**" not in loaded.text  # bold words, not a heading


def _text_box(paragraph, lines: list[str]) -> None:
    """Anchor a text box holding `lines` in the paragraph, as Word writes one: a drawing, then the same box
    again as a fallback picture for older readers."""
    from docx.oxml import parse_xml

    inner = "".join(f"<w:p><w:r>{'<w:rPr><w:b/></w:rPr>' if not n else ''}<w:t>{line}</w:t></w:r></w:p>"
                    for n, line in enumerate(lines))  # the title in bold
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
          'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
          'xmlns:v="urn:schemas-microsoft-com:vml"')
    paragraph._p.append(parse_xml(
        f'<w:r {ns}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        f'<w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox>'
        f'</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))


def test_docx_cover_in_a_text_box_and_a_heading_boxed_in_a_table(tmp_path):
    """A cover page's title set in a text box is read, once, before the paragraph it is anchored in, and names
    the policy; a short heading boxed in a table of one cell is a heading, not a table's row."""
    from docx import Document

    word = Document()
    _text_box(word.add_paragraph(), ["Annual Leave Policy", "HR7.4 Employment Policies"])
    word.add_heading("Introduction", level=1)
    word.add_paragraph("The leave year runs from April to March.")
    word.add_table(rows=1, cols=1).rows[0].cells[0].text = "CARRYING LEAVE OVER"
    word.add_paragraph("Up to five days may be carried over.")
    word.save(str(tmp_path / "leave.docx"))

    doc = load_document(tmp_path / "leave.docx", "leave.docx")
    assert doc.title == "Annual Leave Policy"
    assert doc.text.count("HR7.4 Employment Policies") == 1
    assert doc.text.index("HR7.4") < doc.text.index("The leave year")
    sections = {c.text: c.section for c in chunk_document(doc)}
    assert sections["Up to five days may be carried over."][-1] == "CARRYING LEAVE OVER"
    assert "| CARRYING" not in doc.text

def test_docx_page_laid_out_in_a_table_is_read_as_its_text(tmp_path):
    """Word procedures often sit whole inside a table of one row (a frame, with a margin column): its
    headings and paragraphs are the document, each a clause under its heading, and a table of data inside
    the frame stays a table. A short table of data of one row stays a table too."""
    from docx import Document

    word = Document()
    word.add_paragraph("Document No. QHSE-PR-02   Page 1 of 9")
    frame = word.add_table(rows=1, cols=2)
    cell = frame.rows[0].cells[1]
    cell.paragraphs[0].text = "Food Hygiene Work Instruction"
    cell.add_paragraph("PURPOSE", style="Heading 1")
    cell.add_paragraph("This instruction sets the hygiene rules for the camp kitchen. " * 8)
    cell.add_paragraph("FOOD HANDLERS", style="Heading 1")
    cell.add_paragraph("Watches or other jewelry are not to be worn during work.")
    cell.add_paragraph("Food handlers shall wash their hands after visiting the toilet.")
    inner = cell.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("Area", "Cleaned"), ("Cold store", "Daily")]):
        inner.rows[r].cells[0].text, inner.rows[r].cells[1].text = a, b
    data = word.add_table(rows=1, cols=2)
    data.rows[0].cells[0].text, data.rows[0].cells[1].text = "Fire drill", "Monthly on the rig"
    word.save(str(tmp_path / "food.docx"))

    doc = load_document(tmp_path / "food.docx", "food.docx")
    clauses = {c.text: c.section for c in chunk_document(doc)}
    assert clauses["Watches or other jewelry are not to be worn during work."][-1] == "FOOD HANDLERS"
    assert clauses["Food handlers shall wash their hands after visiting the toilet."][-1] == "FOOD HANDLERS"
    assert doc.text.count("This instruction sets the hygiene rules") == 8  # once, not once a column
    assert "| Cold store | Daily |" in doc.text
    assert "| Fire drill | Monthly on the rig |" in doc.text
    assert "| Food Hygiene" not in doc.text and "| PURPOSE" not in doc.text


def test_docx_clauses_numbered_with_heading_styles_are_clauses(tmp_path):
    """Word procedures often number their clauses with the heading styles (3.1, 3.1.1 …): a paragraph in a
    heading style that runs to a sentence is a clause of its section, not a heading that nothing quotes."""
    from docx import Document

    word = Document()
    word.add_heading("Alcohol and Drugs", level=1)
    word.add_heading("Consumption on site", level=2)
    word.add_heading("The consumption of alcohol on property owned, leased or occupied by the Corporation is "
                     "prohibited, unless authorised by the Managing Director.", level=3)
    word.add_heading("Visitors to our sites follow the same rules.", level=3)
    word.add_heading("Testing", level=2)
    word.add_paragraph("Tests are random.")
    word.save(str(tmp_path / "alcohol.docx"))

    clauses = {c.text: c.section for c in chunk_document(load_document(tmp_path / "alcohol.docx"))}
    rule = ("The consumption of alcohol on property owned, leased or occupied by the Corporation is prohibited, "
            "unless authorised by the Managing Director.")
    assert clauses[rule][-1] == "Consumption on site"
    assert clauses["Visitors to our sites follow the same rules."][-1] == "Consumption on site"
    assert clauses["Tests are random."][-1] == "Testing"



def test_pdf_punctuation_of_a_mac_roman_font_reads_as_on_the_page(tmp_path):
    """A font encoded in Mac Roman, read as Latin-1, gives "theyÕve" and "ÒinjuryÓ" for "they’ve" and "“injury”";
    such a document's punctuation is read back as the page shows it, and a document without the telltale keeps
    its letters ("SÃO PAULO OFFICE" and "Õ" in upper-case words stand)."""
    draw_pdf(tmp_path / "tow.pdf", [("Helvetica-Bold", 16, "Rope Tow Guidelines"),
                                    ("Helvetica", 11, "Riders ski at the level theyÕve noted in the ChaletÕs booking."),
                                    ("Helvetica", 11, "A serious injury is defined as Òan injury that needs a doctorÓ."),
                                    ("Helvetica", 11, "¥ Helmets are worn on the tow at all times.")], step=22)
    doc = load_document(tmp_path / "tow.pdf", "tow.pdf")
    assert "Riders ski at the level they’ve noted in the Chalet’s booking." in doc.text
    assert "“an injury that needs a doctor”" in doc.text
    clauses = {c.text: c.kind for c in chunk_document(doc)}
    assert clauses["Helmets are worn on the tow at all times."] == "item"
    draw_pdf(tmp_path / "office.pdf", [("Helvetica-Bold", 16, "SÃO PAULO OFFICE"),
                                       ("Helvetica", 11, "The INFORMAÇÕES desk opens at nine.")], step=22)
    assert "INFORMAÇÕES" in load_document(tmp_path / "office.pdf", "office.pdf").text


def test_a_pdf_drawing_a_carriage_return_between_its_words_reads_them_as_one_line(tmp_path):
    """Word for Mac's PDFs map every space to a tab, a carriage return, a space and a no-break space: a page shows a
    space there, so the sentence reads as one line and one clause, not a word a line."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    path = tmp_path / "handbook.pdf"
    draw_pdf(path, [("Helvetica-Bold", 16, "Station Handbook"),
                    ("Helvetica", 11, "Presenters must sign the studio logbook before every show."),
                    ("Helvetica", 11, "Guests may not operate the desk on their own.")], step=22)
    writer = PdfWriter(clone_from=PdfReader(path))
    spaces = DecodedStreamObject()  # the fonts' text: a space is "\t\r \xa0", every other character itself
    spaces.set_data(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Spaces def "
                    b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <20> <0009000D002000A0> endbfchar "
                    b"1 beginbfrange <21> <7E> <0021> endbfrange endcmap CMapName currentdict /CMap defineresource pop "
                    b"end end")
    for font in writer.pages[0]["/Resources"]["/Font"].values():
        font.get_object()[NameObject("/ToUnicode")] = writer._add_object(spaces)
    writer.write(path)
    assert "must\t\r \xa0sign" in PdfReader(path).pages[0].extract_text()
    doc = load_document(path, "handbook.pdf")
    assert "\r" not in doc.text
    assert doc.title == "Station Handbook"
    lines = [line for c in chunk_document(doc) for line in c.text.splitlines()]
    assert "Presenters must sign the studio logbook before every show." in lines
    assert "Guests may not operate the desk on their own." in lines


def test_pdf_text_and_heading_lines(tmp_path):
    make_pdf(tmp_path / "leave.pdf")
    doc = load_document(tmp_path / "leave.pdf", "leave.pdf")
    assert doc.format == "pdf"
    assert "Staff are entitled to 25 days of annual leave in each leave year." in doc.text
    assert doc.title == "Annual Leave Policy"
    clauses = chunk_document(doc)
    entitled = next(c for c in clauses if "25 days" in c.text)
    assert "Annual Leave Policy" not in entitled.text  # the heading line is not run into the body
    carry = next(c for c in clauses if "carried over" in c.text)
    assert carry.section == ("Carrying leave over",)
    assert carry.text == "Up to five days may be carried over into the next leave year."


@pytest.mark.parametrize("small_pages", [False, True], ids=["A4", "A6: paragraphs run over many page breaks"])
def test_a_policy_printed_to_pdf_reads_as_its_text(tmp_path, small_pages):
    """The school's policy as it is published: running header, "Page n of m" footers, justified lines, bold
    headings, bullets. Its PDF reads as the plain text it was printed from: no header or footer in the
    middle of a clause, every paragraph one block again, headings and items set apart."""
    from published import blocks_of, publish_pdf

    from assistant.chunking import sentence_spans
    from assistant.text import fold

    blocks = blocks_of(GLENMERE_TXT.read_text(encoding="utf-8"))
    header = "GCPS policies - printed copies are uncontrolled"
    publish_pdf(blocks, tmp_path / "policy.pdf", header, small_pages=small_pages)
    doc = load_document(tmp_path / "policy.pdf", "policy.pdf")
    assert "Page 1 of" not in doc.text and "uncontrolled" not in doc.text
    assert doc.title == "Social Media Policy" and doc.review_due == date(2024, 6, 1)
    raw = doc.text.split("\n\n")
    read = [fold(b) for b in raw]
    for kind, text in blocks:
        if kind == "heading":
            assert any(b.startswith("#") and fold(b) == fold(text) for b in raw), (text, raw[:8])
        elif kind == "item":
            assert "- " + fold(text) in read, text
        else:
            assert any(fold(text) in b for b in read), text  # a whole paragraph, however many pages it spans
    clauses = [fold(c.text) for c in chunk_document(doc)]
    cover = fold(doc.text[slice(*doc.review_lines)])  # its review dates: metadata, quoted from there
    assert "next review due june 2024" in cover and not any("next review due" in c for c in clauses)
    for kind, text in blocks:
        for a, b in sentence_spans(text, 0, len(text)) if kind != "heading" else []:
            assert any(fold(text[a:b]) in c for c in clauses) or fold(text[a:b]) in cover, text[a:b]


def test_pdf_heading_levels_as_a_reader_sees_them(tmp_path):
    """Numbered headings are siblings whatever size their author set them in; a sub-number is one level
    below; a table's cells set a point above the body, a list's lead-in and a row of columns are no headings."""
    draw_pdf(tmp_path / "hs.pdf", [
        ("Helvetica-Bold", 20, "Health and Safety Policy"), ("Helvetica", 12, "Author  Headteacher  Date March 2020"),
        ("Helvetica", 12, "External Website"),
        ("Helvetica-Bold", 13.5, "3. Caretaker"), ("Helvetica", 11, "The caretaker checks the gates daily."),
        ("Helvetica-Bold", 11, "4. School Administrator"), ("Helvetica", 11, "The administrator keeps the log."),
        ("Helvetica-Bold", 11, "4.1 Visitors"), ("Helvetica", 11, "Visitors sign in at the office."),
        ("Helvetica-Bold", 11, "All staff must:"), ("Helvetica", 11, "- report hazards to the caretaker.")], step=26)
    doc = load_document(tmp_path / "hs.pdf", "hs.pdf")
    headings = [line for line in doc.text.splitlines() if line.startswith("#")]
    assert headings == ["# Health and Safety Policy", "## 3. Caretaker", "## 4. School Administrator", "### 4.1 Visitors"]
    sections = {c.text.split("\n")[0]: c.section for c in chunk_document(doc)}
    assert sections["The administrator keeps the log."] == ("4. School Administrator",)
    assert sections["Visitors sign in at the office."] == ("4. School Administrator", "4.1 Visitors")
    assert "All staff must:" in doc.text and "# All staff" not in doc.text


def test_a_pdf_is_titled_by_its_opening_heading_whatever_its_size(tmp_path):
    """The policy's name opens it, in a smaller size than its appendices' headings: it is still the title,
    and the cover lines under it ("Version / Reviewed / Next Review Due") are its metadata, not a clause."""
    draw_pdf(tmp_path / "behaviour.pdf", [
        ("Helvetica-Bold", 13, "Rawdah Montessori Primary School Behaviour Management Policy"),
        ("Helvetica", 11, ""), ("Helvetica", 11, "Version: 2.0"), ("Helvetica", 11, "Reviewed: October 2025"),
        ("Helvetica", 11, "Next Review Due: October 2026"), ("Helvetica", 11, ""),
        ("Helvetica-Bold", 12, "1. Statement of Intent"), ("Helvetica", 11, "We promote respect and self-discipline."),
        ("Helvetica-Bold", 12, "2. Rewards"), ("Helvetica", 11, "Good choices are praised in private."),
        ("Helvetica-Bold", 18, "Appendix A – Individual Character Plan Template"),
        ("Helvetica", 11, "Name of child and date of the plan.")], step=22)
    doc = load_document(tmp_path / "behaviour.pdf")
    assert doc.title == "Rawdah Montessori Primary School Behaviour Management Policy"
    assert (doc.last_reviewed, doc.review_due_label) == ("October 2025", "October 2026")
    clauses = chunk_document(doc)
    assert not [c for c in clauses if "Version" in c.text or "Reviewed" in c.text]
    assert next(c for c in clauses if c.text.startswith("Good choices")).section == ("2. Rewards",)


def test_list_items_set_larger_than_the_prose_do_not_hide_its_headings(tmp_path):
    """The body's size is the prose's: bullet lines set a point larger than it (and outnumbering it) do not
    make 14 pt headings look like body text."""
    bullets = [("Helvetica", 12, f"\u2022 Example concern number {n} that may need a response") for n in range(8)]
    draw_pdf(tmp_path / "discipline.pdf", [
        ("Helvetica", 14, "Purpose and Authority"), ("Helvetica", 11, "This policy keeps the co-op safe and orderly."),
        ("Helvetica", 14, "Minor Concerns"), ("Helvetica", 11, "Examples may include:"), *bullets,
        ("Helvetica", 11, "Typical response: correction and a reminder.")], step=22)
    doc = load_document(tmp_path / "discipline.pdf")
    assert [line for line in doc.text.splitlines() if line.startswith("#")] == [
        "# Purpose and Authority", "# Minor Concerns"]
    assert next(c for c in chunk_document(doc) if "number 3" in c.text).section == ("Minor Concerns",)


def test_a_pdf_title_wrapped_over_two_lines_and_its_date_line(tmp_path):
    """A title set large and wrapped onto a second line is one title, its lines as far apart as its own size
    sets them (wider than the body's); the date set under it ("January 2025") heads nothing. A table's header
    set in the title's size well below it stays apart."""
    body = [("Helvetica", 10, f"Staff must report concern number {n} to the safeguarding officer today.", 12)
            for n in range(6)]
    draw_pdf(tmp_path / "safeguarding.pdf", [
        ("Helvetica-Bold", 16, "Safeguarding of Children", 18),
        ("Helvetica-Bold", 16, "& Vulnerable Adults Protection Policy", 30),
        ("Helvetica", 12, "January 2025", 30), *body,
        ("Helvetica-Bold", 16, "ITEM SUPPLIER PRICE", 30),
        ("Helvetica", 10, "Blazer from the school office costs thirty pounds.", 12),
        ("Helvetica", 10, "Socks from your supplier of choice are plain.", 30),
        ("Helvetica-Bold", 13, "Reporting online", 20), *body[:2]], step=12)
    doc = load_document(tmp_path / "safeguarding.pdf", "safeguarding.pdf")
    assert doc.title == "Safeguarding of Children & Vulnerable Adults Protection Policy"
    headings = [line for line in doc.text.splitlines() if line.startswith("#")]
    assert "January 2025" not in " ".join(headings)
    assert any(line.endswith(" ITEM SUPPLIER PRICE") for line in headings)
    clauses = chunk_document(doc)
    assert next(c for c in clauses if "number 1 " in c.text).section == ()
    assert next(c for c in clauses if "Blazer" in c.text).section == ("ITEM SUPPLIER PRICE",)


def test_a_cover_block_drawn_after_the_body_is_read_first(tmp_path):
    """Word writes a cover page's text box (the title, the review date) after the body it stands above: read
    top down, the title names the policy and the review date is found. A small line printed at the top last
    (a browser's header) does not move, and a second column beside the first stays after it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    body = [("Helvetica", 12, 72, 528 - 18 * n, f"The governors will review risk number {n} with the head.")
            for n in range(4)]
    columns = [("Helvetica", 12, x, y, words.replace("aider", role)) for x, words in
               ((72, "Left column first aider Ann."), (300, "Right column first aider Bob.")) for y, role in
               ((300, "aider"), (284, "marshal"))]
    pdf = canvas.Canvas(str(tmp_path / "health.pdf"), pagesize=A4)
    for font, size, x, y, text in [  # in the order Word writes them: the body, then the cover's text box
            ("Helvetica-Bold", 12, 72, 546, "SECTION 1: STATEMENT OF INTENT"), *body, *columns,
            ("Helvetica-Bold", 18, 72, 724, "HEALTH AND SAFETY POLICY"),
            ("Helvetica", 12, 72, 675, "DATE OF ADOPTION: March 2021"),
            ("Helvetica", 12, 72, 643, "DATE OF NEXT REVIEW: MARCH 2022"),
            ("Helvetica", 7, 20, 826, "Printed from the staff intranet")]:
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "health.pdf", "health.pdf")
    assert doc.title == "HEALTH AND SAFETY POLICY"
    assert doc.review_due == date(2022, 3, 1)
    clauses = chunk_document(doc)
    assert next(c for c in clauses if "risk number 0" in c.text).section == ("SECTION 1: STATEMENT OF INTENT",)
    assert doc.text.index("Ann") < doc.text.index("Bob") < doc.text.index("Printed from the staff intranet")


def test_a_leaflet_placed_with_its_y_axis_turned_over(tmp_path):
    """A designer's tool (Canva) draws its text inside a form whose y axis is turned over, so a paragraph's
    lines climb the page as pypdf reports them: read top down again, the title heads the paragraph and the
    paragraph is one, in its order."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "leaflet.pdf"), pagesize=A4)
    pdf.beginForm("leaflet")
    for font, size, y, text in [("Helvetica-Bold", 16, 80, "Expenses Policy"),
                                ("Helvetica", 11, 120, "Volunteers may claim travel to county meetings,"),
                                ("Helvetica", 11, 134, "events and trainings at the mileage rate"),
                                ("Helvetica", 11, 148, "set by the county treasurer each year.")]:
        pdf.setFont(font, size)
        pdf.drawString(72, y, text)
    pdf.endForm()
    pdf.transform(1, 0, 0, -1, 0, A4[1])
    pdf.doForm("leaflet")
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "leaflet.pdf", "leaflet.pdf")
    assert doc.title == "Expenses Policy"
    [clause] = chunk_document(doc)
    assert " ".join(clause.text.split()) == ("Volunteers may claim travel to county meetings, events and trainings "
                                             "at the mileage rate set by the county treasurer each year.")


def test_a_bold_sentence_over_two_lines_is_no_heading(tmp_path):
    """A sentence set in bold whose second line goes on in lower case to its full stop is a paragraph: its first
    line heads nothing, and the sentence is one clause under the heading above it."""
    draw_pdf(tmp_path / "withdrawal.pdf", [
        ("Helvetica-Bold", 18, "Withdrawal Policy", 30), ("Helvetica-Bold", 14, "Stage 3", 24),
        ("Helvetica", 11, "Learners who submit no work for three months", 14),
        ("Helvetica", 11, "are withdrawn from the programme by the manager.", 30),
        ("Helvetica-Bold", 11, "At any point during a programme appropriate training plan revisions", 14),
        ("Helvetica-Bold", 11, "can and should be put in place to help learners keep up.", 30),
        ("Helvetica-Bold", 11, "Who is involved in the reasonable accommodation", 14),  # a question wrapped: a heading
        ("Helvetica-Bold", 11, "process?", 24), ("Helvetica", 11, "The manager and the learner agree the plan.", 30),
        ("Helvetica-Bold", 14, "Appeals", 24), ("Helvetica", 11, "Learners may appeal in writing to the", 14),
        ("Helvetica", 11, "manager, who hears the appeal within ten days.")], step=14)
    doc = load_document(tmp_path / "withdrawal.pdf", "withdrawal.pdf")
    sections = {c.text: c.section for c in chunk_document(doc)}
    revisions = "At any point during a programme appropriate training plan revisions\ncan and should be put in place " \
                "to help learners keep up."
    assert sections[revisions] == ("Stage 3",)
    assert sections["The manager and the learner agree the plan."] == (
        "Stage 3", "Who is involved in the reasonable accommodation process?")
    assert sections["Learners may appeal in writing to the\nmanager, who hears the appeal within ten days."] == ("Appeals",)


def test_a_bold_paragraph_filling_the_column_is_no_heading(tmp_path):
    """A callout set in bold over three full lines ("MANDATORY: … where AMS" / "Security has supplied …" / "…
    shift.") is a paragraph; a long heading wrapped without a stop stays a heading, and a larger line going on
    in lower case to a colon is a list's lead-in."""
    body = [("Helvetica", 10, "Officers carry the camera in its holder and check it before every shift.", 12),
            ("Helvetica", 10, "The camera records to its own card and is charged at the office daily.", 24)]
    draw_pdf(tmp_path / "camera.pdf", [
        ("Helvetica-Bold", 16, "Body Camera Policy", 30), ("Helvetica-Bold", 12, "Wearing the camera", 20), *body,
        ("Helvetica-Bold", 10, "MANDATORY: All officers must wear a body camera at all sites where the", 12),
        ("Helvetica-Bold", 10, "Company has supplied a working camera. This applies for the full shift", 12),
        ("Helvetica-Bold", 10, "of every officer on duty.", 24), *body,
        ("Helvetica-Bold", 10, "Filling a vacancy through the internal version of the merit promotion", 12),
        ("Helvetica-Bold", 10, "process", 24), *body,
        ("Helvetica-Bold", 12, "Employees must pay and accept full liability for any of the", 14),
        ("Helvetica-Bold", 12, "following:", 14), ("Helvetica", 10, "\u2022 Parking fines.", 12),
        ("Helvetica", 10, "\u2022 Speeding fines.", 12)], step=12)
    doc = load_document(tmp_path / "camera.pdf", "camera.pdf")
    clauses = chunk_document(doc)
    callout = next(c for c in clauses if c.text.startswith("MANDATORY"))
    assert callout.text.endswith("of every officer on duty.") and callout.section == ("Wearing the camera",)
    after = [c for c in clauses if "check it" in c.text][2]
    assert after.section[-1] == "Filling a vacancy through the internal version of the merit promotion process"
    fines = next(c for c in clauses if "Speeding" in c.text)
    assert " ".join(fines.context.split()) == "Employees must pay and accept full liability for any of the following:"


def test_a_pdf_heading_wrapped_past_a_title_s_length_is_prose(tmp_path):
    """Lines set as a heading that together run past twenty words are prose (a sentence without its stop, a list of
    contents) and are quoted; a heading wrapped over two lines within that stays a heading."""
    body = [("Helvetica", 10, "Targets are agreed with your lead at the start of each quarter and reviewed", 12),
            ("Helvetica", 10, "at its end by the two of you together.", 24)]
    draw_pdf(tmp_path / "kra.pdf", [
        ("Helvetica-Bold", 16, "Performance Policy", 30),
        ("Helvetica-Bold", 12, "PeopleLogic is a performance driven company with a winning culture where", 14),
        ("Helvetica-Bold", 12, "every team member performs a task which directly affects the company", 24), *body,
        ("Helvetica-Bold", 12, "Filling a vacancy through the internal version of the merit", 14),
        ("Helvetica-Bold", 12, "promotion process", 24), *body], step=12)
    doc = load_document(tmp_path / "kra.pdf", "kra.pdf")
    clauses = chunk_document(doc)
    culture = next(c for c in clauses if c.text.startswith("PeopleLogic is a performance driven company"))
    assert culture.text.endswith("directly affects the company")
    targets = [c for c in clauses if c.text.startswith("Targets are agreed")]
    assert targets[0].section == ()  # under the title alone, not under the sentence
    assert targets[1].section[-1] == "Filling a vacancy through the internal version of the merit promotion process"


def test_a_pdf_headed_only_in_bold_body_text_has_no_section_for_a_title(tmp_path):
    """Headings set in the body's size, in bold, head sections: the first of them is not the document's title."""
    draw_pdf(tmp_path / "travel-policy.pdf", [
        ("Helvetica-Bold", 11, "Booking travel"), ("Helvetica", 11, "Book rail travel through the portal."),
        ("Helvetica-Bold", 11, "Claiming expenses"), ("Helvetica", 11, "Claims need a receipt.")], step=26)
    doc = load_document(tmp_path / "travel-policy.pdf", "travel-policy.pdf")
    assert doc.title == "Travel Policy"
    sections = {c.text: c.section for c in chunk_document(doc)}
    assert sections["Book rail travel through the portal."] == ("Booking travel",)
    assert sections["Claims need a receipt."] == ("Claiming expenses",)


def test_a_pdf_list_set_larger_than_its_body_wraps_its_items_not_into_headings(tmp_path):
    """List items set a size above the body look like headings line by line; an item's second line, its own
    line height below, goes on with the item, and the body text after the list heads nothing."""
    draw_pdf(tmp_path / "safety-policy.pdf", [
        ("Helvetica-Bold", 20, "Safety Policy", 34), ("Helvetica", 9, "Everyone prevents injuries through:", 22),
        ("Helvetica", 11, "\u2022 Following the requirements of ISO 45001:2018", 16),
        ("Helvetica", 11, "\u2022 Continual education to prevent injuries and improve the", 15),
        ("Helvetica", 11, "management system effectiveness", 16),
        ("Helvetica", 11, "\u2022 Reporting every near miss to the site supervisor", 23),
        ("Helvetica", 9, "The director communicates this policy to all staff.", 11)], step=16)
    doc = load_document(tmp_path / "safety-policy.pdf", "safety-policy.pdf")
    clauses = {c.text: c.section for c in chunk_document(doc)}
    assert clauses["Continual education to prevent injuries and improve the\nmanagement system effectiveness"] == ()
    assert clauses["Reporting every near miss to the site supervisor"] == ()
    assert clauses["The director communicates this policy to all staff."] == ()


def test_a_pdf_paragraph_set_larger_than_its_tables_keeps_its_lines_together(tmp_path):
    """A risk assessment sets its tables in 8 pt, closely spaced, and its prose in 9.5 pt with its own wider line
    height: the prose lines are one paragraph (not a clause per line), and a paragraph gap still parts them."""
    table = [("Helvetica", 8, f"Risk {n} - Remote delivery limits visibility of learner welfare and engagement", 9.2)
             for n in range(1, 16)]
    draw_pdf(tmp_path / "prevent-risk-assessment.pdf", [
        ("Helvetica-Bold", 14, "Prevent Risk Assessment", 24), *table[:-1], (*table[-1][:3], 24),
        ("Helvetica", 9.5, "Remote learning and digital platforms create specific risks linked to online", 12.6),
        ("Helvetica", 9.5, "extremist content. These risks are controlled through official communication", 12.6),
        ("Helvetica", 9.5, "channels, tutor monitoring and reporting routes.", 24),
        ("Helvetica", 9.5, "The provider reviews these controls every year.", 12.6)], step=12.6)
    doc = load_document(tmp_path / "prevent-risk-assessment.pdf", "prevent-risk-assessment.pdf")
    texts = [c.text for c in chunk_document(doc)]
    assert ("Remote learning and digital platforms create specific risks linked to online\nextremist content. These risks "
            "are controlled through official communication\nchannels, tutor monitoring and reporting routes.") in texts
    assert "channels, tutor monitoring and reporting routes." not in texts
    assert "The provider reviews these controls every year." in texts


def test_a_pdf_footer_counting_pages_a_size_above_the_body_is_furniture(tmp_path):
    """"SSG – Slavery Policy Page 1 of 3" at the foot of every page, set a point above the body, is furniture: it
    neither joins the clause above it nor heads the next page. A numbered clause at the top of a page ("3.3 …")
    starts anew, even when the clause at the foot of the page before filled its line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "slavery-policy.pdf"), pagesize=A4)
    pages = [["3.1 Responsibility for the company's anti-slavery initiatives is shared by the people named",
              "in the clauses below, who report to the board each year.", "",
              "3.2 Policies are owned by the Chief Executive, the Managing Director and the Head of HR"],
             ["3.3 Investigations of known or suspected slavery in the supply chain are the Head of",
              "Human Resources' responsibility in every case.", "",
              "3.4 Training is arranged by the Managing Director for all staff and all suppliers."],
             ["3.5 Suppliers are audited every year by the procurement team.", "", "Approved by the CEO."]]
    for n, lines in enumerate(pages, 1):
        y = 760
        for text in lines:
            pdf.setFont("Helvetica", 10)
            pdf.drawString(72, y, text)
            y -= 12
        pdf.setFont("Helvetica", 11)
        pdf.drawString(72, 40, f"SSG - Modern Slavery Policy Page {n} of 3 UNCLASSIFIED")
        pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "slavery-policy.pdf", "slavery-policy.pdf")
    assert "UNCLASSIFIED" not in doc.text
    texts = [c.text for c in chunk_document(doc)]
    assert "3.2 Policies are owned by the Chief Executive, the Managing Director and the Head of HR" in texts
    assert "3.3 Investigations of known or suspected slavery in the supply chain are the Head of\nHuman Resources' " \
        "responsibility in every case." in texts
    assert all(c.section == () for c in chunk_document(doc))


def test_a_justified_pdf_drawing_each_word_on_its_own_reads_as_lines_not_table_rows(tmp_path):
    """An exporter that justifies lines by drawing each word at its own place (Google Docs) gives the words as
    pieces side by side, as a table's cells are: each word starting where the one before ends, they are one
    line of text, with its clause number at its tab stop, not a row of cells a tab apart."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "holiday-policy.pdf"), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 760, "Holiday Policy")
    lines = ["We ask that you aim to use your holiday entitlement within the appropriate holiday year,",
             "however we understand that this is not always possible. Unused holidays will be carried",
             "over to the following year, up to a maximum of 5 days."]
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 730, "2.5")
    for n, line in enumerate(lines):
        y, words = 730 - 12 * n, line.split()
        if n == len(lines) - 1:
            pdf.drawString(108, y, line)
            continue
        gap = (440 - sum(stringWidth(w, "Helvetica", 10) for w in words)) / (len(words) - 1)
        x = 108
        for word in words:
            pdf.drawString(x, y, word)
            x += stringWidth(word, "Helvetica", 10) + gap
    pdf.setFont("Helvetica", 10)  # a real table's row stays a row of cells
    for x, cell in [(72, "Version"), (200, "Date"), (330, "Author"), (460, "Change")]:
        pdf.drawString(x, 600, cell)
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "holiday-policy.pdf", "holiday-policy.pdf")
    assert "2.5 We ask that you aim to use your holiday entitlement within the appropriate holiday year,\nhowever we " \
        "understand that this is not always possible. Unused holidays will be carried\nover to the following year, " \
        "up to a maximum of 5 days." in doc.text
    assert "Version\tDate\tAuthor\tChange" in doc.text


def test_a_pdf_drawing_every_word_on_its_own_reads_its_cover_and_tables(tmp_path):
    """Google Docs draws every word on its own: a table's cells are the runs of words a space apart, a short line
    is a line, a "#" column heads no section, and of a handbook schedule's cover headings ("Staff Handbook" over
    "Schedule 6 - Holiday Policy") the one its file is named by titles it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    def words(pdf, x, y, text, font="Helvetica", size=11):
        pdf.setFont(font, size)
        for word in text.split():
            pdf.drawString(x, y, word)
            x += stringWidth(word + " ", font, size)

    path = tmp_path / "Schedule 6 - Holiday Policy 22.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    words(pdf, 72, 760, "Staff Handbook", "Helvetica-Bold", 24)
    words(pdf, 72, 720, "Schedule 6 - Holiday Policy", "Helvetica-Bold", 16)
    words(pdf, 72, 690, "Issue 1.4")
    for y, cells in [(640, ["#", "date", "author"]), (620, ["1.4", "14th Oct 2021", "Victoria Iredale"]),
                     (600, ["Kate Guilding", "Company Secretary", "HR"])]:
        for x, cell in zip((72, 180, 330), cells):
            words(pdf, x, y, cell)
    words(pdf, 72, 560, "Unused holidays will be carried over to the following year.")
    pdf.showPage()
    pdf.save()
    doc = load_document(path, path.name)
    assert doc.title == "Schedule 6 - Holiday Policy"
    assert "Kate Guilding\tCompany Secretary\tHR" in doc.text and "14th Oct 2021\tVictoria Iredale" in doc.text
    clauses = chunk_document(doc)
    assert not any("date" in " ".join(c.section) for c in clauses)
    row = next(c for c in clauses if "author" in c.text)
    assert shown(doc.text, row.start, row.end).text == "#\ndate\nauthor"


def test_a_pages_own_navigation_links_are_no_text(tmp_path):
    """"[Back to Top]" in every heading and "← Back to Dashboard" at a page's foot move about the site: they are
    neither in a section's name nor a clause. A link in a sentence stays, whatever its words."""
    path = tmp_path / "handbook.html"
    path.write_bytes("""<html><head><title>Handbook</title></head><body><main><h1>Staff Handbook</h1>
<h2>I. Welcome <a href="#" class="back-to-top">[Back to Top]</a></h2>
<p>Welcome to the shop. Read the <a href="/rtw">Back to work guidance</a> first.</p>
<p><a href="index.html" class="back-button">&larr; Back to Dashboard</a></p>
<button type="button">&uarr; Back to top</button></main></body></html>""".encode())
    doc = load_document(path, path.name)
    assert "Back to Top" not in doc.text and "Dashboard" not in doc.text and "Back to top" not in doc.text
    clauses = chunk_document(doc)
    assert [(c.section, c.text) for c in clauses] == [
        (("I. Welcome",), "Welcome to the shop. Read the Back to work guidance first.")]


def test_a_council_template_heading_gives_way_to_the_policy_name_its_file_is_named_by(tmp_path):
    """A council's template heads every policy "COUNCIL POLICY", over a label and the policy's own name on a line
    of its own, set at the body's size: the name the file is named by titles it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "Salary Administration Policy HRM-210.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(72, 760, "COUNCIL POLICY")
    pdf.setFont("Helvetica", 11)
    for y, line in [(710, "Category: Human Resources"), (660, "Salary Administration Policy"),
                    (610, "Policy Number: HRM - 210"),
                    (550, "Salaries are reviewed every year in March by Human Resources and the Treasurer."),
                    (536, "An employee moving to a job at the same grade keeps the same salary.")]:
        pdf.drawString(72, y, line)
    pdf.showPage()
    pdf.save()
    assert load_document(path, path.name).title == "Salary Administration Policy"


def test_a_ligature_a_pdf_font_gives_no_letters_for_is_spelt_as_the_document_spells_its_word(tmp_path):
    """pypdf writes a ligature glyph with no letters in its font as a NUL ("Sta<NUL> Handbook"): it is spelt as
    the word the document spells out elsewhere, or shown as unknown; a NUL never reaches a quote."""
    from assistant.loaders import _unknown_ligatures

    assert _unknown_ligatures("Sta\x00 Handbook\n\nAll staff may use the o\x00ce; offices close at six.") == \
        "Staff Handbook\n\nAll staff may use the office; offices close at six."
    assert _unknown_ligatures("We o\x00er a bonus.\x00") == "We o\ufffder a bonus."


def test_a_pdf_capital_kerned_apart_from_its_word_reads_as_the_word(tmp_path):
    """A page that kerns a capital away from its letters ("V" of "Vehicle") is read by pypdf as two words,
    "State V ehicle": it is read as the word the document spells elsewhere. A capital that is a word of its
    own, or stands before one ("A copy", "Category B and C"), stays as written."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "fleet.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 800, "Each vehicle is kept in the depot. A copy of the log stays in the vehicle.")
    pdf.drawString(72, 780, "Category B and C trips need a second driver.")
    # the capital, then its letters drawn 0.3 of an em nearer than it would set them: kerned
    pdf._code.append("BT /F1 11 Tf 72 760 Td [(An employee may take a State ) (V) -300 (ehicle home.)] TJ ET")
    pdf.showPage()
    pdf.save()
    import pypdf

    assert "State V ehicle" in pypdf.PdfReader(path).pages[0].extract_text()  # what pypdf reads
    text = load_document(path, path.name).text
    assert "An employee may take a State Vehicle home." in text
    assert "A copy of the log" in text and "Category B and C trips" in text


def test_a_word_policy_is_titled_by_its_cover_sheet_or_its_file_name(tmp_path):
    """A cover sheet's "Title:" names the policy; a first heading that names no policy ("Executive Summary",
    after a contents list) gives way to a file name that does, without a download's "(1)" or its year."""
    from docx import Document

    word = Document()
    word.add_paragraph("Department: Supported Living\tTitle: Code of Conduct Policy").runs[0].bold = True
    word.add_paragraph("Staff treat residents with dignity.")
    word.save(tmp_path / "Code of Conduct Policy .docx")
    assert load_document(tmp_path / "Code of Conduct Policy .docx").title == "Code of Conduct Policy"
    word = Document()
    word.add_paragraph("Contents")
    word.add_heading("Executive Summary", 1)
    word.add_paragraph("Hazardous substances are stored in locked cupboards.")
    word.save(tmp_path / "CoSHH Policy 2022 (1).docx")
    assert load_document(tmp_path / "CoSHH Policy 2022 (1).docx").title == "CoSHH Policy"  # its year is the edition's
    word = Document()  # a first heading that heads a section ("Purpose") never titles, whatever the file is named
    word.add_heading("Purpose", 1)
    word.add_paragraph("This procedure sets out how staff may use generative AI tools.")
    word.save(tmp_path / "Use of text based Generative Artificial Intelligence (AI).docx")
    assert load_document(tmp_path / "Use of text based Generative Artificial Intelligence (AI).docx").title == \
        "Use Of Text Based Generative Artificial Intelligence (AI)"
    word = Document()  # a cover table's row: "Title of Policy:" in a cell beside others
    table = word.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ("Title of Policy: Safety and Health Policy", "Number: Policy #1",
                                         "Effective Date: March 23, 2023", "Page Number: 2 to 5")):
        cell.text = text
    word.add_paragraph("This policy applies to all supervisors, managers, workers, contractors and visitors.")
    word.save(tmp_path / "OHS Policy.docx")
    assert load_document(tmp_path / "OHS Policy.docx").title == "Safety and Health Policy"


def test_a_pdf_cover_sheet_table_gives_owner_and_review_dates(tmp_path):
    from published import publish_cover_sheet

    path = tmp_path / "safeguarding.pdf"
    publish_cover_sheet(path, [["Author", "Headteacher", "Date", "March 2020"],
                               ["Reviewed by", "Governing body", "Date", "March 2020"],
                               ["Date of next review", "Headteacher", "", "Summer 2021"]],
                        "Staff must report any concern about a child to the Designated Safeguarding Lead.")
    doc = load_document(path)
    # pypdf gives each cell on a line of its own: they are one row again, cells a tab apart
    assert "Date of next review\tHeadteacher\tSummer 2021" in doc.text
    assert (doc.title, doc.owner, doc.last_reviewed) == ("SAFEGUARDING POLICY", "Headteacher", "March 2020")
    assert (doc.review_due, doc.review_due_label) == (date(2021, 6, 1), "Summer 2021")
    start, end = doc.review_lines
    assert doc.text[start:end].startswith("Author") and doc.text[start:end].endswith("Summer 2021")
    assert not [c for c in chunk_document(doc) if "March 2020" in c.text]  # the cover sheet is no clause


def test_a_pdf_price_list_reads_row_by_row(tmp_path):
    """Word draws a table cell by cell, with empty pieces of text between them; pypdf gives each cell on a
    line of its own. Each row is one again, and quoted as a row: "Kufi School Office £5", not "£5" alone."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "uniform.pdf"), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 780, "Boys' Uniform")
    y = 740
    for row in (("Navy Blue Blazer", "School Office", "£30"), ("Kufi", "School Office", "£5")):
        for n, (x, cell) in enumerate(zip((72, 250, 420), row)):
            if n:
                pdf.setFont("Helvetica", 3)
                pdf.drawString(8, 600, " ")  # the empty piece Word leaves between two cells
            pdf.setFont("Helvetica", 11)
            pdf.drawString(x, y, cell)
        y -= 30
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "uniform.pdf")
    assert doc.text == "# Boys' Uniform\n\nNavy Blue Blazer\tSchool Office\t£30\nKufi\tSchool Office\t£5"
    rows = [c for c in chunk_document(doc) if c.kind == "row"]
    assert [r.text for r in rows] == ["Navy Blue Blazer\tSchool Office\t£30", "Kufi\tSchool Office\t£5"]


def test_a_pdf_drawing_each_word_and_space_on_its_own_reads_as_lines_of_words(tmp_path):
    """Some exporters draw every word, and every space between words, as a text object of its own: pypdf
    gives each on a line of its own, at the same height, left to right, as it gives a table's cells. A space
    drawn right before the next word joins the two: a line of words, not a row of one-word cells."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "conduct.pdf"), pagesize=A4)

    def words(line: str, y: float, font: str, size: float) -> None:  # as Google Docs' renderer draws them
        x = 72.0
        for n, word in enumerate(line.split(" ")):
            for text in ([" "] if n else []) + [word]:  # each in its own text object, the page's y axis turned over
                pdf.saveState()
                pdf.translate(0, 842)
                pdf.scale(1, -1)
                piece = pdf.beginText()
                piece.setFont(font, size)
                piece.setTextTransform(1, 0, 0, -1, 0, 0.8)
                piece.moveCursor(x, 842 - y)
                piece.textOut(text)
                pdf.drawText(piece)
                pdf.restoreState()
                x += pdf.stringWidth(text, font, size)

    words("Code of Conduct for Employees", 780, "Helvetica-Bold", 16)
    words("4.2 Conflict of Interest", 740, "Helvetica-Bold", 12)
    words("Employees must avoid situations where personal interests conflict, or appear to conflict, with the", 720,
          "Helvetica", 11)
    words("interests of the company. All potential conflicts must be disclosed to management.", 706, "Helvetica", 11)
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "conduct.pdf")
    assert "\t" not in doc.text
    assert doc.title == "Code of Conduct for Employees"
    clauses = chunk_document(doc)
    assert [(c.section, " ".join(c.text.split())) for c in clauses] == [(
        ("4.2 Conflict of Interest",), "Employees must avoid situations where personal interests conflict, or appear "
        "to conflict, with the interests of the company. All potential conflicts must be disclosed to management.")]


def test_a_pdf_table_with_cells_over_several_lines_reads_row_by_row(tmp_path):
    """Cells that wrap are given cell by cell, each cell's lines top down: each row is read again as one line
    of whole cells, also right after a heading and a paragraph set at the usual spacing."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "contacts.pdf"), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 780, "Who to contact")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 760, "Report a concern to the contact below.")
    y = 746
    rows = ((["To report an allegation", "against a member of staff"], ["Local Authority", "Designated Officer"],
             ["Immediately"]),
            (["A child missing", "from education"], ["Admissions team"], ["Within 5 days of", "the absence"]))
    for row in rows:
        for x, cell in zip((72, 250, 420), row):
            for n, text in enumerate(cell):
                pdf.drawString(x, y - 14 * n, text)
        y -= 14 * max(len(cell) for cell in row) + 6
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "contacts.pdf")
    assert [line for line in doc.text.splitlines() if line] == [
        "# Who to contact", "Report a concern to the contact below.",
        "To report an allegation against a member of staff\tLocal Authority Designated Officer\tImmediately",
        "A child missing from education\tAdmissions team\tWithin 5 days of the absence"]


def test_a_two_column_pdf_is_not_read_as_a_table(tmp_path):
    """Columns of running text stand side by side at the same heights, as a table's cells do; read column by
    column, they are paragraphs, never rows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    styles, (width, height) = getSampleStyleSheet(), A4
    pdf = BaseDocTemplate(str(tmp_path / "columns.pdf"), pagesize=A4)
    pdf.addPageTemplates([PageTemplate(frames=[Frame(40, 40, (width - 100) / 2, height - 80),
                                               Frame(60 + (width - 100) / 2, 40, (width - 100) / 2, height - 80)])])
    sentence = "Staff report any concern about a pupil to the designated lead on the same day, in writing. "
    story = []
    for n in range(14):
        story += [Paragraph(f"Section {n}", styles["Heading3"]), Paragraph(sentence * (1 + n % 3), styles["BodyText"])]
    pdf.build(story)
    doc = load_document(tmp_path / "columns.pdf")
    assert "\t" not in doc.text
    assert [b for b in doc.text.split("\n\n") if b.startswith("#")] == [f"# Section {n}" for n in range(14)]
    assert all(" ".join(b.split()) == " ".join((sentence * (1 + n % 3)).split())
               for n, b in enumerate(b for b in doc.text.split("\n\n") if not b.startswith("#")))


def test_a_word_cover_sheet_table_gives_owner_and_review_dates(tmp_path):
    from docx import Document

    word = Document()
    word.add_heading("Safeguarding Policy", 0)
    table = word.add_table(rows=3, cols=4)
    for r, row in enumerate([["Author", "Headteacher", "Date", "March 2020"],
                             ["Reviewed by", "Governing body", "Date", "March 2020"],
                             ["Date of next review", "Headteacher", "", "Summer 2021"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    word.add_paragraph("Staff must report any concern about a child to the Designated Safeguarding Lead.")
    word.save(tmp_path / "safeguarding.docx")
    doc = load_document(tmp_path / "safeguarding.docx")
    assert (doc.owner, doc.last_reviewed, doc.review_due_label) == ("Headteacher", "March 2020", "Summer 2021")


def test_pdf_ligatures_are_spelt_out(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = next((p for p in map(Path, ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                       "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"])
                 if p.exists()), None)
    if font is None:
        pytest.skip("no TrueType font with ligature glyphs on this machine")
    pdfmetrics.registerFont(TTFont("Body", str(font)))
    pdf = canvas.Canvas(str(tmp_path / "f.pdf"))
    pdf.setFont("Body", 11)
    pdf.drawString(72, 700, "The \ufb01nance o\ufb03ce signs o\ufb00 every claim.")
    pdf.showPage()
    pdf.save()
    assert "The finance office signs off every claim." in load_document(tmp_path / "f.pdf", "f.pdf").text


def test_pdf_furniture_set_larger_than_the_body_is_still_furniture(tmp_path):
    """A council's pages: "OFFICIAL" (12 pt bold) at the top and foot, an "EMPLOYMENT ZONE" banner (16 pt)
    under it, a version and date below the foot's marking and a 16 pt page number, on a 10 pt body. They
    stood as the parents of every section; the same words at the same place on most pages are the page's,
    whatever their size, and wherever a page has them: a figure's text drawn below one page's footer does
    not keep that footer in."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    body = [["Managers must hold a return to work discussion on the first day back.",
             "The discussion is recorded on the form in Appendix 2.", "Employees may bring a colleague."],
            ["An employee absent for more than seven days must submit a fit note.",
             "Fit notes are sent to the manager, who keeps a copy.", "Self-certification covers the first week.",
             "Absence is reported by telephone."],
            ["A referral to occupational health needs the employee's consent.", "Managers explain why it is made."]]
    pdf = canvas.Canvas(str(tmp_path / "guide.pdf"), pagesize=A4)
    for page in range(1, 4):
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(260, 815, "OFFICIAL")
        pdf.drawString(260, 50, "OFFICIAL")
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(72, 795, "EMPLOYMENT ZONE")
        pdf.setFont("Helvetica", 9)
        pdf.drawString(72, 38, "Version 4.0")
        pdf.drawString(72, 28, "February 2025")
        pdf.setFont("Helvetica", 16)
        pdf.drawString(520, 16, str(page + 1))
        if page == 2:  # a figure's text drawn below the footer: the marking is no longer among the last lines
            pdf.setFont("Helvetica", 9)
            pdf.drawString(300, 6, "contact you every 7 days")
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 760, f"{page}. Part {page} of the guide")
        pdf.setFont("Helvetica", 10)
        for n, line in enumerate(body[page - 1]):
            pdf.drawString(72, 735 - 14 * n, line)
        pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "guide.pdf", "guide.pdf")
    assert "OFFICIAL" not in doc.text and "EMPLOYMENT ZONE" not in doc.text and "Version 4.0" not in doc.text
    assert [line for line in doc.text.splitlines() if line.strip().isdigit() or line.startswith("### ")] == []
    assert "contact you every 7 days" in doc.text  # the figure's own words stay
    assert "## 2. Part 2 of the guide" in doc.text.splitlines()
    clause = next(c for c in chunk_document(doc) if "referral to occupational health" in c.text)
    assert clause.section == ("3. Part 3 of the guide",)


def test_pdf_furniture_is_what_repeats_at_the_page_edges(tmp_path):
    """A line at the top or foot of most pages (numbers aside) is the page's, not the policy's; the same
    words in the body stay, and a bold line ending a sentence mid-paragraph is no heading."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "p.pdf"), pagesize=A4)
    people = ["staff", "volunteers", "governors"]
    for page in range(1, 4):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(72, 810, "Data Protection Policy")
        pdf.drawString(500, 30, f"- {page} -")
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 770, f"Part {page}")  # the same at the top of every page but for its number
        y = 740
        body = [("Helvetica-Bold", "Any device found in a pupil's bag will be"), ("Helvetica", "confiscated.")] * (page == 2) + \
            [("Helvetica", f"This Data Protection Policy applies to all {people[page - 1]}.")] * page + \
            [("Helvetica", f"Visitors to part {page} must lock their screens when they leave a desk"),
             ("Helvetica-Bold", "unattended."), ("Helvetica", f"Breaches in part {page} are reported.")]
        for font, line in body:
            pdf.setFont(font, 11)
            pdf.drawString(72, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "p.pdf", "p.pdf")
    lines = doc.text.splitlines()
    assert "Data Protection Policy" not in lines and not any(line.startswith("- ") for line in lines)
    assert lines.count("# Part 2") == 1 and "This Data Protection Policy applies" in doc.text
    # the running header names the policy, and the body gives no title: it is the title, once, above the body
    assert lines[0] == "# Data Protection Policy" and doc.title == "Data Protection Policy"
    assert "#" not in "\n".join(lines[1:]).replace("# Part", "")
    assert "when they leave a desk\nunattended." in doc.text
    assert "Any device found in a pupil's bag will be\nconfiscated." in doc.text  # a sentence, not a heading
    assert doc.text.count("This Data Protection Policy applies to all governors.") == 3


def test_html_headings_items_rows_and_no_script(tmp_path):
    (tmp_path / "remote.html").write_text(HTML, encoding="utf-8")
    doc = load_document(tmp_path / "remote.html", "remote.html")
    assert doc.format == "html"
    lines = doc.text.splitlines()
    assert "# Remote Work Policy" in lines and "## Eligibility" in lines and "### Equipment" in lines
    assert "- two days a week" in lines
    assert "| Laptop | Yes |" in lines
    assert "script text" not in doc.text and "color: red" not in doc.text
    assert doc.title == "Remote Work Policy"
    item = next(c for c in chunk_document(doc) if c.text == "with manager approval")
    assert item.context == "You may work from home:" and item.section == ("Eligibility",)


def test_a_pages_own_h1_titles_it_not_its_browser_title(tmp_path):
    (tmp_path / "c.html").write_text("<!DOCTYPE html><html><head><title>Code of Conduct | Fifth Castle Media</title>"
                                     "</head><body><p>How we work</p><h1>Code of Conduct</h1><h2>On every job</h2>"
                                     "<p>Be on time.</p></body></html>", encoding="utf-8")
    doc = load_document(tmp_path / "c.html")
    assert doc.title == "Code of Conduct" and "html" not in doc.text.split()  # the doctype is no text
    assert next(c for c in chunk_document(doc) if c.text == "Be on time.").section == ("On every job",)


def test_html_title_used_when_no_h1(tmp_path):
    (tmp_path / "p.htm").write_text("<html><head><title>Dress Code</title></head><body><p>Staff must wear "
                                    "badges.</p></body></html>", encoding="utf-8")
    doc = load_document(tmp_path / "p.htm")
    assert doc.title == "Dress Code"


def test_a_page_titled_only_by_its_site_is_titled_by_the_heading_it_is_named_by(tmp_path):
    """A site whose every <title> is its own name ("NR Docs") and whose pages open at <h2>: the heading the page's
    path names ("policies/personnel-policies/index.html") titles it, not the site; a <title> that names the page
    still does."""
    page = tmp_path / "policies" / "personnel-policies" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html><head><title>NR Docs</title></head><body><h2>Personnel Policies</h2><h3>Grievances</h3>"
                    "<p>Grievances are first discussed with the Executive Director.</p></body></html>", encoding="utf-8")
    doc = load_document(page, "policies/personnel-policies/index.html")
    assert doc.title == "Personnel Policies"
    clause = next(c for c in chunk_document(doc) if c.text.startswith("Grievances are"))
    assert clause.section == ("Grievances",)
    other = tmp_path / "policies" / "dress" / "index.html"
    other.parent.mkdir(parents=True)
    other.write_text("<html><head><title>Dress Code</title></head><body><h2>Overview</h2><p>Staff wear badges.</p>"
                     "</body></html>", encoding="utf-8")
    assert load_document(other, "policies/dress/index.html").title == "Dress Code"


def test_a_web_page_is_read_from_its_main_content(tmp_path):
    """A school's web page: its menus, cookie banner and sidebar are the same on every page, outside <main>
    (or marked by their role); only the policy is read."""
    page = """<html><head><title>Safeguarding | Example School</title></head><body>
    <div class="cookie">We use cookies. <a href="#">Accept</a></div>
    <div class="menu"><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li></ul></div>
    <div role="navigation"><ul><li>Term dates</li></ul></div>
    <main><h1>Safeguarding Policy</h1><p>Staff report any concern to the <a href="dsl.html">DSL</a>, on
    the same day.</p><ul><li><strong>Promises.</strong> Never promise a child to keep a <em>secret</em>.</li></ul>
    Concerns about staff go to the <a href="head.html">Headteacher</a>.<br>Write them down.</main>
    <aside><h3>Latest news</h3><p>Sports day is on Friday.</p></aside>
    <div id="footer"><p>Example School, 1 High Street</p></div></body></html>"""
    (tmp_path / "safeguarding.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "safeguarding.html")
    assert doc.title == "Safeguarding Policy"
    # inline elements run on as written, with no space before the full stop that follows a link
    assert doc.text == ("# Safeguarding Policy\n\nStaff report any concern to the DSL, on the same day.\n\n"
                        "- Promises. Never promise a child to keep a secret.\n\n"
                        "Concerns about staff go to the Headteacher. Write them down.")


def test_a_page_laid_out_for_print_is_read_sheet_by_sheet(tmp_path):
    """A policy laid out as printed sheets, one <main> a sheet, each with its letterhead, its title and subtitle
    again, and "Page n of 2" in its footer; its sections titled by styled <div>s: every sheet is read, the head a
    sheet repeats is read once, and the numbered title lines head their sections."""
    def sheet(n, body):
        return (f'<div class="page"><header class="hd"><div class="cn">Example Care Ltd</div></header>'
                f'<main class="ct"><h1 class="dt">Code of Behaviour for Staff</h1>'
                f'<p class="ds">Conduct Standards &amp; Safeguarding Guidelines</p>{body}</main>'
                f'<footer class="ft"><div class="fr">Code of Behaviour — Page {n} of 2</div></footer></div>')
    page = ('<html><head><title>Code of Behaviour</title></head><body>'
            + sheet(1, '<div class="sh"><span class="n">1</span> Prohibited Behaviour</div>'
                       '<ul><li>Do not take children alone in a car or to your own home.</li></ul>')
            + sheet(2, '<div class="sh"><span class="n">2</span> One-to-One Interactions</div>'
                       '<ul><li>Avoid being alone with a child. Where necessary, leave doors open.</li></ul>')
            + "</body></html>")
    (tmp_path / "code.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "code.html")
    assert doc.title == "Code of Behaviour for Staff"
    assert "Do not take children" in doc.text and "leave doors open" in doc.text
    assert doc.text.count("Conduct Standards") == 1 and "Page 1" not in doc.text and "Example Care" not in doc.text
    clauses = chunk_document(doc)
    section = {c.text[:12]: c.section[-1:] for c in clauses}
    assert section["Do not take "] == ("1 Prohibited Behaviour",)
    assert section["Avoid being "] == ("2 One-to-One Interactions",)


def test_an_articles_own_header_holds_its_heading(tmp_path):
    """A site's banner (<header> at the top of the page) is not the policy, but an article's own <header> holds
    the policy's heading (as Jekyll's themes write a page): the page is titled by it, not by a later <h1>
    or by a <title> that carries the site's name."""
    page = """<html><head><title>Example Ltd Staff Handbook - Maternity Policy</title></head><body>
    <header class="site-header"><h1>Example Ltd Staff Handbook</h1></header>
    <main><article><header><h1>Maternity Policy</h1></header><h3>Notification</h3>
    <p>Tell your manager by the 15th week before the baby is due.</p>
    <h1>Starting maternity leave</h1><p>Leave can start 11 weeks before the due week.</p></article></main>
    </body></html>"""
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "index.html")
    assert doc.title == "Maternity Policy"
    assert "Example Ltd" not in doc.text
    assert next(c for c in chunk_document(doc) if c.text.startswith("Tell")).section == ("Notification",)


def test_a_page_titled_in_its_banner_and_its_in_page_contents(tmp_path):
    """A portal whose every page has the same <title> names each page in its banner's <h1>: that names the
    page (a banner holding the site's name, which the <title> carries too, does not). A list of links to the
    page's own headings is its table of contents, not a clause."""
    page = """<html><head><title>Example Employee Portal</title></head><body>
    <header><h1>Hours of Work &#038; Pay</h1></header><section>
    <h2>Table of Contents</h2><ul><li><a href="#ww">Workweek</a></li><li><a href="#op">Overtime Pay</a></li>
    <li><a href="files/travel.pdf">Travel Pay</a></li></ul>
    <h2><a id="ww">Workweek</a></h2><p>The normal workweek is Monday through Friday.</p>
    <h2><a id="op">Overtime Pay</a></h2><ul><li>Overtime is approved in advance.</li></ul></section></body></html>"""
    (tmp_path / "hours.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "hours.html")
    assert doc.title == "Hours of Work & Pay"
    clauses = chunk_document(doc)
    assert [c.text for c in clauses] == ["The normal workweek is Monday through Friday.",
                                         "Overtime is approved in advance."]
    assert clauses[1].section == ("Overtime Pay",)
    site = page.replace("<title>Example Employee Portal", "<title>Hours | Example Employee Portal").replace(
        "<h1>Hours of Work &#038; Pay", "<h1>Example Employee Portal")
    (tmp_path / "site.html").write_text(site, encoding="utf-8")
    assert load_document(tmp_path / "site.html").title == "Hours | Example Employee Portal"


def test_a_nested_table_of_contents_and_its_title_are_no_clauses(tmp_path):
    """Docutils and Sphinx nest a contents' subsections under their sections, and title it "Contents"."""
    page = """<html><head><title>Discipline</title></head><body><div class="document">
    <h1 class="title">Enforcement and discipline</h1>
    <div class="contents topic" id="contents"><p class="topic-title first">Contents</p><ul class="simple">
    <li><a class="reference internal" href="#policy">Policy</a></li>
    <li><a class="reference internal" href="#procedures">Procedures</a><ul>
    <li><a class="reference internal" href="#minor">Minor misconduct</a></li>
    <li><a class="reference internal" href="#appeal">Appeal</a></li></ul></li></ul></div>
    <div class="section" id="policy"><h1>Policy</h1><p>Employees are treated with fairness.</p></div>
    <div class="section" id="procedures"><h1>Procedures</h1><ul><li><a href="#minor">Minor misconduct</a> is
    dealt with informally.</li><li>An appeal is heard within five days.</li></ul></div></div></body></html>"""
    (tmp_path / "discipline.html").write_text(page, encoding="utf-8")
    clauses = chunk_document(load_document(tmp_path / "discipline.html"))
    assert [c.text for c in clauses] == ["Employees are treated with fairness.",
                                         "Minor misconduct is dealt with informally.",
                                         "An appeal is heard within five days."]


# ---------------------------------------------------------------- bad files and folders

def test_bad_files_are_reported_by_name_and_skipped(tmp_path):
    (tmp_path / "good.md").write_text(FRONT_MATTER_MD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "scan.pdf").write_bytes(b"%PDF-1.4\n\x00\x01garbage that is not a pdf\x02" * 20)
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02\x03binary\x00data")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "notes.csv").write_text("ignored,file\n", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("Staff must not see this.\n", encoding="utf-8")
    make_docx(tmp_path / "expenses.docx")
    corpus = load_corpus(tmp_path)
    assert sorted(d.source for d in corpus.documents) == ["expenses.docx", "good.md"]
    problems = "\n".join(corpus.problems)
    assert len(corpus.problems) == 4
    for name in ("sub/scan.pdf", "blob.txt", "empty.md", "broken.docx"):
        assert any(p.startswith(f"{name}:") for p in corpus.problems), problems
    assert "binary" in problems and "empty.md: has no text to index" in problems


def test_a_known_document_is_reused_only_while_its_bytes_are_the_same(tmp_path):
    from assistant.index import _fingerprint, corpus_fingerprint

    (tmp_path / "good.md").write_text(FRONT_MATTER_MD, encoding="utf-8")
    (tmp_path / "other.md").write_text("# Other\n\nStaff must sign in.\n", encoding="utf-8")
    (tmp_path / "blob.txt").write_bytes(b"\x00binary")
    (tmp_path / "outside.md").symlink_to(GLENMERE_TXT)  # refused: it leads out of the folder
    first = load_corpus(tmp_path)
    assert _fingerprint(first.files) == corpus_fingerprint(tmp_path)  # one pass: the same fingerprint as a check
    known = {d.source: d for d in first.documents}
    (tmp_path / "other.md").write_text("# Other\n\nStaff must sign out.\n", encoding="utf-8")
    again = load_corpus(tmp_path, known=known)
    by_source = {d.source: d for d in again.documents}
    assert by_source["good.md"] is known["good.md"]
    assert by_source["other.md"] is not known["other.md"] and "sign out" in by_source["other.md"].text
    assert _fingerprint(again.files) == corpus_fingerprint(tmp_path) != _fingerprint(first.files)
    assert again.problems == first.problems and len(again.problems) == 2
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nNot a policy of this folder.\n", encoding="utf-8")
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)  # a folder leading out is not walked
    assert not any("secret" in d.source or "Not a policy" in d.text for d in load_corpus(tmp_path).documents)
    (tmp_path / "linked").unlink()
    stale = {"good.md": known["good.md"].model_copy(update={"digest": "0" * 64})}  # a digest that no longer holds
    assert load_corpus(tmp_path, known=stale).documents[0] is not stale["good.md"]


def test_single_bad_document_raises_document_error(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"\x00\x00\x00")
    with pytest.raises(DocumentError, match="blob.txt"):
        load_document(path)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "no-such-folder")


def test_corpus_path_that_is_a_file(tmp_path):
    (tmp_path / "file.md").write_text("x", encoding="utf-8")
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "file.md")


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize("text, expected", [
    ("2024-06", date(2024, 6, 1)),
    ("2024-06-30", date(2024, 6, 30)),
    ("June 2024", date(2024, 6, 1)),
    ("june 2024", date(2024, 6, 1)),
    ("Jun 2024", date(2024, 6, 1)),
    ("Sept. 2024", date(2024, 9, 1)),
    ("30 June 2024", date(2024, 6, 30)),
    ("1st March 2025", date(2025, 3, 1)),
    ("30/06/2024", date(2024, 6, 30)),
    ("30.06.24", date(2024, 6, 30)),
    ("  June, 2024 ", date(2024, 6, 1)),
])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "2024-13", "31/02/2024", "Juneteenth 2024", "Mar 24"])
def test_parse_month_rejects(text):
    assert parse_month(text) is None


def test_a_pdf_titled_by_a_symbol_or_a_generic_heading_takes_its_file_name(tmp_path):
    """A checklist's first large line is a tick box ("□"), a guide's first heading is "Introduction" or "Our
    Policy": none is a title. The file name names the document; its version and date are not the title."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    def publish(name: str, first: str) -> Path:
        pdf = canvas.Canvas(str(tmp_path / name), pagesize=A4)
        pdf.setFont("Helvetica", 22)
        pdf.drawString(72, 790, "□")
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(72, 760, first)
        pdf.setFont("Helvetica", 11)
        for n, line in enumerate(["Managers should consider lighter duties where a doctor advises them.",
                                  "Adjustments are agreed with the employee and confirmed in writing."]):
            pdf.drawString(72, 735 - 14 * n, line)
        pdf.showPage()
        pdf.save()
        return tmp_path / name

    guide = load_document(publish("Managers_Guide_Reasonable_Adjustments_V3.0_Feb_2025_(002).pdf", "Introduction"))
    assert guide.title == "Managers Guide Reasonable Adjustments"
    headings = [line.lstrip("# ") for line in guide.text.splitlines() if line.startswith("#")]
    assert headings == ["Introduction"]  # the box (read "■") heads nothing
    ours = load_document(publish("Managers_Guide_to_Stress_V2.0_February_2019.pdf", "Our Policy"))
    assert ours.title == "Managers Guide To Stress"
    named = load_document(publish("Lone Working Policy.pdf", "Lone Working Policy"))
    assert named.title == "Lone Working Policy"


@pytest.mark.parametrize("name, title", [
    ("Lone_Working_Policy_V2.0_Sep_25.txt", "Lone Working Policy"),
    ("MPWEC Lone Working Policy Sep25.txt", "MPWEC Lone Working Policy"),
    ("MPWEC Data Protection Policy Sep 2025.txt", "MPWEC Data Protection Policy"),
    ("SUPPORTING_ATTENDANCE_POLICY_V2.0_FEB2025.txt", "SUPPORTING ATTENDANCE POLICY"),
    ("Helping people with their money policy 1.0 (1).txt", "Helping People With Their Money Policy"),
    ("Working Groups and Guilds 101.txt", "Working Groups And Guilds 101"),  # a number that is the title's
])
def test_a_file_name_titles_without_its_version_and_date(tmp_path, name, title):
    (tmp_path / name).write_text("Staff who work alone must tell a colleague where they are going and when they will be back.\n")
    assert load_document(tmp_path / name).title == title


def test_a_one_page_pdf_marked_at_its_top_and_foot_drops_the_marking(tmp_path):
    """A one-page checklist printed "OFFICIAL" at its top and foot: with no other page to show it as furniture,
    the same short line in capitals at both ends of the page is the marking. A form's "Signature:" standing at
    both ends is the form's."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "checklist.pdf"), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 12)
    pdf.drawString(260, 815, "OFFICIAL")
    pdf.drawString(260, 40, "OFFICIAL")
    pdf.setFont("Helvetica", 11)
    lines = ["Signature:", "Return to work discussion checklist", "Welcome the employee back on their first day.",
             "Confirm they are fit to be back at work.", "Agree any support they need.", "Signature:"]
    for n, line in enumerate(lines):
        pdf.drawString(72, 790 - 20 * n if n < 5 else 60, line)
    pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "checklist.pdf")
    assert "OFFICIAL" not in doc.text
    assert doc.text.count("Signature:") == 2 and "Welcome the employee back" in doc.text


def test_a_policy_named_only_in_its_running_header_takes_that_name(tmp_path):
    """Word repeats a header on every page ("Staff Training and Development Policy", "ZSL-POL-18 Revision-01"),
    dropped as furniture; when the body's first heading is a numbered section, the header's name is the title."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "ZSL-POL-18-Training.pdf"), pagesize=A4)
    for page in range(3):
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(72, 790, "Staff Training and Development Policy")
        pdf.setFont("Helvetica", 10)
        pdf.drawString(72, 774, "ZSL-POL-18          Revision-01          Date 01-03-2026")
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(72, 730, f"{page + 1}.  Section {page + 1}")
        pdf.setFont("Helvetica", 11)
        for n, words in enumerate(("Operatives complete statutory training before the licence.",
                                   "Refresher courses run every spring.", "Managers keep a record of every course.",
                                   "Ask your supervisor about first aid.", "Training costs are met by the company.",
                                   "Certificates are copied to your file.")):
            pdf.drawString(72, 700 - 16 * n, f"{words} (Part {'ABC'[page]}, point {n}.)" if n else
                           f"{['Operatives', 'Supervisors', 'Directors'][page]} complete the {page}-{n} course.")
        pdf.showPage()
    pdf.save()
    doc = load_document(tmp_path / "ZSL-POL-18-Training.pdf", "ZSL-POL-18-Training.pdf")
    assert doc.title == "Staff Training and Development Policy"
    assert doc.text.count("Staff Training and Development Policy") == 1  # once, as the title: still no furniture
    clauses = chunk_document(doc)
    assert next(c for c in clauses if "Operatives complete" in c.text).section == ("1. Section 1",)
    assert not any("Revision-01" in c.text for c in clauses)


def test_a_headings_permanent_link_is_no_part_of_it(tmp_path):
    # MkDocs and Sphinx end every heading with a link to itself, shown as "¶"
    (tmp_path / "tips.html").write_text(
        '<html><body><main><h1 id="tip-policy">Tip Policy<a class="headerlink" href="#tip-policy" '
        'title="Permanent link">&para;</a></h1><h2 id="cash">Cash Tips<a href="#cash">#</a></h2>'
        '<p>Cash tips are yours. See <a href="#cash">the cash rules</a> above.</p></main></body></html>',
        encoding="utf-8")
    doc = load_document(tmp_path / "tips.html")
    assert doc.title == "Tip Policy"
    assert "¶" not in doc.text and "## Cash Tips\n" in doc.text
    assert "See the cash rules above." in doc.text  # a link with words of its own stays
    assert chunk_document(doc)[0].section == ("Cash Tips",)


@pytest.mark.parametrize("heading", [
    # Quarto, pandoc's bookdown, Sphinx: the number the site generator puts before each heading
    '<span class="chapter-number">7</span>&nbsp; <span class="chapter-title">Code of Conduct</span>',
    '<span class="header-section-number">Section 7</span> Code of Conduct',
    '<span class="section-number">7. </span>Code of Conduct'])
def test_a_site_generators_heading_numbers_are_no_part_of_the_title(tmp_path, heading):
    (tmp_path / "conduct.html").write_text(
        f'<html><body><main><h1>{heading}</h1><h2><span class="header-section-number">7.1</span> Conflict</h2>'
        '<p>Talk to the person first.</p></main></body></html>', encoding="utf-8")
    doc = load_document(tmp_path / "conduct.html")
    assert doc.title == "Code of Conduct"
    assert chunk_document(doc)[0].section == ("Conflict",)


@pytest.mark.parametrize("title, file_name", [("STAFF HANDBOOK", "handbook.docx"),
                                              ("SELF-EMPLOYED MENTOR AGREEMENT", "agreement.docx")])
def test_a_letterhead_over_the_title_is_passed_over(tmp_path, title, file_name):
    """A company's name in bold over its email, telephone and web address, then the document's own name."""
    from docx import Document

    word = Document()
    word.add_paragraph().add_run("CAMS SERVICES LTD").bold = True
    for line in ("admin@camsservices.co.uk", "+44 7939 990587", "www.camsservices.co.uk"):
        word.add_paragraph(line)
    word.add_paragraph().add_run(title).bold = True
    word.add_heading("PURPOSE", level=1)
    word.add_paragraph("This document sets out what mentors can expect.")
    word.save(str(tmp_path / file_name))
    assert load_document(tmp_path / file_name).title == title


def test_a_symbol_fonts_bullet_read_as_a_control_character_marks_a_list_item():
    """Some PDFs' symbol fonts give their bullet glyph as a control character ("\\x01"): it marks an item, as "•" does,
    and never stands in a quote."""
    from assistant.pdf_layout import Line, to_markdown

    lines = [Line("Driving rules", 72, 700, 14, True), Line("Drivers must follow these rules:", 72, 680, 10, False),
             Line("\x01 Never admit to fault at the scene.", 80, 665, 10, False),
             Line("\x01 Keep the log book in the cab.", 80, 650, 10, False)]
    text = to_markdown([lines])
    assert "\x01" not in text
    assert "- Never admit to fault at the scene." in text.split("\n\n")


def test_a_symbol_fonts_glyph_opening_a_line_marks_a_list_item():
    """Word and PowerPoint map a Symbol or Wingdings glyph to U+F020–U+F0FF: one opening a line is the item's bullet
    ("\uf0b4 Consultants wear black scrubs"), whichever glyph the slide's designer chose."""
    from assistant.pdf_layout import Line, to_markdown

    lines = [Line("Dress code", 72, 700, 14, True), Line("In the department:", 72, 680, 10, False),
             Line("\uf0b4 Consultants wear black scrubs.", 80, 665, 10, False),
             Line("\uf06e Medical students wear teal scrubs.", 80, 650, 10, False)]
    blocks = to_markdown([lines]).split("\n\n")
    assert "- Consultants wear black scrubs." in blocks and "- Medical students wear teal scrubs." in blocks


def test_a_web_pages_nested_list_reads_item_by_item(tmp_path):
    """A list inside a list item ("Move the following …:" over its things) is read as items under it, each on its own,
    not run into the item's sentence ("…changing mat: the child's nappies the child's wipes a nappy bag.")."""
    page = ("<html><body><h1>Toileting</h1><ol><li><p>Put on fresh gloves.</p></li>"
            "<li><p>Move the following to the changing mat:</p><ul><li>the child's nappies</li>"
            "<li>the child's wipes<ul><li>unscented only</li></ul></li></ul></li>"
            "<li>If the clothes are wet:<ul><li>bag them</li></ul>Otherwise, re-dress the child.</li>"
            "<li>Wash your hands.</li></ol></body></html>")
    (tmp_path / "toileting.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "toileting.html")
    clauses = {c.text: c.context for c in chunk_document(doc)}
    assert clauses["the child's nappies"] == "Move the following to the changing mat:"
    assert "the child's wipes" in clauses and "unscented only" in clauses and "Wash your hands." in clauses
    assert not [t for t in clauses if "nappies" in t and "wipes" in t]
    # the item's words after its nested list go on after that list, in the order written
    assert doc.text.index("If the clothes are wet:") < doc.text.index("bag them") < doc.text.index("Otherwise, re-dress")
    assert clauses["bag them"] == "If the clothes are wet:"


def test_a_web_page_laid_out_in_tables_is_read_as_its_paragraphs(tmp_path):
    """An old site lays its page out in tables: a menu of links in one cell, the rules in another, inside a <font>.
    The rules are read paragraph by paragraph under their title; the menu is no clause. Before, the whole page was one
    table row too long to quote, and the document had no clause at all."""
    rules = "".join(f"<p>{n}. " + "Members must book the clubhouse at least two weeks ahead of the party. " * 3 + "</p>"
                    for n in range(1, 6))
    page = ("<html><head><title>Swim Association</title></head><body><table><tr><td><table>"
            "<tr><td><a href='index.htm'>Home</a></td></tr><tr><td><a href='rules.htm'>Clubhouse Rules</a></td></tr>"
            "<tr><td><a href='contact.htm'>Contact Us</a></td></tr></table></td>"
            "<td><table><tr><td><font color='#FFFFFF'><div align='center'><strong>Clubhouse Rules</strong></div>"
            f"{rules}<p>6. No pets are allowed inside the Clubhouse or Pool.</p></font></td></tr></table></td></tr>"
            "</table></body></html>")
    (tmp_path / "clubhouse.htm").write_text(page, encoding="utf-8")
    clauses = chunk_document(load_document(tmp_path / "clubhouse.htm"))
    pets = [c for c in clauses if c.text == "No pets are allowed inside the Clubhouse or Pool."]
    assert len(pets) == 1 and pets[0].section == ("Clubhouse Rules",)
    assert not [c for c in clauses if "Contact Us" in c.text or "Home" in c.text]
    assert len([c for c in clauses if c.text.startswith("Members must book")]) >= 5


def test_a_table_of_data_in_a_web_page_stays_a_table(tmp_path):
    page = ("<html><body><h1>Pool hours</h1><table><tr><th>Day</th><th>Opens</th><th>Notes</th></tr>"
            "<tr><td>Monday</td><td>9am</td><td><p>Lap swimming only.</p><p>No lessons.</p></td></tr>"
            "<tr><td>Saturday</td><td>10am</td><td>Family swim.</td></tr></table></body></html>")
    (tmp_path / "hours.html").write_text(page, encoding="utf-8")
    clauses = chunk_document(load_document(tmp_path / "hours.html"))
    rows = {c.text: c.context for c in clauses}
    assert rows == {"| Monday | 9am | Lap swimming only. No lessons. |": "| Day | Opens | Notes |",
                    "| Saturday | 10am | Family swim. |": "| Day | Opens | Notes |"}

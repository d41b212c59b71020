"""A plain-text policy printed as schools publish it: a PDF with a running header, "Page n of m" footers,
justified paragraphs that wrap and run over page breaks, bold headings in a larger size and bulleted lists
(reportlab's layout engine, the way a word processor exports one)."""

from __future__ import annotations

import html
import re
from pathlib import Path


def blocks_of(text: str) -> list[tuple[str, str]]:
    """("heading" | "item" | "paragraph", text) for each block of a plain-text policy (blank-line separated;
    a short line standing alone is a heading, a line opening with "- " an item); emphasis marks dropped."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        for line in [block] if not block.lstrip().startswith("- ") else block.splitlines():
            words = " ".join(re.sub(r"\*+", "", line).split())
            if not words:
                continue
            if words.startswith("- "):
                out.append(("item", words[2:]))
            elif "\n" not in block.strip() and len(words.split()) <= 10 and not re.search(r"[.:;,]$", words):
                out.append(("heading", words))
            else:
                out.append(("paragraph", words))
    return out


def publish_pdf(blocks: list[tuple[str, str]], path: Path, header: str, small_pages: bool = False) -> None:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4, A6
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    size = A6 if small_pages else A4
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, alignment=TA_JUSTIFY, spaceAfter=8)
    item = ParagraphStyle("item", parent=body, leftIndent=14, bulletIndent=4, spaceAfter=3)
    heading = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=6,
                             spaceAfter=6)
    story = []
    for kind, text in blocks:
        escaped = html.escape(text, quote=False)
        if kind == "heading":
            story.append(Paragraph(escaped, heading))
        elif kind == "item":
            story.append(Paragraph(escaped, item, bulletText="\u2022"))
        else:
            story.append(Paragraph(escaped, body))

    class Furnished(canvas.Canvas):
        """Draws each page's header and "Page n of m" footer once the number of pages is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pages: list[dict] = []

        def showPage(self):
            self.pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for number, state in enumerate(self.pages, 1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 7)
                self.drawString(20, size[1] - 16, header)
                self.drawRightString(size[0] - 20, 12, f"Page {number} of {len(self.pages)}")
                super().showPage()
            super().save()

    margin = 24 if small_pages else 72
    SimpleDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                      bottomMargin=margin).build(story, canvasmaker=Furnished)


def publish_cover_sheet(path: Path, rows: list[list[str]], body: str) -> None:
    """A school policy's first page as Word users lay it out: the title, a bordered table of who wrote and
    reviewed it and when, then the policy."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    SimpleDocTemplate(str(path), pagesize=A4).build([
        Paragraph("SAFEGUARDING POLICY", styles["Title"]),
        Table(rows, style=[("GRID", (0, 0), (-1, -1), 0.5, "black")]), Spacer(1, 12),
        Paragraph(body, styles["BodyText"])])

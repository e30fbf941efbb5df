"""A :class:`~reports.document.Report` as a Word document (.docx), the format offices file and forward.

Step in the flow: ``reports.commands`` writes ``render(report)`` next to the HTML, and ``reports.send``
attaches it. Layout follows the usual 公文 look: title in 黑体 (小二), body in 仿宋_GB2312 (四号 for
text, 五号 in tables), headings in 黑体; the East Asian font is set through ``w:eastAsia`` so Word uses
it for Chinese characters (python-docx only sets the Latin font). Charts are embedded as PNG pictures.
Links keep their address in brackets after the text, since a printed page cannot be clicked.
Text reaches python-docx only through :func:`render`, which first makes the whole model XML-safe.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.document import Bullets, Figure, Paragraph, Report, Table, Text, xml_safe_report

if TYPE_CHECKING:
    from docx.document import Document
    from docx.styles.style import BaseStyle
    from docx.text.paragraph import Paragraph as DocxParagraph

logger = logging.getLogger(__name__)

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
TONE_COLORS = {
    "alert": RGBColor(0xB7, 0x1C, 0x1C),
    "good": RGBColor(0x1B, 0x5E, 0x20),
    "note": RGBColor(0x61, 0x61, 0x61),
}


def render(report: Report) -> bytes:
    """The .docx bytes of ``report``; every string is first made XML-safe (``reports.document.xml_safe``)."""
    report = xml_safe_report(report)
    document = new_document()
    _styles(document)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.2), Cm(2.8)
    title = document.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(report.title)
    subtitle = document.add_paragraph(report.subtitle)
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in report.summary:
        _runs(document.add_paragraph(), line)
    for part in report.sections:
        document.add_heading(part.heading, level=1)
        for block in part.blocks:
            _block(document, block)
    if report.footer:
        _tone(document.add_paragraph(report.footer), "note")
    document.core_properties.title = report.title
    document.core_properties.author = "住建舆情监测"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _block(document: Document, block: Paragraph | Bullets | Table | Figure) -> None:
    if isinstance(block, Paragraph):
        _tone(_runs(document.add_paragraph(), block.content), block.tone)
    elif isinstance(block, Bullets):
        for item in block.items:
            _runs(document.add_paragraph(style="List Bullet"), item)
    elif isinstance(block, Table):
        _table(document, block)
    else:
        document.add_picture(io.BytesIO(block.png), width=Cm(15.8))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption = document.add_paragraph(block.caption, style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(document: Document, block: Table) -> None:
    if block.caption:
        document.add_paragraph(block.caption, style="Caption")
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(heading)
        run.bold = True
        _east_asian(run, HEADING_FONT)
    for row in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _runs(cell.paragraphs[0], value)
    if block.widths:
        total = sum(block.widths)
        for column, weight in zip(table.columns, block.widths, strict=True):
            for cell in column.cells:
                cell.width = Cm(15.8 * weight / total)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10.5)


def _runs(paragraph: DocxParagraph, content: Text) -> DocxParagraph:
    for piece in content:
        run = paragraph.add_run(piece.text)
        run.bold = piece.bold or None
        if piece.url:
            run.font.color.rgb = RGBColor(0x15, 0x65, 0xC0)
            note = paragraph.add_run(f"（{piece.url}）")
            note.font.size = Pt(8)
            note.font.color.rgb = RGBColor(0x61, 0x61, 0x61)
    return paragraph


def _tone(paragraph: DocxParagraph, tone: str) -> None:
    color = TONE_COLORS.get(tone)
    if color is None:
        return
    for run in paragraph.runs:
        if run.font.color.rgb is None:
            run.font.color.rgb = color
        if tone == "note":
            run.font.size = Pt(10.5)


def _styles(document: Document) -> None:
    normal = document.styles["Normal"]
    _font(normal, BODY_FONT, Pt(14))
    normal.paragraph_format.line_spacing = 1.3
    _font(document.styles["Title"], HEADING_FONT, Pt(18), color=RGBColor(0, 0, 0))
    _font(document.styles["Heading 1"], HEADING_FONT, Pt(16), color=RGBColor(0, 0, 0))
    _font(document.styles["Caption"], BODY_FONT, Pt(10.5), color=RGBColor(0x42, 0x42, 0x42))
    _font(document.styles["List Bullet"], BODY_FONT, Pt(14))


def _font(style: BaseStyle, east_asian: str, size: Pt, *, color: RGBColor | None = None) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    font.size = size
    if color is not None:
        font.color.rgb = color
    r_pr = style.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme), None)


def _east_asian(run: object, name: str) -> None:
    r_pr = run._element.get_or_add_rPr()  # type: ignore[attr-defined]
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), name)

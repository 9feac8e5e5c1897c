"""A .docx laid out like a Vietnamese administrative document (thể thức văn bản hành chính,
Nghị định 30/2020/NĐ-CP): issuing body and number on the left, the national motto on the right,
place and date, title, body, "Nơi nhận" and the signature block. Times New Roman, A4."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from messages import label

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 11
_WARD_PREFIXES = ("phường ", "xã ", "thị trấn ", "đặc khu ")


def place_name(ward_name: str) -> str:
    """ "Phường Thành Đông" → "Thành Đông", the place written before the date."""
    lowered = ward_name.lower()
    for prefix in _WARD_PREFIXES:
        if lowered.startswith(prefix):
            return ward_name[len(prefix) :].strip()
    return ward_name.strip()


def in_sentence(ward_name: str) -> str:
    """ "Phường Thành Đông" → "phường Thành Đông", as written inside a sentence."""
    return ward_name[:1].lower() + ward_name[1:]


def issuing_body(ward_name: str) -> str:
    """ "UBND PHƯỜNG THÀNH ĐÔNG": the People's Committee of the ward, upper-cased."""
    return label("documents.issuer", ward=ward_name.upper())


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True


@dataclass(frozen=True, slots=True)
class Heading:
    """A numbered section heading inside the body (I., II., 1., …), bold."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths_cm: Sequence[float] = ()


Block = Paragraph | Heading | Table


@dataclass(slots=True)
class AdminDocument:
    """One administrative document. ``symbol`` is the part after the number, e.g. "BC-UBND"."""

    issuer: str
    symbol: str
    place: str
    day: date
    kind_title: str
    subject: str = ""
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer_caption: str = ""
    signer_title: str = ""
    signer_name: str = ""
    landscape: bool = False

    def add(self, *blocks: Block) -> AdminDocument:
        self.blocks.extend(blocks)
        return self


def _font(run, size: float, *, bold: bool = False, italic: bool = False, under: bool = False):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.underline = under
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _line(
    container: DocxDocument | _Cell,
    text: str,
    size: float = BODY_PT,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    bold: bool = False,
    italic: bool = False,
    under: bool = False,
    first: bool = False,
    indent: float | None = None,
    after: float = 0,
) -> None:
    para = container.paragraphs[0] if first else container.add_paragraph()
    para.alignment = align
    fmt = para.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    if indent is not None:
        fmt.first_line_indent = Cm(indent)
    _font(para.add_run(text), size, bold=bold, italic=italic, under=under)


def _no_borders(table) -> None:
    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    props.append(borders)


def _widths(table, widths: Sequence[float]) -> None:
    """Both the grid and each cell: LibreOffice reads the grid, Word the cells."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=False):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def _header(doc: DocxDocument, spec: AdminDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (8.5, 16.2) if spec.landscape else (6.3, 10.0))
    left, right = table.rows[0].cells
    _line(left, spec.issuer, 12, bold=True, first=True)
    _line(left, "―――――", 8)
    _line(left, label("documents.number", symbol=spec.symbol), 13)
    _line(right, label("documents.nation"), 12, bold=True, first=True)
    _line(right, label("documents.motto"), 13, bold=True, under=True)
    _line(right, "", 6)
    when = label(
        "documents.place_date",
        place=spec.place,
        day=f"{spec.day.day:02d}",
        month=f"{spec.day.month:02d}",
        year=spec.day.year,
    )
    _line(right, when, 13, italic=True)


def _table(doc: DocxDocument, spec: Table) -> None:
    table = doc.add_table(rows=1, cols=len(spec.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, spec.headers, strict=True):
        _line(cell, text, TABLE_PT, bold=True, first=True)
    for values in spec.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _line(cell, text, TABLE_PT, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    if spec.widths_cm:
        _widths(table, spec.widths_cm)
    # Repeat the header row on every page of a long table.
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(marker)


def _closing(doc: DocxDocument, spec: AdminDocument) -> None:
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (12.3, 12.4) if spec.landscape else (8.0, 8.0))
    left, right = table.rows[0].cells
    _line(
        left,
        label("documents.recipients"),
        12,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        bold=True,
        italic=True,
        first=True,
    )
    for recipient in spec.recipients:
        _line(left, f"- {recipient}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(right, spec.signer_caption, 13, bold=True, first=True)
    _line(right, spec.signer_title, 13, bold=True)
    for _ in range(4):
        _line(right, "", 13)
    _line(right, spec.signer_name, 13, bold=True)


def docx_bytes(spec: AdminDocument) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if spec.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _header(doc, spec)
    _line(doc, "", 8)
    _line(doc, spec.kind_title.upper(), 14, bold=True)
    if spec.subject:
        _line(doc, spec.subject, 14, bold=True)
    _line(doc, "―――――――", 8, after=6)
    for block in spec.blocks:
        match block:
            case Heading(text):
                _line(doc, text, BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, bold=True, after=3)
            case Paragraph(text, bold, italic, indent):
                for piece in text.split("\n"):
                    _line(
                        doc,
                        piece,
                        BODY_PT,
                        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                        bold=bold,
                        italic=italic,
                        indent=1.0 if indent else None,
                        after=3,
                    )
            case Table():
                _table(doc, block)
                _line(doc, "", 6)
    _closing(doc, spec)
    doc.core_properties.title = f"{spec.kind_title} {spec.subject}".strip()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

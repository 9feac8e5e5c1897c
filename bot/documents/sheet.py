"""Tables as .xlsx (openpyxl): bold wrapped headers, set column widths, the header row frozen
and filterable, so a secretary can sort and print them as they are."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

Cell = str | int | float | None
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(slots=True)
class Sheet:
    """One worksheet: ``title`` (≤ 31 characters), header row, rows, widths in characters."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)
    widths: Sequence[float] = ()


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        sheet.append(list(spec.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for row in spec.rows:
            sheet.append(list(row))
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        if spec.headers:
            last = get_column_letter(len(spec.headers))
            sheet.auto_filter.ref = f"A1:{last}{max(1, len(spec.rows) + 1)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Documents in the forms Vietnamese offices use: .docx administrative documents (văn bản hành
chính), .xlsx tables and chart images. Pure builders: values in, bytes out; no database."""

from bot.documents.chart import bar_chart_png
from bot.documents.sheet import Sheet, xlsx_bytes
from bot.documents.word import (
    AdminDocument,
    Heading,
    Paragraph,
    Table,
    docx_bytes,
    in_sentence,
    issuing_body,
    place_name,
)

__all__ = [
    "AdminDocument",
    "Heading",
    "Paragraph",
    "Sheet",
    "Table",
    "bar_chart_png",
    "docx_bytes",
    "in_sentence",
    "issuing_body",
    "place_name",
    "xlsx_bytes",
]

"""CSV, XLSX and PDF writers for the reports (app/core/exports.py does not exist yet).

- CSV: `;` separated, UTF-8 with a BOM, decimal comma: what French Excel opens as numbers.
  Text cells starting with = + - @ are prefixed with ' so no spreadsheet runs them as formulas.
- XLSX: XlsxWriter with strings_to_formulas off, one sheet per section, bold header row,
  numbers written as numbers.
- PDF: WeasyPrint, A4, from an HTML string (the page's template, with its inline SVG charts).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MIME = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(value).replace(".", ",")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in name)[:31] or "Feuille"
    candidate, n = cleaned, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """One worksheet per (name, header, rows); None cells stay empty."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
    used: set[str] = set()
    for name, header, rows in sheets:
        sheet = workbook.add_worksheet(_sheet_name(name, used))
        widths = [len(h) for h in header]
        for col, title in enumerate(header):
            sheet.write_string(0, col, title, bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, col, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, str(value))
                if col < len(widths):
                    widths[col] = max(widths[col], min(len(str(value)), 60))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width + 2)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


PDF_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: sans-serif; font-size: 10pt; color: #1b1b1b; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 14pt; } h3 { font-size: 11pt; }
table { border-collapse: collapse; margin: 4pt 0 8pt; }
caption { text-align: left; font-style: italic; padding-bottom: 2pt; }
th, td { border: 0.5pt solid #999; padding: 2pt 5pt; text-align: left; }
td.num { text-align: right; }
.report-section { break-inside: auto; }
.report-chart { break-inside: avoid; }
figure { margin: 0; }
.pdf-footer { margin-top: 16pt; font-size: 8pt; color: #555; }
"""


def pdf_bytes(html: str) -> bytes:
    """An A4 PDF of `html` (no external resources: charts are inline SVG)."""
    from weasyprint import CSS, HTML

    return HTML(string=html).write_pdf(stylesheets=[CSS(string=PDF_CSS)])


def download(content: bytes | str, filename: str, fmt: str) -> Response:
    response = Response(content, mimetype=MIME[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Report downloads: PDF (WeasyPrint, A4) and the download response.

CSV and XLSX are written by the shared helpers of app/core/exports.py (`;`, BOM, decimal
comma, formula neutralising; XlsxWriter with strings_to_formulas off, bold headers, numbers
as numbers).
"""

import logging

from flask import Response

from app.core.exports import CSV_MIMETYPE, XLSX_MIMETYPE
from app.core.exports import csv_bytes as csv_bytes  # re-exported: formats.py writes through these
from app.core.exports import xlsx_bytes as xlsx_bytes

# WeasyPrint logs each layout step at INFO: keep stderr of `flask report` for real messages.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)

MIME = {
    "json": "application/json",
    "csv": CSV_MIMETYPE,
    "xlsx": XLSX_MIMETYPE,
    "pdf": "application/pdf",
}

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

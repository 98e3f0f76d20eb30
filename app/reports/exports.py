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
    "csv_fr": CSV_MIMETYPE,
    "xlsx": XLSX_MIMETYPE,
    "pdf": "application/pdf",
}

PDF_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: sans-serif; font-size: 10pt; color: #1b1b1b; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 14pt; } h3 { font-size: 11pt; }
h1, h2, h3, caption { break-after: avoid; }
table { border-collapse: collapse; margin: 4pt 0 8pt; break-inside: avoid; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
caption { text-align: left; font-style: italic; padding-bottom: 2pt; }
th, td { border: 0.5pt solid #999; padding: 2pt 5pt; text-align: left; }
td.num { text-align: right; }
.report-section { break-inside: auto; }
.report-figures, .report-chart, figure { break-inside: avoid; }
figure { margin: 0; }
svg.chart { max-width: 100%; height: auto; }
.report-note { font-style: italic; }
.pdf-footer { margin-top: 16pt; font-size: 8pt; color: #555; }
"""

# Wide tables (one column per figure, as in the regional report) need the page turned.
LANDSCAPE_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm; }
.report-table { width: 100%; table-layout: fixed; font-size: 8.5pt; }
.report-table th, .report-table td { padding: 2pt 3pt; overflow-wrap: break-word; hyphens: auto; }
.report-table thead th { vertical-align: bottom; }
"""


def pdf_bytes(html: str, *, landscape: bool = False) -> bytes:
    """An A4 PDF of `html` (no external resources: charts are inline SVG)."""
    from weasyprint import CSS, HTML

    sheets = [CSS(string=PDF_CSS)]
    if landscape:
        sheets.append(CSS(string=LANDSCAPE_CSS))
    return HTML(string=html).write_pdf(stylesheets=sheets)


def download(content: bytes | str, filename: str, fmt: str) -> Response:
    response = Response(content, content_type=MIME[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

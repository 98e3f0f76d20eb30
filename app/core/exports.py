"""CSV and XLSX downloads shared by every list and report.

CSV is written for French Excel: `;` delimiter, UTF-8 with a BOM, dates as JJ/MM/AAAA,
decimal commas. A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
gets a leading apostrophe, so a spreadsheet never runs it as a formula (CSV injection).
XLSX is written with XlsxWriter, which never turns strings into formulas or links here;
numbers stay numbers and dates stay dates.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from flask import Response, send_file

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# A sheet for xlsx: (title, header, rows).
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


class Percent(float):
    """A share (0.571) that spreadsheets show as a percentage (57,1 %) and keep as a number."""


class MonthDate(date):
    """A date standing for its whole month: written as a date, shown as « octobre 2026 »."""


def _local_naive(value: datetime) -> datetime:
    """An aware datetime shown in the pole's time zone, without tzinfo (spreadsheets have none)."""
    if value.tzinfo is None:
        return value
    from flask import has_request_context

    if has_request_context():
        from app.core.formatting import pole_zone

        zone = pole_zone()
    else:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo("Europe/Paris")
    return value.astimezone(zone).replace(tzinfo=None)


def neutralise(text: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_cell(value: Any) -> str:
    """One value as CSV text for French Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return _local_naive(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole CSV file (UTF-8 with BOM, `;`, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download named `filename`."""
    return send_file(
        io.BytesIO(csv_bytes(header, rows)),
        mimetype=CSV_MIMETYPE,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip("'").strip()[:31] or "Feuille"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An XLSX workbook, one sheet per (title, header, rows), with a bold header row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    month_format = workbook.add_format({"num_format": "mmmm yyyy", "align": "left"})
    percent_format = workbook.add_format({"num_format": "0.0%"})
    datetime_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    used: set[str] = set()
    for title, header, rows in sheets:
        sheet = workbook.add_worksheet(_sheet_title(title, used))
        widths = [len(str(h)) for h in header]
        for col, name in enumerate(header):
            sheet.write_string(0, col, str(name), bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    text = "oui" if value else "non"
                    sheet.write_string(r, col, text)
                elif isinstance(value, Percent):
                    sheet.write_number(r, col, float(value), percent_format)
                    text = "100,0 %"
                elif isinstance(value, int | float | Decimal):
                    sheet.write_number(r, col, float(value) if isinstance(value, Decimal) else value)
                    text = str(value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, col, _local_naive(value), datetime_format)
                    text = "00/00/0000 00:00"
                elif isinstance(value, date):
                    month = isinstance(value, MonthDate)
                    sheet.write_datetime(
                        r,
                        col,
                        datetime(value.year, value.month, value.day),
                        month_format if month else date_format,
                    )
                    text = "septembre 0000" if month else "00/00/0000"
                else:
                    text = str(value)
                    sheet.write_string(r, col, text)
                if col < len(widths):
                    widths[col] = max(widths[col], min(len(text), 60))
                else:
                    widths.append(min(len(text), 60))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width + 2)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> Response:
    """An XLSX download named `filename`; `sheets` is an iterable of (title, header, rows)."""
    return send_file(
        io.BytesIO(xlsx_bytes(sheets)),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )

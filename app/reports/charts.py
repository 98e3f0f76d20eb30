"""Server-rendered SVG charts: they work without JavaScript, under the CSP and in PDFs.

Only SVG presentation attributes are used (no `style`), and every chart is an image with a
`<title>`; the page shows the same figures in a data table beside it. Labels are never cut:
the label column is as wide as the longest line, and a long label wraps onto several lines.
"""

import textwrap

from markupsafe import Markup, escape

BAR_COLOUR = "#1f5f8b"
TEXT_COLOUR = "#1b1b1b"
FONT_SIZE = 12
# A generous average advance of a 12 px sans-serif glyph (accented capitals included), so the
# widest line fits its column in every renderer (browsers, WeasyPrint).
CHAR_WIDTH = 7.2
LINE_HEIGHT = 15
MIN_LABEL_WIDTH = 60
MAX_LINE_CHARS = 32
BAR_WIDTH = 250
VALUE_WIDTH = 60
ROW_HEIGHT = 24
PADDING = 6


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").replace(".", ",")
    return str(int(value))


def wrap_label(label: str) -> list[str]:
    """A label as lines of at most MAX_LINE_CHARS characters (words kept whole when they fit)."""
    return textwrap.wrap(label, MAX_LINE_CHARS, break_long_words=True, break_on_hyphens=True) or [""]


def label_width(lines: list[list[str]]) -> int:
    """The label column's width: the longest line plus padding."""
    longest = max((len(line) for label in lines for line in label), default=0)
    return max(MIN_LABEL_WIDTH, round(longest * CHAR_WIDTH) + 2 * PADDING)


def hbar_chart(chart_id: str, title: str, items: list[tuple[str, float | int]]) -> Markup:
    """A horizontal bar chart of `items` [(label, value)], labelled by `title`."""
    title_id = f"{chart_id}-title"
    rows = [(wrap_label(str(label)), value or 0) for label, value in items]
    label_col = label_width([lines for lines, _ in rows])
    width = label_col + BAR_WIDTH + VALUE_WIDTH
    heights = [max(ROW_HEIGHT, len(lines) * LINE_HEIGHT + 9) for lines, _ in rows]
    height = (sum(heights) if rows else ROW_HEIGHT) + 8
    peak = max((value for _, value in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if not rows:
        parts.append(f'<text x="4" y="18" fill="{TEXT_COLOUR}">Aucune donnée</text>')
    y = 4
    for (lines, value), row_height in zip(rows, heights, strict=True):
        bar = round(BAR_WIDTH * value / peak, 1) if value > 0 else 0
        middle = y + row_height / 2
        first_baseline = round(middle - (len(lines) - 1) * LINE_HEIGHT / 2 + 4, 1)
        spans = "".join(
            f'<tspan x="{label_col - PADDING}" y="{first_baseline + i * LINE_HEIGHT}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" fill="{TEXT_COLOUR}">{spans}</text>')
        parts.append(
            f'<rect x="{label_col}" y="{round(middle - (ROW_HEIGHT - 8) / 2, 1)}" width="{bar}" '
            f'height="{ROW_HEIGHT - 8}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{label_col + bar + 6}" y="{round(middle + 4, 1)}" fill="{TEXT_COLOUR}">'
            f"{_number(value)}</text>"
        )
        y += row_height
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above

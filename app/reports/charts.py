"""Server-rendered SVG charts: they work without JavaScript, under the CSP and in PDFs.

Only SVG presentation attributes are used (no `style`), and every chart is an image with a
`<title>`; the page shows the same figures in a data table beside it.
"""

from markupsafe import Markup, escape

BAR_COLOUR = "#1f5f8b"
TEXT_COLOUR = "#1b1b1b"
LABEL_WIDTH = 190
BAR_WIDTH = 250
VALUE_WIDTH = 60
ROW_HEIGHT = 24
MAX_LABEL = 30


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").replace(".", ",")
    return str(int(value))


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def hbar_chart(chart_id: str, title: str, items: list[tuple[str, float | int]]) -> Markup:
    """A horizontal bar chart of `items` [(label, value)], labelled by `title`."""
    title_id = f"{chart_id}-title"
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    rows = [(str(label), value or 0) for label, value in items]
    height = max(len(rows), 1) * ROW_HEIGHT + 8
    peak = max((value for _, value in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
    ]
    if not rows:
        parts.append(f'<text x="4" y="18" fill="{TEXT_COLOUR}">Aucune donnée</text>')
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        bar = round(BAR_WIDTH * value / peak, 1) if value > 0 else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{escape(_short(label))}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{bar}" height="{ROW_HEIGHT - 8}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar + 6}" y="{y + 15}" fill="{TEXT_COLOUR}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above

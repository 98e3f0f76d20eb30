import html


def page_text(response) -> str:
    """The response body with HTML entities decoded (apostrophes, guillemets…)."""
    return html.unescape(response.get_data(as_text=True))

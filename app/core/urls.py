"""Absolute URLs for links that leave the app (e-mails, calendar feed addresses, PDFs).

They are always built from the configured `BASE_URL`, never from the request's Host header:
a forged Host must not end up in a password-reset link.
"""

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under BASE_URL (scheme, host, path prefix), in or out of a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )
    return adapter.build(endpoint, values, force_external=True)

"""The one check for `next` targets: only paths of this site are followed (no open redirect)."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/\\t/evil`,
    `/\\n/evil` and `/\\evil` all lead to another host; a control character in a Location header
    is also refused by the server (a 500). Such targets are refused here, along with absolute
    URLs and scheme-relative ones (`//evil`).
    """
    if not target or not isinstance(target, str):
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

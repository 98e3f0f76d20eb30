"""Blocks that one domain contributes to another domain's record page.

The person, collective, structure and dossier pages show what other domains know about
the record (memberships, séances, orientations…) without importing those domains:
each domain registers `register_section("person", "sessions/_person_attendance.html",
context_fn)` at import time, and the page template loops over `page_sections(page, obj)`.
A section whose context function returns None is not shown.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask_login import current_user

from app.core.permissions import STAFF

_SECTIONS: dict[str, list[tuple[int, str, Callable[[Any], dict | None], tuple[str, ...]]]] = defaultdict(
    list
)


def register_section(
    page: str,
    template: str,
    context: Callable[[Any], dict | None],
    *,
    roles: tuple[str, ...] = STAFF,
    order: int = 50,
) -> None:
    entries = _SECTIONS[page]
    if any(t == template for _o, t, _c, _r in entries):
        return  # modules may be imported more than once (tests create several apps)
    entries.append((order, template, context, roles))
    entries.sort(key=lambda e: e[0])


def page_sections(page: str, obj: Any) -> list[tuple[str, dict]]:
    """(template, context) pairs to include on `page` for `obj`, for the current user."""
    shown = []
    for _order, template, context, roles in _SECTIONS.get(page, []):
        if current_user.is_authenticated and current_user.role in roles:
            data = context(obj)
            if data is not None:
                shown.append((template, data))
    return shown

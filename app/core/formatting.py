"""Template filters and globals: French dates, times in the pole's zone, endpoints.

The date and time filters run for every row of long lists (the agenda formats a hundred
séances): they format with strftime and the locale's month names instead of Babel's
format_date/format_datetime (tens of µs a call), with the same output as the Babel patterns
named in their docstrings, in the zone Babel formats in (the pole's for its users)."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, url_for
from flask_babel import format_decimal, get_locale, get_timezone
from flask_login import current_user

from app.core.audit_labels import action_label, field_label, target_label
from app.core.sections import page_sections
from app.core.text import fold


def pole_zone() -> ZoneInfo:
    if current_user and current_user.is_authenticated and current_user.pole is not None:
        return ZoneInfo(current_user.pole.timezone)
    return ZoneInfo("Europe/Paris")


def date_short(value: date | datetime | None) -> str:
    """14/03/2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(pole_zone()).date()
    return value.strftime("%d/%m/%Y")


def date_long(value: date | datetime | None) -> str:
    """14 mars 2026 (for sentences; Babel's "d MMMM y")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(pole_zone()).date()
    return f"{value.day} {get_locale().months['format']['wide'][value.month]} {value.year}"


def local_time(value: datetime) -> datetime:
    """`value` in the zone Babel formats in: the pole's for its users (naive means UTC, as for Babel)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(get_timezone())


def datetime_short(value: datetime | None) -> str:
    """14/03/2026 09:30, in the pole's time zone (Babel's "dd/MM/y HH:mm")."""
    if value is None:
        return ""
    return local_time(value).strftime("%d/%m/%Y %H:%M")


def time_short(value: datetime | None) -> str:
    """09:30, in the pole's time zone (Babel's "HH:mm")."""
    if value is None:
        return ""
    return local_time(value).strftime("%H:%M")


def number(value) -> str:
    if value is None:
        return "—"
    return format_decimal(value)


def elides(word: str | None) -> bool:
    """Whether French « de »/« que » elide before `word`: « d'Awa », « d'Hélène », « d'Yves », but
    « de Yann », « de Bruno ». (A mute h is assumed: first names with an aspirated h are rare.)
    Templates write both messages, so each language translates both:
    `_("Séances d'%(name)s", name=n) if n is elided else _("Séances de %(name)s", name=n)`."""
    folded = fold(word)
    if not folded:
        return False
    if folded[0] in "aeiouh":
        return True
    return folded[0] == "y" and len(folded) > 1 and folded[1] not in "aeiou"


_URL_MARKER = "9081726354"


def url_builder(endpoint: str, arg: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, arg=n, **values)` for many integers n, at the cost of one url_for.

    For pages linking every row of a long list: werkzeug builds a URL in tens of µs."""
    head, marker, tail = url_for(endpoint, **values, **{arg: int(_URL_MARKER)}).partition(_URL_MARKER)
    if not marker or _URL_MARKER in tail:  # pragma: no cover - the marker is not a plausible URL part
        return lambda n: url_for(endpoint, **values, **{arg: n})
    return lambda n: f"{head}{int(n)}{tail}"


def register(app: Flask) -> None:
    from app.core import typography

    typography.register(app)
    app.add_template_filter(date_short, "date")
    app.add_template_filter(date_long, "date_long")
    app.add_template_filter(datetime_short, "datetime")
    app.add_template_filter(number, "number")
    app.add_template_test(elides, "elided")

    app.jinja_env.globals["url_builder"] = url_builder
    app.jinja_env.globals["has_endpoint"] = lambda name: name in current_app.view_functions
    app.jinja_env.globals["app_version"] = app.config["VERSION"]
    app.jinja_env.globals["page_sections"] = page_sections
    app.jinja_env.globals["audit_action_label"] = action_label
    app.jinja_env.globals["audit_target_label"] = target_label
    app.jinja_env.globals["audit_field_label"] = field_label

"""Template filters and globals: French dates, times in the pole's zone, endpoints."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user

from app.core.sections import page_sections


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
    """14 mars 2026 (for sentences)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(pole_zone()).date()
    return format_date(value, "d MMMM y")


def datetime_short(value: datetime | None) -> str:
    """14/03/2026 09:30, in the pole's time zone."""
    if value is None:
        return ""
    return format_datetime(value, "dd/MM/y HH:mm")


def number(value) -> str:
    if value is None:
        return "—"
    return format_decimal(value)


def register(app: Flask) -> None:
    app.add_template_filter(date_short, "date")
    app.add_template_filter(date_long, "date_long")
    app.add_template_filter(datetime_short, "datetime")
    app.add_template_filter(number, "number")

    app.jinja_env.globals["has_endpoint"] = lambda name: name in current_app.view_functions
    app.jinja_env.globals["app_version"] = app.config["VERSION"]
    app.jinja_env.globals["page_sections"] = page_sections

"""The pole's local calendar: what "today" and "in the future" mean for its users."""

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from wtforms import DateField as _WTFormsDateField
from wtforms.validators import StopValidation

DEFAULT_ZONE = "Europe/Paris"


def pole_today(pole) -> date:
    """Today's date in the pole's time zone (Europe/Paris without a pole)."""
    return datetime.now(ZoneInfo(pole.timezone if pole is not None else DEFAULT_ZONE)).date()


# --- dates read from a query string or a form ---------------------------------------------------
# Python's dates stop at years 1 and 9999: a day or a month at either end, shifted by a week or
# a month (agenda pages, "the day after" bounds, time zones), overflows and answers a 500. Every
# date a route reads from the query string goes through these parsers, which only accept years
# 1900-2999: far from both ends, and wider than anything a pole records.
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)
_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_day(value: str | None) -> date | None:
    """'2026-10-05' -> that date; None for anything else (malformed, impossible, out of range)."""
    match = _DAY_RE.match((value or "").strip())
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if MIN_DAY <= day <= MAX_DAY else None


def parse_month(value: str | None) -> tuple[int, int] | None:
    """'2026-10' -> (2026, 10); None for anything else (malformed, month 13, out of range)."""
    match = _MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and MIN_DAY.year <= year <= MAX_DAY.year):
        return None
    return year, month


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of the month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def invalid_day_message(value: str | None) -> str:
    return _(
        "Date invalide : « %(value)s ». Indiquez une date entre le %(min)s et le %(max)s, "
        "au format AAAA-MM-JJ.",
        value=_shown(value),
        min=MIN_DAY.strftime("%d/%m/%Y"),
        max=MAX_DAY.strftime("%d/%m/%Y"),
    )


def invalid_month_message(value: str | None) -> str:
    return _(
        "Mois invalide : « %(value)s ». Indiquez un mois entre %(min)d et %(max)d, "
        "au format AAAA-MM (par exemple 2026-03).",
        value=_shown(value),
        min=MIN_DAY.year,
        max=MAX_DAY.year,
    )


def _shown(value: str | None) -> str:
    value = (value or "").strip()
    return value if len(value) <= 20 else value[:20] + "…"


class DateField(_WTFormsDateField):
    """WTForms' DateField, refusing days outside MIN_DAY..MAX_DAY with the French message.

    Every form of the app uses this one: a séance on 31/12/9999 would be saved, then overflow
    (end time, time zones) on every page that shows it.
    """

    def pre_validate(self, form):
        if self.data is not None and not MIN_DAY <= self.data <= MAX_DAY:
            refused, self.data = self.data, None  # a view reading .data despite the error gets nothing
            raise StopValidation(invalid_day_message(refused.isoformat()))  # not « required »

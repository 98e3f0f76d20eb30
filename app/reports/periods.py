"""Report periods: months and date ranges, with their bounds in a pole's time zone."""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.core import dates

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ReportError(ValueError):
    """Bad report parameters; the message is French and shown to the user as is.

    `field` names the form field at fault ("month", "start", "end", "programme"…), if any.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """Whole days from `first` to `last` included, in the time zone `zone`."""

    first: date
    last: date
    zone: str = "Europe/Paris"

    @property
    def start_utc(self) -> datetime:
        """`first` at 00:00 local time, as an aware UTC datetime."""
        return _local_midnight_utc(self.first, self.zone)

    @property
    def end_utc(self) -> datetime:
        """The day after `last` at 00:00 local time (exclusive bound), as aware UTC."""
        return _local_midnight_utc(self.last + timedelta(days=1), self.zone)


def _local_midnight_utc(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def parse_month(value: str | None) -> tuple[int, int]:
    """'2026-10' -> (2026, 10); a French ReportError otherwise."""
    match = MONTH_RE.match((value or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ReportError(
            _(
                "Mois invalide : « %(value)s ». Format attendu : AAAA-MM (par exemple 2026-10).",
                value=value or "",
            ),
            field="month",
        )
    return int(match.group(1)), int(match.group(2))


def month_period(year: int, month: int, zone: str) -> Period:
    last_day = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last_day), zone)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def local_today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def previous_month_key(zone: str) -> str:
    today = local_today(zone)
    return month_key(*shift_month(today.year, today.month, -1))


def parse_day(value: str | None, label: str, field: str | None = None) -> date:
    """An ISO day within the years dates.parse_day accepts; a French ReportError otherwise."""
    day = dates.parse_day(value)
    if day is None:
        raise ReportError(
            _(
                "%(label)s invalide : « %(value)s ». Format attendu : AAAA-MM-JJ, entre %(min)d et %(max)d.",
                label=label,
                value=(value or "")[:20],
                min=dates.MIN_DAY.year,
                max=dates.MAX_DAY.year,
            ),
            field=field,
        )
    return day

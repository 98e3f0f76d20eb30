"""The pole's local calendar: what "today" and "in the future" mean for its users."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Europe/Paris"


def pole_today(pole) -> date:
    """Today's date in the pole's time zone (Europe/Paris without a pole)."""
    return datetime.now(ZoneInfo(pole.timezone if pole is not None else DEFAULT_ZONE)).date()

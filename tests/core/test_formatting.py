"""The date and time filters give Babel's output without calling it, in the pole's zone.

They format every row of long lists (agenda, séances to fill in), so they use strftime and the
locale's month names; Babel's format_date/format_datetime is the reference they must match,
across daylight-saving changes, in the zones of French poles, in both languages.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date, format_datetime
from flask_login import login_user

from app.core.formatting import date_long, datetime_short, time_short
from tests.factories import PoleFactory, UserFactory

# Around the 2026 changes of Europe/Paris (29 March and 25 October, at 01:00 UTC), midnight,
# and the new year: every local wall-clock case, including the hour that happens twice.
INSTANTS = [
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
    datetime(2027, 1, 1, 9, 5, tzinfo=UTC),
]
ZONES = ["Europe/Paris", "Indian/Reunion", "America/Cayenne", "Pacific/Noumea", "America/Martinique"]


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("zone", ZONES)
def test_filters_match_babel_in_every_zone_and_locale(app, db, zone, locale):
    user = UserFactory(pole=PoleFactory(timezone=zone), role="advisor")
    with app.test_request_context(), force_locale(locale):
        login_user(user)  # Babel's zone is now the pole's, as for every staff request
        for instant in INSTANTS:
            naive_utc = instant.replace(tzinfo=None)  # Babel reads a naive datetime as UTC
            for value in (instant, naive_utc, instant + timedelta(hours=7)):
                assert datetime_short(value) == format_datetime(value, "dd/MM/y HH:mm"), value
                assert time_short(value) == format_datetime(value, "HH:mm"), value
        for day in [date(2026, month, 1 + month) for month in range(1, 13)] + [date(2027, 1, 1)]:
            assert date_long(day) == format_date(day, "d MMMM y"), day


def test_paris_daylight_saving_changes(app, db):
    user = UserFactory(pole=PoleFactory(timezone="Europe/Paris"), role="advisor")
    with app.test_request_context():
        login_user(user)
        # Spring: 02:00 CET becomes 03:00 CEST.
        assert datetime_short(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "29/03/2026 01:59"
        assert time_short(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "03:00"
        # Autumn: 02:30 happens twice, first in CEST then in CET.
        assert time_short(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "02:30"
        assert time_short(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "02:30"
        assert time_short(datetime(2026, 10, 25, 2, 0, tzinfo=UTC)) == "03:00"
        # 23:30 UTC on 31 December is already the new year in Paris.
        assert datetime_short(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2027 00:30"
        assert date_long(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 janvier 2027"
        assert (datetime_short(None), time_short(None), date_long(None)) == ("", "", "")

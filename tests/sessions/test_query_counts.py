"""Pages listing séances or attendance answer with a fixed number of queries, whatever the rows."""

from datetime import UTC, date, datetime, timedelta

from app.core.models import utcnow
from tests.sessions.factories import (
    AttendanceFactory,
    CollectiveFactory,
    FundingProgrammeFactory,
    MembershipFactory,
    PersonFactory,
    SessionFactory,
)


def _grow_and_count(client, count_queries, url, grow) -> tuple[int, int]:
    client.get(url)  # warm caches (babel, templates)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    grow()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    return few.count, many.count


def test_person_attendance_history(client, advisor, login_as, pole, count_queries):
    person = PersonFactory(pole=pole)
    login_as(advisor)
    AttendanceFactory(session=SessionFactory(pole=pole), person=person)

    def grow():
        for i in range(25):
            start = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(days=7 * i)
            AttendanceFactory(
                session=SessionFactory(pole=pole, starts_at=start), person=person, status="absent"
            )

    few, many = _grow_and_count(client, count_queries, f"/sessions/personnes/{person.id}/presences", grow)
    assert few == many


def test_person_page_with_attendance_and_memberships(client, advisor, login_as, pole, count_queries):
    person = PersonFactory(pole=pole)
    login_as(advisor)
    AttendanceFactory(session=SessionFactory(pole=pole), person=person)

    def grow():
        for i in range(12):
            collective = CollectiveFactory(pole=pole)
            MembershipFactory(collective=collective, person=person)
            start = datetime(2025, 2, 1, 9, tzinfo=UTC) + timedelta(days=7 * i)
            AttendanceFactory(
                session=SessionFactory(pole=pole, starts_at=start, collective_id=collective.id), person=person
            )

    few, many = _grow_and_count(client, count_queries, f"/people/{person.id}", grow)
    assert few == many


def test_collective_regularity_page(client, advisor, login_as, pole, count_queries):
    collective = CollectiveFactory(pole=pole)
    first = PersonFactory(pole=pole)
    MembershipFactory(collective=collective, person=first, joined_on=date(2024, 1, 1))
    login_as(advisor)

    def grow():
        members = [PersonFactory(pole=pole) for _ in range(10)]
        for person in members:
            MembershipFactory(collective=collective, person=person, joined_on=date(2024, 1, 1))
        for i in range(10):
            start = datetime(2025, 1, 1, 9, tzinfo=UTC) + timedelta(days=14 * i)
            session = SessionFactory(pole=pole, starts_at=start, collective_id=collective.id)
            for person in [first, *members]:
                AttendanceFactory(session=session, person=person)

    few, many = _grow_and_count(
        client, count_queries, f"/sessions/collectives/{collective.id}/regularite", grow
    )
    assert few == many


def test_seance_detail_and_attendance_pages(client, advisor, login_as, pole, count_queries):
    session = SessionFactory(pole=pole)
    AttendanceFactory(session=session, person=PersonFactory(pole=pole))
    login_as(advisor)

    def grow():
        for _ in range(15):
            AttendanceFactory(session=session, person=PersonFactory(pole=pole))

    before = {}
    for url in (f"/sessions/{session.id}", f"/sessions/{session.id}/presences"):
        client.get(url)
        with count_queries() as counter:
            client.get(url)
        before[url] = counter.count
    grow()
    for url, count in before.items():
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == count, url


def test_home_page_with_seances_to_fill_in(client, advisor, login_as, pole, count_queries):
    login_as(advisor)

    def grow():
        for i in range(12):
            session = SessionFactory(pole=pole, starts_at=utcnow() - timedelta(days=i + 1))
            session.advisors.append(advisor)
            for _ in range(3):
                AttendanceFactory(session=session, person=PersonFactory(pole=pole), status="invited")

    few, many = _grow_and_count(client, count_queries, "/", grow)
    assert few == many
    assert "Séance" in client.get("/").get_data(as_text=True)


def test_programmes_page(client, admin, login_as, pole, count_queries):
    FundingProgrammeFactory(pole=pole)
    login_as(admin)

    def grow():
        FundingProgrammeFactory.create_batch(15, pole=pole)

    few, many = _grow_and_count(client, count_queries, "/sessions/programmes", grow)
    assert few == many

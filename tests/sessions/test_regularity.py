from datetime import UTC, date, datetime, timedelta

from app.core.models import utcnow
from app.sessions import services
from tests.sessions.factories import (
    AccompanimentFactory,
    AttendanceFactory,
    CollectiveFactory,
    MembershipFactory,
    PersonFactory,
    SessionFactory,
)

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def _at(month, day):
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


def build_case(pole):
    """Anne (since Jan.), Bruno (Feb. 1 to Mar. 1), Chloé (since Jan.); six séances."""
    collective = CollectiveFactory(pole=pole)
    other = CollectiveFactory(pole=pole)
    dossier = AccompanimentFactory(pole=pole, collective_id=collective.id)
    anne = PersonFactory(pole=pole, first_name="Anne", last_name="A")
    bruno = PersonFactory(pole=pole, first_name="Bruno", last_name="B")
    chloe = PersonFactory(pole=pole, first_name="Chloé", last_name="C")
    MembershipFactory(collective=collective, person=anne, joined_on=date(2026, 1, 1))
    MembershipFactory(
        collective=collective, person=bruno, joined_on=date(2026, 2, 1), left_on=date(2026, 3, 1)
    )
    MembershipFactory(collective=collective, person=chloe, joined_on=date(2026, 1, 1))

    s1 = SessionFactory(pole=pole, collective_id=collective.id, starts_at=_at(1, 10))
    s2 = SessionFactory(pole=pole, collective_id=collective.id, starts_at=_at(2, 10))
    s2.accompaniments = [dossier]  # linked both ways: counted once
    s6 = SessionFactory(pole=pole, starts_at=_at(2, 20))
    s6.accompaniments = [dossier]  # linked through the dossier only
    s3 = SessionFactory(pole=pole, collective_id=collective.id, starts_at=_at(3, 10))
    future = SessionFactory(pole=pole, collective_id=collective.id, starts_at=utcnow() + timedelta(days=30))
    elsewhere = SessionFactory(pole=pole, collective_id=other.id, starts_at=_at(2, 15))

    for session, person, status in (
        (s1, anne, "present"),
        (s1, chloe, "absent"),
        (s2, anne, "present"),
        (s2, bruno, "present"),
        (s2, chloe, "present"),
        (s3, anne, "absent"),
        (s3, bruno, "present"),
        (s3, chloe, "excused"),
        (future, anne, "invited"),
        (elsewhere, anne, "present"),
    ):
        AttendanceFactory(session=session, person=person, status=status)
    return collective, anne, bruno, chloe


def test_regularity_figures_on_hand_built_case(pole, db, count_queries):
    collective, anne, bruno, chloe = build_case(pole)
    with count_queries() as counter:
        result = services.regularity_for_collective(collective, now=NOW)
        figures = {m.membership.person_id: (m.attended, m.expected, m.share) for m in result.members}
    assert counter.count == 2  # one GROUP BY for the figures, one for the members
    assert figures[anne.id] == (2, 4, 0.5)  # s1, s2 of s1, s2, s6, s3
    assert figures[bruno.id] == (1, 2, 0.5)  # s2 of s2, s6 (s3 after he left)
    assert figures[chloe.id] == (1, 4, 0.25)
    assert (result.attended, result.expected) == (4, 10)
    assert result.share == 0.4


def test_member_without_seances_has_no_share(pole, db):
    collective = CollectiveFactory(pole=pole)
    MembershipFactory(collective=collective, person=PersonFactory(pole=pole), joined_on=date(2026, 3, 1))
    result = services.regularity_for_collective(collective, now=NOW)
    assert result.members[0].expected == 0 and result.members[0].share is None and result.share is None


def test_regularity_page_and_person_history(client, advisor, login_as, pole):
    collective, anne, _bruno, _chloe = build_case(pole)
    login_as(advisor)
    page = client.get(f"/sessions/collectives/{collective.id}/regularite").get_data(as_text=True)
    assert "Régularité de participation" in page
    assert f'<td data-member="{anne.id}">50 %</td>' in page
    assert "Collectif dans son ensemble : 40 %" in page
    history = client.get(f"/sessions/personnes/{anne.id}/presences").get_data(as_text=True)
    assert "Historique de présence" in history
    assert "3 présences, " in history and ", 1 absence, 1 invitation en attente" in history


def test_collective_and_person_pages_show_regularity_and_history(client, advisor, login_as):
    from tests.collectives.factories import CollectiveFactory, MembershipFactory

    collective = CollectiveFactory(pole=advisor.pole)
    membership = MembershipFactory(collective=collective)
    login_as(advisor)
    page = client.get(f"/collectives/{collective.id}").get_data(as_text=True)
    assert "Régularité de participation" in page
    person_page = client.get(f"/people/{membership.person_id}").get_data(as_text=True)
    assert "Historique de présence" in person_page

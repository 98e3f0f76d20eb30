"""Collectives and memberships through HTTP."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.collectives.models import Collective, Membership
from app.core.audit import AuditEvent
from app.people.models import Person
from tests.collectives.factories import (
    CollectiveFactory,
    MemberPersonFactory,
    MembershipFactory,
    StructureFactory,
)
from tests.factories import UserFactory


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- collectives -----------------------------------------------------------------------


def test_create_collective(client, db, advisor, login_as):
    login_as(advisor)
    assert client.get("/collectives/new").status_code == 200
    response = client.post(
        "/collectives/new",
        data={"name": "  Épicerie solidaire d'Allaire ", "kind": "habitants", "description": "Un projet"},
    )
    assert response.status_code == 302
    collective = db.session.scalar(select(Collective))
    assert response.headers["Location"].endswith(f"/collectives/{collective.id}")
    assert (collective.name, collective.kind, collective.pole_id) == (
        "Épicerie solidaire d'Allaire",
        "habitants",
        advisor.pole_id,
    )
    assert collective.search_text == "epicerie solidaire d'allaire"
    [event] = _events(db, "collective.create")
    assert event.target_id == collective.id and event.actor_id == advisor.id
    page = _text(client.get(f"/collectives/{collective.id}"))
    assert "Épicerie solidaire d&#39;Allaire" in page and "Habitants" in page


def test_create_collective_requires_name_and_known_kind(client, db, advisor, login_as):
    login_as(advisor)
    response = client.post("/collectives/new", data={"name": "", "kind": "secte"})
    assert response.status_code == 200
    page = _text(response)
    assert "Le formulaire contient des erreurs" in page
    assert db.session.scalar(select(Collective)) is None


def test_kind_labels_are_french(client, advisor, login_as):
    login_as(advisor)
    page = _text(client.get("/collectives/new"))
    for label in ("Multi-structures", "Habitants", "Mixte"):
        assert label in page


def test_edit_collective(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole, name="Ancien nom")
    login_as(advisor)
    assert "Ancien nom" in _text(client.get(f"/collectives/{collective.id}/edit"))
    response = client.post(
        f"/collectives/{collective.id}/edit", data={"name": "Nouveau Nom", "kind": "multi_structures"}
    )
    assert response.status_code == 302
    assert (collective.name, collective.kind, collective.search_text) == (
        "Nouveau Nom",
        "multi_structures",
        "nouveau nom",
    )
    [event] = _events(db, "collective.update")
    assert event.changes["name"] == ["…", "…"]  # which field changed, not the text


def test_archive_and_unarchive(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole, name="Tiers-lieu")
    login_as(advisor)
    assert client.post(f"/collectives/{collective.id}/archive").status_code == 302
    assert collective.archived
    assert "Tiers-lieu" not in _text(client.get("/collectives/"))
    assert "Tiers-lieu" in _text(client.get("/collectives/?archived=1"))
    client.post(f"/collectives/{collective.id}/archive")
    assert not collective.archived
    assert len(_events(db, "collective.archive")) == 1
    assert len(_events(db, "collective.unarchive")) == 1


def test_list_search_is_accent_and_case_insensitive(client, advisor, login_as):
    CollectiveFactory(pole=advisor.pole, name="Coopérative énergie citoyenne")
    CollectiveFactory(pole=advisor.pole, name="Jardin partagé")
    login_as(advisor)
    page = _text(client.get("/collectives/?q=ENERGIE"))
    assert "Coopérative énergie citoyenne" in page and "Jardin partagé" not in page
    assert "Aucun collectif" in _text(client.get("/collectives/?q=100%"))


def test_list_paginates_and_counts_current_members(client, advisor, login_as):
    for i in range(31):
        CollectiveFactory(pole=advisor.pole, name=f"Collectif {i:02d}")
    first = CollectiveFactory(pole=advisor.pole, name="Aaa premier")
    MembershipFactory(collective=first)
    MembershipFactory(collective=first)
    MembershipFactory(collective=first, left_on=date.today() - timedelta(days=3))
    login_as(advisor)
    page = _text(client.get("/collectives/"))
    assert "32 collectifs" in page and "Page 1 sur 2" in page
    assert "<td>2</td>" in page
    assert "Collectif 30" in _text(client.get("/collectives/?page=2"))


@pytest.mark.parametrize("role", ["holder", "partner"])
def test_non_staff_get_404(client, pole, login_as, role):
    user = UserFactory(pole=pole, role=role)
    collective = CollectiveFactory(pole=pole)
    login_as(user)
    assert client.get("/collectives/").status_code == 404
    assert client.get(f"/collectives/{collective.id}").status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/collectives/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- members ---------------------------------------------------------------------------


def test_detail_lists_current_and_former_members(client, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    structure = StructureFactory(pole=advisor.pole, name="Les Champs Communs")
    MembershipFactory(
        collective=collective,
        person__first_name="Anne",
        person__last_name="Guillou",
        structure=structure,
        role="referent",
        joined_on=date(2024, 3, 14),
    )
    MembershipFactory(
        collective=collective,
        person__first_name="Loïc",
        person__last_name="Morvan",
        role="Trésorier bénévole",
        joined_on=date(2023, 1, 10),
        left_on=date(2025, 6, 30),
    )
    login_as(advisor)
    page = _text(client.get(f"/collectives/{collective.id}"))
    current, former = page.split("Anciens membres", 1)
    assert "Anne Guillou" in current and "Les Champs Communs" in current and "référent·e" in current
    assert "14/03/2024" in current
    assert "Loïc Morvan" in former and "Trésorier bénévole" in former and "30/06/2025" in former
    assert "Loïc Morvan" not in current.split("Membres actuels", 1)[1]


def test_add_existing_person_found_by_search(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    person = MemberPersonFactory(pole_id=advisor.pole_id, first_name="Élodie", last_name="Le Goff")
    MemberPersonFactory(pole_id=advisor.pole_id, first_name="Yves", last_name="Tanguy")
    structure = StructureFactory(pole=advisor.pole, name="Épicerie du Pays")
    login_as(advisor)
    page = _text(client.get(f"/collectives/{collective.id}?q=elodie"))
    assert "Élodie Le Goff" in page and "Yves Tanguy" not in page
    assert f'name="person_id" value="{person.id}"' in page
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={
            "person_id": str(person.id),
            "structure_id": str(structure.id),
            "role": "elu",
            "joined_on": "2026-02-01",
        },
    )
    assert response.status_code == 302
    membership = db.session.scalar(select(Membership))
    assert (membership.person_id, membership.structure_id, membership.role, membership.joined_on) == (
        person.id,
        structure.id,
        "elu",
        date(2026, 2, 1),
    )
    [event] = _events(db, "membership.create")
    assert event.changes["person_id"] == person.id
    page = _text(client.get(f"/collectives/{collective.id}?q=elodie"))
    assert "élu·e" in page and "déjà membre" in page


def test_add_new_person_inline(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={
            "person_id": "new",
            "first_name": "Gwenaëlle",
            "last_name": "Rouxel",
            "email": "Gwen@Example.org",
            "structure_id": "",
            "role": "autre",
            "role_other": "Animatrice du jardin",
            "joined_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person))
    assert (person.full_name, person.email, person.pole_id) == (
        "Gwenaëlle Rouxel",
        "gwen@example.org",
        advisor.pole_id,
    )
    membership = db.session.scalar(select(Membership))
    assert membership.role == "Animatrice du jardin" and membership.joined_on == date.today()
    assert _events(db, "person.create") and _events(db, "membership.create")


def test_add_new_person_requires_names(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": "new", "first_name": "", "last_name": "", "role": "membre"},
    )
    assert response.status_code == 200
    page = _text(response)
    assert "Le prénom est obligatoire." in page and "Le nom est obligatoire." in page
    assert db.session.scalar(select(Person)) is None


def test_add_new_person_with_email_already_in_pole(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    MemberPersonFactory(pole_id=advisor.pole_id, email="deja@example.org")
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": "new", "first_name": "A", "last_name": "B", "email": "DEJA@example.org"},
    )
    assert response.status_code == 200
    assert "a déjà cette adresse" in _text(response)
    assert db.session.scalar(select(Membership)) is None


def test_other_role_needs_text(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    person = MemberPersonFactory(pole_id=advisor.pole_id)
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": str(person.id), "role": "autre", "role_other": " "},
    )
    assert response.status_code == 200 and "Précisez le rôle." in _text(response)
    assert db.session.scalar(select(Membership)) is None


def test_enter_in_new_person_fields_does_not_add_first_match(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    person = MemberPersonFactory(pole_id=advisor.pole_id)
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": str(person.id), "first_name": "Nouvelle", "last_name": "Personne"},
    )
    assert response.status_code == 200 and "Créer et ajouter" in _text(response)
    assert db.session.scalar(select(Membership)) is None


def test_duplicate_current_membership_refused(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    membership = MembershipFactory(collective=collective, person__first_name="Anne", person__last_name="Lé")
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": str(membership.person_id), "role": "membre"},
    )
    assert response.status_code == 200
    assert "Anne Lé est déjà membre actuel·le de ce collectif." in _text(response)
    assert len(db.session.scalars(select(Membership)).all()) == 1


def test_former_member_can_rejoin_but_not_be_reactivated_twice(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    old = MembershipFactory(collective=collective, left_on=date.today() - timedelta(days=10))
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members", data={"person_id": str(old.person_id), "role": "membre"}
    )
    assert response.status_code == 302
    assert len(db.session.scalars(select(Membership)).all()) == 2
    # Clearing the departure of the old membership would make the person a member twice.
    response = client.post(
        f"/collectives/{collective.id}/members/{old.id}/edit",
        data={"role": "membre", "structure_id": "", "left_on": ""},
    )
    assert response.status_code == 200 and "déjà membre actuel·le" in _text(response)
    assert old.left_on is not None


def test_edit_membership(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    structure = StructureFactory(pole=advisor.pole)
    membership = MembershipFactory(collective=collective, role="Coordinatrice", joined_on=date(2025, 1, 1))
    login_as(advisor)
    page = _text(client.get(f"/collectives/{collective.id}/members/{membership.id}/edit"))
    assert 'value="Coordinatrice"' in page and '<option selected value="autre">' in page
    response = client.post(
        f"/collectives/{collective.id}/members/{membership.id}/edit",
        data={
            "structure_id": str(structure.id),
            "role": "salarie",
            "joined_on": "2025-02-01",
            "left_on": "",
        },
    )
    assert response.status_code == 302
    assert (membership.role, membership.structure_id, membership.joined_on) == (
        "salarie",
        structure.id,
        date(2025, 2, 1),
    )
    [event] = _events(db, "membership.update")
    assert event.changes["role"] == ["Coordinatrice", "salarie"]


def test_edit_membership_rejects_departure_before_arrival(client, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    membership = MembershipFactory(collective=collective, joined_on=date(2025, 5, 1))
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members/{membership.id}/edit",
        data={"role": "membre", "joined_on": "2025-05-01", "left_on": "2025-04-01"},
    )
    assert response.status_code == 200
    assert "La date de départ ne peut pas précéder la date d&#39;arrivée." in _text(response)
    assert membership.left_on is None


def test_structure_of_another_pole_is_refused(client, db, advisor, other_pole, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    person = MemberPersonFactory(pole_id=advisor.pole_id)
    foreign = StructureFactory(pole=other_pole)
    login_as(advisor)
    response = client.post(
        f"/collectives/{collective.id}/members",
        data={"person_id": str(person.id), "structure_id": str(foreign.id), "role": "membre"},
    )
    assert response.status_code == 200 and "Choisissez une structure du pôle." in _text(response)
    assert db.session.scalar(select(Membership)) is None


def test_person_of_another_pole_is_404(client, db, advisor, other_pole, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    foreign = MemberPersonFactory(pole_id=other_pole.id, first_name="Secret")
    login_as(advisor)
    assert "Secret" not in _text(client.get(f"/collectives/{collective.id}?q=secret"))
    response = client.post(
        f"/collectives/{collective.id}/members", data={"person_id": str(foreign.id), "role": "membre"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(Membership)) is None


def test_mark_member_as_left(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    membership = MembershipFactory(
        collective=collective, person__last_name="Partant", joined_on=date(2024, 1, 1)
    )
    login_as(advisor)
    yesterday = date.today() - timedelta(days=1)
    response = client.post(
        f"/collectives/{collective.id}/members/{membership.id}/leave",
        data={"left_on": yesterday.isoformat()},
        follow_redirects=True,
    )
    assert "Départ de" in _text(response)
    assert membership.left_on == yesterday
    former = _text(response).split("Anciens membres", 1)[1]
    assert "Partant" in former
    [event] = _events(db, "membership.update")
    assert event.changes["left_on"] == [None, yesterday.isoformat()]
    bad = client.post(
        f"/collectives/{collective.id}/members/{membership.id}/leave",
        data={"left_on": "pas une date"},
        follow_redirects=True,
    )
    assert "Indiquez une date de départ valide." in _text(bad)
    assert membership.left_on == yesterday


def test_remove_membership_created_by_mistake(client, db, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    membership = MembershipFactory(collective=collective)
    person_id, membership_id = membership.person_id, membership.id
    login_as(advisor)
    response = client.post(f"/collectives/{collective.id}/members/{membership_id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(Membership)) is None
    assert db.session.get(Person, person_id) is not None
    [event] = _events(db, "membership.delete")
    assert event.target_id == membership_id and event.changes["person_id"] == person_id


# --- pole isolation --------------------------------------------------------------------


def test_every_route_is_404_across_poles(client, db, advisor, other_pole, login_as):
    foreign = CollectiveFactory(pole=other_pole, name="Autre pôle")
    foreign_membership = MembershipFactory(collective=foreign)
    mine = CollectiveFactory(pole=advisor.pole)
    mine_membership = MembershipFactory(collective=mine)
    login_as(advisor)
    c, m = foreign.id, foreign_membership.id
    assert "Autre pôle" not in _text(client.get("/collectives/?q=autre"))
    assert client.get(f"/collectives/{c}").status_code == 404
    assert client.get(f"/collectives/{c}/edit").status_code == 404
    assert client.post(f"/collectives/{c}/edit", data={"name": "X", "kind": "mixte"}).status_code == 404
    assert client.post(f"/collectives/{c}/archive").status_code == 404
    assert client.post(f"/collectives/{c}/members", data={"person_id": "new"}).status_code == 404
    assert client.get(f"/collectives/{c}/members/{m}/edit").status_code == 404
    assert client.post(f"/collectives/{c}/members/{m}/edit", data={"role": "membre"}).status_code == 404
    assert (
        client.post(f"/collectives/{c}/members/{m}/leave", data={"left_on": "2026-01-01"}).status_code == 404
    )
    assert client.post(f"/collectives/{c}/members/{m}/delete").status_code == 404
    # A foreign membership reached through one's own collective is not found either.
    assert client.get(f"/collectives/{mine.id}/members/{m}/edit").status_code == 404
    assert client.post(f"/collectives/{mine.id}/members/{m}/delete").status_code == 404
    # Nor a membership of one's own pole through another collective id.
    other_mine = CollectiveFactory(pole=advisor.pole)
    assert client.get(f"/collectives/{other_mine.id}/members/{mine_membership.id}/edit").status_code == 404
    assert foreign.name == "Autre pôle" and not foreign.archived
    assert db.session.get(Membership, m) is not None and db.session.get(Membership, m).left_on is None


# --- query counts ----------------------------------------------------------------------


def _list_queries(client, count_queries, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_list_query_count_does_not_grow(client, advisor, login_as, count_queries):
    login_as(advisor)
    first = CollectiveFactory(pole=advisor.pole)
    MembershipFactory(collective=first)
    one = _list_queries(client, count_queries, "/collectives/")
    for _ in range(29):
        collective = CollectiveFactory(pole=advisor.pole)
        MembershipFactory(collective=collective)
        MembershipFactory(collective=collective, structure=StructureFactory(pole=advisor.pole))
    thirty = _list_queries(client, count_queries, "/collectives/")
    assert one == thirty


def test_detail_query_count_does_not_grow(client, advisor, login_as, count_queries):
    login_as(advisor)
    collective = CollectiveFactory(pole=advisor.pole)
    MembershipFactory(collective=collective, structure=StructureFactory(pole=advisor.pole))
    MembershipFactory(collective=collective, left_on=date(2025, 1, 1))
    url = f"/collectives/{collective.id}?q=nom"
    one = _list_queries(client, count_queries, url)
    for i in range(30):
        MembershipFactory(
            collective=collective,
            structure=StructureFactory(pole=advisor.pole),
            left_on=date(2025, 1, 1) if i % 3 == 0 else None,
        )
    thirty = _list_queries(client, count_queries, url)
    assert one == thirty


def test_edit_membership_keeps_an_archived_structure(client, advisor, login_as):
    collective = CollectiveFactory(pole=advisor.pole)
    structure = StructureFactory(pole=advisor.pole, name="Ancienne asso", archived=True)
    membership = MembershipFactory(collective=collective, structure=structure)
    login_as(advisor)
    assert "Ancienne asso</option>" not in _text(client.get(f"/collectives/{collective.id}"))
    page = _text(client.get(f"/collectives/{collective.id}/members/{membership.id}/edit"))
    assert f'<option selected value="{structure.id}">Ancienne asso</option>' in page
    response = client.post(
        f"/collectives/{collective.id}/members/{membership.id}/edit",
        data={"structure_id": str(structure.id), "role": "benevole"},
    )
    assert response.status_code == 302
    assert membership.structure_id == structure.id and membership.role == "benevole"


def test_person_page_lists_the_persons_collectives(client, advisor, login_as):
    from tests.collectives.factories import CollectiveFactory, MembershipFactory

    collective = CollectiveFactory(pole=advisor.pole, name="Tiers-lieu de la Gare")
    membership = MembershipFactory(collective=collective, role="referent")
    login_as(advisor)
    html = client.get(f"/people/{membership.person_id}").get_data(as_text=True)
    assert "Tiers-lieu de la Gare" in html and "référent·e" in html
    page = client.get(f"/collectives/{collective.id}").get_data(as_text=True)
    assert f"/people/{membership.person_id}" in page

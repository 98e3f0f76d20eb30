import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.poles.models import Thematic
from app.structures.models import Structure
from app.structures.services import siret_problem
from tests.factories import UserFactory
from tests.structures.factories import PartnerFactory, StructureFactory

VALID_SIRET = "73282932000074"


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _thematics(db, pole):
    return db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.position)
    ).all()


def _data(**overrides):
    data = {
        "name": "Le Champ Commun",
        "kind": "scic",
        "siret": "732 829 320 00074",
        "commune": "Augan",
        "postal_code": "56800",
        "website": "https://example.org",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("73282932000074", True),
        ("732 829 320 00074", True),
        ("73282932000075", False),  # Luhn key wrong
        ("7328293200007", False),  # 13 digits
        ("732829320000745", False),  # 15 digits
        ("7328293200007A", False),
        ("35600000049837", True),  # La Poste: sum of digits multiple of 5 (fails Luhn)
        ("35600000000048", True),  # La Poste head office (passes Luhn)
        ("35600000059843", False),  # La Poste, neither rule
        ("", True),
    ],
)
def test_siret_validation(app, value, ok):
    assert (siret_problem(value) is None) is ok


def test_create_structure(client, db, pole, advisor, login_as):
    login_as(advisor)
    assert client.get("/structures/new").status_code == 200
    response = client.post("/structures/new", data=_data())
    assert response.status_code == 302
    structure = db.session.scalars(select(Structure)).one()
    assert structure.siret == VALID_SIRET and structure.kind == "scic" and structure.pole_id == pole.id
    (event,) = _events(db, "structure.create")
    assert event.target_id == structure.id and event.changes["siret"] == VALID_SIRET
    body = client.get(f"/structures/{structure.id}").get_data(as_text=True)
    assert "Le Champ Commun" in body and "SCIC" in body


@pytest.mark.parametrize(
    ("siret", "message"),
    [("73282932000075", "clé de contrôle"), ("1234", "14 chiffres"), ("35600000059843", "clé de contrôle")],
)
def test_invalid_siret_shows_french_message(client, db, advisor, login_as, siret, message):
    login_as(advisor)
    response = client.post("/structures/new", data=_data(siret=siret))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Structure.id)) is None


def test_siret_unique_per_pole(client, db, pole, other_pole, advisor, login_as):
    StructureFactory(pole=pole, siret=VALID_SIRET)
    StructureFactory(pole=other_pole, siret="44306184100047")
    login_as(advisor)
    response = client.post("/structures/new", data=_data())
    assert response.status_code == 200
    assert "déjà ce numéro SIRET" in response.get_data(as_text=True)
    assert client.post("/structures/new", data=_data(siret="44306184100047")).status_code == 302


def test_admin_edits_partner_fields_with_audit(client, db, pole, admin, login_as):
    structure = StructureFactory(pole=pole, name="URSCOP Bretagne", kind="reseau")
    themes = _thematics(db, pole)
    login_as(admin)
    page = client.get(f"/structures/{structure.id}/edit").get_data(as_text=True)
    assert "Changement d" in page and "chelle" in page and themes[0].name in page
    data = _data(
        name="URSCOP Bretagne",
        kind="reseau",
        siret="",
        is_partner="y",
        thematics=[str(themes[0].id), str(themes[2].id)],
        partner_stages=["creation", "consolidation"],
        territory="Bretagne",
        contact_name="Anne Caradec",
        contact_email="Anne.Caradec@example.org",
        contact_phone="02 99 00 00 00",
        offer_description="Accompagnement à la création de SCOP et SCIC.",
        how_to_refer="Envoyer un e-mail avec le résumé du projet.",
    )
    response = client.post(f"/structures/{structure.id}/edit", data=data)
    assert response.status_code == 302
    assert structure.is_partner and structure.partner_stages == ["creation", "consolidation"]
    assert {t.id for t in structure.thematics} == {themes[0].id, themes[2].id}
    assert structure.contact_email == "anne.caradec@example.org"
    (event,) = _events(db, "structure.update")
    assert event.changes["is_partner"] == [False, True]
    assert event.changes["thematics"] == [[], sorted([themes[0].id, themes[2].id])]
    assert event.changes["contact_name"] == [None, "…"] and event.changes["contact_email"] == [None, "…"]
    assert "name" not in event.changes
    # Unticking every thematic removes them.
    data.pop("thematics")
    client.post(f"/structures/{structure.id}/edit", data=data)
    assert structure.thematics == []


def test_advisor_cannot_change_partner_fields(client, db, pole, advisor, login_as):
    theme = _thematics(db, pole)[0]
    partner = PartnerFactory(pole=pole, name="BGE", thematics=[theme])
    login_as(advisor)
    page = client.get(f"/structures/{partner.id}/edit").get_data(as_text=True)
    assert "Territoire couvert" not in page
    response = client.post(
        f"/structures/{partner.id}/edit",
        data=_data(name="BGE Ille-et-Vilaine", siret="", territory="Piraté", is_partner=""),
    )
    assert response.status_code == 302
    assert partner.name == "BGE Ille-et-Vilaine"
    assert partner.is_partner and partner.territory == "Ille-et-Vilaine" and partner.thematics == [theme]


def test_archive_and_unarchive_structure(client, db, pole, advisor, login_as):
    structure = StructureFactory(pole=pole, name="Asso des Landes")
    login_as(advisor)
    client.post(f"/structures/{structure.id}/archive", data={"archived": "1"})
    assert structure.archived
    assert "Asso des Landes" not in client.get("/structures/").get_data(as_text=True)
    assert "Asso des Landes" in client.get("/structures/?archives=1").get_data(as_text=True)
    client.post(f"/structures/{structure.id}/archive", data={"archived": "0"})
    assert not structure.archived
    assert len(_events(db, "structure.archive")) == 1 and len(_events(db, "structure.unarchive")) == 1


def test_structure_list_filters_and_search(client, db, pole, advisor, login_as):
    StructureFactory(pole=pole, name="Mairie de Guémené-Penfao", kind="collectivite")
    PartnerFactory(pole=pole, name="CRESS Bretagne")
    login_as(advisor)
    body = client.get("/structures/?q=GUEMENE").get_data(as_text=True)
    assert "Guémené" in body and "CRESS" not in body
    body = client.get("/structures/?partenaire=oui").get_data(as_text=True)
    assert "CRESS" in body and "Guémené" not in body
    body = client.get("/structures/?type=collectivite").get_data(as_text=True)
    assert "Guémené" in body and "CRESS" not in body


def test_directory_filters_by_thematic_stage_and_search(client, db, pole, advisor, login_as):
    themes = _thematics(db, pole)
    PartnerFactory(
        pole=pole, name="France Active Bretagne", thematics=[themes[2]], partner_stages=["creation"]
    )
    PartnerFactory(
        pole=pole,
        name="DLA 35",
        thematics=[themes[0]],
        partner_stages=["consolidation"],
        territory="Ille-et-Vilaine",
    )
    StructureFactory(pole=pole, name="Pas partenaire")
    PartnerFactory(pole=pole, name="Partenaire archivé", archived=True)
    login_as(advisor)
    body = client.get("/structures/annuaire").get_data(as_text=True)
    assert "France Active" in body and "DLA 35" in body
    assert "Pas partenaire" not in body and "archivé" not in body
    body = client.get(f"/structures/annuaire?thematique={themes[2].id}").get_data(as_text=True)
    assert "France Active" in body and "DLA 35" not in body
    body = client.get("/structures/annuaire?etape=consolidation").get_data(as_text=True)
    assert "DLA 35" in body and "France Active" not in body
    body = client.get("/structures/annuaire?q=ille-et-vilaine&thematique=abc&etape=bogus").get_data(
        as_text=True
    )
    assert "DLA 35" in body


def test_directory_readable_by_admin_not_by_holder_or_partner(client, db, pole, admin, login_as):
    login_as(admin)
    assert client.get("/structures/annuaire").status_code == 200
    client.post("/logout")
    for role in ("holder", "partner"):
        login_as(UserFactory(pole=pole, role=role))
        for url in (
            "/structures/annuaire",
            "/structures/",
            "/structures/new",
            "/structures/annuaire/export/csv",
        ):
            assert client.get(url).status_code == 404
        client.post("/logout")


def test_pole_isolation(client, db, pole, other_pole, admin, login_as):
    theirs = PartnerFactory(pole=other_pole, name="Partenaire étranger")
    login_as(admin)
    for url in (f"/structures/{theirs.id}", f"/structures/{theirs.id}/edit"):
        assert client.get(url).status_code == 404
    assert client.post(f"/structures/{theirs.id}/edit", data=_data()).status_code == 404
    assert client.post(f"/structures/{theirs.id}/archive", data={"archived": "1"}).status_code == 404
    assert not theirs.archived and theirs.name == "Partenaire étranger"
    for url in (
        "/structures/",
        "/structures/annuaire",
        "/structures/export/csv",
        "/structures/annuaire/export/csv",
    ):
        assert "étranger" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("url", ["/structures/", "/structures/annuaire"])
def test_list_query_count_does_not_grow(client, db, pole, admin, login_as, count_queries, url):
    themes = _thematics(db, pole)
    login_as(admin)
    PartnerFactory(pole=pole, thematics=themes[:2])
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for _ in range(29):
        PartnerFactory(pole=pole, thematics=themes[:3])
    with count_queries() as thirty:
        assert client.get(url + "?q=").status_code == 200
    assert one.count == thirty.count


def test_website_gets_a_scheme_and_bad_one_is_refused(client, db, advisor, login_as):
    login_as(advisor)
    for bad in ("pas une adresse", "javascript://example.org/%0aalert(1)"):
        response = client.post("/structures/new", data=_data(website=bad))
        assert "Adresse web invalide" in response.get_data(as_text=True)
    assert client.post("/structures/new", data=_data(website="www.example.org")).status_code == 302
    assert db.session.scalars(select(Structure)).one().website == "https://www.example.org"

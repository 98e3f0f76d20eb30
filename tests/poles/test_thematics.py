"""Thematics administration through HTTP (admins only)."""

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.poles.models import Thematic
from app.poles.services import pole_thematics
from tests.collectives.factories import StructureFactory
from tests.factories import UserFactory


def _names(pole) -> list[str]:
    return [t.name for t in pole_thematics(pole.id)]


def _thematic(pole, name) -> Thematic:
    return next(t for t in pole_thematics(pole.id) if t.name == name)


def _events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_sees_thematics_in_order(client, admin, login_as):
    login_as(admin)
    page = _text(client.get("/thematiques"))
    positions = [page.index(name) for name in ("Gouvernance partagée", "Cadre juridique", "Communication")]
    assert positions == sorted(positions)
    assert "Thématiques du pôle" in page
    assert "/thematiques" in _text(client.get("/"))


def test_add_thematic(client, db, admin, login_as):
    login_as(admin)
    response = client.post("/thematiques", data={"name": "  Numérique   responsable "})
    assert response.status_code == 302
    assert _names(admin.pole)[-1] == "Numérique responsable"
    [event] = _events(db, "thematic.create")
    assert event.changes == {"name": "Numérique responsable"} and event.actor_id == admin.id


def test_names_are_unique_ignoring_accents_and_case(client, db, admin, login_as):
    login_as(admin)
    for name in ("communication", "COOPERATION TERRITORIALE"):
        response = client.post("/thematiques", data={"name": name})
        assert response.status_code == 200
        assert "existe déjà" in _text(response)
    assert "communication" not in _names(admin.pole)
    # Renaming onto another thematic's name is refused too…
    legal = _thematic(admin.pole, "Cadre juridique")
    response = client.post(
        f"/thematiques/{legal.id}/rename", data={"name": "Communicátion"}, follow_redirects=True
    )
    assert "La thématique « Communication » existe déjà." in _text(response)
    assert legal.name == "Cadre juridique"
    # …but changing the case of its own name is allowed.
    com = _thematic(admin.pole, "Communication")
    client.post(f"/thematiques/{com.id}/rename", data={"name": "communication"})
    assert com.name == "communication"


def test_add_requires_a_name(client, admin, login_as):
    login_as(admin)
    response = client.post("/thematiques", data={"name": " "})
    assert response.status_code == 200 and "Le formulaire contient des erreurs" in _text(response)


def test_rename_thematic(client, db, admin, login_as):
    login_as(admin)
    thematic = _thematic(admin.pole, "Communication")
    response = client.post(
        f"/thematiques/{thematic.id}/rename",
        data={"name": "Communication et plaidoyer"},
        follow_redirects=True,
    )
    assert "renommée en « Communication et plaidoyer »" in _text(response)
    assert thematic.name == "Communication et plaidoyer"
    [event] = _events(db, "thematic.rename")
    assert event.changes == {"name": ["Communication", "Communication et plaidoyer"]}
    empty = client.post(f"/thematiques/{thematic.id}/rename", data={"name": ""}, follow_redirects=True)
    assert "Le nom de la thématique est obligatoire" in _text(empty)


def test_reorder_thematics(client, db, admin, login_as):
    login_as(admin)
    before = _names(admin.pole)
    legal = _thematic(admin.pole, "Cadre juridique")
    client.post(f"/thematiques/{legal.id}/move", data={"direction": "up"})
    assert _names(admin.pole)[:2] == ["Cadre juridique", "Gouvernance partagée"]
    client.post(f"/thematiques/{legal.id}/move", data={"direction": "up"})  # already first: no change
    assert _names(admin.pole)[:2] == ["Cadre juridique", "Gouvernance partagée"]
    client.post(f"/thematiques/{legal.id}/move", data={"direction": "down"})
    assert _names(admin.pole) == before
    assert [t.position for t in pole_thematics(admin.pole.id)] == list(range(len(before)))
    assert len(_events(db, "thematic.reorder")) == 2
    page = _text(client.get("/thematiques"))
    assert page.index("Gouvernance partagée") < page.index("Cadre juridique")


def test_deactivate_and_reactivate(client, db, admin, login_as):
    login_as(admin)
    thematic = _thematic(admin.pole, "Montage financier")
    response = client.post(f"/thematiques/{thematic.id}/active", follow_redirects=True)
    assert not thematic.active and "désactivée" in _text(response)
    client.post(f"/thematiques/{thematic.id}/active")
    assert thematic.active
    assert len(_events(db, "thematic.deactivate")) == 1 and len(_events(db, "thematic.activate")) == 1


def test_delete_refused_when_in_use(client, db, admin, login_as):
    thematic = _thematic(admin.pole, "Montage financier")
    structure = StructureFactory(pole=admin.pole, is_partner=True)
    structure.thematics.append(thematic)
    db.session.flush()
    login_as(admin)
    page = _text(client.get("/thematiques"))
    assert f"/thematiques/{thematic.id}/delete" not in page
    response = client.post(f"/thematiques/{thematic.id}/delete", follow_redirects=True)
    assert "est utilisée (1 fois)" in _text(response) and "Désactivez-la plutôt" in _text(response)
    assert db.session.get(Thematic, thematic.id) is not None
    assert structure.thematics == [thematic]
    assert not _events(db, "thematic.delete")


def test_delete_allowed_when_unused(client, db, admin, login_as):
    login_as(admin)
    client.post("/thematiques", data={"name": "Thème en trop"})
    thematic = _thematic(admin.pole, "Thème en trop")
    thematic_id = thematic.id
    assert f"/thematiques/{thematic_id}/delete" in _text(client.get("/thematiques"))
    response = client.post(f"/thematiques/{thematic_id}/delete", follow_redirects=True)
    assert "Thématique « Thème en trop » supprimée." in _text(response)
    assert db.session.get(Thematic, thematic_id) is None
    [event] = _events(db, "thematic.delete")
    assert event.target_id == thematic_id


def test_advisors_and_others_get_404(client, pole, advisor, login_as):
    thematic = pole_thematics(pole.id)[0]
    for user in (advisor, UserFactory(pole=pole, role="holder")):
        login_as(user)
        assert client.get("/thematiques").status_code == 404
        assert client.post("/thematiques", data={"name": "X"}).status_code == 404
        for action in ("rename", "move", "active", "delete"):
            assert client.post(f"/thematiques/{thematic.id}/{action}", data={"name": "X"}).status_code == 404
        client.post("/logout")
    assert thematic.name == "Gouvernance partagée" and thematic.active


def test_thematics_of_another_pole_are_404(client, db, admin, other_pole, login_as):
    foreign = pole_thematics(other_pole.id)[1]
    login_as(admin)
    assert client.post(f"/thematiques/{foreign.id}/rename", data={"name": "Piraté"}).status_code == 404
    assert client.post(f"/thematiques/{foreign.id}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"/thematiques/{foreign.id}/active").status_code == 404
    assert client.post(f"/thematiques/{foreign.id}/delete").status_code == 404
    assert foreign.name == "Cadre juridique" and foreign.active and foreign.position == 1
    # Names are unique per pole only: another pole's list is independent.
    client.post("/thematiques", data={"name": "Spécifique"})
    assert "Spécifique" not in _names(other_pole)


def test_thematics_page_query_count_does_not_grow(client, db, admin, login_as, count_queries):
    login_as(admin)
    with count_queries() as before:
        client.get("/thematiques")
    for i in range(30):
        client.post("/thematiques", data={"name": f"Thème {i}"})
    structure = StructureFactory(pole=admin.pole)
    structure.thematics.extend(pole_thematics(admin.pole.id)[:10])
    db.session.flush()
    with count_queries() as after:
        page = _text(client.get("/thematiques"))
    assert "Thème 29" in page
    assert before.count == after.count

from sqlalchemy import select

from app.pathways.models import DEFAULT_STAGES, PathwayTemplate, Stage
from app.pathways.services import DEFAULT_TEMPLATE_NAME
from tests.accompaniments.factories import body, default_template


def _stages(db, template):
    db.session.expire_all()
    return db.session.scalars(
        select(Stage).where(Stage.template_id == template.id).order_by(Stage.position)
    ).all()


def test_every_new_pole_gets_the_default_template(pole, db):
    template = default_template(pole)
    assert template.name == DEFAULT_TEMPLATE_NAME and template.active
    assert [s.name for s in template.stages] == [name for name, _d in DEFAULT_STAGES]
    assert [s.position for s in template.stages] == list(range(len(DEFAULT_STAGES)))


def test_admin_lists_and_creates_a_template_with_stages(client, admin, login_as, db):
    login_as(admin)
    page = client.get("/pathways/")
    assert page.status_code == 200 and DEFAULT_TEMPLATE_NAME in body(page)
    response = client.post("/pathways/new", data={"name": "Parcours court", "description": ""})
    assert response.status_code == 302
    template = db.session.scalar(select(PathwayTemplate).where(PathwayTemplate.name == "Parcours court"))
    assert template.stages == []
    url = f"/pathways/{template.id}"
    for name, days in (("Accueil", "7"), ("Diagnostic", "30"), ("Suivi", "")):
        r = client.post(f"{url}/stages", data={"name": name, "expected_duration_days": days})
        assert r.status_code == 302
    stages = _stages(db, template)
    assert [(s.name, s.expected_duration_days) for s in stages] == [
        ("Accueil", 7),
        ("Diagnostic", 30),
        ("Suivi", None),
    ]
    bad = client.post(f"{url}/stages", data={"name": "", "expected_duration_days": "-3"})
    assert bad.status_code == 422 and "entre 0 et 3650" in body(bad)


def test_admin_reorders_edits_and_deactivates(client, admin, login_as, pole, db):
    login_as(admin)
    template = default_template(pole)
    stages = _stages(db, template)
    url = f"/pathways/{template.id}/stages"
    assert client.post(f"{url}/{stages[1].id}/move", data={"direction": "up"}).status_code == 302
    names = [s.name for s in _stages(db, template)]
    assert names[:2] == ["Diagnostic partagé", "Accueil"]
    client.post(f"{url}/{stages[1].id}/move", data={"direction": "down"})
    client.post(f"{url}/{stages[5].id}/move", data={"direction": "down"})  # already last: no change
    assert [s.name for s in _stages(db, template)] == [n for n, _d in DEFAULT_STAGES]

    r = client.post(
        f"{url}/{stages[2].id}", data={"name": "Émergence du projet", "expected_duration_days": "60"}
    )
    assert r.status_code == 302
    client.post(f"{url}/{stages[2].id}/active")
    stage = db.session.get(Stage, stages[2].id)
    assert stage.name == "Émergence du projet" and stage.expected_duration_days == 60 and not stage.active

    client.post(f"/pathways/{template.id}/active")
    db.session.expire_all()
    assert not db.session.get(PathwayTemplate, template.id).active
    page = body(client.get(f"/pathways/{template.id}"))
    assert "Réactiver le modèle" in page


def test_other_poles_templates_answer_404(client, admin, login_as, other_pole, db):
    login_as(admin)
    theirs = default_template(other_pole)
    stage = theirs.stages[0]
    assert client.get(f"/pathways/{theirs.id}").status_code == 404
    assert client.post(f"/pathways/{theirs.id}", data={"name": "x"}).status_code == 404
    assert client.post(f"/pathways/{theirs.id}/active").status_code == 404
    assert client.post(f"/pathways/{theirs.id}/stages", data={"name": "x"}).status_code == 404
    assert client.get(f"/pathways/{theirs.id}/stages/{stage.id}").status_code == 404
    assert (
        client.post(f"/pathways/{theirs.id}/stages/{stage.id}/move", data={"direction": "down"}).status_code
        == 404
    )
    assert client.post(f"/pathways/{theirs.id}/stages/{stage.id}/active").status_code == 404
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).active


def test_a_stage_of_another_template_answers_404(client, admin, login_as, pole, db):
    login_as(admin)
    mine = default_template(pole)
    client.post("/pathways/new", data={"name": "Autre", "with_default_stages": "y"})
    other = db.session.scalar(select(PathwayTemplate).where(PathwayTemplate.name == "Autre"))
    assert len(other.stages) == len(DEFAULT_STAGES)
    assert client.get(f"/pathways/{mine.id}/stages/{other.stages[0].id}").status_code == 404


def test_only_admins_manage_templates(client, advisor, login_as, pole):
    login_as(advisor)
    template = default_template(pole)
    assert client.get("/pathways/").status_code == 404
    assert client.get(f"/pathways/{template.id}").status_code == 404
    assert client.post("/pathways/new", data={"name": "x"}).status_code == 404


def test_poles_created_from_the_command_line_get_the_default_template(runner, db):
    from app.pathways.services import create_default_template
    from app.poles.services import POLE_CREATED_HOOKS, get_pole_by_slug

    assert POLE_CREATED_HOOKS.count(create_default_template) == 1
    result = runner.invoke(args=["poles", "create", "dinan", "Pôle ESS du Pays de Dinan"])
    assert result.exit_code == 0, result.output
    assert default_template(get_pole_by_slug("dinan")).name == DEFAULT_TEMPLATE_NAME

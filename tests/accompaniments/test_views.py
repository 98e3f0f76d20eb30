from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.accompaniments.models import Accompaniment, AccompanimentStatusChange, StageTransition
from app.accompaniments.services import change_status, move_to_stage
from app.poles.models import Thematic
from tests.accompaniments.factories import (
    RequestFactory,
    body,
    default_template,
    make_accompaniment,
    make_collective,
    make_person,
    make_session,
    utc,
)
from tests.factories import UserFactory


def _form(pole, advisor, **extra):
    data = {
        "title": "Tiers-lieu de Redon",
        "template_id": str(default_template(pole).id),
        "referent_id": str(advisor.id),
        "started_on": "2026-02-01",
        "modality": "formation_complete",
        "intended_legal_form": "association",
        "sector": "Culture",
    }
    data.update(extra)
    return data


def test_new_dossier_form_and_beneficiary_rule(client, advisor, login_as, pole, db):
    login_as(advisor)
    page = body(client.get("/accompaniments/new"))
    for label in (
        "Formation complète",
        "Accompagnateur·rice référent·e",
        "Aide ponctuelle",
        "SCOP",
        "SAS de l'ESS",
    ):
        assert label in page
    person, collective = make_person(pole), make_collective(pole)
    neither = client.post("/accompaniments/new", data=_form(pole, advisor))
    assert "l'un des deux, pas les deux" in body(neither)
    both = client.post(
        "/accompaniments/new",
        data=_form(pole, advisor, person_id=str(person.id), collective_id=str(collective.id)),
    )
    assert "l'un des deux, pas les deux" in body(both)
    amount_without_financing = client.post(
        "/accompaniments/new", data=_form(pole, advisor, person_id=str(person.id), financing_amount="100")
    )
    assert "Financement obtenu" in body(amount_without_financing)
    assert db.session.scalar(select(func.count()).select_from(Accompaniment)) == 0
    theme = db.session.scalar(select(Thematic).where(Thematic.pole_id == pole.id))
    ok = client.post(
        "/accompaniments/new",
        data=_form(
            pole,
            advisor,
            collective_id=str(collective.id),
            financing_obtained="y",
            financing_amount="2500.50",
            thematics=[str(theme.id)],
        ),
    )
    assert ok.status_code == 302
    acc = db.session.scalar(select(Accompaniment))
    assert acc.collective_id == collective.id and acc.financing_amount == 2500.5 and acc.thematics == [theme]
    assert acc.current_stage.name == "Accueil" and acc.started_on == date(2026, 2, 1)


@freeze_time("2026-03-10 10:00:00")
def test_detail_page_shows_parcours_timeline_and_next_session(client, advisor, login_as, pole, db):
    login_as(advisor)
    acc = make_accompaniment(pole, referent=advisor, started_on=date(2026, 1, 5), title="Épicerie")
    stages = default_template(pole).stages
    move_to_stage(acc, stages[1], date(2026, 2, 1), by=advisor, comment="RAS")
    make_session(pole, [acc], utc(2026, 3, 1, 9), title="Séance passée")
    make_session(pole, [acc], utc(2026, 3, 20, 9), title="Atelier gouvernance")
    page = body(client.get(f"/accompaniments/{acc.id}"))
    assert 'class="stage-done"' in page and 'class="stage-current" aria-current="step"' in page
    assert "Passage de l'étape « Accueil » à « Diagnostic partagé »" in page and "RAS" in page
    assert "Ouverture du dossier" in page
    assert page.index("05/01/2026") < page.index("01/02/2026")
    assert "Atelier gouvernance" in page and "20/03/2026 10:00" in page
    assert f'<option selected value="{stages[2].id}">Émergence</option>' in page


@freeze_time("2026-03-10 10:00:00")
def test_move_stage_through_the_page(client, advisor, login_as, pole, db):
    login_as(advisor)
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    stages = default_template(pole).stages
    future = client.post(
        f"/accompaniments/{acc.id}/stage", data={"stage_id": stages[1].id, "on": "2026-03-11"}
    )
    assert future.status_code == 422 and "futur" in body(future)
    r = client.post(
        f"/accompaniments/{acc.id}/stage",
        data={"stage_id": stages[1].id, "on": "2026-03-09", "comment": "Premier diagnostic"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    last = db.session.scalars(select(StageTransition).order_by(StageTransition.id.desc())).first()
    assert (last.from_stage_id, last.to_stage_id, last.transitioned_on, last.by_id, last.comment) == (
        stages[0].id,
        stages[1].id,
        date(2026, 3, 9),
        advisor.id,
        "Premier diagnostic",
    )
    assert client.get(f"/accompaniments/{acc.id}/stage").status_code == 200


@freeze_time("2026-03-10 10:00:00")
def test_close_requires_review_then_cannot_move_then_reopen(client, advisor, login_as, pole, db):
    login_as(advisor)
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    stages = default_template(pole).stages
    url = f"/accompaniments/{acc.id}/status"
    page = body(client.get(f"{url}/close"))
    assert "Motif de fin" in page and "Bilan de l'accompagnement" in page
    missing = client.post(f"{url}/close", data={"on": "2026-03-10", "end_reason": "Lancé"})
    assert missing.status_code == 200 and "field-error" in body(missing)
    r = client.post(
        f"{url}/close",
        data={
            "on": "2026-03-10",
            "end_reason": "Projet lancé",
            "end_review": "La SCIC est créée.",
            "financing_obtained": "y",
            "financing_amount": "12000",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    acc = db.session.get(Accompaniment, acc.id)
    assert acc.status == "closed" and acc.end_review == "La SCIC est créée." and acc.financing_amount == 12000
    blocked = client.post(
        f"/accompaniments/{acc.id}/stage",
        data={"stage_id": stages[1].id, "on": "2026-03-10"},
        follow_redirects=True,
    )
    assert "rouvrez-le avant de changer d'étape" in body(blocked)
    assert db.session.scalar(select(func.count()).select_from(StageTransition)) == 1
    detail = body(client.get(f"/accompaniments/{acc.id}"))
    assert "Rouvrir" in detail and "Changer d'étape</button>" not in detail
    assert client.post(f"{url}/reopen", data={"on": "2026-03-10", "comment": "Relance"}).status_code == 302
    db.session.expire_all()
    reopen = db.session.scalars(
        select(AccompanimentStatusChange).order_by(AccompanimentStatusChange.id.desc())
    ).first()
    assert (reopen.from_status, reopen.to_status, reopen.comment, reopen.by_id) == (
        "closed",
        "active",
        "Relance",
        advisor.id,
    )
    assert "Dossier rouvert (était : Clos)" in body(client.get(f"/accompaniments/{acc.id}"))
    # An action that does not apply to the current status is refused with a message.
    wrong = client.post(f"{url}/reopen", data={"on": "2026-03-10"}, follow_redirects=True)
    assert "pas possible" in body(wrong)
    assert client.get(f"{url}/explode").status_code == 404


def test_edit_dossier_and_change_template(client, admin, login_as, pole, db):
    login_as(admin)
    acc = make_accompaniment(pole, started_on=date(2026, 1, 5))
    client.post("/pathways/new", data={"name": "Parcours express", "with_default_stages": "y"})
    from app.pathways.models import PathwayTemplate

    express = db.session.scalar(select(PathwayTemplate).where(PathwayTemplate.name == "Parcours express"))
    assert f'value="{acc.title}"' in body(client.get(f"/accompaniments/{acc.id}/edit"))
    r = client.post(
        f"/accompaniments/{acc.id}/edit",
        data=_form(
            pole, admin, person_id=str(acc.person_id), title="Nouveau titre", template_id=str(express.id)
        ),
    )
    assert r.status_code == 302
    db.session.expire_all()
    acc = db.session.get(Accompaniment, acc.id)
    assert acc.title == "Nouveau titre" and acc.template_id == express.id
    assert acc.current_stage.template_id == express.id


def test_index_filters(client, advisor, admin, login_as, pole, db):
    login_as(advisor)
    mine = make_accompaniment(pole, referent=advisor, title="Projet Alpha")
    other = make_accompaniment(pole, referent=admin, title="Projet Beta")
    with client.application.test_request_context():
        move_to_stage(other, default_template(pole).stages[1], date(2026, 1, 6))
        change_status(other, "suspend", date(2026, 1, 7))
    assert "Projet Alpha" in body(client.get("/accompaniments/")) and "Projet Beta" in body(
        client.get("/accompaniments/")
    )
    page = body(client.get(f"/accompaniments/?referent={advisor.id}"))
    assert "Projet Alpha" in page and "Projet Beta" not in page
    page = body(client.get("/accompaniments/?status=suspended"))
    assert "Projet Alpha" not in page and "Projet Beta" in page
    page = body(client.get(f"/accompaniments/?stage={mine.current_stage_id}"))
    assert "Projet Alpha" in page and "Projet Beta" not in page
    assert client.get("/accompaniments/?referent=abc&stage=x").status_code == 200


def test_dossier_page_runs_a_fixed_number_of_queries(client, advisor, login_as, pole, db, count_queries):
    login_as(advisor)
    stages = default_template(pole).stages

    def build(n):
        acc = make_accompaniment(pole, referent=advisor, started_on=date(2025, 1, 1))
        for i in range(n):
            move_to_stage(acc, stages[(i + 1) % len(stages)], date(2025, 1, 2) + timedelta(days=i))
            make_session(pole, [acc], utc(2025, 2, 1) + timedelta(days=i))
        return acc

    small, big = build(1), build(20)
    counts = []
    for acc in (small, big):
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(f"/accompaniments/{acc.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- Advisor home -------------------------------------------------------------------------------


@freeze_time("2026-06-30 10:00:00")
def test_home_flags_stalled_dossiers_and_late_requests(client, advisor, login_as, pole, db):
    login_as(advisor)
    req = RequestFactory(pole=pole, received_on=date(2026, 1, 2), outcome="accompaniment")
    fresh = make_accompaniment(pole, referent=advisor, started_on=date(2026, 1, 5), title="Dossier suivi")
    fresh.request_id = req.id
    make_session(pole, [fresh], utc(2026, 1, 12, 9))  # first séance: 10 days after the request
    make_session(pole, [fresh], utc(2026, 6, 1, 9))  # 29 days ago: not stalled
    make_session(pole, [fresh], utc(2026, 7, 15, 9))  # planned: neither first nor last held
    stalled = make_accompaniment(
        pole, referent=advisor, started_on=date(2026, 1, 5), title="Dossier en panne"
    )
    make_session(pole, [stalled], utc(2026, 5, 15, 9))  # 46 days ago
    never = make_accompaniment(pole, referent=advisor, started_on=date(2026, 5, 1), title="Jamais vu")
    make_accompaniment(pole, title="Pas à moi")
    closed = make_accompaniment(pole, referent=advisor, title="Dossier clos")
    with client.application.test_request_context():
        change_status(closed, "abandon", date(2026, 6, 1))
    RequestFactory(pole=pole, received_on=date(2026, 6, 14), contact_text="Demande ancienne")  # 16 days
    RequestFactory(pole=pole, received_on=date(2026, 6, 16), contact_text="Demande récente")  # 14 days
    page = body(client.get("/"))
    assert "Pas à moi" not in page and "Dossier clos" not in page
    rows = {
        title: page[page.index(title) : page.index("</tr>", page.index(title))]
        for title in ("Dossier suivi", "Dossier en panne", "Jamais vu")
    }
    assert "01/06/2026" in rows["Dossier suivi"] and "sans séance depuis" not in rows["Dossier suivi"]
    assert "10 jours" in rows["Dossier suivi"]
    assert (
        "15/05/2026" in rows["Dossier en panne"]
        and "sans séance depuis plus de 45 jours" in rows["Dossier en panne"]
    )
    assert "aucune" in rows["Jamais vu"] and "sans séance depuis" in rows["Jamais vu"]
    assert "2 dossiers sans séance depuis plus de 45 jours" in page
    late = page[page.index("Demande ancienne") : page.index("</li>", page.index("Demande ancienne"))]
    recent = page[page.index("Demande récente") : page.index("</li>", page.index("Demande récente"))]
    assert "en attente depuis plus de 15 jours" in late and "en attente depuis" not in recent
    assert never.id


@freeze_time("2026-06-30 10:00:00")
def test_home_stalled_threshold_is_a_pole_setting(client, advisor, login_as, pole, db):
    login_as(advisor)
    pole.stalled_after_days = 10
    acc = make_accompaniment(pole, referent=advisor, started_on=date(2026, 1, 5), title="Dossier")
    make_session(pole, [acc], utc(2026, 6, 15, 9))
    assert "sans séance depuis plus de 10 jours" in body(client.get("/"))


def test_home_runs_a_fixed_number_of_queries(client, advisor, login_as, pole, db, count_queries):
    login_as(advisor)
    counts = []
    for n in (1, 20):
        for i in range(n):
            acc = make_accompaniment(pole, referent=advisor)
            make_session(pole, [acc], utc(2026, 1, 10) + timedelta(days=i))
            RequestFactory(pole=pole)
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_home_section_is_for_staff_only(client, pole, login_as, db):
    holder = UserFactory(pole=pole, role="holder")
    login_as(holder)
    assert "Mes dossiers actifs" not in body(client.get("/"))


# --- Isolation and roles --------------------------------------------------------------------------


def _routes(pole):
    acc = make_accompaniment(pole)
    req = RequestFactory(pole=pole)
    template = default_template(pole)
    stage = template.stages[1]
    return [
        ("get", "/requests/", None),
        ("get", "/requests/new", None),
        ("get", f"/requests/{req.id}", None),
        ("get", f"/requests/{req.id}/edit", None),
        (
            "post",
            f"/requests/{req.id}/edit",
            {"channel": "phone", "contact_text": "x", "received_on": "2026-01-01"},
        ),
        ("post", f"/requests/{req.id}/outcome", {"outcome": "oriented"}),
        ("get", f"/requests/{req.id}/open", None),
        ("post", f"/requests/{req.id}/open", {"last_name": "X", "title": "x", "started_on": "2026-01-10"}),
        ("get", "/accompaniments/", None),
        ("get", "/accompaniments/new", None),
        ("get", f"/accompaniments/{acc.id}", None),
        ("get", f"/accompaniments/{acc.id}/edit", None),
        ("post", f"/accompaniments/{acc.id}/edit", {"title": "x"}),
        ("get", f"/accompaniments/{acc.id}/stage", None),
        ("post", f"/accompaniments/{acc.id}/stage", {"stage_id": stage.id, "on": "2026-01-10"}),
        ("get", f"/accompaniments/{acc.id}/status/suspend", None),
        (
            "post",
            f"/accompaniments/{acc.id}/status/close",
            {"on": "2026-01-10", "end_reason": "x", "end_review": "y"},
        ),
        ("get", "/pathways/", None),
        ("get", "/pathways/new", None),
        ("get", f"/pathways/{template.id}", None),
        ("post", f"/pathways/{template.id}/active", None),
        ("post", f"/pathways/{template.id}/stages", {"name": "x"}),
        ("get", f"/pathways/{template.id}/stages/{stage.id}", None),
        ("post", f"/pathways/{template.id}/stages/{stage.id}/move", {"direction": "up"}),
        ("post", f"/pathways/{template.id}/stages/{stage.id}/active", None),
    ]


LIST_PAGES = {
    "/requests/",
    "/requests/new",
    "/accompaniments/",
    "/accompaniments/new",
    "/pathways/",
    "/pathways/new",
}


def test_other_poles_records_answer_404_on_every_route(client, admin, login_as, other_pole, db):
    login_as(admin)
    for method, url, data in _routes(other_pole):
        if url in LIST_PAGES:
            continue
        response = getattr(client, method)(url, data=data or {})
        assert response.status_code == 404, (method, url, response.status_code)
    db.session.expire_all()
    theirs = db.session.scalars(select(Accompaniment).where(Accompaniment.pole_id == other_pole.id)).all()
    assert all(a.title != "x" and a.status == "active" for a in theirs)


def test_lists_show_only_the_poles_records(client, admin, login_as, pole, other_pole, db):
    login_as(admin)
    make_accompaniment(other_pole, title="Dossier voisin")
    RequestFactory(pole=other_pole, contact_text="Sollicitation voisine")
    assert "Dossier voisin" not in body(client.get("/accompaniments/"))
    assert "Sollicitation voisine" not in body(client.get("/requests/"))
    assert "Sollicitation voisine" not in body(client.get("/"))


@pytest.mark.parametrize("role", ["holder", "partner", "regional"])
def test_holders_partners_and_regional_get_404_on_every_staff_page(client, login_as, pole, db, role):
    login_as(UserFactory(pole=None if role == "regional" else pole, role=role))
    for method, url, data in _routes(pole):
        response = getattr(client, method)(url, data=data or {})
        assert response.status_code == 404, (role, method, url, response.status_code)


def test_anonymous_visitors_are_sent_to_login(client, pole, db):
    for method, url, data in _routes(pole):
        response = getattr(client, method)(url, data=data or {})
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("url", ["/accompaniments/", "/requests/"])
def test_lists_run_a_fixed_number_of_queries(client, advisor, login_as, pole, db, count_queries, url):
    login_as(advisor)
    structure_collective = make_collective(pole)
    counts = []
    for n in (1, 20):
        for i in range(n):
            if i % 2:
                make_accompaniment(pole, collective=structure_collective, referent=advisor)
                req = RequestFactory(pole=pole, contact_text=None)
                req.collective_id = structure_collective.id
            else:
                make_accompaniment(pole, referent=advisor)
                req = RequestFactory(pole=pole, contact_text=None)
                req.person_id = make_person(pole).id
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_dossier_page_gathers_seances_orientations_and_actions(client, advisor, login_as, pole, db):
    from tests.referrals.factories import PartnerFactory, make_referral

    acc = make_accompaniment(pole, referent=advisor, started_on=date(2025, 1, 1))
    make_session(pole, [acc], utc(2025, 2, 1, 9))
    partner = PartnerFactory(pole_id=pole.id, name="URSCOP Bretagne")
    make_referral(pole, advisor, partner, accompaniment=acc, path=("sent",))
    login_as(advisor)
    html = client.get(f"/accompaniments/{acc.id}").get_data(as_text=True)
    assert "URSCOP Bretagne" in html  # orientation in the timeline
    assert "Séance" in html and f"/sessions/new?accompaniment={acc.id}" in html
    assert f"/referrals/new?accompaniment_id={acc.id}" in html
    assert "Satisfaction" in html

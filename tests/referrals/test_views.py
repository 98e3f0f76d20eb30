from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.poles.models import Thematic
from app.referrals.models import Referral
from tests.factories import UserFactory
from tests.referrals.factories import (
    AccompanimentFactory,
    CollectiveFactory,
    PartnerFactory,
    PersonFactory,
    make_referral,
)


def text(response) -> str:
    return response.get_data(as_text=True)


def thematic(db, pole, name):
    return db.session.scalar(select(Thematic).where(Thematic.pole_id == pole.id, Thematic.name == name))


@pytest.fixture
def partner(pole):
    return PartnerFactory(pole_id=pole.id, name="DLA Ille-et-Vilaine")


@pytest.fixture
def partner_user(pole, partner):
    return UserFactory(pole=pole, role="partner", structure_id=partner.id, full_name="Gaëlle Morvan")


# --- List -----------------------------------------------------------------------------------


def test_list_filters(client, db, pole, advisor, login_as):
    other_advisor = UserFactory(pole=pole, full_name="Autre Conseillère")
    legal = thematic(db, pole, "Cadre juridique")
    a = PartnerFactory(pole_id=pole.id, name="Alpha partenaire")
    b = PartnerFactory(pole_id=pole.id, name="Bêta partenaire")
    with freeze_time("2026-04-20 10:00:00"):
        r1 = make_referral(pole, advisor, a, referred_on=date(2026, 3, 5), thematics=[legal], path=("sent",))
        r2 = make_referral(pole, other_advisor, b, referred_on=date(2026, 4, 2))
    login_as(advisor)

    def ids(**args):
        response = client.get("/referrals/", query_string=args)
        assert response.status_code == 200
        body = text(response)
        return {r.id for r in (r1, r2) if f'/referrals/{r.id}"' in body}

    assert ids() == {r1.id, r2.id}
    assert ids(month="2026-03") == {r1.id}
    assert ids(partner=b.id) == {r2.id}
    assert ids(thematic=legal.id) == {r1.id}
    assert ids(status="sent") == {r1.id}
    assert ids(advisor=other_advisor.id) == {r2.id}
    bad = client.get("/referrals/", query_string={"month": "mars"})
    assert bad.status_code == 200 and "AAAA-MM" in text(bad)


def test_list_query_count_does_not_grow_with_rows(client, db, pole, advisor, login_as, count_queries):
    legal = thematic(db, pole, "Cadre juridique")
    make_referral(pole, advisor, thematics=[legal])
    login_as(advisor)
    client.get("/referrals/")
    with count_queries() as one:
        assert client.get("/referrals/").status_code == 200
    for i in range(19):
        make_referral(pole, advisor, thematics=[legal], collective=CollectiveFactory(pole_id=pole.id))
    db.session.flush()
    with count_queries() as twenty:
        response = client.get("/referrals/")
    assert text(response).count('href="/referrals/') >= 20
    assert twenty.count == one.count, "\n".join(twenty.statements)


# --- Creation -------------------------------------------------------------------------------


def test_new_prefilled_with_collective_and_partners_ranked_by_thematics(client, db, pole, advisor, login_as):
    gov = thematic(db, pole, "Gouvernance partagée")
    PartnerFactory(pole_id=pole.id, name="AAA sans rapport")
    PartnerFactory(pole_id=pole.id, name="ZZZ gouvernance", thematics=[gov])
    collective = CollectiveFactory(pole_id=pole.id, name="Épicerie solidaire")
    login_as(advisor)
    body = text(client.get(f"/referrals/new?collective_id={collective.id}"))
    assert "Épicerie solidaire" in body
    assert body.index("AAA sans rapport") < body.index("ZZZ gouvernance")
    body = text(
        client.post(
            f"/referrals/new?collective_id={collective.id}",
            data={"thematics": [gov.id], "filter": "1", "reason": "Gouv"},
        )
    )
    assert body.index("ZZZ gouvernance") < body.index("AAA sans rapport")
    assert "1 thématique en commun" in body
    assert "Gouv</textarea>" in body


def test_new_from_dossier_preselects_its_thematics(client, db, pole, advisor, login_as):
    gov = thematic(db, pole, "Gouvernance partagée")
    person = PersonFactory(pole_id=pole.id)
    dossier = AccompanimentFactory(pole_id=pole.id, person_id=person.id, title="Tiers-lieu", thematics=[gov])
    login_as(advisor)
    body = text(client.get(f"/referrals/new?accompaniment_id={dossier.id}"))
    assert (
        "Tiers-lieu" in body
        and f'checked id="thematics-0" name="thematics" type="checkbox" value="{gov.id}"' in body
    )


@freeze_time("2026-05-12 10:00:00")
def test_create_and_send_now(client, db, pole, advisor, partner, login_as, outbox):
    partner.contact_email = "dla@partenaire.example"
    collective = CollectiveFactory(pole_id=pole.id)
    gov = thematic(db, pole, "Gouvernance partagée")
    login_as(advisor)
    response = client.post(
        f"/referrals/new?collective_id={collective.id}",
        data={
            "partner_id": partner.id,
            "thematics": [gov.id],
            "reason": "Gouvernance",
            "referred_on": "2026-05-11",
            "consent_to_share": "y",
            "send_now": "y",
        },
    )
    assert response.status_code == 302, text(response)
    referral = db.session.scalar(select(Referral).where(Referral.collective_id == collective.id))
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert (referral.status, referral.sent_on, referral.follow_up_on, referral.referred_by_id) == (
        "sent",
        date(2026, 5, 11),
        date(2026, 5, 21),
        advisor.id,
    )
    assert outbox[-1]["To"] == "dla@partenaire.example"


@freeze_time("2026-05-12 10:00:00")
def test_create_refuses_future_date_and_missing_beneficiary(client, db, pole, advisor, partner, login_as):
    person = PersonFactory(pole_id=pole.id)
    login_as(advisor)
    future = client.post(
        f"/referrals/new?person_id={person.id}", data={"partner_id": partner.id, "referred_on": "2026-05-13"}
    )
    assert future.status_code == 200 and "ne peut pas être dans le futur" in text(future)
    nobody = client.post("/referrals/new", data={"partner_id": partner.id, "referred_on": "2026-05-12"})
    assert "Choisissez un bénéficiaire" in text(nobody)
    picked = client.post(
        "/referrals/new", data={"partner_id": partner.id, "referred_on": "2026-05-12", "person_id": person.id}
    )
    assert picked.status_code == 302
    assert db.session.scalar(select(Referral.status).where(Referral.person_id == person.id)) == "proposed"


# --- Detail and workflow --------------------------------------------------------------------


@freeze_time("2026-05-20 10:00:00")
def test_detail_history_and_back_dated_status_change(client, db, pole, advisor, partner, login_as, outbox):
    referral = make_referral(pole, advisor, partner, referred_on=date(2026, 5, 4))
    login_as(advisor)
    body = text(client.get(f"/referrals/{referral.id}"))
    assert "Proposée" in body and "04/05/2026" in body and advisor.full_name in body
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "sent", "status-changed_on": "2026-05-03"},
    )
    assert response.status_code == 422
    assert "ne peut pas précéder la date de l&#39;orientation (04/05/2026)" in text(response)
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "sent", "status-changed_on": "2026-05-21"},
    )
    assert response.status_code == 422 and "futur" in text(response)
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "accepted", "status-changed_on": "2026-05-06"},
    )
    assert response.status_code == 422
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "sent", "status-changed_on": "2026-05-06", "status-comment": "Par mail"},
    )
    assert response.status_code == 302
    assert referral.status == "sent" and referral.sent_on == date(2026, 5, 6)
    response = client.post(
        f"/referrals/{referral.id}/status",
        data={"status-status": "declined", "status-changed_on": "2026-05-07"},
    )
    assert response.status_code == 422 and "motif du refus" in text(response)
    body = text(client.get(f"/referrals/{referral.id}"))
    assert "Envoyée" in body and "Par mail" in body
    response = client.post(f"/referrals/{referral.id}/comment", data={"comment-comment": "Relancé"})
    assert response.status_code == 302 and referral.history[-1].comment == "Relancé"
    response = client.post(f"/referrals/{referral.id}/follow-up", data={"follow-follow_up_on": "2026-06-01"})
    assert response.status_code == 302 and referral.follow_up_on == date(2026, 6, 1)


def test_to_chase_page_and_closing(client, db, pole, advisor, login_as):
    with freeze_time("2026-03-01 10:00:00") as frozen:
        due = make_referral(pole, advisor, referred_on=date(2026, 3, 1))
        silent = [
            make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 3, 1)) for _ in range(3)
        ]
        frozen.move_to("2026-04-02 10:00:00")
        login_as(advisor)
        body = text(client.get("/referrals/to-chase"))
        assert "Date de relance atteinte (1)" in body
        assert "à clore sans suite (3)" in body
        assert f'/referrals/{due.id}"' in body
        assert f'formaction="/referrals/{silent[0].id}/close"' in body  # the row's own button
        assert client.post(f"/referrals/{silent[0].id}/close").status_code == 302
        assert silent[0].status == "no_follow_up" and silent[0].history[-1].by_id == advisor.id
        assert client.post("/referrals/to-chase/close-all").status_code == 302
        assert {r.status for r in silent} == {"no_follow_up"}
        assert due.status == "proposed"
        assert "1 à relancer, 0 sans réponse à clore" in text(client.get("/"))


def _chase_fixture(pole, advisor, n):
    """`n` referrals due for chasing and `n` sent ones left unanswered, persons and collectives."""
    with freeze_time("2026-03-01 10:00:00"):
        for i in range(n):
            beneficiary = {"collective": CollectiveFactory(pole_id=pole.id)} if i % 2 else {}
            make_referral(pole, advisor, referred_on=date(2026, 3, 1), **beneficiary)
            make_referral(pole, advisor, path=("sent",), referred_on=date(2026, 3, 1), **beneficiary)


def test_to_chase_query_count_does_not_grow_with_rows(client, db, pole, advisor, login_as, count_queries):
    _chase_fixture(pole, advisor, 1)
    with freeze_time("2026-04-02 10:00:00"):
        login_as(advisor)
        client.get("/referrals/to-chase")
        with count_queries() as one:
            assert client.get("/referrals/to-chase").status_code == 200
        _chase_fixture(pole, advisor, 10)
        db.session.flush()
        with count_queries() as many:
            body = text(client.get("/referrals/to-chase"))
    assert "Date de relance atteinte (11)" in body and "à clore sans suite (11)" in body
    assert body.count('formaction="/referrals/') == 22
    assert many.count == one.count, "\n".join(many.statements)


def test_to_chase_rows_show_the_beneficiary_partner_and_advisor(client, db, pole, advisor, login_as):
    partner = PartnerFactory(pole_id=pole.id, name="Coop'Bât", contact_phone="02 99 00 00 00")
    collective = CollectiveFactory(pole_id=pole.id, name="Épicerie du Pâtis")
    person = PersonFactory(pole_id=pole.id, first_name="Maëlle", last_name="Le Goff")
    with freeze_time("2026-03-01 10:00:00"):
        by_collective = make_referral(pole, advisor, partner, collective=collective, path=("sent",))
        by_person = make_referral(pole, advisor, partner, person=person, referred_on=date(2026, 2, 27))
    by_person.referred_by_id = None  # the advisor's account was deleted
    db.session.flush()
    with freeze_time("2026-04-02 10:00:00"):
        login_as(advisor)
        body = text(client.get("/referrals/to-chase"))
    due, to_close = body.split('id="close-title"')
    assert "Maëlle Le Goff</a>" in due and "27/02/2026" in due and "<td>—</td>" in due
    assert "Proposée" in due and "Coop&#39;Bât<br><small>02 99 00 00 00</small>" in due
    assert "Épicerie du Pâtis</a>" in to_close and "Envoyée" in to_close
    assert f"<td>{advisor.display_name}</td>" in to_close and "01/03/2026" in to_close
    # Each button names its row for screen readers ("Clore sans suite Épicerie du Pâtis").
    assert f'formaction="/referrals/{by_collective.id}/close"' in to_close
    assert 'Clore sans suite<span class="visually-hidden"> Épicerie du Pâtis</span>' in to_close


def test_to_chase_closes_a_row_through_the_lists_csrf_protected_form(app, db, pole, advisor):
    """The rows share their list's form and its CSRF token: the row's button posts both."""
    import re
    from datetime import timedelta

    from app import create_app
    from app.referrals import services
    from config import TestConfig
    from tests.conftest import PASSWORD

    class CsrfConfig(TestConfig):
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    long_ago = services.pole_today(pole) - timedelta(days=pole.referral_no_answer_days + 10)
    kept, closed = (make_referral(pole, advisor, path=("sent",), referred_on=long_ago).id for _ in range(2))
    email = advisor.email
    # Commit inside the test's outer transaction (rolled back afterwards): the second app's
    # context teardowns end the session, which must not take the records with it.
    db.session.commit()
    token_of = re.compile(r'name="csrf_token" value="([^"]+)"')
    with create_app(CsrfConfig).test_client() as c:
        token = token_of.search(c.get("/login").get_data(as_text=True)).group(1)
        login = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert login.status_code == 302
        body = text(c.get("/referrals/to-chase"))
        to_close = body.split('id="close-title"')[1]
        form = re.search(r'<form method="post">(.*?)</form>', to_close, re.S).group(1)
        button = f'formaction="/referrals/{closed}/close"'
        assert form.count("csrf_token") == 1 and button in form and f"/referrals/{kept}/close" in form
        assert c.post(f"/referrals/{closed}/close").status_code == 400  # no token
        response = c.post(f"/referrals/{closed}/close", data={"csrf_token": token_of.search(form).group(1)})
        assert response.status_code == 302 and response.location.endswith("/referrals/to-chase")
    statuses = db.session.execute(select(Referral.id, Referral.status).where(Referral.id.in_([kept, closed])))
    assert dict(statuses.all()) == {closed: "no_follow_up", kept: "sent"}


# --- Partner accounts -----------------------------------------------------------------------


def test_admin_invites_partner_referent(client, db, pole, admin, advisor, partner, login_as, outbox):
    login_as(advisor)
    assert client.get("/referrals/partners/invite").status_code == 404
    client.post("/logout")
    login_as(admin)
    assert partner.name in text(client.get("/referrals/partners/invite"))
    response = client.post(
        "/referrals/partners/invite",
        data={"structure_id": partner.id, "email": "anne@dla.example", "full_name": "Anne"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "anne@dla.example"))
    assert (user.role, user.structure_id, user.pole_id) == ("partner", partner.id, pole.id)
    assert outbox[-1]["To"] == "anne@dla.example"
    again = client.post(
        "/referrals/partners/invite", data={"structure_id": partner.id, "email": "anne@dla.example"}
    )
    assert "Un compte existe déjà" in text(again)
    assert "anne@dla.example" in text(client.get("/referrals/partners/invite"))


def test_partner_sees_only_their_structure_orientations(
    client, db, pole, advisor, partner, partner_user, login_as
):
    mine = make_referral(pole, advisor, partner, path=("sent",))
    not_sent = make_referral(pole, advisor, partner)
    dropped = make_referral(pole, advisor, partner, path=("no_follow_up",))
    elsewhere = make_referral(pole, advisor, path=("sent",))
    login_as(partner_user)
    body = text(client.get("/referrals/partner"))
    assert f'/referrals/partner/{mine.id}"' in body
    assert f'/referrals/partner/{elsewhere.id}"' not in body
    assert f'/referrals/partner/{not_sent.id}"' not in body
    assert f'/referrals/partner/{dropped.id}"' not in body
    assert client.get(f"/referrals/partner/{dropped.id}").status_code == 404
    assert "1 orientation(s) en attente de votre réponse" in text(client.get("/"))
    assert client.get(f"/referrals/partner/{mine.id}").status_code == 200
    assert client.get(f"/referrals/partner/{elsewhere.id}").status_code == 404
    assert client.get(f"/referrals/partner/{not_sent.id}").status_code == 404
    for url in (
        "/referrals/",
        f"/referrals/{mine.id}",
        "/referrals/new",
        "/referrals/to-chase",
        "/referrals/partners/invite",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/referrals/{mine.id}/status", data={"status-status": "accepted"}).status_code == 404


def test_partner_gets_404_on_every_staff_page(app, client, db, pole, partner_user, login_as):
    """Sweep: every GET route reserved to roles without `partner` answers 404 to a partner."""
    login_as(partner_user)
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", None)
        if roles is None or "partner" in roles or "GET" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        assert client.get(url).status_code == 404, url
        checked += 1
    assert checked >= 5


def test_partner_without_consent_sees_no_contact_details(
    client, db, pole, advisor, partner, partner_user, login_as
):
    person = PersonFactory(
        pole_id=pole.id, first_name="Gwenaëlle", last_name="Kerhervé", phone="06 99 88 77 66"
    )
    referral = make_referral(pole, advisor, partner, person=person, consent_to_share=False, path=("sent",))
    login_as(partner_user)
    for url in ("/referrals/partner", f"/referrals/partner/{referral.id}"):
        body = text(client.get(url))
        assert "Gwenaëlle" in body
        for secret in ("Kerhervé", person.email, "06 99 88 77 66"):
            assert secret not in body, (url, secret)
    assert "Non partagées" in body


def test_partner_with_consent_sees_contact_details(
    client, db, pole, advisor, partner, partner_user, login_as
):
    person = PersonFactory(pole_id=pole.id, phone="06 99 88 77 66")
    referral = make_referral(pole, advisor, partner, person=person, consent_to_share=True, path=("sent",))
    login_as(partner_user)
    body = text(client.get(f"/referrals/partner/{referral.id}"))
    assert person.email in body and "06 99 88 77 66" in body and person.last_name in body


def test_partner_answers_and_comments_in_history_with_name(
    client, db, pole, advisor, partner, partner_user, login_as
):
    referral = make_referral(pole, advisor, partner, path=("sent",))
    today = referral.referred_on.isoformat()
    login_as(partner_user)
    url = f"/referrals/partner/{referral.id}"
    assert 'value="no_follow_up"' not in text(client.get(url))
    refused = client.post(url, data={"status-status": "no_follow_up", "status-changed_on": today})
    assert refused.status_code == 422 and referral.status == "sent"
    no_reason = client.post(url, data={"status-status": "declined", "status-changed_on": today})
    assert no_reason.status_code == 422 and "motif du refus" in text(no_reason)
    ok = client.post(
        url, data={"status-status": "accepted", "status-changed_on": today, "status-comment": "RDV"}
    )
    assert ok.status_code == 302 and referral.status == "accepted"
    assert client.post(f"{url}/comment", data={"comment-comment": "Premier RDV le 3"}).status_code == 302
    done = client.post(
        url,
        data={"status-status": "completed", "status-changed_on": today, "status-outcome": "Diagnostic fait"},
    )
    assert (
        done.status_code == 302 and referral.status == "completed" and referral.outcome == "Diagnostic fait"
    )
    client.post("/logout")
    login_as(advisor)
    body = text(client.get(f"/referrals/{referral.id}"))
    assert body.count("Gaëlle Morvan") == 3 and "Premier RDV le 3" in body and "Diagnostic fait" in body


def test_partner_declines_with_reason(client, db, pole, advisor, partner, partner_user, login_as):
    referral = make_referral(pole, advisor, partner, path=("sent",))
    login_as(partner_user)
    response = client.post(
        f"/referrals/partner/{referral.id}",
        data={
            "status-status": "declined",
            "status-changed_on": referral.referred_on.isoformat(),
            "status-decline_reason": "no_capacity",
        },
    )
    assert response.status_code == 302
    assert (referral.status, referral.decline_reason) == ("declined", "no_capacity")
    assert "Capacité atteinte" in text(client.get(f"/referrals/partner/{referral.id}"))


def test_partner_without_structure_sees_nothing(client, db, pole, advisor, partner, login_as):
    orphan = UserFactory(pole=pole, role="partner", structure_id=None)
    referral = make_referral(pole, advisor, partner, path=("sent",))
    login_as(orphan)
    assert f"/referrals/partner/{referral.id}" not in text(client.get("/referrals/partner"))
    assert client.get(f"/referrals/partner/{referral.id}").status_code == 404


# --- Pole isolation -------------------------------------------------------------------------


def test_other_pole_records_answer_404_everywhere(client, db, pole, other_pole, admin, login_as):
    other_advisor = UserFactory(pole=other_pole)
    other_partner = PartnerFactory(pole_id=other_pole.id)
    theirs = make_referral(other_pole, other_advisor, other_partner, path=("sent",))
    their_person = PersonFactory(pole_id=other_pole.id)
    their_collective = CollectiveFactory(pole_id=other_pole.id)
    their_dossier = AccompanimentFactory(pole_id=other_pole.id, person_id=their_person.id)
    login_as(admin)
    for url in (
        f"/referrals/{theirs.id}",
        f"/referrals/new?person_id={their_person.id}",
        f"/referrals/new?collective_id={their_collective.id}",
        f"/referrals/new?accompaniment_id={their_dossier.id}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/referrals/{theirs.id}/status",
        f"/referrals/{theirs.id}/comment",
        f"/referrals/{theirs.id}/follow-up",
        f"/referrals/{theirs.id}/close",
    ):
        assert client.post(url, data={}).status_code == 404, url
    assert f'/referrals/{theirs.id}"' not in text(client.get("/referrals/"))
    assert f'/referrals/{theirs.id}"' not in text(client.get("/referrals/to-chase"))
    client.post("/referrals/to-chase/close-all")
    assert theirs.status == "sent"
    # Their partner is neither offered nor accepted.
    assert other_partner.name not in text(client.get("/referrals/new"))
    mine = PersonFactory(pole_id=pole.id)
    response = client.post(
        f"/referrals/new?person_id={mine.id}",
        data={"partner_id": other_partner.id, "referred_on": date.today().isoformat()},
    )
    assert response.status_code == 200
    assert "pas un choix valide" in text(response)
    response = client.post(
        "/referrals/partners/invite", data={"structure_id": other_partner.id, "email": "z@z.example"}
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "z@z.example")) is None
    # A partner user of the other pole, even of the same structure id, cannot see ours.
    their_partner_user = UserFactory(pole=other_pole, role="partner", structure_id=other_partner.id)
    client.post("/logout")
    mine_referral = make_referral(pole, admin, path=("sent",))
    login_as(their_partner_user)
    assert client.get(f"/referrals/partner/{mine_referral.id}").status_code == 404
    assert client.post(f"/referrals/partner/{mine_referral.id}", data={}).status_code == 404
    comment = client.post(f"/referrals/partner/{mine_referral.id}/comment", data={"comment-comment": "x"})
    assert comment.status_code == 404
    assert f'/referrals/partner/{mine_referral.id}"' not in text(client.get("/referrals/partner"))
    assert client.get(f"/referrals/partner/{theirs.id}").status_code == 200


# --- Partials for other domains' pages ------------------------------------------------------


def test_timeline_entries_and_partner_stats_render(app, db, pole, advisor, partner, partner_user):
    from flask import render_template_string

    from app.referrals import services

    person = PersonFactory(pole_id=pole.id)
    dossier = AccompanimentFactory(pole_id=pole.id, person_id=person.id)
    referral = make_referral(pole, advisor, partner, accompaniment=dossier, path=("sent",))
    services.change_referral_status(
        referral, "accepted", on=referral.referred_on, by=partner_user, comment="RDV fixé"
    )
    with app.test_request_context():
        html = [
            render_template_string("{% include template %}", template=template, obj=obj)
            for _day, _kind, template, obj in services.referral_timeline_entries(dossier)
        ]
        stats = render_template_string(
            '{% include "referrals/_partner_stats.html" %}', stats=services.partner_stats(partner)
        )
    assert "Orientation vers DLA Ille-et-Vilaine" in html[0]
    assert "envoyée" in html[1]
    assert "acceptée" in html[2] and "Gaëlle Morvan" in html[2] and "RDV fixé" in html[2]
    assert "<td>1</td><td>1</td><td>0</td>" in stats.replace("\n", "")

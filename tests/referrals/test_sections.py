from tests.referrals.factories import PartnerFactory, PersonFactory, make_referral


def test_person_and_partner_pages_show_orientations(client, advisor, login_as):
    pole = advisor.pole
    partner = PartnerFactory(pole_id=pole.id, name="DLA Ille-et-Vilaine")
    person = PersonFactory(pole_id=pole.id)
    referral = make_referral(pole, advisor, partner, person=person, path=("sent",))
    login_as(advisor)
    person_page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "DLA Ille-et-Vilaine" in person_page and f"/referrals/{referral.id}" in person_page
    partner_page = client.get(f"/structures/{partner.id}").get_data(as_text=True)
    assert "Orientations sur 12 mois" in partner_page


def test_orienting_from_a_request_sets_its_outcome(client, advisor, login_as, db):
    from app.referrals import services
    from app.requests.models import Request

    pole = advisor.pole
    person = PersonFactory(pole_id=pole.id)
    req = Request(
        pole_id=pole.id, received_on=services.pole_today(pole), channel="phone", person_id=person.id
    )
    db.session.add(req)
    db.session.flush()
    login_as(advisor)
    assert f"/referrals/new?request_id={req.id}" in client.get(f"/requests/{req.id}").get_data(as_text=True)
    make_referral(pole, advisor, request=req)
    assert req.outcome == "oriented"


def test_chase_page_shows_the_oldest_rows_and_the_totals(client, advisor, login_as, monkeypatch):
    from datetime import timedelta

    from app.referrals import services, views

    monkeypatch.setattr(views, "CHASE_PAGE_ROWS", 2)
    pole = advisor.pole
    today = services.pole_today(pole)
    for i in range(3):
        referral = make_referral(pole, advisor, referred_on=today - timedelta(days=20 + i))
        referral.follow_up_on = today - timedelta(days=1 + i)
    login_as(advisor)
    html = client.get("/referrals/to-chase").get_data(as_text=True)
    assert "(3)" in html and "Les 2 plus anciennes sont affichées." in html

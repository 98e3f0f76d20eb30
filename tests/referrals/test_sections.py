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

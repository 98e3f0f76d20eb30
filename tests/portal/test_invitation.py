

def test_person_page_offers_the_holder_invitation(client, advisor, login_as):
    from app.people.services import create_person

    person = create_person(advisor.pole, first_name="Awa", last_name="Diallo", email="awa@example.org")
    login_as(advisor)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Inviter sur l'espace porteur" in page and f"/portal/invite/{person.id}" in page

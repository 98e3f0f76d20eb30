import pytest

from app.people.services import PersonError, create_person, find_likely_duplicates, update_person
from tests.people.factories import PersonFactory


def test_find_likely_duplicates(db, pole, other_pole):
    by_names = PersonFactory(
        pole=pole, first_name="Gaëlle", last_name="Le Bihan", email=None, postal_code="56350"
    )
    by_email = PersonFactory(pole=pole, first_name="Autre", last_name="Nom", email="gaelle@example.org")
    PersonFactory(pole=pole, first_name="Gaëlle", last_name="Le Bihan-Morin", email=None, postal_code="56350")
    PersonFactory(pole=pole, first_name="Gaëlle", last_name="Le Bihan", email=None, postal_code="35600")
    PersonFactory(pole=other_pole, first_name="Gaëlle", last_name="Le Bihan", email=None, postal_code="56350")
    found = find_likely_duplicates(
        pole, email=" Gaelle@Example.org ", last_name="LE BIHAN", first_name="gaelle", postal_code="56 350"
    )
    assert found == [by_names, by_email]
    assert find_likely_duplicates(pole, last_name="Le Bihan", first_name="Gaëlle", exclude=by_names) == []
    assert find_likely_duplicates(pole) == []


def test_like_wildcards_in_names_do_not_match_everything(db, pole):
    PersonFactory(pole=pole, first_name="Anne", last_name="Martin", email=None, postal_code=None)
    assert find_likely_duplicates(pole, last_name="%", first_name="%") == []


def test_email_unique_per_pole_in_services(db, pole):
    create_person(pole, first_name="A", last_name="B", email="x@example.org")
    with pytest.raises(PersonError):
        create_person(pole, first_name="C", last_name="D", email="X@example.org")
    other = create_person(pole, first_name="C", last_name="D", email="")
    assert other.email is None
    with pytest.raises(PersonError):
        update_person(other, email="x@example.org")

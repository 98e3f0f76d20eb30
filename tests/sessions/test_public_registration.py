"""Issue 19 point 6: public workshop registration needs proof of e-mail ownership.

The form answers the same whatever the address; the registration waits in
`pending_registrations` until the single-use link mailed to that address is followed; only then
is a person matched or created, the consent recorded with its date and a seat taken.
"""

import re
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.core.links import SignedLink
from app.core.models import utcnow
from app.people.models import Person
from app.sessions.models import Attendance, PendingRegistration
from tests.sessions.factories import AttendanceFactory, PersonFactory, SessionFactory

NEUTRAL = "Un e-mail vient d&#39;être envoyé à l&#39;adresse indiquée"
LINK = re.compile(r"(https?://\S+/ateliers/confirmation/(\S+))")


def _workshop(pole, **kw):
    data = dict(
        pole=pole,
        kind="workshop",
        title="Créer son association",
        starts_at=utcnow() + timedelta(days=10),
        is_public=True,
        capacity=3,
        public_description="Un atelier ouvert à toutes et tous.",
    )
    data.update(kw)
    return SessionFactory(**data)


def _register(client, pole, workshop, **kw):
    data = {"first_name": "Lou", "last_name": "Martin", "email": "lou@example.org", "privacy": "y"}
    data.update(kw)
    return client.post(f"/p/{pole.slug}/ateliers/{workshop.id}", data=data, follow_redirects=True)


def _body(mail) -> str:
    return mail.get_content() if hasattr(mail, "get_content") else str(mail["body"])


def _link(outbox, to="lou@example.org") -> tuple[str, str]:
    """(absolute URL, path) of the last confirmation link mailed to `to`."""
    mail = [m for m in outbox if m["To"] == to][-1]
    url = LINK.search(_body(mail)).group(1)
    return url, url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _counts(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Person)),
        db.session.scalar(select(func.count()).select_from(Attendance)),
    )


def _main(response) -> str:
    """The page's <main>: what the visitor reads (the flash message and the form)."""
    text = response.get_data(as_text=True)
    return text[text.index("<main") : text.index("</main>")]


def test_every_case_gets_the_same_answer_and_nothing_is_written(client, pole, db, outbox):
    workshop = _workshop(pole)
    known = PersonFactory(pole=pole, email="known@example.org")
    registered = PersonFactory(pole=pole, email="registered@example.org")
    AttendanceFactory(session=workshop, person=registered, status="invited")
    before = _counts(db)
    answers = {
        "new": _register(client, pole, workshop, email="new@example.org"),
        "known": _register(client, pole, workshop, email="known@example.org"),
        "already registered": _register(client, pole, workshop, email="REGISTERED@example.org"),
        "honeypot": _register(client, pole, workshop, email="bot@example.org", website="http://" + "x" * 500),
    }
    assert {r.status_code for r in answers.values()} == {200}
    pages = {case: _main(r) for case, r in answers.items()}
    assert NEUTRAL in pages["new"]
    assert all(page == pages["new"] for page in pages.values()), "answers differ"
    assert "déjà inscrit" not in " ".join(pages.values())
    assert _counts(db) == before  # nothing in persons or attendances
    assert known.privacy_notice_given_on is None  # no consent recorded on someone's behalf
    pending = db.session.scalars(select(PendingRegistration).order_by(PendingRegistration.id)).all()
    assert [p.email for p in pending] == ["new@example.org", "known@example.org", "registered@example.org"]
    assert all(p.consent and p.confirmed_at is None for p in pending)
    # Each real address gets its link (the honeypot gets nothing).
    assert sorted(m["To"] for m in outbox) == sorted(p.email for p in pending)


def test_the_mail_carries_a_single_use_link_built_from_base_url(app, client, pole, db, outbox):
    workshop = _workshop(pole)
    _register(client, pole, workshop)
    url, _path = _link(outbox)
    assert url.startswith(app.config["BASE_URL"].rstrip("/") + f"/p/{pole.slug}/ateliers/confirmation/")
    token = url.rsplit("/", 1)[1]
    link = db.session.scalar(select(SignedLink))
    assert link.single_use and link.recipient == "lou@example.org" and token not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(hours=48)
    assert "Créer son association" in _body(outbox[-1]) and "48 heures" in _body(outbox[-1])


def test_confirmation_creates_the_person_with_the_consent_date(client, pole, db, outbox):
    workshop = _workshop(pole, starts_at=utcnow() + timedelta(days=10))
    with freeze_time(utcnow().replace(hour=10)):
        _register(client, pole, workshop)
        requested_on = date.today()
    _url, path = _link(outbox)
    with freeze_time(utcnow() + timedelta(days=1)):
        page = client.get(path)  # a mail scanner opening the link confirms nothing
        assert page.status_code == 200 and "Je confirme mon inscription" in page.get_data(as_text=True)
        assert _counts(db) == (0, 0)
        done = client.post(path)
    assert done.status_code == 200 and "est confirmée" in done.get_data(as_text=True)
    person = db.session.scalar(select(Person).where(Person.email == "lou@example.org"))
    assert (person.pole_id, person.first_name, person.last_name) == (pole.id, "Lou", "Martin")
    assert person.privacy_notice_given_on == requested_on  # the day the notice was accepted
    attendance = db.session.scalar(select(Attendance).where(Attendance.person_id == person.id))
    assert (attendance.session_id, attendance.status, attendance.registered_publicly) == (
        workshop.id,
        "invited",
        True,
    )
    pending = db.session.scalar(select(PendingRegistration))
    assert pending.confirmed_at is not None and pending.person_id == person.id
    assert (pending.first_name, pending.last_name, pending.email) == ("", "", "")  # no second copy


def test_confirmation_links_the_existing_person_of_the_pole(client, pole, other_pole, db, outbox):
    known = PersonFactory(pole=pole, email="lou@example.org", privacy_notice_given_on=None)
    PersonFactory(pole=other_pole, email="lou@example.org")
    workshop = _workshop(pole)
    _register(client, pole, workshop, email="LOU@example.org")
    _url, path = _link(outbox)
    client.post(path)
    assert [a.person_id for a in workshop.attendances] == [known.id]
    assert known.privacy_notice_given_on is not None
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.pole_id == pole.id)) == 1


def test_confirming_when_already_registered_adds_nothing(client, pole, db, outbox):
    workshop = _workshop(pole)
    person = PersonFactory(pole=pole, email="lou@example.org")
    AttendanceFactory(session=workshop, person=person, status="invited")
    _register(client, pole, workshop)
    _url, path = _link(outbox)
    assert "est confirmée" in client.post(path).get_data(as_text=True)
    assert len(workshop.attendances) == 1


@pytest.mark.parametrize("case", ["expired", "used", "tampered", "other pole"])
def test_bad_links_are_refused_in_french_and_write_nothing(client, pole, other_pole, db, outbox, case):
    workshop = _workshop(pole)
    _register(client, pole, workshop)
    _url, path = _link(outbox)
    if case == "used":
        client.post(path)
    before = _counts(db)
    if case == "tampered":
        path = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    if case == "other pole":
        path = path.replace(f"/p/{pole.slug}/", f"/p/{other_pole.slug}/")
    expected = {
        "expired": (410, "a expiré (il était valable 48 heures)"),
        "used": (410, "a déjà servi"),
        "tampered": (404, "n&#39;est pas valide"),
        "other pole": (404, "n&#39;est pas valide"),
    }[case]
    with freeze_time(utcnow() + (timedelta(hours=49) if case == "expired" else timedelta(0))):
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            shown = expected[1] in response.get_data(as_text=True)
            assert (response.status_code, shown) == (expected[0], True)
    assert _counts(db) == before


def test_honeypot_is_hidden_and_labelled_for_screen_readers(client, pole, db, outbox):
    workshop = _workshop(pole)
    page = client.get(f"/p/{pole.slug}/ateliers/{workshop.id}").get_data(as_text=True)
    hidden = r'<div class="visually-hidden">\s*<label for="website">Ne pas remplir ce champ</label>'
    assert re.search(hidden, page)
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', page)
    _register(client, pole, workshop, website="x")
    assert outbox == [] and db.session.scalar(select(func.count()).select_from(PendingRegistration)) == 0


def test_seats_count_only_confirmed_registrations(client, pole, db, outbox):
    workshop = _workshop(pole, capacity=1)
    _register(client, pole, workshop, email="a@example.org")
    _register(client, pole, workshop, email="b@example.org")
    listing = client.get(f"/p/{pole.slug}/ateliers").get_data(as_text=True)
    assert "Places restantes : 1" in listing  # two pending registrations hold no seat
    client.post(_link(outbox, "a@example.org")[1])
    assert "Complet" in client.get(f"/p/{pole.slug}/ateliers").get_data(as_text=True)
    late = client.post(_link(outbox, "b@example.org")[1])
    assert "devenu complet depuis votre demande" in late.get_data(as_text=True)
    assert [a.person.email for a in workshop.attendances] == ["a@example.org"]


def test_one_mail_per_address_and_workshop_every_ten_minutes(client, pole, db, outbox):
    workshop = _workshop(pole, capacity=None)
    _register(client, pole, workshop)
    _register(client, pole, workshop)
    assert len(outbox) == 1
    with freeze_time(utcnow() + timedelta(minutes=11)):
        _register(client, pole, workshop)
    assert len(outbox) == 2


def test_pending_registrations_are_purged_after_48_hours(app, client, pole, db, outbox):
    workshop = _workshop(pole, capacity=None)
    _register(client, pole, workshop, email="old@example.org")
    with freeze_time(utcnow() + timedelta(hours=47)):
        _register(client, pole, workshop, email="recent@example.org")
    with freeze_time(utcnow() + timedelta(hours=49)):
        result = app.test_cli_runner().invoke(args=["sessions", "purge-registrations"])
        assert result.exit_code == 0 and "1 inscription(s)" in result.output
    left = db.session.scalars(select(PendingRegistration.email)).all()
    assert left == ["recent@example.org"]
    assert db.session.scalars(select(SignedLink.recipient)).all() == ["recent@example.org"]
    # And on the fly: the next registration of the pole removes what expired meanwhile.
    with freeze_time(utcnow() + timedelta(hours=100)):
        _register(client, pole, workshop, email="later@example.org")
    assert db.session.scalars(select(PendingRegistration.email)).all() == ["later@example.org"]


def test_anonymising_the_person_deletes_their_public_registrations(client, pole, db, outbox):
    from app.privacy.services import anonymise_person

    workshop = _workshop(pole, capacity=None)
    other = _workshop(pole, title="Autre atelier", capacity=None)
    _register(client, pole, workshop)
    client.post(_link(outbox)[1])  # confirmed: the person exists now
    _register(client, pole, other, email="LOU@example.org")  # and one still pending
    _register(client, pole, other, email="someone@example.org")
    person = db.session.scalar(select(Person).where(Person.email == "lou@example.org"))
    anonymise_person(person)
    assert db.session.scalars(select(PendingRegistration.email)).all() == ["someone@example.org"]
    assert db.session.scalars(select(SignedLink.recipient)).all() == ["someone@example.org"]

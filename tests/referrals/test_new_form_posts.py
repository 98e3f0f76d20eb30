"""Issue 19 point 7: the new-orientation form never travels by GET, and Enter saves, never filters."""

from html.parser import HTMLParser

from freezegun import freeze_time
from sqlalchemy import func, select

from app.poles.models import Thematic
from app.referrals.models import Referral
from tests.referrals.factories import PartnerFactory, PersonFactory


class _Buttons(HTMLParser):
    """The submit buttons of the page's POST form, in document order."""

    def __init__(self):
        super().__init__()
        self.in_post_form = False
        self.buttons: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_post_form = (a.get("method") or "").lower() == "post"
        elif tag == "button" and self.in_post_form and (a.get("type") or "submit") == "submit":
            self.buttons.append(a)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


def _buttons(html: str) -> list[dict]:
    parser = _Buttons()
    parser.feed(html)
    return parser.buttons


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def test_enter_presses_the_save_button_and_the_filter_posts(client, db, pole, advisor, login_as):
    login_as(advisor)
    buttons = _buttons(client.get("/referrals/new").get_data(as_text=True))
    # The browser's implicit submission (Enter in a field) presses the first submit button.
    assert "name" not in buttons[0], buttons[0]
    assert [b.get("name") for b in buttons].count("filter") == 1
    assert not any(b.get("formmethod") for b in buttons)


@freeze_time("2026-05-12 10:00:00")
def test_filtering_re_renders_the_form_without_saving_and_nothing_goes_in_the_url(
    client, db, pole, advisor, login_as
):
    gov = db.session.scalar(
        select(Thematic).where(Thematic.pole_id == pole.id, Thematic.name == "Gouvernance partagée")
    )
    PartnerFactory(pole_id=pole.id, name="AAA sans rapport")
    matching = PartnerFactory(pole_id=pole.id, name="ZZZ gouvernance", thematics=[gov])
    person = PersonFactory(pole_id=pole.id)
    login_as(advisor)
    data = {
        "person_id": person.id,
        "thematics": [gov.id],
        "reason": "Situation de handicap, RSA — confidentiel",
        "referred_on": "2026-05-11",
        "partner_id": matching.id,
    }
    filtered = client.post("/referrals/new", data={**data, "filter": "1"})
    body = filtered.get_data(as_text=True)
    assert filtered.status_code == 200
    assert body.index("ZZZ gouvernance") < body.index("AAA sans rapport")
    assert "Situation de handicap, RSA — confidentiel</textarea>" in body  # nothing typed is lost
    assert _count(db) == 0  # filtering never saves, even with a complete form
    # The old GET filter no longer reads form fields from the URL.
    leaked = client.get(f"/referrals/new?filter=1&reason=Confidentiel&person_id={person.id}")
    assert "Confidentiel</textarea>" not in leaked.get_data(as_text=True)
    # Enter (the first, unnamed button) saves.
    saved = client.post("/referrals/new", data=data)
    assert saved.status_code == 302 and _count(db) == 1

"""After anonymising a person through the real route, nothing names them any more (issue 19, point 1).

The person comes in the usual way — a request with their contact line, a dossier opened from
it (default title), séances of that dossier with a place and notes about them, an orientation
with a comment, a satisfaction comment, a collective, a holder account with a calendar feed, a
signed link, a pending import, edits written to the journal (and journal rows as older versions
wrote them, with free text). Then, as a DPO would, every column of every table is searched
(the journal included), and so are the pages, exports, the sign-in sheet PDF and the staff and
holder calendar feeds: their first name, last name, e-mail and phone are nowhere.
"""

import io
import re
import unicodedata
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.core.audit import AuditEvent
from app.core.links import issue_link
from app.core.models import utcnow
from app.extensions import db as _db
from app.people.models import Person
from app.portal.models import SatisfactionResponse
from app.referrals import services as referrals
from app.requests.models import Request
from app.sessions import services as sessions
from app.sessions.models import AccompanimentSession
from tests import factories as base
from tests.accompaniments.factories import default_template
from tests.privacy.factories import CollectiveFactory, MembershipFactory, PartnerFactory

FIRST, LAST = "Maëlys", "Quéméner"
EMAIL = "maelys.quemener@example.org"
PHONE = "06 47 58 69 70"


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


NEEDLES = [fold(FIRST), fold(LAST), fold(EMAIL)]
PHONE_DIGITS = "647586970"  # without the leading 0: also catches +33 6 47 58 69 70


def traces(text: str) -> list[str]:
    """Which of the person's identifiers `text` contains (case, accents and separators aside)."""
    folded = fold(text)
    found = [needle for needle in NEEDLES if needle in folded]
    if PHONE_DIGITS in re.sub(r"[\s.\-()+]", "", folded):
        found.append("phone")
    return found


def database_traces() -> dict[str, list]:
    """Every column of every table of the metadata, searched."""
    hits: dict[str, list] = {}
    for table in _db.metadata.sorted_tables:
        rows = _db.session.execute(table.select().execution_options(all_poles=True)).all()
        for row in rows:
            for column, value in zip(table.columns, row, strict=True):
                if value is None:
                    continue
                found = traces(str(value))
                if found:
                    hits.setdefault(table.name, []).append((column.name, str(value)[:120], found))
    return hits


def xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def story(client, db, pole, admin, advisor, login_as, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "imports"))
    template = default_template(pole)
    login_as(admin)
    # 1. A request by phone, with the contact line, then edited (journal).
    response = client.post(
        "/requests/new",
        data={
            "received_on": (utcnow() - timedelta(days=40)).date().isoformat(),
            "channel": "phone",
            "contact_text": f"{FIRST} {LAST} {PHONE} {EMAIL}",
            "need": f"{FIRST} veut ouvrir une recyclerie",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    req = db.session.scalar(select(Request).where(Request.pole_id == pole.id))
    response = client.post(
        f"/requests/{req.id}/edit",
        data={
            "received_on": req.received_on.isoformat(),
            "channel": "phone",
            "contact_text": f"{FIRST} {LAST.upper()} — {PHONE}",
            "need": f"{FIRST} {LAST} veut ouvrir une recyclerie à Redon",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # 2. A dossier opened from it, creating the person, with the default title.
    response = client.post(
        f"/requests/{req.id}/open",
        data={
            "first_name": FIRST,
            "last_name": LAST,
            "email": EMAIL,
            "phone": PHONE,
            "title": "",
            "summary": f"Projet de {FIRST} {LAST}",
            "template_id": str(template.id),
            "referent_id": str(advisor.id),
            "started_on": (utcnow() - timedelta(days=35)).date().isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.session.scalar(select(Person).where(Person.email == EMAIL))
    dossier = db.session.scalar(select(Accompaniment).where(Accompaniment.person_id == person.id))
    assert dossier.title == f"{template.name} — dossier {dossier.id}"
    # 3. The person's record edited (journal).
    response = client.post(
        f"/people/{person.id}/edit",
        data={
            "first_name": FIRST,
            "last_name": LAST,
            "email": EMAIL,
            "phone": PHONE,
            "commune": "Redon",
            "postal_code": "35600",
            "notes": f"{FIRST} préfère être appelée le matin au {PHONE}",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # 4. Séances created from the dossier: a place, notes about them; one edited.
    seances, fields = [], []
    for days, place in ((-20, f"Chez {FIRST} {LAST}, 3 rue des Lilas"), (7, "Locaux du pôle, Redon")):
        fields.append(
            {
                "kind": "individual",
                "title": f"Rendez-vous de suivi — {dossier.title}",
                "starts_at": (utcnow() + timedelta(days=days)).replace(microsecond=0),
                "duration_minutes": 60,
                "place": place,
                "shared_summary": f"{FIRST} a présenté son budget",
                "next_steps": f"{LAST.upper()} envoie les statuts à {EMAIL}",
                "private_notes": f"{FIRST} semble fatiguée",
            }
        )
        seances.append(
            sessions.create_session(
                pole,
                fields[-1],
                advisor_ids=[advisor.id],
                accompaniment_ids=[dossier.id],
                attendees={person.id: "present" if days < 0 else "invited"},
            )
        )
    sessions.update_session(
        seances[0],
        dict(fields[0], private_notes=f"Rappeler {FIRST} au {PHONE}", place=f"Domicile de Mme {LAST}"),
        advisor_ids=[advisor.id],
        accompaniment_ids=[dossier.id],
    )
    # 5. An orientation with a comment.
    partner = PartnerFactory(pole=pole, name="URSCOP Bretagne")
    referral = referrals.refer_to_partner(
        pole,
        advisor,
        partner=partner,
        referred_on=dossier.started_on,
        reason=f"{FIRST} cherche un local",
        accompaniment=dossier,
        consent_to_share=True,
    )
    referrals.comment_referral(referral, by=advisor, comment=f"{FIRST} {LAST} a rappelé le partenaire")
    # 6. Satisfaction, a collective, a holder account with its feed, a signed link.
    db.session.add(
        SatisfactionResponse(
            pole_id=pole.id,
            person_id=person.id,
            session_id=seances[0].id,
            score=5,
            comment=f"Merci — {FIRST}",
            answered_at=utcnow() - timedelta(days=19),
        )
    )
    collective = CollectiveFactory(pole=pole, name="Recyclerie du Pays de Redon")
    collective.description = f"Lancée par {FIRST} {LAST}"
    MembershipFactory(collective=collective, person=person, role="fondatrice")
    holder = base.UserFactory(
        pole=pole, role="holder", person_id=person.id, email=EMAIL, full_name=f"{FIRST} {LAST}"
    )
    holder_feed = sessions.regenerate_calendar_feed(holder).token
    staff_feed = sessions.regenerate_calendar_feed(advisor).token
    issue_link(
        pole_id=pole.id, purpose="test", target=seances[1], recipient=EMAIL, valid_for=timedelta(days=2)
    )
    # 7. Journal rows as versions before this fix wrote them, with free text.
    db.session.add_all(
        [
            AuditEvent(
                pole_id=pole.id,
                action="request.update",
                target_type="Request",
                target_id=req.id,
                changes={"contact_text": [None, f"{FIRST} {LAST} {PHONE}"]},
            ),
            AuditEvent(
                pole_id=pole.id,
                action="session.update",
                target_type="AccompanimentSession",
                target_id=seances[0].id,
                changes={"private_notes": ["", f"{FIRST} fatiguée"], "title": f"Projet de {FIRST}"},
            ),
            AuditEvent(
                pole_id=pole.id,
                action="export.persons",
                changes={"format": "csv", "rows": 1, "q": LAST.lower()},
            ),
        ]
    )
    db.session.flush()
    # 8. A previewed import naming them, not confirmed.
    csv = f"Nom;Prénom;Email\r\n{LAST};{FIRST};{EMAIL}\r\n".encode()
    from tests.imports.test_views import upload

    assert upload(client, csv).status_code == 200
    return {
        "person": person,
        "dossier": dossier,
        "seances": seances,
        "request": req,
        "referral": referral,
        "collective": collective,
        "holder_feed": holder_feed,
        "staff_feed": staff_feed,
        "imports": tmp_path / "imports",
    }


def surfaces(client, s) -> dict[str, str]:
    """Pages, exports, PDF and feeds an admin (and a calendar client) can read."""
    person, dossier, seances = s["person"], s["dossier"], s["seances"]
    day = seances[0].starts_at.date().isoformat()
    pages = {
        "home": "/",
        "person": f"/people/{person.id}",
        "people": "/people/",
        "person attendance": f"/sessions/personnes/{person.id}/presences",
        "dossier": f"/accompaniments/{dossier.id}",
        "dossiers": "/accompaniments/",
        "request": f"/requests/{s['request'].id}",
        "requests": "/requests/",
        "referral": f"/referrals/{s['referral'].id}",
        "referrals": "/referrals/",
        "collective": f"/collectives/{s['collective'].id}",
        "agenda month": f"/sessions/agenda?d={day}&view=month",
        "agenda week": f"/sessions/agenda?d={day}&view=week",
        "journal": "/privacy/journal",
        "journal of the person": f"/privacy/journal?target_type=Person&target_id={person.id}",
        "data export page": f"/privacy/people/{person.id}/export",
        "data export json": f"/privacy/people/{person.id}/export?format=json",
        "people csv": "/people/export/csv?archives=1",
        "staff feed": f"/sessions/ical/{s['staff_feed']}.ics",
        "holder feed": f"/sessions/ical/{s['holder_feed']}.ics",
    }
    for seance in seances:
        pages[f"séance {seance.id}"] = f"/sessions/{seance.id}"
        pages[f"sign-in sheet {seance.id}"] = f"/sessions/{seance.id}/emargement"
    found = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        found[name] = response.get_data(as_text=True)
    found["people xlsx"] = xlsx_text(client.get("/people/export/xlsx?archives=1").data)
    for seance in seances:
        response = client.get(f"/sessions/{seance.id}/emargement.pdf")
        assert response.status_code == 200
        found[f"sign-in pdf {seance.id}"] = pdf_text(response.data)
    return found


def test_no_trace_of_the_person_after_anonymisation(client, db, story):
    person = story["person"]
    # The search finds them before: it is not blind.
    before = database_traces()
    for table in (
        "persons",
        "requests",
        "sessions",
        "accompaniments",
        "referrals",
        "referral_status_changes",
    ):
        assert table in before, table
    for table in ("satisfaction_responses", "collectives", "users", "signed_links", "audit_events"):
        assert table in before, table
    shown = surfaces(client, story)
    for name in (
        "person",
        "séance {}".format(story["seances"][0].id),
        "staff feed",
        "holder feed",
        "people xlsx",
    ):
        assert traces(shown[name]), name
    assert traces(shown[f"sign-in pdf {story['seances'][0].id}"])
    assert list(story["imports"].rglob("*.csv"))

    response = client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    assert database_traces() == {}
    leaks = {name: traces(text) for name, text in surfaces(client, story).items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    assert not list(story["imports"].rglob("*.csv"))
    # What the reports count is still there.
    assert db.session.scalar(
        select(AccompanimentSession.id).where(AccompanimentSession.id == story["seances"][0].id)
    )
    assert story["dossier"].status == "active" and story["referral"].status == "proposed"

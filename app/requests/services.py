"""Request operations: intake, outcome, opening a dossier. Functions flush; the caller commits."""

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.accompaniments.models import Accompaniment
from app.accompaniments.services import create_accompaniment, local_today
from app.core.audit import _clean, record_audit
from app.extensions import db
from app.people.models import Person
from app.people.services import create_person
from app.poles.models import Pole
from app.requests.models import CHANNELS, OUTCOMES, Request

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
PHONE_RE = re.compile(r"(\+33\s?|0)[1-9]([\s.-]?\d{2}){4}")
REQUEST_FIELDS = ("received_on", "channel", "contact_text", "need")


class RequestError(ValueError):
    pass


def _check(data: dict[str, Any]) -> None:
    if data.get("channel") not in CHANNELS:
        raise RequestError(_("Canal inconnu."))
    if data.get("person") is not None and data.get("collective") is not None:
        raise RequestError(_("Choisissez une personne ou un collectif, pas les deux."))
    if data.get("person") is None and data.get("collective") is None and not data.get("contact_text"):
        raise RequestError(
            _("Indiquez qui vous sollicite : une personne ou un collectif connus, ou un nom en clair.")
        )


def create_request(pole: Pole, data: dict[str, Any], by=None) -> Request:
    """Record a request (sollicitation) as received, pending."""
    _check(data)
    req = Request(
        pole_id=pole.id,
        received_on=data.get("received_on") or local_today(pole),
        channel=data["channel"],
        contact_text=data.get("contact_text"),
        need=data.get("need"),
        person=data.get("person"),
        collective=data.get("collective"),
        prescriber=data.get("prescriber"),
        thematics=list(data.get("thematics") or []),
        outcome="pending",
        received_by_id=getattr(by, "id", None),
    )
    db.session.add(req)
    db.session.flush()
    record_audit(
        "request.create",
        req,
        {
            "channel": req.channel,
            "contact": req.contact_text,
            "person_id": req.person_id,
            "collective_id": req.collective_id,
        },
    )
    return req


def update_request(req: Request, data: dict[str, Any]) -> dict:
    _check(data)
    changes: dict[str, list] = {}
    for key in REQUEST_FIELDS:
        if key in data and getattr(req, key) != data[key]:
            changes[key] = [_clean(getattr(req, key)), _clean(data[key])]
            setattr(req, key, data[key])
    for key in ("person", "collective", "prescriber"):
        new = data.get(key)
        old = getattr(req, key)
        if getattr(old, "id", None) != getattr(new, "id", None):
            changes[key] = [getattr(old, "id", None), getattr(new, "id", None)]
            setattr(req, key, new)
    new_ids = sorted(t.id for t in data.get("thematics") or [])
    if new_ids != sorted(t.id for t in req.thematics):
        changes["thematics"] = [sorted(t.id for t in req.thematics), new_ids]
        req.thematics = list(data.get("thematics") or [])
    if changes:
        db.session.flush()
        record_audit("request.update", req, changes)
    return changes


def set_outcome(req: Request, outcome: str, on=None) -> None:
    if outcome not in OUTCOMES:
        raise RequestError(_("Suite inconnue."))
    if outcome == req.outcome:
        return
    old = req.outcome
    req.outcome = outcome
    req.outcome_on = None if outcome == "pending" else (on or local_today(db.session.get(Pole, req.pole_id)))
    db.session.flush()
    record_audit("request.outcome", req, {"outcome": [old, outcome]})


def split_contact_text(text: str | None) -> dict[str, str]:
    """'Marie Le Goff 06 12 34 56 78 marie@ex.fr' -> first/last name, email and phone guesses."""
    text = (text or "").strip()
    result = {"first_name": "", "last_name": "", "email": "", "phone": ""}
    match = EMAIL_RE.search(text)
    if match:
        result["email"] = match.group(0).lower()
        text = text.replace(match.group(0), " ")
    match = PHONE_RE.search(text)
    if match:
        result["phone"] = match.group(0).strip()
        text = text.replace(match.group(0), " ")
    words = [w for w in re.split(r"[\s,;()]+", text) if w and w not in ("-", "/")]
    if len(words) == 1:
        result["last_name"] = words[0]
    elif words:
        result["first_name"], result["last_name"] = words[0], " ".join(words[1:])
    return result


def find_person_by_email(pole: Pole, email: str | None) -> Person | None:
    if not email:
        return None
    return db.session.scalar(
        select(Person).where(Person.pole_id == pole.id, Person.email == email.strip().lower())
    )


def open_accompaniment(
    req: Request, dossier: dict[str, Any], by=None, new_person: dict[str, Any] | None = None
) -> Accompaniment:
    """Open a dossier from a request in one step.

    Creates the person from `new_person` when the request names nobody known, opens the
    dossier with the request's beneficiary, need (as summary) and thematics unless `dossier`
    overrides them, links it to the request and sets the request's outcome.
    """
    pole = db.session.get(Pole, req.pole_id)
    person, collective = req.person, req.collective
    if person is None and collective is None:
        if not new_person or not (new_person.get("last_name") or "").strip():
            raise RequestError(_("Indiquez au moins le nom de la personne à créer."))
        email = (new_person.get("email") or "").strip().lower() or None
        if email and find_person_by_email(pole, email) is not None:
            raise RequestError(
                _(
                    "Une personne avec l'adresse %(email)s existe déjà : rattachez-la à la sollicitation.",
                    email=email,
                )
            )
        person = create_person(
            pole,
            first_name=(new_person.get("first_name") or "").strip(),
            last_name=new_person["last_name"].strip(),
            email=email,
            phone=(new_person.get("phone") or "").strip() or None,
            first_contact_on=req.received_on,
        )
        req.person = person
    data = dict(dossier)
    data["person"], data["collective"] = person, collective
    if not data.get("summary"):
        data["summary"] = req.need
    if data.get("thematics") is None:
        data["thematics"] = list(req.thematics)
    acc = create_accompaniment(pole, data, by=by, request=req)
    set_outcome(req, "accompaniment", on=acc.started_on)
    return acc

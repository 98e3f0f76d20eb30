"""Importer `sessions` (formats/imports.md): historical séances, one row per attendee.

Rows with the same date, heure, type and titre (title folded: case, accents, spaces) are one
séance, wherever they are in the file. The séance-level values (durée, collectif) come from
the first row of the group; a later row stating another value is rejected. Advisors and
thematics add up over the rows of a group (an import never removes any). A re-import matches
séances by date + time + kind + folded title and attendances by (séance, person): it creates
nothing, and updates an attendance whose presence changed.
"""

import re
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.collectives.models import Collective
from app.core.audit import record_audit
from app.core.permissions import STAFF
from app.extensions import db
from app.imports.base import Column, Importer, PlanItem, Row, register
from app.imports.importers import PersonIndex
from app.imports.reader import CellError, fold_key
from app.sessions.models import AccompanimentSession, Attendance
from app.sessions.services import (
    SessionError,
    create_session,
    default_status,
    local_to_utc,
    record_attendance,
)

# What the file says -> model kind. The first name of each kind is the contract's value.
KIND_NAMES = {
    "individual": ("individuel", "entretien individuel", "rendez-vous individuel", "rdv individuel"),
    "workshop": ("atelier", "atelier collectif"),
    "training": ("formation",),
    "governance": ("instance", "instance de gouvernance", "gouvernance", "réunion d'instance"),
    "permanence": ("permanence",),
    "network": ("reseau", "événement réseau", "rencontre réseau"),
}
KIND_CHOICES = {
    **{fold_key(kind): kind for kind in KIND_NAMES},
    **{fold_key(name): kind for kind, names in KIND_NAMES.items() for name in names},
}
KIND_LABELS = {kind: names[0] for kind, names in KIND_NAMES.items()}

PRESENCE_NAMES = {
    # fold_key drops punctuation: "Excusé(e)" / "excusé·e" fold to "excusee".
    "present": ("present", "présente", "presents", "présentes", "p", "oui", "x"),
    "excused": ("excuse", "excusée", "excuses", "excusées"),
    "absent": ("absent", "absente", "absents", "absentes", "a", "non"),
    "invited": ("invite", "invitée", "invites", "invitées", "inscrit", "inscrite", "convoque", "convoquée"),
}
PRESENCE_CHOICES = {
    **{fold_key(status): status for status in PRESENCE_NAMES},
    **{fold_key(name): status for status, names in PRESENCE_NAMES.items() for name in names},
}
PRESENCE_LABELS = {"present": "present", "excused": "excuse", "absent": "absent", "invited": "invite"}

_DURATION = re.compile(r"^(?:(\d{1,2})\s*h\s*(\d{2})?|(\d{1,4})\s*(?:min|mn|minutes?)?)$", re.IGNORECASE)


def parse_kind(value: str) -> str:
    kind = KIND_CHOICES.get(fold_key(value))
    if kind is None:
        allowed = ", ".join(KIND_LABELS.values())
        raise CellError(f"type de séance inconnu « {value} » (valeurs possibles : {allowed})")
    return kind


def parse_presence(value: str) -> str:
    status = PRESENCE_CHOICES.get(fold_key(value))
    if status is None:
        allowed = ", ".join(PRESENCE_LABELS.values())
        raise CellError(f"présence inconnue « {value} » (valeurs possibles : {allowed})")
    return status


def parse_duration(value: str) -> int:
    """Minutes: `90`, `90 min`, or `1h30`; between 1 and 1440."""
    match = _DURATION.match(value.strip())
    if not match:
        raise CellError(f"durée invalide « {value} » (nombre de minutes attendu, par exemple 90)")
    if match.group(3) is not None:
        minutes = int(match.group(3))
    else:
        minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
    if not 1 <= minutes <= 24 * 60:
        raise CellError(f"durée « {value} » hors de l'intervalle 1–1440 minutes")
    return minutes


# Preview labels of séance-level changes (the file's columns) -> the journal's field names.
AUDIT_FIELDS = {
    "duree_minutes": "duration_minutes",
    "collectif": "collective_id",
    "accompagnateurs": "advisors",
    "thematiques": "thematics",
}

SessionKey = tuple[datetime, str, str]


def session_key(starts_at: datetime, kind: str, title: str) -> SessionKey:
    return (starts_at.astimezone(UTC), kind, fold_key(title))


@register
class SessionsImporter(Importer):
    """One row per attendee; rows with the same date, heure, type and titre are one séance."""

    kind = "sessions"
    label = _l("Séances (une ligne par participant)")
    columns = (
        Column("date", required=True, aliases=("date de la séance", "jour")),
        Column("heure", required=True, aliases=("heure de début", "début", "horaire")),
        Column("duree_minutes", required=True, aliases=("durée", "durée (minutes)", "durée en minutes")),
        Column("type", required=True, aliases=("type de séance", "nature")),
        Column("titre", required=True, aliases=("intitulé", "titre de la séance", "objet")),
        Column(
            "accompagnateur_email",
            aliases=("accompagnateur", "accompagnatrice", "email accompagnateur", "animateur"),
        ),
        Column(
            "participant_email",
            aliases=("participant", "email participant", "email", "courriel", "mail"),
        ),
        Column("presence", aliases=("présence", "statut", "émargement")),
        Column("thematiques", aliases=("thématique",)),
        Column("collectif", aliases=("nom du collectif",)),
    )

    refusals = (SessionError,)

    def prepare(self) -> None:
        pole_id = self.pole.id
        self.persons = PersonIndex(pole_id)
        self.staff: dict[str, User] = {}
        self.non_staff: set[str] = set()
        for user in db.session.scalars(select(User).where(User.pole_id == pole_id)):
            if user.role in STAFF:
                self.staff[user.email.lower()] = user
            else:
                self.non_staff.add(user.email.lower())
        collectives = db.session.scalars(select(Collective).where(Collective.pole_id == pole_id)).all()
        self.collectives: dict[str, Collective] = {}
        for collective in sorted(collectives, key=lambda c: (c.archived, c.id), reverse=True):
            self.collectives[fold_key(collective.name)] = collective  # the first active one wins
        self.sessions: dict[SessionKey, AccompanimentSession] = {}
        stmt = (
            select(AccompanimentSession)
            .where(AccompanimentSession.pole_id == pole_id)
            .options(
                selectinload(AccompanimentSession.advisors), selectinload(AccompanimentSession.thematics)
            )
            .order_by(AccompanimentSession.id)
        )
        for session in db.session.scalars(stmt):
            self.sessions.setdefault(session_key(session.starts_at, session.kind, session.title), session)
        self.attendances: dict[tuple[int, int], str] = {
            (session_id, person_id): status
            for session_id, person_id, status in db.session.execute(
                select(Attendance.session_id, Attendance.person_id, Attendance.status).where(
                    Attendance.pole_id == pole_id
                )
            )
        }
        # What earlier rows of this file said, per séance (kept across a re-prepare).
        if not hasattr(self, "groups"):
            self.groups: dict[SessionKey, dict[str, Any]] = {}
            self.file_presences: dict[tuple[SessionKey, int], tuple[str, int]] = {}

    # --- references -----------------------------------------------------------------------

    def _advisor(self, row: Row) -> User | None:
        email = row.email("accompagnateur_email")
        if email is None:
            return None
        user = self.staff.get(email)
        if user is None:
            if email in self.non_staff:
                row.error(
                    "accompagnateur_email",
                    f"« {email} » n'est pas un membre de l'équipe du pôle (administrateur ou accompagnateur)",
                )
            else:
                row.error(
                    "accompagnateur_email", f"aucun membre de l'équipe du pôle n'a l'adresse « {email} »"
                )
        return user

    def _participant(self, row: Row):
        email = row.email("participant_email")
        if email is None:
            return None
        person = self.persons.by_email.get(email)
        if person is None:
            row.error(
                "participant_email",
                f"aucune personne du pôle n'a l'adresse « {email} » "
                "(l'import des séances ne crée pas de personnes : importez-les d'abord)",
            )
        return person

    def _collective(self, row: Row) -> Collective | None:
        name = row.text("collectif")
        if name is None:
            return None
        collective = self.collectives.get(fold_key(name))
        if collective is None:
            row.error("collectif", f"collectif inconnu dans le pôle « {name} »")
        return collective

    # --- plan and apply -------------------------------------------------------------------

    def plan_row(self, row: Row) -> PlanItem:
        day: date | None = row.date("date")
        if day is None and not any(e.column == "date" for e in row.errors):
            row.error("date", "valeur obligatoire manquante")
        at: time | None = row.time("heure")
        if at is None and not any(e.column == "heure" for e in row.errors):
            row.error("heure", "valeur obligatoire manquante")
        duration = row.parsed("duree_minutes", parse_duration)
        if duration is None and not any(e.column == "duree_minutes" for e in row.errors):
            row.error("duree_minutes", "valeur obligatoire manquante")
        kind = row.parsed("type", parse_kind)
        if kind is None and not any(e.column == "type" for e in row.errors):
            row.error("type", "valeur obligatoire manquante")
        title = row.required_text("titre", 200)
        advisor = self._advisor(row)
        person = self._participant(row)
        presence = row.parsed("presence", parse_presence)
        thematics = row.thematics("thematiques") or []
        collective = self._collective(row)
        label = " — ".join(
            part
            for part in (
                f"{day:%d/%m/%Y}" if day else "",
                f"{at:%H:%M}" if at else "",
                title or "",
                person.full_name if person is not None else "",
            )
            if part
        )
        if row.errors:
            return self.error(row, label)

        starts_at = local_to_utc(self.pole, day, at)
        key = session_key(starts_at, kind, title)
        group = self.groups.get(key)
        if group is not None:
            if group["duration"] != duration:
                row.error(
                    "duree_minutes",
                    f"durée différente de celle de la même séance à la ligne {group['line']} "
                    f"({group['duration']} minutes)",
                )
            if collective is not None and group["collective"] not in (None, collective):
                row.error(
                    "collectif",
                    f"collectif différent de celui de la même séance à la ligne {group['line']} "
                    f"(« {group['collective'].name} »)",
                )
            if person is not None and (key, person.id) in self.file_presences:
                earlier, line = self.file_presences[(key, person.id)]
                if presence is not None and presence != earlier:
                    row.error(
                        "presence",
                        f"présence différente de celle de la ligne {line} pour la même personne "
                        f"et la même séance ({PRESENCE_LABELS[earlier]})",
                    )
            if row.errors:
                return self.error(row, label)

        session = self.sessions.get(key)
        payload: dict[str, Any] = {
            "key": key,
            "session": session,
            "data": {
                "kind": kind,
                "title": title,
                "starts_at": starts_at,
                "duration_minutes": duration,
                "remote": False,
                "is_public": False,
            },
            "advisor": advisor,
            "thematics": thematics,
            "collective": collective,
            "person": person,
            "presence": presence,
        }
        changes: dict[str, list] = {}
        notes: list[str] = []
        action = "unchanged"
        if session is None:
            action = "create"
            notes.append("séance créée")
            if person is not None:
                payload["attendance"] = presence or default_status(starts_at)
        else:
            if group is None and session.duration_minutes != duration:
                changes["duree_minutes"] = [session.duration_minutes, duration]
            if collective is not None and session.collective_id != collective.id:
                changes["collectif"] = [session.collective_id, collective.name]
            if advisor is not None and advisor not in session.advisors:
                changes["accompagnateurs"] = [None, advisor.email]
            new_thematics = [t for t in thematics if t not in session.thematics]
            if new_thematics:
                changes["thematiques"] = [None, [t.name for t in new_thematics]]
            if person is not None:
                current = self.attendances.get((session.id, person.id))
                if current is None:
                    action = "create"
                    payload["attendance"] = presence or default_status(starts_at)
                elif presence is not None and presence != current:
                    changes["presence"] = [current, presence]
                    payload["attendance"] = presence
            if action != "create" and changes:
                action = "update"
        if group is None:
            self.groups[key] = {"line": row.line, "duration": duration, "collective": collective}
        elif collective is not None and group["collective"] is None:
            group["collective"] = collective
        if person is not None and presence is not None and (key, person.id) not in self.file_presences:
            # Only a stated presence binds the later rows of the same person and séance.
            self.file_presences[(key, person.id)] = (presence, row.line)
        return PlanItem(row.line, action, label=label, changes=changes, notes=notes, payload=payload)

    def apply(self, item: PlanItem) -> None:
        p = item.payload
        session: AccompanimentSession | None = p["session"]
        if session is None:
            session = self.sessions.get(p["key"])
        person = p["person"]
        status = p.get("attendance")
        if session is None:
            session = create_session(
                self.pole,
                p["data"],
                advisor_ids=[p["advisor"].id] if p["advisor"] is not None else [],
                thematic_ids=[t.id for t in p["thematics"]],
                attendees={person.id: status} if person is not None and status else None,
            )
            if p["collective"] is not None:
                session.collective_id = p["collective"].id
            self.sessions[p["key"]] = session
            if person is not None and status:
                self.attendances[(session.id, person.id)] = status
            return
        changes = {k: v for k, v in item.changes.items() if k != "presence"}
        if "duree_minutes" in changes:
            session.duration_minutes = p["data"]["duration_minutes"]
        if "collectif" in changes:
            session.collective_id = p["collective"].id
        if "accompagnateurs" in changes:
            session.advisors.append(p["advisor"])
        if "thematiques" in changes:
            session.thematics.extend(t for t in p["thematics"] if t not in session.thematics)
        if changes:
            db.session.flush()
            record_audit("session.update", session, {AUDIT_FIELDS[k]: v for k, v in changes.items()})
        if person is not None and status:
            statuses = {a.person_id: a.status for a in session.attendances}
            statuses[person.id] = status
            record_attendance(session, statuses)
            self.attendances[(session.id, person.id)] = status

"""Importer `referrals` (formats/imports.md): historical orientations, one row per orientation.

The history of an imported orientation starts with `proposed` at its date, followed by the
row's status at date_statut (default: the date) when that status is another one. Imported
statuses are facts of the past: the workflow's transition rules do not apply (no email goes
to the partner either), but date_statut may not precede the date, and no date may be in the
future. A re-import matches orientations by person or collective + partner + date and
creates nothing; a status not yet in a matched orientation's history is added to it.
"""

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.collectives.models import Collective
from app.core.audit import record_audit
from app.extensions import db
from app.imports.base import Column, Importer, PlanItem, Row, register
from app.imports.importers import PersonIndex
from app.imports.reader import CellError, fold_key
from app.referrals.models import Referral, ReferralStatusChange
from app.referrals.services import ReferralError, pole_today, refer_to_partner
from app.structures.models import Structure

STATUS_NAMES = {
    "proposed": ("proposee", "proposé", "proposée", "à proposer"),
    "sent": ("envoyee", "envoyé", "envoyée", "transmise", "transmis", "adressée"),
    "accepted": ("acceptee", "accepté", "acceptée", "acceptée par le partenaire", "prise en charge"),
    "completed": ("realisee", "réalisé", "réalisée", "terminée", "effectuée"),
    "declined": ("refusee", "refusé", "refusée", "déclinée"),
    "no_follow_up": ("sans_suite", "sans suite", "abandonnée", "abandonnée sans suite"),
    "under_review": ("a_l_etude", "à l'étude", "en cours d'étude"),
    "expired": ("sans_reponse", "sans réponse", "expirée"),
}
STATUS_CHOICES = {
    **{fold_key(status): status for status in STATUS_NAMES},
    **{fold_key(name): status for status, names in STATUS_NAMES.items() for name in names},
}
STATUS_CODES = {status: names[0] for status, names in STATUS_NAMES.items()}
# The statuses that mean the orientation was sent to the partner.
SENT_STATUSES = ("sent", "under_review", "accepted", "completed", "declined", "expired")
CLOSED_STATUSES = ("completed", "declined", "no_follow_up")


def parse_status(value: str) -> str:
    status = STATUS_CHOICES.get(fold_key(value))
    if status is None:
        allowed = ", ".join(STATUS_CODES.values())
        raise CellError(f"statut inconnu « {value} » (valeurs possibles : {allowed})")
    return status


@register
class ReferralsImporter(Importer):
    kind = "referrals"
    label = _l("Orientations (une ligne par orientation)")
    columns = (
        Column("date", required=True, aliases=("date d'orientation", "date de l'orientation")),
        Column(
            "structure_partenaire",
            required=True,
            aliases=("partenaire", "structure", "orienté vers", "orientée vers"),
        ),
        Column("email", aliases=("courriel", "mail", "adresse email", "adresse e-mail", "email personne")),
        Column("collectif", aliases=("nom du collectif",)),
        Column("thematiques", aliases=("thématique",)),
        Column("statut", aliases=("état", "suite")),
        Column("date_statut", aliases=("date du statut", "date de statut")),
        Column("commentaire", aliases=("commentaires", "remarque", "remarques", "résultat")),
    )

    refusals = (ReferralError,)

    def prepare(self) -> None:
        pole_id = self.pole.id
        self.today = pole_today(self.pole)
        self.persons = PersonIndex(pole_id)
        structures = db.session.scalars(select(Structure).where(Structure.pole_id == pole_id)).all()
        self.partners: dict[str, Structure] = {}
        self.non_partners: set[str] = set()
        for structure in sorted(structures, key=lambda s: (s.archived, s.id), reverse=True):
            if structure.is_partner:
                self.partners[fold_key(structure.name)] = structure  # the first active one wins
            else:
                self.non_partners.add(fold_key(structure.name))
        collectives = db.session.scalars(select(Collective).where(Collective.pole_id == pole_id)).all()
        self.collectives: dict[str, Collective] = {}
        for collective in sorted(collectives, key=lambda c: (c.archived, c.id), reverse=True):
            self.collectives[fold_key(collective.name)] = collective
        self.referrals: dict[tuple, Referral] = {}
        stmt = (
            select(Referral)
            .where(Referral.pole_id == pole_id)
            .options(selectinload(Referral.history))
            .order_by(Referral.id)
        )
        for referral in db.session.scalars(stmt):
            self.referrals.setdefault(self._key(referral), referral)

    @staticmethod
    def _key(referral: Referral) -> tuple:
        beneficiary = ("p", referral.person_id) if referral.person_id else ("c", referral.collective_id)
        return (beneficiary, referral.partner_id, referral.referred_on)

    def _partner(self, row: Row) -> Structure | None:
        name = row.required_text("structure_partenaire")
        if name is None:
            return None
        partner = self.partners.get(fold_key(name))
        if partner is None:
            if fold_key(name) in self.non_partners:
                row.error("structure_partenaire", f"« {name} » n'est pas une structure partenaire du pôle")
            else:
                row.error("structure_partenaire", f"structure partenaire inconnue dans le pôle « {name} »")
        return partner

    def _beneficiary(self, row: Row) -> tuple[Any, Any]:
        email = row.email("email")
        collective_name = row.text("collectif")
        person = collective = None
        if email is None and collective_name is None:
            if not any(e.column == "email" for e in row.errors):
                row.error("email", "indiquez l'adresse e-mail de la personne ou le nom du collectif")
            return None, None
        if email is not None and collective_name is not None:
            row.error(
                "collectif", "indiquez soit l'adresse e-mail d'une personne, soit un collectif, pas les deux"
            )
            return None, None
        if email is not None:
            person = self.persons.by_email.get(email)
            if person is None:
                row.error("email", f"aucune personne du pôle n'a l'adresse « {email} »")
        else:
            collective = self.collectives.get(fold_key(collective_name))
            if collective is None:
                row.error("collectif", f"collectif inconnu dans le pôle « {collective_name} »")
        return person, collective

    def plan_row(self, row: Row) -> PlanItem:
        referred_on: date | None = row.date("date")
        if referred_on is None and not any(e.column == "date" for e in row.errors):
            row.error("date", "valeur obligatoire manquante")
        partner = self._partner(row)
        person, collective = self._beneficiary(row)
        thematics = row.thematics("thematiques") or []
        status = row.parsed("statut", parse_status) or "proposed"
        status_on: date | None = row.date("date_statut")
        comment = row.text("commentaire")
        if referred_on is not None and referred_on > self.today:
            row.error("date", f"la date {referred_on:%d/%m/%Y} est dans le futur")
        if status_on is not None:
            if referred_on is not None and status_on < referred_on:
                row.error(
                    "date_statut",
                    f"la date du statut ({status_on:%d/%m/%Y}) précède la date de l'orientation "
                    f"({referred_on:%d/%m/%Y})",
                )
            elif status_on > self.today:
                row.error("date_statut", f"la date {status_on:%d/%m/%Y} est dans le futur")
        beneficiary = person.full_name if person is not None else collective.name if collective else ""
        label = " — ".join(
            part
            for part in (
                f"{referred_on:%d/%m/%Y}" if referred_on else "",
                beneficiary,
                partner.name if partner is not None else "",
            )
            if part
        )
        if row.errors:
            return self.error(row, label)
        status_on = status_on or referred_on
        payload = {
            "partner": partner,
            "person": person,
            "collective": collective,
            "referred_on": referred_on,
            "thematics": thematics,
            "status": status,
            "status_on": status_on,
            "comment": comment,
        }
        beneficiary_key = ("p", person.id) if person is not None else ("c", collective.id)
        key = (beneficiary_key, partner.id, referred_on)
        payload["key"] = key
        referral = self.referrals.get(key)
        if referral is None:
            return PlanItem(row.line, "create", label=label, payload=payload)
        payload["referral"] = referral
        known = {(change.status, change.changed_on) for change in referral.history}
        if status == "proposed" or (status, status_on) in known:
            return PlanItem(row.line, "unchanged", label=label, payload=payload)
        changes = {"historique": [None, f"{STATUS_CODES[status]} le {status_on:%d/%m/%Y}"]}
        return PlanItem(row.line, "update", label=label, changes=changes, payload=payload)

    def apply(self, item: PlanItem) -> None:
        p = item.payload
        referral = p.get("referral")
        if referral is None:
            referral = refer_to_partner(
                self.pole,
                None,
                partner=p["partner"],
                referred_on=p["referred_on"],
                thematics=p["thematics"],
                person=p["person"],
                collective=p["collective"],
            )
            self.referrals[p["key"]] = referral
            if p["status"] == "proposed":
                if p["comment"]:
                    referral.history[0].comment = p["comment"]
                return
        self._add_status(referral, p["status"], p["status_on"], p["comment"])

    def _add_status(self, referral: Referral, status: str, on: date, comment: str | None) -> None:
        """Record a past status as a fact (no workflow check, no email to the partner)."""
        old = referral.status
        latest = max((change.changed_on for change in referral.history), default=on)
        referral.history.append(
            ReferralStatusChange(pole_id=referral.pole_id, status=status, changed_on=on, comment=comment)
        )
        if on >= latest:  # an older fact completes the history without rewinding the status
            referral.status = status
            if status in SENT_STATUSES and referral.sent_on is None:
                referral.sent_on = on if status == "sent" else referral.referred_on
            if status in ("sent", "accepted"):
                referral.follow_up_on = on + timedelta(days=self.pole.referral_follow_up_days)
            if comment and status != "proposed":
                referral.outcome = comment
        db.session.flush()
        record_audit(
            "referral.status",
            referral,
            {"status": [old, referral.status], "changed_on": on.isoformat(), "imported": True},
        )

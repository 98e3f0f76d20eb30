"""The audit journal in words: « Connexion réussie » rather than `login.success`, « Compte
n° 3 » rather than `User n° 3`. Unknown actions keep their code (a new action is still shown)."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "access.denied": _l("Accès refusé"),
    "accompaniment.create": _l("Dossier ouvert"),
    "accompaniment.stage": _l("Étape du dossier changée"),
    "accompaniment.status": _l("État du dossier changé"),
    "accompaniment.update": _l("Dossier modifié"),
    "attendance.public_registration": _l("Inscription en ligne à un atelier"),
    "attendance.update": _l("Présences enregistrées"),
    "calendar_feed.regenerate": _l("Abonnement à l'agenda renouvelé"),
    "calendar_feed.revoke": _l("Abonnement à l'agenda révoqué"),
    "collective.archive": _l("Collectif archivé"),
    "collective.create": _l("Collectif créé"),
    "collective.update": _l("Collectif modifié"),
    "export.partners": _l("Export de l'annuaire des partenaires"),
    "export.report": _l("Export d'un rapport"),
    "export.structures": _l("Export des structures"),
    "funding_programme.create": _l("Programme de financement créé"),
    "funding_programme.update": _l("Programme de financement modifié"),
    "import.commit": _l("Import de fichier"),
    "link.used": _l("Lien signé utilisé"),
    "login.failure": _l("Échec de connexion"),
    "login.mfa_failure": _l("Code de double authentification erroné"),
    "login.mfa_throttled": _l("Double authentification bloquée (trop d'essais)"),
    "login.password_ok": _l("Mot de passe accepté (code attendu)"),
    "login.success": _l("Connexion réussie"),
    "login.throttled": _l("Connexion bloquée (trop d'essais)"),
    "membership.create": _l("Membre ajouté au collectif"),
    "membership.delete": _l("Adhésion supprimée"),
    "membership.update": _l("Adhésion modifiée"),
    "pathway.activate": _l("Modèle de parcours activé"),
    "pathway.create": _l("Modèle de parcours créé"),
    "pathway.stage_activate": _l("Étape de parcours activée"),
    "pathway.stage_add": _l("Étape de parcours ajoutée"),
    "pathway.stage_move": _l("Étape de parcours déplacée"),
    "pathway.stage_update": _l("Étape de parcours modifiée"),
    "pathway.update": _l("Modèle de parcours modifié"),
    "person.archive": _l("Fiche archivée"),
    "person.create": _l("Fiche créée"),
    "person.unarchive": _l("Fiche réactivée"),
    "person.update": _l("Fiche modifiée"),
    "pole.update": _l("Paramètres du pôle modifiés"),
    "portal.invite_holder": _l("Invitation à l'espace porteur"),
    "portal.open_round": _l("Auto-positionnement ouvert"),
    "privacy.anonymise": _l("Personne anonymisée"),
    "privacy.export": _l("Export des données d'une personne"),
    "privacy.request.create": _l("Demande RGPD enregistrée"),
    "privacy.request.handle": _l("Demande RGPD traitée"),
    "privacy.self_export": _l("Export de ses propres données"),
    "referral.comment": _l("Commentaire sur une orientation"),
    "referral.create": _l("Orientation créée"),
    "referral.follow_up": _l("Relance d'orientation programmée"),
    "referral.status": _l("État d'une orientation changé"),
    "request.create": _l("Sollicitation enregistrée"),
    "request.outcome": _l("Suite donnée à une sollicitation"),
    "request.update": _l("Sollicitation modifiée"),
    "session.create": _l("Séance enregistrée"),
    "session.update": _l("Séance modifiée"),
    "skills.assess": _l("Auto-positionnement rempli"),
    "structure.archive": _l("Structure archivée"),
    "structure.create": _l("Structure créée"),
    "structure.unarchive": _l("Structure réactivée"),
    "structure.update": _l("Structure modifiée"),
    "thematic.activate": _l("Thématique activée ou désactivée"),
    "thematic.create": _l("Thématique créée"),
    "thematic.delete": _l("Thématique supprimée"),
    "thematic.rename": _l("Thématique renommée"),
    "thematic.reorder": _l("Thématiques réordonnées"),
    "user.activate": _l("Compte réactivé"),
    "user.create": _l("Compte créé"),
    "user.deactivate": _l("Compte désactivé"),
    "user.mfa_disabled": _l("Double authentification désactivée"),
    "user.mfa_enabled": _l("Double authentification activée"),
    "user.mfa_recovery_codes_renewed": _l("Codes de secours renouvelés"),
    "user.partner_link": _l("Compte rattaché à une structure partenaire"),
    "user.password_reset_requested": _l("Réinitialisation du mot de passe demandée"),
    "user.password_set": _l("Mot de passe défini"),
    "user.reinvite": _l("Invitation renvoyée"),
    "user.sessions_ended": _l("Sessions ouvertes fermées"),
}

TARGET_LABELS = {
    "Accompaniment": _l("Dossier"),
    "AccompanimentSession": _l("Séance"),
    "CalendarFeed": _l("Abonnement agenda"),
    "Collective": _l("Collectif"),
    "FundingProgramme": _l("Programme"),
    "Membership": _l("Adhésion"),
    "PathwayTemplate": _l("Modèle de parcours"),
    "Person": _l("Personne"),
    "Pole": _l("Pôle"),
    "PrivacyRequest": _l("Demande RGPD"),
    "Referral": _l("Orientation"),
    "Request": _l("Sollicitation"),
    "SignedLink": _l("Lien signé"),
    "Stage": _l("Étape"),
    "Structure": _l("Structure"),
    "Thematic": _l("Thématique"),
    "User": _l("Compte"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_label(target_type: str | None, target_id: int | None) -> str:
    if not target_type:
        return "—"
    name = str(TARGET_LABELS.get(target_type, target_type))
    return f"{name} n° {target_id}" if target_id else name


# Changed fields in words (« Motif du refus » rather than `decline_reason`); unknown keys stay as code.
FIELD_LABELS = {
    "address": _l("Adresse"),
    "answered_on": _l("Date de réponse"),
    "archived_at": _l("Archivé le"),
    "channel": _l("Canal"),
    "closed_on": _l("Clôturé le"),
    "collective_id": _l("Collectif"),
    "comment": _l("Commentaire"),
    "current_stage_id": _l("Étape"),
    "decline_reason": _l("Motif du refus"),
    "description": _l("Description"),
    "email": _l("Courriel"),
    "ends_at": _l("Fin"),
    "endpoint": _l("Page"),
    "first_name": _l("Prénom"),
    "follow_up_on": _l("Date de relance"),
    "gender": _l("Genre"),
    "kind": _l("Type"),
    "last_name": _l("Nom"),
    "location": _l("Lieu"),
    "method": _l("Méthode"),
    "name": _l("Nom"),
    "notes": _l("Notes"),
    "objectives": _l("Objectifs"),
    "outcome": _l("Suite donnée"),
    "partner_id": _l("Partenaire"),
    "person_id": _l("Personne"),
    "phone": _l("Téléphone"),
    "postal_code": _l("Code postal"),
    "private_notes": _l("Notes privées"),
    "reason": _l("Motif"),
    "referent_id": _l("Référent·e"),
    "referred_on": _l("Date d'orientation"),
    "role": _l("Rôle"),
    "shared_summary": _l("Compte rendu partagé"),
    "started_on": _l("Ouvert le"),
    "starts_at": _l("Début"),
    "status": _l("Statut"),
    "title": _l("Titre"),
}


def field_label(key: str) -> str | None:
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else None

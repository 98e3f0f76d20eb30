"""Demo structures: the kinds of partners a Breton pole orients to, and a few local structures.

The partner organisations are the real kinds (a DLA, URSCOP, France Active, a BGE, the
CRESS, a CAE, a réseau associatif) with invented contacts (@example.org e-mails, phone
numbers from ARCEP's range reserved for fiction). Puts every structure in
ctx.data["structures"] and the partners alone in ctx.data["partners"].
"""

from sqlalchemy import select

from app.extensions import db
from app.poles.models import Thematic
from app.structures.services import create_structure

GOV = "Gouvernance partagée"
LEGAL = "Cadre juridique"
MONEY = "Montage financier"
MODEL = "Modèle économique"
HR = "Ressources humaines et bénévolat"
COMM = "Communication"
COOP = "Coopération territoriale"

PARTNERS = (
    {
        "name": "DLA d'Ille-et-Vilaine",
        "kind": "association",
        "commune": "Rennes",
        "postal_code": "35000",
        "territory": "Ille-et-Vilaine (dont le Pays de Redon)",
        "thematics": (MODEL, HR, GOV, MONEY),
        "partner_stages": ["consolidation", "changement_echelle"],
        "contact_name": "Sophie Le Meur",
        "contact_email": "dla35@example.org",
        "offer_description": (
            "Dispositif local d'accompagnement : diagnostic partagé puis accompagnement "
            "individuel ou collectif par des consultant·es, financé, pour les associations "
            "et structures de l'ESS employeuses qui veulent consolider leur activité et leurs emplois."
        ),
        "how_to_refer": (
            "La structure remplit la fiche de premier contact du DLA ; le pôle peut la "
            "transmettre par e-mail avec un mot de présentation."
        ),
    },
    {
        "name": "URSCOP Bretagne",
        "kind": "reseau",
        "commune": "Rennes",
        "postal_code": "35000",
        "territory": "Bretagne",
        "thematics": (LEGAL, GOV, MONEY, MODEL),
        "partner_stages": ["emergence", "creation", "consolidation", "changement_echelle"],
        "contact_name": "Pierre Le Du",
        "contact_email": "creation.scop@example.org",
        "offer_description": (
            "Union régionale des SCOP et des SCIC : accompagnement à la création, à la "
            "transformation en coopérative et à la reprise d'entreprise par les salarié·es."
        ),
        "how_to_refer": "Prendre rendez-vous avec le délégué création ; premier entretien gratuit.",
    },
    {
        "name": "France Active Bretagne",
        "kind": "association",
        "commune": "Rennes",
        "postal_code": "35000",
        "territory": "Bretagne",
        "thematics": (MONEY, MODEL),
        "partner_stages": ["creation", "consolidation", "changement_echelle"],
        "contact_name": "Marine Kerleau",
        "contact_email": "financement@example.org",
        "offer_description": (
            "Financement des projets de l'ESS : garanties bancaires, prêts d'honneur, "
            "apports en fonds propres, et conseil pour bâtir le plan de financement."
        ),
        "how_to_refer": "Envoyer le résumé du projet et le prévisionnel ; réponse sous quinze jours.",
    },
    {
        "name": "BGE Ille-et-Vilaine",
        "kind": "association",
        "commune": "Redon",
        "postal_code": "35600",
        "territory": "Ille-et-Vilaine, Pays de Redon",
        "thematics": (MODEL, LEGAL, COMM),
        "partner_stages": ["emergence", "creation"],
        "contact_name": "Thomas Gicquel",
        "contact_email": "bge-redon@example.org",
        "offer_description": (
            "Accompagnement à la création d'entreprise : étude de marché, choix du statut, "
            "formation « entreprendre » et suivi des premières années."
        ),
        "how_to_refer": "Réunion d'information collective chaque mois à Redon, sur inscription.",
    },
    {
        "name": "CRESS Bretagne",
        "kind": "reseau",
        "commune": "Rennes",
        "postal_code": "35000",
        "territory": "Bretagne",
        "thematics": (COOP, COMM, GOV),
        "partner_stages": ["emergence", "changement_echelle"],
        "contact_name": "Hélène Prigent",
        "contact_email": "cress@example.org",
        "offer_description": (
            "Chambre régionale de l'ESS : mise en réseau, observatoire, marchés publics "
            "responsables, appui à la coopération entre acteurs du territoire."
        ),
        "how_to_refer": "Orienter vers le référent territorial du Pays de Redon par e-mail.",
    },
    {
        "name": "Coop'Oust, coopérative d'activité et d'emploi",
        "kind": "cae",
        "commune": "Redon",
        "postal_code": "35600",
        "territory": "Pays de Redon, Ille-et-Vilaine, Morbihan, Loire-Atlantique",
        "thematics": (LEGAL, MODEL, HR),
        "partner_stages": ["emergence", "creation"],
        "contact_name": "Julie Rouault",
        "contact_email": "coop-oust@example.org",
        "offer_description": (
            "Tester son activité en restant salarié·e de la coopérative (contrat CAPE puis "
            "CDI entrepreneur·e salarié·e), avec comptabilité mutualisée et accompagnement."
        ),
        "how_to_refer": "Réunion d'information un mardi sur deux ; s'inscrire par téléphone.",
    },
    {
        "name": "Réseau des associations du Pays de Redon",
        "kind": "reseau",
        "commune": "Redon",
        "postal_code": "35600",
        "territory": "Redon Agglomération",
        "thematics": (GOV, HR, COMM, COOP),
        "partner_stages": ["emergence", "consolidation"],
        "contact_name": "Nicolas Hervé",
        "contact_email": "vie-associative@example.org",
        "offer_description": (
            "Appui à la vie associative : gouvernance, fonction employeur, bénévolat, "
            "formations des dirigeant·es bénévoles et permanences juridiques."
        ),
        "how_to_refer": "Permanence le jeudi matin à Redon, ou par e-mail.",
    },
)

OTHERS = (
    {"name": "Redon Agglomération", "kind": "collectivite", "commune": "Redon", "postal_code": "35600"},
    {
        "name": "Les Jardins partagés de l'Oust",
        "kind": "association",
        "commune": "Bains-sur-Oust",
        "postal_code": "35600",
    },
    {
        "name": "La Ressourcerie des Marais",
        "kind": "association",
        "commune": "Saint-Nicolas-de-Redon",
        "postal_code": "44460",
    },
    {"name": "Café associatif L'Escale", "kind": "association", "commune": "Pipriac", "postal_code": "35550"},
    {
        "name": "SCIC Énergies citoyennes du Pays de Redon",
        "kind": "scic",
        "commune": "Allaire",
        "postal_code": "56350",
    },
    {
        "name": "Les Charpentiers de l'Aff (SCOP)",
        "kind": "scop",
        "commune": "Sixt-sur-Aff",
        "postal_code": "35550",
    },
)


def seed(ctx) -> None:
    thematics = {
        t.name: t.id for t in db.session.scalars(select(Thematic).where(Thematic.pole_id == ctx.pole.id))
    }
    partners = []
    for data in PARTNERS:
        data = dict(data)
        names = data.pop("thematics")
        data["contact_phone"] = f"02 61 91 {ctx.rng.randint(0, 99):02d} {ctx.rng.randint(0, 99):02d}"
        partners.append(
            create_structure(
                ctx.pole,
                thematic_ids=[thematics[n] for n in names if n in thematics],
                is_partner=True,
                **data,
            )
        )
    others = [create_structure(ctx.pole, **data) for data in OTHERS]
    ctx.data["partners"] = partners
    ctx.data["structures"] = others + partners

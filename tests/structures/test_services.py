from sqlalchemy import select

from app.poles.models import Thematic
from app.structures.services import create_structure, rank_partners, update_structure
from tests.structures.factories import PartnerFactory, StructureFactory


def _themes(db, pole):
    return db.session.scalars(
        select(Thematic).where(Thematic.pole_id == pole.id).order_by(Thematic.position)
    ).all()


def test_rank_partners_thematics_then_stage_then_commune(db, pole, other_pole):
    gov, legal, money = _themes(db, pole)[:3]
    both = PartnerFactory(pole=pole, name="Z deux thématiques", thematics=[gov, money], partner_stages=[])
    one_stage = PartnerFactory(
        pole=pole, name="Y une + étape", thematics=[money], partner_stages=["creation"]
    )
    one_place = PartnerFactory(
        pole=pole,
        name="X une + territoire",
        thematics=[money],
        partner_stages=[],
        territory="Redon Agglomération",
    )
    one = PartnerFactory(
        pole=pole,
        name="W une seule",
        thematics=[money],
        partner_stages=[],
        territory="Morbihan",
        commune="Vannes",
    )
    none = PartnerFactory(pole=pole, name="A aucune", thematics=[legal], partner_stages=["creation"])
    PartnerFactory(pole=pole, name="Archivé", thematics=[gov, money], archived=True)
    StructureFactory(pole=pole, name="Pas partenaire")
    PartnerFactory(pole=other_pole, name="Autre pôle")
    ranked = rank_partners(pole, [gov.id, money.id], stage="creation", commune="REDON")
    assert ranked == [both, one_stage, one_place, one, none]
    # Without criteria: every active partner, by name.
    assert [p.name for p in rank_partners(pole, [])] == sorted(p.name for p in ranked)


def test_rank_partners_commune_matches_partner_location(db, pole):
    far = PartnerFactory(pole=pole, name="A loin", commune="Rennes", territory="Ille-et-Vilaine")
    near = PartnerFactory(pole=pole, name="B proche", commune="Allaire", territory=None)
    assert rank_partners(pole, [], commune="allaire") == [near, far]


def test_inactive_thematic_kept_and_others_of_pole_ignored(db, pole, other_pole):
    mine = _themes(db, pole)
    theirs = _themes(db, other_pole)[0]
    structure = create_structure(pole, thematic_ids=[mine[0].id, theirs.id], name="BGE", is_partner=True)
    assert structure.thematics == [mine[0]]
    changes = update_structure(structure, thematic_ids=[mine[0].id], name="BGE Bretagne")
    assert changes == {"name": ["BGE", "BGE Bretagne"]}

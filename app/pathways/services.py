"""Parcours templates and stages. Functions flush; the caller commits."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.audit import diff_fields, record_audit
from app.extensions import db
from app.pathways.models import DEFAULT_STAGES, PathwayTemplate, Stage
from app.poles.models import Pole
from app.poles.services import POLE_CREATED_HOOKS

DEFAULT_TEMPLATE_NAME = "Parcours d'accompagnement"
DEFAULT_TEMPLATE_DESCRIPTION = "Parcours inspiré du Dispositif local d'accompagnement (DLA)."


class PathwayError(ValueError):
    pass


def create_template(
    pole: Pole, name: str, description: str | None = None, stages: list[dict[str, Any]] | None = None
) -> PathwayTemplate:
    """Create a template with its stages, in the order given."""
    name = (name or "").strip()
    if not name:
        raise PathwayError(_("Le nom du modèle est obligatoire."))
    template = PathwayTemplate(pole_id=pole.id, name=name, description=description or None, active=True)
    db.session.add(template)
    for position, stage in enumerate(stages or []):
        template.stages.append(
            Stage(
                pole_id=pole.id,
                name=stage["name"],
                description=stage.get("description"),
                expected_duration_days=stage.get("expected_duration_days"),
                position=position,
                active=True,
            )
        )
    db.session.flush()
    record_audit("pathway.create", template, {"name": name})
    return template


def create_default_template(pole: Pole) -> PathwayTemplate:
    """The DLA-inspired template every pole starts with (a POLE_CREATED_HOOKS hook)."""
    return create_template(
        pole,
        DEFAULT_TEMPLATE_NAME,
        DEFAULT_TEMPLATE_DESCRIPTION,
        [{"name": name, "description": description} for name, description in DEFAULT_STAGES],
    )


if create_default_template not in POLE_CREATED_HOOKS:
    POLE_CREATED_HOOKS.append(create_default_template)


def update_template(template: PathwayTemplate, data: dict[str, Any]) -> dict:
    data = {"name": (data.get("name") or "").strip(), "description": data.get("description") or None}
    if not data["name"]:
        raise PathwayError(_("Le nom du modèle est obligatoire."))
    changes = diff_fields(template, data)
    if changes:
        db.session.flush()
        record_audit("pathway.update", template, changes)
    return changes


def set_template_active(template: PathwayTemplate, active: bool) -> None:
    template.active = active
    db.session.flush()
    record_audit("pathway.activate" if active else "pathway.deactivate", template)


def add_stage(
    template: PathwayTemplate, name: str, description: str | None = None, expected_duration_days=None
) -> Stage:
    """Append a stage at the end of the template."""
    name = (name or "").strip()
    if not name:
        raise PathwayError(_("Le nom de l'étape est obligatoire."))
    last = db.session.scalar(select(func.max(Stage.position)).where(Stage.template_id == template.id))
    stage = Stage(
        pole_id=template.pole_id,
        template_id=template.id,
        name=name,
        description=description or None,
        expected_duration_days=expected_duration_days,
        position=(last + 1) if last is not None else 0,
        active=True,
    )
    db.session.add(stage)
    db.session.flush()
    record_audit("pathway.stage_add", template, {"stage": name})
    return stage


def update_stage(stage: Stage, data: dict[str, Any]) -> dict:
    data = {
        "name": (data.get("name") or "").strip(),
        "description": data.get("description") or None,
        "expected_duration_days": data.get("expected_duration_days"),
    }
    if not data["name"]:
        raise PathwayError(_("Le nom de l'étape est obligatoire."))
    changes = diff_fields(stage, data)
    if changes:
        db.session.flush()
        record_audit("pathway.stage_update", stage, changes)
    return changes


def set_stage_active(stage: Stage, active: bool) -> None:
    stage.active = active
    db.session.flush()
    record_audit("pathway.stage_activate" if active else "pathway.stage_deactivate", stage)


def move_stage(stage: Stage, direction: str) -> bool:
    """Swap a stage with its neighbour ('up' or 'down'); False when it is already at the end."""
    stages = list(
        db.session.scalars(
            select(Stage).where(Stage.template_id == stage.template_id).order_by(Stage.position, Stage.id)
        )
    )
    index = stages.index(stage)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or other < 0 or other >= len(stages):
        return False
    stages[index], stages[other] = stages[other], stages[index]
    for position, item in enumerate(stages):
        item.position = position
    db.session.flush()
    record_audit("pathway.stage_move", stage, {"direction": direction})
    return True


def active_stages(template: PathwayTemplate) -> list[Stage]:
    return [s for s in template.stages if s.active]

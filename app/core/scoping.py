"""Pole scoping at the source.

Every ORM select on a `PoleScopedMixin` model run while a request is being served is
filtered to the current user's pole, through a `do_orm_execute` hook adding
`with_loader_criteria`. A view therefore cannot forget the scope: a record of another
pole is simply not found, and `get_or_404` answers 404. CLI commands and code run
outside a request are not scoped (they name their pole explicitly).

`g.pole_scope` holds the pole id in force; 0 (no pole has it) means "no pole's records"
(anonymous visitors, the regional coordinator). Code that must read across poles on
purpose (regional statistics) passes `execution_options(all_poles=True)`.
"""

from typing import TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.core.models import PoleScopedMixin
from app.extensions import db

NO_POLE = 0
T = TypeVar("T")


def current_pole_scope() -> int | None:
    """The pole id selects are filtered to, or None when nothing is scoped."""
    if not has_app_context():
        return None
    return g.get("pole_scope")


def set_pole_scope(pole_id: int | None) -> None:
    g.pole_scope = NO_POLE if pole_id is None else pole_id


def clear_pole_scope() -> None:
    g.pop("pole_scope", None)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_pole(state: ORMExecuteState) -> None:
    if (
        not state.is_select
        or state.is_column_load
        or state.is_relationship_load
        or state.execution_options.get("all_poles", False)
    ):
        return
    pole_id = current_pole_scope()
    if pole_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            PoleScopedMixin,
            lambda cls: cls.pole_id == pole_id,
            include_aliases=True,
        )
    )


def get_or_404(model: type[T], record_id: int | str | None) -> T:
    """Load a pole-scoped record by id, or answer 404 (also when it belongs to another pole)."""
    try:
        record_id = int(record_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.execute(select(model).where(model.id == record_id)).scalar_one_or_none()
    if obj is None:
        abort(404)
    scope = current_pole_scope()
    # Defence in depth: the identity map could hold an object loaded outside the scope.
    if scope is not None and isinstance(obj, PoleScopedMixin) and obj.pole_id != scope:
        abort(404)
    return obj

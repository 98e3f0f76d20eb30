"""Pagination of a select: one COUNT and one page query, whatever the page size."""

import math
from dataclasses import dataclass, field
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from app.extensions import db

PER_PAGE = 30


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int
    extra_args: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def args(self, number: int) -> dict[str, Any]:
        """Query-string arguments for page `number`, keeping the current filters."""
        args = {k: v for k, v in request.args.items() if k != "page"}
        args["page"] = number
        return args


def current_page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def paginate(
    stmt: Select, per_page: int = PER_PAGE, number: int | None = None, *, rows: bool = False
) -> Page:
    """`stmt` selects one entity (items are objects), or columns with `rows=True` (items are rows)."""
    number = number or current_page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / per_page))
    number = min(number, pages)
    page_stmt = stmt.limit(per_page).offset((number - 1) * per_page)
    items = db.session.execute(page_stmt).all() if rows else db.session.scalars(page_stmt).unique().all()
    return Page(items=list(items), total=total or 0, number=number, per_page=per_page)

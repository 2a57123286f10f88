"""Page numbers from query strings, clamped so a bad ?page= never errors."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, func, select

from .extensions import db
from .numbers import whole_number


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    raw = request.args.get("page", "1")
    return max(1, number) if (number := whole_number(raw, max_digits=6)) is not None else 1


def paginate(query: Select) -> Page:
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(requested_page(), pages)
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items, number, pages, total)

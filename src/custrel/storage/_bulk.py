"""Helpers shared by the adapters' bulk paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from custrel.customers import Customer
from custrel.errors import ValidationError

__all__ = ["chunks", "latest_by_email"]


def latest_by_email(customers: Iterable[Customer]) -> list[Customer]:
    """Keep the last customer for each email, in first-seen order; refuse customers without one."""
    latest: dict[str, Customer] = {}
    for index, customer in enumerate(customers):
        if customer.email is None:
            raise ValidationError(
                f"row {index}: an upsert by email needs an email", field="email", value=customer.id
            )
        latest[customer.email] = customer
    return list(latest.values())


def chunks(items: list[Customer], size: int) -> Iterator[list[Customer]]:
    """Yield consecutive slices of *items* of at most *size* elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

"""Identifiers.

Aggregates are identified by strings the host provides (its own customer or order ids), so
custrel can live beside an existing database. Ids custrel makes itself (event ids) are random
UUIDs.
"""

from __future__ import annotations

import uuid

from custrel.errors import ValidationError

__all__ = ["MAX_ID_LENGTH", "check_id", "new_id"]

MAX_ID_LENGTH = 200
"""The longest id custrel stores (SQL columns are sized for it)."""


def new_id() -> str:
    """Return a new random id (a UUID4 in canonical form)."""
    return str(uuid.uuid4())


def check_id(value: object, field: str = "id") -> str:
    """Return *value* if it is a usable id: a non-empty string without surrounding spaces."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValidationError(
            "expected a non-empty string without surrounding spaces", field=field, value=value
        )
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"longer than {MAX_ID_LENGTH} characters", field=field, value=value)
    return value

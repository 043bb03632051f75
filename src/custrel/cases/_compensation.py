"""Goodwill given to a customer when a case is resolved: money back, or a voucher."""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

from custrel.errors import ValidationError
from custrel.money import Money

__all__ = [
    "Compensation",
    "Voucher",
    "check_compensation",
    "compensation_from_dict",
    "compensation_to_dict",
    "positive_money",
]

_MAX_CODE = 100


def _code(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_CODE:
        raise ValidationError(
            f"expected a non-empty code of at most {_MAX_CODE} characters",
            field="code",
            value=value,
        )
    return value.strip()


def positive_money(value: object, field: str) -> Money:
    """Return *value* if it is `Money` above zero, else raise `ValidationError` naming *field*."""
    if not isinstance(value, Money):
        raise ValidationError("expected Money", field=field, value=value)
    if value.amount <= 0:
        raise ValidationError("must be more than zero", field=field, value=value)
    return value


def _value(value: object) -> Money:
    return positive_money(value, "value")


@attrs.frozen
class Voucher:
    """A voucher given as goodwill: the code the customer redeems and what it is worth.

    >>> Voucher("SORRY-2026", Money("200", "NOK")).value
    Money(amount=Decimal('200'), currency='NOK')
    """

    code: str = attrs.field(converter=_code)
    value: Money = attrs.field(converter=_value)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {"code": self.code, "value": self.value.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Voucher:
        """Rebuild a voucher written by `to_dict`."""
        if not isinstance(data, dict) or not isinstance(data.get("value"), dict):
            raise ValidationError(
                "expected a dict with 'code' and 'value'", field="voucher", value=data
            )
        return cls(data.get("code"), Money.from_dict(data["value"]))


Compensation: TypeAlias = Money | Voucher
"""Goodwill on resolution: an amount of money (refund, credit) or a `Voucher`."""


def check_compensation(value: object) -> Money | Voucher | None:
    """Return *value* if it is None, positive `Money` or a `Voucher`, else raise."""
    if value is None or isinstance(value, Voucher):
        return value
    if isinstance(value, Money):
        return positive_money(value, "compensation")
    raise ValidationError("expected Money, a Voucher or None", field="compensation", value=value)


def compensation_to_dict(value: Money | Voucher | None) -> dict[str, Any] | None:
    """A JSON-safe form of a compensation: ``{"money": ...}`` or ``{"voucher": ...}``, or None."""
    if value is None:
        return None
    if isinstance(value, Voucher):
        return {"voucher": value.to_dict()}
    return {"money": value.to_dict()}


def compensation_from_dict(data: object) -> Money | Voucher | None:
    """Read back what `compensation_to_dict` wrote."""
    if data is None:
        return None
    if isinstance(data, dict) and set(data) == {"voucher"}:
        return Voucher.from_dict(data["voucher"])
    if isinstance(data, dict) and set(data) == {"money"} and isinstance(data["money"], dict):
        return check_compensation(Money.from_dict(data["money"]))
    raise ValidationError(
        "expected {'money': ...} or {'voucher': ...}", field="compensation", value=data
    )

"""The facts of a journey after its sale: shipped, delivered, cases, follow-up, hand-over."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.ids import check_id
from custrel.lifecycle._checks import optional_id, optional_text, quantity, required_text
from custrel.money import Money

__all__ = [
    "CaseOpened",
    "CaseResolved",
    "Charged",
    "Delivered",
    "FollowedUp",
    "HandedOver",
    "InteractionLinked",
    "JourneyFact",
    "PromiseSettled",
    "Shipped",
    "fact_from_dict",
    "fact_to_dict",
]


@attrs.frozen
class Shipped:
    """The order left the warehouse (or the engagement's work started)."""

    TYPE: ClassVar[str] = "shipped"
    at: pendulum.DateTime = attrs.field(converter=_time.at)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {}


def _quantities(value: object) -> Mapping[str, Decimal] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValidationError(
            "expected a mapping of product to quantity", field="quantities", value=value
        )
    checked = {
        check_id(product, "quantities"): quantity(
            amount, f"quantities[{product!r}]", allow_zero=True
        )
        for product, amount in value.items()
    }
    return MappingProxyType(dict(sorted(checked.items())))


def _final(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected True or False", field="final", value=value)
    return value


@attrs.frozen
class Delivered:
    """Goods reached the customer (or the engagement was delivered).

    Attributes:
        quantities: How many of each product this delivery brought; None means everything
            still outstanding on the order.
        final: True for the last delivery of the order: nothing more is coming.
    """

    TYPE: ClassVar[str] = "delivered"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    quantities: Mapping[str, Decimal] | None = attrs.field(
        default=None, converter=_quantities, hash=False
    )
    final: bool = attrs.field(default=True, converter=_final)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        quantities = (
            None
            if self.quantities is None
            else {product: str(amount) for product, amount in self.quantities.items()}
        )
        return {"quantities": quantities, "final": self.final}


def _money(value: object) -> Money:
    if not isinstance(value, Money):
        raise ValidationError("expected Money", field="amount", value=value)
    return value


def _optional_product(value: object) -> str | None:
    return optional_id(value, "product")


@attrs.frozen
class Charged:
    """What the customer was charged, for the order or for one product."""

    TYPE: ClassVar[str] = "charged"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    amount: Money = attrs.field(converter=_money)
    product: str | None = attrs.field(default=None, converter=_optional_product)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"amount": self.amount.to_dict(), "product": self.product}


def _case_id(value: object) -> str:
    return check_id(value, "case_id")


@attrs.frozen
class CaseOpened:
    """A service case about this sale was opened (or reopened)."""

    TYPE: ClassVar[str] = "case_opened"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    case_id: str = attrs.field(converter=_case_id)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"case_id": self.case_id}


@attrs.frozen
class CaseResolved:
    """A service case about this sale was resolved."""

    TYPE: ClassVar[str] = "case_resolved"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    case_id: str = attrs.field(converter=_case_id)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"case_id": self.case_id}


def _interaction_id(value: object) -> str:
    return check_id(value, "interaction_id")


@attrs.frozen
class InteractionLinked:
    """A logged contact (the contact log's id) belongs to this sale."""

    TYPE: ClassVar[str] = "interaction_linked"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    interaction_id: str = attrs.field(converter=_interaction_id)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"interaction_id": self.interaction_id}


def _by(value: object) -> str | None:
    return optional_id(value, "by")


def _note(value: object) -> str:
    return optional_text(value, "note")


@attrs.frozen
class FollowedUp:
    """Someone followed up after delivery and service (a call, a message), with a note."""

    TYPE: ClassVar[str] = "followed_up"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    by: str | None = attrs.field(default=None, converter=_by)
    note: str = attrs.field(default="", converter=_note)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"by": self.by, "note": self.note}


def _promise_id(value: object) -> str:
    return check_id(value, "promise_id")


def _kept(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected True or False", field="kept", value=value)
    return value


def _reason(value: object) -> str:
    return required_text(value, "reason")


@attrs.frozen
class PromiseSettled:
    """Staff said a promise was kept or broken (a quality met, a price honoured, a cancellation)."""

    TYPE: ClassVar[str] = "promise_settled"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    promise_id: str = attrs.field(converter=_promise_id)
    kept: bool = attrs.field(converter=_kept)
    reason: str = attrs.field(converter=_reason)
    by: str | None = attrs.field(default=None, converter=_by)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {
            "promise_id": self.promise_id,
            "kept": self.kept,
            "reason": self.reason,
            "by": self.by,
        }


def _from_owner(value: object) -> str | None:
    return optional_id(value, "from_owner")


def _to_owner(value: object) -> str | None:
    return optional_id(value, "to_owner")


@attrs.frozen
class HandedOver:
    """The journey moved from one owner to another (an owner change, or cover for an absence)."""

    TYPE: ClassVar[str] = "handed_over"
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    from_owner: str | None = attrs.field(converter=_from_owner)
    to_owner: str | None = attrs.field(converter=_to_owner)
    reason: str = attrs.field(converter=_reason)

    def data(self) -> dict[str, Any]:
        """The fields other than ``at``, JSON-safe."""
        return {"from_owner": self.from_owner, "to_owner": self.to_owner, "reason": self.reason}


JourneyFact: TypeAlias = (
    Shipped
    | Delivered
    | Charged
    | CaseOpened
    | CaseResolved
    | InteractionLinked
    | FollowedUp
    | PromiseSettled
    | HandedOver
)
"""Any fact recorded on a journey after its sale."""

_FACTS: dict[str, type[JourneyFact]] = {
    kind.TYPE: kind
    for kind in (
        Shipped,
        Delivered,
        Charged,
        CaseOpened,
        CaseResolved,
        InteractionLinked,
        FollowedUp,
        PromiseSettled,
        HandedOver,
    )
}


def fact_to_dict(fact: JourneyFact) -> dict[str, Any]:
    """A JSON-safe dict for *fact*, with its ``type``."""
    return {"type": fact.TYPE, "at": _time.format_instant(fact.at), **fact.data()}


def fact_from_dict(data: Mapping[str, Any]) -> JourneyFact:
    """Rebuild a fact written by `fact_to_dict`."""
    kind = _FACTS.get(data.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise ValidationError("unknown journey fact type", field="facts", value=data.get("type"))
    fields = {key: value for key, value in data.items() if key not in ("type", "at")}
    if kind is Charged:
        fields["amount"] = Money.from_dict(fields.get("amount"))  # type: ignore[arg-type]
    return kind(at=_time.parse_instant(data.get("at"), "at"), **fields)

"""What was promised at a sale: delivery by a date or in a window, a price, a quality."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.errors import PolicyError, ValidationError
from custrel.ids import check_id
from custrel.lifecycle._checks import enum_member, optional_id, optional_text, quantity, words
from custrel.money import Money

__all__ = [
    "DeliveryWindow",
    "OtifTolerance",
    "Promise",
    "PromiseKind",
    "SaleLine",
]


class PromiseKind(str, enum.Enum):
    """What a promise is about."""

    DELIVERY = "delivery"
    """Delivery by a date, or within a window (optionally of one order line)."""

    PRICE = "price"
    """A price (for the order, or for one product)."""

    QUALITY = "quality"
    """A quality or specification statement ("fits a 2 m wall", "organic")."""


def _product(value: object) -> str:
    return check_id(value, "product")


def _line_quantity(value: object) -> Decimal:
    return quantity(value, "quantity")


@attrs.frozen
class SaleLine:
    """One line of an order: a product (the host's id for it) and how many were ordered.

    Raises:
        ValidationError: A malformed product id, or a quantity that is not above zero.
    """

    product: str = attrs.field(converter=_product)
    quantity: Decimal = attrs.field(converter=_line_quantity)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (the quantity as a string, exactly)."""
        return {"product": self.product, "quantity": str(self.quantity)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SaleLine:
        """Rebuild a line written by `to_dict`."""
        return cls(data.get("product"), data.get("quantity"))


def _window_start(value: object) -> pendulum.DateTime | None:
    return _time.optional_instant(value, "start")


def _window_end(value: object) -> pendulum.DateTime:
    return _time.instant(value, "end")


@attrs.frozen
class DeliveryWindow:
    """When a delivery was promised: by *end*, and no earlier than *start* if there is one.

    Raises:
        ValidationError: A naive instant, or an end before the start.
    """

    start: pendulum.DateTime | None = attrs.field(converter=_window_start)
    end: pendulum.DateTime = attrs.field(converter=_window_end)

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end < self.start:
            raise ValidationError(
                f"the window ends before it starts ({self.start.isoformat()})",
                field="end",
                value=self.end.isoformat(),
            )

    @classmethod
    def by(cls, end: dt.datetime) -> DeliveryWindow:
        """Delivery at the latest at *end*, as early as the seller likes."""
        return cls(None, end)

    @classmethod
    def between(cls, start: dt.datetime, end: dt.datetime) -> DeliveryWindow:
        """Delivery from *start* to *end* (a time slot the customer is waiting in)."""
        return cls(start, end)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "start": None if self.start is None else _time.format_instant(self.start),
            "end": _time.format_instant(self.end),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeliveryWindow:
        """Rebuild a window written by `to_dict`."""
        start = data.get("start")
        return cls(
            None if start is None else _time.parse_instant(start, "start"),
            _time.parse_instant(data.get("end"), "end"),
        )


def _kind(value: object) -> PromiseKind:
    return enum_member(PromiseKind, value, "kind")


def _made_by(value: object) -> str:
    return check_id(value, "made_by")


def _promise_id(value: object) -> str | None:
    return optional_id(value, "id")


def _window(value: object) -> DeliveryWindow | None:
    if value is not None and not isinstance(value, DeliveryWindow):
        raise ValidationError("expected a DeliveryWindow or None", field="window", value=value)
    return value


def _amount(value: object) -> Money | None:
    if value is not None and not isinstance(value, Money):
        raise ValidationError("expected Money or None", field="amount", value=value)
    return value


def _statement(value: object) -> str:
    return optional_text(value, "statement")


def _optional_product(value: object) -> str | None:
    return optional_id(value, "product")


def _optional_quantity(value: object) -> Decimal | None:
    return None if value is None else quantity(value, "quantity")


@attrs.frozen(kw_only=True)
class Promise:
    """A promise made to the customer at a sale, and who made it.

    Build one with `Promise.delivery`, `Promise.price` or `Promise.quality`; a price promise's
    price is its ``amount``. A promise with a
    ``product`` is about that order line only; a delivery promise of a line may cover part of
    it (``quantity``). The journey gives promises without an ``id`` one (``"p1"``, ``"p2"``,
    ... by position).

    Raises:
        ValidationError: A field missing for its kind, or present where it makes no sense.
    """

    kind: PromiseKind = attrs.field(converter=_kind)
    made_by: str = attrs.field(converter=_made_by)
    id: str | None = attrs.field(default=None, converter=_promise_id)
    window: DeliveryWindow | None = attrs.field(default=None, converter=_window)
    amount: Money | None = attrs.field(default=None, converter=_amount)
    statement: str = attrs.field(default="", converter=_statement)
    product: str | None = attrs.field(default=None, converter=_optional_product)
    quantity: Decimal | None = attrs.field(default=None, converter=_optional_quantity)

    def __attrs_post_init__(self) -> None:
        kind = self.kind
        if (self.window is None) == (kind is PromiseKind.DELIVERY):
            raise ValidationError(
                "a delivery promise has a window, and only a delivery promise",
                field="window",
                value=self.window,
            )
        if (self.amount is None) == (kind is PromiseKind.PRICE):
            raise ValidationError(
                "a price promise has an amount, and only a price promise",
                field="amount",
                value=self.amount,
            )
        if kind is PromiseKind.QUALITY and not self.statement:
            raise ValidationError(
                "a quality promise states what was promised", field="statement", value=""
            )
        if self.quantity is not None and (kind is not PromiseKind.DELIVERY or not self.product):
            raise ValidationError(
                "a quantity belongs to a delivery promise of one product",
                field="quantity",
                value=self.quantity,
            )

    @classmethod
    def delivery(
        cls,
        by: dt.datetime,
        *,
        made_by: str,
        earliest: dt.datetime | None = None,
        product: str | None = None,
        quantity: Decimal | int | str | None = None,
        statement: str = "",
        id: str | None = None,  # noqa: A002 - the natural name
    ) -> Promise:
        """Promise delivery by *by* (and not before *earliest*, for a time slot).

        Args:
            by: The latest promised delivery instant.
            made_by: The staff id of whoever promised it.
            earliest: The start of the promised window, if there is one.
            product: The order line the promise is about (None: the whole order).
            quantity: How many of *product* (None: the whole line).
            statement: What was said, in words.
            id: An id for the promise within its journey.

        Raises:
            ValidationError: A naive instant, *by* before *earliest*, or a quantity without a
                product, or not above zero.
        """
        return cls(
            kind=PromiseKind.DELIVERY,
            made_by=made_by,
            id=id,
            window=DeliveryWindow(earliest, by),
            statement=statement,
            product=product,
            quantity=quantity,
        )

    @classmethod
    def price(
        cls,
        amount: Money,
        *,
        made_by: str,
        product: str | None = None,
        statement: str = "",
        id: str | None = None,  # noqa: A002 - the natural name
    ) -> Promise:
        """Promise a price: the customer will not be charged more than *amount*.

        With *product*, the price of that order line; otherwise of the whole order.
        """
        return cls(
            kind=PromiseKind.PRICE,
            made_by=made_by,
            id=id,
            amount=amount,
            statement=statement,
            product=product,
        )

    @classmethod
    def quality(
        cls,
        statement: str,
        *,
        made_by: str,
        product: str | None = None,
        id: str | None = None,  # noqa: A002 - the natural name
    ) -> Promise:
        """Promise a quality or specification, stated in words (kept or broken by staff)."""
        return cls(
            kind=PromiseKind.QUALITY, made_by=made_by, id=id, statement=statement, product=product
        )

    @property
    def due(self) -> pendulum.DateTime | None:
        """The latest promised delivery instant (None for price and quality promises)."""
        return None if self.window is None else self.window.end

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (amounts and quantities as exact strings)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "made_by": self.made_by,
            "window": None if self.window is None else self.window.to_dict(),
            "amount": None if self.amount is None else self.amount.to_dict(),
            "statement": self.statement,
            "product": self.product,
            "quantity": None if self.quantity is None else str(self.quantity),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Promise:
        """Rebuild a promise written by `to_dict`."""
        window = data.get("window")
        amount = data.get("amount")
        return cls(
            kind=data.get("kind"),
            made_by=data.get("made_by"),
            id=data.get("id"),
            window=None if window is None else DeliveryWindow.from_dict(window),
            amount=None if amount is None else Money.from_dict(amount),
            statement=data.get("statement") or "",
            product=data.get("product"),
            quantity=data.get("quantity"),
        )


def _tolerance(field: str, value: object) -> dt.timedelta:
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(0):
        raise PolicyError("expected a timedelta of zero or more", field=field, value=value)
    return value


def _early(value: object) -> dt.timedelta | None:
    return None if value is None else _tolerance("early", value)


def _late(value: object) -> dt.timedelta:
    return _tolerance("late", value)


def _quantity_share(value: object) -> Decimal:
    try:
        share = quantity(value, "quantity", allow_zero=True)
    except ValidationError as error:
        raise PolicyError(
            str(error).split(": ", 1)[-1].split(" (got", 1)[0], field="quantity", value=value
        ) from None
    if share >= 1:
        raise PolicyError(
            "the share that may be missing is below 1 (0.02 is 2 %)", field="quantity", value=value
        )
    return share


@attrs.frozen
class OtifTolerance:
    """How far a delivery may miss its promise and still count as on time and in full.

    Args:
        early: How long before a window's start a delivery still counts as on time (None: any
            time before; promises "by" a date have no start, so they are never early).
        late: How long after the promised end a delivery still counts as on time.
        quantity: The share of the promised quantity that may be missing and still count as
            in full, from 0 (every unit) to below 1 (``Decimal("0.02")`` is 2 %).

    Raises:
        PolicyError: A negative duration, or a share outside [0, 1).
    """

    early: dt.timedelta | None = attrs.field(default=dt.timedelta(0), converter=_early)
    late: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_late)
    quantity: Decimal = attrs.field(default=Decimal(0), converter=_quantity_share)

    def describe(self) -> str:
        """The tolerances in words, for staff."""
        early = "any time" if self.early is None else words(self.early)
        return (
            f"on time from {early} before a window's start to {words(self.late)} after the "
            f"promised end; in full with at most {self.quantity * 100:g} % missing"
        )

"""Orders as the points program sees them: who bought, when, lines with category and amount."""

from __future__ import annotations

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.ids import check_id
from custrel.money import Money

__all__ = ["Order", "OrderLine"]


def _money(value: object) -> Money:
    if not isinstance(value, Money):
        raise ValidationError("expected Money", field="amount", value=value)
    if value.amount < 0:
        raise ValidationError(
            "a line amount cannot be negative; apply discounts to the lines they reduce",
            field="amount",
            value=str(value),
        )
    return value


def _line_id(value: object) -> str:
    return check_id(value, "line_id")


def _category(value: object) -> str:
    return check_id(value, "category")


@attrs.frozen
class OrderLine:
    """One line of an order: an id unique within the order, a product category and its amount.

    Attributes:
        line_id: The host's line id (or sku), unique within the order; returns name it.
        category: The product category, matched exactly against the program's category rates.
        amount: What the customer paid for the line (tax included or not, as the host decides),
            zero or more.
    """

    line_id: str = attrs.field(converter=_line_id)
    category: str = attrs.field(converter=_category)
    amount: Money = attrs.field(converter=_money)


def _order_id(value: object) -> str:
    return check_id(value, "id")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _placed_at(value: object) -> pendulum.DateTime:
    return _time.instant(value, "placed_at")


def _lines(value: object) -> tuple[OrderLine, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise ValidationError("expected a list of OrderLine", field="lines", value=value)
    lines = tuple(value)
    if not lines:
        raise ValidationError("an order needs at least one line", field="lines", value=value)
    seen: set[str] = set()
    for line in lines:
        if not isinstance(line, OrderLine):
            raise ValidationError("expected OrderLine items", field="lines", value=line)
        if line.line_id in seen:
            raise ValidationError("line ids must be unique", field="lines", value=line.line_id)
        seen.add(line.line_id)
        if line.amount.currency != lines[0].amount.currency:
            raise ValidationError(
                f"mixed currencies in one order ({lines[0].amount.currency} and "
                f"{line.amount.currency})",
                field="lines",
                value=line.line_id,
            )
    return lines


@attrs.frozen(kw_only=True)
class Order:
    """A purchase, as the points program needs it.

    Attributes:
        id: The host's order id: the award's idempotency key (an order pays points once).
        customer_id: Who bought.
        placed_at: When the order was placed; the return window runs from here.
        lines: At least one line, unique line ids, one currency.
    """

    id: str = attrs.field(converter=_order_id)
    customer_id: str = attrs.field(converter=_customer_id)
    placed_at: pendulum.DateTime = attrs.field(converter=_placed_at)
    lines: tuple[OrderLine, ...] = attrs.field(converter=_lines)

    @property
    def currency(self) -> str:
        """The currency of every line."""
        return self.lines[0].amount.currency

    @property
    def total(self) -> Money:
        """The sum of the lines."""
        total = Money.zero(self.currency)
        for line in self.lines:
            total += line.amount
        return total

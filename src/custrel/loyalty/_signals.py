"""The signals a loyalty score is computed from, each optional, by their shared names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from custrel.errors import ValidationError
from custrel.loyalty._points_checks import count, probability, real_number

__all__ = ["SIGNAL_NAMES", "LoyaltySignals"]

T = TypeVar("T")

SIGNAL_NAMES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "p_alive",
    "tenure_days",
    "csat_scores",
    "nps_scores",
    "complaints",
    "complaints_resolved_in_sla",
    "apologies_given",
    "promises_made",
    "promises_kept",
    "referrals_made",
    "referrals_converted",
    "contacts_last_30_days",
    "negative_contacts_90_days",
)
"""Every signal name `LoyaltySignals` accepts, the vocabulary shared by custrel's areas."""


def _optional(value: object, convert: Callable[[object, str], T], field: str) -> T | None:
    return None if value is None else convert(value, field)


def _amount(value: object, field: str) -> Decimal:
    if isinstance(value, float):
        real_number(value, field)  # refuses NaN, infinities and negatives
        return Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError("expected a Decimal or a number", field=field, value=value)
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise ValidationError("not a decimal number", field=field, value=value) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError("expected a finite amount, zero or more", field=field, value=value)
    return amount


def _answers(value: object, field: str, low: int, high: int) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise ValidationError("expected a tuple of whole numbers", field=field, value=value)
    for answer in value:
        if isinstance(answer, bool) or not isinstance(answer, int) or not low <= answer <= high:
            raise ValidationError(
                f"answers are whole numbers from {low} to {high}", field=field, value=answer
            )
    return tuple(value)


def _csat(value: object, field: str) -> tuple[int, ...]:
    return _answers(value, field, 1, 5)


def _nps(value: object, field: str) -> tuple[int, ...]:
    return _answers(value, field, 0, 10)


def _recency_days(value: object) -> float | None:
    return _optional(value, real_number, "recency_days")


def _frequency(value: object) -> int | None:
    return _optional(value, count, "frequency")


def _monetary(value: object) -> Decimal | None:
    return _optional(value, _amount, "monetary")


def _p_alive(value: object) -> float | None:
    return _optional(value, probability, "p_alive")


def _tenure_days(value: object) -> float | None:
    return _optional(value, real_number, "tenure_days")


def _csat_scores(value: object) -> tuple[int, ...] | None:
    return _optional(value, _csat, "csat_scores")


def _nps_scores(value: object) -> tuple[int, ...] | None:
    return _optional(value, _nps, "nps_scores")


def _complaints(value: object) -> int | None:
    return _optional(value, count, "complaints")


def _complaints_resolved_in_sla(value: object) -> int | None:
    return _optional(value, count, "complaints_resolved_in_sla")


def _apologies_given(value: object) -> int | None:
    return _optional(value, count, "apologies_given")


def _promises_made(value: object) -> int | None:
    return _optional(value, count, "promises_made")


def _promises_kept(value: object) -> int | None:
    return _optional(value, count, "promises_kept")


def _referrals_made(value: object) -> int | None:
    return _optional(value, count, "referrals_made")


def _referrals_converted(value: object) -> int | None:
    return _optional(value, count, "referrals_converted")


def _contacts_last_30_days(value: object) -> int | None:
    return _optional(value, count, "contacts_last_30_days")


def _negative_contacts_90_days(value: object) -> int | None:
    return _optional(value, count, "negative_contacts_90_days")


@attrs.frozen(kw_only=True)
class LoyaltySignals:
    """What is known about a customer for the loyalty score; every signal is optional.

    A signal left at None is *unknown*, not zero: the scorer leaves out what it feeds and
    spreads the weights over the rest. Build one directly or from a mapping of the shared
    signal names with `LoyaltySignals.from_mapping`.

    Attributes:
        recency_days: Days since the last purchase.
        frequency: Repeat purchases (purchases after the first).
        monetary: Mean spend per purchase.
        p_alive: Probability the customer is still active (BG/NBD ``p_alive``).
        tenure_days: Days since the customer relationship began.
        csat_scores: Satisfaction answers on a 1-5 scale.
        nps_scores: Recommendation answers on a 0-10 scale.
        complaints: Complaints made.
        complaints_resolved_in_sla: Of those, resolved within the service level.
        apologies_given: Of those, answered with an apology.
        promises_made: Promises made at sale (delivery dates, ...).
        promises_kept: Of those, kept.
        referrals_made: Customers this one referred.
        referrals_converted: Of those, who became customers.
        contacts_last_30_days: Outbound contacts in the last 30 days (contact fatigue).
        negative_contacts_90_days: Contacts with a negative outcome in the last 90 days.

    Counts come from different areas, each counting in its own way (an apology recorded on
    every resolution of a reopened complaint, say), so a part larger than its whole (more
    apologies than complaints) is accepted and scored as the whole.

    Raises:
        ValidationError: A signal is malformed (the message names it).
    """

    recency_days: float | None = attrs.field(default=None, converter=_recency_days)
    frequency: int | None = attrs.field(default=None, converter=_frequency)
    monetary: Decimal | None = attrs.field(default=None, converter=_monetary)
    p_alive: float | None = attrs.field(default=None, converter=_p_alive)
    tenure_days: float | None = attrs.field(default=None, converter=_tenure_days)
    csat_scores: tuple[int, ...] | None = attrs.field(default=None, converter=_csat_scores)
    nps_scores: tuple[int, ...] | None = attrs.field(default=None, converter=_nps_scores)
    complaints: int | None = attrs.field(default=None, converter=_complaints)
    complaints_resolved_in_sla: int | None = attrs.field(
        default=None, converter=_complaints_resolved_in_sla
    )
    apologies_given: int | None = attrs.field(default=None, converter=_apologies_given)
    promises_made: int | None = attrs.field(default=None, converter=_promises_made)
    promises_kept: int | None = attrs.field(default=None, converter=_promises_kept)
    referrals_made: int | None = attrs.field(default=None, converter=_referrals_made)
    referrals_converted: int | None = attrs.field(default=None, converter=_referrals_converted)
    contacts_last_30_days: int | None = attrs.field(default=None, converter=_contacts_last_30_days)
    negative_contacts_90_days: int | None = attrs.field(
        default=None, converter=_negative_contacts_90_days
    )

    @classmethod
    def from_mapping(cls, signals: Mapping[str, Any]) -> LoyaltySignals:
        """Build signals from a mapping of signal names (see `SIGNAL_NAMES`).

        Raises:
            ValidationError: A name is not a signal name, or a value is malformed.
        """
        if not isinstance(signals, Mapping):
            raise ValidationError(
                "expected a mapping of signal names", field="signals", value=signals
            )
        unknown = sorted(str(name) for name in signals if name not in SIGNAL_NAMES)
        if unknown:
            raise ValidationError(
                f"unknown signal names; the signals are {list(SIGNAL_NAMES)}",
                field="signals",
                value=unknown,
            )
        return cls(**signals)

    def supplied(self) -> tuple[str, ...]:
        """The names of the signals that are known, in `SIGNAL_NAMES` order."""
        return tuple(name for name in SIGNAL_NAMES if getattr(self, name) is not None)

    def to_dict(self) -> dict[str, Any]:
        """The known signals as a JSON-safe dict (Decimal as a string, tuples as lists)."""
        found: dict[str, Any] = {}
        for name in self.supplied():
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            found[name] = value
        return found

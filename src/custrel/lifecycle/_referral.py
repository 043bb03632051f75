"""Referrals: who referred whom, by which channel or code, and whether it converted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import check_id
from custrel.lifecycle._checks import optional_id
from custrel.lifecycle._relationship import ERASED_TEXT

__all__ = ["Referral"]

_MAX_LABEL = 100


def _label(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_LABEL:
        raise ValidationError(
            f"expected None or a string of 1 to {_MAX_LABEL} characters", field=field, value=value
        )
    return value.strip()


def _channel(value: object) -> str | None:
    return _label(value, "channel")


def _code(value: object) -> str | None:
    return _label(value, "code")


def _id(value: object) -> str:
    return check_id(value, "id")


def _referrer_id(value: object) -> str:
    return check_id(value, "referrer_id")


def _referred_id(value: object) -> str:
    return check_id(value, "referred_id")


def _converted_at(value: object) -> pendulum.DateTime | None:
    return _time.optional_instant(value, "converted_at")


def _order_id(value: object) -> str | None:
    return optional_id(value, "order_id")


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


@attrs.frozen(kw_only=True)
class Referral:
    """One customer (the referrer) brought another (the referred, maybe still a prospect).

    The referral converted when the referred customer bought: ``converted_at`` and the
    ``order_id`` of that purchase. A converted referral is what makes the referrer an advocate
    under the default stage rules. ``version`` is set by storage.

    Raises:
        ValidationError: Malformed ids, a conversion before the referral, or a conversion
            instant without its order (or the reverse).
    """

    id: str = attrs.field(converter=_id)
    referrer_id: str = attrs.field(converter=_referrer_id)
    referred_id: str = attrs.field(converter=_referred_id)
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    channel: str | None = attrs.field(default=None, converter=_channel)
    code: str | None = attrs.field(default=None, converter=_code)
    converted_at: pendulum.DateTime | None = attrs.field(default=None, converter=_converted_at)
    order_id: str | None = attrs.field(default=None, converter=_order_id)
    version: int = attrs.field(default=0, converter=_version, eq=False)

    def __attrs_post_init__(self) -> None:
        if (self.converted_at is None) != (self.order_id is None):
            raise ValidationError(
                "a conversion has both an instant and an order",
                field="order_id",
                value=self.order_id,
            )
        if self.converted_at is not None and self.converted_at < self.at:
            raise ValidationError(
                f"converted before the referral ({self.at.isoformat()})",
                field="converted_at",
                value=self.converted_at.isoformat(),
            )

    @classmethod
    def record(
        cls,
        id: str,  # noqa: A002 - the natural name
        referrer_id: str,
        referred_id: str,
        at: dt.datetime,
        *,
        channel: str | None = None,
        code: str | None = None,
    ) -> Referral:
        """Record that *referrer_id* referred *referred_id* at *at*.

        Args:
            id: The referral's id (the host's, or one custrel makes).
            referrer_id: The customer who made the referral.
            referred_id: The customer or prospect referred.
            at: When.
            channel: How, as a label (``"email"``, ``"link"``, ``"in store"``).
            code: The referral code used, if any.

        Raises:
            ValidationError: A malformed field, or a customer referring themself.
        """
        if referrer_id == referred_id:
            raise ValidationError(
                "a customer cannot refer themself", field="referred_id", value=referred_id
            )
        return cls(
            id=id,
            referrer_id=referrer_id,
            referred_id=referred_id,
            at=at,
            channel=channel,
            code=code,
        )

    @property
    def converted(self) -> bool:
        """True once the referred customer bought."""
        return self.converted_at is not None

    @property
    def counts(self) -> bool:
        """False for a referral between two records that were merged into one customer."""
        return self.referrer_id != self.referred_id

    def _event(self, type_: str, at: dt.datetime | None, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_,
            occurred_at=at,
            customer_id=self.referrer_id,
            aggregate_id=self.id,
            payload={"referred_id": self.referred_id, **payload},
        )

    def recorded_event(self) -> DomainEvent:
        """The ``lifecycle.referral_recorded`` event announcing this referral."""
        return self._event("lifecycle.referral_recorded", self.at, channel=self.channel)

    def convert(self, order_id: str, at: dt.datetime) -> Change[Referral]:
        """Record that the referred customer bought (order *order_id*) at *at*.

        Converting again by the same order changes nothing.

        Raises:
            InvalidTransitionError: Already converted by another order.
            ValidationError: *at* before the referral.
        """
        if self.converted:
            if self.order_id == order_id:
                return Change(self)
            raise InvalidTransitionError(
                f"referral {self.id!r} already converted by order {self.order_id!r}"
            )
        converted = attrs.evolve(self, converted_at=at, order_id=order_id)
        event = self._event(
            "lifecycle.referral_converted", converted.converted_at, order_id=order_id
        )
        return Change(converted, (event,))

    def moved(self, from_id: str, to_id: str) -> Referral:
        """This referral with customer *from_id* replaced by *to_id* (a merge)."""
        return attrs.evolve(
            self,
            referrer_id=to_id if self.referrer_id == from_id else self.referrer_id,
            referred_id=to_id if self.referred_id == from_id else self.referred_id,
        )

    def erased(self) -> Referral:
        """This referral with its code (which may name the referrer) pseudonymised."""
        return attrs.evolve(self, code=None if self.code is None else ERASED_TEXT)

    def to_dict(self) -> dict[str, Any]:
        """Everything stored about this referral, JSON-safe (`from_dict` reads it back)."""
        return {
            "id": self.id,
            "referrer_id": self.referrer_id,
            "referred_id": self.referred_id,
            "at": _time.format_instant(self.at),
            "channel": self.channel,
            "code": self.code,
            "converted_at": None
            if self.converted_at is None
            else _time.format_instant(self.converted_at),
            "order_id": self.order_id,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Referral:
        """Rebuild a referral written by `to_dict`."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="referral", value=data)
        converted_at = data.get("converted_at")
        return cls(
            id=data.get("id"),
            referrer_id=data.get("referrer_id"),
            referred_id=data.get("referred_id"),
            at=_time.parse_instant(data.get("at"), "at"),
            channel=data.get("channel"),
            code=data.get("code"),
            converted_at=None
            if converted_at is None
            else _time.parse_instant(converted_at, "converted_at"),
            order_id=data.get("order_id"),
            version=data.get("version", 0),
        )

"""Consent per channel and purpose, and suppression: the customer's say in being contacted."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

import attrs
import pendulum

from custrel import _time
from custrel._enums import member as enum_value
from custrel.errors import ValidationError

__all__ = [
    "Channel",
    "ConsentRecord",
    "ConsentStatus",
    "Purpose",
    "SuppressionChange",
    "SuppressionReason",
    "enum_value",
]

E = TypeVar("E", bound=enum.Enum)


class Channel(str, enum.Enum):
    """A way of reaching a customer."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    PUSH = "push"


class Purpose(str, enum.Enum):
    """Why a company contacts a customer."""

    MARKETING = "marketing"
    SERVICE = "service"


class ConsentStatus(str, enum.Enum):
    """What the customer said about a channel and purpose.

    ``OPTED_IN`` is an explicit, recorded yes; ``SUBSCRIBED`` a yes without explicit opt-in (such
    as an existing customer's soft opt-in); ``UNSUBSCRIBED`` a no.
    """

    OPTED_IN = "opted_in"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"

    @property
    def allows_contact(self) -> bool:
        """True for opted in and subscribed."""
        return self is not ConsentStatus.UNSUBSCRIBED


class SuppressionReason(str, enum.Enum):
    """Why a customer must not be contacted, whatever their consent says."""

    HARD_BOUNCE = "hard_bounce"
    SPAM_COMPLAINT = "spam_complaint"
    LEGAL_HOLD = "legal_hold"


def _channel(value: object) -> Channel:
    return enum_value(Channel, value, "channel")


def _purpose(value: object) -> Purpose:
    return enum_value(Purpose, value, "purpose")


def _status(value: object) -> ConsentStatus:
    return enum_value(ConsentStatus, value, "status")


def _reason(value: object) -> SuppressionReason:
    return enum_value(SuppressionReason, value, "reason")


def _source(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            "say where the consent came from, such as 'checkout form'", field="source", value=value
        )
    return value.strip()


@attrs.frozen
class ConsentRecord:
    """One statement of consent: for a channel and purpose, a status, where it came from, when."""

    channel: Channel = attrs.field(converter=_channel)
    purpose: Purpose = attrs.field(converter=_purpose)
    status: ConsentStatus = attrs.field(converter=_status)
    source: str = attrs.field(converter=_source)
    at: pendulum.DateTime = attrs.field(converter=_time.at)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "channel": self.channel.value,
            "purpose": self.purpose.value,
            "status": self.status.value,
            "source": self.source,
            "at": _time.format_instant(self.at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConsentRecord:
        """Rebuild a record written by `to_dict`."""
        return cls(
            channel=data.get("channel"),
            purpose=data.get("purpose"),
            status=data.get("status"),
            source=data.get("source"),
            at=_time.parse_instant(data.get("at"), "at"),
        )


def _optional_channel(value: object) -> Channel | None:
    return None if value is None else _channel(value)


@attrs.frozen
class SuppressionChange:
    """A suppression put in place (``active``) or lifted, for one channel or for all (``None``)."""

    reason: SuppressionReason = attrs.field(converter=_reason)
    channel: Channel | None = attrs.field(converter=_optional_channel)
    active: bool
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "reason": self.reason.value,
            "channel": None if self.channel is None else self.channel.value,
            "active": self.active,
            "at": _time.format_instant(self.at),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuppressionChange:
        """Rebuild a change written by `to_dict`."""
        return cls(
            reason=data.get("reason"),
            channel=data.get("channel"),
            active=bool(data.get("active")),
            at=_time.parse_instant(data.get("at"), "at"),
            note=data.get("note") or "",
        )

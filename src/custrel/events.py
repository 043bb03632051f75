"""Domain events: facts about what happened, written to the outbox with the change they describe.

A `DomainEvent` is one concrete, frozen class with a dotted ``type`` name
(``"customer.registered"``) and a JSON-safe ``payload``; it round-trips through a plain dict so
that any storage adapter or message broker can carry it. Payloads name what changed, not the
personal data itself, so events never need scrubbing when a customer is erased.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeAlias, TypeVar

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.ids import check_id, new_id

__all__ = ["Change", "DomainEvent", "JSONValue"]

JSONValue: TypeAlias = str | int | float | bool | list["JSONValue"] | dict[str, "JSONValue"] | None
"""A value that `json.dumps` writes and `json.loads` reads back unchanged."""

T = TypeVar("T")


def _json_safe(value: object, where: str) -> Any:  # noqa: ANN401 - returns a fresh JSON value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError("not JSON-safe (NaN or infinity)", field=where, value=value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError("JSON object keys must be strings", field=where, value=key)
            copied[key] = _json_safe(item, f"{where}.{key}")
        return copied
    raise ValidationError("not JSON-safe", field=where, value=value)


def _payload(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError("expected a mapping", field="payload", value=value)
    return MappingProxyType(_json_safe(value, "payload"))


def _type_name(value: object) -> str:
    if not isinstance(value, str) or not value or " " in value:
        raise ValidationError(
            "expected a dotted name like 'customer.merged'", field="type", value=value
        )
    return value


def _occurred_at(value: object) -> pendulum.DateTime:
    return _time.instant(value, "occurred_at")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _aggregate_id(value: object) -> str:
    return check_id(value, "aggregate_id")


def _event_id(value: object) -> str:
    return check_id(value, "event_id")


@attrs.frozen
class DomainEvent:
    """Something that happened to an aggregate, as a fact for other parts of the system.

    Attributes:
        type: Dotted name of what happened, such as ``"customer.merged"``.
        occurred_at: When it happened (timezone-aware).
        customer_id: The customer it concerns; every event has one so it can be partitioned.
        aggregate_id: The id of the aggregate that changed (the customer, a case, an order).
        payload: JSON-safe details (read-only).
        event_id: Unique id of this event.
    """

    type: str = attrs.field(converter=_type_name)
    occurred_at: pendulum.DateTime = attrs.field(converter=_occurred_at)
    customer_id: str = attrs.field(converter=_customer_id)
    aggregate_id: str = attrs.field(converter=_aggregate_id)
    payload: Mapping[str, Any] = attrs.field(factory=dict, converter=_payload, hash=False)
    event_id: str = attrs.field(factory=new_id, converter=_event_id)

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-safe dict (`from_dict` reads it back)."""
        return {
            "event_id": self.event_id,
            "type": self.type,
            "occurred_at": _time.format_instant(self.occurred_at),
            "customer_id": self.customer_id,
            "aggregate_id": self.aggregate_id,
            "payload": _json_safe(self.payload, "payload"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainEvent:
        """Rebuild an event written by `to_dict`; refuses missing or malformed fields."""
        if not isinstance(data, Mapping):
            raise ValidationError("expected a mapping", field="event", value=data)
        missing = {"event_id", "type", "occurred_at", "customer_id", "aggregate_id"} - set(data)
        if missing:
            raise ValidationError(f"missing fields {sorted(missing)}", field="event")
        return cls(
            type=data["type"],
            occurred_at=_time.parse_instant(data["occurred_at"], "occurred_at"),
            customer_id=data["customer_id"],
            aggregate_id=data["aggregate_id"],
            payload=data.get("payload", {}),
            event_id=data["event_id"],
        )


@attrs.frozen
class Change(Generic[T]):
    """The result of a domain operation: the new value and the events it produced.

    Unpacks like a pair: ``customer, events = kari.assign_owner("ola", at=now)``.
    """

    value: T
    events: tuple[DomainEvent, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        yield self.value
        yield self.events

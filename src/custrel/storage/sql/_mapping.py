"""Explicit row <-> domain functions for the SQL adapter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pendulum

from custrel.customers import (
    ConsentRecord,
    Customer,
    OwnerChange,
    PersonName,
    PostalAddress,
    SuppressionChange,
)
from custrel.events import DomainEvent
from custrel.storage.protocols import OutboxEntry

__all__ = ["customer_from_row", "customer_row", "entry_from_row", "event_row"]

_UTC = dt.timezone.utc


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(_UTC)


def _loaded(value: dt.datetime | None) -> pendulum.DateTime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite keeps no offset; custrel always writes UTC
        value = value.replace(tzinfo=_UTC)
    return pendulum.instance(value)


def customer_row(customer: Customer, version: int) -> dict[str, Any]:
    """The row storing *customer* at *version*."""
    name = customer.name
    return {
        "customer_id": customer.id,
        "version": version,
        "given_name": name.given,
        "family_name": name.family,
        "preferred_name": name.preferred,
        "email": customer.email,
        "phone": customer.phone,
        "address": None if customer.address is None else customer.address.to_dict(),
        "timezone": customer.timezone,
        "locale": customer.locale,
        "owner": customer.owner,
        "ownership": [change.to_dict() for change in customer.ownership],
        "consents": [record.to_dict() for record in customer.consents],
        "suppressions": [change.to_dict() for change in customer.suppressions],
        "tags": sorted(customer.tags),
        "merged_ids": list(customer.merged_ids),
        "merged_into": customer.merged_into,
        "created_at": _utc(customer.created_at),
        "erased_at": None if customer.erased_at is None else _utc(customer.erased_at),
    }


def customer_from_row(row: Mapping[Any, Any]) -> Customer:
    """The `Customer` stored in *row*."""
    address = row["address"]
    return Customer(
        id=row["customer_id"],
        name=PersonName(row["given_name"], row["family_name"], row["preferred_name"]),
        created_at=_loaded(row["created_at"]),
        email=row["email"],
        phone=row["phone"],
        address=None if address is None else PostalAddress.from_dict(address),
        timezone=row["timezone"],
        locale=row["locale"],
        ownership=[OwnerChange.from_dict(item) for item in row["ownership"]],
        consents=[ConsentRecord.from_dict(item) for item in row["consents"]],
        suppressions=[SuppressionChange.from_dict(item) for item in row["suppressions"]],
        tags=row["tags"],
        merged_ids=row["merged_ids"],
        merged_into=row["merged_into"],
        erased_at=_loaded(row["erased_at"]),
        version=row["version"],
    )


def event_row(event: DomainEvent) -> dict[str, Any]:
    """The outbox row for *event* (the position is assigned by the database)."""
    return {
        "event_id": event.event_id,
        "type": event.type,
        "customer_id": event.customer_id,
        "aggregate_id": event.aggregate_id,
        "occurred_at": _utc(event.occurred_at),
        "payload": dict(event.payload),
    }


def entry_from_row(row: Mapping[Any, Any]) -> OutboxEntry:
    """The `OutboxEntry` stored in *row*."""
    event = DomainEvent(
        type=row["type"],
        occurred_at=_loaded(row["occurred_at"]),
        customer_id=row["customer_id"],
        aggregate_id=row["aggregate_id"],
        payload=row["payload"],
        event_id=row["event_id"],
    )
    return OutboxEntry(row["position"], event, _loaded(row["dispatched_at"]))

"""What the contract suites share: a fixture that makes a store, sample data, threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest

from custrel.customers import (
    Channel,
    ConsentStatus,
    Customer,
    PersonName,
    PostalAddress,
    Purpose,
    SuppressionReason,
)
from custrel.events import DomainEvent
from custrel.storage.protocols import Store

__all__ = ["T0", "StoreFixture", "event", "plain_customer", "rich_customer", "run_threads"]

T0 = pendulum.datetime(2026, 3, 29, 1, 30, tz="Europe/Oslo")  # the night clocks go forward


def rich_customer(customer_id: str = "k-1", email: str | None = "kari@example.no") -> Customer:
    """A customer using every field: non-ASCII name, address, histories, tags, time zone."""
    customer = Customer.register(
        id=customer_id,
        name=PersonName(given="Kåre Øystein", family="Ærøe-Nordmann", preferred="Øy"),
        at=T0,
        email=email,
        phone="+47 912 34 567",
        address=PostalAddress(
            lines=["Storgata 1", "Leil. H0201"], postal_code="0155", city="Oslo", country="no"
        ),
        timezone="Europe/Oslo",
        locale="nb-NO",
        owner="staff-åse",
        tags=["vip", "nyhetsbrev"],
    )
    customer = customer.record_consent(
        Channel.EMAIL, Purpose.MARKETING, ConsentStatus.OPTED_IN, at=T0.add(hours=1), source="kasse"
    ).value
    customer = customer.record_consent(
        Channel.SMS, Purpose.SERVICE, ConsentStatus.SUBSCRIBED, at=T0.add(hours=2), source="app"
    ).value
    customer = customer.suppress(
        SuppressionReason.HARD_BOUNCE, at=T0.add(days=1), channel=Channel.EMAIL, note="550 5.1.1"
    ).value
    return customer.assign_owner("staff-bjørn", at=T0.add(days=2), reason="ferie").value


def plain_customer(customer_id: str, email: str | None = None, **fields: Any) -> Customer:  # noqa: ANN401
    """A customer with a name and whatever fields are given."""
    return Customer.register(id=customer_id, name=PersonName("Ola"), at=T0, email=email, **fields)


def event(customer_id: str, type_: str = "test.happened", **payload: Any) -> DomainEvent:  # noqa: ANN401
    """A domain event about *customer_id*."""
    return DomainEvent(
        type=type_,
        occurred_at=T0,
        customer_id=customer_id,
        aggregate_id=customer_id,
        payload=payload,
    )


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run *work(i)* in *count* threads started together; return the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as error:  # noqa: BLE001 - collected and asserted on by the caller
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


class StoreFixture:
    """Provides the ``store`` fixture from `make_store`, which a subclass implements."""

    def make_store(self) -> Store:
        """Return a fresh, empty store. Subclasses implement this."""
        raise NotImplementedError

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        """A fresh, empty store, disposed of afterwards if it has ``dispose()``."""
        store = self.make_store()
        yield store
        dispose = getattr(store, "dispose", None)
        if callable(dispose):
            dispose()

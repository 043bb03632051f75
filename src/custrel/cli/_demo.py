"""``custrel demo``: a morning at a small Norwegian web shop, on an embedded SQLite file."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TextIO

import pendulum

from custrel.customers import Channel, ConsentStatus, PersonName, PostalAddress, Purpose
from custrel.relations import Relations
from custrel.storage.sql import SqlStore
from custrel.testing import SteppingClock

__all__ = ["DEMO_START", "run_demo"]

DEMO_START = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
"""When the demo's morning starts; the clock moves four minutes per operation."""


def run_demo(path: str | Path, *, out: TextIO) -> Relations:
    """Run the demo on the SQLite file at *path* (custrel's tables reset) and narrate to *out*."""
    store = SqlStore(f"sqlite:///{Path(path)}")
    store.drop_schema()
    store.create_schema()
    crm = Relations(store, clock=SteppingClock(DEMO_START, dt.timedelta(minutes=4)))

    def say(text: str = "") -> None:
        print(text, file=out)

    say(f"custrel demo: a morning at Fjordhandel, a small web shop in Oslo (database: {path})")
    say()
    say("1. Customers register")
    kari = crm.register(
        "k-1001",
        PersonName(given="Kari Margrethe", family="Nordmann", preferred="Kari"),
        email="Kari.Nordmann@Example.no",
        timezone="Europe/Oslo",
        locale="nb-NO",
        address=PostalAddress(["Storgata 1"], postal_code="0155", city="Oslo", country="NO"),
    )
    ingrid = crm.register(
        "k-1002",
        PersonName(given="Ingrid", family="Solberg", preferred="Inga"),
        email="inga@example.no",
        phone="+47 481 23 456",
        timezone="Europe/Oslo",
        locale="nb-NO",
    )
    james = crm.register(
        "k-1003",
        PersonName(given="James", family="Smith", preferred="Jim"),
        email="jim.smith@example.co.uk",
        timezone="Europe/London",
        locale="en-GB",
    )
    for customer in (kari, ingrid, james):
        say(f"   {customer.name.full:<24} {customer.email:<26} greeted: {customer.greeting()!r}")

    say()
    say("2. Consent is recorded, with where it came from")
    crm.record_consent(
        kari.id, Channel.EMAIL, Purpose.MARKETING, ConsentStatus.OPTED_IN, source="checkout form"
    )
    crm.record_consent(
        ingrid.id, Channel.SMS, Purpose.SERVICE, ConsentStatus.SUBSCRIBED, source="order 5531"
    )
    crm.record_consent(
        james.id, Channel.EMAIL, Purpose.MARKETING, ConsentStatus.UNSUBSCRIBED, source="footer link"
    )
    for customer_id, channel, purpose in (
        (kari.id, Channel.EMAIL, Purpose.MARKETING),
        (ingrid.id, Channel.SMS, Purpose.SERVICE),
        (james.id, Channel.EMAIL, Purpose.MARKETING),
    ):
        customer = crm.get(customer_id)
        record = customer.consent_record(channel, purpose)
        assert record is not None  # noqa: S101 - recorded just above
        say(
            f"   {customer.name.called:<5} {channel.value}/{purpose.value}: "
            f"{record.status.value} "
            f"(source: {record.source}, {record.at.in_tz('Europe/Oslo'):%H:%M})"
        )

    say()
    say("3. Every customer gets a dedicated owner")
    crm.assign_owner(kari.id, "staff:ola", reason="key account")
    crm.assign_owner(ingrid.id, "staff:mona")
    crm.assign_owner(james.id, "staff:mona")
    for customer_id in (kari.id, ingrid.id, james.id):
        customer = crm.get(customer_id)
        say(f"   {customer.name.called:<5} is looked after by {customer.owner}")

    say()
    say("4. A phone order created a duplicate of Kari; it is merged into her record")
    duplicate = crm.register(
        "k-2001",
        PersonName(given="Kari", family="Nordmann"),
        phone="+47 912 34 567",
        locale="nb-NO",
    )
    say(f"   duplicate {duplicate.id}: {duplicate.name.full}, phone {duplicate.phone}, no email")
    survivor = crm.merge(kari.id, duplicate.id)
    say(
        f"   merged into {survivor.id}: email {survivor.email}, phone {survivor.phone} "
        f"(filled from the duplicate), merged ids {list(survivor.merged_ids)}"
    )
    say(f"   looking up {duplicate.id} now finds {crm.get(duplicate.id).id}")
    say(f"   {crm.get(kari.id).greeting()} - she is still greeted by her preferred name")

    say()
    say("5. The outbox holds an event for every change, ready to publish")
    with store.unit_of_work() as uow:
        pending = uow.outbox.pending(limit=1000)
    counts = Counter(entry.event.type for entry in pending)
    for type_, count in sorted(counts.items()):
        say(f"   {count} x {type_}")
    say()
    say(f"Done: {len(pending)} events, 4 customer records in {path}.")
    return crm

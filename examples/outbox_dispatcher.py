"""Embedding custrel in a backend: use cases in request handlers, an outbox dispatcher job.

Run it: ``python examples/outbox_dispatcher.py [--db PATH]``. The "request handlers" register
customers and record consent through `Relations`; the "job" publishes pending outbox events to
a message bus (here: a print) and marks them dispatched, so a second run publishes nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from custrel import DomainEvent, Relations
from custrel.customers import PersonName
from custrel.storage.protocols import Store
from custrel.storage.sql import SqlStore


def dispatch_pending(
    store: Store, publish: Callable[[DomainEvent], None], *, batch: int = 100
) -> int:
    """Publish every undispatched event in outbox order; return how many were published."""
    published = 0
    while True:
        with store.unit_of_work() as uow:
            entries = uow.outbox.pending(limit=batch)
            if not entries:
                return published
            for entry in entries:
                publish(entry.event)
            uow.outbox.mark_dispatched(
                [entry.position for entry in entries], at=entry.event.occurred_at
            )
            uow.commit()
            published += len(entries)


def main() -> None:
    """Register two customers, then dispatch the outbox twice."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite://", help="database URL (default: in memory)")
    store = SqlStore(parser.parse_args().db)
    store.create_schema()
    crm = Relations(store)

    crm.register("k-1", PersonName("Kari", "Nordmann", "Kari"), email="kari@example.no")
    crm.register("k-2", PersonName("Ola", "Hansen"), email="ola@example.no")
    crm.record_consent("k-1", "email", "marketing", "opted_in", source="signup form")

    def publish(event: DomainEvent) -> None:
        print("published", json.dumps({"type": event.type, "customer": event.customer_id}))

    print("first run:", dispatch_pending(store, publish), "events")
    print("second run:", dispatch_pending(store, publish), "events")


if __name__ == "__main__":
    main()

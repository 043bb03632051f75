"""`Relations`: the application service a host calls, one method per use case.

Each method runs in one unit of work: it loads aggregates, calls pure domain operations with
the instant from the injected clock, saves the results and writes their events to the outbox
in the same transaction, and commits. Nothing is written when a method raises.

The use cases are grouped by area in private modules (``custrel._use_cases``); `Relations`
combines them into one object.
"""

from __future__ import annotations

from custrel._use_cases.cases import CaseUseCases
from custrel._use_cases.customers import CustomerUseCases
from custrel._use_cases.interactions import InteractionUseCases
from custrel._use_cases.lifecycle import LifecycleUseCases
from custrel._use_cases.loyalty import LoyaltyUseCases
from custrel._use_cases.sla import SlaUseCases
from custrel.clock import Clock, SystemClock
from custrel.errors import ValidationError
from custrel.storage.protocols import Store

__all__ = ["Relations"]


class Relations(
    CustomerUseCases,
    CaseUseCases,
    SlaUseCases,
    LoyaltyUseCases,
    LifecycleUseCases,
    InteractionUseCases,
):
    """The use cases of custrel, on a store, with a clock and the company's policies.

    Args:
        store: Where aggregates live (`MemoryStore`, `SqlStore`, or the host's own adapter).
        clock: Where "now" comes from; `SystemClock` by default, `FixedClock` in tests.
        conflict_retries: How many times a use case is run again, on freshly loaded data, when
            a concurrent writer saved the same aggregate first; then `ConflictError` is raised.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        conflict_retries: int = 3,
    ) -> None:
        if conflict_retries < 0:
            raise ValidationError(
                "must be zero or more", field="conflict_retries", value=conflict_retries
            )
        self.store = store
        self.clock = clock if clock is not None else SystemClock()
        self.conflict_retries = conflict_retries

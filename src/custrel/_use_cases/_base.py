"""What every group of use cases shares: the store, the clock, and running work atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import pendulum

from custrel.clock import Clock
from custrel.errors import ConflictError
from custrel.events import DomainEvent
from custrel.storage.protocols import Store, UnitOfWork

if TYPE_CHECKING:
    from custrel.cases import Case
    from custrel.interactions import Interaction

__all__ = ["UseCases"]

T = TypeVar("T")


class UseCases:
    """Base of the use-case groups that make up `custrel.Relations`.

    Each group is a mixin of `Relations`; they share `store`, `clock` and `_run`. Groups that
    keep records about a customer take part in merge, export and erasure by overriding the
    ``_customer_*`` hooks and calling ``super()``, so every group's records follow the customer.
    """

    store: Store
    clock: Clock
    conflict_retries: int

    def _run(self, work: Callable[[UnitOfWork], T]) -> T:
        # Every use case loads what it changes inside *work*, so when another writer saved first
        # (ConflictError), running it again on fresh data is safe.
        for attempt in range(self.conflict_retries + 1):
            try:
                with self.store.unit_of_work() as uow:
                    result = work(uow)
                    uow.commit()
                    return result
            except ConflictError:  # noqa: PERF203 - the retry loop is the point
                if attempt == self.conflict_retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- hooks: records of other areas follow the customer ------------------------------------

    def _customer_merged(
        self, uow: UnitOfWork, survivor_id: str, duplicate_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """Move this group's records from *duplicate_id* to *survivor_id*; return the events."""
        return []

    def _customer_exported(self, uow: UnitOfWork, customer_ids: Iterable[str]) -> dict[str, Any]:
        """This group's records about *customer_ids*, as JSON-safe data keyed by section name."""
        return {}

    def _owner_assigned(
        self, uow: UnitOfWork, customer_id: str, reason: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """The customer's dedicated owner changed: move this group's open work to the new owner."""
        return []

    def _promoter_score_logged(
        self, uow: UnitOfWork, customer_id: str, score: int, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """A customer answered "how likely are you to recommend us" with *score* (0-10)."""
        return []

    def _loyalty_signals(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> dict[str, Any]:
        """What this group knows about *customer_id* for the loyalty score, by signal name."""
        return {}

    def _case_check_at(self, case: Any, at: pendulum.DateTime) -> pendulum.DateTime | None:  # noqa: ANN401 - a Case; cases import this module
        """When the service-level clock of *case* next needs looking at (None: never)."""
        return None

    def _case_stored(self, uow: UnitOfWork, case: Case, at: pendulum.DateTime) -> list[DomainEvent]:
        """*case* was opened or changed at *at*: bring this group's records in step with it."""
        return []

    def _interaction_logged(self, uow: UnitOfWork, interaction: Interaction) -> list[DomainEvent]:
        """*interaction* was logged for the first time: link it where this group keeps contacts."""
        return []

    def _customer_erased(
        self, uow: UnitOfWork, customer_id: str, at: pendulum.DateTime
    ) -> list[DomainEvent]:
        """Pseudonymise this group's personal data about *customer_id*; return the events."""
        return []

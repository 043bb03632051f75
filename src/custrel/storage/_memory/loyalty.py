"""The loyalty points ledger in memory."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from custrel.errors import ConflictError, DuplicateError, NotFoundError, ValidationError
from custrel.loyalty import PointsAccount
from custrel.storage._memory._staging import MemorySession, StagedMap, add_versioned

__all__ = ["MemoryLoyalty"]


def _committed() -> dict[str, PointsAccount]:
    return {}


class MemoryLoyalty:
    """`LoyaltyRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._accounts = StagedMap(session.state.slot("loyalty", _committed))

    def commit(self) -> None:
        """Apply staged changes."""
        self._accounts.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._accounts.rollback()

    def get(self, customer_id: str, *, for_update: bool = False) -> PointsAccount:
        del for_update  # units of work on a MemoryStore already run one at a time
        self._session.check_active()
        account = self._accounts.get(customer_id)
        if account is None:
            raise NotFoundError(f"no points account for customer {customer_id!r}")
        return account

    def add(self, account: PointsAccount) -> PointsAccount:
        self._session.check_active()
        if self._accounts.get(account.customer_id) is not None:
            raise DuplicateError(f"customer {account.customer_id!r} already has a points account")
        return add_versioned(self._accounts, account.customer_id, account, "points account")

    def _current(self, account: PointsAccount) -> PointsAccount:
        current = self._accounts.get(account.customer_id)
        if current is None:
            raise NotFoundError(
                f"no points account for customer {account.customer_id!r}; add it first"
            )
        if current.version != account.version:
            raise ConflictError(
                f"the points account of {account.customer_id!r} is at version "
                f"{current.version}, not {account.version}: reload and retry"
            )
        return current

    def _store(self, account: PointsAccount) -> PointsAccount:
        stored = attrs.evolve(account, version=account.version + 1)
        self._accounts.put(account.customer_id, stored)
        return stored

    def save(self, account: PointsAccount) -> PointsAccount:
        self._session.check_active()
        current = self._current(account)
        count = len(current.entries)
        if len(account.entries) < count:
            raise ValidationError(
                f"the ledger is append-only: {count} entries are stored",
                field="entries",
                value=len(account.entries),
            )
        # Keep the stored entries themselves: what was written never changes here. (A new
        # entry cannot repeat a stored key: the account refuses that when it is built.)
        return self._store(
            attrs.evolve(account, entries=(*current.entries, *account.entries[count:]))
        )

    def rewrite(self, account: PointsAccount) -> PointsAccount:
        self._session.check_active()
        current = self._current(account)
        if [(entry.kind, entry.key) for entry in current.entries] != [
            (entry.kind, entry.key) for entry in account.entries
        ]:
            raise ValidationError(
                "a rewrite keeps every entry's kind and key, in order",
                field="entries",
                value=account.customer_id,
            )
        return self._store(account)

    def customer_ids(self, *, after: str | None = None, limit: int = 100) -> Sequence[str]:
        self._session.check_active()
        stored = self._accounts.keys()
        ids = sorted(key for key in stored if after is None or key > after)
        return ids[:limit]

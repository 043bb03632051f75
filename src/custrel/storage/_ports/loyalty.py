"""The loyalty points ledger: what custrel needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from custrel.loyalty import PointsAccount

__all__ = ["LoyaltyRepository"]


class LoyaltyRepository(Protocol):
    """Each member's points ledger (`PointsAccount`), keyed by customer id, append-only.

    An account's entries are stored in ledger order and never change once stored (except by
    `rewrite`, for erasure). Within one customer's ledger no two entries of the same kind share
    a key, so an order (an award's key) pays once: SQL adapters enforce this with a unique key,
    not only through versions.
    """

    def get(self, customer_id: str, *, for_update: bool = False) -> PointsAccount:
        """Return the account of *customer_id*, with every entry in ledger order.

        With *for_update*, other units of work that ask for the same account *for_update* wait
        until this one ends (``SELECT ... FOR UPDATE`` on PostgreSQL; adapters that run one
        writer at a time, like SQLite and memory, need do nothing), so concurrent writers to
        one ledger queue instead of failing with `ConflictError`.

        Raises:
            NotFoundError: *customer_id* has no account.
        """
        ...

    def add(self, account: PointsAccount) -> PointsAccount:
        """Store a new account, with its entries, at version 1 and return it as stored.

        Raises:
            DuplicateError: *account*'s customer already has one (a concurrent writer may
                have added it first: reload and retry).
        """
        ...

    def save(self, account: PointsAccount) -> PointsAccount:
        """Append the account's new entries and store it at version + 1; return it as stored.

        *account* must hold every stored entry, in order, followed by the new ones.

        Raises:
            NotFoundError: The account was never added.
            ConflictError: The stored version is not ``account.version``: someone saved first.
            ValidationError: *account* holds fewer entries than are stored.
            DuplicateError: A new entry repeats the kind and key of a stored one (a ledger
                changed behind the version's back).
        """
        ...

    def rewrite(self, account: PointsAccount) -> PointsAccount:
        """Replace the stored entries with *account*'s and store it at version + 1.

        Only for erasing personal data in place (notes blanked): the entries must be the same
        in number, kind and key as those stored.

        Raises:
            NotFoundError: The account was never added.
            ConflictError: The stored version is not ``account.version``.
            ValidationError: The entries differ in number, kind or key from those stored.
        """
        ...

    def customer_ids(self, *, after: str | None = None, limit: int = 100) -> Sequence[str]:
        """Return up to *limit* ids of customers with an account, in id order, after *after*.

        Paging with the last id of one page as the next *after* visits every account once
        (for nightly jobs such as announcing tier changes).
        """
        ...

"""The storage contract for ``uow.loyalty``."""

from __future__ import annotations

from custrel.testing._contracts._support import StoreFixture

__all__ = ["LoyaltyRepositoryContract"]


class LoyaltyRepositoryContract(StoreFixture):
    """``uow.loyalty``."""

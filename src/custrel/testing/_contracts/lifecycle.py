"""The storage contract for ``uow.relationships``, ``uow.journeys`` and ``uow.referrals``."""

from __future__ import annotations

from custrel.testing._contracts._support import StoreFixture

__all__ = ["LifecycleRepositoryContract"]


class LifecycleRepositoryContract(StoreFixture):
    """``uow.relationships``, ``uow.journeys`` and ``uow.referrals``."""

"""The storage contract for ``uow.interactions``."""

from __future__ import annotations

from custrel.testing._contracts._support import StoreFixture

__all__ = ["InteractionRepositoryContract"]


class InteractionRepositoryContract(StoreFixture):
    """``uow.interactions``."""

"""The storage contract for ``uow.cases``."""

from __future__ import annotations

from custrel.testing._contracts._support import StoreFixture

__all__ = ["CaseRepositoryContract"]


class CaseRepositoryContract(StoreFixture):
    """``uow.cases``."""

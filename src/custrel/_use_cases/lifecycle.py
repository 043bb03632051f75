"""Use cases for relationship stages, journeys, promises and referrals."""

from __future__ import annotations

from custrel._use_cases._base import UseCases

__all__ = ["LifecycleUseCases"]


class LifecycleUseCases(UseCases):
    """The `Relations` use cases for relationship stages, journeys, promises and referrals."""

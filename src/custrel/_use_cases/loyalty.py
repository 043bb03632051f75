"""Use cases for loyalty points, tiers and scores."""

from __future__ import annotations

from custrel._use_cases._base import UseCases

__all__ = ["LoyaltyUseCases"]


class LoyaltyUseCases(UseCases):
    """The `Relations` use cases for loyalty points, tiers and scores."""

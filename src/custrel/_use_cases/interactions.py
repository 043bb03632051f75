"""Use cases for the contact log and early warning."""

from __future__ import annotations

from custrel._use_cases._base import UseCases

__all__ = ["InteractionUseCases"]


class InteractionUseCases(UseCases):
    """The `Relations` use cases for the contact log and early warning."""

"""Use cases for service cases (complaints, returns, support, warranty) and their service levels."""

from __future__ import annotations

from custrel._use_cases._base import UseCases

__all__ = ["CaseUseCases"]


class CaseUseCases(UseCases):
    """The `Relations` use cases for service cases and their service levels."""

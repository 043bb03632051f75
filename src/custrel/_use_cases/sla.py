"""Use cases for service levels: SLA status, the breach queue and escalations."""

from __future__ import annotations

from custrel._use_cases._base import UseCases

__all__ = ["SlaUseCases"]


class SlaUseCases(UseCases):
    """The `Relations` use cases for service levels."""

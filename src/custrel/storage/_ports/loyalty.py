"""The loyalty points ledger: what custrel needs from storage."""

from __future__ import annotations

from typing import Protocol

__all__ = ["LoyaltyRepository"]


class LoyaltyRepository(Protocol):
    """Each member's points ledger."""

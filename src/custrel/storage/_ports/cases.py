"""Service cases: what custrel needs from storage."""

from __future__ import annotations

from typing import Protocol

__all__ = ["CaseRepository"]


class CaseRepository(Protocol):
    """Complaints, returns, support and warranty cases."""

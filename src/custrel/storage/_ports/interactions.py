"""The contact log: what custrel needs from storage."""

from __future__ import annotations

from typing import Protocol

__all__ = ["InteractionRepository"]


class InteractionRepository(Protocol):
    """Every logged contact with a customer or prospect."""

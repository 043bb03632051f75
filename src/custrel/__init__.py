"""custrel: customer relationships as a typed, pure-domain Python library.

The entry point for a host application is `Relations`; domain packages
(`custrel.customers`, ...) hold the values and rules, `custrel.storage` the ports and adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custrel.clock import Clock, SystemClock
from custrel.errors import (
    ConflictError,
    CustrelError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    PolicyError,
    StorageError,
    ValidationError,
)
from custrel.events import Change, DomainEvent
from custrel.money import Money
from custrel.relations import Relations

if TYPE_CHECKING:
    __version__: str

__all__ = [
    "Change",
    "Clock",
    "ConflictError",
    "CustrelError",
    "DomainEvent",
    "DuplicateError",
    "InvalidTransitionError",
    "Money",
    "NotFoundError",
    "PolicyError",
    "Relations",
    "StorageError",
    "SystemClock",
    "ValidationError",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 - module __getattr__
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - only when asked

        return version("custrel")
    raise AttributeError(f"module 'custrel' has no attribute {name!r}")

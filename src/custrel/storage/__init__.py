"""Storage: the ports (`custrel.storage.protocols`) and the adapters custrel ships.

- `custrel.storage.memory.MemoryStore`: in-process, for tests and small tools.
- `custrel.storage.sql.SqlStore`: SQLAlchemy Core on SQLite or PostgreSQL (extra ``sql``).

A host's own adapter satisfies the protocols (no inheritance) and proves it with the contract
suite in `custrel.testing.contract`.
"""

from custrel.storage.protocols import (
    CaseRepository,
    CustomerRepository,
    InteractionRepository,
    JourneyRepository,
    LoyaltyRepository,
    OutboxEntry,
    OutboxRepository,
    ReferralRepository,
    RelationshipRepository,
    Store,
    UnitOfWork,
    UpsertResult,
)

__all__ = [
    "CaseRepository",
    "CustomerRepository",
    "InteractionRepository",
    "JourneyRepository",
    "LoyaltyRepository",
    "OutboxEntry",
    "OutboxRepository",
    "ReferralRepository",
    "RelationshipRepository",
    "Store",
    "UnitOfWork",
    "UpsertResult",
]

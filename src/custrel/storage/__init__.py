"""Storage: the ports (`custrel.storage.protocols`) and the adapters custrel ships.

- `custrel.storage.memory.MemoryStore`: in-process, for tests and small tools.
- `custrel.storage.sql.SqlStore`: SQLAlchemy Core on SQLite or PostgreSQL (extra ``sql``).

A host's own adapter satisfies the protocols (no inheritance) and proves it with the contract
suite in `custrel.testing.contract`.
"""

from custrel.storage.protocols import (
    CustomerRepository,
    OutboxEntry,
    OutboxRepository,
    Store,
    UnitOfWork,
    UpsertResult,
)

__all__ = [
    "CustomerRepository",
    "OutboxEntry",
    "OutboxRepository",
    "Store",
    "UnitOfWork",
    "UpsertResult",
]

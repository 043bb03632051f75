"""The SQL adapter: SQLAlchemy Core on SQLite (embedded) or PostgreSQL (psycopg 3).

Needs the ``sql`` extra (``pip install 'custrel[sql]'``), and ``postgresql`` for PostgreSQL.

```python
from custrel.storage.sql import SqlStore

store = SqlStore("sqlite:///crm.db")
store.create_schema()
```

`metadata` holds custrel's tables so a host can add them to its own migrations.
"""

try:
    import sqlalchemy  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("custrel.storage.sql needs SQLAlchemy: pip install 'custrel[sql]'") from error

from custrel.storage.sql._store import SqlStore, SqlUnitOfWork
from custrel.storage.sql._tables import customers, metadata, outbox

__all__ = ["SqlStore", "SqlUnitOfWork", "customers", "metadata", "outbox"]

"""Checked by mypy only: the shipped adapters satisfy the storage protocols."""

from custrel import Relations
from custrel.clock import Clock, SystemClock
from custrel.storage.memory import MemoryStore, MemoryUnitOfWork
from custrel.storage.protocols import Store, UnitOfWork
from custrel.storage.sql import SqlStore, SqlUnitOfWork
from custrel.testing import FixedClock, SteppingClock

memory: Store = MemoryStore()
sql: Store = SqlStore("sqlite://")
memory_uow: UnitOfWork = MemoryUnitOfWork.__new__(MemoryUnitOfWork)
sql_uow: UnitOfWork = SqlUnitOfWork.__new__(SqlUnitOfWork)
clocks: list[Clock] = [
    SystemClock(),
    FixedClock(SystemClock().now()),
    SteppingClock(SystemClock().now()),
]
crm = Relations(memory, clock=clocks[0])

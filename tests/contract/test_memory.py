from custrel.storage.memory import MemoryStore
from custrel.testing.contract import StoreContract


class TestMemoryStore(StoreContract):
    """The in-memory store satisfies the storage contract."""

    def make_store(self) -> MemoryStore:
        return MemoryStore()

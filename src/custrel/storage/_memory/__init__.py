"""The in-memory adapter's repositories, one module per aggregate (see `custrel.storage.memory`)."""

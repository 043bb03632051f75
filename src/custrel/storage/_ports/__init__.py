"""Repository protocols, one module per area; `custrel.storage.protocols` re-exports them."""

"""The use cases of `custrel.Relations`, one module per area, combined in `custrel.relations`."""

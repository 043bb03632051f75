"""The storage contract suite, one module per area; `custrel.testing.contract` combines them."""

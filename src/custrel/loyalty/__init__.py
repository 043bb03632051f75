"""Loyalty: points and membership tiers, RFM segments, customer-value models, the loyalty score."""

__all__: list[str] = []

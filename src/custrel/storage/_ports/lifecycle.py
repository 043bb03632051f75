"""Relationships, journeys (with their promises) and referrals: what custrel needs from storage."""

from __future__ import annotations

from typing import Protocol

__all__ = ["JourneyRepository", "ReferralRepository", "RelationshipRepository"]


class RelationshipRepository(Protocol):
    """Each customer's relationship: stage history and activity."""


class JourneyRepository(Protocol):
    """One journey per sale, from sales to follow-up, with the promises made at the sale."""


class ReferralRepository(Protocol):
    """Who referred whom, and whether it converted."""

"""Loyalty: points and membership tiers, RFM segments, customer-value models, the loyalty score."""

from custrel.loyalty._account import (
    MemberStatus,
    MergedLedgers,
    PointsAccount,
    PointsTotals,
    Purchase,
)
from custrel.loyalty._beta_geo import BetaGeoModel, BetaGeoParams
from custrel.loyalty._clv import customer_lifetime_value
from custrel.loyalty._expiry import Expiry, ExpiryKind
from custrel.loyalty._fitting import BoundaryError, ConvergenceError
from custrel.loyalty._gamma_gamma import GammaGammaModel, GammaGammaParams
from custrel.loyalty._horizon import DiscountRate, Horizon, HorizonUnit
from custrel.loyalty._ledger import (
    Allocation,
    AwardLine,
    DebtSettled,
    LedgerClosed,
    LedgerEntry,
    PointsAwarded,
    PointsRedeemed,
    PointsReversed,
    ReturnedLine,
    TierChanged,
    TierGranted,
    ledger_entry_from_dict,
)
from custrel.loyalty._orders import Order, OrderLine
from custrel.loyalty._program import EarnedLine, LoyaltyProgram, Shortfall
from custrel.loyalty._rfm import RfmScore, rfm_scores
from custrel.loyalty._score import (
    DEFAULT_SCORE_BANDS,
    DEFAULT_SCORE_WEIGHTS,
    SCORE_COMPONENTS,
    ChurnRules,
    Contribution,
    LoyaltyScore,
    LoyaltyScorer,
    ScoreBand,
    ScoreScales,
)
from custrel.loyalty._segments import DEFAULT_SEGMENT_MAP, Segment, SegmentMap
from custrel.loyalty._signals import SIGNAL_NAMES, LoyaltySignals
from custrel.loyalty._summary import (
    CustomerSummary,
    HoldoutSummary,
    TimeUnit,
    calibration_and_holdout,
    summarize,
)
from custrel.loyalty._tiers import (
    Downgrade,
    DowngradeKind,
    QualifyingWindow,
    Tier,
    TierBasis,
    WindowKind,
)

__all__ = [
    "DEFAULT_SCORE_BANDS",
    "DEFAULT_SCORE_WEIGHTS",
    "DEFAULT_SEGMENT_MAP",
    "SCORE_COMPONENTS",
    "SIGNAL_NAMES",
    "Allocation",
    "AwardLine",
    "BetaGeoModel",
    "BetaGeoParams",
    "BoundaryError",
    "ChurnRules",
    "Contribution",
    "ConvergenceError",
    "CustomerSummary",
    "DebtSettled",
    "DiscountRate",
    "Downgrade",
    "DowngradeKind",
    "EarnedLine",
    "Expiry",
    "ExpiryKind",
    "GammaGammaModel",
    "GammaGammaParams",
    "HoldoutSummary",
    "Horizon",
    "HorizonUnit",
    "LedgerClosed",
    "LedgerEntry",
    "LoyaltyProgram",
    "LoyaltyScore",
    "LoyaltyScorer",
    "LoyaltySignals",
    "MemberStatus",
    "MergedLedgers",
    "Order",
    "OrderLine",
    "PointsAccount",
    "PointsAwarded",
    "PointsRedeemed",
    "PointsReversed",
    "PointsTotals",
    "Purchase",
    "QualifyingWindow",
    "ReturnedLine",
    "RfmScore",
    "ScoreBand",
    "ScoreScales",
    "Segment",
    "SegmentMap",
    "Shortfall",
    "Tier",
    "TierBasis",
    "TierChanged",
    "TierGranted",
    "TimeUnit",
    "WindowKind",
    "calibration_and_holdout",
    "customer_lifetime_value",
    "ledger_entry_from_dict",
    "rfm_scores",
    "summarize",
]

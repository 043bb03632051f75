"""`Relations`: the application service a host calls, one method per use case.

Each method runs in one unit of work: it loads aggregates, calls pure domain operations with
the instant from the injected clock, saves the results and writes their events to the outbox
in the same transaction, and commits. Nothing is written when a method raises.

The use cases are grouped by area in private modules (``custrel._use_cases``); `Relations`
combines them into one object.
"""

from __future__ import annotations

import datetime as dt

from custrel._use_cases.cases import CaseUseCases
from custrel._use_cases.customers import CustomerUseCases
from custrel._use_cases.interactions import (
    InteractionUseCases,
    clock_skew_setting,
    early_warning_setting,
)
from custrel._use_cases.lifecycle import LifecycleUseCases, lifecycle_setting
from custrel._use_cases.loyalty import LoyaltyUseCases, program_setting, scorer_setting
from custrel._use_cases.sla import SlaUseCases, sla_setting
from custrel.cases import AssignmentPolicy
from custrel.clock import Clock, SystemClock
from custrel.errors import ValidationError
from custrel.interactions import DEFAULT_CLOCK_SKEW, EarlyWarning
from custrel.lifecycle import LifecyclePolicy
from custrel.loyalty import LoyaltyProgram, LoyaltyScorer
from custrel.sla import PolicyBook
from custrel.storage.protocols import Store

__all__ = ["Relations"]


class Relations(
    CustomerUseCases,
    CaseUseCases,
    SlaUseCases,
    LoyaltyUseCases,
    LifecycleUseCases,
    InteractionUseCases,
):
    """The use cases of custrel, on a store, with a clock and the company's policies.

    Args:
        store: Where aggregates live (`MemoryStore`, `SqlStore`, or the host's own adapter).
        clock: Where "now" comes from; `SystemClock` by default, `FixedClock` in tests.
        conflict_retries: How many times a use case is run again, on freshly loaded data, when
            a concurrent writer saved the same aggregate first; then `ConflictError` is raised.
        assignment: Who new cases go to (`custrel.cases.AssignmentPolicy`); None leaves them
            unassigned.
        clock_skew: How far past the clock's now a logged interaction may be dated (other
            systems' clocks drift); later instants are refused.
        warnings: The early-warning rules `at_risk` runs (`custrel.interactions.EarlyWarning`);
            None gives `EarlyWarning.default()`.
        loyalty: The points and membership program (`custrel.loyalty.LoyaltyProgram`); the
            points use cases need one.
        scorer: How `loyalty_score` weighs signals (`custrel.loyalty.LoyaltyScorer`); None
            gives the default weights.
        lifecycle: The stage ladder and rules, activity thresholds and promise tolerances
            (`custrel.lifecycle.LifecyclePolicy`); None gives the defaults.
        sla: The service-level policies (`custrel.sla.PolicyBook`); None measures no service
            levels (and the SLA use cases refuse to run).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        conflict_retries: int = 3,
        assignment: AssignmentPolicy | None = None,
        clock_skew: dt.timedelta = DEFAULT_CLOCK_SKEW,
        warnings: EarlyWarning | None = None,
        loyalty: LoyaltyProgram | None = None,
        scorer: LoyaltyScorer | None = None,
        lifecycle: LifecyclePolicy | None = None,
        sla: PolicyBook | None = None,
    ) -> None:
        if conflict_retries < 0:
            raise ValidationError(
                "must be zero or more", field="conflict_retries", value=conflict_retries
            )
        self.store = store
        self.clock = clock if clock is not None else SystemClock()
        self.conflict_retries = conflict_retries
        if assignment is not None and not isinstance(assignment, AssignmentPolicy):
            raise ValidationError(
                "expected an AssignmentPolicy or None", field="assignment", value=assignment
            )
        self.assignment = assignment
        self.clock_skew = clock_skew_setting(clock_skew)
        self.warnings = early_warning_setting(warnings)
        self.loyalty = program_setting(loyalty)
        self.scorer = scorer_setting(scorer)
        self.lifecycle = lifecycle_setting(lifecycle)
        self.sla = sla_setting(sla)

"""The customer lifecycle: relationship stages, sale-to-follow-up journeys, promises, referrals.

```python
from custrel.lifecycle import Journey, Promise, Relationship, assess

relationship = Relationship.start("k-1", t0)                    # at "prospect"
result = relationship.advance("lead", t1, reason="asked for an offer", actor="ola")
result.applied, result.relationship.stage                       # (True, "lead")

journey = Journey.open("o-1", "k-1", t2, promises=[Promise.delivery(t3, made_by="ola")])
journey, events = journey.ship(t2.add(days=1))
journey, events = journey.deliver(t3.add(days=2))               # two days late
assess(journey, "p1", now).outcome                              # PromiseOutcome.LATE
```

Everything here is pure: instants come in as arguments and operations return new values.
`custrel.Relations` stores them and applies the automatic stage rules (see `LifecyclePolicy`).
"""

from custrel.lifecycle._activity import Activity, ActivityStatus, ActivityThresholds, activity
from custrel.lifecycle._assessment import (
    BusinessTime,
    OrderOtif,
    Otif,
    PromiseAssessment,
    PromiseOutcome,
    assess,
    assess_journey,
    otif,
    promise_events,
)
from custrel.lifecycle._checks import MAX_TEXT
from custrel.lifecycle._facts import (
    CaseOpened,
    CaseResolved,
    Charged,
    Delivered,
    FollowedUp,
    HandedOver,
    InteractionLinked,
    JourneyFact,
    PromiseSettled,
    Shipped,
)
from custrel.lifecycle._journey import DuePromise, Journey, Phase, PhaseChange, SaleKind
from custrel.lifecycle._owner import OwnerRoute, cover_for, route_owner
from custrel.lifecycle._policy import LifecyclePolicy
from custrel.lifecycle._promises import (
    DeliveryWindow,
    OtifTolerance,
    Promise,
    PromiseKind,
    SaleLine,
)
from custrel.lifecycle._rates import (
    KeepingRate,
    keeping_rate,
    rates_by_customer,
    rates_by_product,
    rates_by_staff,
)
from custrel.lifecycle._referral import Referral
from custrel.lifecycle._relationship import (
    AUTOMATIC,
    ERASED_TEXT,
    MergedHistory,
    Relationship,
    StageChange,
    StageResult,
)
from custrel.lifecycle._rules import DEFAULT_STAGE_RULES, StageFacts, StageRule, StageRules
from custrel.lifecycle._stages import (
    ADVOCATE,
    CUSTOMER,
    DEFAULT_LADDER,
    LEAD,
    PROSPECT,
    REPEAT_CUSTOMER,
    StageLadder,
)
from custrel.lifecycle._status import RelationshipStatus

__all__ = [
    "ADVOCATE",
    "AUTOMATIC",
    "CUSTOMER",
    "DEFAULT_LADDER",
    "DEFAULT_STAGE_RULES",
    "ERASED_TEXT",
    "LEAD",
    "MAX_TEXT",
    "PROSPECT",
    "REPEAT_CUSTOMER",
    "Activity",
    "ActivityStatus",
    "ActivityThresholds",
    "BusinessTime",
    "CaseOpened",
    "CaseResolved",
    "Charged",
    "Delivered",
    "DeliveryWindow",
    "DuePromise",
    "FollowedUp",
    "HandedOver",
    "InteractionLinked",
    "Journey",
    "JourneyFact",
    "KeepingRate",
    "LifecyclePolicy",
    "MergedHistory",
    "OrderOtif",
    "Otif",
    "OtifTolerance",
    "OwnerRoute",
    "Phase",
    "PhaseChange",
    "Promise",
    "PromiseAssessment",
    "PromiseKind",
    "PromiseOutcome",
    "PromiseSettled",
    "Referral",
    "Relationship",
    "RelationshipStatus",
    "SaleKind",
    "SaleLine",
    "Shipped",
    "StageChange",
    "StageFacts",
    "StageLadder",
    "StageResult",
    "StageRule",
    "StageRules",
    "activity",
    "assess",
    "assess_journey",
    "cover_for",
    "keeping_rate",
    "otif",
    "promise_events",
    "rates_by_customer",
    "rates_by_product",
    "rates_by_staff",
    "route_owner",
]

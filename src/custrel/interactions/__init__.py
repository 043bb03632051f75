"""The contact log: every contact with a customer or prospect, and early warning from it.

```python
from custrel.interactions import Interaction

call = Interaction(
    external_id="call-20261123-0042",
    customer_id="k-1",
    at=now,
    channel="phone",
    direction="inbound",
    kind="complaint",
    outcome="follow_up_needed",
    sentiment=-1,
    staff="ola",
    notes="The parcel arrived damaged.",
)
```
"""

from custrel.interactions._interaction import (
    DEFAULT_CLOCK_SKEW,
    ERASED_TEXT,
    MAX_NOTE_LENGTH,
    Interaction,
    Opportunity,
)
from custrel.interactions._logged import Logged
from custrel.interactions._signals import FATIGUE_WINDOW, NEGATIVE_WINDOW, loyalty_signals
from custrel.interactions._timeline import (
    MAX_PAGE_SIZE,
    TimelineCursor,
    TimelinePage,
    TimelineQuery,
)
from custrel.interactions._vocabulary import Channel, Direction, InteractionKind, Outcome
from custrel.interactions._warnings import (
    BrokenPromiseWithoutContact,
    CustomerRisk,
    EarlyWarning,
    FallingSentiment,
    NegativeContacts,
    ReopenedComplaint,
    RiskFacts,
    RiskRule,
    RiskSignal,
    Severity,
    UnansweredInbound,
    worst_first,
)

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "ERASED_TEXT",
    "FATIGUE_WINDOW",
    "MAX_NOTE_LENGTH",
    "MAX_PAGE_SIZE",
    "NEGATIVE_WINDOW",
    "BrokenPromiseWithoutContact",
    "Channel",
    "CustomerRisk",
    "Direction",
    "EarlyWarning",
    "FallingSentiment",
    "Interaction",
    "InteractionKind",
    "Logged",
    "NegativeContacts",
    "Opportunity",
    "Outcome",
    "ReopenedComplaint",
    "RiskFacts",
    "RiskRule",
    "RiskSignal",
    "Severity",
    "TimelineCursor",
    "TimelinePage",
    "TimelineQuery",
    "UnansweredInbound",
    "loyalty_signals",
    "worst_first",
]

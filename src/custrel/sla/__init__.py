"""Service levels: targets per priority in business time, pauses, breaches and escalations.

```python
from custrel.sla import PolicyBook, SlaPolicy, Targets

complaints = SlaPolicy(
    name="Complaints",
    calendar=BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo"),
    targets=Targets(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
)
book = PolicyBook([complaints], default=standard)
report = book.evaluate(case, now)
report.resolution.due_at, report.resolution.state, report.breached
```

Everything a report says is derived from the case's history and the book, on integer
microseconds and the calendars' microsecond arithmetic, so it is exact to the microsecond,
recomputes open cases after any change, and is fast enough to evaluate every open case often.
"""

from custrel.calendars import BusinessDays
from custrel.sla._book import PolicyBook
from custrel.sla._csv import CSV_COLUMNS, read_cases_csv
from custrel.sla._escalation import Escalation, EscalationNotice
from custrel.sla._filter import CaseFilter
from custrel.sla._metrics import Metric
from custrel.sla._policy import SlaPolicy
from custrel.sla._report import MetricReport, SlaReport, State
from custrel.sla._simulate import (
    Dimension,
    MetricTally,
    Simulation,
    SimulationRow,
    Tally,
    simulate,
)
from custrel.sla._targets import Target, Targets

__all__ = [
    "CSV_COLUMNS",
    "BusinessDays",
    "CaseFilter",
    "Dimension",
    "Escalation",
    "EscalationNotice",
    "Metric",
    "MetricReport",
    "MetricTally",
    "PolicyBook",
    "Simulation",
    "SimulationRow",
    "SlaPolicy",
    "SlaReport",
    "State",
    "Tally",
    "Target",
    "Targets",
    "read_cases_csv",
    "simulate",
]

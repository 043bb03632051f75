"""Business calendars: business-time arithmetic in an IANA zone with holidays.

```python
from datetime import date, datetime, timedelta, timezone
from custrel.calendars import BusinessCalendar

cal = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
start = datetime(2016, 1, 23, 13, 14, tzinfo=timezone.utc)  # a Saturday
cal.add(start, timedelta(hours=2))  # Monday 2016-01-25 11:00 UTC
```

Arithmetic on integer microseconds since the Unix epoch (`add_microseconds`,
`elapsed_microseconds`, `next_open_microseconds`) serves hot paths such as SLA evaluation.
"""

from custrel.calendars._calendar import (
    BusinessCalendar,
    BusinessDays,
    DatedHours,
    IntervalLike,
)
from custrel.calendars._country import country_holidays
from custrel.calendars._hours import Hours, Interval
from custrel.calendars._instants import from_microseconds, to_microseconds

__all__ = [
    "BusinessCalendar",
    "BusinessDays",
    "DatedHours",
    "Hours",
    "Interval",
    "IntervalLike",
    "country_holidays",
    "from_microseconds",
    "to_microseconds",
]

"""Customers: who they are, how to reach them, who owns the relationship, what they consented to.

```python
from custrel.customers import Customer, PersonName

kari = Customer.register(
    id="k-1",
    name=PersonName(given="Kari", family="Nordmann", preferred="Kari"),
    at=now,
    email="kari@example.no",
    timezone="Europe/Oslo",
    locale="nb-NO",
)
kari.greeting()  # "Hei Kari"
```
"""

from custrel.customers._consent import (
    Channel,
    ConsentRecord,
    ConsentStatus,
    Purpose,
    SuppressionChange,
    SuppressionReason,
)
from custrel.customers._contact_points import PostalAddress, normalize_email, normalize_phone
from custrel.customers._customer import KEEP, Customer, Keep, Merged, OwnerChange
from custrel.customers._name import GREETINGS, PersonName

__all__ = [
    "GREETINGS",
    "KEEP",
    "Channel",
    "ConsentRecord",
    "ConsentStatus",
    "Customer",
    "Keep",
    "Merged",
    "OwnerChange",
    "PersonName",
    "PostalAddress",
    "Purpose",
    "SuppressionChange",
    "SuppressionReason",
    "normalize_email",
    "normalize_phone",
]

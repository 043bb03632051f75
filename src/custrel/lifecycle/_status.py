"""Where a customer stands: the stage of the relationship beside the activity of buying."""

from __future__ import annotations

import attrs
import pendulum

from custrel.lifecycle._activity import Activity

__all__ = ["RelationshipStatus"]


@attrs.frozen
class RelationshipStatus:
    """Where a customer stands: the stage (None before their relationship started) and activity.

    Attributes:
        customer_id: The customer (the survivor, for an id merged into another).
        stage: The current stage, or None.
        stage_since: When the customer entered it, or None.
        activity: Active, lapsed, churned or won back, from their purchases.
    """

    customer_id: str
    stage: str | None
    stage_since: pendulum.DateTime | None
    activity: Activity

"""Escalation steps ("warn the owner at 75 %") and the notices they give when due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import attrs
import pendulum

from custrel.errors import PolicyError
from custrel.sla._metrics import Metric, format_duration, metric

__all__ = ["Escalation", "EscalationNotice", "check_name"]

_ONE_US = dt.timedelta(microseconds=1)
_MAX_NAME = 80
_MAX_FRACTION = 100


def check_name(value: object, field: str, limit: int = _MAX_NAME) -> str:
    """Return a policy or step name: 1 to *limit* characters, no ``/`` (keys use it), trimmed."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise PolicyError(
            "expected a non-empty name without surrounding spaces", field=field, value=value
        )
    if len(value) > limit:
        raise PolicyError(f"longer than {limit} characters", field=field, value=value)
    if "/" in value or "#" in value:
        raise PolicyError(
            "must not contain '/' or '#', which escalation keys use as separators",
            field=field,
            value=value,
        )
    return value


def _step_name(value: object) -> str:
    return check_name(value, "name", 40)


def _metric(value: object) -> Metric:
    return metric(value, "metric")


def _notify(value: object) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, (bytes, dict)):
        raise PolicyError("expected a recipient or a list of them", field="notify", value=value)
    recipients = tuple(items)
    if not recipients or not all(
        isinstance(item, str) and item.strip() and item == item.strip() for item in recipients
    ):
        raise PolicyError(
            "expected one or more non-empty recipients such as 'owner' or 'team_lead'",
            field="notify",
            value=value,
        )
    return recipients


def _fraction(value: object) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, Decimal)):
        raise PolicyError(
            "expected a fraction of the target such as 0.75 (1 is the deadline)",
            field="at",
            value=value,
        )
    fraction = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    if not 0 < fraction <= _MAX_FRACTION:
        raise PolicyError(
            f"expected a fraction of the target above 0 and at most {_MAX_FRACTION}",
            field="at",
            value=value,
        )
    return fraction


def _offset(value: object, field: str, *, zero: bool) -> dt.timedelta | None:
    if value is None:
        return None
    if not isinstance(value, dt.timedelta):
        raise PolicyError("expected a timedelta of business time", field=field, value=value)
    micros = value // _ONE_US
    if micros < 0 or (micros == 0 and not zero):
        bound = "zero or more" if zero else "longer than zero"
        raise PolicyError(f"expected business time {bound}", field=field, value=value)
    return value


def _before(value: object) -> dt.timedelta | None:
    return _offset(value, "before", zero=False)


def _after(value: object) -> dt.timedelta | None:
    return _offset(value, "after", zero=True)


@attrs.frozen(kw_only=True)
class Escalation:
    """One step of a policy's escalation ladder: when it is due and whom it notifies.

    Exactly one of ``at``, ``before`` and ``after`` says when, on the metric's own clock, so
    every offset is walked in business time and stops while the clock is paused:

    ```python
    Escalation(name="warn-owner", metric="resolution", at=0.75, notify="owner")
    Escalation(name="team-lead", metric="resolution", at=1, notify="team_lead")  # at breach
    Escalation(name="soon", metric="first_response", before=timedelta(minutes=15), notify="owner")
    Escalation(name="manager", metric="resolution", after=timedelta(hours=4), notify="manager")
    ```

    A step is due once the clock's running business time reaches its point and the metric is
    not completed; it is due once per case (per cycle for the recurring metrics), and its key
    (``"<policy>/<metric>/<name>"``) is recorded on the case when it fires.

    Attributes:
        name: The step's name, unique per metric in a policy; part of its key, so keep it
            stable (renaming a step makes it fire again on open cases).
        metric: The clock it watches.
        notify: Who to tell: role names such as ``"owner"`` (the case's assignee) or
            ``"team_lead"``, or staff ids; custrel passes them on and does not interpret them.
        at: A fraction of the target (``0.75``; ``1`` is the deadline, ``1.5`` half the target
            again after it).
        before: Business time before the deadline.
        after: Business time after the deadline (zero: at the deadline).
    """

    name: str = attrs.field(converter=_step_name)
    metric: Metric = attrs.field(converter=_metric)
    notify: tuple[str, ...] = attrs.field(converter=_notify)
    at: Fraction | None = attrs.field(default=None, converter=_fraction)
    before: dt.timedelta | None = attrs.field(default=None, converter=_before)
    after: dt.timedelta | None = attrs.field(default=None, converter=_after)

    def __attrs_post_init__(self) -> None:
        given = [name for name in ("at", "before", "after") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PolicyError(
                "give exactly one of at (a fraction of the target), before or after (business "
                "time around the deadline)",
                field=f"escalation {self.name!r}",
                value=tuple(given),
            )

    def point_us(self, target_us: int) -> int:
        """Return the running business time at which the step is due, for a target."""
        if self.at is not None:
            return target_us * self.at.numerator // self.at.denominator
        if self.before is not None:
            return max(target_us - self.before // _ONE_US, 0)
        assert self.after is not None  # noqa: S101 - exactly one is set (checked when built)
        return target_us + self.after // _ONE_US

    def describe(self) -> str:
        """Return when the step is due, in words: ``"at 75 % of the resolution target"``."""
        label = self.metric.label
        if self.at is not None:
            if self.at == 1:
                return f"when the {label} deadline passes"
            percent = self.at * 100
            shown = str(percent.numerator) if percent.denominator == 1 else f"{float(percent):g}"
            return f"at {shown} % of the {label} target"
        if self.before is not None:
            return f"{format_duration(self.before)} before the {label} deadline"
        assert self.after is not None  # noqa: S101 - exactly one is set (checked when built)
        if not self.after:
            return f"when the {label} deadline passes"
        return f"{format_duration(self.after)} after the {label} deadline"


@attrs.frozen(kw_only=True)
class EscalationNotice:
    """An escalation step that is due on a case: who to tell, about what, since when.

    Attributes:
        key: The step's idempotency key, ``"<policy>/<metric>/<step>"`` (with ``#<cycle>``
            after the metric for the recurring metrics); record it with
            `custrel.cases.Case.record_escalation` so the step is not due again.
        case_id: The case.
        customer_id: Its customer.
        policy: The name of the policy the step belongs to.
        metric: The clock it watches.
        step: The step's name.
        notify: Who to tell, as configured.
        assignee: The case's assignee when the notice was made (whom ``"owner"`` means).
        due_at: When the step became due.
        deadline: The metric's deadline (``due_at`` of its report).
    """

    key: str
    case_id: str
    customer_id: str
    policy: str
    metric: Metric
    step: str
    notify: tuple[str, ...]
    assignee: str | None
    due_at: pendulum.DateTime
    deadline: pendulum.DateTime

"""RFM scores: recency, frequency and monetary value, each ranked into equal-sized bins.

The tie rule: a customer's score on one dimension is ``1 + floor(bins * below / n)``, where
``below`` is how many of the ``n`` customers have a strictly worse value. Equal values get
equal scores whatever the input order, and with all values distinct the bins are exact
quantiles. Ties can leave a score unused (if 70 % of customers have frequency 0, they all
score 1 and the next frequency scores 4), which is the honest outcome: a tie cannot be split
without an arbitrary order.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from custrel.errors import ValidationError
from custrel.loyalty._summary import CustomerSummary

__all__ = ["RfmScore", "rfm_scores"]

_MAX_BINS = 100


def _bins(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= _MAX_BINS:  # noqa: PLR2004
        raise ValidationError(f"expected an int from 2 to {_MAX_BINS}", field="bins", value=value)
    return value


@attrs.frozen
class RfmScore:
    """A customer's RFM scores, each from 1 (worst) to `bins` (best).

    Attributes:
        recency: High for a recent last purchase (short time since it).
        frequency: High for many repeat purchases.
        monetary: High for a high ``monetary`` in the summary.
        bins: The number of bins the scores were ranked into.
    """

    recency: int
    frequency: int
    monetary: int
    bins: int = attrs.field(default=5, converter=_bins)

    def __attrs_post_init__(self) -> None:
        for field in ("recency", "frequency", "monetary"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.bins:
                raise ValidationError(
                    f"expected an int from 1 to {self.bins}", field=field, value=value
                )

    @property
    def code(self) -> str:
        """The three scores as one string, e.g. ``"545"`` (with ``bins`` up to 9)."""
        return f"{self.recency}{self.frequency}{self.monetary}"


def _scores(values: list[float] | list[Decimal] | list[int], bins: int) -> list[int]:
    """Score each value by how many values are strictly smaller (larger is better)."""
    ordered = sorted(values)
    count = len(values)
    cache: dict[object, int] = {}
    result = []
    for value in values:
        score = cache.get(value)
        if score is None:
            below = bisect.bisect_left(ordered, value)
            score = 1 + bins * below // count
            cache[value] = score
        result.append(score)
    return result


def rfm_scores(
    summaries: Mapping[str, CustomerSummary] | Iterable[CustomerSummary], bins: int = 5
) -> dict[str, RfmScore]:
    """Rank customers into RFM scores from 1 to *bins* on each dimension.

    Recency is scored on the time since the last purchase (``T - recency``: shorter is
    better), frequency on ``frequency``, monetary on ``monetary``. Use summaries made with
    ``include_first=True`` if one-time buyers' spend should count in M (by default their
    ``monetary`` is 0). Ties follow the module's rule: equal values, equal scores, whatever
    the order of the input.

    Args:
        summaries: A dict from `summarize`, or the summaries themselves (all in one unit).
        bins: Scores run from 1 to this (2 to 100; 5 gives the usual quintiles).

    Returns:
        A dict from customer id to `RfmScore`, in input order.

    Raises:
        ValidationError: *bins* out of range, not summaries, summaries in different units.
    """
    checked_bins = _bins(bins)
    items = list(summaries.values() if isinstance(summaries, Mapping) else summaries)
    for summary in items:
        if not isinstance(summary, CustomerSummary):
            raise ValidationError(
                "expected CustomerSummary values", field="summaries", value=summary
            )
        if summary.unit != items[0].unit:
            raise ValidationError(
                "summaries mix units; recency cannot be compared", field="summaries", value=summary
            )
    if not items:
        return {}
    recency = _scores([-summary.since_last_purchase for summary in items], checked_bins)
    frequency = _scores([summary.frequency for summary in items], checked_bins)
    monetary = _scores([summary.monetary for summary in items], checked_bins)
    return {
        summary.customer_id: RfmScore(r, f, m, checked_bins)
        for summary, r, f, m in zip(items, recency, frequency, monetary, strict=True)
    }

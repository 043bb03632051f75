"""Customer segments from RFM scores: ordered rules in code, the first match wins."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

import attrs

from custrel.errors import PolicyError, ValidationError
from custrel.loyalty._rfm import RfmScore

__all__ = ["DEFAULT_SEGMENT_MAP", "Segment", "SegmentMap"]

ScoreRange = tuple[int, int]


def _range(value: object, field: str) -> ScoreRange | None:
    """Normalise ``None`` (any score), an int (that score) or ``(low, high)`` (inclusive)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if (
        not isinstance(value, tuple)
        or len(value) != 2  # noqa: PLR2004 - a pair
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise PolicyError(
            "expected None, a score or a (low, high) pair of scores", field=field, value=value
        )
    low, high = value
    if low < 1 or high < low:
        raise PolicyError("expected 1 <= low <= high", field=field, value=value)
    return (low, high)


def _recency(value: object) -> ScoreRange | None:
    return _range(value, "recency")


def _frequency(value: object) -> ScoreRange | None:
    return _range(value, "frequency")


def _monetary(value: object) -> ScoreRange | None:
    return _range(value, "monetary")


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise PolicyError(
            "expected a non-empty name without surrounding spaces", field="name", value=value
        )
    return value


@attrs.frozen
class Segment:
    """A rule: customers whose scores fall in every given range belong to the segment.

    Each range is ``None`` (any score), one score, or an inclusive ``(low, high)`` pair:
    ``Segment("champions", recency=5, frequency=(4, 5))``.
    """

    name: str = attrs.field(converter=_name)
    recency: ScoreRange | None = attrs.field(default=None, converter=_recency)
    frequency: ScoreRange | None = attrs.field(default=None, converter=_frequency)
    monetary: ScoreRange | None = attrs.field(default=None, converter=_monetary)

    def matches(self, score: RfmScore) -> bool:
        """Whether *score* falls in all of this rule's ranges."""
        return all(
            bounds is None or bounds[0] <= value <= bounds[1]
            for bounds, value in (
                (self.recency, score.recency),
                (self.frequency, score.frequency),
                (self.monetary, score.monetary),
            )
        )


def _rules(value: object) -> tuple[Segment, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PolicyError("expected a sequence of Segment rules", field="rules", value=value)
    rules = tuple(value)
    if not rules or not all(isinstance(rule, Segment) for rule in rules):
        raise PolicyError("expected at least one rule, each a Segment", field="rules", value=value)
    return rules


def _bins(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 100:  # noqa: PLR2004
        raise PolicyError("expected an int from 2 to 100", field="bins", value=value)
    return value


def _fallback(value: object) -> str | None:
    return None if value is None else _name(value)


@attrs.frozen
class SegmentMap:
    """Ordered segment rules over RFM scores; the first rule that matches names the segment.

    Checked when built: names are unique, every range lies within 1..`bins`, every rule can
    match some score that no earlier rule takes, and without a `fallback` every possible score
    falls in some rule.

    Attributes:
        rules: The rules, in the order they are tried.
        bins: The scores' range (1..bins); scores ranked into another number of bins are refused.
        fallback: The segment of scores no rule matches; ``None`` demands that rules cover all.
    """

    rules: tuple[Segment, ...] = attrs.field(converter=_rules)
    bins: int = attrs.field(default=5, converter=_bins)
    fallback: str | None = attrs.field(default=None, converter=_fallback)

    def __attrs_post_init__(self) -> None:
        names = [rule.name for rule in self.rules]
        if self.fallback is not None:
            names.append(self.fallback)
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise PolicyError("segment names must be unique", field="rules", value=duplicates)
        for rule in self.rules:
            self._check_ranges(rule)
        self._check_reach()

    def _check_ranges(self, rule: Segment) -> None:
        for field in ("recency", "frequency", "monetary"):
            bounds = getattr(rule, field)
            if bounds is not None and bounds[1] > self.bins:
                raise PolicyError(
                    f"segment {rule.name!r}: the {field} range goes beyond {self.bins} bins",
                    field=field,
                    value=bounds,
                )

    def _check_reach(self) -> None:
        """Every rule wins some score; without a fallback, some rule takes every score."""
        reached = set()
        for r, f, m in itertools.product(range(1, self.bins + 1), repeat=3):
            score = RfmScore(r, f, m, self.bins)
            rule = next((rule for rule in self.rules if rule.matches(score)), None)
            if rule is not None:
                reached.add(rule.name)
            elif self.fallback is None:
                raise PolicyError(
                    f"no rule matches the score {score.code} and there is no fallback",
                    field="rules",
                    value=score,
                )
        for rule in self.rules:
            if rule.name not in reached:
                raise PolicyError(
                    f"segment {rule.name!r} can never match: earlier rules take all its scores",
                    field="rules",
                    value=rule,
                )

    @property
    def names(self) -> tuple[str, ...]:
        """Every segment name, in rule order, the fallback last."""
        names = tuple(rule.name for rule in self.rules)
        return names if self.fallback is None else (*names, self.fallback)

    def segment(self, score: RfmScore) -> str:
        """The name of the first rule *score* matches, or the fallback."""
        if not isinstance(score, RfmScore):
            raise ValidationError("expected an RfmScore", field="score", value=score)
        if score.bins != self.bins:
            raise ValidationError(
                f"the score is ranked into {score.bins} bins, the map expects {self.bins}",
                field="score",
                value=score,
            )
        for rule in self.rules:
            if rule.matches(score):
                return rule.name
        if self.fallback is None:  # pragma: no cover - ruled out when the map was built
            raise AssertionError(score)
        return self.fallback

    def assign(self, scores: Mapping[str, RfmScore]) -> dict[str, str]:
        """Segment every customer: a dict from customer id to segment name, in input order."""
        return {customer_id: self.segment(score) for customer_id, score in scores.items()}


DEFAULT_SEGMENT_MAP = SegmentMap(
    (
        Segment("champions", recency=5, frequency=(4, 5)),
        Segment("loyal", recency=(3, 4), frequency=(4, 5)),
        Segment("potential loyalists", recency=(4, 5), frequency=(2, 3)),
        Segment("new", recency=5, frequency=1),
        Segment("promising", recency=4, frequency=1),
        Segment("need attention", recency=3, frequency=3),
        Segment("about to sleep", recency=3, frequency=(1, 2)),
        Segment("at risk", recency=(1, 2), frequency=(3, 4)),
        Segment("can't lose them", recency=(1, 2), frequency=5),
        Segment("hibernating", recency=(1, 2), frequency=(1, 2)),
    )
)
"""The common 10-segment map on the 5 x 5 grid of recency and frequency scores (monetary is
not used): every (R, F) pair falls in exactly one segment.

| segment | R | F |
| --- | --- | --- |
| champions | 5 | 4-5 |
| loyal | 3-4 | 4-5 |
| potential loyalists | 4-5 | 2-3 |
| new | 5 | 1 |
| promising | 4 | 1 |
| need attention | 3 | 3 |
| about to sleep | 3 | 1-2 |
| at risk | 1-2 | 3-4 |
| can't lose them | 1-2 | 5 |
| hibernating | 1-2 | 1-2 |
"""

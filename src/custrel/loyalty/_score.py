"""An explainable loyalty score: weighted signals, each with its contribution and a reason.

Each component turns one or more signals into a value from 0 to 1 against a reference scale;
the score is ``100 x sum(weight x value) / sum(weight)`` over the components whose signals are
known. A component without data is left out and the weights of the others are renormalised,
so an unknown signal neither helps nor hurts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import attrs

from custrel.errors import PolicyError, ValidationError
from custrel.loyalty._signals import LoyaltySignals

__all__ = [
    "DEFAULT_SCORE_BANDS",
    "DEFAULT_SCORE_WEIGHTS",
    "SCORE_COMPONENTS",
    "ChurnRules",
    "Contribution",
    "LoyaltyScore",
    "LoyaltyScorer",
    "ScoreBand",
    "ScoreScales",
]

SCORE_COMPONENTS: tuple[str, ...] = (
    "recency",
    "frequency",
    "monetary",
    "p_alive",
    "tenure",
    "satisfaction",
    "complaint_recovery",
    "promises_kept",
    "referrals",
    "contact_fatigue",
)
"""The score's components, the names weights are given under."""

T = TypeVar("T")

DEFAULT_SCORE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "recency": 15.0,
        "frequency": 12.0,
        "monetary": 8.0,
        "p_alive": 15.0,
        "tenure": 5.0,
        "satisfaction": 15.0,
        "complaint_recovery": 10.0,
        "promises_kept": 8.0,
        "referrals": 7.0,
        "contact_fatigue": 5.0,
    }
)
"""Default weights (they sum to 100, so each reads as a share of a score with every signal)."""

_CSAT_SATISFIED = 4
_NPS_PROMOTER = 9
_NPS_DETRACTOR = 6
_NPS_RANGE = 100
_TOP_SCORE = 100


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise PolicyError("expected a number", field=field, value=value)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise PolicyError("expected a finite number, zero or more", field=field, value=value)
    return number


def _positive(value: object, field: str) -> float:
    number = _number(value, field)
    if number == 0:
        raise PolicyError("expected a number above zero", field=field, value=value)
    return number


def _fraction(value: object, field: str) -> float:
    number = _number(value, field)
    if number > 1:
        raise PolicyError("expected a fraction from 0 to 1", field=field, value=value)
    return number


def _score_value(value: object, field: str) -> float:
    number = _number(value, field)
    if number > _TOP_SCORE:
        raise PolicyError("expected a score from 0 to 100", field=field, value=value)
    return number


def _recency_half_life_days(value: object) -> float:
    return _positive(value, "recency_half_life_days")


def _frequency_half(value: object) -> float:
    return _positive(value, "frequency_half")


def _monetary_half(value: object) -> float:
    return _positive(value, "monetary_half")


def _tenure_half_days(value: object) -> float:
    return _positive(value, "tenure_half_days")


def _referrals_half(value: object) -> float:
    return _positive(value, "referrals_half")


def _contact_limit_30_days(value: object) -> float:
    return _positive(value, "contact_limit_30_days")


def _p_alive_below(value: object) -> float:
    return _fraction(value, "p_alive_below")


def _recency_days_over(value: object) -> float:
    return _positive(value, "recency_days_over")


def _score_below(value: object) -> float:
    return _score_value(value, "score_below")


def _csat_share_below(value: object) -> float:
    return _fraction(value, "csat_share_below")


def _promises_kept_below(value: object) -> float:
    return _fraction(value, "promises_kept_below")


def _negative_contacts_at_least(value: object) -> float:
    return _positive(value, "negative_contacts_at_least")


def _complaints_unresolved_at_least(value: object) -> float:
    return _positive(value, "complaints_unresolved_at_least")


def _minimum(value: object) -> float:
    return _score_value(value, "minimum")


def _scales(value: object) -> ScoreScales:
    return _instance(value, ScoreScales, "scales")


def _churn(value: object) -> ChurnRules:
    return _instance(value, ChurnRules, "churn")


@attrs.frozen(kw_only=True)
class ScoreScales:
    """The reference scales that turn raw signals into values from 0 to 1.

    Counts and amounts use ``x / (x + half)``: the *half* value scores 0.5 and more keeps
    adding less and less. Recency halves every *recency_half_life_days*.

    Attributes:
        recency_half_life_days: Days after which a last purchase counts half.
        frequency_half: Repeat purchases worth half marks.
        monetary_half: Mean spend per purchase worth half marks (in the shop's currency).
        tenure_half_days: Days of relationship worth half marks.
        referrals_half: Referrals worth half marks (a converted referral counts 1, another 0.5).
        contact_limit_30_days: Outbound contacts in 30 days at which fatigue is complete.
    """

    recency_half_life_days: float = attrs.field(default=90.0, converter=_recency_half_life_days)
    frequency_half: float = attrs.field(default=4.0, converter=_frequency_half)
    monetary_half: float = attrs.field(default=500.0, converter=_monetary_half)
    tenure_half_days: float = attrs.field(default=365.0, converter=_tenure_half_days)
    referrals_half: float = attrs.field(default=1.0, converter=_referrals_half)
    contact_limit_30_days: float = attrs.field(default=8.0, converter=_contact_limit_30_days)


@attrs.frozen(kw_only=True)
class ChurnRules:
    """When a customer is flagged at risk of churning; each rule that fires gives a reason.

    Attributes:
        p_alive_below: P(alive) under this.
        recency_days_over: No purchase for longer than this many days.
        score_below: A loyalty score under this.
        csat_share_below: A share of satisfied (4-5) answers under this.
        nps_below: An NPS (from -100 to 100) under this.
        promises_kept_below: A share of promises kept under this.
        negative_contacts_at_least: This many negative contacts in 90 days.
        complaints_unresolved_at_least: This many complaints not resolved within the SLA.
    """

    p_alive_below: float = attrs.field(default=0.5, converter=_p_alive_below)
    recency_days_over: float = attrs.field(default=180.0, converter=_recency_days_over)
    score_below: float = attrs.field(default=35.0, converter=_score_below)
    csat_share_below: float = attrs.field(default=0.5, converter=_csat_share_below)
    nps_below: float = attrs.field(default=0.0)
    promises_kept_below: float = attrs.field(default=0.5, converter=_promises_kept_below)
    negative_contacts_at_least: float = attrs.field(
        default=2, converter=_negative_contacts_at_least
    )
    complaints_unresolved_at_least: float = attrs.field(
        default=1, converter=_complaints_unresolved_at_least
    )

    @nps_below.validator
    def _check_nps(self, _attribute: object, value: object) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not -_NPS_RANGE <= value <= _NPS_RANGE
        ):
            raise PolicyError("expected an NPS from -100 to 100", field="nps_below", value=value)


@attrs.frozen
class ScoreBand:
    """A named band of scores: from *minimum* (inclusive) up to the next band's minimum."""

    name: str = attrs.field()
    minimum: float = attrs.field(converter=_minimum)

    @name.validator
    def _check_name(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise PolicyError("expected a non-empty band name", field="name", value=value)


DEFAULT_SCORE_BANDS: tuple[ScoreBand, ...] = (
    ScoreBand("very loyal", 75),
    ScoreBand("loyal", 55),
    ScoreBand("neutral", 35),
    ScoreBand("at risk", 0),
)
"""Default bands, highest first."""


@attrs.frozen
class Contribution:
    """What one component added to the score.

    Attributes:
        component: The component's name (see `SCORE_COMPONENTS`).
        value: Its value from 0 to 1.
        weight: Its share of the score after renormalising over the known components.
        points: What it added to the 0-100 score (``100 x weight x value``).
        explanation: One line saying which signals gave which value.
    """

    component: str
    value: float
    weight: float
    points: float
    explanation: str

    @property
    def maximum(self) -> float:
        """What it would have added at full value."""
        return 100 * self.weight


@attrs.frozen
class LoyaltyScore:
    """A loyalty score with its explanation.

    Attributes:
        score: From 0 to 100.
        band: The name of the band the score falls in.
        contributions: Each known component's contribution, in `SCORE_COMPONENTS` order; their
            ``points`` add up to ``score``.
        left_out: Components left out because their signals are unknown (or weighted 0).
        churn_risk: Whether any churn rule fired.
        churn_reasons: The rules that fired, one line each.
    """

    score: float
    band: str
    contributions: tuple[Contribution, ...]
    left_out: tuple[str, ...]
    churn_risk: bool
    churn_reasons: tuple[str, ...]

    def contribution(self, component: str) -> Contribution | None:
        """The contribution of *component*, or None if it was left out."""
        return next((item for item in self.contributions if item.component == component), None)

    def explain(self) -> str:
        """The score, its band, each contribution and the churn reasons, one per line."""
        lines = [f"Loyalty score {self.score:.1f} ({self.band})"]
        lines.extend(
            f"  {item.component}: {item.points:.1f} of {item.maximum:.1f} - {item.explanation}"
            for item in self.contributions
        )
        if self.left_out:
            lines.append(f"  left out (unknown): {', '.join(self.left_out)}")
        if self.churn_reasons:
            lines.append("  churn risk: " + "; ".join(self.churn_reasons))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "score": self.score,
            "band": self.band,
            "contributions": [attrs.asdict(item) for item in self.contributions],
            "left_out": list(self.left_out),
            "churn_risk": self.churn_risk,
            "churn_reasons": list(self.churn_reasons),
        }


def _weights(value: object) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise PolicyError("expected a mapping of component to weight", field="weights", value=value)
    unknown = sorted(str(name) for name in value if name not in SCORE_COMPONENTS)
    if unknown:
        raise PolicyError(
            f"unknown components; the components are {list(SCORE_COMPONENTS)}",
            field="weights",
            value=unknown,
        )
    weights = {}
    for name, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float, Decimal)):
            raise PolicyError("expected a number", field=f"weights[{name!r}]", value=weight)
        number = float(weight)
        if not math.isfinite(number) or number < 0:
            raise PolicyError(
                "expected a finite weight, zero or more", field=f"weights[{name!r}]", value=weight
            )
        weights[name] = number
    if not any(weights.values()):
        raise PolicyError(
            "at least one weight must be above zero", field="weights", value=dict(value)
        )
    return MappingProxyType({name: weights.get(name, 0.0) for name in SCORE_COMPONENTS})


def _bands(value: object) -> tuple[ScoreBand, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or not value:
        raise PolicyError("expected a non-empty list of ScoreBand", field="bands", value=value)
    bands = tuple(value)
    if not all(isinstance(band, ScoreBand) for band in bands):
        raise PolicyError("expected ScoreBand items", field="bands", value=value)
    minimums = [band.minimum for band in bands]
    if minimums != sorted(set(minimums), reverse=True):
        raise PolicyError(
            "bands are listed highest first, with distinct minimums", field="bands", value=minimums
        )
    if minimums[-1] != 0:
        raise PolicyError("the lowest band must start at 0", field="bands", value=bands[-1].name)
    if len({band.name for band in bands}) != len(bands):
        raise PolicyError(
            "band names must be unique", field="bands", value=[band.name for band in bands]
        )
    return bands


def _instance(value: object, kind: type[T], field: str) -> T:
    if not isinstance(value, kind):
        raise PolicyError(f"expected a {kind.__name__}", field=field, value=value)
    return value


def _plural(number: float, word: str) -> str:
    return f"{number:g} {word}{'' if number == 1 else 's'}"


def _saturating(amount: float, half: float) -> float:
    return amount / (amount + half)


@attrs.frozen(kw_only=True)
class LoyaltyScorer:
    """Scores loyalty from `LoyaltySignals`, with weights, scales and bands defined in code.

    Args:
        weights: Weight per component (see `SCORE_COMPONENTS`); a component not named weighs 0.
            Validated when built: known names, finite, zero or more, at least one above zero.
        scales: The reference scales (`ScoreScales`).
        bands: The bands, highest first, the last starting at 0 (`ScoreBand`).
        churn: The churn-risk rules (`ChurnRules`).

    Raises:
        PolicyError: The weights, bands, scales or rules are invalid.
    """

    weights: Mapping[str, float] = attrs.field(
        default=DEFAULT_SCORE_WEIGHTS, converter=_weights, hash=False
    )
    scales: ScoreScales = attrs.field(factory=ScoreScales, converter=_scales)
    bands: tuple[ScoreBand, ...] = attrs.field(default=DEFAULT_SCORE_BANDS, converter=_bands)
    churn: ChurnRules = attrs.field(factory=ChurnRules, converter=_churn)

    def score(self, signals: LoyaltySignals | Mapping[str, Any]) -> LoyaltyScore:
        """Score *signals* (a `LoyaltySignals` or a mapping of signal names).

        Raises:
            ValidationError: A signal is malformed, or no weighted component has any signal.
        """
        if not isinstance(signals, LoyaltySignals):
            signals = LoyaltySignals.from_mapping(signals)
        measured: dict[str, tuple[float, str]] = {}
        for name in SCORE_COMPONENTS:
            found = self._components[name](self, signals)
            if found is not None and self.weights[name] > 0:
                measured[name] = found
        if not measured:
            raise ValidationError(
                "nothing to score: no weighted component has a known signal",
                field="signals",
                value=signals.supplied(),
            )
        total = sum(self.weights[name] for name in measured)
        contributions = tuple(
            Contribution(
                component=name,
                value=value,
                weight=self.weights[name] / total,
                points=100 * value * self.weights[name] / total,
                explanation=explanation,
            )
            for name, (value, explanation) in measured.items()
        )
        score = min(100.0, max(0.0, sum(item.points for item in contributions)))
        band = next(band.name for band in self.bands if score >= band.minimum)
        reasons = self._churn_reasons(signals, score)
        return LoyaltyScore(
            score=score,
            band=band,
            contributions=contributions,
            left_out=tuple(name for name in SCORE_COMPONENTS if name not in measured),
            churn_risk=bool(reasons),
            churn_reasons=reasons,
        )

    def describe(self) -> str:
        """The weights, scales and bands in plain language."""
        total = sum(self.weights.values())
        weights = ", ".join(
            f"{name} {100 * weight / total:.0f}%" for name, weight in self.weights.items() if weight
        )
        bands = ", ".join(f"{band.name} from {band.minimum:g}" for band in self.bands)
        scales = self.scales
        reference = (
            f"Recency halves every {scales.recency_half_life_days:g} days; half marks at "
            f"{scales.frequency_half:g} repeat purchases, a mean spend of "
            f"{scales.monetary_half:g}, {scales.tenure_half_days:g} days as a customer and "
            f"{scales.referrals_half:g} referrals; contact fatigue is complete at "
            f"{scales.contact_limit_30_days:g} contacts in 30 days."
        )
        return "\n".join(
            [
                f"Weights with every signal known: {weights}.",
                "Unknown signals are left out and the other weights scaled up to 100%.",
                reference,
                f"Bands: {bands}.",
            ]
        )

    # -- components: (value from 0 to 1, explanation), or None when the signals are unknown --

    def _recency(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if signals.recency_days is None:
            return None
        half_life = self.scales.recency_half_life_days
        value = 0.5 ** (signals.recency_days / half_life)
        return value, (
            f"last purchase {signals.recency_days:.0f} days ago "
            f"(counts half after {half_life:g} days)"
        )

    def _frequency(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if signals.frequency is None:
            return None
        half = self.scales.frequency_half
        return _saturating(signals.frequency, half), (
            f"{_plural(signals.frequency, 'repeat purchase')} ({half:g} for half marks)"
        )

    def _monetary(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if signals.monetary is None:
            return None
        half = self.scales.monetary_half
        return _saturating(float(signals.monetary), half), (
            f"mean spend {signals.monetary:.2f} per purchase ({half:g} for half marks)"
        )

    def _p_alive(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if signals.p_alive is None:
            return None
        return signals.p_alive, f"probability still active (P(alive)) {signals.p_alive:.2f}"

    def _tenure(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if signals.tenure_days is None:
            return None
        half = self.scales.tenure_half_days
        return _saturating(signals.tenure_days, half), (
            f"customer for {signals.tenure_days:.0f} days ({half:g} for half marks)"
        )

    def _satisfaction(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        values, parts = [], []
        csat = signals.csat_scores
        if csat:
            share = _csat_share(csat)
            values.append(share)
            parts.append(
                f"CSAT {100 * share:.0f}% ({round(share * len(csat))} of {len(csat)} answers 4-5)"
            )
        nps = signals.nps_scores
        if nps:
            promoters, detractors = _nps_counts(nps)
            net = _nps(nps)
            values.append((net + 1) / 2)
            parts.append(
                f"NPS {100 * net:+.0f} ({_plural(promoters, 'promoter')}, "
                f"{_plural(detractors, 'detractor')} in {len(nps)} answers)"
            )
        if not values:
            return None
        return sum(values) / len(values), "; ".join(parts)

    def _complaint_recovery(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        complaints = signals.complaints
        if not complaints:
            return None  # no complaint, nothing to recover from: neither credit nor blame
        values, parts = [], []
        if signals.complaints_resolved_in_sla is not None:
            values.append(min(1.0, signals.complaints_resolved_in_sla / complaints))
            parts.append(f"{signals.complaints_resolved_in_sla} resolved within the SLA")
        if signals.apologies_given is not None:
            values.append(min(1.0, signals.apologies_given / complaints))
            parts.append(f"{signals.apologies_given} with an apology")
        if not values:
            return None
        return sum(values) / len(values), f"{_plural(complaints, 'complaint')}: {', '.join(parts)}"

    def _promises_kept(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        if not signals.promises_made or signals.promises_kept is None:
            return None
        return min(1.0, signals.promises_kept / signals.promises_made), (
            f"{signals.promises_kept} of {_plural(signals.promises_made, 'promise')} kept"
        )

    def _referrals(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        made, converted = signals.referrals_made, signals.referrals_converted
        if made is None and converted is None:
            return None
        converted = converted or 0
        made = converted if made is None else max(made, converted)
        weighted = converted + 0.5 * (made - converted)
        return _saturating(weighted, self.scales.referrals_half), (
            f"{_plural(made, 'referral')} made, {converted} converted"
        )

    def _contact_fatigue(self, signals: LoyaltySignals) -> tuple[float, str] | None:
        values, parts = [], []
        contacts = signals.contacts_last_30_days
        if contacts is not None:
            limit = self.scales.contact_limit_30_days
            values.append(max(0.0, 1 - contacts / limit))
            parts.append(f"{_plural(contacts, 'outbound contact')} in 30 days (limit {limit:g})")
        negative = signals.negative_contacts_90_days
        if negative is not None:
            values.append(1 / (1 + negative))
            parts.append(f"{_plural(negative, 'negative contact')} in 90 days")
        if not values:
            return None
        return sum(values) / len(values), "; ".join(parts)

    _components: ClassVar[
        Mapping[str, Callable[[LoyaltyScorer, LoyaltySignals], tuple[float, str] | None]]
    ] = MappingProxyType(
        {
            "recency": _recency,
            "frequency": _frequency,
            "monetary": _monetary,
            "p_alive": _p_alive,
            "tenure": _tenure,
            "satisfaction": _satisfaction,
            "complaint_recovery": _complaint_recovery,
            "promises_kept": _promises_kept,
            "referrals": _referrals,
            "contact_fatigue": _contact_fatigue,
        }
    )

    def _churn_reasons(self, signals: LoyaltySignals, score: float) -> tuple[str, ...]:
        rules = self.churn
        reasons = []
        if signals.p_alive is not None and signals.p_alive < rules.p_alive_below:
            reasons.append(f"P(alive) {signals.p_alive:.2f} is below {rules.p_alive_below:g}")
        if signals.recency_days is not None and signals.recency_days > rules.recency_days_over:
            reasons.append(
                f"no purchase for {signals.recency_days:.0f} days "
                f"(more than {rules.recency_days_over:g})"
            )
        if score < rules.score_below:
            reasons.append(f"loyalty score {score:.1f} is below {rules.score_below:g}")
        if signals.csat_scores and _csat_share(signals.csat_scores) < rules.csat_share_below:
            share = _csat_share(signals.csat_scores)
            reasons.append(f"only {100 * share:.0f}% of satisfaction answers were 4-5")
        if signals.nps_scores and 100 * _nps(signals.nps_scores) < rules.nps_below:
            reasons.append(
                f"NPS {100 * _nps(signals.nps_scores):+.0f} is below {rules.nps_below:+g}"
            )
        return (*reasons, *self._service_reasons(signals))

    def _service_reasons(self, signals: LoyaltySignals) -> list[str]:
        rules = self.churn
        reasons = []
        if signals.complaints and signals.complaints_resolved_in_sla is not None:
            unresolved = max(0, signals.complaints - signals.complaints_resolved_in_sla)
            if unresolved >= rules.complaints_unresolved_at_least:
                reasons.append(
                    f"{unresolved} of {_plural(signals.complaints, 'complaint')} not resolved "
                    "within the SLA"
                )
        if signals.promises_made and signals.promises_kept is not None:
            share = signals.promises_kept / signals.promises_made
            if share < rules.promises_kept_below:
                broken = max(0, signals.promises_made - signals.promises_kept)
                reasons.append(f"{broken} of {_plural(signals.promises_made, 'promise')} broken")
        negative = signals.negative_contacts_90_days
        if negative is not None and negative >= rules.negative_contacts_at_least:
            reasons.append(f"{_plural(negative, 'negative contact')} in the last 90 days")
        contacts = signals.contacts_last_30_days
        if contacts is not None and contacts >= self.scales.contact_limit_30_days:
            reasons.append(
                f"contacted {contacts} times in 30 days (fatigue limit "
                f"{self.scales.contact_limit_30_days:g})"
            )
        return reasons


def _csat_share(answers: tuple[int, ...]) -> float:
    """The share of satisfied answers (4 or 5 on 1-5, the "top two boxes")."""
    return sum(1 for answer in answers if answer >= _CSAT_SATISFIED) / len(answers)


def _nps_counts(answers: tuple[int, ...]) -> tuple[int, int]:
    promoters = sum(1 for answer in answers if answer >= _NPS_PROMOTER)
    detractors = sum(1 for answer in answers if answer <= _NPS_DETRACTOR)
    return promoters, detractors


def _nps(answers: tuple[int, ...]) -> float:
    """Promoters (9-10) minus detractors (0-6), as a share of the answers (-1 to 1)."""
    promoters, detractors = _nps_counts(answers)
    return (promoters - detractors) / len(answers)

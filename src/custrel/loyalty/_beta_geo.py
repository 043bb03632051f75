"""The BG/NBD model of repeat buying (Fader, Hardie and Lee, 2005), fitted in pure Python.

While active, a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each purchase
they drop out with probability p ~ Beta(a, b). For integer frequencies the likelihood needs no
special function: the Gamma and Beta ratios are finite products, so

    log L = sum_{j<x} [log(r+j) + log(b+j) - log(a+b+j)] + r log(alpha) - (r+x) log(alpha+T)
            + [x>0] log(1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

and the fit is a Newton search over log-parameters with this function's exact gradient and
Hessian. Identical (x, t_x, T) are counted once with a weight; the first sum is grouped by x and
the ``alpha + T`` terms by distinct T, so the work per step grows with the number of distinct
repeat-buyer histories, not with the number of customers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence

import attrs

from custrel.errors import ValidationError
from custrel.loyalty._fitting import (
    BoundaryError,
    Evaluation,
    iteration_count,
    maximize,
    optional_log_likelihood,
    positive_parameter,
)
from custrel.loyalty._horizon import Horizon, in_model_units
from custrel.loyalty._special import hyp2f1
from custrel.loyalty._summary import CustomerSummary, TimeUnit, check_unit

__all__ = ["BetaGeoModel", "BetaGeoParams", "expected_if_active"]

_LIMIT = 12.0
"""A parameter more than e^12 (about 160,000) times its natural size is on the boundary."""
_NEAR_SINGULAR = 1e-4
"""Closer than this to a removable singularity, expected purchases are extrapolated to it."""


def _r(value: object) -> float:
    return positive_parameter(value, "r")


def _alpha(value: object) -> float:
    return positive_parameter(value, "alpha")


def _a(value: object) -> float:
    return positive_parameter(value, "a")


def _b(value: object) -> float:
    return positive_parameter(value, "b")


@attrs.frozen(cache_hash=True)
class BetaGeoParams:
    """BG/NBD parameters: purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b).

    ``alpha`` is in the model's time unit (a rate parameter): the same customers give an alpha
    7 times larger in days than in weeks; ``r``, ``a`` and ``b`` do not depend on the unit.
    """

    r: float = attrs.field(converter=_r)
    alpha: float = attrs.field(converter=_alpha)
    a: float = attrs.field(converter=_a)
    b: float = attrs.field(converter=_b)

    def __str__(self) -> str:
        return f"r={self.r:.6g}, alpha={self.alpha:.6g}, a={self.a:.6g}, b={self.b:.6g}"


class _Data:
    """Summaries collapsed and grouped for the likelihood."""

    def __init__(self, summaries: Iterable[CustomerSummary]) -> None:
        weights: dict[tuple[int, float, float], int] = {}
        unit: TimeUnit | None = None
        for summary in summaries:
            if not isinstance(summary, CustomerSummary):
                raise ValidationError(
                    "expected CustomerSummary values", field="summaries", value=summary
                )
            if unit is None:
                unit = summary.unit
            elif summary.unit != unit:
                raise ValidationError(
                    f"summaries mix units ({unit!r} and {summary.unit!r}); summarize once",
                    field="summaries",
                    value=summary,
                )
            key = (summary.frequency, summary.recency, summary.T)
            weights[key] = weights.get(key, 0) + 1
        if unit is None:
            raise ValidationError("no customers to fit", field="summaries")
        self.unit: TimeUnit = unit
        self.total = float(sum(weights.values()))
        max_x = max(x for x, _, _ in weights)
        above = [0.0] * (max_x + 1)
        by_age: dict[float, list[float]] = {}
        for (x, _, age), weight in weights.items():
            above[x] += weight
            group = by_age.setdefault(age, [0.0, 0.0])
            group[0] += weight
            group[1] += weight * x
        for j in range(max_x - 1, -1, -1):  # above[j] becomes the weight with x > j
            above[j] += above[j + 1]
        self.above = [above[j + 1] for j in range(max_x)]
        self.ages = list(by_age)
        self.age_weights = [by_age[age][0] for age in self.ages]
        self.age_purchases = [by_age[age][1] for age in self.ages]
        age_index = {age: i for i, age in enumerate(self.ages)}
        recencies: dict[float, int] = {}
        by_frequency: dict[int, list[tuple[int, int, float]]] = {}
        for (x, recency, age), weight in weights.items():
            if x > 0:
                index = recencies.setdefault(recency, len(recencies))
                by_frequency.setdefault(x, []).append((index, age_index[age], float(weight)))
        self.recencies = list(recencies)
        # Repeat buyers grouped by frequency: within a group r + x and b + x - 1 are constants.
        self.repeat = sorted(by_frequency.items())
        self.max_x = max_x
        self.repeat_purchases = sum(weight * x for (x, _, _), weight in weights.items())
        self.mean_age = (
            sum(w * age for w, age in zip(self.age_weights, self.ages, strict=True)) / self.total
        )

    def evaluate(self, theta: Sequence[float]) -> Evaluation:
        """The log-likelihood with gradient and Hessian in (log r, log alpha, log a, log b)."""
        try:
            r, alpha, a, b = (math.exp(value) for value in theta)
        except OverflowError:
            return -math.inf, [], []
        if not all(value > 0 for value in (r, alpha, a, b)):
            return -math.inf, [], []
        natural_gradient = [0.0] * 4
        natural_hessian = [[0.0] * 4 for _ in range(4)]
        log_likelihood = self._products(r, a, b, natural_gradient, natural_hessian)
        log_ages: list[float] = []
        inverse_ages: list[float] = []
        log_likelihood += self._ages(
            r, alpha, natural_gradient, natural_hessian, log_ages, inverse_ages
        )
        # To log-parameters: d/d(log p) = p d/dp, and the Hessian gains p d/dp on its diagonal.
        scale = (r, alpha, a, b)
        gradient = [natural_gradient[i] * scale[i] for i in range(4)]
        hessian = [
            [natural_hessian[min(i, j)][max(i, j)] * scale[i] * scale[j] for j in range(4)]
            for i in range(4)
        ]
        for i in range(4):
            hessian[i][i] += gradient[i]
        log_likelihood += self._repeat_buyers(
            (r, alpha, a, b), log_ages, inverse_ages, gradient, hessian
        )
        return log_likelihood, gradient, hessian

    def _products(
        self, r: float, a: float, b: float, gradient: list[float], hessian: list[list[float]]
    ) -> float:
        """Add sum_{j<x} log(r+j) + log(b+j) - log(a+b+j), grouped by j, and its derivatives."""
        log_likelihood = 0.0
        for j, weight in enumerate(self.above):
            rj, bj, abj = r + j, b + j, a + b + j
            log_likelihood += weight * (math.log(rj) + math.log(bj) - math.log(abj))
            gradient[0] += weight / rj
            gradient[2] -= weight / abj
            gradient[3] += weight / bj - weight / abj
            hessian[0][0] -= weight / (rj * rj)
            inverse_ab2 = weight / (abj * abj)
            hessian[2][2] += inverse_ab2
            hessian[2][3] += inverse_ab2
            hessian[3][3] += inverse_ab2 - weight / (bj * bj)
        return log_likelihood

    def _ages(  # noqa: PLR0917 - fills the caller's accumulators
        self,
        r: float,
        alpha: float,
        gradient: list[float],
        hessian: list[list[float]],
        log_ages: list[float],
        inverse_ages: list[float],
    ) -> float:
        """Add r log(alpha) - (r+x) log(alpha+T), grouped by T, and its natural derivatives."""
        log_alpha = math.log(alpha)
        log_likelihood = self.total * r * log_alpha
        gradient[0] += self.total * log_alpha
        gradient[1] += self.total * r / alpha
        hessian[0][1] += self.total / alpha
        hessian[1][1] -= self.total * r / (alpha * alpha)
        for age, weight, purchases in zip(
            self.ages, self.age_weights, self.age_purchases, strict=True
        ):
            log_age = math.log(alpha + age)
            inverse = 1 / (alpha + age)
            log_ages.append(log_age)
            inverse_ages.append(inverse)
            exponent = r * weight + purchases
            log_likelihood -= exponent * log_age
            gradient[0] -= weight * log_age
            gradient[1] -= exponent * inverse
            hessian[0][1] -= weight * inverse
            hessian[1][1] += exponent * inverse * inverse
        return log_likelihood

    def _repeat_buyers(  # noqa: PLR0915 - one formula, kept together for speed
        self,
        params: tuple[float, float, float, float],
        log_ages: list[float],
        inverse_ages: list[float],
        gradient: list[float],
        hessian: list[list[float]],
    ) -> float:
        """The repeat buyers' extra term; adds its derivatives in log-parameters."""
        r, alpha, a, b = params
        log_likelihood = 0.0
        # log(1 + exp(u)) for repeat buyers, u = log a - log(b+x-1) + (r+x)(log(alpha+T) -
        # log(alpha+t_x)); derivatives taken directly in log-parameters. Sums that carry r + x or
        # 1 / (b+x-1) are taken per frequency group and scaled once per group.
        log_recencies = [math.log(alpha + t) for t in self.recencies]
        inverse_recencies = [1 / (alpha + t) for t in self.recencies]
        log_a = math.log(a)
        s_ws = s_wv = s_ws_d = s_ws_e1 = s_ws_e2 = s_ws_eps = s_ws_ib = s_ws_ib2 = 0.0
        s_wv_d2 = s_wv_d_e1 = s_wv_d = s_wv_d_ib = s_wv_e12 = s_wv_e1 = s_wv_e1_ib = 0.0
        s_wv_ib = s_wv_ib2 = 0.0
        exp = math.exp
        log1p = math.log1p
        for x, histories in self.repeat:
            rx = r + x
            ib = 1 / (b + x - 1)
            offset = log_a - math.log(b + x - 1)
            g_ws = g_wv = g_ws_d = g_ws_eps = g_ws_eps2 = 0.0
            g_wv_d2 = g_wv_d_eps = g_wv_d = g_wv_eps2 = g_wv_eps = 0.0
            for recency_index, age_index, weight in histories:
                delta = log_ages[age_index] - log_recencies[recency_index]
                inverse_age = inverse_ages[age_index]
                inverse_recency = inverse_recencies[recency_index]
                eps = inverse_age - inverse_recency
                u = offset + rx * delta
                if u > 0:
                    e = exp(-u)
                    log_likelihood += weight * (u + log1p(e))
                    s = 1 / (1 + e)
                else:
                    e = exp(u)
                    log_likelihood += weight * log1p(e)
                    s = e / (1 + e)
                ws = weight * s
                wv = ws * (1 - s)
                g_ws += ws
                g_wv += wv
                g_ws_d += ws * delta
                g_ws_eps += ws * eps
                g_ws_eps2 += ws * (inverse_recency * inverse_recency - inverse_age * inverse_age)
                wv_d = wv * delta
                g_wv_d += wv_d
                g_wv_d2 += wv_d * delta
                g_wv_d_eps += wv_d * eps
                wv_eps = wv * eps
                g_wv_eps += wv_eps
                g_wv_eps2 += wv_eps * eps
            s_ws += g_ws
            s_wv += g_wv
            s_ws_d += g_ws_d
            s_ws_e1 += rx * g_ws_eps
            s_ws_e2 += rx * g_ws_eps2
            s_ws_eps += g_ws_eps
            s_ws_ib += ib * g_ws
            s_ws_ib2 += ib * ib * g_ws
            s_wv_d2 += g_wv_d2
            s_wv_d_e1 += rx * g_wv_d_eps
            s_wv_d += g_wv_d
            s_wv_d_ib += ib * g_wv_d
            s_wv_e12 += rx * rx * g_wv_eps2
            s_wv_e1 += rx * g_wv_eps
            s_wv_e1_ib += rx * ib * g_wv_eps
            s_wv_ib += ib * g_wv
            s_wv_ib2 += ib * ib * g_wv
        repeat_gradient = (r * s_ws_d, alpha * s_ws_e1, s_ws, -b * s_ws_ib)
        repeat_hessian = (
            (
                r * r * s_wv_d2 + r * s_ws_d,
                r * alpha * (s_wv_d_e1 + s_ws_eps),
                r * s_wv_d,
                -r * b * s_wv_d_ib,
            ),
            (
                0.0,
                alpha * alpha * (s_wv_e12 + s_ws_e2) + alpha * s_ws_e1,
                alpha * s_wv_e1,
                -alpha * b * s_wv_e1_ib,
            ),
            (0.0, 0.0, s_wv, -b * s_wv_ib),
            (0.0, 0.0, 0.0, b * b * (s_wv_ib2 + s_ws_ib2) - b * s_ws_ib),
        )
        for i in range(4):
            gradient[i] += repeat_gradient[i]
            for j in range(4):
                hessian[i][j] += repeat_hessian[min(i, j)][max(i, j)]
        return log_likelihood

    def start(self) -> list[float]:
        """A starting point: r = 1, alpha from the mean repeat rate, a = 1, b = 1."""
        rate = self.repeat_purchases / (self.total * self.mean_age) if self.mean_age else 0.0
        alpha = 1 / rate if rate > 0 else self.mean_age or 1.0
        return [0.0, math.log(alpha), 0.0, 0.0]


def _params(theta: Sequence[float]) -> BetaGeoParams:
    return BetaGeoParams(*(min(math.exp(value), 1e300) for value in theta))


def _params_value(value: object) -> BetaGeoParams:
    if not isinstance(value, BetaGeoParams):
        raise ValidationError("expected BetaGeoParams", field="params", value=value)
    return value


def _richardson(function: Callable[[float], float], center: float, gap: float) -> float:
    """Evaluate a smooth *function* at *center*, *gap* away from a removable singularity.

    The mean of two points placed symmetrically around *center* is its value with an error of
    order h²; Richardson's combination of the means at h and 2h cancels that too. Every point
    is at least twice `_NEAR_SINGULAR` from the singularity, so none recurses.
    """
    h = 2 * _NEAR_SINGULAR + abs(gap)
    near = (function(center + h) + function(center - h)) / 2
    far = (function(center + 2 * h) + function(center - 2 * h)) / 2
    return (4 * near - far) / 3


@attrs.frozen
class BetaGeoModel:
    """A BG/NBD model: fitted with `fit`, or built from known parameters.

    Attributes:
        params: r, alpha (in `unit`), a, b.
        unit: The time unit of the summaries it was fitted on, and of every time it takes.
        log_likelihood: The maximised log-likelihood on the summaries' time axis (``None`` for
            a model built from given parameters).
        iterations: Newton steps the fit took (0 for given parameters).
    """

    params: BetaGeoParams = attrs.field(converter=_params_value)
    unit: TimeUnit = attrs.field(converter=check_unit)
    log_likelihood: float | None = attrs.field(default=None, converter=optional_log_likelihood)
    iterations: int = attrs.field(default=0, converter=iteration_count)

    @classmethod
    def fit(
        cls,
        summaries: Iterable[CustomerSummary],
        *,
        initial: BetaGeoParams | None = None,
        max_iterations: int = 100,
        tolerance: float = 1e-9,
    ) -> BetaGeoModel:
        """Fit by maximum likelihood to customer summaries (all in one unit).

        Args:
            summaries: The customers, e.g. ``summarize(...).values()``.
            initial: Where to start the search (a previous night's fit converges in a few
                steps); by default r = 1, alpha from the mean repeat rate, a = b = 1.
            max_iterations: Newton steps before giving up.
            tolerance: Converged when a (nearly) undamped Newton step moves no log-parameter
                more than this.

        Raises:
            ValidationError: No summaries, summaries in different units, not summaries.
            BoundaryError: The maximum is on the boundary: a parameter runs to 0 or infinity
                (no repeat purchases at all: r → 0; no sign of dropout: a → 0 or b → ∞).
            ConvergenceError: No convergence; the error carries the last parameters.
        """
        data = _Data(summaries)
        if initial is not None:
            initial = _params_value(initial)
            start = [math.log(v) for v in (initial.r, initial.alpha, initial.a, initial.b)]
        else:
            start = data.start()
        if data.repeat_purchases == 0:
            raise BoundaryError(
                "BG/NBD: no customer made a repeat purchase, so the likelihood rises as r runs "
                "to 0 (nobody buys again) and a and b are not identified",
                parameter="r",
                toward="0",
                params=_params(start),
                log_likelihood=data.evaluate(start)[0],
                iterations=0,
            )
        theta, log_likelihood, iterations = maximize(
            data.evaluate,
            start,
            names=("r", "alpha", "a", "b"),
            scales=(1.0, data.mean_age or 1.0, 1.0, 1.0),
            make_params=_params,
            max_iterations=max_iterations,
            tolerance=tolerance,
            limit=_LIMIT,
            model="BG/NBD",
        )
        return cls(_params(theta), data.unit, log_likelihood, iterations)

    def _check(self, summary: object) -> CustomerSummary:
        if not isinstance(summary, CustomerSummary):
            raise ValidationError("expected a CustomerSummary", field="summary", value=summary)
        if summary.unit != self.unit:
            raise ValidationError(
                f"the summary is in {summary.unit}s but the model in {self.unit}s",
                field="summary",
                value=summary,
            )
        return summary

    def p_alive(self, summary: CustomerSummary) -> float:
        """The probability that the customer is still active at the end of observation.

        A customer without repeat purchases cannot have dropped out (dropout happens right
        after a purchase), so their probability is 1.
        """
        return self._alive(self._check(summary))

    def _alive(self, s: CustomerSummary) -> float:
        """`p_alive` of a checked summary: 1 / (1 + odds of having dropped out)."""
        x = s.frequency
        if x == 0:
            return 1.0
        p = self.params
        # odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x); one power, no
        # logarithm (math.log costs as much as the rest of the call).
        try:
            growth = math.pow((p.alpha + s.T) / (p.alpha + s.recency), p.r + x)
        except OverflowError:  # the odds of having dropped out beyond 1e308: surely gone
            return 0.0
        return 1 / (1 + p.a / (p.b + x - 1) * growth)

    def expected_purchases(self, summary: CustomerSummary, t: float | Horizon) -> float:
        """Expected purchases in the next *t* after the end of observation, given the history.

        Args:
            summary: The customer's summary (in the model's unit).
            t: A number of the model's units, or a `Horizon` such as ``Horizon(3, "months")``.
        """
        s = self._check(summary)
        span = in_model_units(t, self.unit)
        p = self.params
        active = expected_if_active(p.r, p.alpha, p.a, p.b, s.frequency, s.T, span)
        return active * self._alive(s)

    def expected_purchases_new(self, t: float | Horizon) -> float:
        """Expected purchases of a customer in their first *t* after the first purchase.

        *t* is a number of the model's units or a `Horizon`.
        """
        span = in_model_units(t, self.unit)
        p = self.params
        return expected_if_active(p.r, p.alpha, p.a, p.b, 0, 0.0, span)

    def probability_of_purchases(self, n: int, t: float | Horizon) -> float:
        """P(X(t) = n): the chance that a new customer makes exactly *n* purchases in *t*.

        Args:
            n: A number of purchases (an int >= 0).
            t: A number of the model's units, or a `Horizon`.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError("expected an int >= 0", field="n", value=n)
        span = in_model_units(t, self.unit)
        if span == 0:
            return 1.0 if n == 0 else 0.0
        p = self.params
        log_stay = p.r * (math.log(p.alpha) - math.log(p.alpha + span))
        log_buy = math.log(span) - math.log(p.alpha + span)

        def log_pmf(j: int) -> float:  # negative binomial: purchases while active all along
            return (
                math.lgamma(p.r + j)
                - math.lgamma(p.r)
                - math.lgamma(j + 1)
                + log_stay
                + j * log_buy
            )

        log_beta_ab = math.lgamma(p.a) + math.lgamma(p.b) - math.lgamma(p.a + p.b)
        still = math.exp(
            math.lgamma(p.a)
            + math.lgamma(p.b + n)
            - math.lgamma(p.a + p.b + n)
            - log_beta_ab
            + log_pmf(n)
        )
        if n == 0:
            return still
        dropped = math.exp(
            math.lgamma(p.a + 1)
            + math.lgamma(p.b + n - 1)
            - math.lgamma(p.a + p.b + n)
            - log_beta_ab
        )
        return still + dropped * _tail(log_pmf, n, p.r * span / p.alpha)


@functools.lru_cache(maxsize=1 << 16)
def expected_if_active(  # noqa: PLR0917 - the model's parameters and the history
    r: float, alpha: float, a: float, b: float, x: int, age: float, t: float
) -> float:
    """E[purchases in (T, T+t]] for an active customer (P(alive) not applied).

    Cached: customers with the same frequency and T share it, and CLV asks for many t.
    """
    if t == 0:
        return 0.0
    if abs(a - 1) < _NEAR_SINGULAR:
        return _richardson(
            lambda shifted: expected_if_active(r, alpha, shifted, b, x, age, t), a, a - 1
        )
    if x == 0 and abs(a + b - 1) < _NEAR_SINGULAR:
        return _richardson(
            lambda shifted: expected_if_active(r, alpha, a, shifted, x, age, t), b, a + b - 1
        )
    rest = (alpha + age) / (alpha + age + t)
    z = t / (alpha + age + t)
    # Euler's transformation turns 2F1(r+x, b+x; a+b+x-1; z) (1-z)^(r+x) into
    # (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): small parameters whatever x is.
    series = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1 - math.pow(rest, a - 1) * series)


def _tail(log_pmf: Callable[[int], float], n: int, mean: float) -> float:
    """P(N >= n) for a distribution on 0, 1, 2, ... given by its log-pmf and its mean."""
    below = math.fsum(math.exp(log_pmf(j)) for j in range(n))
    if below < 0.5:  # noqa: PLR2004 - 1 - below loses nothing
        return 1 - below
    total = 0.0
    j = n
    while True:
        term = math.exp(log_pmf(j))
        total += term
        if j > mean and term <= 1e-17 * total:
            return total
        j += 1

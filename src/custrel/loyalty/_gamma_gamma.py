"""The Gamma-Gamma model of spend per purchase (Fader and Hardie, 2013; Colombo and Jiang, 1999).

Each purchase of a customer is Gamma(p, nu) distributed with the customer's nu ~ Gamma(q, gamma),
so a customer's mean spend is pulled from their own average towards the population's, the more
so the fewer purchases they made. The model is fitted on the repeat buyers' mean repeat spend
(``monetary`` of a summary made with ``include_first=False``) by Newton steps over
log-parameters with the exact gradient and Hessian (digamma and trigamma).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import attrs

from custrel.errors import ValidationError
from custrel.loyalty._fitting import (
    Evaluation,
    iteration_count,
    maximize,
    optional_log_likelihood,
    positive_parameter,
)
from custrel.loyalty._special import digamma, trigamma
from custrel.loyalty._summary import CustomerSummary

__all__ = ["GammaGammaModel", "GammaGammaParams"]

_LIMIT = 12.0
"""A parameter more than e^12 (about 160,000) times its natural size is on the boundary."""


def _p(value: object) -> float:
    return positive_parameter(value, "p")


def _q(value: object) -> float:
    return positive_parameter(value, "q")


def _gamma(value: object) -> float:
    return positive_parameter(value, "gamma")


@attrs.frozen
class GammaGammaParams:
    """Gamma-Gamma parameters: spend ~ Gamma(p, nu) per purchase, nu ~ Gamma(q, gamma).

    ``gamma`` is in money (the currency of the amounts); ``p`` and ``q`` have no unit.
    """

    p: float = attrs.field(converter=_p)
    q: float = attrs.field(converter=_q)
    gamma: float = attrs.field(converter=_gamma)

    def __str__(self) -> str:
        return f"p={self.p:.6g}, q={self.q:.6g}, gamma={self.gamma:.6g}"


class _Data:
    """Repeat buyers' (x, mean spend) grouped by x."""

    def __init__(self, summaries: Iterable[CustomerSummary]) -> None:
        groups: dict[int, dict[float, int]] = {}
        for summary in summaries:
            if not isinstance(summary, CustomerSummary):
                raise ValidationError(
                    "expected CustomerSummary values", field="summaries", value=summary
                )
            if summary.frequency == 0:
                continue
            spend = float(summary.monetary)
            if spend <= 0:
                raise ValidationError(
                    f"customer {summary.customer_id!r} has repeat purchases but no spend; "
                    "the Gamma-Gamma model needs positive amounts",
                    field="monetary",
                    value=summary.monetary,
                )
            group = groups.setdefault(summary.frequency, {})
            group[spend] = group.get(spend, 0) + 1
        if not groups:
            raise ValidationError(
                "no repeat buyers: the Gamma-Gamma model is fitted on customers with frequency > 0",
                field="summaries",
            )
        self.groups = [
            (x, float(sum(spends.values())), list(spends.items()))
            for x, spends in sorted(groups.items())
        ]
        self.log_spend = [
            sum(weight * math.log(spend) for spend, weight in spends)
            for _, _, spends in self.groups
        ]
        count = sum(weight for _, weight, _ in self.groups)
        self.mean_spend = (
            sum(weight * spend for _, _, spends in self.groups for spend, weight in spends) / count
        )

    def evaluate(self, theta: Sequence[float]) -> Evaluation:
        """The log-likelihood with gradient and Hessian in (log p, log q, log gamma)."""
        try:
            p, q, gamma = (math.exp(value) for value in theta)
        except OverflowError:
            return -math.inf, [], []
        if not all(0 < value < 1e300 for value in (p, q, gamma)):  # noqa: PLR2004 - overflow guard
            return -math.inf, [], []
        log_gamma = math.log(gamma)
        digamma_q = digamma(q)
        trigamma_q = trigamma(q)
        log_likelihood = 0.0
        g = [0.0, 0.0, 0.0]
        h = [[0.0] * 3 for _ in range(3)]
        for (x, count, spends), log_spend in zip(self.groups, self.log_spend, strict=True):
            px = p * x
            sum_log = sum_inverse = sum_inverse2 = 0.0
            for spend, weight in spends:
                total = gamma + x * spend
                inverse = 1 / total
                sum_log += weight * math.log(total)
                sum_inverse += weight * inverse
                sum_inverse2 += weight * inverse * inverse
            log_x = math.log(x)
            log_likelihood += (
                count
                * (
                    math.lgamma(px + q)
                    - math.lgamma(px)
                    - math.lgamma(q)
                    + q * log_gamma
                    + px * log_x
                )
                + (px - 1) * log_spend
                - (px + q) * sum_log
            )
            psi_sum = digamma(px + q)
            psi1_sum = trigamma(px + q)
            g[0] += x * (count * (psi_sum - digamma(px) + log_x) + log_spend - sum_log)
            g[1] += count * (psi_sum - digamma_q + log_gamma) - sum_log
            g[2] += count * q / gamma - (px + q) * sum_inverse
            h[0][0] += count * x * x * (psi1_sum - trigamma(px))
            h[0][1] += count * x * psi1_sum
            h[0][2] -= x * sum_inverse
            h[1][1] += count * (psi1_sum - trigamma_q)
            h[1][2] += count / gamma - sum_inverse
            h[2][2] += -count * q / (gamma * gamma) + (px + q) * sum_inverse2
        scale = (p, q, gamma)
        gradient = [g[i] * scale[i] for i in range(3)]
        hessian = [
            [h[min(i, j)][max(i, j)] * scale[i] * scale[j] for j in range(3)] for i in range(3)
        ]
        for i in range(3):
            hessian[i][i] += gradient[i]
        return log_likelihood, gradient, hessian

    def start(self) -> list[float]:
        """A starting point: p = q = 2 and gamma matching the mean spend."""
        return [math.log(2.0), math.log(2.0), math.log(self.mean_spend / 2)]


def _params(theta: Sequence[float]) -> GammaGammaParams:
    return GammaGammaParams(*(min(math.exp(value), 1e300) for value in theta))


def _params_value(value: object) -> GammaGammaParams:
    if not isinstance(value, GammaGammaParams):
        raise ValidationError("expected GammaGammaParams", field="params", value=value)
    return value


@attrs.frozen
class GammaGammaModel:
    """A Gamma-Gamma spend model: fitted with `fit`, or built from known parameters.

    Attributes:
        params: p, q, gamma.
        log_likelihood: The maximised log-likelihood (``None`` for given parameters).
        iterations: Newton steps the fit took (0 for given parameters).
    """

    params: GammaGammaParams = attrs.field(converter=_params_value)
    log_likelihood: float | None = attrs.field(default=None, converter=optional_log_likelihood)
    iterations: int = attrs.field(default=0, converter=iteration_count)

    @classmethod
    def fit(
        cls,
        summaries: Iterable[CustomerSummary],
        *,
        initial: GammaGammaParams | None = None,
        max_iterations: int = 100,
        tolerance: float = 1e-9,
    ) -> GammaGammaModel:
        """Fit by maximum likelihood on the repeat buyers among *summaries*.

        Customers without repeat purchases are skipped: their ``monetary`` says nothing about
        repeat spend. Use summaries made with ``include_first=False`` (the default).

        Args:
            summaries: The customers, e.g. ``summarize(...).values()``.
            initial: Where to start the search; by default p = q = 2 and gamma matching the
                mean spend.
            max_iterations: Newton steps before giving up.
            tolerance: Converged when a (nearly) undamped Newton step moves no log-parameter
                more than this.

        Raises:
            ValidationError: No repeat buyers, or a repeat buyer with zero spend.
            BoundaryError: The maximum is on the boundary (e.g. every customer spends the same:
                the spread between customers vanishes and q runs to infinity).
            ConvergenceError: No convergence; the error carries the last parameters.
        """
        data = _Data(summaries)
        if initial is not None:
            initial = _params_value(initial)
            start = [math.log(v) for v in (initial.p, initial.q, initial.gamma)]
        else:
            start = data.start()
        theta, log_likelihood, iterations = maximize(
            data.evaluate,
            start,
            names=("p", "q", "gamma"),
            scales=(1.0, 1.0, data.mean_spend),
            make_params=_params,
            max_iterations=max_iterations,
            tolerance=tolerance,
            limit=_LIMIT,
            model="Gamma-Gamma",
        )
        return cls(_params(theta), log_likelihood, iterations)

    def expected_spend(self, summary: CustomerSummary) -> float:
        """The customer's expected spend per purchase, given their purchases so far.

        A weighted mean of the population mean ``p gamma / (q - 1)`` and the customer's own
        mean repeat spend, weighted by their number of repeat purchases. A customer without
        repeat purchases gets the population mean.

        Raises:
            ValidationError: Not a summary; or q <= 1 (and for this customer p x + q <= 1),
                where the fitted spend distribution has no finite mean.
        """
        if not isinstance(summary, CustomerSummary):
            raise ValidationError("expected a CustomerSummary", field="summary", value=summary)
        p, q, gamma = self.params.p, self.params.q, self.params.gamma
        x = summary.frequency
        denominator = p * x + q - 1
        if denominator <= 0:
            raise ValidationError(
                "the fitted spend distribution has no finite mean (needs q > 1)",
                field="q",
                value=q,
            )
        return p * (gamma + x * float(summary.monetary)) / denominator

"""Customer lifetime value: expected purchases times expected spend, discounted step by step."""

from __future__ import annotations

import functools

from custrel.errors import ValidationError
from custrel.loyalty._beta_geo import BetaGeoModel, BetaGeoParams, expected_if_active
from custrel.loyalty._gamma_gamma import GammaGammaModel
from custrel.loyalty._horizon import DAYS_PER_PERIOD, DiscountRate, Horizon
from custrel.loyalty._summary import DAYS_PER_UNIT, CustomerSummary, TimeUnit

__all__ = ["customer_lifetime_value"]


def customer_lifetime_value(
    purchases: BetaGeoModel,
    spend: GammaGammaModel,
    summary: CustomerSummary,
    *,
    horizon: Horizon,
    discount_rate: DiscountRate,
) -> float:
    """The discounted value of a customer's expected purchases over *horizon*.

    The horizon is cut into its own periods (``Horizon(12, "months")``: 12 steps of a month);
    the purchases expected in step k are valued at the expected spend and discounted from the
    end of the step:

        CLV = spend * Σ_k [E(t_k) - E(t_{k-1})] * (1 + rate) ^ -(t_k / rate period)

    with ``E(t)`` the BG/NBD expected purchases in the next ``t`` and every time converted
    through days, so a 12-month horizon is 12 months on a weekly or a daily model alike.

    Args:
        purchases: A fitted `BetaGeoModel` (its unit is the summary's).
        spend: A fitted `GammaGammaModel`.
        summary: The customer's summary, in the purchase model's unit.
        horizon: How far ahead to look, e.g. ``Horizon(12, "months")``.
        discount_rate: e.g. ``DiscountRate(0.01, per="months")``; ``DiscountRate(0, "years")``
            for no discounting.

    Returns:
        The value in the currency of the summarised amounts.

    Raises:
        ValidationError: Wrong argument types, or a summary in another unit than the model.
    """
    if not isinstance(purchases, BetaGeoModel):
        raise ValidationError("expected a BetaGeoModel", field="purchases", value=purchases)
    if not isinstance(spend, GammaGammaModel):
        raise ValidationError("expected a GammaGammaModel", field="spend", value=spend)
    if not isinstance(horizon, Horizon):
        raise ValidationError(
            'expected a Horizon, e.g. Horizon(12, "months")', field="horizon", value=horizon
        )
    if not isinstance(discount_rate, DiscountRate):
        raise ValidationError(
            'expected a DiscountRate, e.g. DiscountRate(0.01, per="months")',
            field="discount_rate",
            value=discount_rate,
        )
    per_purchase = spend.expected_spend(summary)
    alive = purchases.p_alive(summary)  # also checks the summary's unit
    if alive == 0 or per_purchase == 0:
        return 0.0
    return (
        per_purchase
        * alive
        * _discounted_purchases_if_active(
            purchases.params, purchases.unit, summary.frequency, summary.T, horizon, discount_rate
        )
    )


@functools.lru_cache(maxsize=1 << 16)
def _discounted_purchases_if_active(  # noqa: PLR0917 - the cache key
    params: BetaGeoParams,
    unit: TimeUnit,
    frequency: int,
    age: float,
    horizon: Horizon,
    discount_rate: DiscountRate,
) -> float:
    """Σ_k [E(t_k) - E(t_k-1)] x discount(t_k) for a customer known to be active.

    Expected purchases are P(alive) times a function of (frequency, T) alone, so customers
    with the same frequency and T share this sum: it is cached, and scoring a whole customer
    base costs one evaluation per distinct (frequency, T), not per customer and step.
    """
    step_days = DAYS_PER_PERIOD[horizon.unit]
    days_per_model_unit = DAYS_PER_UNIT[unit]
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    value = 0.0
    previous = 0.0
    for step in range(1, horizon.amount + 1):
        days = step * step_days
        expected = expected_if_active(r, alpha, a, b, frequency, age, days / days_per_model_unit)
        value += (expected - previous) * discount_rate.factor(days)
        previous = expected
    return value

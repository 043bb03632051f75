import math
import random
from collections.abc import Callable

import pytest
from value_support import summary

from custrel.errors import ValidationError
from custrel.loyalty import (
    BetaGeoModel,
    BetaGeoParams,
    BoundaryError,
    ConvergenceError,
    CustomerSummary,
    DiscountRate,
    GammaGammaModel,
    GammaGammaParams,
    Horizon,
    customer_lifetime_value,
)

PURCHASES = BetaGeoModel(BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426), "week")
SPEND = GammaGammaModel(GammaGammaParams(p=6.25, q=3.74, gamma=15.44))
EXAMPLE = summary(2, 30.43, 38.86, "22.345")


def simulate_spend(customers: int, *, seed: int) -> list[CustomerSummary]:
    """Repeat buyers whose spends follow Gamma(6, nu), nu ~ Gamma(4, 20)."""
    generator = random.Random(seed)
    result = []
    for number in range(customers):
        nu = generator.gammavariate(4, 1 / 20)
        x = generator.randint(1, 8)
        mean = sum(generator.gammavariate(6, 1 / nu) for _ in range(x)) / x
        result.append(CustomerSummary(f"s{number}", x, 1, 2, f"{mean:.4f}", "week"))
    return result


class TestGammaGamma:
    def test_expected_spend_is_the_weighted_mean_of_population_and_customer(self) -> None:
        """E[M] = p (gamma + x m) / (p x + q - 1); without repeats, p gamma / (q - 1)."""
        assert SPEND.expected_spend(EXAMPLE) == pytest.approx(
            6.25 * (15.44 + 2 * 22.345) / (6.25 * 2 + 3.74 - 1)
        )
        assert SPEND.expected_spend(summary(0, 0, 10)) == pytest.approx(6.25 * 15.44 / 2.74)

    def test_fit_recovers_simulated_parameters(self) -> None:
        """3,000 simulated repeat buyers give the population mean spend back within 5 %."""
        model = GammaGammaModel.fit(simulate_spend(3000, seed=1))
        fitted = model.params
        assert fitted.p == pytest.approx(6, rel=0.1)
        assert fitted.p * fitted.gamma / (fitted.q - 1) == pytest.approx(6 * 20 / 3, rel=0.05)
        assert model.iterations > 0
        assert model.log_likelihood is not None

    def test_one_time_buyers_are_ignored_by_the_fit(self) -> None:
        """Customers without repeat purchases say nothing about repeat spend."""
        data = simulate_spend(500, seed=2)
        with_one_timers = [*data, *(summary(0, 0, 5 + n) for n in range(100))]
        assert GammaGammaModel.fit(with_one_timers) == GammaGammaModel.fit(data)

    def test_identical_spends_put_the_maximum_on_the_boundary(self) -> None:
        """With no spread in spend a parameter runs away; BoundaryError names it."""
        data = [summary(x, 1, 2, "20") for x in range(1, 6) for _ in range(30)]
        with pytest.raises(BoundaryError, match="runs to infinity") as caught:
            GammaGammaModel.fit(data)
        assert caught.value.toward == "infinity"
        assert isinstance(caught.value.params, GammaGammaParams)

    def test_too_few_iterations_raise_with_the_last_parameters(self) -> None:
        """Running out of steps raises ConvergenceError with where the search got to."""
        with pytest.raises(ConvergenceError) as caught:
            GammaGammaModel.fit(simulate_spend(200, seed=3), max_iterations=1)
        assert isinstance(caught.value.params, GammaGammaParams)

    def test_a_warm_start_lands_on_the_same_maximum(self) -> None:
        """Starting at a previous estimate converges quickly to the same parameters."""
        data = simulate_spend(400, seed=4)
        cold = GammaGammaModel.fit(data)
        warm = GammaGammaModel.fit(data, initial=cold.params)
        assert warm.iterations <= 2
        assert warm.params.q == pytest.approx(cold.params.q, rel=1e-8)

    def test_bad_input_is_refused(self) -> None:
        """No repeat buyers, zero repeat spend and other values are refused."""
        with pytest.raises(ValidationError, match="no repeat buyers"):
            GammaGammaModel.fit([summary(0, 0, 3)])
        with pytest.raises(ValidationError, match="needs positive amounts"):
            GammaGammaModel.fit([summary(2, 1, 3, "0")])
        with pytest.raises(ValidationError, match="expected CustomerSummary"):
            GammaGammaModel.fit([3])  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="gamma"):
            GammaGammaParams(1, 1, 0)
        with pytest.raises(ValidationError, match="p: expected a number"):
            GammaGammaParams("1", 1, 1)
        with pytest.raises(ValidationError, match="log_likelihood"):
            GammaGammaModel(SPEND.params, math.inf)
        with pytest.raises(ValidationError, match="iterations"):
            GammaGammaModel(SPEND.params, None, -1)
        with pytest.raises(ValidationError, match="params"):
            GammaGammaModel((1, 1, 1))
        with pytest.raises(ValidationError, match="expected a CustomerSummary"):
            SPEND.expected_spend(None)  # type: ignore[arg-type]

    def test_a_spend_distribution_without_a_mean_is_refused(self) -> None:
        """With q <= 1 there is no finite population mean: asking for it raises."""
        heavy = GammaGammaModel(GammaGammaParams(p=2, q=0.5, gamma=10))
        with pytest.raises(ValidationError, match="no finite mean"):
            heavy.expected_spend(summary(0, 0, 10))
        assert heavy.expected_spend(EXAMPLE) > 0  # p x + q - 1 > 0: fine for this customer


class TestCustomerLifetimeValue:
    def test_clv_matches_a_hand_computation(self) -> None:
        """Three monthly steps at 1 % a month: spend * Σ (E_k - E_k-1) / 1.01^k."""
        # E(t) for the example at 1, 2, 3 months (30.4375-day months, in weeks), from mpmath.
        expected = [0.0, 0.15985955929172233, 0.3125022794024593, 0.45867995138169704]
        spend = 6.25 * (15.44 + 2 * 22.345) / (6.25 * 2 + 3.74 - 1)
        by_hand = spend * sum((expected[k] - expected[k - 1]) / 1.01**k for k in range(1, 4))
        value = customer_lifetime_value(
            PURCHASES,
            SPEND,
            EXAMPLE,
            horizon=Horizon(3, "months"),
            discount_rate=DiscountRate(0.01, per="months"),
        )
        assert math.isclose(value, by_hand, rel_tol=1e-10)

    def test_twelve_months_are_twelve_months_on_a_daily_or_weekly_model(self) -> None:
        """The same customers and model in days or weeks give the same 12-month CLV."""
        daily = BetaGeoModel(BetaGeoParams(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426), "day")
        daily_example = CustomerSummary("d", 2, 213.01, 272.02, "22.345", "day")
        horizon = Horizon(12, "months")
        rate = DiscountRate(0.1, per="years")
        weekly_value = customer_lifetime_value(
            PURCHASES, SPEND, EXAMPLE, horizon=horizon, discount_rate=rate
        )
        daily_value = customer_lifetime_value(
            daily, SPEND, daily_example, horizon=horizon, discount_rate=rate
        )
        assert math.isclose(weekly_value, daily_value, rel_tol=1e-9)

    def test_without_discounting_clv_is_expected_purchases_times_spend(self) -> None:
        """A zero rate: CLV = E[purchases over the horizon] * E[spend]."""
        value = customer_lifetime_value(
            PURCHASES,
            SPEND,
            EXAMPLE,
            horizon=Horizon(39, "weeks"),
            discount_rate=DiscountRate(0, per="years"),
        )
        assert math.isclose(
            value,
            PURCHASES.expected_purchases(EXAMPLE, 39) * SPEND.expected_spend(EXAMPLE),
            rel_tol=1e-12,
        )

    def test_a_rate_per_year_compounds_to_the_same_rate_per_month(self) -> None:
        """12.68 % a year and 1 % a month discount a monthly horizon alike."""
        yearly = DiscountRate(1.01**12 - 1, per="years")
        monthly = DiscountRate(0.01, per="month")
        assert math.isclose(yearly.factor(365.25 / 12), monthly.factor(365.25 / 12))
        values = [
            customer_lifetime_value(
                PURCHASES, SPEND, EXAMPLE, horizon=Horizon(6, "months"), discount_rate=rate
            )
            for rate in (yearly, monthly)
        ]
        assert math.isclose(*values, rel_tol=1e-12)

    def test_discounting_lowers_the_value(self) -> None:
        """A higher rate gives a lower CLV."""
        values = [
            customer_lifetime_value(
                PURCHASES,
                SPEND,
                EXAMPLE,
                horizon=Horizon(2, "years"),
                discount_rate=DiscountRate(rate, per="years"),
            )
            for rate in (0, 0.05, 0.2)
        ]
        assert values[0] > values[1] > values[2] > 0

    def test_units_and_rates_must_be_explicit_values(self) -> None:
        """A bare number is neither a horizon nor a discount rate."""
        with pytest.raises(ValidationError, match="horizon: expected a Horizon"):
            customer_lifetime_value(
                PURCHASES,
                SPEND,
                EXAMPLE,
                horizon=12,  # type: ignore[arg-type]
                discount_rate=DiscountRate(0, "years"),
            )
        with pytest.raises(ValidationError, match="discount_rate: expected a DiscountRate"):
            customer_lifetime_value(
                PURCHASES,
                SPEND,
                EXAMPLE,
                horizon=Horizon(12, "months"),
                discount_rate=0.01,  # type: ignore[arg-type]
            )
        with pytest.raises(ValidationError, match="purchases: expected a BetaGeoModel"):
            customer_lifetime_value(
                SPEND,  # type: ignore[arg-type]
                SPEND,
                EXAMPLE,
                horizon=Horizon(1, "months"),
                discount_rate=DiscountRate(0, "years"),
            )
        with pytest.raises(ValidationError, match="spend: expected a GammaGammaModel"):
            customer_lifetime_value(
                PURCHASES,
                PURCHASES,  # type: ignore[arg-type]
                EXAMPLE,
                horizon=Horizon(1, "months"),
                discount_rate=DiscountRate(0, "years"),
            )


class TestHorizonAndRate:
    def test_horizons_know_their_length(self) -> None:
        """A month is 30.4375 days, a year 365.25; the singular is accepted."""
        assert Horizon(12, "month") == Horizon(12, "months")
        assert Horizon(2, "years").days == 730.5
        assert Horizon(3, "months").in_units("week") == pytest.approx(3 * 30.4375 / 7)
        assert str(Horizon(12, "months")) == "12 months"
        assert str(DiscountRate(0.01, per="months")) == "0.01 per month"

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [((0, "months"), "amount"), ((1.5, "weeks"), "amount"), ((3, "fortnights"), "unit")],
    )
    def test_bad_horizons_are_refused(self, arguments: tuple[object, object], field: str) -> None:
        """A horizon is a positive whole number of a known period."""
        with pytest.raises(ValidationError, match=f"{field}: "):
            Horizon(*arguments)

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [((-0.01, "years"), "rate"), ((math.inf, "years"), "rate"), ((0.1, "decade"), "per")],
    )
    def test_bad_rates_are_refused(self, arguments: tuple[object, object], field: str) -> None:
        """A rate is a finite number >= 0 per a known period."""
        with pytest.raises(ValidationError, match=f"{field}: "):
            DiscountRate(*arguments)


class TestModelFields:
    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (
                lambda: BetaGeoModel(BetaGeoParams(0.2, 4.0, 0.8, 2.4), "week", math.inf),
                "log_likelihood",
            ),
            (
                lambda: BetaGeoModel(
                    BetaGeoParams(0.2, 4.0, 0.8, 2.4), "week", log_likelihood=True
                ),
                "log_likelihood",
            ),
            (
                lambda: BetaGeoModel(BetaGeoParams(0.2, 4.0, 0.8, 2.4), "week", None, -1),
                "iterations",
            ),
            (lambda: GammaGammaModel(GammaGammaParams(6.2, 3.7, 15.4), math.nan), "log_likelihood"),
            (lambda: GammaGammaModel(GammaGammaParams(6.2, 3.7, 15.4), None, 1.5), "iterations"),
        ],
    )
    def test_a_model_refuses_a_bad_log_likelihood_or_step_count(
        self, build: Callable[[], object], field: str
    ) -> None:
        """Both models take a finite log-likelihood (or None) and a step count of 0 or more."""
        with pytest.raises(ValidationError, match=rf"^{field}: expected a "):
            build()

    def test_given_parameters_need_neither(self) -> None:
        """A model built from known parameters has no log-likelihood and took no steps."""
        model = GammaGammaModel(GammaGammaParams(6.2, 3.7, 15.4), -10, 3)
        assert (model.log_likelihood, model.iterations) == (-10.0, 3)
        assert isinstance(model.log_likelihood, float)
        plain = BetaGeoModel(BetaGeoParams(0.2, 4.0, 0.8, 2.4), "week")
        assert (plain.log_likelihood, plain.iterations) == (None, 0)

import itertools
import math
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from value_support import summary

from custrel.errors import CustrelError, ValidationError
from custrel.loyalty import (
    BetaGeoModel,
    BetaGeoParams,
    BoundaryError,
    ConvergenceError,
    CustomerSummary,
    Horizon,
)

PAPER = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
WEEKLY = BetaGeoModel(PAPER, "week")
DAILY = BetaGeoModel(BetaGeoParams(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426), "day")


def simulate(customers: int, *, seed: int, dropout: bool = True) -> list[CustomerSummary]:
    """Customers drawn from a BG/NBD world (r=0.5, alpha=10, a=0.8, b=2.5), in weeks."""
    generator = random.Random(seed)
    result = []
    for number in range(customers):
        rate = generator.gammavariate(0.5, 1 / 10)
        p = generator.betavariate(0.8, 2.5) if dropout else 0.0
        age = float(generator.randint(10, 52))
        t, times = 0.0, []
        while True:
            t += generator.expovariate(rate) if rate > 0 else math.inf
            if t > age:
                break
            times.append(round(t, 3))
            if generator.random() < p:
                break
        recency = times[-1] if times else 0.0
        result.append(CustomerSummary(f"s{number}", len(times), recency, age, Decimal(0), "week"))
    return result


class TestParams:
    @pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, True, "1"])
    def test_parameters_must_be_positive_finite_numbers(self, bad: object) -> None:
        """Each of r, alpha, a, b is a finite number > 0."""
        with pytest.raises(ValidationError, match="alpha"):
            BetaGeoParams(r=1, alpha=bad, a=1, b=1)

    def test_a_model_checks_its_fields(self) -> None:
        """A model needs BetaGeoParams, a known unit and a finite log-likelihood or None."""
        with pytest.raises(ValidationError, match="params"):
            BetaGeoModel((1, 1, 1, 1), "week")
        with pytest.raises(ValidationError, match="unit"):
            BetaGeoModel(PAPER, "month")
        with pytest.raises(ValidationError, match="log_likelihood"):
            BetaGeoModel(PAPER, "week", math.nan)
        with pytest.raises(ValidationError, match="iterations"):
            BetaGeoModel(PAPER, "week", None, -1)

    def test_params_print_readably(self) -> None:
        """str() lists the four parameters."""
        assert str(PAPER) == "r=0.243, alpha=4.414, a=0.793, b=2.426"


class TestPredictions:
    def test_a_customer_without_repeat_purchases_is_alive(self) -> None:
        """Dropout follows a purchase, so x = 0 means P(alive) = 1."""
        assert WEEKLY.p_alive(summary(0, 0, 30)) == 1.0

    def test_a_long_silence_after_many_purchases_means_probably_gone(self) -> None:
        """P(alive) falls as the time since the last purchase grows."""
        recent = WEEKLY.p_alive(summary(10, 38, 39))
        silent = WEEKLY.p_alive(summary(10, 5, 39))
        assert recent > 0.9
        assert 0 < silent < 0.01

    @pytest.mark.parametrize(
        "history", [(1, 0.5, 1.0), (2, 30.43, 38.86), (10, 5, 39), (60, 100, 400), (7, 0, 52)]
    )
    def test_p_alive_is_the_textbook_formula(self, history: tuple[int, float, float]) -> None:
        """1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)), to 1e-12."""
        x, recency, age = history
        p = PAPER
        log_odds = (
            math.log(p.a)
            - math.log(p.b + x - 1)
            + (p.r + x) * (math.log(p.alpha + age) - math.log(p.alpha + recency))
        )
        expected = 1 / (1 + math.exp(log_odds))
        assert WEEKLY.p_alive(summary(x, recency, age)) == pytest.approx(expected, abs=1e-12)

    def test_odds_beyond_floating_point_mean_surely_gone(self) -> None:
        """When the odds of having dropped out overflow a float, P(alive) is 0, not an error."""
        tiny_alpha = BetaGeoModel(BetaGeoParams(r=1, alpha=0.01, a=1, b=1), "week")
        gone = summary(200, 0.001, 400)
        assert tiny_alpha.p_alive(gone) == 0.0
        assert tiny_alpha.expected_purchases(gone, 10) == 0.0

    @pytest.mark.parametrize(
        ("params", "history", "t", "expected"),
        [
            # Pinned from mpmath (50 digits) with the textbook formula.
            ((0.243, 4.414, 0.793, 2.426), (3, 4, 5), 500, 21.163563864552536),
            ((2.0, 30.0, 1.5, 4.0), (12, 300, 320), 365, 7.282421537849545),
            # a = 1 is a removable singularity of the closed form.
            ((0.5, 3.0, 1.0, 2.5), (2, 10, 20), 15, 0.6246243534360719),
        ],
    )
    def test_expected_purchases_match_high_precision_values(
        self,
        params: tuple[float, float, float, float],
        history: tuple[int, float, float],
        t: float,
        expected: float,
    ) -> None:
        """The conditional expectation agrees with mpmath to 1e-10, long horizons included."""
        model = BetaGeoModel(BetaGeoParams(*params), "day")
        value = model.expected_purchases(summary(*history, unit="day"), t)
        assert math.isclose(value, expected, rel_tol=1e-10)

    @pytest.mark.parametrize(
        ("params", "t", "expected"),
        [
            ((0.243, 4.414, 0.793, 2.426), 5000, 11.987053076811554),
            # a + b = 1 makes the new-customer formula's 2F1 hit its pole (removable).
            ((0.5, 3.0, 0.4, 0.6), 10, 1.0324029878672751),
        ],
    )
    def test_new_customer_expectations_match_high_precision_values(
        self, params: tuple[float, float, float, float], t: float, expected: float
    ) -> None:
        """E[X(t)] for a new customer agrees with mpmath to 1e-10."""
        model = BetaGeoModel(BetaGeoParams(*params), "week")
        assert math.isclose(model.expected_purchases_new(t), expected, rel_tol=1e-10)

    def test_expectations_are_continuous_across_a_equal_to_one(self) -> None:
        """Just below, at and just above a = 1 the values line up."""
        values = [
            BetaGeoModel(BetaGeoParams(0.5, 3, a, 2.5), "week").expected_purchases(
                summary(2, 10, 20), 15
            )
            for a in (1 - 2e-4, 1 - 5e-5, 1.0, 1 + 5e-5, 1 + 2e-4)
        ]
        steps = [later - earlier for earlier, later in itertools.pairwise(values)]
        assert all(step < 0 for step in steps)  # larger a: more dropout, fewer purchases
        assert max(steps) / min(steps) < 4.5  # evenly spaced in a, so nearly linear

    def test_a_horizon_is_converted_to_the_models_unit(self) -> None:
        """3 months is the same span for a weekly and an equivalent daily model."""
        weekly = WEEKLY.expected_purchases(summary(2, 30, 38), Horizon(3, "months"))
        daily = DAILY.expected_purchases(summary(2, 210, 266, unit="day"), Horizon(3, "months"))
        assert math.isclose(weekly, daily, rel_tol=1e-12)
        assert WEEKLY.expected_purchases(summary(2, 30, 38), Horizon(2, "weeks")) == (
            WEEKLY.expected_purchases(summary(2, 30, 38), 2)
        )
        assert math.isclose(
            WEEKLY.expected_purchases_new(Horizon(1, "years")),
            WEEKLY.expected_purchases_new(365.25 / 7),
        )

    def test_nothing_is_expected_in_no_time(self) -> None:
        """No time, no purchases."""
        assert WEEKLY.expected_purchases(summary(2, 30, 38), 0) == 0
        assert WEEKLY.expected_purchases_new(0) == 0

    def test_a_summary_in_another_unit_is_refused(self) -> None:
        """A daily summary on a weekly model would be read 7 times too long; it is refused."""
        with pytest.raises(ValidationError, match="summary is in days but the model in weeks"):
            WEEKLY.p_alive(summary(2, 30, 38, unit="day"))
        with pytest.raises(ValidationError, match="expected a CustomerSummary"):
            WEEKLY.expected_purchases((2, 30, 38), 10)  # type: ignore[arg-type]

    @pytest.mark.parametrize("t", [-1, math.inf, math.nan, "10", None, True])
    def test_bad_times_are_refused(self, t: object) -> None:
        """A time is a finite number >= 0 or a Horizon."""
        with pytest.raises(ValidationError, match="t: "):
            WEEKLY.expected_purchases_new(t)  # type: ignore[arg-type]


class TestProbabilityOfPurchases:
    @pytest.mark.parametrize("t", [1.0, 39.0, 78.0])
    def test_the_distribution_sums_to_one_with_the_expected_mean(self, t: float) -> None:
        """Σ P(X(t) = n) = 1 and Σ n P(X(t) = n) = E[X(t)]."""
        probabilities = [WEEKLY.probability_of_purchases(n, t) for n in range(400)]
        assert math.isclose(math.fsum(probabilities), 1, rel_tol=1e-9)
        mean = math.fsum(n * p for n, p in enumerate(probabilities))
        assert math.isclose(mean, WEEKLY.expected_purchases_new(t), rel_tol=1e-8)

    def test_nobody_buys_in_no_time(self) -> None:
        """At t = 0, zero purchases is certain."""
        assert WEEKLY.probability_of_purchases(0, 0) == 1.0
        assert WEEKLY.probability_of_purchases(3, 0) == 0.0

    def test_a_high_count_uses_the_upper_tail(self) -> None:
        """Far in the tail the probability is tiny but positive, not a rounding artefact."""
        value = WEEKLY.probability_of_purchases(60, 10)
        assert 0 < value < 1e-12

    @pytest.mark.parametrize("n", [-1, 1.5, True, "2"])
    def test_bad_counts_are_refused(self, n: object) -> None:
        """The count is an int >= 0."""
        with pytest.raises(ValidationError, match="n: "):
            WEEKLY.probability_of_purchases(n, 5)  # type: ignore[arg-type]


class TestFit:
    def test_fit_recovers_simulated_parameters(self) -> None:
        """5,000 simulated customers give r, alpha, the mean rate and mean dropout back."""
        fitted = BetaGeoModel.fit(simulate(5000, seed=1)).params
        assert fitted.r == pytest.approx(0.5, rel=0.1)
        assert fitted.alpha == pytest.approx(10, rel=0.15)
        assert fitted.r / fitted.alpha == pytest.approx(0.05, rel=0.1)
        # a and b alone are weakly identified; their mean dropout a / (a + b) is not.
        assert fitted.a / (fitted.a + fitted.b) == pytest.approx(0.8 / 3.3, rel=0.15)

    def test_a_warm_start_converges_in_a_step_or_two_to_the_same_maximum(self) -> None:
        """Starting at yesterday's estimate is cheap and lands on the same parameters."""
        data = simulate(1000, seed=2)
        cold = BetaGeoModel.fit(data)
        warm = BetaGeoModel.fit(data, initial=cold.params)
        assert warm.iterations <= 2
        assert warm.params.r == pytest.approx(cold.params.r, rel=1e-8)
        assert warm.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-12)

    def test_identical_histories_are_weighted_not_repeated(self) -> None:
        """Each customer counted once or the data duplicated give the same estimates."""
        data = simulate(800, seed=3)
        once = BetaGeoModel.fit(data)
        twice = BetaGeoModel.fit(data + data)
        assert twice.params.alpha == pytest.approx(once.params.alpha, rel=1e-7)
        assert twice.log_likelihood == pytest.approx(2 * (once.log_likelihood or 0), rel=1e-10)

    def test_no_repeat_purchases_is_a_boundary_not_an_estimate(self) -> None:
        """Nobody buying again sends r to 0; the fit says so instead of returning garbage."""
        data = [summary(0, 0, 10 + n % 7) for n in range(50)]
        with pytest.raises(BoundaryError, match="no customer made a repeat purchase") as caught:
            BetaGeoModel.fit(data)
        assert (caught.value.parameter, caught.value.toward) == ("r", "0")
        assert isinstance(caught.value.params, BetaGeoParams)

    def test_customers_who_never_drop_out_put_the_maximum_on_the_boundary(self) -> None:
        """Without any dropout, b runs to infinity (p → 0): a BoundaryError names it."""
        with pytest.raises(BoundaryError) as caught:
            BetaGeoModel.fit(simulate(2000, seed=4, dropout=False))
        error = caught.value
        assert isinstance(error, ConvergenceError)
        assert isinstance(error, CustrelError)
        assert (error.parameter, error.toward) in {("b", "infinity"), ("a", "0")}
        assert f"runs to {error.toward}" in str(error)
        assert math.isfinite(error.log_likelihood)

    def test_too_few_iterations_raise_with_the_last_parameters(self) -> None:
        """A fit that runs out of steps raises ConvergenceError carrying where it got to."""
        with pytest.raises(ConvergenceError, match="did not converge in 1 iterations") as caught:
            BetaGeoModel.fit(simulate(300, seed=5), max_iterations=1)
        assert isinstance(caught.value.params, BetaGeoParams)
        assert caught.value.iterations == 1
        assert "last parameters r=" in str(caught.value)

    def test_bad_summaries_are_refused(self) -> None:
        """No summaries, mixed units and other values are refused before fitting."""
        with pytest.raises(ValidationError, match="no customers to fit"):
            BetaGeoModel.fit([])
        with pytest.raises(ValidationError, match="summaries mix units"):
            BetaGeoModel.fit([summary(1, 2, 3), summary(1, 2, 3, unit="day")])
        with pytest.raises(ValidationError, match="expected CustomerSummary"):
            BetaGeoModel.fit([(1, 2, 3)])  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="params: expected BetaGeoParams"):
            BetaGeoModel.fit([summary(1, 2, 3)], initial=(1, 1, 1, 1))  # type: ignore[arg-type]


history = st.tuples(
    st.integers(min_value=0, max_value=60),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0.01, max_value=400),
).map(lambda v: summary(v[0], v[1] * v[2] if v[0] else 0.0, v[2]))
params = st.builds(
    BetaGeoParams,
    r=st.floats(min_value=0.01, max_value=20),
    alpha=st.floats(min_value=0.01, max_value=200),
    a=st.floats(min_value=0.01, max_value=20),
    b=st.floats(min_value=0.01, max_value=50),
)


class TestModelProperties:
    @settings(deadline=None, max_examples=200)
    @given(params=params, customer=history)
    def test_p_alive_is_a_probability(
        self, params: BetaGeoParams, customer: CustomerSummary
    ) -> None:
        """P(alive) lies in [0, 1]."""
        assert 0 <= BetaGeoModel(params, "week").p_alive(customer) <= 1

    @settings(deadline=None, max_examples=100)
    @given(
        params=params,
        customer=history,
        times=st.lists(st.floats(min_value=0, max_value=500), min_size=2, max_size=4),
    )
    def test_expected_purchases_grow_with_the_horizon(
        self, params: BetaGeoParams, customer: CustomerSummary, times: list[float]
    ) -> None:
        """E[purchases in t] is >= 0 and never falls as t grows."""
        model = BetaGeoModel(params, "week")
        values = [model.expected_purchases(customer, t) for t in sorted(times)]
        assert values[0] >= 0
        for earlier, later in itertools.pairwise(values):
            assert later >= earlier * (1 - 1e-9)

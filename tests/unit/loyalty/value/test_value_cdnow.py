"""The published CDNOW results (Fader, Hardie and Lee 2005; Fader and Hardie 2013), reproduced."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from value_support import (
    CALIBRATION_END,
    OBSERVATION_END,
    cdnow_calibration_rows,
    cdnow_rows,
)

from custrel.loyalty import (
    BetaGeoModel,
    BetaGeoParams,
    CustomerSummary,
    GammaGammaModel,
    calibration_and_holdout,
    summarize,
)

PAPER = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def weekly() -> dict[str, CustomerSummary]:
    return summarize(cdnow_calibration_rows(), observation_end=CALIBRATION_END, unit="week")


@pytest.fixture(scope="module")
def fitted(weekly: dict[str, CustomerSummary]) -> BetaGeoModel:
    return BetaGeoModel.fit(weekly.values())


def close(value: float, published: float, relative: float = 0.005) -> bool:
    return math.isclose(value, published, rel_tol=relative)


class TestCdnowSummaries:
    def test_the_calibration_period_has_the_papers_counts(
        self, weekly: dict[str, CustomerSummary]
    ) -> None:
        """2,357 customers, 946 repeat buyers and 2,457 repeat purchases in 39 weeks."""
        assert len(weekly) == 2357
        assert sum(1 for s in weekly.values() if s.frequency) == 946
        assert sum(s.frequency for s in weekly.values()) == 2457

    def test_the_papers_example_customer_is_customer_one(
        self, weekly: dict[str, CustomerSummary]
    ) -> None:
        """Sample customer 0001 is the paper's x = 2, t_x = 30.43, T = 38.86 (days / 7)."""
        first = weekly["0001"]
        assert (first.frequency, round(first.recency, 2), round(first.T, 2)) == (2, 30.43, 38.86)
        assert first.monetary == Decimal("22.345")

    def test_the_holdout_period_has_the_papers_repeat_purchases(self) -> None:
        """The 39-week holdout (to 1998-06-30) holds 1,882 purchase occasions of the cohort."""
        split = calibration_and_holdout(
            cdnow_rows(), calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END,
            unit="week",
        )  # fmt: skip
        assert len(split) == 2357
        assert sum(s.frequency for s in split.values()) == 1882
        assert {s.duration for s in split.values()} == {39.0}


class TestCdnowBetaGeo:
    def test_fit_reproduces_the_published_parameters(self, fitted: BetaGeoModel) -> None:
        """The fit gives r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, each within 0.5 %."""
        params = fitted.params
        assert close(params.r, 0.243)
        assert close(params.alpha, 4.414)
        assert close(params.a, 0.793)
        assert close(params.b, 2.426)
        assert fitted.unit == "week"

    def test_fit_reproduces_the_published_log_likelihood(self, fitted: BetaGeoModel) -> None:
        """The maximised log-likelihood is -9582.4 (within 0.1)."""
        assert fitted.log_likelihood is not None
        assert abs(fitted.log_likelihood - -9582.4) <= 0.1

    def test_the_example_customer_at_the_papers_parameters(self) -> None:
        """With x = 2, t_x = 30.43, T = 38.86: P(alive) = 0.7266, 1.226 purchases in 39 weeks."""
        model = BetaGeoModel(PAPER, "week")
        customer = CustomerSummary("example", 2, 30.43, 38.86, Decimal(0), "week")
        assert round(model.p_alive(customer), 4) == 0.7266
        assert round(model.expected_purchases(customer, 39), 3) == 1.226

    def test_a_new_customers_expected_purchases(self, fitted: BetaGeoModel) -> None:
        """E[X(1)] = 0.0532 and E[X(78)] = 1.858 purchases for a new customer."""
        assert round(fitted.expected_purchases_new(1), 4) == 0.0532
        assert round(fitted.expected_purchases_new(78), 3) == 1.858

    def test_a_daily_fit_is_the_weekly_fit_on_another_time_axis(self, fitted: BetaGeoModel) -> None:
        """In days alpha is 7 times larger, r, a, b are equal, and log L shifts by Σx·ln 7."""
        daily = BetaGeoModel.fit(
            summarize(cdnow_calibration_rows(), observation_end=CALIBRATION_END).values()
        )
        assert daily.unit == "day"
        assert math.isclose(daily.params.alpha, 7 * fitted.params.alpha, rel_tol=1e-7)
        for name in ("r", "a", "b"):
            assert math.isclose(
                getattr(daily.params, name), getattr(fitted.params, name), rel_tol=1e-7
            )
        assert daily.log_likelihood is not None
        assert fitted.log_likelihood is not None
        shift = 2457 * math.log(7)
        assert math.isclose(daily.log_likelihood, fitted.log_likelihood - shift, rel_tol=1e-10)


class TestCdnowGammaGamma:
    def test_fit_reproduces_the_published_parameters(
        self, weekly: dict[str, CustomerSummary]
    ) -> None:
        """On the 946 repeat buyers: p = 6.25, q = 3.74, gamma = 15.44, each within 0.5 %."""
        params = GammaGammaModel.fit(weekly.values()).params
        assert close(params.p, 6.25)
        assert close(params.q, 3.74)
        assert close(params.gamma, 15.44)

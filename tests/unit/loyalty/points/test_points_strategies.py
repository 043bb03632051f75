import json

import pendulum
import pytest
from hypothesis import given, settings

from custrel.errors import ValidationError
from custrel.loyalty import LoyaltyScorer, LoyaltySignals, Order, PointsAccount
from custrel.testing.strategies import loyalty_orders, loyalty_signals, points_accounts

LATER = pendulum.datetime(2030, 1, 1, tz="UTC")


class TestLoyaltyStrategies:
    @settings(deadline=None, max_examples=60)
    @given(points_accounts())
    def test_drawn_ledgers_round_trip_and_balance(self, account: PointsAccount) -> None:
        """Drawn ledgers survive JSON and keep their books balanced at any instant."""
        assert PointsAccount.from_dict(json.loads(json.dumps(account.to_dict()))) == account
        totals = account.totals(LATER)
        assert totals.available + totals.pending == (
            totals.awarded - totals.redeemed - totals.reversed - totals.settled - totals.expired
        )
        assert min(totals.available, totals.pending, totals.debt) >= 0

    @settings(deadline=None, max_examples=60)
    @given(loyalty_orders(customer_id="k-7", currency="EUR"))
    def test_drawn_orders_are_valid_orders(self, order: Order) -> None:
        """Drawn orders have the customer, currency and 1-4 lines asked for."""
        assert order.customer_id == "k-7"
        assert order.currency == "EUR"
        assert 1 <= len(order.lines) <= 4

    @settings(deadline=None, max_examples=100)
    @given(loyalty_signals())
    def test_drawn_signals_score_or_say_why_not(self, signals: LoyaltySignals) -> None:
        """Any drawn signals are valid: they score from 0 to 100, or nothing is known."""
        try:
            score = LoyaltyScorer().score(signals)
        except ValidationError:
            with pytest.raises(ValidationError, match="nothing to score"):
                LoyaltyScorer().score(signals)
            return
        assert 0 <= score.score <= 100
        assert LoyaltySignals.from_mapping(signals.to_dict()) == signals
        assert score.score == pytest.approx(LoyaltyScorer().score(signals.to_dict()).score)

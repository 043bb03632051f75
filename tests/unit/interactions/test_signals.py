import datetime as dt
from typing import Any

import pendulum

from custrel.interactions import Interaction, loyalty_signals

NOW = pendulum.datetime(2026, 11, 23, 12, 0, tz="Europe/Oslo")


def contact(number: int, at: pendulum.DateTime, **fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": f"m-{number}",
        "customer_id": "k-1",
        "at": at,
        "channel": "email",
        "direction": "outbound",
        "kind": "marketing",
    }
    return Interaction(**(values | fields))


class TestLoyaltySignals:
    def test_no_contacts_gives_zero_counts_and_no_scores(self) -> None:
        """Counts are known to be zero; scores are left out when there are none."""
        assert loyalty_signals([], at=NOW) == {
            "contacts_last_30_days": 0,
            "negative_contacts_90_days": 0,
        }

    def test_outbound_contacts_of_the_last_30_days_count(self) -> None:
        """Outbound contacts in the 30 x 24 hours up to now count; not inbound or older ones."""
        signals = loyalty_signals(
            [
                contact(1, NOW),
                contact(2, NOW - dt.timedelta(days=30)),  # crosses the end of DST: 30 x 24 h
                contact(3, NOW - dt.timedelta(days=30, seconds=1)),
                contact(4, NOW.subtract(days=1), direction="inbound"),
                contact(5, NOW.add(minutes=1)),  # after "now": not yet
            ],
            at=NOW,
        )
        assert signals["contacts_last_30_days"] == 2

    def test_negative_contacts_of_the_last_90_days_count(self) -> None:
        """Complaints and negative sentiment within 90 days count, once each."""
        signals = loyalty_signals(
            [
                contact(1, NOW, kind="complaint", direction="inbound"),
                contact(2, NOW.subtract(days=89), sentiment=-1),
                contact(3, NOW.subtract(days=91), sentiment=-2),
                contact(4, NOW.subtract(days=2), sentiment=0),
                contact(5, NOW.subtract(days=2), kind="complaint", sentiment=-2),
            ],
            at=NOW,
        )
        assert signals["negative_contacts_90_days"] == 3

    def test_feedback_scores_oldest_first(self) -> None:
        """CSAT and NPS scores of feedback contacts are listed in time order."""
        signals = loyalty_signals(
            [
                contact(1, NOW.subtract(days=1), kind="feedback", csat=4, nps=9),
                contact(2, NOW.subtract(days=400), kind="feedback", csat=2),
                contact(3, NOW.subtract(days=3), kind="feedback", nps=6),
            ],
            at=NOW,
        )
        assert signals["csat_scores"] == (2, 4)
        assert signals["nps_scores"] == (6, 9)

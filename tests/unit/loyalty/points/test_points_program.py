import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from custrel.errors import PolicyError, ValidationError
from custrel.loyalty import (
    Downgrade,
    Expiry,
    LoyaltyProgram,
    QualifyingWindow,
    Shortfall,
    Tier,
    TierBasis,
)

TIERS = [
    Tier("member"),
    Tier("silver", 1000, multiplier=Decimal("1.25"), discount=5),
    Tier("gold", 5000, multiplier=Decimal("1.5"), discount=10),
]


def program(**fields: object) -> LoyaltyProgram:
    settings: dict[str, object] = {"currency": "NOK", "tiers": TIERS}
    settings.update(fields)
    return LoyaltyProgram(**settings)


class TestProgramValidation:
    def test_a_complete_program_builds(self) -> None:
        """Every setting given explicitly builds a program that keeps them."""
        built = program(
            points_per_unit=Decimal("0.1"),
            category_rates={"books": 2, "gift-cards": 0},
            return_window=dt.timedelta(days=30),
            expiry=Expiry.end_of_month(12),
            tier_basis="spend",
            tier_window=QualifyingWindow.calendar_year(),
            downgrade=Downgrade.end_of_period(),
            shortfall="forgive",
            expiry_warning=14,
            timezone="Europe/Oslo",
            name="Klubben",
        )
        assert built.currency == "NOK"
        assert built.rate_for("books") == 2
        assert built.rate_for("toys") == Decimal("0.1")
        assert built.tier_basis is TierBasis.SPEND
        assert built.shortfall is Shortfall.FORGIVE
        assert built.expiry_warning == dt.timedelta(days=14)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"currency": "XYZ"}, "currency"),
            ({"points_per_unit": -1}, "points_per_unit"),
            ({"points_per_unit": 0.1}, "points_per_unit"),
            ({"points_per_unit": "NaN"}, "points_per_unit"),
            ({"points_per_unit": "one"}, "points_per_unit"),
            ({"points_per_unit": [1]}, "points_per_unit"),
            ({"tiers": "member"}, "tiers"),
            ({"category_rates": {"books": -2}}, "category_rates['books']"),
            ({"category_rates": {" books": 2}}, "category_rates"),
            ({"category_rates": [("books", 2)]}, "category_rates"),
            ({"return_window": -1}, "return_window"),
            ({"return_window": "14 days"}, "return_window"),
            ({"expiry": "yearly"}, "expiry"),
            ({"tiers": []}, "tiers"),
            ({"tiers": [Tier("silver", 1000)]}, "tiers"),
            ({"tiers": [Tier("member"), Tier("gold", 5000), Tier("silver", 1000)]}, "tiers"),
            ({"tiers": [Tier("member"), Tier("member", 10)]}, "tiers"),
            ({"tiers": ["member"]}, "tiers"),
            ({"tier_basis": "visits"}, "tier_basis"),
            ({"tier_window": 365}, "tier_window"),
            ({"downgrade": "never"}, "downgrade"),
            ({"shortfall": "ignore"}, "shortfall"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"name": " "}, "name"),
        ],
    )
    def test_bad_settings_raise_policy_error_naming_the_field(
        self, fields: dict[str, object], field: str
    ) -> None:
        """A bad setting fails when the program is built, naming the field."""
        with pytest.raises(PolicyError) as raised:
            program(**fields)
        assert raised.value.field == field

    def test_end_of_period_downgrade_needs_an_anchored_window(self) -> None:
        """A downgrade at the end of the period is refused with a rolling window."""
        with pytest.raises(PolicyError, match="anchored"):
            program(tier_window=QualifyingWindow.rolling(365), downgrade=Downgrade.end_of_period())

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: Tier(""), "name"),
            (lambda: Tier("gold", -1), "threshold"),
            (lambda: Tier("gold", 1.5), "threshold"),
            (lambda: Tier("gold", 10, multiplier=0), "multiplier"),
            (lambda: Tier("gold", 10, discount=100), "discount"),
            (lambda: Expiry.after_days(0), "count"),
            (lambda: Expiry.end_of_month(-1), "count"),
            (lambda: Expiry("weekly"), "kind"),
            (lambda: QualifyingWindow.rolling(0), "length"),
            (lambda: QualifyingWindow("monthly"), "kind"),
            (lambda: Downgrade.after_grace(0), "grace"),
            (lambda: Downgrade("later"), "kind"),
        ],
    )
    def test_bad_parts_raise_policy_error(self, build: object, field: str) -> None:
        """Tiers, expiry rules, windows and downgrade policies validate when built."""
        with pytest.raises(PolicyError) as raised:
            build()  # type: ignore[operator]
        assert raised.value.field == field


class TestTierLookup:
    def test_tier_by_name(self) -> None:
        """A tier is found by name, with its rank from the bottom."""
        built = program()
        assert built.tier("silver").discount == 5
        assert built.rank("gold") == 2

    def test_unknown_tier_raises_validation_error_listing_the_tiers(self) -> None:
        """Asking for a tier the program lacks names the tiers it has."""
        with pytest.raises(ValidationError, match=r"\['member', 'silver', 'gold'\]"):
            program().tier("platinum")


class TestDescribe:
    def test_describe_tells_staff_the_rules(self) -> None:
        """describe() states earning, rounding, pending, expiry, redemption order, tiers."""
        text = program(
            category_rates={"books": 2, "gift-cards": 0},
            return_window=14,
            expiry=Expiry.end_of_year(1),
            tier_window=QualifyingWindow.calendar_year(),
            downgrade=Downgrade.end_of_period(),
        ).describe()
        assert "Earn 1 point per NOK (books: 2 per NOK, gift-cards: no points)" in text
        assert "rounded down per order line" in text
        assert "pending for 14 days" in text
        assert "end of the year after the one in which they become available" in text
        assert "expire first" in text
        assert "silver from 1000 (x1.25 points, 5% member discount)" in text
        assert "kept until the end of the next year" in text
        assert "owed" in text

    @pytest.mark.parametrize(
        ("rule", "text"),
        [
            (Expiry.never(), "never expire"),
            (Expiry.after_days(365), "365 days after"),
            (Expiry.end_of_month(0), "end of the month in which"),
            (Expiry.end_of_month(12), "month 12 months after"),
            (Expiry.end_of_year(0), "end of the year in which"),
        ],
    )
    def test_expiry_rules_describe_themselves(self, rule: Expiry, text: str) -> None:
        """Each expiry rule says when points expire."""
        assert text in rule.describe()

    def test_downgrades_and_windows_describe_themselves(self) -> None:
        """Grace periods and rolling windows are described with their length."""
        assert "90 days" in Downgrade.after_grace(90).describe()
        assert "as soon as" in Downgrade.immediate().describe()
        assert QualifyingWindow.rolling(180).describe() == "the last 180 days"
        forgiving = program(shortfall="forgive", points_per_unit=2).describe()
        assert "written off" in forgiving
        assert "Earn 2 points per NOK" in forgiving
        assert "pending" not in forgiving
        assert (
            "pending for 1 day, 12:00:00"
            in program(return_window=dt.timedelta(hours=36)).describe()
        )


class TestExpiryInstants:
    def test_after_days_keeps_the_wall_time_across_daylight_saving(self) -> None:
        """30 days after 12:00 before the spring change is 12:00 local time after it."""
        available = pendulum.datetime(2026, 3, 20, 12, tz="Europe/Oslo")
        expires = Expiry.after_days(30).expires_at(available, "Europe/Oslo")
        assert expires == pendulum.datetime(2026, 4, 19, 12, tz="Europe/Oslo")

    def test_end_of_month_is_local_midnight_starting_the_next_month(self) -> None:
        """End of month N months later: the first instant of the month after, locally."""
        available = pendulum.datetime(2026, 1, 31, 23, 30, tz="Europe/Oslo")
        assert Expiry.end_of_month(0).expires_at(available, "Europe/Oslo") == pendulum.datetime(
            2026, 2, 1, tz="Europe/Oslo"
        )
        assert Expiry.end_of_month(12).expires_at(available, "Europe/Oslo") == pendulum.datetime(
            2027, 2, 1, tz="Europe/Oslo"
        )

    def test_end_of_year_uses_the_programs_zone(self) -> None:
        """A UTC instant that is already next year in Oslo counts in Oslo's year."""
        available = pendulum.datetime(2026, 12, 31, 23, 30, tz="UTC")  # 00:30 on 1 Jan in Oslo
        assert Expiry.end_of_year(0).expires_at(available, "Europe/Oslo") == pendulum.datetime(
            2028, 1, 1, tz="Europe/Oslo"
        )
        assert Expiry.never().expires_at(available, "UTC") is None

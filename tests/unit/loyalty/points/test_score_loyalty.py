import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import PolicyError, ValidationError
from custrel.loyalty import (
    DEFAULT_SCORE_WEIGHTS,
    SCORE_COMPONENTS,
    SIGNAL_NAMES,
    ChurnRules,
    LoyaltyScorer,
    LoyaltySignals,
    ScoreBand,
    ScoreScales,
)

EVERYTHING = LoyaltySignals(
    recency_days=12,
    frequency=4,
    monetary=Decimal(500),
    p_alive=0.9,
    tenure_days=365,
    csat_scores=(5, 4, 3, 5),
    nps_scores=(10, 9, 6, 8),
    complaints=2,
    complaints_resolved_in_sla=2,
    apologies_given=1,
    promises_made=5,
    promises_kept=4,
    referrals_made=3,
    referrals_converted=1,
    contacts_last_30_days=2,
    negative_contacts_90_days=1,
)


class TestSignals:
    def test_the_signal_names_are_the_shared_vocabulary(self) -> None:
        """Signals are named exactly as the areas contribute them."""
        assert SIGNAL_NAMES == (
            "recency_days",
            "frequency",
            "monetary",
            "p_alive",
            "tenure_days",
            "csat_scores",
            "nps_scores",
            "complaints",
            "complaints_resolved_in_sla",
            "apologies_given",
            "promises_made",
            "promises_kept",
            "referrals_made",
            "referrals_converted",
            "contacts_last_30_days",
            "negative_contacts_90_days",
        )

    def test_signals_round_trip_through_a_mapping(self) -> None:
        """from_mapping reads what to_dict writes; unknown signals stay None."""
        assert LoyaltySignals.from_mapping(EVERYTHING.to_dict()) == EVERYTHING
        partial = LoyaltySignals.from_mapping({"p_alive": 0.5, "monetary": 12.5})
        assert partial.supplied() == ("monetary", "p_alive")
        assert partial.monetary == Decimal("12.5")

    @pytest.mark.parametrize(
        ("signals", "field"),
        [
            ({"recency_days": -1}, "recency_days"),
            ({"recency_days": math.nan}, "recency_days"),
            ({"recency_days": "3"}, "recency_days"),
            ({"monetary": [1]}, "monetary"),
            ({"frequency": 1.5}, "frequency"),
            ({"frequency": True}, "frequency"),
            ({"monetary": "lots"}, "monetary"),
            ({"monetary": -3}, "monetary"),
            ({"monetary": math.inf}, "monetary"),
            ({"p_alive": 1.2}, "p_alive"),
            ({"csat_scores": (6,)}, "csat_scores"),
            ({"csat_scores": "5"}, "csat_scores"),
            ({"nps_scores": (11,)}, "nps_scores"),
            ({"complaints": -1}, "complaints"),
            ({"loyalty": 3}, "signals"),
        ],
    )
    def test_bad_signals_are_refused(self, signals: dict[str, object], field: str) -> None:
        """Malformed or unknown signals raise ValidationError naming the signal."""
        with pytest.raises(ValidationError) as raised:
            LoyaltySignals.from_mapping(signals)
        assert raised.value.field == field

    def test_a_mapping_is_required(self) -> None:
        """Signals come as a mapping of names."""
        with pytest.raises(ValidationError, match="mapping"):
            LoyaltySignals.from_mapping([("p_alive", 1)])  # type: ignore[arg-type]


class TestScore:
    def test_contributions_add_up_to_the_score(self) -> None:
        """Every component contributes weight x value, and the contributions sum to the score."""
        result = LoyaltyScorer().score(EVERYTHING)
        assert [item.component for item in result.contributions] == list(SCORE_COMPONENTS)
        assert result.left_out == ()
        assert sum(item.points for item in result.contributions) == pytest.approx(result.score)
        assert sum(item.weight for item in result.contributions) == pytest.approx(1)
        for item in result.contributions:
            assert item.points == pytest.approx(100 * item.weight * item.value)
            assert item.maximum == pytest.approx(DEFAULT_SCORE_WEIGHTS[item.component])

    def test_each_contribution_explains_itself(self) -> None:
        """Each component says which signals gave its value, in one line."""
        result = LoyaltyScorer().score(EVERYTHING)
        explained = {item.component: item.explanation for item in result.contributions}
        assert explained["recency"] == "last purchase 12 days ago (counts half after 90 days)"
        assert explained["frequency"] == "4 repeat purchases (4 for half marks)"
        assert explained["satisfaction"] == (
            "CSAT 75% (3 of 4 answers 4-5); NPS +25 (2 promoters, 1 detractor in 4 answers)"
        )
        assert explained["complaint_recovery"] == (
            "2 complaints: 2 resolved within the SLA, 1 with an apology"
        )
        assert explained["promises_kept"] == "4 of 5 promises kept"
        assert explained["referrals"] == "3 referrals made, 1 converted"
        assert explained["contact_fatigue"] == (
            "2 outbound contacts in 30 days (limit 8); 1 negative contact in 90 days"
        )
        assert "\n" not in "".join(explained.values())
        assert result.explain().startswith(f"Loyalty score {result.score:.1f} ({result.band})")

    def test_component_values_follow_their_reference_scales(self) -> None:
        """Half-life recency, saturating counts, CSAT top-two share, NPS, recovery shares."""
        values = {
            item.component: item.value for item in LoyaltyScorer().score(EVERYTHING).contributions
        }
        assert values["recency"] == pytest.approx(0.5 ** (12 / 90))
        assert values["frequency"] == pytest.approx(0.5)
        assert values["monetary"] == pytest.approx(0.5)
        assert values["p_alive"] == pytest.approx(0.9)
        assert values["tenure"] == pytest.approx(0.5)
        assert values["satisfaction"] == pytest.approx((0.75 + (0.25 + 1) / 2) / 2)
        assert values["complaint_recovery"] == pytest.approx((1 + 0.5) / 2)
        assert values["promises_kept"] == pytest.approx(0.8)
        assert values["referrals"] == pytest.approx(2 / 3)
        assert values["contact_fatigue"] == pytest.approx((0.75 + 0.5) / 2)

    def test_unknown_signals_are_left_out_not_counted_as_zero(self) -> None:
        """A missing signal drops its component and the other weights are renormalised."""
        scorer = LoyaltyScorer()
        only_recent = scorer.score(LoyaltySignals(recency_days=0))
        assert only_recent.score == pytest.approx(100)
        assert only_recent.contributions[0].weight == pytest.approx(1)
        assert "p_alive" in only_recent.left_out
        zero_frequency = scorer.score(LoyaltySignals(recency_days=0, frequency=0))
        assert zero_frequency.score == pytest.approx(100 * 15 / 27)

    def test_renormalising_equals_the_weighted_mean_of_known_components(self) -> None:
        """With two known components the score is their weighted mean."""
        result = LoyaltyScorer().score({"p_alive": 0.4, "tenure_days": 365})
        assert result.score == pytest.approx(100 * (15 * 0.4 + 5 * 0.5) / 20)

    def test_no_complaints_means_no_recovery_component(self) -> None:
        """Without complaints there is nothing to recover from: neither credit nor blame."""
        result = LoyaltyScorer().score({"complaints": 0, "apologies_given": 0, "p_alive": 1})
        assert "complaint_recovery" in result.left_out
        assert result.contribution("complaint_recovery") is None

    def test_parts_larger_than_their_whole_count_as_the_whole(self) -> None:
        """More apologies than complaints (a reopened case) scores as every complaint."""
        result = LoyaltyScorer().score(
            {"complaints": 1, "apologies_given": 2, "promises_made": 1, "promises_kept": 2}
        )
        values = {item.component: item.value for item in result.contributions}
        assert values == {"complaint_recovery": 1.0, "promises_kept": 1.0}

    def test_nothing_to_score_raises(self) -> None:
        """With no known weighted signal there is no score."""
        with pytest.raises(ValidationError, match="nothing to score"):
            LoyaltyScorer().score(LoyaltySignals())
        scorer = LoyaltyScorer(weights={"p_alive": 1})
        with pytest.raises(ValidationError, match="nothing to score"):
            scorer.score({"recency_days": 3})

    @pytest.mark.parametrize(
        ("score_of", "band"),
        [
            (0.0, "at risk"),
            (0.35, "neutral"),
            (0.55, "loyal"),
            (0.75, "very loyal"),
            (1.0, "very loyal"),
        ],
    )
    def test_bands_start_at_their_minimum(self, score_of: float, band: str) -> None:
        """A score exactly at a band's minimum is in that band."""
        assert LoyaltyScorer().score({"p_alive": score_of}).band == band

    def test_custom_weights_scales_and_bands(self) -> None:
        """Weights, scales and bands given in code change the result accordingly."""
        scorer = LoyaltyScorer(
            weights={"frequency": 1, "monetary": 3},
            scales=ScoreScales(frequency_half=1, monetary_half=100),
            bands=[ScoreBand("gold", 50), ScoreBand("rest", 0)],
        )
        result = scorer.score({"frequency": 1, "monetary": Decimal(100), "p_alive": 0})
        assert result.score == pytest.approx(50)
        assert result.band == "gold"
        assert "p_alive" in result.left_out
        assert "frequency 25%, monetary 75%" in scorer.describe()


class TestChurnRisk:
    def test_a_healthy_customer_is_not_flagged(self) -> None:
        """No churn rule fires for a recent, satisfied, alive customer."""
        result = LoyaltyScorer().score(EVERYTHING)
        assert result.churn_risk is False
        assert result.churn_reasons == ()

    def test_each_rule_gives_its_reason(self) -> None:
        """Every rule that fires adds a one-line reason."""
        result = LoyaltyScorer().score(
            {
                "p_alive": 0.2,
                "recency_days": 200,
                "csat_scores": (1, 2, 5),
                "nps_scores": (0, 3, 10),
                "complaints": 3,
                "complaints_resolved_in_sla": 1,
                "promises_made": 4,
                "promises_kept": 1,
                "negative_contacts_90_days": 2,
                "contacts_last_30_days": 9,
            }
        )
        assert result.churn_risk is True
        assert result.churn_reasons == (
            "P(alive) 0.20 is below 0.5",
            "no purchase for 200 days (more than 180)",
            f"loyalty score {result.score:.1f} is below 35",
            "only 33% of satisfaction answers were 4-5",
            "NPS -33 is below +0",
            "2 of 3 complaints not resolved within the SLA",
            "3 of 4 promises broken",
            "2 negative contacts in the last 90 days",
            "contacted 9 times in 30 days (fatigue limit 8)",
        )
        assert "churn risk: P(alive)" in result.explain()
        assert result.to_dict()["churn_reasons"] == list(result.churn_reasons)
        assert result.to_dict()["contributions"][0]["component"] == "recency"

    def test_rules_are_configurable(self) -> None:
        """Thresholds given in code decide what is flagged."""
        strict = LoyaltyScorer(churn=ChurnRules(p_alive_below=0.95, score_below=0))
        assert strict.score({"p_alive": 0.9}).churn_reasons == ("P(alive) 0.90 is below 0.95",)


class TestScorerValidation:
    @pytest.mark.parametrize(
        ("settings_", "field"),
        [
            ({"weights": {"loyalty": 1}}, "weights"),
            ({"weights": {"p_alive": -1}}, "weights['p_alive']"),
            ({"weights": {"p_alive": math.nan}}, "weights['p_alive']"),
            ({"weights": {"p_alive": True}}, "weights['p_alive']"),
            ({"weights": {"p_alive": 0}}, "weights"),
            ({"weights": [("p_alive", 1)]}, "weights"),
            ({"bands": []}, "bands"),
            ({"bands": [ScoreBand("a", 10)]}, "bands"),
            ({"bands": [ScoreBand("a", 0), ScoreBand("b", 50)]}, "bands"),
            ({"bands": [ScoreBand("a", 50), ScoreBand("a", 0)]}, "bands"),
            ({"bands": ["a"]}, "bands"),
            ({"scales": {"frequency_half": 2}}, "scales"),
            ({"churn": None}, "churn"),
        ],
    )
    def test_bad_scorers_fail_when_built(self, settings_: dict[str, object], field: str) -> None:
        """Unknown components, bad weights, unordered bands: PolicyError when built."""
        with pytest.raises(PolicyError) as raised:
            LoyaltyScorer(**settings_)
        assert raised.value.field == field

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: ScoreScales(frequency_half=0), "frequency_half"),
            (lambda: ScoreScales(monetary_half="500"), "monetary_half"),
            (lambda: ChurnRules(p_alive_below=2), "p_alive_below"),
            (lambda: ChurnRules(p_alive_below=False), "p_alive_below"),
            (lambda: ChurnRules(score_below=101), "score_below"),
            (lambda: ChurnRules(nps_below=-101), "nps_below"),
            (lambda: ScoreBand("", 10), "name"),
            (lambda: ScoreBand("x", -1), "minimum"),
        ],
    )
    def test_bad_scales_rules_and_bands_fail_when_built(self, build: object, field: str) -> None:
        """Scales, churn rules and bands validate their numbers."""
        with pytest.raises(PolicyError) as raised:
            build()  # type: ignore[operator]
        assert raised.value.field == field


signal_values = st.fixed_dictionaries(
    {},
    optional={
        "recency_days": st.floats(min_value=0, max_value=5000),
        "frequency": st.integers(min_value=0, max_value=200),
        "monetary": st.decimals(min_value=0, max_value=10**6, places=2),
        "p_alive": st.floats(min_value=0, max_value=1),
        "tenure_days": st.floats(min_value=0, max_value=20_000),
        "csat_scores": st.lists(st.integers(1, 5), max_size=6).map(tuple),
        "nps_scores": st.lists(st.integers(0, 10), max_size=6).map(tuple),
        "complaints": st.integers(0, 5),
        "complaints_resolved_in_sla": st.integers(0, 5),
        "apologies_given": st.integers(0, 5),
        "promises_made": st.integers(0, 5),
        "promises_kept": st.integers(0, 5),
        "referrals_made": st.integers(0, 5),
        "referrals_converted": st.integers(0, 5),
        "contacts_last_30_days": st.integers(0, 20),
        "negative_contacts_90_days": st.integers(0, 5),
    },
)


class TestScoreProperties:
    @settings(deadline=None, max_examples=300)
    @given(signal_values)
    def test_scores_stay_between_0_and_100_and_add_up(self, signals: dict[str, object]) -> None:
        """Any signals give a score from 0 to 100 whose contributions sum to it."""
        try:
            result = LoyaltyScorer().score(signals)
        except ValidationError:
            return  # nothing known to score
        assert 0 <= result.score <= 100
        assert sum(item.points for item in result.contributions) == pytest.approx(result.score)
        assert all(0 <= item.value <= 1 for item in result.contributions)
        assert set(result.left_out) | {item.component for item in result.contributions} == set(
            SCORE_COMPONENTS
        )

    @settings(deadline=None, max_examples=200)
    @given(signal_values, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
    def test_a_higher_p_alive_never_lowers_the_score(
        self, signals: dict[str, object], low: float, high: float
    ) -> None:
        """The score rises (or stays) with P(alive), everything else equal."""
        low, high = sorted((low, high))
        scorer = LoyaltyScorer()
        assert (
            scorer.score({**signals, "p_alive": low}).score
            <= scorer.score({**signals, "p_alive": high}).score + 1e-9
        )

import itertools
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import PolicyError, ValidationError
from custrel.loyalty import (
    DEFAULT_SEGMENT_MAP,
    CustomerSummary,
    RfmScore,
    Segment,
    SegmentMap,
    rfm_scores,
)


def customer(name: str, frequency: int, idle: float, monetary: str = "10") -> CustomerSummary:
    """A customer whose last purchase was *idle* days before the end of a 400-day window."""
    recency = 400 - idle if frequency else 0
    age = 400 if frequency else idle
    return CustomerSummary(name, frequency, recency, age, Decimal(monetary), "day")


class TestRfmScores:
    def test_distinct_values_fall_into_quintiles(self) -> None:
        """Ten customers with distinct values: two per score, best value scoring 5."""
        summaries = [customer(f"c{n}", n + 1, 100 - n, str(n)) for n in range(10)]
        scores = rfm_scores({s.customer_id: s for s in summaries})
        assert [scores[f"c{n}"].frequency for n in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        assert [scores[f"c{n}"].recency for n in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        assert [scores[f"c{n}"].monetary for n in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        assert scores["c9"].code == "555"

    def test_ties_share_the_score_of_their_lowest_rank(self) -> None:
        """Six of ten with frequency 0 all score 1; the next value scores 1 + 5 * 6 // 10 = 4."""
        summaries = [customer(f"z{n}", 0, 5) for n in range(6)]
        summaries += [customer("one", 1, 5), customer("one-b", 1, 5)]
        summaries += [customer("two", 2, 5), customer("three", 3, 5)]
        scores = rfm_scores(summaries)
        assert {scores[f"z{n}"].frequency for n in range(6)} == {1}
        assert (scores["one"].frequency, scores["one-b"].frequency) == (4, 4)
        assert (scores["two"].frequency, scores["three"].frequency) == (5, 5)
        assert {score.recency for score in scores.values()} == {1}  # everyone equally recent

    def test_other_bin_counts(self) -> None:
        """Three bins give scores 1 to 3."""
        scores = rfm_scores([customer(f"c{n}", n, 10) for n in range(9)], bins=3)
        assert sorted(score.frequency for score in scores.values()) == [1, 1, 1, 2, 2, 2, 3, 3, 3]
        assert {score.bins for score in scores.values()} == {3}

    def test_no_customers_no_scores(self) -> None:
        """An empty input gives an empty result."""
        assert rfm_scores([]) == {}

    @pytest.mark.parametrize("bins", [1, 0, 101, 2.5, True])
    def test_bad_bins_are_refused(self, bins: object) -> None:
        """Bins is an int from 2 to 100."""
        with pytest.raises(ValidationError, match="bins"):
            rfm_scores([customer("a", 1, 1)], bins=bins)  # type: ignore[arg-type]

    def test_summaries_in_different_units_are_refused(self) -> None:
        """Recency in days and in weeks cannot be ranked together."""
        weekly = CustomerSummary("w", 0, 0, 3, Decimal(0), "week")
        with pytest.raises(ValidationError, match="mix units"):
            rfm_scores([customer("d", 0, 3), weekly])
        with pytest.raises(ValidationError, match="expected CustomerSummary"):
            rfm_scores(["d"])  # type: ignore[list-item]

    def test_a_score_checks_its_range(self) -> None:
        """Scores lie in 1..bins."""
        with pytest.raises(ValidationError, match="recency"):
            RfmScore(6, 1, 1)
        with pytest.raises(ValidationError, match="monetary"):
            RfmScore(1, 1, 0)

    @settings(deadline=None, max_examples=100)
    @given(
        values=st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=5),
                st.integers(min_value=0, max_value=30),
                st.sampled_from(["0", "10", "10.5", "99"]),
            ),
            min_size=1,
            max_size=30,
        ),
        seed=st.integers(),
        bins=st.integers(min_value=2, max_value=10),
    )
    def test_scores_do_not_depend_on_input_order(
        self, values: list[tuple[int, int, str]], seed: int, bins: int
    ) -> None:
        """Shuffled input gives every customer the same scores; equal values, equal scores."""
        summaries = [customer(f"c{n}", *value) for n, value in enumerate(values)]
        shuffled = list(summaries)
        random.Random(seed).shuffle(shuffled)
        scores = rfm_scores(summaries, bins=bins)
        assert scores == rfm_scores(shuffled, bins=bins)
        for first, second in itertools.combinations(summaries, 2):
            if first.frequency == second.frequency:
                assert scores[first.customer_id].frequency == scores[second.customer_id].frequency
            elif first.frequency < second.frequency:
                assert scores[first.customer_id].frequency <= scores[second.customer_id].frequency


class TestDefaultSegments:
    def test_the_default_map_has_the_ten_common_segments(self) -> None:
        """Champions to hibernating, in rule order, with no fallback needed."""
        assert DEFAULT_SEGMENT_MAP.names == (
            "champions",
            "loyal",
            "potential loyalists",
            "new",
            "promising",
            "need attention",
            "about to sleep",
            "at risk",
            "can't lose them",
            "hibernating",
        )
        assert DEFAULT_SEGMENT_MAP.fallback is None

    @pytest.mark.parametrize(
        ("recency", "frequency", "segment"),
        [
            (5, 5, "champions"),
            (5, 4, "champions"),
            (4, 5, "loyal"),
            (3, 4, "loyal"),
            (5, 2, "potential loyalists"),
            (4, 3, "potential loyalists"),
            (5, 1, "new"),
            (4, 1, "promising"),
            (3, 3, "need attention"),
            (3, 1, "about to sleep"),
            (2, 4, "at risk"),
            (1, 3, "at risk"),
            (1, 5, "can't lose them"),
            (2, 5, "can't lose them"),
            (1, 1, "hibernating"),
            (2, 2, "hibernating"),
        ],
    )
    def test_cells_of_the_grid(self, recency: int, frequency: int, segment: str) -> None:
        """Each (R, F) cell lands in its segment whatever M is."""
        for monetary in (1, 5):
            assert DEFAULT_SEGMENT_MAP.segment(RfmScore(recency, frequency, monetary)) == segment

    def test_every_cell_has_exactly_one_segment(self) -> None:
        """The default rules are disjoint: no cell matches two rules."""
        for r, f in itertools.product(range(1, 6), repeat=2):
            score = RfmScore(r, f, 3)
            assert sum(rule.matches(score) for rule in DEFAULT_SEGMENT_MAP.rules) == 1

    def test_assign_segments_every_customer(self) -> None:
        """Assigning maps customer ids to segment names."""
        scores = {"a": RfmScore(5, 5, 5), "b": RfmScore(1, 1, 1)}
        assert DEFAULT_SEGMENT_MAP.assign(scores) == {"a": "champions", "b": "hibernating"}

    def test_a_score_from_other_bins_is_refused(self) -> None:
        """A 3-bin score cannot be read on a 5-bin map."""
        with pytest.raises(ValidationError, match="ranked into 3 bins, the map expects 5"):
            DEFAULT_SEGMENT_MAP.segment(RfmScore(3, 3, 3, bins=3))
        with pytest.raises(ValidationError, match="expected an RfmScore"):
            DEFAULT_SEGMENT_MAP.segment((5, 5, 5))  # type: ignore[arg-type]


class TestCustomSegmentMaps:
    def test_the_first_matching_rule_wins(self) -> None:
        """Overlapping rules: order decides, and the fallback takes the rest."""
        rules = SegmentMap(
            [Segment("big spenders", monetary=5), Segment("regulars", frequency=(3, 5))],
            fallback="others",
        )
        assert rules.segment(RfmScore(1, 5, 5)) == "big spenders"
        assert rules.segment(RfmScore(1, 5, 4)) == "regulars"
        assert rules.segment(RfmScore(5, 1, 1)) == "others"
        assert rules.names == ("big spenders", "regulars", "others")

    def test_a_map_without_fallback_must_cover_every_score(self) -> None:
        """A gap is found when the map is built, naming a score that falls through."""
        with pytest.raises(PolicyError, match="no rule matches the score 111"):
            SegmentMap([Segment("top", recency=(4, 5))])

    def test_a_rule_that_can_never_match_is_refused(self) -> None:
        """A rule shadowed by earlier ones is a mistake, caught when the map is built."""
        with pytest.raises(PolicyError, match="'champions' can never match"):
            SegmentMap(
                [Segment("anyone"), Segment("champions", recency=5, frequency=5)],
            )

    def test_names_must_be_unique(self) -> None:
        """Two rules, or a rule and the fallback, cannot share a name."""
        with pytest.raises(PolicyError, match="unique"):
            SegmentMap([Segment("a", recency=5), Segment("a", recency=4)], fallback="b")
        with pytest.raises(PolicyError, match="unique"):
            SegmentMap([Segment("a", recency=5)], fallback="a")

    def test_ranges_must_fit_the_bins(self) -> None:
        """A range beyond the map's bins is refused."""
        with pytest.raises(PolicyError, match="beyond 3 bins"):
            SegmentMap([Segment("a", recency=(1, 5))], bins=3)

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"name": ""}, "name"),
            ({"name": "a", "recency": (3, 2)}, "low <= high"),
            ({"name": "a", "frequency": (0, 2)}, "low <= high"),
            ({"name": "a", "monetary": "5"}, "pair of scores"),
            ({"name": "a", "monetary": (1, 2, 3)}, "pair of scores"),
        ],
    )
    def test_bad_rules_are_refused(self, arguments: dict[str, object], message: str) -> None:
        """Names are non-empty; ranges are a score or an ordered pair of scores >= 1."""
        with pytest.raises(PolicyError, match=message):
            Segment(**arguments)

    def test_a_map_needs_rules(self) -> None:
        """An empty rule list, or something else than Segments, is refused."""
        with pytest.raises(PolicyError, match="at least one rule"):
            SegmentMap([], fallback="all")
        with pytest.raises(PolicyError, match="sequence of Segment"):
            SegmentMap("champions")
        with pytest.raises(PolicyError, match="bins"):
            SegmentMap([Segment("all")], bins=1)

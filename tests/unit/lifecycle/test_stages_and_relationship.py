import datetime as dt
import json

import pendulum
import pytest

from custrel.errors import InvalidTransitionError, PolicyError, ValidationError
from custrel.lifecycle import (
    ADVOCATE,
    AUTOMATIC,
    CUSTOMER,
    DEFAULT_LADDER,
    ERASED_TEXT,
    LEAD,
    PROSPECT,
    REPEAT_CUSTOMER,
    MergedHistory,
    Relationship,
    StageChange,
    StageLadder,
)

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
DAY = dt.timedelta(days=1)


def lead_at_day_2() -> Relationship:
    started = Relationship.start("k-1", T0)
    return started.advance(
        LEAD, T0.add(days=2), reason="asked for an offer", actor="ola"
    ).relationship


class TestStageLadder:
    def test_default_ladder(self) -> None:
        """The default ladder runs prospect → lead → customer → repeat customer → advocate."""
        assert DEFAULT_LADDER.stages == (PROSPECT, LEAD, CUSTOMER, REPEAT_CUSTOMER, ADVOCATE)
        assert (DEFAULT_LADDER.first, DEFAULT_LADDER.last) == ("prospect", "advocate")
        assert DEFAULT_LADDER.describe() == (
            "prospect → lead → customer → repeat customer → advocate"
        )

    def test_a_host_defines_its_own_ladder(self) -> None:
        """Stages are data: any unique names, stripped, in order."""
        ladder = StageLadder([" visitor ", "member", "patron"])
        assert ladder.stages == ("visitor", "member", "patron")
        assert ladder.index("patron") == 2
        assert "member" in ladder
        assert "prospect" not in ladder
        assert list(ladder) == ["visitor", "member", "patron"]
        assert len(ladder) == 3

    @pytest.mark.parametrize(
        ("stages", "message"),
        [
            ([], "at least one stage"),
            (["a", "b", "a"], "unique"),
            (["a", " "], "non-empty"),
            (["a", 3], "non-empty"),
            (["x" * 51], "at most 50"),
            ("prospect", "sequence"),
        ],
    )
    def test_a_bad_ladder_is_refused_when_built(self, stages: object, message: str) -> None:
        """No stages, duplicates, blank or over-long names raise PolicyError."""
        with pytest.raises(PolicyError, match=message):
            StageLadder(stages)

    def test_an_unknown_stage_names_the_known_ones(self) -> None:
        """check() and index() refuse a stage not on the ladder, listing the ladder's stages."""
        with pytest.raises(
            ValidationError, match=r"stage: unknown stage; expected one of 'prospect'"
        ):
            DEFAULT_LADDER.index("vip")


class TestStart:
    def test_start_at_the_first_stage(self) -> None:
        """A relationship starts at the ladder's first stage with one start row."""
        relationship = Relationship.start("k-1", T0)
        assert relationship.stage == PROSPECT
        assert relationship.started_at == T0
        assert relationship.stage_since == T0
        assert relationship.history == (
            StageChange(None, PROSPECT, T0, AUTOMATIC, "relationship started"),
        )
        event = relationship.started_event()
        assert (event.type, event.payload["stage"]) == ("lifecycle.relationship_started", PROSPECT)

    def test_start_at_a_given_stage_on_a_custom_ladder(self) -> None:
        """An imported customer can start further up, on the host's own ladder."""
        ladder = StageLadder(["visitor", "member", "patron"])
        relationship = Relationship.start(
            "k-1", T0, ladder=ladder, stage="member", actor="import", reason="migrated"
        )
        assert (relationship.stage, relationship.ladder) == ("member", ladder)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"stage": "vip"}, "stage"),
            ({"actor": " ola"}, "actor"),
            ({"reason": " "}, "reason"),
        ],
    )
    def test_bad_start_is_refused(self, fields: dict[str, object], field: str) -> None:
        """An unknown stage, a malformed actor or a blank reason raise ValidationError."""
        with pytest.raises(ValidationError, match=rf"^{field}: "):
            Relationship.start("k-1", T0, **fields)  # type: ignore[arg-type]

    def test_naive_instant_is_refused(self) -> None:
        """Instants must be timezone-aware."""
        with pytest.raises(ValidationError, match="naive"):
            Relationship.start("k-1", dt.datetime(2026, 1, 1))  # noqa: DTZ001 - the point


class TestAdvance:
    def test_advance_moves_forward_with_a_history_row_and_event(self) -> None:
        """Advancing records from, to, at, actor and reason and emits stage_advanced."""
        result = Relationship.start("k-1", T0).advance(
            CUSTOMER, T0.add(days=1), reason="first order", actor="ola"
        )
        assert result.applied
        assert result.stage == CUSTOMER
        assert result.reason == "first order"
        assert result.relationship.history[-1] == StageChange(
            PROSPECT, CUSTOMER, T0.add(days=1), "ola", "first order"
        )
        (event,) = result.events
        assert event.type == "lifecycle.stage_advanced"
        assert dict(event.payload) == {"actor": "ola", "stage": CUSTOMER, "previous": PROSPECT}
        assert event.aggregate_id == event.customer_id == "k-1"

    def test_advancing_back_is_ignored_and_says_why(self) -> None:
        """Asked to move back, advance returns the relationship unchanged with the reason."""
        relationship = lead_at_day_2()
        result = relationship.advance(PROSPECT, T0.add(days=3), reason="oops", actor="ola")
        assert not result.applied
        assert result.relationship is relationship
        assert result.events == ()
        assert "before the current stage 'lead'" in result.reason
        assert "regress" in result.reason

    def test_advancing_to_the_current_stage_is_ignored(self) -> None:
        """Asked to move to where it is, advance says it is already there."""
        result = lead_at_day_2().advance(LEAD, T0.add(days=3), reason="again", actor="ola")
        assert (result.applied, result.reason) == (False, "already at 'lead'")

    def test_advancing_to_an_unknown_stage_raises(self) -> None:
        """An unknown stage is bad input, not an ignored move."""
        with pytest.raises(ValidationError, match="unknown stage"):
            lead_at_day_2().advance("vip", T0.add(days=3), reason="x", actor="ola")

    def test_advancing_before_the_last_move_raises(self) -> None:
        """History stays in time order: a move dated before the last one is refused."""
        with pytest.raises(InvalidTransitionError, match="before the last stage change"):
            lead_at_day_2().advance(CUSTOMER, T0.add(days=1), reason="x", actor="ola")

    def test_advance_may_skip_stages(self) -> None:
        """Forward means any later stage, not only the next one."""
        result = Relationship.start("k-1", T0).advance(ADVOCATE, T0, reason="x", actor="ola")
        assert result.stage == ADVOCATE


class TestRegress:
    def test_regress_moves_back_on_the_record(self) -> None:
        """Regress moves to an earlier stage, with a history row and a stage_regressed event."""
        result = lead_at_day_2().regress(
            PROSPECT, T0.add(days=5), reason="went quiet", actor="kari"
        )
        assert result.applied
        assert result.stage == PROSPECT
        assert result.relationship.history[-1] == StageChange(
            LEAD, PROSPECT, T0.add(days=5), "kari", "went quiet"
        )
        assert [event.type for event in result.events] == ["lifecycle.stage_regressed"]
        assert result.relationship.rules_since == T0.add(days=5)

    @pytest.mark.parametrize("stage", [LEAD, CUSTOMER])
    def test_regress_to_the_current_or_a_later_stage_raises(self, stage: str) -> None:
        """Regress only goes back; anything else is an invalid transition."""
        with pytest.raises(InvalidTransitionError, match="not an earlier stage"):
            lead_at_day_2().regress(stage, T0.add(days=5), reason="x", actor="kari")

    def test_regress_needs_a_reason(self) -> None:
        """The way back is audited: a blank reason is refused."""
        with pytest.raises(ValidationError, match=r"^reason: "):
            lead_at_day_2().regress(PROSPECT, T0.add(days=5), reason="", actor="kari")

    def test_rules_since_is_none_without_a_regress(self) -> None:
        """Only a move back resets what the automatic rules count."""
        assert lead_at_day_2().rules_since is None


class TestTimeInStage:
    def relationship(self) -> Relationship:
        relationship = lead_at_day_2()  # prospect [0, 2), lead [2, 5)
        relationship = relationship.regress(
            PROSPECT, T0.add(days=5), reason="quiet", actor="ola"
        ).relationship  # prospect [5, 6)
        return relationship.advance(
            CUSTOMER, T0.add(days=6), reason="order", actor="ola"
        ).relationship  # customer [6, now)

    def test_time_in_stage_adds_up_every_visit(self) -> None:
        """Time in a stage is the total across visits, up to now."""
        relationship = self.relationship()
        now = T0.add(days=10)
        assert relationship.time_in_stage(PROSPECT, now) == 3 * DAY
        assert relationship.time_in_stage(LEAD, now) == 3 * DAY
        assert relationship.time_in_stage(CUSTOMER, now) == 4 * DAY
        assert relationship.time_in_stage(ADVOCATE, now) == dt.timedelta(0)

    def test_times_are_plain_timedeltas_summing_to_the_span(self) -> None:
        """Every ladder stage is a key; the values sum to the time since the start."""
        totals = self.relationship().time_in_stages(T0.add(days=10))
        assert list(totals) == list(DEFAULT_LADDER)
        assert all(type(value) is dt.timedelta for value in totals.values())
        assert sum(totals.values(), dt.timedelta(0)) == 10 * DAY

    def test_time_before_now_counts_only_up_to_now(self) -> None:
        """A now in the middle of the history cuts the current visit short."""
        relationship = self.relationship()
        assert relationship.time_in_stage(LEAD, T0.add(days=3)) == DAY
        assert relationship.time_in_stage(PROSPECT, T0.subtract(days=1)) == dt.timedelta(0)

    def test_cumulative_times_run_up_the_ladder(self) -> None:
        """Cumulative time of a stage includes every stage before it."""
        cumulative = self.relationship().cumulative_times(T0.add(days=10))
        assert cumulative[PROSPECT] == 3 * DAY
        assert cumulative[LEAD] == 6 * DAY
        assert cumulative[ADVOCATE] == 10 * DAY

    def test_time_across_a_daylight_saving_change_is_real_time(self) -> None:
        """A stage spanning the clocks going back lasts its true length (25 hours)."""
        start = pendulum.datetime(2026, 10, 24, 12, tz="Europe/Oslo")
        relationship = Relationship.start("k-1", start)
        assert relationship.time_in_stage(PROSPECT, start.add(days=1)) == dt.timedelta(hours=25)

    def test_stage_at_entered_at_and_reached(self) -> None:
        """Past stages, first entries and "ever reached" come from the history."""
        relationship = self.relationship()
        assert relationship.stage_at(T0.subtract(seconds=1)) is None
        assert relationship.stage_at(T0.add(days=3)) == LEAD
        assert relationship.stage_at(T0.add(days=5)) == PROSPECT
        assert relationship.entered_at(PROSPECT) == T0
        assert relationship.entered_at(CUSTOMER) == T0.add(days=6)
        assert relationship.entered_at(ADVOCATE) is None
        assert relationship.reached(LEAD)
        assert not relationship.reached(REPEAT_CUSTOMER)

    def test_unknown_stage_in_queries_raises(self) -> None:
        """Asking about a stage that is not on the ladder is bad input."""
        with pytest.raises(ValidationError, match="unknown stage"):
            self.relationship().time_in_stage("vip", T0)


class TestMergeAndErase:
    def test_absorbing_a_further_duplicate_advances_the_survivor(self) -> None:
        """The survivor moves up to the duplicate's stage; the duplicate's history is kept."""
        survivor = lead_at_day_2()
        duplicate = Relationship.start("k-2", T0.subtract(days=9), stage=REPEAT_CUSTOMER)
        change = survivor.absorb(duplicate, T0.add(days=4))
        merged = change.value
        assert merged.stage == REPEAT_CUSTOMER
        assert merged.history[-1].actor == "merge"
        assert merged.history[-1].at == T0.add(days=4)
        assert "k-2" in merged.history[-1].reason
        assert merged.merged == (MergedHistory("k-2", duplicate.history),)
        assert [event.type for event in change.events] == ["lifecycle.stage_advanced"]

    def test_absorbing_a_duplicate_behind_keeps_the_stage(self) -> None:
        """A duplicate at an earlier stage changes nothing but the kept histories."""
        survivor = lead_at_day_2()
        change = survivor.absorb(Relationship.start("k-2", T0), T0.add(days=4))
        assert change.value.stage == LEAD
        assert change.value.history == survivor.history
        assert change.events == ()

    def test_absorbing_a_duplicate_on_another_ladder_keeps_the_stage(self) -> None:
        """A stage the survivor's ladder lacks cannot be taken over."""
        other = Relationship.start("k-2", T0, ladder=StageLadder(["member", "vip"]), stage="vip")
        change = lead_at_day_2().absorb(other, T0.add(days=4))
        assert change.value.stage == LEAD
        assert change.value.merged[0].customer_id == "k-2"

    def test_absorbing_at_an_instant_before_the_last_move_moves_at_the_last_move(self) -> None:
        """A merge dated before the survivor's last move is recorded at that move."""
        duplicate = Relationship.start("k-2", T0, stage=ADVOCATE)
        merged = lead_at_day_2().absorb(duplicate, T0.add(days=1)).value
        assert merged.history[-1].at == T0.add(days=2)

    def test_erase_pseudonymises_every_reason(self) -> None:
        """Erasure replaces the reasons (free text) but keeps stages, instants and actors."""
        duplicate = Relationship.start("k-2", T0, reason="met at the fair with Kari")
        relationship = lead_at_day_2().absorb(duplicate, T0.add(days=3)).value
        erased = relationship.erased()
        assert {row.reason for row in erased.history} == {ERASED_TEXT}
        assert {row.reason for row in erased.merged[0].history} == {ERASED_TEXT}
        assert [row.to_stage for row in erased.history] == [
            row.to_stage for row in relationship.history
        ]

    def test_moved_to_files_it_under_another_customer(self) -> None:
        """A relationship moved to a survivor keeps its history under the new id."""
        moved = lead_at_day_2().moved_to("k-9")
        assert (moved.customer_id, moved.stage) == ("k-9", LEAD)


class TestSerialisation:
    def test_round_trip_through_json(self) -> None:
        """to_dict and from_dict agree, through JSON, custom ladder and histories included."""
        ladder = StageLadder(["besøkende", "medlem", "ambassadør"])
        relationship = Relationship.start("k-1", T0, ladder=ladder)
        relationship = relationship.advance(
            "ambassadør", T0.add(days=1), reason="anbefalte oss", actor="åse"
        ).relationship
        relationship = relationship.absorb(Relationship.start("k-2", T0, ladder=ladder), T0).value
        data = json.loads(json.dumps(relationship.to_dict()))
        assert data["stage"] == "ambassadør"
        assert Relationship.from_dict(data) == relationship

    @pytest.mark.parametrize(
        "data",
        [
            "nope",
            {"customer_id": "k-1", "ladder": ["a"], "history": "x"},
            {"customer_id": "k-1", "ladder": ["a"], "history": [None]},
        ],
    )
    def test_malformed_data_raises_validation_error(self, data: object) -> None:
        """from_dict refuses what to_dict cannot have written."""
        with pytest.raises(ValidationError):
            Relationship.from_dict(data)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("history", "message"),
        [
            ((), "at least its start"),
            ((StageChange("prospect", "lead", T0, "ola", "x"),), "first row is the start"),
            (
                (
                    StageChange(None, "prospect", T0, "ola", "x"),
                    StageChange("lead", "customer", T0, "ola", "x"),
                ),
                "does not follow",
            ),
            (
                (
                    StageChange(None, "prospect", T0, "ola", "x"),
                    StageChange("prospect", "lead", T0.subtract(days=1), "ola", "x"),
                ),
                "time order",
            ),
            ((StageChange(None, "vip", T0, "ola", "x"),), "unknown stage"),
        ],
    )
    def test_inconsistent_history_is_refused(
        self, history: tuple[StageChange, ...], message: str
    ) -> None:
        """A history that does not start, chain, stay on the ladder or keep time is refused."""
        with pytest.raises(ValidationError, match=message):
            Relationship(customer_id="k-1", history=history)

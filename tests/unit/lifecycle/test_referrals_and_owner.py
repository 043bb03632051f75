import json

import pendulum
import pytest

from custrel.cases import Role, Team, TeamMember
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.lifecycle import ERASED_TEXT, OwnerRoute, Referral, cover_for, route_owner

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")

TEAM = Team(
    [
        TeamMember("ada", [Role.ACCOUNT_MANAGER]),
        TeamMember("bo", [Role.ACCOUNT_MANAGER], absent=True),
        TeamMember("cy", [Role.ACCOUNT_MANAGER, Role.HELP_DESK]),
        TeamMember("dag", [Role.WARRANTY_TECHNICIAN], absent=True),
        TeamMember("eli", [Role.HELP_DESK]),
    ]
)


class TestReferral:
    def test_record_and_convert(self) -> None:
        """A referral records who, whom, when and how; converting records when and by what."""
        referral = Referral.record("r-1", "k-1", "k-2", T0, channel=" link ", code="KARI10")
        assert (referral.channel, referral.code, referral.converted) == ("link", "KARI10", False)
        assert referral.counts
        event = referral.recorded_event()
        assert (event.type, event.customer_id, event.aggregate_id) == (
            "lifecycle.referral_recorded",
            "k-1",
            "r-1",
        )
        assert dict(event.payload) == {"referred_id": "k-2", "channel": "link"}
        converted, events = referral.convert("o-7", T0.add(days=3))
        assert (converted.converted, converted.converted_at, converted.order_id) == (
            True,
            T0.add(days=3),
            "o-7",
        )
        assert [event.type for event in events] == ["lifecycle.referral_converted"]
        assert events[0].payload["order_id"] == "o-7"

    def test_converting_again(self) -> None:
        """The same order again changes nothing; another order is an invalid transition."""
        converted = Referral.record("r-1", "k-1", "k-2", T0).convert("o-7", T0).value
        assert converted.convert("o-7", T0.add(days=1)).value is converted
        with pytest.raises(InvalidTransitionError, match="already converted by order 'o-7'"):
            converted.convert("o-8", T0.add(days=1))

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: Referral.record("r-1", "k-1", "k-1", T0), "referred_id"),
            (lambda: Referral.record("r-1", "k-1", "k-2", T0, channel=""), "channel"),
            (lambda: Referral.record("r-1", "k-1", "k-2", T0, code="x" * 101), "code"),
            (lambda: Referral.record("r-1", "", "k-2", T0), "referrer_id"),
            (
                lambda: Referral.record("r-1", "k-1", "k-2", T0).convert(
                    "o-1", T0.subtract(days=1)
                ),
                "converted_at",
            ),
            (
                lambda: Referral(
                    id="r-1", referrer_id="k-1", referred_id="k-2", at=T0, converted_at=T0
                ),
                "order_id",
            ),
        ],
    )
    def test_bad_referrals_are_refused(self, build: object, field: str) -> None:
        """Self-referral, bad labels, conversion before the referral or without its order."""
        with pytest.raises(ValidationError, match=rf"^{field}: "):
            build()  # type: ignore[operator]

    def test_moved_by_a_merge(self) -> None:
        """A merge replaces the duplicate's id; a referral between the two stops counting."""
        referral = Referral.record("r-1", "k-old", "k-2", T0)
        assert referral.moved("k-old", "k-1").referrer_id == "k-1"
        assert referral.moved("k-2", "k-1").referred_id == "k-1"
        between = referral.moved("k-old", "k-2")
        assert (between.referrer_id, between.counts) == ("k-2", False)

    def test_erase_and_round_trip(self) -> None:
        """Erasure pseudonymises the code; to_dict and from_dict agree through JSON."""
        referral = Referral.record("r-1", "k-1", "k-2", T0, code="KARI10").convert("o-1", T0)
        erased = referral.value.erased()
        assert erased.code == ERASED_TEXT
        assert Referral.record("r-2", "k-1", "k-2", T0).erased().code is None
        data = json.loads(json.dumps(referral.value.to_dict()))
        assert Referral.from_dict(data) == referral.value
        with pytest.raises(ValidationError):
            Referral.from_dict([])  # type: ignore[arg-type]


class TestDedicatedOwner:
    def test_present_owner_takes_the_journey(self) -> None:
        """The dedicated owner, present on the team (or unknown to it), takes the journey."""
        assert route_owner("ada", TEAM) == OwnerRoute("ada", "dedicated owner")
        assert route_owner("zoe", TEAM) == OwnerRoute("zoe", "dedicated owner")
        assert route_owner("bo") == OwnerRoute("bo", "dedicated owner")

    def test_no_owner(self) -> None:
        """A customer without a dedicated owner gives no owner."""
        assert route_owner(None, TEAM) == OwnerRoute(None, "no dedicated owner")

    def test_absent_owner_is_covered_by_the_next_colleague_with_a_role(self) -> None:
        """An absent owner is covered by the next present colleague sharing a role."""
        assert route_owner("bo", TEAM) == OwnerRoute(
            "cy", "covering for absent bo", covering_for="bo"
        )
        assert cover_for("cy", TEAM) == "eli"  # the next in id order sharing a role
        assert cover_for("eli", TEAM) == "cy"  # wraps around
        assert cover_for("ada", TEAM) == "cy"

    def test_nobody_to_cover(self) -> None:
        """An absent owner with no present colleague in their roles leaves nobody."""
        assert route_owner("dag", TEAM) == OwnerRoute(
            None, "dag is absent and nobody covers", covering_for="dag"
        )
        assert cover_for("zoe", TEAM) is None

    def test_bad_input(self) -> None:
        """A team of the wrong type, or a malformed staff id, is refused."""
        with pytest.raises(ValidationError, match=r"^team: "):
            route_owner("ada", ["ada"])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"^owner: "):
            route_owner(" ada", TEAM)

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.cases import (
    Assignment,
    AssignmentPolicy,
    CaseKind,
    Role,
    Route,
    Strategy,
    Team,
    TeamMember,
    least_loaded,
    round_robin,
)
from custrel.errors import PolicyError, ValidationError

HELP = TeamMember("ada", [Role.HELP_DESK])
TEAM = Team(
    [
        TeamMember("cy", [Role.WARRANTY_TECHNICIAN]),
        HELP,
        TeamMember("bo", [Role.HELP_DESK, Role.CUSTOMER_SERVICE]),
        TeamMember("dag", [Role.ACCOUNT_MANAGER]),
        TeamMember("eli", {Role.CUSTOMER_SERVICE}),
        TeamMember("fi", Role.PROJECT_MANAGER),
    ]
)


def policy(**fields: object) -> AssignmentPolicy:
    values: dict[str, object] = {
        "team": TEAM,
        "routes": {
            CaseKind.WARRANTY: Route([Role.WARRANTY_TECHNICIAN]),
            "complaint": Route([Role.CUSTOMER_SERVICE], Strategy.LEAST_LOADED),
        },
        "default": Route([Role.HELP_DESK]),
    }
    values.update(fields)
    return AssignmentPolicy(**values)  # type: ignore[arg-type]


class TestTeam:
    def test_members_are_kept_in_id_order_with_their_roles(self) -> None:
        """A team sorts its members by id; roles may be given one or many, as values or enums."""
        assert [member.id for member in TEAM.members] == ["ada", "bo", "cy", "dag", "eli", "fi"]
        assert TEAM.get("fi") == TeamMember("fi", ["project_manager"])
        assert TEAM.get("zed") is None
        assert [m.id for m in TEAM.with_roles(frozenset({Role.HELP_DESK}))] == ["ada", "bo"]

    def test_an_empty_team_is_a_policy_error(self) -> None:
        """A team needs at least one member."""
        with pytest.raises(PolicyError, match="at least one member"):
            Team([])

    def test_duplicate_member_ids_are_refused(self) -> None:
        """Two members with the same id are a policy error naming the id."""
        with pytest.raises(PolicyError, match="'ada'"):
            Team([HELP, TeamMember("ada", [Role.ACCOUNT_MANAGER])])

    @pytest.mark.parametrize(
        ("build", "pattern"),
        [
            (lambda: TeamMember("", [Role.HELP_DESK]), "id: expected a non-empty string"),
            (lambda: TeamMember("ada", []), "roles: expected at least one role"),
            (lambda: TeamMember("ada", ["janitor"]), "roles: unknown Role"),
            (lambda: TeamMember("ada", [Role.HELP_DESK], absent="no"), "absent: expected True"),
            (lambda: Team("ada"), "members: expected a collection of TeamMember"),
            (lambda: Team(["ada"]), "members: expected a TeamMember"),
        ],
    )
    def test_malformed_members_are_refused(self, build: object, pattern: str) -> None:
        """Member ids, roles and availability are validated when built."""
        with pytest.raises(ValidationError, match=pattern):
            build()  # type: ignore[operator]

    def test_marking_a_member_absent_and_back(self) -> None:
        """with_absent returns a new team; the original is unchanged; unknown ids are refused."""
        away = TEAM.with_absent("ada")
        assert away.get("ada") == TeamMember("ada", [Role.HELP_DESK], absent=True)
        assert TEAM.get("ada") == HELP
        assert away.with_absent("ada", absent=False) == TEAM
        with pytest.raises(ValidationError, match="member_id: not on the team"):
            TEAM.with_absent("zed")


class TestPolicyValidation:
    def test_a_kind_without_a_route_needs_a_default(self) -> None:
        """Without a default route, every case kind must have one; the message lists the gaps."""
        with pytest.raises(PolicyError, match=r"routes: no route .*\['complaint', 'return'"):
            AssignmentPolicy(TEAM, routes={CaseKind.WARRANTY: Route([Role.WARRANTY_TECHNICIAN])})

    def test_a_route_for_every_kind_needs_no_default(self) -> None:
        """Listing a route for each kind is enough; there is then no default to fall back on."""
        everyone = Route([Role.HELP_DESK, Role.WARRANTY_TECHNICIAN])
        rules = AssignmentPolicy(TEAM, routes=dict.fromkeys(CaseKind, everyone))
        assert rules.default is None
        assert rules.candidates(CaseKind.RETURN) == ("ada", "bo", "cy")

    def test_a_route_to_a_role_nobody_has_is_refused(self) -> None:
        """A route needs at least one team member with one of its roles."""
        team = Team([HELP])
        with pytest.raises(PolicyError, match=r"routes\[warranty\]: nobody on the team"):
            AssignmentPolicy(
                team,
                routes={CaseKind.WARRANTY: Route([Role.WARRANTY_TECHNICIAN])},
                default=Route([Role.HELP_DESK]),
            )
        with pytest.raises(PolicyError, match=r"default: nobody on the team"):
            AssignmentPolicy(team, default=Route([Role.PROJECT_MANAGER]))

    @pytest.mark.parametrize(
        ("fields", "pattern"),
        [
            ({"team": [HELP]}, "team: expected a Team"),
            ({"routes": [Route([Role.HELP_DESK])]}, "routes: expected a mapping"),
            ({"routes": {"warranty": "help_desk"}}, "expected a Route"),
            ({"routes": {"refund": Route([Role.HELP_DESK])}}, "routes: unknown CaseKind"),
            ({"default": "help_desk"}, "default: expected a Route or None"),
            ({"owner_first": "yes"}, "owner_first: expected True or False"),
        ],
    )
    def test_malformed_policies_are_refused(self, fields: dict[str, object], pattern: str) -> None:
        """Each part of a policy is type-checked when it is built."""
        with pytest.raises(ValidationError, match=pattern):
            policy(**fields)

    def test_an_unknown_strategy_is_refused(self) -> None:
        """A route's strategy must be a Strategy."""
        with pytest.raises(ValidationError, match="strategy: unknown Strategy"):
            Route([Role.HELP_DESK], "random")

    def test_routes_with_the_same_roles_share_a_pool(self) -> None:
        """A pool is named by its sorted roles, whatever the strategy or order given."""
        one = Route([Role.WARRANTY_TECHNICIAN, Role.HELP_DESK])
        two = Route([Role.HELP_DESK, Role.WARRANTY_TECHNICIAN], Strategy.LEAST_LOADED)
        assert one.pool == two.pool == "help_desk+warranty_technician"


class TestChoice:
    def test_round_robin_continues_after_the_cursor_and_wraps(self) -> None:
        """The next candidate after the cursor's id gets the case; after the last, the first."""
        assert round_robin(["bo", "ada", "cy"], None) == "ada"
        assert round_robin(["bo", "ada", "cy"], "ada") == "bo"
        assert round_robin(["bo", "ada", "cy"], "cy") == "ada"
        assert round_robin(["ada", "cy"], "bo") == "cy"  # bo left; the turn goes on

    def test_least_loaded_picks_the_fewest_open_cases_and_breaks_ties_in_turn(self) -> None:
        """Fewest open cases wins; missing counts are 0; ties go round robin after the cursor."""
        counts = {"ada": 3, "bo": 1, "cy": 1}
        assert least_loaded(["ada", "bo", "cy"], counts, None) == "bo"
        assert least_loaded(["ada", "bo", "cy"], counts, "bo") == "cy"
        assert least_loaded(["ada", "bo", "dag"], counts, None) == "dag"

    def test_choosing_from_nobody_is_refused(self) -> None:
        """The pure choice functions need at least one candidate."""
        with pytest.raises(ValidationError, match="no candidates"):
            round_robin([], None)
        with pytest.raises(ValidationError, match="no candidates"):
            least_loaded([], {}, None)

    @settings(deadline=None, max_examples=50)
    @given(
        st.lists(st.sampled_from(["ada", "bo", "cy", "dag", "eli"]), min_size=1, unique=True),
        st.integers(min_value=1, max_value=4),
    )
    def test_round_robin_gives_everyone_the_same_number_of_turns(
        self, candidates: list[str], rounds: int
    ) -> None:
        """Following its own cursor, round robin gives each candidate one case per round."""
        cursor = None
        chosen = []
        for _ in range(rounds * len(candidates)):
            cursor = round_robin(candidates, cursor)
            chosen.append(cursor)
        assert sorted(chosen) == sorted(candidates * rounds)

    @settings(deadline=None, max_examples=50)
    @given(st.dictionaries(st.sampled_from(["ada", "bo", "cy"]), st.integers(0, 5), min_size=3))
    def test_least_loaded_evens_out_the_load(self, counts: dict[str, int]) -> None:
        """Giving each new case to the least loaded leaves loads at most one apart."""
        loads = dict(counts)
        cursor = None
        for _ in range(3 * max(loads.values())):
            cursor = least_loaded(sorted(loads), loads, cursor)
            loads[cursor] += 1
        assert max(loads.values()) - min(loads.values()) <= 1


class TestAssign:
    def test_the_dedicated_owner_comes_first(self) -> None:
        """A present owner on the team gets the case whatever the route, and no pool is used."""
        choice = policy().assign(CaseKind.WARRANTY, owner="dag", cursor="cy")
        assert choice == Assignment("dag", "dedicated owner")

    def test_an_absent_owner_hands_over_to_the_route(self) -> None:
        """When the owner is absent the route decides, and the reason says so."""
        choice = policy().with_absent("dag").assign(CaseKind.SUPPORT, owner="dag")
        assert choice == Assignment("ada", "owner absent: round robin", "help_desk", "ada")

    def test_an_owner_outside_the_team_hands_over_to_the_route(self) -> None:
        """An owner who is not on the team does not take cases."""
        choice = policy().assign(CaseKind.SUPPORT, owner="zed", cursor="ada")
        assert choice == Assignment("bo", "owner not on the team: round robin", "help_desk", "bo")

    def test_without_an_owner_the_route_decides(self) -> None:
        """No owner: round robin for support, least loaded for complaints."""
        support = policy().assign("support", cursor="bo")
        assert support == Assignment("ada", "round robin", "help_desk", "ada")
        complaint = policy().assign(CaseKind.COMPLAINT, open_counts={"bo": 2, "eli": 1})
        assert complaint == Assignment("eli", "least loaded", "customer_service", "eli")

    def test_owner_first_can_be_turned_off(self) -> None:
        """With owner_first=False the owner is ignored and the reason does not mention them."""
        choice = policy(owner_first=False).assign(CaseKind.WARRANTY, owner="dag")
        assert choice == Assignment("cy", "round robin", "warranty_technician", "cy")

    def test_absent_members_are_skipped(self) -> None:
        """Absent members are not candidates; when nobody is left the case stays unassigned."""
        away = policy().with_absent("ada")
        assert away.candidates(CaseKind.SUPPORT) == ("bo",)
        assert away.assign(CaseKind.SUPPORT).assignee == "bo"
        nobody = away.with_absent("bo").assign(CaseKind.SUPPORT, owner="ada", cursor="bo")
        assert nobody == Assignment(None, "owner absent: nobody available", "help_desk", "bo")

    def test_owner_availability(self) -> None:
        """owner_available is true only for a present team member with owner_first on."""
        rules = policy()
        assert rules.owner_available("eli")
        assert not rules.owner_available(None)
        assert not rules.owner_available("zed")
        assert not rules.with_absent("eli").owner_available("eli")
        assert not policy(owner_first=False).owner_available("eli")

    def test_routes_by_kind_fall_back_to_the_default(self) -> None:
        """Listed kinds use their route; the others use the default."""
        rules = policy()
        assert rules.route(CaseKind.WARRANTY) == Route([Role.WARRANTY_TECHNICIAN])
        assert rules.route(CaseKind.INQUIRY) == Route([Role.HELP_DESK])
        assert rules.candidates(CaseKind.COMPLAINT) == ("bo", "eli")

    def test_strategy_labels(self) -> None:
        """Strategies read as words in assignment reasons."""
        assert [strategy.label for strategy in Strategy] == ["round robin", "least loaded"]

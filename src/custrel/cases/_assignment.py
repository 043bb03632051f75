"""Who handles a case: the customer's dedicated owner first, else a team chosen by case kind."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs

from custrel.cases._status import CaseKind, member
from custrel.errors import PolicyError, ValidationError
from custrel.ids import check_id

__all__ = [
    "Assignment",
    "AssignmentPolicy",
    "Role",
    "Route",
    "Strategy",
    "Team",
    "TeamMember",
    "least_loaded",
    "round_robin",
]


class Role(str, enum.Enum):
    """What a staff member does; cases are routed to roles by kind."""

    CUSTOMER_SERVICE = "customer_service"
    HELP_DESK = "help_desk"
    ACCOUNT_MANAGER = "account_manager"
    WARRANTY_TECHNICIAN = "warranty_technician"
    PROJECT_MANAGER = "project_manager"


class Strategy(str, enum.Enum):
    """How a case is spread over the members who could take it."""

    ROUND_ROBIN = "round_robin"
    """Each in turn, continuing after whoever got the last case from the same pool."""

    LEAST_LOADED = "least_loaded"
    """Whoever has the fewest open cases; ties go round robin."""

    @property
    def label(self) -> str:
        """The strategy in words, as written in assignment reasons: ``"round robin"``."""
        return self.value.replace("_", " ")


def _roles(value: object) -> frozenset[Role]:
    if isinstance(value, (str, Role)) or not isinstance(value, Iterable):
        value = (value,)
    roles = frozenset(member(Role, role, "roles") for role in value)
    if not roles:
        raise ValidationError("expected at least one role", field="roles")
    return roles


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected True or False", field="absent", value=value)
    return value


def _member_id(value: object) -> str:
    return check_id(value, "id")


@attrs.frozen
class TeamMember:
    """A staff member who can take cases: an id (as used for owners), roles, and availability.

    >>> TeamMember("ola", [Role.HELP_DESK, Role.CUSTOMER_SERVICE]).absent
    False
    """

    id: str = attrs.field(converter=_member_id)
    roles: frozenset[Role] = attrs.field(converter=_roles)
    absent: bool = attrs.field(default=False, converter=_flag)


def _members(value: object) -> tuple[TeamMember, ...]:
    if isinstance(value, (str, TeamMember)) or not isinstance(value, Iterable):
        raise ValidationError("expected a collection of TeamMember", field="members", value=value)
    members = tuple(value)
    for item in members:
        if not isinstance(item, TeamMember):
            raise ValidationError("expected a TeamMember", field="members", value=item)
    if not members:
        raise PolicyError("a team needs at least one member", field="members")
    seen: set[str] = set()
    for item in members:
        if item.id in seen:
            raise PolicyError("two members have the same id", field="members", value=item.id)
        seen.add(item.id)
    return tuple(sorted(members, key=lambda item: item.id))


@attrs.frozen
class Team:
    """The staff who take cases, kept in id order.

    Raises:
        PolicyError: The team is empty, or two members share an id.
    """

    members: tuple[TeamMember, ...] = attrs.field(converter=_members)

    def get(self, member_id: str) -> TeamMember | None:
        """The member with *member_id*, or None if they are not on the team."""
        return next((item for item in self.members if item.id == member_id), None)

    def with_absent(self, member_id: str, absent: bool = True) -> Team:
        """This team with *member_id* marked absent (or, with ``absent=False``, back).

        Raises:
            ValidationError: Nobody on the team has that id.
        """
        if self.get(member_id) is None:
            raise ValidationError("not on the team", field="member_id", value=member_id)
        return Team(
            tuple(
                attrs.evolve(item, absent=absent) if item.id == member_id else item
                for item in self.members
            )
        )

    def with_roles(self, roles: frozenset[Role]) -> tuple[TeamMember, ...]:
        """The members holding any of *roles*, absent or not, in id order."""
        return tuple(item for item in self.members if item.roles & roles)


def _strategy(value: object) -> Strategy:
    return member(Strategy, value, "strategy")


@attrs.frozen
class Route:
    """Where cases of one kind go: members with any of *roles*, spread by *strategy*.

    Routes with the same roles share one pool, and so one round-robin cursor.
    """

    roles: frozenset[Role] = attrs.field(converter=_roles)
    strategy: Strategy = attrs.field(default=Strategy.ROUND_ROBIN, converter=_strategy)

    @property
    def pool(self) -> str:
        """The key of this route's pool: its roles, sorted and joined with ``+``."""
        return "+".join(sorted(role.value for role in self.roles))


@attrs.frozen
class Assignment:
    """The outcome of `AssignmentPolicy.assign`.

    Attributes:
        assignee: Who takes the case, or None when nobody on its route is available.
        reason: Why, in words, for the ASSIGNED event (``"dedicated owner"``, ``"owner absent:
            round robin"``, ``"least loaded"``, ``"nobody available"``).
        pool: The pool the member was chosen from, or None when the owner took it.
        cursor: The pool's round-robin cursor after this choice (the member who got the case).
    """

    assignee: str | None
    reason: str
    pool: str | None = None
    cursor: str | None = None


def round_robin(candidates: Sequence[str], cursor: str | None) -> str:
    """The first of *candidates* (ids in order) after *cursor*, wrapping around.

    The cursor is the id of whoever got the previous case, so the turn survives members joining,
    leaving or being absent.

    Raises:
        ValidationError: There are no candidates.
    """
    if not candidates:
        raise ValidationError("no candidates to choose from", field="candidates")
    ordered = sorted(candidates)
    if cursor is None:
        return ordered[0]
    return next((candidate for candidate in ordered if candidate > cursor), ordered[0])


def least_loaded(
    candidates: Sequence[str], open_counts: Mapping[str, int], cursor: str | None
) -> str:
    """The candidate with the fewest open cases (missing counts are 0); ties go round robin.

    Raises:
        ValidationError: There are no candidates.
    """
    if not candidates:
        raise ValidationError("no candidates to choose from", field="candidates")
    fewest = min(open_counts.get(candidate, 0) for candidate in candidates)
    tied = [candidate for candidate in candidates if open_counts.get(candidate, 0) == fewest]
    return round_robin(tied, cursor)


def _routes(value: object) -> Mapping[CaseKind, Route]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            "expected a mapping of CaseKind to Route", field="routes", value=value
        )
    routes: dict[CaseKind, Route] = {}
    for kind, route in value.items():
        if not isinstance(route, Route):
            raise ValidationError("expected a Route", field=f"routes[{kind!r}]", value=route)
        routes[member(CaseKind, kind, "routes")] = route
    return MappingProxyType(routes)


def _default(value: object) -> Route | None:
    if value is not None and not isinstance(value, Route):
        raise ValidationError("expected a Route or None", field="default", value=value)
    return value


def _team(value: object) -> Team:
    if not isinstance(value, Team):
        raise ValidationError("expected a Team", field="team", value=value)
    return value


@attrs.frozen
class AssignmentPolicy:
    """How cases are assigned: the customer's dedicated owner first, else a route per kind.

    Args:
        team: The staff who take cases.
        routes: The `Route` for each case kind; kinds not listed take *default*.
        default: The route for kinds without their own (None: every kind must be listed).
        owner_first: Give a case to the customer's dedicated owner when the owner is on the
            team and not absent, whatever the route.

    Raises:
        PolicyError: A kind has no route (and there is no default), or a route asks for roles
            nobody on the team has.
    """

    team: Team = attrs.field(converter=_team)
    routes: Mapping[CaseKind, Route] = attrs.field(factory=dict, converter=_routes)
    default: Route | None = attrs.field(default=None, converter=_default)
    owner_first: bool = attrs.field(default=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.owner_first, bool):
            raise ValidationError(
                "expected True or False", field="owner_first", value=self.owner_first
            )
        if self.default is None:
            missing = [kind.value for kind in CaseKind if kind not in self.routes]
            if missing:
                raise PolicyError(
                    "no route for these case kinds and no default route",
                    field="routes",
                    value=missing,
                )
        named = [(f"routes[{kind.value}]", route) for kind, route in self.routes.items()]
        if self.default is not None:
            named.append(("default", self.default))
        for where, route in named:
            if not self.team.with_roles(route.roles):
                raise PolicyError(
                    "nobody on the team has any of these roles",
                    field=where,
                    value=sorted(role.value for role in route.roles),
                )

    def route(self, kind: CaseKind | str) -> Route:
        """The route for cases of *kind*."""
        kind = member(CaseKind, kind, "kind")
        route = self.routes.get(kind, self.default)
        assert route is not None  # noqa: S101 - checked when the policy was built
        return route

    def candidates(self, kind: CaseKind | str) -> tuple[str, ...]:
        """The ids of the members present on the route for *kind*, in id order."""
        route = self.route(kind)
        return tuple(item.id for item in self.team.with_roles(route.roles) if not item.absent)

    def owner_available(self, owner: str | None) -> bool:
        """True if cases go to *owner*: owner first is on, and they are on the team, present."""
        if not self.owner_first or owner is None:
            return False
        found = self.team.get(owner)
        return found is not None and not found.absent

    def with_absent(self, member_id: str, absent: bool = True) -> AssignmentPolicy:
        """This policy with a team member marked absent (or back, with ``absent=False``).

        Raises:
            ValidationError: Nobody on the team has that id.
        """
        return attrs.evolve(self, team=self.team.with_absent(member_id, absent))

    def assign(
        self,
        kind: CaseKind | str,
        *,
        owner: str | None = None,
        open_counts: Mapping[str, int] | None = None,
        cursor: str | None = None,
    ) -> Assignment:
        """Choose who takes a case of *kind* for a customer whose dedicated owner is *owner*.

        Pure: the caller supplies the open-case counts of the candidates (for least loaded)
        and the pool's round-robin cursor, and stores the returned `Assignment.cursor`.

        Args:
            kind: The case's kind, which picks the route.
            owner: The customer's dedicated owner, or None.
            open_counts: Open cases per candidate id (missing: 0).
            cursor: The id of whoever got the pool's previous case, or None.
        """
        route = self.route(kind)
        if self.owner_available(owner):
            return Assignment(owner, "dedicated owner")
        if owner is None or not self.owner_first:
            prefix = ""
        elif self.team.get(owner) is None:
            prefix = "owner not on the team: "
        else:
            prefix = "owner absent: "
        candidates = self.candidates(kind)
        if not candidates:
            return Assignment(None, f"{prefix}nobody available", route.pool, cursor)
        if route.strategy is Strategy.LEAST_LOADED:
            chosen = least_loaded(candidates, open_counts or {}, cursor)
        else:
            chosen = round_robin(candidates, cursor)
        return Assignment(chosen, f"{prefix}{route.strategy.label}", route.pool, chosen)

"""The dedicated owner: a customer's journeys go to their owner unless the owner is absent."""

from __future__ import annotations

import attrs

from custrel.cases import Team
from custrel.errors import ValidationError
from custrel.ids import check_id

__all__ = ["OwnerRoute", "cover_for", "route_owner"]


@attrs.frozen
class OwnerRoute:
    """Who takes a customer's journey, and why.

    Attributes:
        owner: The staff member, or None when nobody can take it.
        reason: Why, in words (``"dedicated owner"``, ``"covering for absent ada"``).
        covering_for: The absent dedicated owner, when someone covers.
    """

    owner: str | None
    reason: str
    covering_for: str | None = None


def _team(team: object) -> Team | None:
    if team is not None and not isinstance(team, Team):
        raise ValidationError("expected a Team or None", field="team", value=team)
    return team


def cover_for(staff_id: str, team: Team) -> str | None:
    """The colleague who covers for *staff_id*: present, sharing a role, next in id order.

    Colleagues are taken in id order after *staff_id*, wrapping around, so cover for the same
    person is stable. None when nobody present shares a role (or *staff_id* is not on the team).
    """
    staff_id = check_id(staff_id, "staff_id")
    member = _team(team) and team.get(staff_id)
    if not member:
        return None
    colleagues = sorted(
        other.id
        for other in team.with_roles(member.roles)
        if other.id != staff_id and not other.absent
    )
    if not colleagues:
        return None
    return next((other for other in colleagues if other > staff_id), colleagues[0])


def route_owner(owner: str | None, team: Team | None = None) -> OwnerRoute:
    """Who takes a journey of a customer whose dedicated owner is *owner*.

    The owner, unless the *team* (the cases' `custrel.cases.Team`) marks them absent; then
    `cover_for` picks a colleague. An owner the team does not know is taken to be present.
    """
    team = _team(team)
    if owner is None:
        return OwnerRoute(None, "no dedicated owner")
    owner = check_id(owner, "owner")
    member = None if team is None else team.get(owner)
    if member is None or not member.absent:
        return OwnerRoute(owner, "dedicated owner")
    assert team is not None  # noqa: S101 - a member was found on it
    cover = cover_for(owner, team)
    if cover is None:
        return OwnerRoute(None, f"{owner} is absent and nobody covers", covering_for=owner)
    return OwnerRoute(cover, f"covering for absent {owner}", covering_for=owner)

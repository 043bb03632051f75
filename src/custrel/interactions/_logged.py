"""What logging an interaction did: stored it, or found it stored already."""

from __future__ import annotations

import attrs

from custrel.errors import DuplicateError
from custrel.interactions._interaction import Interaction

__all__ = ["Logged"]


@attrs.frozen
class Logged:
    """The interaction as stored, and whether this call stored it.

    Attributes:
        interaction: The stored interaction (the earlier one when it was logged before).
        created: True when this call logged it; False when the same external id was logged
            before with the same content, so nothing was written.
    """

    interaction: Interaction
    created: bool

    @classmethod
    def replay(cls, stored: Interaction, incoming: Interaction) -> Logged:
        """The result of logging *incoming* when *stored* has its external id already.

        Raises:
            DuplicateError: The content differs; the message names the differing fields.
        """
        differing = stored.differences(incoming)
        if differing:
            raise DuplicateError(
                f"interaction {incoming.external_id!r} was already logged with different "
                f"content: {', '.join(differing)} differ"
            )
        return cls(stored, created=False)

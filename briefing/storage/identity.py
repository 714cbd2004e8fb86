"""This installation's identity: a UUID made once, when the store is created.

The archive's Atom ids derive from it (``urn:uuid:...``), so two installations
never publish under the same id, and an id survives rebuilds, a new base_url and
a moved out/ folder (``briefing store copy`` carries it into PostgreSQL). A store
created while ``$SOURCE_DATE_EPOCH`` is set (a reproducible build) takes a UUID
derived from that value instead, so two fresh builds agree byte for byte.
"""

from __future__ import annotations

import uuid

from briefing.clock import source_date


def new_installation_id() -> uuid.UUID:
    """The identity a store created now gets."""
    fixed = source_date()
    if fixed is not None:
        return uuid.uuid5(uuid.NAMESPACE_URL,
                          f"briefing:source-date-epoch:{int(fixed.timestamp())}")
    return uuid.uuid4()

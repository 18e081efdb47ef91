"""The database objects search lives on, which are not part of the models' metadata.

PostgreSQL: GIN indexes named `search_<table>`; SQLite: the FTS5 table `search_fts` (with the
shadow tables FTS5 makes) and triggers named `search_…`. The migration that made them says how.
Autogenerate (migrations/env.py) and the schema test leave them out with `include_name`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SEARCH_PREFIX = "search_"


def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic's include_name: everything except search's own tables and indexes."""
    if name is None:
        return True
    if type_ in ("table", "index"):
        return not name.startswith(SEARCH_PREFIX)
    return True

"""What is searched: one text document per searched row, written once for both databases.

Each document is SQL over its table's columns. PostgreSQL's GIN indexes are built over
`to_tsvector('swedish', <document>)` and are only used when a query repeats the expression
exactly, so the migration that made them holds a frozen copy of these strings (a test checks
that the planner uses them); SQLite's triggers feed the same documents to `search_fts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, literal_column


def joined(*columns: str) -> str:
    """SQL for the columns' text joined by " · ", leaving out empty ones after the first."""
    first, *rest = columns
    sql = f"coalesce({{t}}.{first}, '')"
    for column in rest:
        sql += (f" || CASE WHEN coalesce({{t}}.{column}, '') = '' THEN ''"
                f" ELSE ' · ' || {{t}}.{column} END")
    return sql


@dataclass(frozen=True)
class Document:
    kind: str  # the FTS5 row's kind on SQLite
    table: str
    sql: str  # with {t} for the table's name

    def expression(self) -> ColumnElement[str]:
        return literal_column(self.sql.format(t=self.table))

    def tsvector(self) -> ColumnElement[str]:
        """The PostgreSQL expression the GIN index `search_<table>` is built on."""
        return literal_column(f"to_tsvector('swedish', {self.sql.format(t=self.table)})")


RISK = Document("risk", "risk", joined("text", "source"))
ACTION = Document("action", "action", joined("text", "responsible"))
CONTROL = Document("control", "control",
                   joined("description", "method_text", "population_description"))
CONTROL_RESULT = Document("control_result", "control_result",
                          joined("performed_text", "result_text", "remediation"))
SAM_ANSWER = Document("sam_answer", "sam_answer", joined("comment"))
SAM_RETURN = Document("sam_return", "sam_return", joined("task", "reason", "response"))
SAM_FOLLOW_UP = Document("sam_follow_up", "sam_follow_up", joined("sent_back_comment"))
# Plans are few (one per unit and year): no index on PostgreSQL; on SQLite a trigger keeps the
# unit's name in the plan's row.
PLAN = Document(
    "plan", "plan",
    "org_unit.name || ' ' || {t}.year || ' ' || coalesce({t}.adoption_paragraph, '') || ' ' "
    "|| coalesce({t}.diary_number, '')",
)

INDEXED = (RISK, ACTION, CONTROL, CONTROL_RESULT, SAM_ANSWER, SAM_RETURN, SAM_FOLLOW_UP)

"""Administration, search and returned SAM tasks

Password links (invitations and new-password links: only the token's SHA-256 is kept); the
fördelande chef's response to a returned SAM task; and full-text search. Search is the
database's own: on PostgreSQL GIN indexes over `to_tsvector('swedish', …)` of each searched
text (the expressions match services/search/documents.py exactly, or the planner cannot use
them); on SQLite one FTS5 table, `search_fts`, kept by triggers on the searched tables, with
a row id of the source row's id × 16 + the kind's number. Neither is part of the models'
metadata; migrations/env.py leaves them out of autogenerate (services/search/schema.py).

Revision ID: a0d0fe7d9acd
Revises: a7e3c1d9f052
Create Date: 2026-12-01 04:30:44.172320

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a0d0fe7d9acd'
down_revision = 'a7e3c1d9f052'
branch_labels = None
depends_on = None


def _joined(*columns):
    """Frozen copy of services/search/documents.py's `joined`: columns joined by " · "."""
    first, *rest = columns
    sql = f"coalesce({{t}}.{first}, '')"
    for column in rest:
        sql += (f" || CASE WHEN coalesce({{t}}.{column}, '') = '' THEN ''"
                f" ELSE ' · ' || {{t}}.{column} END")
    return sql


# Frozen copies of services/search/documents.py: (kind, number, table, document expression).
SOURCES = (
    ("risk", 2, "risk", _joined("text", "source")),
    ("action", 3, "action", _joined("text", "responsible")),
    ("control", 4, "control", _joined("description", "method_text", "population_description")),
    ("control_result", 5, "control_result", _joined("performed_text", "result_text",
                                                    "remediation")),
    ("sam_answer", 6, "sam_answer", _joined("comment")),
    ("sam_return", 7, "sam_return", _joined("task", "reason", "response")),
    ("sam_follow_up", 8, "sam_follow_up", _joined("sent_back_comment")),
)
PLAN_NUMBER = 1
PLAN_DOCUMENT = (
    "(SELECT name FROM org_unit WHERE org_unit.id = {t}.org_unit_id) || ' ' || {t}.year"
    " || ' ' || coalesce({t}.adoption_paragraph, '') || ' ' || coalesce({t}.diary_number, '')"
)


def _sqlite_create() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "kind UNINDEXED, ref UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0')"
    )
    sources = [*SOURCES, ("plan", PLAN_NUMBER, "plan", PLAN_DOCUMENT)]
    for kind, number, table, document in sources:
        new, old, rows = (document.format(t=alias) for alias in ("NEW", "OLD", table))
        rowid = f"{{t}}.id * 16 + {number}"
        op.execute(
            f"INSERT INTO search_fts (rowid, kind, ref, body) "
            f"SELECT {rowid.format(t=table)}, '{kind}', {table}.id, {rows} FROM {table}"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO search_fts (rowid, kind, ref, body) "
            f"VALUES ({rowid.format(t='NEW')}, '{kind}', NEW.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE ON {table} BEGIN "
            f"UPDATE search_fts SET body = {new} WHERE rowid = {rowid.format(t='OLD')}; END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM search_fts WHERE rowid = {rowid.format(t='OLD')}; END"
        )
    # A plan's document holds its unit's name.
    op.execute(
        "CREATE TRIGGER search_org_unit_rename AFTER UPDATE OF name ON org_unit BEGIN "
        "UPDATE search_fts SET body = (SELECT " + PLAN_DOCUMENT.format(t="plan") + " FROM plan "
        f"WHERE plan.id * 16 + {PLAN_NUMBER} = search_fts.rowid) "
        f"WHERE rowid IN (SELECT plan.id * 16 + {PLAN_NUMBER} FROM plan "
        "WHERE plan.org_unit_id = NEW.id); END"
    )


def _sqlite_drop() -> None:
    for table in ("risk", "action", "control", "control_result", "sam_answer", "sam_return",
                  "sam_follow_up", "plan"):
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
    op.execute("DROP TRIGGER IF EXISTS search_org_unit_rename")
    op.execute("DROP TABLE IF EXISTS search_fts")


def _postgresql_create() -> None:
    for _kind, _number, table, document in SOURCES:
        op.execute(
            f"CREATE INDEX search_{table} ON {table} "
            f"USING gin (to_tsvector('swedish', {document.format(t=table)}))"
        )


def _postgresql_drop() -> None:
    for _kind, _number, table, _document in SOURCES:
        op.execute(f"DROP INDEX IF EXISTS search_{table}")


def upgrade():
    op.create_table('password_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('invitation', 'reset', name='password_link_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_password_link_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_link_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_link_token_hash'))
    )
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_link_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('sam_return', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('responded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sam_return_responded_by_id_user_account'), 'user_account', ['responded_by_id'], ['id'])
        batch_op.create_check_constraint(
            'response_has_text_and_time',
            "response IS NULL OR (length(trim(response)) > 0 AND responded_at IS NOT NULL)")

    # After the batch operations: on SQLite they rebuild a table, and with it drop its triggers.
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_create()
    else:
        _sqlite_create()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_drop()
    else:
        _sqlite_drop()

    with op.batch_alter_table('sam_return', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sam_return_response_has_text_and_time'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_sam_return_responded_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('responded_by_id')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('response')

    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_link_user_id'))

    op.drop_table('password_link')

"""Audit trail: hash chain, chain head, the unit of each entry; append-only on PostgreSQL

Existing entries are renumbered 1, 2, 3 … in their order (the id is the chain position from
now on) and chained with the v1 hash, a frozen copy of services/audit/chain.py's content
hash. On PostgreSQL the id loses its sequence (ISK assigns it under the head's lock) and
triggers refuse UPDATE and DELETE on audit_entry and any move backwards of the head; TRUNCATE
fires no row trigger, so the tests can still empty the tables.

Revision ID: c5bde210e8eb
Revises: 1d9a0553fa5a
Create Date: 2026-12-01 03:00:19.425721

"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5bde210e8eb'
down_revision = '1d9a0553fa5a'
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "id", "occurred_at", "actor_id", "event", "object_type", "object_id", "org_unit_id",
    "details", "remote_addr", "previous_hash",
)

PG_CREATE = """
CREATE FUNCTION isk_audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on audit_entry is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION isk_audit_entry_append_only();
CREATE FUNCTION isk_audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.last_entry_id < OLD.last_entry_id THEN
        RAISE EXCEPTION 'the audit chain head only moves forward: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION isk_audit_chain_head_forward_only();
ALTER TABLE audit_entry ALTER COLUMN id DROP DEFAULT;
DROP SEQUENCE IF EXISTS audit_entry_id_seq;
"""

PG_DROP = """
DROP TRIGGER IF EXISTS audit_chain_head_forward_only ON audit_chain_head;
DROP FUNCTION IF EXISTS isk_audit_chain_head_forward_only();
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS isk_audit_entry_append_only();
CREATE SEQUENCE audit_entry_id_seq OWNED BY audit_entry.id;
SELECT setval('audit_entry_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM audit_entry;
ALTER TABLE audit_entry ALTER COLUMN id SET DEFAULT nextval('audit_entry_id_seq');
"""

entries = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("event", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("org_unit_id", sa.Integer),
    sa.column("details", sa.JSON),
    sa.column("remote_addr", sa.String),
    sa.column("previous_hash", sa.String),
    sa.column("entry_hash", sa.String),
)


def _content_hash(fields):
    """isk-audit-v1, as services/audit/chain.py computes it (frozen here)."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    moment = content["occurred_at"]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    content["occurred_at"] = moment.astimezone(UTC).isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    return hashlib.sha256(b"isk-audit-v1\n" + text.encode("utf-8")).hexdigest()


def _chain_existing_entries(bind):
    """Renumber 1..n in id order (never colliding: each id only moves down) and chain them."""
    ids = bind.execute(sa.select(entries.c.id).order_by(entries.c.id)).scalars().all()
    for position, old in enumerate(ids, start=1):
        if old != position:
            bind.execute(entries.update().where(entries.c.id == old).values(id=position))
    previous = GENESIS_HASH
    for position in range(1, len(ids) + 1):
        row = bind.execute(sa.select(entries).where(entries.c.id == position)).mappings().one()
        fields = {**row, "details": row["details"] or {}, "previous_hash": previous}
        digest = _content_hash(fields)
        bind.execute(entries.update().where(entries.c.id == position)
                     .values(previous_hash=previous, entry_hash=digest))
        previous = digest
    return len(ids), previous


def upgrade():
    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_entry_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    count, last_hash = _chain_existing_entries(bind)
    bind.execute(head.insert().values(id=1, last_entry_id=count, last_hash=last_hash))

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_entry_org_unit_id_org_unit'), 'org_unit', ['org_unit_id'], ['id'])

    if bind.dialect.name == "postgresql":
        op.execute(PG_CREATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DROP)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_entry_org_unit_id_org_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_entry_org_unit_id'))
        batch_op.drop_index('ix_audit_entry_object')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('previous_hash')
        batch_op.drop_column('org_unit_id')

    op.drop_table('audit_chain_head')

"""Follow-up as regions write it: plan-wide and recurring controls, free-text results, "Ej
utfört" without a date, risks that may lack criteria, the follow-up table's headings

Revision ID: a7e3c1d9f052
Revises: c5bde210e8eb
Create Date: 2026-12-01 05:10:00

Controls may belong to the plan as a whole (a kontrollområde), and get a position, the method in
the controller's own words beside its kind (now optional), and their occurrences ("T1", "03",
"delar", "helar" or a date) in place of one schedule. A kontrollutfall keeps "Utfört" as
written with the days it stands for, whether it was performed, its result and "Eventuella
åtgärder" as free text with an optional category and status. Risks may lack criteria (an
imported plan that does not say), which the plan page lists and adoption refuses.
"""
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = 'a7e3c1d9f052'
down_revision = 'c5bde210e8eb'
branch_labels = None
depends_on = None

TEXT_KEYS = ('requirements_intro', 'requirement_a', 'requirement_b', 'requirement_c',
             'requirement_d', 'requirement_e', 'sufficiency', 'plan_intro', 'plan_explanation',
             'sam_indicator')
FOLLOWUP_KEYS = ('followup_title', 'followup_control', 'followup_method', 'followup_performed',
                 'followup_result', 'followup_measures')
METHODS = ('sample', 'survey', 'document_review', 'checklist', 'contract', 'register_analysis',
           'other')
TERTIAL_END = {1: (4, 30), 2: (8, 31), 3: (12, 31)}


def _key_check(keys):
    return "key IN (" + ", ".join(f"'{key}'" for key in keys) + ")"


def _occurrence(kind, month, tertial, on):
    if kind == 'month':
        return f"{int(month):02d}"
    if kind == 'tertial':
        return f"T{int(tertial)}"
    if kind == 'interim':
        return 'delar'
    if kind == 'date':
        return str(on)[:10]
    return 'helar'


def upgrade():
    connection = op.get_bind()
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_risk_at_least_one_criterion'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_risk_security_risk_names_aspect'), type_='check')

    with op.batch_alter_table('region_text', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_region_text_region_text_key'), type_='check')
        batch_op.create_check_constraint('region_text_key', _key_check(TEXT_KEYS + FOLLOWUP_KEYS))

    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('method_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('occurrences', sa.JSON(), nullable=True))
        batch_op.alter_column('method', existing_type=sa.String(length=17), nullable=True)
    control = sa.table('control', sa.column('id', sa.Integer()),
                       sa.column('occurrences', sa.JSON()))
    rows = connection.execute(sa.text(
        'SELECT id, schedule_kind, schedule_month, schedule_tertial, scheduled_on FROM control'))
    for control_id, kind, month, tertial, on in rows.all():
        connection.execute(control.update().where(control.c.id == control_id)
                           .values(occurrences=[_occurrence(kind, month, tertial, on)]))
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_control_schedule_complete'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_control_verifies_action_or_risk'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_control_control_schedule_kind'), type_='check')
        batch_op.drop_column('schedule_kind')
        batch_op.drop_column('schedule_month')
        batch_op.drop_column('schedule_tertial')
        batch_op.drop_column('scheduled_on')
        batch_op.alter_column('occurrences', existing_type=sa.JSON(), nullable=False)
        batch_op.create_check_constraint('verifies_one_target',
                                         'action_id IS NULL OR risk_id IS NULL')

    with op.batch_alter_table('control_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurrences', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('performed', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('performed_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('performed_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('result_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('category', sa.Enum(
            'no_findings', 'findings', 'risks_identified', 'not_applicable',
            name='control_result_category', native_enum=False, create_constraint=True),
            nullable=True))
        batch_op.add_column(sa.Column('remediation', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('remediation_status', sa.Enum(
            'plan_made', 'actions_taken', 'in_progress', 'not_applicable',
            name='control_remediation_status', native_enum=False, create_constraint=True),
            nullable=True))
    result = sa.table(
        'control_result', sa.column('id', sa.Integer()), sa.column('occurrences', sa.JSON()),
        sa.column('performed', sa.Boolean()), sa.column('performed_start', sa.Date()),
        sa.column('performed_end', sa.Date()), sa.column('result_text', sa.Text()),
        sa.column('category', sa.String()), sa.column('remediation_status', sa.String()))
    occurrences = dict(connection.execute(sa.text('SELECT id, occurrences FROM control')).all())
    rows = connection.execute(sa.text(
        'SELECT id, control_id, performed_on, status, follow_up, comment FROM control_result'))
    for result_id, control_id, performed_on, status, follow_up, comment in rows.all():
        performed = status != 'not_performed'
        if isinstance(performed_on, str):  # SQLite hands dates back as text
            performed_on = date.fromisoformat(performed_on[:10])
        schedule = occurrences.get(control_id) or ['helar']
        if isinstance(schedule, str):  # SQLite hands the JSON back as text here
            schedule = json.loads(schedule)
        connection.execute(result.update().where(result.c.id == result_id).values(
            occurrences=schedule,
            performed=performed,
            performed_start=performed_on if performed else None,
            performed_end=performed_on if performed else None,
            result_text=comment or (None if performed else 'Ej utfört'),
            category=None if status == 'not_performed' else status,
            remediation_status=follow_up,
        ))
    with op.batch_alter_table('control_result', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_control_result_control_result_status'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_control_result_control_follow_up'),
                                 type_='check')
        batch_op.drop_column('status')
        batch_op.drop_column('follow_up')
        batch_op.drop_column('comment')
        batch_op.drop_column('performed_on')
        batch_op.alter_column('occurrences', existing_type=sa.JSON(), nullable=False)
        batch_op.create_check_constraint(
            'performed_has_dates_or_reason',
            "(performed AND performed_start IS NOT NULL AND performed_end IS NOT NULL"
            " AND performed_start <= performed_end)"
            " OR (NOT performed AND performed_start IS NULL AND performed_end IS NULL"
            " AND length(trim(coalesce(result_text, ''))) > 0)")


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table('control_result', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_control_result_performed_has_dates_or_reason'),
                                 type_='check')
        batch_op.add_column(sa.Column('performed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('follow_up', sa.Enum(
            'plan_made', 'actions_taken', 'in_progress', 'not_applicable',
            name='control_follow_up', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Enum(
            'no_findings', 'findings', 'not_performed', 'not_applicable',
            name='control_result_status', native_enum=False, create_constraint=True),
            nullable=True))
    recorded_day = ("date(recorded_at)" if connection.dialect.name == "sqlite"
                    else "CAST(recorded_at AS DATE)")
    connection.execute(sa.text(
        f"UPDATE control_result SET performed_on = coalesce(performed_end, {recorded_day}),"
        " comment = result_text,"
        " follow_up = coalesce(remediation_status, 'not_applicable'),"
        " status = CASE WHEN NOT performed THEN 'not_performed'"
        "   WHEN category IN ('findings', 'risks_identified') THEN 'findings'"
        "   WHEN category = 'not_applicable' THEN 'not_applicable' ELSE 'no_findings' END"))
    with op.batch_alter_table('control_result', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_control_result_control_remediation_status'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_control_result_control_result_category'),
                                 type_='check')
        for name in ('remediation_status', 'remediation', 'category', 'result_text',
                     'performed_end', 'performed_start', 'performed', 'occurrences'):
            batch_op.drop_column(name)
        batch_op.alter_column('performed_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('status', existing_type=sa.String(length=14), nullable=False)
        batch_op.alter_column('follow_up', existing_type=sa.String(length=14), nullable=False)

    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_kind', sa.Enum(
            'month', 'tertial', 'interim', 'annual', 'date', name='control_schedule_kind',
            native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('schedule_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('schedule_tertial', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scheduled_on', sa.Date(), nullable=True))
    control = sa.table('control', sa.column('id', sa.Integer()),
                       sa.column('schedule_kind', sa.String()),
                       sa.column('schedule_month', sa.Integer()),
                       sa.column('schedule_tertial', sa.Integer()),
                       sa.column('scheduled_on', sa.Date()),
                       sa.column('method', sa.String()))
    rows = connection.execute(sa.text('SELECT id, occurrences, method FROM control')).all()
    for control_id, found, method in rows:
        codes = json.loads(found) if isinstance(found, str) else (found or [])
        first = codes[0] if codes else 'helar'
        values = {'schedule_kind': 'annual', 'method': method or 'other'}
        if first.startswith('T'):
            values.update(schedule_kind='tertial', schedule_tertial=int(first[1]))
        elif first == 'delar':
            values.update(schedule_kind='interim')
        elif len(first) == 2 and first.isdigit():
            values.update(schedule_kind='month', schedule_month=int(first))
        elif len(first) == 10:
            values.update(schedule_kind='date', scheduled_on=date.fromisoformat(first))
        connection.execute(control.update().where(control.c.id == control_id).values(**values))
    # A control of the plan as a whole cannot be kept: the old schema needs a risk or åtgärd.
    connection.execute(sa.text(
        "DELETE FROM evidence_file WHERE control_result_id IN (SELECT r.id FROM control_result r"
        " JOIN control c ON c.id = r.control_id WHERE c.action_id IS NULL AND c.risk_id IS NULL)"))
    connection.execute(sa.text(
        "DELETE FROM control_result WHERE control_id IN (SELECT id FROM control"
        " WHERE action_id IS NULL AND risk_id IS NULL)"))
    connection.execute(sa.text(
        "DELETE FROM sample_item WHERE sample_id IN (SELECT s.id FROM sample s JOIN control c"
        " ON c.id = s.control_id WHERE c.action_id IS NULL AND c.risk_id IS NULL)"))
    connection.execute(sa.text(
        "DELETE FROM sample WHERE control_id IN (SELECT id FROM control"
        " WHERE action_id IS NULL AND risk_id IS NULL)"))
    connection.execute(sa.text("DELETE FROM control WHERE action_id IS NULL AND risk_id IS NULL"))
    with op.batch_alter_table('control', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_control_verifies_one_target'), type_='check')
        batch_op.drop_column('occurrences')
        batch_op.drop_column('method_text')
        batch_op.drop_column('position')
        batch_op.alter_column('schedule_kind', existing_type=sa.String(length=7), nullable=False)
        batch_op.alter_column('method', existing_type=sa.String(length=17), nullable=False)
        batch_op.create_check_constraint(
            'schedule_complete',
            "(schedule_kind = 'month' AND schedule_month IS NOT NULL"
            " AND schedule_month BETWEEN 1 AND 12)"
            " OR (schedule_kind = 'tertial' AND schedule_tertial IS NOT NULL"
            " AND schedule_tertial BETWEEN 1 AND 3)"
            " OR (schedule_kind = 'date' AND scheduled_on IS NOT NULL)"
            " OR schedule_kind IN ('interim', 'annual')")
        batch_op.create_check_constraint('verifies_action_or_risk',
                                         '(action_id IS NULL) <> (risk_id IS NULL)')

    with op.batch_alter_table('region_text', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_region_text_region_text_key'), type_='check')
    connection.execute(sa.text(
        "DELETE FROM region_text WHERE key IN ("
        + ", ".join(f"'{key}'" for key in FOLLOWUP_KEYS) + ")"))
    with op.batch_alter_table('region_text', schema=None) as batch_op:
        batch_op.create_check_constraint('region_text_key', _key_check(TEXT_KEYS))

    # The old schema requires a criterion and, for e, an aspect: a risk that lacks one gets c,
    # or every aspect, so that the downgrade can run (the upgrade cannot tell them apart).
    connection.execute(sa.text(
        "UPDATE risk SET criterion_c = true"
        " WHERE NOT (criterion_c OR criterion_d OR criterion_e)"))
    connection.execute(sa.text(
        "UPDATE risk SET threatens_confidentiality = true, threatens_integrity = true,"
        " threatens_availability = true, threatens_traceability = true"
        " WHERE criterion_e AND NOT (threatens_confidentiality OR threatens_integrity"
        " OR threatens_availability OR threatens_traceability)"))
    with op.batch_alter_table('risk', schema=None) as batch_op:
        batch_op.create_check_constraint('at_least_one_criterion',
                                         'criterion_c OR criterion_d OR criterion_e')
        batch_op.create_check_constraint(
            'security_risk_names_aspect',
            'NOT criterion_e OR threatens_confidentiality OR threatens_integrity'
            ' OR threatens_availability OR threatens_traceability')

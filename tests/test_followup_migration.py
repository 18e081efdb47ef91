"""The follow-up migration carries controls and kontrollutfall over, and back again."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from isk.extensions import db
from isk.models import RemediationStatus, ResultCategory
from isk.services import controls

from . import control_helpers
from .control_helpers import make_control

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

BELOW = "c5bde210e8eb"


def rows(sql: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_controls_and_results_survive_a_downgrade_and_upgrade(app, world):
    planned = make_control(world, description="Attest av fakturor", occurrences=["T2"])
    controls.record_result(planned, controls.ResultData(
        "juni", "Två fakturor utan attest.", ResultCategory.FINDINGS, "Rutinen förtydligad.",
        RemediationStatus.PLAN_MADE))
    controls.record_result(planned, controls.ResultData("", "Sjukdom.", performed=False))
    make_control(world, target="plan", description="Löneutbetalningar", occurrences=[])
    db.session.commit()
    db.session.remove()

    downgrade(revision=BELOW)
    db.engine.dispose()
    old_controls = rows("SELECT description, schedule_kind, schedule_tertial FROM control")
    old_results = rows("SELECT status, follow_up, comment, performed_on FROM control_result"
                       " ORDER BY id")
    upgrade()
    db.engine.dispose()

    assert old_controls == [("Attest av fakturor", "tertial", 2)]  # the plan-wide one cannot be
    assert [r[:3] for r in old_results] == [
        ("findings", "plan_made", "Två fakturor utan attest."),
        ("not_performed", "not_applicable", "Sjukdom.")]
    assert all(r[3] is not None for r in old_results)
    again = rows("SELECT c.occurrences, r.performed, r.category, r.remediation_status,"
                 " r.result_text, r.performed_start IS NULL FROM control_result r"
                 " JOIN control c ON c.id = r.control_id ORDER BY r.id")
    assert [(r[0] if isinstance(r[0], list) else json.loads(r[0]), bool(r[1]), r[2], r[3],
             r[4], bool(r[5])) for r in again] == [
        (["T2"], True, "findings", "plan_made", "Två fakturor utan attest.", False),
        (["T2"], False, None, "not_applicable", "Sjukdom.", True)]

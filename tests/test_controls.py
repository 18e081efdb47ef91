"""Controls, kontrollutfall, evidence and stored stickprov: models, constraints and services."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy.exc import IntegrityError

from isk.extensions import db
from isk.models import (
    Control,
    ControlMethod,
    ControlResult,
    ItemOutcome,
    Plan,
    RemediationStatus,
    ResultCategory,
    Sample,
)
from isk.services import controls, plans
from isk.services.controls import evidence, periods
from isk.services.controls.periods import PerformedError, Period, parse_performed
from isk.services.sampling import samples
from isk.services.sampling.stats import judgement_size

from . import control_helpers
from .control_helpers import make_control, population_csv

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (Period.T1, date(2026, 1, 1), date(2026, 4, 30)),
        (Period.T2, date(2026, 5, 1), date(2026, 8, 31)),
        (Period.T3, date(2026, 9, 1), date(2026, 12, 31)),
        (Period.INTERIM, date(2026, 1, 1), date(2026, 8, 31)),
        (Period.ANNUAL, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_each_period_covers_its_months(period, start, end):
    dates = period.date_range(2026)
    assert (dates.start, dates.end) == (start, end)
    assert start in dates and end in dates and date(2027, 1, 1) not in dates


@pytest.mark.parametrize(
    ("code", "due", "due_in"),
    [
        ("03", date(2026, 3, 31), {"T1", "delar", "helar"}),
        ("T2", date(2026, 8, 31), {"T2", "delar", "helar"}),
        ("delar", date(2026, 8, 31), {"T2", "delar", "helar"}),
        ("helar", date(2026, 12, 31), {"T3", "helar"}),
        ("2026-09-15", date(2026, 9, 15), {"T3", "helar"}),
    ],
)
def test_an_occurrence_is_due_at_the_end_of_its_days(app, code, due, due_in):
    assert periods.is_occurrence(code)
    assert periods.due_date(code, 2026) == due
    assert {p.value for p in Period if periods.is_due_in(code, p, 2026)} == due_in


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-03-14", date(2025, 3, 14), date(2025, 3, 14)),
        ("14 mars", date(2025, 3, 14), date(2025, 3, 14)),
        ("14/3", date(2025, 3, 14), date(2025, 3, 14)),
        ("vecka 12", date(2025, 3, 17), date(2025, 3, 23)),
        ("v. 12", date(2025, 3, 17), date(2025, 3, 23)),
        ("Vecka 10-12", date(2025, 3, 3), date(2025, 3, 23)),
        ("mars", date(2025, 3, 1), date(2025, 3, 31)),
        ("Oktober 2025", date(2025, 10, 1), date(2025, 10, 31)),
        ("T1", date(2025, 1, 1), date(2025, 4, 30)),
        ("tertial 2", date(2025, 5, 1), date(2025, 8, 31)),
        ("T1, T2, T3", date(2025, 1, 1), date(2025, 12, 31)),
        ("T1–T3", date(2025, 1, 1), date(2025, 12, 31)),
        ("kvartal 2", date(2025, 4, 1), date(2025, 6, 30)),
        ("Delår", date(2025, 1, 1), date(2025, 8, 31)),
        ("Helår", date(2025, 1, 1), date(2025, 12, 31)),
        ("Löpande under året", date(2025, 1, 1), date(2025, 12, 31)),
        ("mars och oktober", date(2025, 3, 1), date(2025, 10, 31)),
    ],
)
def test_utfort_is_read_as_regions_write_it(app, text, start, end):
    performed = parse_performed(text, 2025)
    assert performed.performed and performed.text == text
    assert (performed.start, performed.end) == (start, end)


def test_a_list_of_tertials_covers_each_but_not_the_gaps(app):
    performed = parse_performed("T1, T3", 2025)
    assert [performed.covers(code, 2025) for code in ("T1", "T2", "T3")] == [True, False, True]


@pytest.mark.parametrize("text", ["Ej utfört", "ej utförd", "Inte genomfört", "EJ UTFÖRT"])
def test_ej_utfort_has_no_days(app, text):
    performed = parse_performed(text, 2025)
    assert not performed.performed and performed.start is None and performed.end is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Ange när"),
        ("snart", "går inte att läsa"),
        ("vecka 60", "går inte att läsa"),
        ("31/2", "går inte att läsa"),
        ("2024-05-01", "planens år"),
        ("mars 2024", "planens år"),
        ("T4", "går inte att läsa"),
    ],
)
def test_an_unreadable_utfort_says_what_it_expects(app, text, message):
    with pytest.raises(PerformedError, match=message):
        parse_performed(text, 2025)


# --- controls -----------------------------------------------------------------------------------


def test_a_control_verifies_at_most_one_action_or_risk(app, world):
    control = Control(plan=world["plan"], action=world["action"], risk=world["risk"],
                      description="x", method=ControlMethod.OTHER, occurrences=[])
    db.session.add(control)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_control_may_belong_to_the_plan_as_a_whole(app, world):
    control = make_control(world, target="plan", description="Löneutbetalningar",
                           method=None, method_text="Stickprov på 20 löneändringar.",
                           occurrences=["T3", "T1", "T2"])
    assert control.target_risk is None and control.risk_id is None and control.action_id is None
    assert control.occurrences == ["T1", "T2", "T3"]
    assert control.method_shown == "Stickprov på 20 löneändringar."
    assert controls.target_key(control) == "plan"


def test_a_control_names_its_method_in_words_or_by_kind(app, world):
    with pytest.raises(controls.ControlError, match="kontrollmetoden"):
        make_control(world, method=None, method_text=" ")
    by_kind = make_control(world, method_text="", method=ControlMethod.CONTRACT)
    assert by_kind.method_shown == "Kontroll mot avtal"


@pytest.mark.parametrize(
    ("occurrences", "message"),
    [(["T4"], "inget tillfälle"), (["2025-05-01"], "planens år"), (["13"], "inget tillfälle")],
)
def test_an_unknown_occurrence_is_refused(app, world, occurrences, message):
    with pytest.raises(controls.ControlError, match=message):
        make_control(world, occurrences=occurrences)


def test_a_namnd_plans_its_own_control_on_a_region_wide_action(app, world):
    region_plan = plans.create_plan(world["plan"].org_unit.parent, 2026)
    area = plans.add_process_area(region_plan, "HR")
    from isk.models import Criterion

    risk = plans.add_risk(area, plans.RiskContent("Risk att SAM inte fungerar.", {Criterion.C}))
    risk.region_wide = True
    action = plans.add_action(risk, plans.ActionContent("Varje chef följer upp SAM årligen."))
    action.region_wide = True
    db.session.commit()
    keys = {t.key for t in controls.targets_for(world["plan"])}
    assert f"action-{action.id}" in keys
    control = controls.create_control(world["plan"], f"action-{action.id}", controls.ControlData(
        "Andel chefer som svarat", method=ControlMethod.SURVEY))
    db.session.commit()
    assert control.plan_id == world["plan"].id and control.action_id == action.id
    assert controls.controls_of(world["plan"]) == [control]
    assert controls.controls_of(region_plan) == []


def test_a_closed_plan_takes_no_new_controls(app, world):
    from isk.models import PlanStatus

    plan: Plan = world["plan"]
    plan.status, plan.adopted_on = PlanStatus.CLOSED, date(2025, 11, 20)
    db.session.commit()
    with pytest.raises(controls.ControlError, match="avslutad"):
        make_control(world)


def test_a_result_must_be_dated_within_the_plan_year(app, world):
    control = make_control(world)
    with pytest.raises(controls.ControlError, match="planens år"):
        controls.record_result(control, controls.ResultData("2025-04-01"))


def test_a_result_keeps_every_cell_word_for_word(app, world):
    control = make_control(world, occurrences=["T1", "T2", "T3"])
    result = controls.record_result(control, controls.ResultData(
        "T1, T2, T3", "Brister i attestordningen identifierade", ResultCategory.FINDINGS,
        "Rutinen ändrad, effekten följs upp nästa år", RemediationStatus.ACTIONS_TAKEN))
    db.session.commit()
    db.session.expire_all()
    result = db.session.get(ControlResult, result.id)
    assert result.performed and result.performed_text == "T1, T2, T3"
    assert (result.performed_start, result.performed_end) == (date(2026, 1, 1),
                                                              date(2026, 12, 31))
    assert result.occurrences == ["T1", "T2", "T3"]
    assert result.result_text == "Brister i attestordningen identifierade"
    assert result.remediation == "Rutinen ändrad, effekten följs upp nästa år"
    assert result.has_deviation and not result.remediation_open


def test_ej_utfort_is_kept_without_a_date_and_needs_a_reason(app, world):
    control = make_control(world)
    with pytest.raises(controls.ControlError, match="varför"):
        controls.record_result(control, controls.ResultData("Ej utfört"))
    with pytest.raises(controls.ControlError, match="inget datum"):
        controls.record_result(control, controls.ResultData(
            "2026-03-01", "Ingen tid", performed=False))
    result = controls.record_result(control, controls.ResultData(
        "", "Personalbrist under våren.", performed=False))
    assert not result.performed and result.performed_text == "Ej utfört"
    assert result.performed_start is None and result.performed_end is None
    assert result.occurrences == ["T1"]


def test_the_database_refuses_a_performed_result_without_dates(app, world):
    control = make_control(world)
    db.session.add(ControlResult(control=control, performed=True, performed_text="mars",
                                 occurrences=[]))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_result_of_a_recurring_control_finds_its_occurrence(app, world):
    control = make_control(world, occurrences=["T1", "T2", "T3"])
    spring = controls.record_result(control, controls.ResultData("vecka 12", "Inga brister"))
    assert spring.occurrences == ["T1"]
    with pytest.raises(controls.ControlError, match="vilket av de planerade"):
        controls.record_result(control, controls.ResultData("", "Sjukdom", performed=False))
    autumn = controls.record_result(control, controls.ResultData(
        "", "Sjukdom", performed=False, occurrences=["T3"]))
    assert autumn.occurrences == ["T3"]
    with pytest.raises(controls.ControlError, match="inte planerad"):
        controls.record_result(control, controls.ResultData("maj", "x", occurrences=["03"]))


# --- evidence -----------------------------------------------------------------------------------


def _office(content_type_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         f'<Types><Override ContentType="application/x.{content_type_part}"/>'
                         "</Types>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("a.pdf", b"%PDF-1.7\n", evidence.PDF),
        ("a.png", b"\x89PNG\r\n\x1a\nrest", evidence.PNG),
        ("a.JPG", b"\xff\xd8\xff\xe0rest", evidence.JPEG),
        ("a.docx", _office("wordprocessingml.document.main+xml"), evidence.DOCX),
        ("a.xlsx", _office("spreadsheetml.sheet.main+xml"), evidence.XLSX),
        ("a.csv", b"id;belopp\n1;2\n", evidence.CSV),
        ("a.txt", "Åtgärd klar\n".encode(), evidence.TXT),
    ],
)
def test_allowed_evidence_is_recognised_by_content(app, name, data, content_type):
    assert evidence.check_evidence(name, data).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.exe", b"MZ\x90\x00"),
        ("a.pdf", b"MZ\x90\x00"),
        ("a.txt", b"\x00\x01binary"),
        ("a.txt", b"%PDF-1.7\n"),
        ("a.xlsm", _office("spreadsheetml.sheet.macroEnabled.main+xml")),
        ("a.docx", _office("spreadsheetml.sheet.main+xml")),
        ("a.html", b"<script>alert(1)</script>"),
    ],
)
def test_other_files_are_refused(app, name, data):
    with pytest.raises(evidence.EvidenceError, match="tillåten typ"):
        evidence.check_evidence(name, data)


def test_evidence_above_the_limit_is_refused(app):
    with pytest.raises(evidence.EvidenceError, match="för stor"):
        evidence.check_evidence("a.pdf", b"%PDF-" + b"0" * 100, limit=50)


def test_evidence_is_stored_under_a_random_name_outside_the_web_root(app, world, files_dir):
    control = make_control(world)
    result = controls.record_result(control, controls.ResultData("T1", "Inga brister"),
        [evidence.check_evidence("../../etc/passwd.txt", b"hej\n")])
    db.session.commit()
    file = result.evidence[0]
    assert file.original_name == "passwd.txt"
    assert evidence.path_of(file).parent == files_dir / "evidence"
    assert evidence.path_of(file).read_bytes() == b"hej\n"


# --- stored stickprov ---------------------------------------------------------------------------


def _draw(world, seed: str = "frö-1", size: int = 8) -> Sample:
    control = make_control(world)
    population = samples.keep_population(io.BytesIO(population_csv(60)), "f.csv", None)
    sample = samples.draw_for_control(
        control, population, judgement_size(size, "Liten population."),
        samples.DrawChoices(id_column="fakturanr", amount_column="belopp", seed=seed),
        Fraction(1, 20), Fraction(1, 20))
    db.session.commit()
    return sample


def test_a_stored_draw_is_redrawn_identically_from_the_kept_file(app, world, files_dir):
    sample = _draw(world)
    assert len(sample.items) == 8 and sample.row_count == 60
    assert (files_dir / "populations" / f"{sample.population_checksum}.csv").exists()
    assert samples.verify_redraw(sample) is True
    again = _draw(world)
    assert [i.item_id for i in again.items] == [i.item_id for i in sample.items]


def test_a_changed_population_file_is_not_redrawn(app, world, files_dir):
    sample = _draw(world)
    path = files_dir / "populations" / f"{sample.population_checksum}.csv"
    path.write_bytes(population_csv(61))
    with pytest.raises(samples.SampleError, match="kontrollsumman"):
        samples.verify_redraw(sample)


def test_a_judgement_sample_needs_its_reason_in_the_database(app, world):
    sample = _draw(world)
    sample.size_reason = " "
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_evaluation_follows_the_items(app, world):
    sample = _draw(world, size=10)
    entries = {i.item_id: samples.ItemEntry(ItemOutcome.OK, "") for i in sample.items}
    assert samples.status_of(sample).evaluation is None
    samples.record_outcomes(sample, entries, sample.version_id)
    evaluation = samples.status_of(sample).evaluation
    assert evaluation.deviations == 0 and evaluation.reliable is False  # 10 items prove little
    first = sample.items[0].item_id
    samples.record_outcomes(sample, {first: samples.ItemEntry(ItemOutcome.DEVIATION, "Fel")},
                            sample.version_id)
    assert samples.status_of(sample).evaluation.deviations == 1


def test_outcomes_for_items_outside_the_sample_are_refused(app, world):
    sample = _draw(world)
    with pytest.raises(samples.SampleError, match="ingår inte"):
        samples.record_outcomes(sample, {"NOPE": samples.ItemEntry(ItemOutcome.OK, "")}, None)

"""Control pages: plan a control, draw a stickprov, record results and kontrollutfall, report.

Bad input is refused with a Swedish message and a 4xx, and writes nothing (rows counted before
and after); permissions are checked by URL.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import (
    AuditEntry,
    Control,
    ControlResult,
    EvidenceFile,
    ItemOutcome,
    Sample,
    SampleItem,
)
from isk.services import controls

from . import control_helpers
from .control_helpers import INVOICE_ACTION, make_control, population_csv, results_xlsx
from .control_helpers import count as rows_of
from .plan_helpers import csrf_from, page_text, pdf_text, post_form, squeeze

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _base(world) -> str:
    return f"/planer/{world['plan'].id}/kontroller"


def _upload_population(client, world, control, data: bytes, name: str = "fakturor.csv"):
    path = f"{_base(world)}/{control.id}/stickprov/ny"
    token = csrf_from(client.get(path))
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _draw(client, world, control, method: str = "judgement", **fields):
    response = _upload_population(client, world, control, population_csv(200))
    assert response.status_code == 302, page_text(response)
    draw_path = response.headers["Location"]
    data = {"size_method": method, "risk": "5", "tolerable": "5 %", "expected": "0 %",
            "size": "10", "reason": "Liten population; tio fakturor räcker för att se mönster.",
            "amount_column": "", "strata_column": "", "seed": "demo-seed", **fields}
    return draw_path, post_form(client, draw_path, data)


# --- a whole slice through the pages ------------------------------------------------------------


def test_a_controller_plans_a_control_draws_a_sample_and_reports_it(client, auth, world):
    auth.login_via_session(world["controller"])
    response = post_form(client, f"{_base(world)}/ny", {
        "target": f"action-{world['action'].id}",
        "description": "Anteckning på fakturor för resor och kurser",
        "method_text": "Stickprov: syfte och attest på varje faktura.",
        "method": "sample", "occurrences": ["T1", "T2"],
        "responsible": str(world["controller"].id),
        "population_description": "Fakturor på konto 5800-5899",
    })
    assert response.status_code == 302
    control = db.session.scalar(select(Control))
    assert control.action_id == world["action"].id and control.plan_id == world["plan"].id
    assert control.occurrences == ["T1", "T2"]

    _draw_path, response = _draw(client, world, control, method="statistical")
    assert response.status_code == 302, page_text(response)
    sample = db.session.scalar(select(Sample))
    assert sample.size == 59 and sample.tolerated_deviations == 0
    assert sample.seed == "demo-seed" and len(sample.population_checksum) == 64
    sample_path = response.headers["Location"]
    page = page_text(client.get(sample_path))
    assert "Kontrollsumma (SHA-256)" in page and sample.population_checksum in page
    assert "isk-bottomk-blake2b-v1" in page

    items = db.session.scalars(select(SampleItem).order_by(SampleItem.position)).all()
    form = {f"outcome-{item.id}": "ok" for item in items}
    form[f"outcome-{items[0].id}"] = "deviation"
    form[f"comment-{items[0].id}"] = "Syfte saknas"
    form[f"outcome-{items[1].id}"] = "deviation"
    page = client.get(sample_path)
    response = client.post(f"{sample_path}/resultat", data={
        "csrf_token": csrf_from(page), "version": str(sample.version_id), **form})
    assert response.status_code == 302
    page = page_text(client.get(sample_path))
    assert "Kontrollen kan inte förlitas på" in page
    assert "2 av 59" in page and "3,4 %" in page

    redraw = client.post(f"{sample_path}/omprovning", data={"csrf_token": csrf_from(
        client.get(sample_path))})
    assert "Samma 59 poster i samma ordning" in page_text(redraw)

    # The kontrollutfall form starts from the stickprov's evaluation.
    form_page = page_text(client.get(
        f"{_base(world)}/{control.id}/utfall/ny?stickprov={sample.id}"))
    assert "Förifyllt från stickprovets utvärdering" in form_page
    assert "Stickprov: Kontrollen kan inte förlitas på" in form_page

    response = post_form(client, f"{_base(world)}/{control.id}/utfall/ny", {
        "outcome": "performed", "performed_text": "vecka 14",
        "result_text": "Två fakturor saknade syfte.", "category": "findings",
        "remediation": "Rutinen förtydligad.", "remediation_status": "plan_made",
        "sample": str(sample.id), "files": (io.BytesIO(PDF_BYTES), "underlag.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)
    result = db.session.scalar(select(ControlResult))
    assert result.sample_id == sample.id and len(result.evidence) == 1
    assert result.occurrences == ["T1"] and result.performed_start.isoformat() == "2026-03-30"

    report = client.get(f"/planer/{world['plan'].id}/uppfoljning?period=T1")
    text = page_text(report)
    assert "Två fakturor saknade syfte. Brister identifierade" in text
    assert "Rutinen förtydligad. Åtgärdsplan upprättad" in text and "vecka 14" in text
    pdf = client.get(f"/planer/{world['plan'].id}/uppfoljning.pdf?period=T1")
    assert pdf.mimetype == "application/pdf"
    printed = squeeze(pdf_text(pdf.data))
    assert squeeze("Uppföljning av internkontroll") in printed
    assert squeeze("Utfört (datum, vecka, månad, period)") in printed
    assert squeeze("Två fakturor saknade syfte.") in printed and squeeze("vecka 14") in printed


# --- bad input through the pages: clear message, 4xx, nothing written ----------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"fakturanr;belopp\n", "tom"),
        (population_csv(20, duplicate=True), "F00007"),
    ],
    ids=["empty", "duplicate-id"],
)
def test_a_bad_population_is_refused_and_nothing_is_kept(client, auth, world, files_dir, data,
                                                          message):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    response = _upload_population(client, world, control, data)
    assert response.status_code == 400
    assert "Filen kan inte användas som population" in page_text(response)
    assert message in page_text(response)
    assert not (files_dir / "populations").exists() or not any(
        (files_dir / "populations").iterdir())


def test_a_sample_larger_than_the_population_is_refused_and_nothing_is_written(
        client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    before = rows_of(AuditEntry)
    _path, response = _draw(client, world, control, size="500")
    assert response.status_code == 400
    assert "är större än populationen (200 poster)" in page_text(response)
    assert rows_of(Sample) == 0 and rows_of(SampleItem) == 0
    assert rows_of(AuditEntry) == before


def test_a_judgement_size_needs_a_reason(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    _path, response = _draw(client, world, control, reason="")
    assert response.status_code == 400
    assert "Motivera varför" in page_text(response)
    assert rows_of(Sample) == 0


def test_a_results_file_naming_items_outside_the_sample_is_refused(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    _path, response = _draw(client, world, control)
    sample_path = response.headers["Location"]
    sample = db.session.scalar(select(Sample))
    first = sample.items[0].item_id
    data = results_xlsx([(first, "Avvikelse", "Saknar syfte"), ("X99999", "OK", "")])
    token = csrf_from(client.get(sample_path))
    response = client.post(f"{sample_path}/fil", data={
        "csrf_token": token, "version": str(sample.version_id),
        "file": (io.BytesIO(data), "ifylld.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "”X99999” ingår inte i stickprovet" in page_text(response)
    db.session.expire_all()
    assert all(item.outcome is None for item in db.session.scalars(select(SampleItem)))


def test_the_filled_in_results_file_is_read_back(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    _path, response = _draw(client, world, control)
    sample_path = response.headers["Location"]
    sample = db.session.scalar(select(Sample))
    rows = [(item.item_id, "OK", "") for item in sample.items]
    rows[3] = (rows[3][0], "Avvikelse", "Attest saknas")
    token = csrf_from(client.get(sample_path))
    response = client.post(f"{sample_path}/fil", data={
        "csrf_token": token, "version": str(sample.version_id),
        "file": (io.BytesIO(results_xlsx(rows)), "ifylld.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    text = page_text(client.get(sample_path))
    assert "Granskade poster: 10 av 10" in text and "1 av 10" in text


def test_a_stale_results_form_gets_409_and_changes_nothing(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    _path, response = _draw(client, world, control)
    sample_path = response.headers["Location"]
    sample = db.session.scalar(select(Sample))
    item = sample.items[0]
    token = csrf_from(client.get(sample_path))
    stale = str(sample.version_id)
    assert client.post(f"{sample_path}/resultat", data={
        "csrf_token": token, "version": stale, f"outcome-{item.id}": "ok"}).status_code == 302
    response = client.post(f"{sample_path}/resultat", data={
        "csrf_token": token, "version": stale, f"outcome-{item.id}": "deviation"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(SampleItem, item.id).outcome is ItemOutcome.OK


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("program.exe", b"MZ\x90\x00binary", "inte av en tillåten typ"),
        ("rapport.pdf", b"<html>not a pdf</html>", "inte av en tillåten typ"),
        ("stor.pdf", PDF_BYTES + b"0" * 2048, "för stor"),
    ],
    ids=["forbidden-type", "content-does-not-match-name", "too-large"],
)
def test_a_bad_evidence_file_is_refused_and_nothing_is_written(
        app, client, auth, world, files_dir, name, data, message):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    control = make_control(world)
    auth.login_via_session(world["controller"])
    response = post_form(client, f"{_base(world)}/{control.id}/utfall/ny", {
        "outcome": "performed", "performed_text": "T1", "result_text": "Inga brister",
        "files": (io.BytesIO(data), name),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in page_text(response)
    assert rows_of(ControlResult) == 0 and rows_of(EvidenceFile) == 0
    assert not (files_dir / "evidence").exists()


# --- permissions --------------------------------------------------------------------------------


def _result_with_evidence(world) -> tuple[Control, EvidenceFile]:
    from isk.services.controls import evidence

    control = make_control(world)
    upload = evidence.check_evidence("underlag.pdf", PDF_BYTES)
    result = controls.record_result(control, controls.ResultData("T1", "Inga brister"),
                                    [upload])
    db.session.commit()
    return control, result.evidence[0]


def test_readers_see_controls_but_cannot_change_them(client, auth, world):
    control, _file = _result_with_evidence(world)
    auth.login_via_session(world["reader"])
    assert client.get(_base(world)).status_code == 200
    assert client.get(f"{_base(world)}/{control.id}").status_code == 200
    assert client.get(f"{_base(world)}/ny").status_code == 403
    token = csrf_from(client.get(f"{_base(world)}/{control.id}"))
    assert client.post(f"{_base(world)}/{control.id}/arkivera",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"{_base(world)}/{control.id}/utfall/ny",
                       data={"csrf_token": token}).status_code == 403
    assert db.session.get(Control, control.id).archived_at is None


def test_a_controller_of_another_namnd_is_refused(client, auth, world):
    _control, file = _result_with_evidence(world)
    auth.login_via_session(world["other"])
    assert client.get(_base(world)).status_code == 403
    assert client.get(f"{_base(world)}/ny").status_code == 403
    assert client.get(f"/planer/{world['plan'].id}/underlag/{file.id}").status_code == 403
    assert client.get(f"/planer/{world['plan'].id}/uppfoljning?period=T1").status_code == 403


def test_evidence_is_served_as_an_attachment_to_those_who_see_the_plan(client, auth, world):
    _control, file = _result_with_evidence(world)
    auth.login_via_session(world["auditor"])
    response = client.get(f"/planer/{world['plan'].id}/underlag/{file.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_archived_evidence_and_controls_are_gone(client, auth, world):
    control, file = _result_with_evidence(world)
    controls.archive_result(file.result)
    db.session.commit()
    auth.login_via_session(world["controller"])
    assert client.get(f"/planer/{world['plan'].id}/underlag/{file.id}").status_code == 404
    controls.archive_control(db.session.get(Control, control.id))
    db.session.commit()
    assert client.get(f"{_base(world)}/{control.id}").status_code == 404
    assert rows_of(Control) == 1  # archived, not deleted


def test_a_stale_control_edit_gets_409(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    path = f"{_base(world)}/{control.id}/andra"
    form = {"target": f"action-{world['action'].id}", "description": "Ny beskrivning",
            "method": "sample", "occurrences": ["helar"], "responsible": "0",
            "version": str(control.version_id)}
    assert post_form(client, path, form).status_code == 302
    response = post_form(client, path, {**form, "description": "Annan beskrivning"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Control, control.id).description == "Ny beskrivning"


# --- the report, the calculator and the plan page -----------------------------------------------


def test_the_report_never_invents_an_outcome_for_a_control_without_one(
        app, client, auth, world):
    make_control(world)  # T1, nothing recorded
    make_control(world, description="Kontroll i T3", occurrences=["T3"])
    auth.login_via_session(world["reader"])
    app.config["TODAY"] = "2026-06-01"
    text = page_text(client.get(f"/planer/{world['plan'].id}/uppfoljning?period=T1"))
    assert "Ej rapporterat (planerad T1)" in text and "Kontroll i T3" not in text
    assert "Ej utfört" not in text
    assert INVOICE_ACTION in text  # åtgärd status is followed up too
    pdf = client.get(f"/planer/{world['plan'].id}/uppfoljning.pdf?period=helar")
    printed = squeeze(pdf_text(pdf.data))
    assert squeeze("Ej rapporterat (planerad T1)") in printed
    assert squeeze("Planerad T3") in printed and squeeze("Kontroll i T3") in printed
    assert squeeze("Avser år 2026") in printed and "Sida1av1" in printed
    app.config["TODAY"] = "2027-01-10"
    later = squeeze(pdf_text(client.get(
        f"/planer/{world['plan'].id}/uppfoljning.pdf?period=helar").data))
    assert squeeze("Ej rapporterat (planerad T3)") in later and "PlaneradT3" not in later
    assert client.get(f"/planer/{world['plan'].id}/uppfoljning?period=T9").status_code == 404


def test_a_result_form_for_a_control_not_performed_asks_why(client, auth, world):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    path = f"{_base(world)}/{control.id}/utfall/ny"
    response = post_form(client, path, {"outcome": "not_performed", "performed_text": ""})
    assert response.status_code == 400 and "Skriv varför kontrollen inte utfördes" in page_text(
        response)
    response = post_form(client, path, {"outcome": "performed", "performed_text": "snart"})
    assert response.status_code == 400 and "går inte att läsa som en tidpunkt" in page_text(
        response)
    assert rows_of(ControlResult) == 0
    response = post_form(client, path, {"outcome": "not_performed",
                                        "result_text": "Personalbrist under våren."})
    assert response.status_code == 302
    result = db.session.scalar(select(ControlResult))
    assert not result.performed and result.performed_text == "Ej utfört"
    assert result.performed_start is None


def test_the_controls_list_and_report_load_in_a_fixed_number_of_queries(
        client, auth, world, query_counter):
    auth.login_via_session(world["controller"])

    def queries(path: str) -> int:
        with query_counter() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    _result_with_evidence_for(make_control(world))
    list_one = queries(_base(world))
    report_one = queries(f"/planer/{world['plan'].id}/uppfoljning?period=helar")
    for n in range(4):
        control = make_control(world, description=f"Kontroll {n}")
        _result_with_evidence_for(control)
    assert queries(_base(world)) == list_one
    assert queries(f"/planer/{world['plan'].id}/uppfoljning?period=helar") == report_one


def _result_with_evidence_for(control: Control) -> None:
    from isk.services.controls import evidence

    controls.record_result(control, controls.ResultData("mars", "Inga brister"),
                           [evidence.check_evidence("a.txt", b"ok\n")])
    db.session.commit()


def test_the_calculator_prints_what_the_cli_prints(client, auth, runner, world):
    auth.login_via_session(world["reader"])
    response = client.get("/stickprovsstorlek?size_method=statistical&risk=5"
                          "&tolerable=5+%25&expected=1+%25")
    cli = runner.invoke(args=["isk", "sample-size", "--risk", "5 %", "--tolerable", "5 %",
                              "--expected", "1 %"])
    assert cli.exit_code == 0
    assert cli.output.strip() in page_text(response)
    refused = client.get("/stickprovsstorlek?size_method=judgement&risk=5&size=30&reason=")
    assert refused.status_code == 400 and "Motivera varför" in page_text(refused)


def test_the_plan_page_links_to_controls_and_follow_up(client, auth, world):
    make_control(world)
    auth.login_via_session(world["reader"])
    body = client.get(f"/planer/{world['plan'].id}").get_data(as_text=True)
    assert f'href="/planer/{world["plan"].id}/kontroller"' in body
    assert re.search(r"/uppfoljning\?period=", body)

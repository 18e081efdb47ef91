"""The two prints of a plan: the nämnd's, which reads like the published plans, and the
working version; and adoption guarded as a decision is.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from importlib import resources

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from isk.extensions import db
from isk.models import OrgUnit, Plan, PlanStatus, RegionTextKey, Role
from isk.services import plans, wording
from isk.services.plans import imports

from .plan_helpers import csrf_from, page_text, post_form, squeeze

SEED_PLANS = {"medicinsk-teknik-2022.csv": ("MT", 2022), "servicenamnden-2023.csv": ("SN", 2023),
              "servicenamnden-2026.csv": ("SN", 2026)}


def seed_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("isk.demo_data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def printed_lines(data: bytes) -> list[str]:
    """Each line the PDF draws, as drawn (one text fragment per line of a paragraph)."""
    lines: list[str] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=lambda text, *_: lines.append(text))
    return [squeeze(line) for line in lines if line.strip()]


def allowed_texts(name: str, unit: OrgUnit, plan: Plan) -> list[str]:
    """What the published plan prints: its cells, marked as the region marks them, and the
    fixed texts around the table (the region's wording, the title and the decision)."""
    texts = wording.region_texts(unit)
    allowed = ["Verksamhet", "Risk", "Åtgärd", "Intern styrning", "Intern kontroll",
               f"Internkontrollplan {plan.year} – {unit.name}",
               texts[RegionTextKey.REQUIREMENTS_INTRO], texts[RegionTextKey.SUFFICIENCY],
               texts[RegionTextKey.PLAN_INTRO], texts[RegionTextKey.PLAN_EXPLANATION],
               *(f"{letter}) {text}" for letter, text in texts.requirements)]
    for row in seed_rows(name):
        allowed += [row["verksamhet"], row["risk"], row["atgard"]]
        if row["regionovergripande"] == "ja":
            allowed += [f"Regionövergripande: {row['risk']}",
                        f"Regionövergripande åtgärd: {row['atgard']}"]
    return [squeeze(text) for text in allowed if text]


FIXED_LINES = (
    re.compile(r"Fastställd:.*§\d+,\d{4}-\d{2}-\d{2}(·Diarienummer:.*)?"),
    re.compile(r"Internkontrollplan\d{4}–.*·Utskriven\d{4}-\d{2}-\d{2}\d{2}:\d{2}"),
    re.compile(r"Sida\d+av\d+"),
)


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["isk", "demo"])
    assert result.exit_code == 0, result.output


def test_the_namnd_print_of_each_seed_plan_has_no_line_the_published_plan_lacks(
        demo, runner, tmp_path):
    for name, (code, year) in SEED_PLANS.items():
        out = tmp_path / f"{code}-{year}.pdf"
        result = runner.invoke(args=["isk", "export-plan", "--unit", code, "--year", str(year),
                                     "--format", "pdf", "-o", str(out)])
        assert result.exit_code == 0, result.output
        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        plan = db.session.scalar(select(Plan).where(Plan.org_unit_id == unit.id,
                                                    Plan.year == year))
        allowed = allowed_texts(name, unit, plan)
        lines = printed_lines(out.read_bytes())
        strays = [line for line in lines
                  if not any(line in text for text in allowed)
                  and not any(p.fullmatch(line) for p in FIXED_LINES)]
        assert strays == [], (name, strays[:5])
        printed = "".join(lines)
        for row in seed_rows(name):  # and nothing the published plan has is left out
            assert squeeze(row["risk"])[:40] in printed, row["risk"]
        assert "Riskvärde" not in printed and "Status:" not in printed


def test_the_namnd_print_marks_region_wide_rows_first_as_the_regions_write_it(
        demo, runner, tmp_path):
    out = tmp_path / "sn.pdf"
    runner.invoke(args=["isk", "export-plan", "--unit", "SN", "--year", "2026", "--format", "pdf",
                        "-o", str(out)])
    printed = "".join(printed_lines(out.read_bytes()))
    first_own = printed.index(squeeze("Risken att verksamheten inte efterlever"))

    assert printed.index(squeeze("Regionövergripande: Risk att systematiskt")) < first_own
    assert squeeze("Regionövergripande åtgärd: Varje chef ska årligen") in printed


def test_the_working_print_adds_criteria_riskvarde_and_status(demo, runner, tmp_path):
    out = tmp_path / "arbete.pdf"
    result = runner.invoke(args=["isk", "export-plan", "--unit", "SN", "--year", "2026",
                                 "--format", "pdf", "--layout", "arbete", "-o", str(out)])
    printed = "".join(printed_lines(out.read_bytes()))

    assert result.exit_code == 0, result.output
    for part in ("Kriterier:", "Riskvärde", "Status:", "Riskvärde = sannolikhet"):
        assert squeeze(part) in printed, part


def test_the_page_offers_both_prints_and_refuses_an_unknown_one(demo, client, auth):
    from isk.services import demo as demo_data

    auth.login("lasare@example.org", demo_data.DEMO_PASSWORD)
    plan = db.session.scalar(select(Plan).join(Plan.org_unit).where(
        OrgUnit.code == "SN", Plan.year == 2026))
    body = client.get(f"/planer/{plan.id}").get_data(as_text=True)
    namnd = client.get(f"/planer/{plan.id}/export.pdf")
    working = client.get(f"/planer/{plan.id}/export.pdf?layout=arbete")
    unknown = client.get(f"/planer/{plan.id}/export.pdf?layout=allt")

    assert f'href="/planer/{plan.id}/export.pdf?layout=arbete"' in body
    assert namnd.status_code == working.status_code == 200
    assert "arbetsversion" in working.headers["Content-Disposition"]
    assert squeeze("Riskvärde") not in "".join(printed_lines(namnd.data))
    assert unknown.status_code == 400
    assert "Okänd utskrift ”allt”: välj namnd eller arbete." in page_text(unknown)


# --- no invented data ------------------------------------------------------------------------


@pytest.fixture
def imported(make_unit):
    """The 2026 seed plan imported into Servicenämnden: the file names no criteria."""
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    data = resources.files("isk.demo_data").joinpath("servicenamnden-2026.csv").read_bytes()
    prepared = imports.import_file(plan, "servicenamnden-2026.csv", data, may_edit_region=True)
    db.session.commit()
    return plan, prepared


def test_an_imported_plan_without_criteria_has_none_and_says_so(imported, client, auth,
                                                               make_user):
    plan, prepared = imported
    risks = [risk for area in plan.process_areas for risk in area.risks]
    admin = make_user("admin@example.org", Role.ADMIN)
    auth.login_via_session(admin)
    page = page_text(client.get(f"/planer/{plan.id}"))

    region = [r for area in plans.region_plan_for(plan).process_areas for r in area.risks]

    assert risks and all(risk.criteria == [] for risk in risks + region)
    assert any("har inget kriterium" in warning for warning in prepared.warnings)
    assert "kriterium saknas" in page
    assert f"{len(risks) + len(region)} risker: kriterium saknas" in page


def test_adoption_names_the_risks_without_criteria(imported, on_day):
    plan, _prepared = imported
    region_plan = plans.region_plan_for(plan)
    for risk in [r for area in region_plan.process_areas for r in area.risks]:
        risk.criteria = ["c"]
    db.session.commit()
    with on_day(date(2025, 12, 1)), pytest.raises(plans.PlanError) as refused:
        plans.adopt_plan(plan, date(2025, 11, 20), "SN § 45", None)

    message = str(refused.value)
    assert "saknar kriterium (c, d eller e)" in message
    assert "”Risken att verksamheten inte efterlever" in message and "och 5 till" in message
    assert plan.status is PlanStatus.DRAFT


def test_a_decision_in_the_future_is_refused(app, make_unit, client, auth, make_user):
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    db.session.commit()
    admin = make_user("admin@example.org", Role.ADMIN)
    auth.login_via_session(admin)
    app.config["TODAY"] = "2025-11-01"
    response = post_form(client, f"/planer/{plan.id}/faststall", {
        "adopted_on": "2025-11-20", "paragraph": "SN § 45", "diary_number": ""})

    assert response.status_code == 400
    assert "Beslutsdatumet 2025-11-20 har inte kommit än" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status is PlanStatus.DRAFT


def test_the_page_says_who_may_adopt_when_the_user_may_not(make_unit, make_user, client, auth):
    sn = make_unit("Servicenämnden", code="SN")
    plan = plans.create_plan(sn, 2026)
    db.session.commit()
    make_user("chef@example.org", Role.MANAGER, sn, name="Maria Chef")
    make_user("admin@example.org", Role.ADMIN, None, name="Alva Systemförvaltare")
    make_user("hsn.chef@example.org", Role.MANAGER, make_unit("HSN", code="HSN"),
              name="Annan Chef")
    controller = make_user("kim@example.org", Role.CONTROLLER, sn)
    auth.login_via_session(controller)
    page = page_text(client.get(f"/planer/{plan.id}"))

    assert "I ISK registreras beslutet av: Alva Systemförvaltare, Maria Chef." in page
    assert "Annan Chef" not in page


def test_a_copy_to_a_year_without_the_regions_rows_says_so(make_unit, make_user, client, auth):
    sn = make_unit("Servicenämnden", code="SN")
    plan = plans.create_plan(sn, 2026)
    data = resources.files("isk.demo_data").joinpath("servicenamnden-2026.csv").read_bytes()
    imports.import_file(plan, "s.csv", data, may_edit_region=True)
    db.session.commit()
    admin = make_user("admin@example.org", Role.ADMIN)
    auth.login_via_session(admin)
    response = client.post(f"/planer/{plan.id}/kopiera",
                           data={"csrf_token": csrf_from(client.get(f"/planer/{plan.id}"))},
                           follow_redirects=True)

    assert response.status_code == 200
    assert "Regionen har ännu ingen plan för 2027" in page_text(response)

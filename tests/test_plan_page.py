"""The plan page: risk matrix, filters, and a query count that does not grow with the plan."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from isk.extensions import db
from isk.models import Criterion, Role, SecurityAspect
from isk.services import plans

from .plan_helpers import page_text, pdf_text, plan_table_text


def fill(plan, risks: int, actions_per_risk: int, areas: int = 10) -> None:
    area_list = [plans.add_process_area(plan, f"Verksamhet {n:02d}") for n in range(areas)]
    for n in range(risks):
        risk = plans.add_risk(area_list[n % areas], plans.RiskContent(
            f"Risk nummer {n}", {Criterion.C, Criterion.D} if n % 2 else {Criterion.C},
            likelihood=n % 4 + 1, consequence=(n // 4) % 4 + 1))
        for m in range(actions_per_risk):
            plans.add_action(risk, plans.ActionContent(f"Åtgärd {n}.{m}"))
    db.session.commit()


@pytest.fixture
def logged_in_admin(make_user, auth):
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")


def test_the_plan_page_query_count_does_not_grow_with_the_plan(
    make_unit, logged_in_admin, client, query_counter
):
    small = plans.create_plan(make_unit("Liten nämnd", code="LN"), 2026)
    large = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(small, risks=5, actions_per_risk=3)
    fill(large, risks=500, actions_per_risk=3)

    measured = {}
    for name, plan in (("small", small), ("large", large)):
        with query_counter() as statements:
            response = client.get(f"/planer/{plan.id}")
        assert response.status_code == 200
        measured[name] = len(statements)

    assert measured["large"] == measured["small"], measured
    assert "Risk nummer 499" in response.get_data(as_text=True)


def test_a_plan_of_500_risks_and_1500_actions_exports_to_pdf_and_xlsx(
    make_unit, logged_in_admin, client
):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(plan, risks=500, actions_per_risk=3)

    pdf = client.get(f"/planer/{plan.id}/export.pdf")
    xlsx = client.get(f"/planer/{plan.id}/export.xlsx")

    text = pdf_text(pdf.data)
    assert "Risk nummer 0" in text and "Risk nummer 499" in text
    assert "Åtgärd 499.2" in text
    pages = int(re.search(r"Sida 1 av (\d+)", text).group(1))
    assert f"Sida {pages} av {pages}" in text
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert len(rows) == 1 + 1500


def test_the_matrix_counts_risks_per_cell_and_links_to_them(make_unit, logged_in_admin, client):
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    for text, (likelihood, consequence) in {"A": (2, 4), "B": (2, 4), "C": (1, 1)}.items():
        plans.add_risk(area, plans.RiskContent(text, {Criterion.C}, likelihood=likelihood,
                                            consequence=consequence))
    plans.add_risk(area, plans.RiskContent("D ej bedömd", {Criterion.D}))
    db.session.commit()

    html = client.get(f"/planer/{plan.id}").get_data(as_text=True)

    assert 'aria-label="2 risker med sannolikhet 2 och konsekvens 4 (riskvärde 8)"' in html
    assert 'aria-label="1 risk med sannolikhet 1 och konsekvens 1 (riskvärde 1)"' in html
    assert "1 av 4 risker har ännu inget riskvärde" in page_text(client.get(f"/planer/{plan.id}"))
    response = client.get(f"/planer/{plan.id}?sannolikhet=2&konsekvens=4")
    assert "Visar 2 av 4 risker." in page_text(response)
    cell = plan_table_text(response)
    assert " A " in cell and " B " in cell and "D ej bedömd" not in cell


def test_filters_by_verksamhet_criterion_and_risk_score(make_unit, logged_in_admin, client):
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    economy = plans.add_process_area(plan, "Ekonomi")
    security = plans.add_process_area(plan, "Informationssäkerhet")
    plans.add_risk(economy, plans.RiskContent("Ekonomirisk låg", {Criterion.D}, likelihood=1,
                                           consequence=2))
    plans.add_risk(economy, plans.RiskContent("Ekonomirisk hög", {Criterion.D}, likelihood=4,
                                           consequence=4))
    plans.add_risk(security, plans.RiskContent("Säkerhetsrisk", {Criterion.E},
                                            aspects={SecurityAspect.AVAILABILITY},
                                            likelihood=3, consequence=3))
    db.session.commit()

    by_area = plan_table_text(client.get(f"/planer/{plan.id}?verksamhet=Ekonomi"))
    by_criterion = plan_table_text(client.get(f"/planer/{plan.id}?kriterium=e"))
    by_score = plan_table_text(client.get(f"/planer/{plan.id}?riskvarde=9"))
    nonsense = client.get(f"/planer/{plan.id}?riskvarde=99&kriterium=x")

    assert "Ekonomirisk låg" in by_area and "Säkerhetsrisk" not in by_area
    assert "Säkerhetsrisk" in by_criterion and "Ekonomirisk" not in by_criterion
    assert "Ekonomirisk hög" in by_score and "Säkerhetsrisk" in by_score
    assert "Ekonomirisk låg" not in by_score
    assert nonsense.status_code == 200
    assert "Ekonomirisk låg" in plan_table_text(nonsense)

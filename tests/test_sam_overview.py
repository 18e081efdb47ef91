"""The SAM overview per org unit, its drill-down, and its XLSX and PDF exports."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from isk.extensions import db
from isk.models import AnswerValue, OrgUnitKind, Role, SamFollowUp
from isk.services import clock, sam

from .sam_factories import answer_all, follow_up_of

NBSP = "\u00a0"


@pytest.fixture
def under_way(sam_org):
    """Elin kvitterad with a nej and a returnering, Maria avstämd, Fredrik overdue, Rebecka open."""
    sam_round = sam_org.start("RS")
    users = sam_org.users
    elin = follow_up_of(sam_round, users["elin"])
    sam.save_answers(
        elin,
        {
            q.id: sam.AnswerInput(
                AnswerValue.NO if n == 2 else AnswerValue.YES,
                '=HYPERLINK("http://evil")' if n == 2 else "",
            )
            for n, q in enumerate(elin.round.live_questions, start=1)
        },
    )
    sam.add_return(elin, "Brandskydd", "Ingen budget <b>alls</b> & inga lokaler.", by=users["elin"])
    sam.acknowledge(elin, by=users["elin"])
    maria = follow_up_of(sam_round, users["maria"])
    answer_all(maria)
    sam.acknowledge(maria, by=users["maria"])
    sam.confirm(maria, by=users["rebecka"])
    follow_up_of(sam_round, users["fredrik"]).due_on = clock.today() - timedelta(days=3)
    db.session.commit()
    return sam_round


def text_of(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(body)).replace(NBSP, " ")


def test_shares_per_unit_count_the_units_below(sam_org, under_way):
    overview = sam.build_overview(under_way, sam_org.units["RS"])
    rows = {row.unit.code: row for row in overview.rows}

    assert list(rows) == ["RS", "MT", "MTS", "FA"]  # tree order
    assert (rows["RS"].total, rows["RS"].answered, rows["RS"].acknowledged) == (4, 2, 2)
    assert rows["RS"].confirmed == 1 and rows["RS"].overdue == 1
    assert rows["RS"].answered_share == 0.5 and not rows["RS"].meets_target
    assert (rows["MT"].total, rows["MT"].answered, rows["MT"].confirmed) == (2, 2, 1)
    assert rows["MT"].meets_target
    assert rows["MTS"].depth == 2
    assert [f.manager.name for f in overview.overdue] == ["Fredrik Områdeschef"]
    assert [(c.number, c.answer.value) for c in overview.concerns] == [(2, AnswerValue.NO)]
    assert [r.task for r in overview.returns] == ["Brandskydd"]


def test_the_overview_page_shows_shares_and_drills_down(sam_org, under_way, client, auth):
    auth.login_via_session(sam_org.users["hr"])

    page = text_of(client.get(f"/sam/rundor/{under_way.id}"))
    mt = text_of(client.get(f"/sam/rundor/{under_way.id}?enhet={sam_org.units['MT'].id}"))

    assert "Regionservice 4 2 av 4 (50 %) 2 av 4 (50 %) 1 av 4 (25 %) 1 Ej uppnått" in page
    assert "Medicinsk teknik 2 2 av 2 (100 %) 2 av 2 (100 %) 1 av 2 (50 %) 0 Uppnått" in page
    assert "Försenade uppföljningar Chef Enhet Sista dag Status Fredrik Områdeschef" in page
    assert "Ingen budget <b>alls</b> & inga lokaler." in page
    assert "Fredrik" not in mt.split("Andel chefer")[1]
    assert "Elin Enhetschef" in mt


def test_the_overview_is_limited_to_the_readers_scope(sam_org, under_way, client, auth, make_user):
    fa_hr = make_user("hr.fa@example.org", Role.HR, sam_org.units["FA"], name="HR Fastighet")
    auth.login_via_session(fa_hr)
    page = client.get(f"/sam/rundor/{under_way.id}")
    outside = client.get(f"/sam/rundor/{under_way.id}?enhet={sam_org.units['MT'].id}")

    assert page.status_code == 200
    text = text_of(page)
    assert "SAM-uppföljning 2026 – Fastighet" in text
    assert "Elin Enhetschef" not in text
    assert outside.status_code == 404
    auth.login_via_session(sam_org.users["hugo"])
    assert client.get(f"/sam/rundor/{under_way.id}").status_code == 403


def test_the_overview_loads_in_a_fixed_number_of_queries(
    sam_org, under_way, client, auth, query_counter, make_unit, make_user
):
    auth.login_via_session(sam_org.users["admin"])
    counts = []
    for batch in range(2):
        with query_counter() as statements:
            assert client.get(f"/sam/rundor/{under_way.id}").status_code == 200
        counts.append(len(statements))
        for n in range(3):  # more units and chefs in the round: the same number of queries
            code = f"X{batch}{n}"
            enhet = make_unit(code, OrgUnitKind.ENHET, parent=sam_org.units["FA"], code=code)
            chef = make_user(f"{code.lower()}@example.org", Role.MANAGER, enhet)
            db.session.add(
                SamFollowUp(round=under_way, manager=chef, org_unit=enhet, due_on=under_way.due_on)
            )
        db.session.commit()

    assert counts[0] == counts[1], counts
    assert counts[0] <= 15


def test_xlsx_export_holds_every_sheet_and_never_a_formula(sam_org, under_way, client, auth):
    auth.login_via_session(sam_org.users["controller"])

    response = client.get(f"/sam/rundor/{under_way.id}/oversikt.xlsx")

    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "SAM-uppfoljning-2026-RS.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Översikt", "Uppföljningar", "Delvis och nej", "Returneringar"]
    overview = [row for row in workbook["Översikt"].iter_rows(values_only=True)]
    assert overview[1] == ("Regionservice", 4, 2, 50, 2, 50, 1, 25, 1)
    concern = workbook["Delvis och nej"]["D2"]
    assert concern.value == '=HYPERLINK("http://evil")'  # the text as written, never run
    assert concern.data_type == "s"
    assert concern.quotePrefix
    people = {row[0]: row for row in workbook["Uppföljningar"].iter_rows(values_only=True)}
    assert people["Fredrik Områdeschef"][6] == "Ja"  # overdue
    assert people["Elin Enhetschef"][4] == "Kvitterad"


def test_pdf_export_prints_the_overview_escaped_with_page_numbers(sam_org, under_way, client, auth):
    auth.login_via_session(sam_org.users["auditor"])

    response = client.get(f"/sam/rundor/{under_way.id}/oversikt.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text.replace(NBSP, " "))
    assert "SAM-uppföljning 2026 – Regionservice" in text
    assert "Andel chefer som svarat på årlig uppföljning av SAM" in text
    assert "2 av 4 (50 %)" in text
    assert "Ingen budget <b>alls</b> & inga lokaler." in text
    assert "Fredrik Områdeschef" in text
    assert f"Sida 1 av {len(reader.pages)}" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (842, 595)  # A4 landscape


@pytest.mark.parametrize("who", ["reader", "maria"])
def test_readers_and_chefs_get_no_overview(who, sam_org, under_way, client, auth):
    auth.login_via_session(sam_org.users[who])

    for path in ("", "/oversikt.xlsx", "/oversikt.pdf"):
        assert client.get(f"/sam/rundor/{under_way.id}{path}").status_code == 403

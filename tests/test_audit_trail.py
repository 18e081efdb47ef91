"""The granskningslogg: a chain a revisor can verify, before → after in Swedish, filters, export.

Tampering is done as someone with direct database access would: plain SQL as the table's
owner, who on PostgreSQL can switch the append-only trigger off first.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import io
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from isk.extensions import db
from isk.models import AuditChainHead, AuditEntry, Criterion, OrgUnitKind, Risk, Role
from isk.services import audit, audit_log, clock, demo, plans
from isk.services.audit import chain
from isk.services.audit.labels import EVENT_LABELS
from isk.services.audit.reading import AuditFilter, page_of

from . import control_helpers
from .conftest import AuthActions
from .plan_helpers import csrf_from, page_text, post_form

files_dir = control_helpers.files_dir  # fixture
ISK = Path(__file__).resolve().parents[1] / "isk"
TRIGGER = "audit_entry_append_only"


@pytest.fixture
def trail(make_unit, make_user):
    """A few entries: the region and a nämnd created, a controller, a revisor, a plan."""
    sn = make_unit("Servicenämnden", code="SN")
    controller = make_user("kim@example.org", Role.CONTROLLER, sn, name="Kim Kontrollant")
    auditor = make_user("revisor@example.org", Role.AUDITOR, name="Rut Revisor")
    plan = plans.create_plan(sn, 2026)
    db.session.commit()
    return {"unit": sn, "controller": controller, "auditor": auditor, "plan": plan}


def entry_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def tamper(*statements: str, **params: object) -> None:
    """Run SQL on the log behind ISK's back, in one transaction."""
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_entry DISABLE TRIGGER {TRIGGER}"))
    for statement in statements:
        db.session.execute(text(statement), params)
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_entry ENABLE TRIGGER {TRIGGER}"))
    db.session.commit()


SWAP_3_AND_4 = (
    "UPDATE audit_entry SET id = -1 WHERE id = 3",
    "UPDATE audit_entry SET id = 3 WHERE id = 4",
    "UPDATE audit_entry SET id = 4 WHERE id = -1",
)
TAMPERING = {
    "edited": (("UPDATE audit_entry SET event = 'login' WHERE id = 3",), "Post 3 är ändrad"),
    "deleted": (("DELETE FROM audit_entry WHERE id = 3",), "Post 3 är borttagen"),
    "reordered": (SWAP_3_AND_4, "Post 3 är omordnad"),
}


def entries_text(response) -> str:
    """The text of the log's table alone (not the filter's lists)."""
    body = response.get_data(as_text=True)
    start = body.find('<table class="table audit-table"')
    return page_text_of(body[start:body.find("</table>", start)]) if start >= 0 else ""


def page_text_of(html_: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_)).split())


def verify_audit(runner, *args: str):
    return runner.invoke(args=["isk", "verify-audit", *args])


# --- the chain ----------------------------------------------------------------------------------


def test_verify_audit_passes_on_the_untouched_demo(runner, files_dir):
    demo.load_demo_data()
    db.session.commit()
    entries = entry_count()

    result = verify_audit(runner)

    assert result.exit_code == 0, result.output
    assert f"Granskningsloggen är hel: {entries} poster kontrollerade." in result.output
    last = db.session.get(AuditEntry, entries)
    assert f"Senaste post: {entries}, kontrollsumma {last.entry_hash}." in result.output


def test_the_log_page_reads_every_entry_of_the_demo(client, auth, files_dir):
    demo.load_demo_data()
    db.session.commit()
    auth.login("revisor@example.org", demo.DEMO_PASSWORD)

    response = client.get("/admin/granskningslogg")

    assert response.status_code == 200
    text_ = entries_text(response)
    for label in ("Plan fastställd", "Stickprov draget", "SAM-svar sparade", "Inloggning"):
        assert label in text_
    assert "_" not in " ".join(w for w in text_.split() if w.isascii() and w.islower())


def test_each_entry_carries_the_hash_of_the_one_before(trail):
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()

    assert [e.id for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].previous_hash == "0" * 64
    for before, after in pairwise(entries):
        assert after.previous_hash == before.entry_hash
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_entry_id, head.last_hash) == (entries[-1].id, entries[-1].entry_hash)


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_audit_fails_naming_the_entry_edited_deleted_or_reordered(how, trail, runner):
    statements, message = TAMPERING[how]
    tamper(*statements)

    result = verify_audit(runner)

    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "2 poster före den är hela." in result.output


@pytest.mark.parametrize("how", TAMPERING)
def test_the_revisor_runs_the_same_check_from_the_log_page(how, trail, client, auth):
    statements, message = TAMPERING[how]
    tamper(*statements)
    auth.login_via_session(trail["auditor"])

    page = client.get("/admin/granskningslogg")
    response = client.post("/admin/granskningslogg/kontroll",
                           data={"csrf_token": csrf_from(page)}, follow_redirects=True)

    assert response.status_code == 200
    assert f"Granskningsloggen är inte hel. {message}" in page_text(response)
    check = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert check.event == "audit_log_verified" and check.details["whole"] is False


def test_the_page_check_of_a_whole_log_says_so_with_the_last_hash(trail, client, auth):
    auth.login_via_session(trail["auditor"])
    last = db.session.get(AuditEntry, entry_count())

    response = client.post("/admin/granskningslogg/kontroll",
                           data={"csrf_token": csrf_from(client.get("/admin/granskningslogg"))},
                           follow_redirects=True)

    text_ = page_text(response)
    assert f"Granskningsloggen är hel: {last.id} poster kontrollerade." in text_
    assert last.entry_hash in text_


def test_an_entry_rewritten_with_a_recomputed_hash_is_still_found(trail, runner):
    entry = db.session.get(AuditEntry, 3)
    fields = {name: getattr(entry, name) for name in chain.HASHED_FIELDS}
    forged = chain.content_hash({**fields, "event": "login"})
    tamper("UPDATE audit_entry SET event = 'login', entry_hash = :forged WHERE id = 3",
           forged=forged)

    result = verify_audit(runner)

    assert result.exit_code != 0
    assert "Post 3 är ändrad" in result.output


def test_a_cut_off_end_of_the_log_is_found(trail, runner):
    last = entry_count()
    tamper("DELETE FROM audit_entry WHERE id = :last", last=last)

    result = verify_audit(runner)

    assert result.exit_code != 0
    assert f"Post {last} är borttagen" in result.output


def test_a_noted_anchor_must_still_hold(trail, runner):
    entry = db.session.get(AuditEntry, 2)

    assert verify_audit(runner, "--anchor", f"2:{entry.entry_hash}").exit_code == 0
    result = verify_audit(runner, "--anchor", f"2:{'a' * 64}")
    assert result.exit_code != 0 and "Post 2 stämmer inte med den kontrollsumma" in result.output
    assert "Ange --anchor" in verify_audit(runner, "--anchor", "2").output


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(trail):
    before = entry_count()
    audit_log.record("login_failed", email="x@example.org", reason="unknown_user")
    db.session.flush()
    db.session.rollback()
    audit_log.record("login_failed", email="y@example.org", reason="unknown_user")
    db.session.commit()

    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert ids == list(range(1, before + 2))
    assert db.session.get(AuditEntry, before + 1).details["email"] == "y@example.org"
    assert audit.verify().whole


def test_concurrent_appends_never_link_to_the_same_entry(app, trail):
    """Two connections append at once; the head row's lock puts them one after the other."""
    before = entry_count()
    barrier, failures = threading.Barrier(2), []

    def append(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for n in range(12):
                    audit_log.record("login_failed", email=f"{name}{n}@example.org",
                                     reason="unknown_user")
                    db.session.flush()  # links the entry: the head is locked from here
                    time.sleep(0.003)  # ...while the other connection tries to link too
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=append, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert ids == list(range(1, before + 25))
    assert audit.verify().whole


@pytest.mark.parametrize("backend", ["postgresql"])  # the trigger is PostgreSQL's
def test_postgresql_refuses_to_update_or_delete_log_entries(trail, backend):
    db.session.commit()
    refused = [
        "UPDATE audit_entry SET event = 'login' WHERE id = 1",
        "DELETE FROM audit_entry WHERE id = 1",
        "DELETE FROM audit_chain_head",
        "UPDATE audit_chain_head SET last_entry_id = 1",
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match=r"append-only|only moves forward"), \
                db.engine.begin() as connection:
            connection.execute(text(statement))

    assert audit.verify().whole


def test_the_migration_chains_the_entries_recorded_before_it(app):
    db.session.remove()
    downgrade(revision="c339e2f3ac5c")
    moment = datetime(2026, 3, 15, 9, 30, 0, 123456, tzinfo=UTC)
    with db.engine.begin() as connection:
        for old_id, event in ((5, "login_failed"), (9, "login"), (12, "logout")):
            connection.execute(text(
                "INSERT INTO audit_entry (id, occurred_at, event, details) "
                "VALUES (:id, :at, :event, '{\"reason\": \"wrong_password\"}')"),
                {"id": old_id, "at": moment + timedelta(seconds=old_id), "event": event})
    upgrade()

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.id, e.event) for e in entries] == [(1, "login_failed"), (2, "login"),
                                                   (3, "logout")]
    result = audit.verify()
    assert result.whole and result.checked == 3
    audit_log.record("login_failed", email="z@example.org", reason="unknown_user")
    db.session.commit()
    assert audit.verify().checked == 4


# --- what each entry says -----------------------------------------------------------------------


def recorded_event_codes() -> set[str]:
    """Every event code the code base records: the first argument of `record(...)` and
    `record_refusal(...)`, the fourth of `recorded_download(...)`."""
    codes = set()
    for path in ISK.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func_ = node.func
            name = func_.attr if isinstance(func_, ast.Attribute) else getattr(func_, "id", "")
            position = {"record": 0, "record_refusal": 0, "recorded_download": 3}.get(name)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                codes.add(argument.value)
    return codes


def test_every_recorded_event_has_a_swedish_label():
    codes = recorded_event_codes()

    assert {"risk_updated", "login", "logout", "request_refused", "plan_exported",
            "population_downloaded"} <= codes
    assert sorted(codes - set(EVENT_LABELS)) == []


def test_a_risk_change_shows_before_and_after_in_swedish(trail, client, auth, app):
    plan = trail["plan"]
    area = plans.add_process_area(plan, "Ekonomi")
    risk = plans.create_risk(area, plans.RiskContent(
        "Risken att fakturor betalas för sent.", {Criterion.C}, likelihood=3, consequence=2))
    db.session.commit()
    auth.login_via_session(trail["controller"])

    response = post_form(client, f"/planer/{plan.id}/risker/{risk.id}", {
        "area": str(area.id), "text": "Risken att fakturor betalas för sent.",
        "criteria": ["c", "d"], "likelihood": "4", "consequence": "2", "treatment": "mitigate",
        "owner_id": str(trail["controller"].id), "source": "",
    })
    assert response.status_code == 302

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "risk_updated")).one()
    assert entry.details["changes"] == {"likelihood": [3, 4], "criterion_d": [False, True],
                                        "owner_id": [None, trail["controller"].id]}
    assert entry.org_unit_id == trail["unit"].id
    revisor = app.test_client()  # another person, in another browser
    AuthActions(revisor).login_via_session(trail["auditor"])
    page = page_text(revisor.get(f"/admin/granskningslogg?objekttyp=Risk&objekt={risk.id}"))
    assert "Historik för Risk " + str(risk.id) in page
    assert "Risk ändrad" in page and "risk_updated" not in page
    assert "Sannolikhet före: 3 → efter: 4" in page
    assert "Kriterium d före: nej → efter: ja" in page
    assert "Riskägare före: – → efter: Kim Kontrollant" in page
    assert "Risk tillagd" in page and "Uppgifter när posten skapades" in page


def test_the_log_page_links_each_entry_to_its_record_and_its_history(trail, client, auth):
    auth.login_via_session(trail["auditor"])
    plan = trail["plan"]

    page = client.get("/admin/granskningslogg").get_data(as_text=True)

    assert f'href="/planer/{plan.id}"' in page
    assert f"/admin/granskningslogg?objekttyp=Plan&amp;objekt={plan.id}" in page
    plan_page = client.get(f"/planer/{plan.id}").get_data(as_text=True)
    assert "Historik i granskningsloggen" in plan_page


def test_readers_see_no_history_links(trail, make_user, client, auth):
    reader = make_user("lasare@example.org", Role.READER, trail["unit"])
    auth.login_via_session(reader)

    assert "Historik i granskningsloggen" not in client.get(
        f"/planer/{trail['plan'].id}").get_data(as_text=True)


# --- filters, pages and export ------------------------------------------------------------------


def test_the_log_filters_by_user_unit_object_event_and_day(trail, make_unit):
    sn = trail["unit"]
    rs = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=sn, code="RS")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    rs_plan, hsn_plan = plans.create_plan(rs, 2026), plans.create_plan(hsn, 2026)
    db.session.commit()

    def events(**given) -> list[tuple[str, int | None]]:
        page = page_of(AuditFilter(**given), 1, 100)
        return [(view.entry.event, view.entry.object_id) for view in page.entries]

    assert ("plan_created", rs_plan.id) in events(unit_id=sn.id)
    assert ("plan_created", hsn_plan.id) not in events(unit_id=sn.id)
    assert events(object_type="Plan", object_id=hsn_plan.id) == [("plan_created", hsn_plan.id)]
    assert {e for e, _ in events(event="user_created")} == {"user_created"}
    assert len(events(event="user_created")) == 2
    assert events(actor_id=trail["controller"].id) == []
    today = datetime.now(clock.LOCAL_TIME).date()  # the log's days are Swedish calendar days
    assert len(events(date_from=today, date_to=today)) == entry_count()
    assert events(date_from=today + timedelta(days=2)) == []
    assert events(date_to=today - timedelta(days=2)) == []


def test_filters_come_from_the_query_string_and_nonsense_is_left_out():
    given = AuditFilter.from_args({"anvandare": "7", "enhet": "²", "objekttyp": "Risk",
                                   "objekt": "-3", "handelse": "risk_updated; drop",
                                   "fran": "2026-01-01", "till": "9999-12-31"})

    assert given == AuditFilter(actor_id=7, object_type="Risk", date_from=date(2026, 1, 1))
    assert AuditFilter.from_args(given.to_args()) == given


def test_the_log_page_filters_by_user(trail, client, auth):
    auth.login_via_session(trail["auditor"])
    client.get("/admin/anvandare")  # refused: the revisor manages no users

    response = client.get(f"/admin/granskningslogg?anvandare={trail['auditor'].id}")

    entries = entries_text(response)
    assert "Åtkomst nekad (403)" in entries and "Rut Revisor" in entries
    assert "Användare skapad" not in entries
    assert "Visar 1–1 av 1 poster." in page_text(response)


@pytest.mark.parametrize("number", ["0", "-1", "abc", "3", "²", "9" * 40])
def test_a_page_that_does_not_exist_is_404(number, trail, client, auth):
    auth.login_via_session(trail["auditor"])
    for n in range(105):
        audit_log.record("login_failed", email=f"u{n}@example.org", reason="unknown_user")
    db.session.commit()

    assert client.get("/admin/granskningslogg?sida=2").status_code == 200
    assert client.get(f"/admin/granskningslogg?sida={number}").status_code == 404


def test_the_filtered_log_exports_to_xlsx_and_csv_with_formulas_neutralised(
    trail, make_user, client, auth
):
    sly = make_user("sly@example.org", Role.AUDITOR, name='=HYPERLINK("http://x","klicka")')
    auth.login_via_session(sly)
    assert client.get("/admin/anvandare").status_code == 403  # recorded, with this name

    xlsx = client.get("/admin/granskningslogg/export.xlsx?handelse=request_refused")
    csv_ = client.get("/admin/granskningslogg/export.csv?handelse=request_refused")

    assert xlsx.status_code == csv_.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0][:5]] == ["Nr", "Tidpunkt", "Användare", "E-postadress",
                                              "Händelse"]
    assert len(rows) == 2 and rows[1][4].value == "Åtkomst nekad (403)"
    name_cell = rows[1][2]
    assert name_cell.value == '=HYPERLINK("http://x","klicka")'
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    lines = list(csv.reader(io.StringIO(csv_.data.decode("utf-8-sig"))))
    assert len(lines) == 2 and lines[1][5] == "request_refused"
    assert lines[1][2] == "'=HYPERLINK(\"http://x\",\"klicka\")"
    exported = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "audit_log_exported")
        .order_by(AuditEntry.id)).all()
    assert [e.details["format"] for e in exported] == ["xlsx", "csv"]
    assert exported[1].details["filters"] == {"handelse": "request_refused"}
    assert exported[1].details["rows"] == 1
    assert exported[1].details["sha256"] == hashlib.sha256(csv_.data).hexdigest()


# --- what else is recorded ----------------------------------------------------------------------


def test_a_refused_request_is_recorded_in_its_own_transaction(trail, make_user, client, auth):
    reader = make_user("lasare@example.org", Role.READER, trail["unit"])
    auth.login_via_session(reader)

    assert client.get("/admin/granskningslogg?sida=1").status_code == 403

    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.event, entry.actor_id) == ("request_refused", reader.id)
    assert entry.details == {"http_method": "GET", "path": "/admin/granskningslogg?sida=1",
                             "endpoint": "admin.audit_log"}
    assert entry.remote_addr == "127.0.0.1"
    assert audit.verify().whole


def test_a_form_without_a_valid_csrf_token_is_recorded(trail, client, auth):
    auth.login_via_session(trail["controller"])

    response = client.post("/logga-ut", data={"csrf_token": "forged"})

    assert response.status_code == 400
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.event, entry.actor_id) == ("csrf_refused", trail["controller"].id)
    assert entry.details["path"] == "/logga-ut" and "CSRF" in entry.details["reason"]


def test_logging_out_is_recorded(trail, client, auth):
    auth.login(trail["controller"].email)
    auth.logout()

    events = db.session.scalars(
        select(AuditEntry.event).where(AuditEntry.actor_id == trail["controller"].id)
        .order_by(AuditEntry.id)).all()
    assert events == ["login", "logout"]


def test_a_session_ended_for_idleness_is_recorded(trail, client, auth):
    auth.login_via_session(trail["controller"])
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 24 * 3600

    assert client.get("/").status_code == 401

    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.event, entry.object_id) == ("session_expired", trail["controller"].id)


def test_a_plan_export_is_recorded_with_what_was_exported(trail, make_user, client, auth):
    reader = make_user("lasare@example.org", Role.READER, trail["unit"])
    auth.login_via_session(reader)

    response = client.get(f"/planer/{trail['plan'].id}/export.csv")

    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.event, entry.object_type, entry.object_id, entry.actor_id) == (
        "plan_exported", "Plan", trail["plan"].id, reader.id)
    assert entry.details["format"] == "csv"
    assert entry.details["sha256"] == hashlib.sha256(response.data).hexdigest()


def test_the_region_risk_entry_belongs_to_the_units_plan(trail):
    area = plans.add_process_area(trail["plan"], "HR")
    risk = plans.create_risk(area, plans.RiskContent("Risk att något händer.", {Criterion.C}))
    db.session.commit()

    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "Risk", AuditEntry.object_id == risk.id)).one()
    assert entry.org_unit_id == trail["unit"].id
    assert entry.details["values"]["text"] == "Risk att något händer."
    assert db.session.get(Risk, risk.id) is not None


def test_archiving_records_when_the_record_was_archived(trail):
    area = plans.add_process_area(trail["plan"], "Ekonomi")
    risk = plans.create_risk(area, plans.RiskContent("Risk att något händer.", {Criterion.C}))
    db.session.commit()

    plans.archive_risk(risk)
    db.session.commit()

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "risk_archived")).one()
    before, after = entry.details["changes"]["archived_at"]
    assert before is None and after.startswith(str(datetime.now(UTC).year))
    assert set(entry.details["changes"]) == {"archived_at"}


def test_an_event_without_a_label_still_reads_and_can_be_filtered(trail, client, auth):
    """A new area's events (the ISK-bedömning's, say) are recorded and shown before they get
    their Swedish label; the label test then asks for one."""
    audit_log.record("assessment_signed", trail["plan"], sufficient=True)
    db.session.commit()
    auth.login_via_session(trail["auditor"])

    response = client.get("/admin/granskningslogg?handelse=assessment_signed")

    assert response.status_code == 200
    assert "assessment_signed" in entries_text(response)
    assert '<optgroup label="Övriga">' in response.get_data(as_text=True)


def test_the_log_page_runs_the_same_queries_for_ten_entries_as_for_a_hundred(
    trail, client, auth, query_counter
):
    auth.login_via_session(trail["auditor"])

    def statements() -> int:
        with query_counter() as executed:
            assert client.get("/admin/granskningslogg").status_code == 200
        return len(executed)

    for n in range(5):
        plans.create_plan(trail["unit"], 2030 + n)
    db.session.commit()
    few = statements()
    for n in range(60):
        plans.create_plan(trail["unit"], 2040 + n)
    db.session.commit()

    assert statements() == few

"""The stickprov page as a controller uses it: local times, what the size counts, the plural,
marking the items not yet examined, and a worklist that carries what is already saved."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, ItemOutcome, Sample
from isk.services.sampling import samples

from . import control_helpers
from .control_helpers import make_control
from .plan_helpers import csrf_from, page_text, squeeze
from .test_control_pages import _draw

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures


def _drawn(client, auth, world, **fields) -> tuple[str, Sample]:
    control = make_control(world)
    auth.login_via_session(world["controller"])
    _path, response = _draw(client, world, control, **fields)
    assert response.status_code == 302, page_text(response)
    return response.headers["Location"], db.session.scalar(select(Sample))


def test_the_title_and_dragen_show_the_same_day_in_sweden(client, auth, world):
    sample_path, sample = _drawn(client, auth, world)
    sample.created_at = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 April in Sweden
    db.session.commit()

    text = page_text(client.get(sample_path))

    assert "Stickprov 2026-04-01" in text
    assert "2026-04-01 00:30" in text
    assert "2026-03-31" not in text


def test_the_size_counts_every_item_to_examine_with_the_full_review_beside_it(
    client, auth, world
):
    sample_path, sample = _drawn(client, auth, world, amount_column="belopp", threshold="4500")
    full = sum(item.selection.value == "full_review" for item in sample.items)
    assert full > 0

    text = squeeze(page_text(client.get(sample_path)))

    assert squeeze(f"{10 + full} poster att granska: 10 slumpmässigt valda och {full} "
                   "totalgranskade") in text
    assert squeeze("Det slumpmässiga urvalet, 10 poster, är bestämt efter bedömning") in text


def test_the_remaining_items_are_marked_ok_and_the_examined_ones_are_kept(client, auth, world):
    sample_path, sample = _drawn(client, auth, world)
    first, second = sample.items[0].item_id, sample.items[1].item_id
    samples.record_outcomes(sample, {
        first: samples.ItemEntry(ItemOutcome.DEVIATION, "Attest saknas"),
        second: samples.ItemEntry(ItemOutcome.OK, "Kontrollerad"),
    }, None)
    db.session.commit()
    page = client.get(sample_path)
    assert "Markera de 8 återstående posterna som utan avvikelse" in page_text(page)

    response = client.post(f"{sample_path}/aterstaende",
                           data={"csrf_token": csrf_from(page), "version": sample.version_id})

    assert response.status_code == 302
    db.session.expire_all()
    sample = db.session.get(Sample, sample.id)
    outcomes = {item.item_id: (item.outcome, item.comment) for item in sample.items}
    assert outcomes[first] == (ItemOutcome.DEVIATION, "Attest saknas")
    assert outcomes[second] == (ItemOutcome.OK, "Kontrollerad")
    assert all(outcome is ItemOutcome.OK for outcome, _ in list(outcomes.values())[2:])
    text = page_text(client.get(sample_path))
    assert "Granskade poster: 10 av 10" in text
    assert "med 1 avvikelse av 10 poster" in text
    assert "Markera de" not in text
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.event == "sample_results_recorded").order_by(AuditEntry.id.desc())).first()
    assert entry.details["changed"] == 8


def test_marking_the_remaining_items_on_a_stale_page_is_refused(client, auth, world):
    sample_path, sample = _drawn(client, auth, world)
    page = client.get(sample_path)
    stale = sample.version_id
    samples.record_outcomes(sample, {sample.items[0].item_id: samples.ItemEntry(
        ItemOutcome.OK, "")}, None)
    db.session.commit()

    response = client.post(f"{sample_path}/aterstaende",
                           data={"csrf_token": csrf_from(page), "version": stale})

    assert response.status_code == 409
    db.session.expire_all()
    assert sum(item.outcome is not None
               for item in db.session.get(Sample, sample.id).items) == 1


def test_a_reader_cannot_mark_the_remaining_items(client, auth, world):
    sample_path, sample = _drawn(client, auth, world)
    auth.login_via_session(world["reader"])
    page = client.get(sample_path)

    assert "återstående" not in page_text(page)
    response = client.post(f"{sample_path}/aterstaende",
                           data={"csrf_token": csrf_from(page), "version": sample.version_id})
    assert response.status_code == 403


def test_the_worklist_carries_the_results_already_saved(client, auth, world):
    sample_path, sample = _drawn(client, auth, world)
    first, second = sample.items[0].item_id, sample.items[1].item_id
    samples.record_outcomes(sample, {
        first: samples.ItemEntry(ItemOutcome.DEVIATION, "Attest saknas"),
        second: samples.ItemEntry(ItemOutcome.OK, ""),
    }, None)
    db.session.commit()

    response = client.get(f"{sample_path}.xlsx")

    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = [cell.value for cell in sheet[1]]
    result, comment = header.index("Resultat (OK/Avvikelse)"), header.index("Kommentar")
    assert (rows[first][result], rows[first][comment]) == ("Avvikelse", "Attest saknas")
    assert rows[second][result] == "OK"
    assert rows[sample.items[2].item_id][result] is None
    # The file goes back in as it came out: nothing changes.
    assert samples.import_results(sample, response.data, sample.version_id) == 0

"""Reperformance: a revisor (or anyone who may read the plan) redoes a stickprov, changing nothing.

The population file can be downloaded, its checksum is recomputed and shown, and the draw is
re-run with the stored seed; only audit entries are written, and no controller's rights are
needed. What only a controller may do stays refused.
"""

from __future__ import annotations

import hashlib
import io
from fractions import Fraction

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, Sample, SampleItem
from isk.services.sampling import samples
from isk.services.sampling.stats import judgement_size

from . import control_helpers
from .control_helpers import count, make_control, population_csv
from .plan_helpers import csrf_from, page_text

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures
POPULATION = population_csv(120)


@pytest.fixture
def drawn(world):
    """A stickprov of 12 invoices drawn by the controller."""
    control = make_control(world)
    population = samples.keep_population(io.BytesIO(POPULATION), "fakturor.csv", None)
    sample = samples.draw_for_control(
        control, population, judgement_size(12, "Tolv fakturor räcker för att se mönster."),
        samples.DrawChoices(id_column="fakturanr", amount_column="belopp", seed="revision-2026"),
        Fraction(1, 20), Fraction(1, 20))
    db.session.commit()
    base = f"/planer/{world['plan'].id}/kontroller/{control.id}/stickprov/{sample.id}"
    return {"sample": sample, "control": control, "base": base}


def snapshot() -> list[tuple]:
    """Everything stored about stickprov and their items."""
    return [
        (s.id, s.version_id, s.seed, s.population_checksum, s.results_changed_at)
        for s in db.session.scalars(select(Sample).order_by(Sample.id))
    ] + [
        (i.id, i.item_id, i.position, i.outcome, i.comment, i.checked_at)
        for i in db.session.scalars(select(SampleItem).order_by(SampleItem.id))
    ]


def last_entry() -> AuditEntry:
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


@pytest.mark.parametrize("who", ["auditor", "reader"])
def test_a_revisor_reperforms_the_draw_read_only_and_gets_the_same_items(
    who, world, drawn, client, auth
):
    auth.login_via_session(world[who])
    stored = [item.item_id for item in drawn["sample"].items]
    before, entries = snapshot(), count(AuditEntry)

    sample_page = page_text(client.get(drawn["base"]))
    page = client.get(f"{drawn['base']}/omprovning")
    assert "Ompröva: populationsfil och omdragning" in sample_page
    assert page.status_code == 200
    assert "Kontrollsumman stämmer: filen är byte för byte densamma" in page_text(page)
    assert count(AuditEntry) == entries  # looking changes nothing, records nothing

    response = client.post(f"{drawn['base']}/omprovning", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 200
    text = page_text(response)
    assert "Samma 12 poster i samma ordning som i det sparade stickprovet." in text
    for item_id in stored:
        assert item_id in text
    db.session.expire_all()
    assert snapshot() == before
    assert count(AuditEntry) == entries + 1
    entry = last_entry()
    assert (entry.event, entry.object_id, entry.actor_id) == (
        "sample_redrawn", drawn["sample"].id, world[who].id)
    assert entry.details == {"identical": True}


def test_the_revisor_downloads_the_population_file_and_the_download_is_recorded(
    world, drawn, client, auth
):
    auth.login_via_session(world["auditor"])

    response = client.get(f"{drawn['base']}/population")
    data = response.data
    response.close()  # the file is streamed from disk; a server closes it after sending

    assert response.status_code == 200
    assert data == POPULATION
    assert "attachment" in response.headers["Content-Disposition"]
    assert "fakturor.csv" in response.headers["Content-Disposition"]
    entry = last_entry()
    assert (entry.event, entry.object_type, entry.actor_id) == (
        "population_downloaded", "Sample", world["auditor"].id)
    assert entry.details["sha256"] == hashlib.sha256(POPULATION).hexdigest()
    assert entry.details["verified"] is True


def test_a_changed_population_file_shows_and_cannot_be_redrawn(world, drawn, client, auth,
                                                               files_dir):
    sample = drawn["sample"]
    (files_dir / "populations" / f"{sample.population_checksum}.csv").write_bytes(
        population_csv(121))
    auth.login_via_session(world["auditor"])

    page = client.get(f"{drawn['base']}/omprovning")
    assert "Kontrollsumman stämmer inte: filen har ändrats sedan urvalet drogs." in page_text(page)
    response = client.post(f"{drawn['base']}/omprovning", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 400
    assert "Filen är inte samma population som urvalet drogs ur" in page_text(response)
    assert last_entry().event != "sample_redrawn"


def test_a_missing_population_file_is_said_plainly(world, drawn, client, auth, files_dir):
    for path in (files_dir / "populations").iterdir():
        path.unlink()
    auth.login_via_session(world["auditor"])

    page = page_text(client.get(f"{drawn['base']}/omprovning"))

    assert "Populationsfilen finns inte längre kvar i ISK" in page
    assert client.get(f"{drawn['base']}/population").status_code == 404


@pytest.mark.parametrize("who", ["auditor", "reader"])
def test_readers_and_revisors_cannot_reach_what_only_a_controller_may_do(
    who, world, drawn, client, auth
):
    auth.login_via_session(world[who])
    plan, control, sample = world["plan"], drawn["control"], drawn["sample"]
    token = csrf_from(client.get(drawn["base"]))
    controls = f"/planer/{plan.id}/kontroller"
    before = snapshot()

    refused_gets = [f"{controls}/ny", f"{controls}/{control.id}/andra",
                    f"{controls}/{control.id}/stickprov/ny", f"{controls}/{control.id}/utfall/ny",
                    f"{controls}/{control.id}/stickprov/dra/{sample.population_checksum}"]
    refused_posts = [f"{drawn['base']}/resultat", f"{drawn['base']}/fil",
                     f"{controls}/{control.id}/arkivera"]
    for path in refused_gets:
        assert client.get(path).status_code == 403, path
    for path in refused_posts:
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    db.session.expire_all()
    assert snapshot() == before


def test_someone_outside_the_plans_unit_cannot_reperform(world, drawn, client, auth):
    auth.login_via_session(world["other"])

    assert client.get(f"{drawn['base']}/omprovning").status_code == 403
    assert client.get(f"{drawn['base']}/population").status_code == 403

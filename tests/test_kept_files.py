"""Kept files (populations, evidence): written whole or not at all, checked before use,
large populations taken in, and a folder ISK cannot write to answered with a clear message."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from isk.extensions import db
from isk.models import ControlResult, EvidenceFile, Sample
from isk.services.controls import evidence
from isk.services.sampling import samples

from . import control_helpers
from .control_helpers import make_control, population_csv
from .plan_helpers import csrf_from, page_text, post_form

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

MB = 1024 * 1024


def _base(world, control) -> str:
    return f"/planer/{world['plan'].id}/kontroller/{control.id}"


def _upload(client, world, control, data: bytes, name: str = "fakturor.csv"):
    path = f"{_base(world, control)}/stickprov/ny"
    token = csrf_from(client.get(path))
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _draw(client, draw_path: str):
    return post_form(client, draw_path, {
        "size_method": "judgement", "risk": "5", "tolerable": "5 %", "expected": "0 %",
        "size": "10", "reason": "Tio fakturor räcker för att se mönster.",
        "amount_column": "", "strata_column": "", "seed": "frö",
    })


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _kept_files(files_dir) -> list[str]:
    folder = files_dir / "populations"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- finding 6: a population file cut short by a crash --------------------------------------


def test_a_kept_file_cut_short_by_a_crash_is_written_anew_on_the_next_upload(
        client, auth, world, files_dir):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    data = population_csv(500)
    checksum = __import__("hashlib").sha256(data).hexdigest()
    # What an in-place write left behind when the server died half-way through.
    (files_dir / "populations").mkdir(parents=True)
    (files_dir / "populations" / f"{checksum}.csv").write_bytes(data[: len(data) // 3])

    response = _upload(client, world, control, data)
    assert response.status_code == 302
    response = _draw(client, response.headers["Location"])

    assert response.status_code == 302, page_text(response)
    sample = db.session.scalar(select(Sample))
    assert sample.row_count == 500
    assert (files_dir / "populations" / f"{checksum}.csv").read_bytes() == data


def test_a_kept_file_damaged_since_the_upload_is_not_drawn_from(client, auth, world, files_dir):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    response = _upload(client, world, control, population_csv(500))
    draw_path = response.headers["Location"]
    [kept] = [p for p in (files_dir / "populations").iterdir() if p.suffix == ".csv"]
    kept.write_bytes(kept.read_bytes()[:-2000])

    response = _draw(client, draw_path)

    assert response.status_code == 400
    assert "kontrollsumman stämmer inte" in page_text(response)
    assert _count(Sample) == 0


def test_a_write_that_fails_half_way_leaves_no_file_under_the_real_name(
        app, world, files_dir, monkeypatch):
    from isk.services import storage
    from isk.services.errors import StorageError

    copy = storage.shutil.copyfileobj

    def half_then_fail(source, target, *args):
        if ".partial-" not in str(getattr(target, "name", "")):
            return copy(source, target, *args)
        target.write(source.read(100))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.shutil, "copyfileobj", half_then_fail)

    with pytest.raises(StorageError, match="kunde inte sparas") as refused:
        samples.keep_population(io.BytesIO(population_csv(50)), "f.csv", None)

    assert refused.value.status == 503
    assert _kept_files(files_dir) == []  # neither the file nor a partial one


def test_a_partial_file_a_killed_process_left_is_removed_a_day_later(app, files_dir):
    import os
    import time

    from isk.services import storage

    folder = files_dir / "populations"
    folder.mkdir(parents=True)
    old, fresh = folder / ".partial-old", folder / ".partial-fresh"
    for partial in (old, fresh):
        partial.write_bytes(b"half a file")
    two_days_ago = time.time() - 2 * 24 * 60 * 60
    os.utime(old, (two_days_ago, two_days_ago))

    storage.write_whole(folder / "kept.csv", b"whole\n")

    assert not old.exists()
    assert fresh.exists()  # perhaps another worker is writing it right now
    assert (folder / "kept.csv").read_bytes() == b"whole\n"


# --- finding 7: populations up to 100 MB, as the README says -------------------------------------


def _population_of_size(size: int) -> bytes:
    filler = "x" * 60
    lines = ["fakturanr;belopp;text"]
    rows = size // 80 + 1
    lines += [f"F{n:07d};{n % 5000 + 100},50;{filler}" for n in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode("ascii")


def test_a_population_larger_than_the_forms_limit_is_taken_in(client, auth, world, files_dir,
                                                                app):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    data = _population_of_size(app.config["MAX_CONTENT_LENGTH"] + 2 * MB)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]

    path = f"{_base(world, control)}/stickprov/ny"
    boundary, body = encode_multipart({"csrf_token": csrf_from(client.get(path)),
                                       "file": FileStorage(io.BytesIO(data), "stor.csv")})
    response = client.post(path, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 302, response.status_code
    assert any(name.endswith(".csv") for name in _kept_files(files_dir))


def test_other_forms_keep_the_app_wide_limit(client, auth, world, app):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    path = f"{_base(world, control)}/utfall/ny"
    token = csrf_from(client.get(path))
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + MB)

    # Encoded in memory: the test client's spooled file would stay open, as nothing reads it.
    boundary, body = encode_multipart(
        {"csrf_token": token, "files": FileStorage(io.BytesIO(big), "a.txt")})
    response = client.post(path, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 413
    assert "för stor" in page_text(response)


# --- finding 8: a folder ISK may not write to ----------------------------------------------------


def _result_with_evidence(client, world, control):
    path = f"{_base(world, control)}/utfall/ny"
    token = csrf_from(client.get(path))
    return client.post(path, data={
        "csrf_token": token, "outcome": "performed", "performed_text": "Mars 2026",
        "result_text": "Inga brister", "sample": "0",
        "files": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "underlag.pdf"),
    }, content_type="multipart/form-data")


def test_an_unwritable_evidence_folder_gives_a_clear_message_and_keeps_nothing(
        client, auth, world, files_dir):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    files_dir.mkdir(parents=True, exist_ok=True)
    (files_dir / "evidence").write_text("a file where the folder should be")

    response = _result_with_evidence(client, world, control)

    assert response.status_code == 503
    assert "Filen kunde inte sparas på servern" in page_text(response)
    assert _count(ControlResult) == 0 and _count(EvidenceFile) == 0


def test_when_a_later_evidence_file_cannot_be_written_the_earlier_one_is_removed_too(
        client, auth, world, files_dir, monkeypatch):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    names = iter(["a" * 32, "b" * 32])
    monkeypatch.setattr(evidence.secrets, "token_hex", lambda _size: next(names))
    blocked = files_dir / "evidence" / ("b" * 32)
    (blocked / "inside").mkdir(parents=True)  # a folder where the second file should go
    path = f"{_base(world, control)}/utfall/ny"
    token = csrf_from(client.get(path))

    response = client.post(path, data={
        "csrf_token": token, "outcome": "performed", "performed_text": "Mars 2026",
        "result_text": "Inga brister", "sample": "0",
        "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ett.pdf"),
                  (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "tva.pdf")],
    }, content_type="multipart/form-data")

    assert response.status_code == 503
    assert _count(ControlResult) == 0 and _count(EvidenceFile) == 0
    assert sorted(p.name for p in (files_dir / "evidence").iterdir()) == ["b" * 32]


def test_an_unwritable_population_folder_gives_a_clear_message(client, auth, world, files_dir):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    files_dir.mkdir(parents=True, exist_ok=True)
    (files_dir / "populations").write_text("a file where the folder should be")

    response = _upload(client, world, control, population_csv(50))

    assert response.status_code == 503
    assert "Filen kunde inte sparas på servern" in page_text(response)

"""Faults under a real server (`make load`): a PostgreSQL restart, SIGKILL mid-import and mid-draw.

ISK runs under gunicorn with 2 workers on 127.0.0.1, on a database of the run's own (see
harness.py). These take a minute or two each, so they are not part of `make test`.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import harness
import pytest
import requests
from sqlalchemy import func, select, text

GRACE_SECONDS = 2.0  # a request that started just before the server was back may still fail
PREVIEW_TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')


@dataclass
class Running:
    url: str
    files: str
    database_url: str
    server: harness.Server
    cluster: harness.Cluster | None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def running(request, tmp_path_factory) -> Iterator[Running]:
    files = str(tmp_path_factory.mktemp("files"))
    with harness.database(request.param) as (url, cluster):
        harness.prepare(url, files)
        with harness.gunicorn(url, files, workers=2) as server:
            try:
                yield Running(server.url, files, url, server, cluster)
            finally:
                kept = Path(tempfile.gettempdir()) / f"isk-faults-{request.param}.log"
                kept.write_bytes(server.log.read_bytes())


def _count(running: Running, statement) -> int:  # type: ignore[no-untyped-def]
    from isk.extensions import db

    app = harness.app_for(running.database_url, running.files)
    with app.app_context():
        try:
            return int(db.session.scalar(statement) or 0)
        finally:
            db.session.remove()
            db.engine.dispose()


def _new_plan(session: requests.Session, token: str, url: str, year: int) -> str:
    form = session.get(url + "/planer/ny", timeout=30).text
    unit = re.search(r'name="org_unit".*?<option[^>]*value="(\d+)"', form, re.S).group(1)
    response = session.post(url + "/planer/ny", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "org_unit": unit, "year": str(year)})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].rsplit("/", 1)[1]


def _wait_for_workers(running: Running) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(running.url + "/logga-in", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("the workers did not come back")


def _killed_mid_request(running: Running, send, delay: float) -> bool:  # type: ignore[no-untyped-def]
    """Send the request in a thread, SIGKILL the workers after `delay`; True if no answer."""
    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["status"] = send().status_code
        except requests.RequestException as error:
            outcome["error"] = error

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(delay)
    running.server.kill_workers()
    thread.join(timeout=120)
    _wait_for_workers(running)
    return "error" in outcome


# --- a PostgreSQL restart during load ---------------------------------------------------------


def test_the_app_recovers_by_itself_after_a_postgresql_restart(running: Running):
    if running.cluster is None:
        pytest.skip("restarting the database server concerns PostgreSQL")
    sessions = [harness.logged_in(running.url) for _ in range(4)]
    session, token = sessions[0]
    plan = _new_plan(session, token, running.url, 2060)
    events: list[tuple[float, bool, object]] = []
    acknowledged: list[str] = []
    stop = threading.Event()

    def client(number: int, session: requests.Session, token: str) -> None:
        count = 0
        while not stop.is_set():
            count += 1
            started = time.monotonic()
            try:
                if count % 3 == 0:
                    name = f"Omstart {number}-{count}"
                    response = session.post(f"{running.url}/planer/{plan}/verksamheter/ny",
                                            data={"csrf_token": token, "name": name,
                                                  "reason": ""},
                                            allow_redirects=False, timeout=15)
                    ok = response.status_code == 302
                    if ok:
                        acknowledged.append(name)
                else:
                    response = session.get(f"{running.url}/planer/{plan}", timeout=15)
                    ok = response.status_code == 200
                events.append((started, ok, response.status_code))
            except requests.RequestException as error:
                events.append((started, False, repr(error)))
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n, s, t))
               for n, (s, t) in enumerate(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(6)
    down = time.monotonic()
    running.cluster.stop()
    time.sleep(5)
    running.cluster.start()
    up = time.monotonic()
    time.sleep(12)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    failures = [(started, status) for started, ok, status in events if not ok]
    assert failures, "the outage was not seen at all"
    assert all(down - 15 <= started <= up + GRACE_SECONDS for started, _status in failures), \
        [(round(s - up, 2), status) for s, status in failures if s > up + GRACE_SECONDS]
    assert {status for _started, status in failures} == {503}, _errors_in_log(running)
    after = sorted(started for started, ok, _status in events if ok and started >= up)
    recovery = after[0] - up
    print(f"\nPostgreSQL down {up - down:.1f} s; {len(failures)} requests answered 503; "
          f"first success {recovery:.2f} s after it was back; {len(after)} successes after")
    assert recovery < 5
    assert len(after) > 20
    from isk.models import ProcessArea

    stored = _count(running, select(func.count()).select_from(ProcessArea)
                    .where(ProcessArea.name.in_(acknowledged)))
    assert stored == len(acknowledged)  # every acknowledged write survived the restart


# --- SIGKILL mid-import -----------------------------------------------------------------------


def _plan_csv(risks: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["verksamhet", "risk", "atgard", "regionovergripande"])
    for number in range(risks):
        writer.writerow([f"Verksamhet {number % 40}", f"Risken nummer {number} i importen.",
                         f"Åtgärd för risk {number}.", "nej"])
    return buffer.getvalue().encode("utf-8")


def _preview(session: requests.Session, token: str, url: str, plan: str, data: bytes) -> str:
    response = session.post(f"{url}/planer/{plan}/importera", timeout=120,
                            data={"csrf_token": token},
                            files={"file": ("plan.csv", data, "text/csv")})
    assert response.status_code == 200, response.status_code
    return PREVIEW_TOKEN.search(response.text).group(1)


def _risks_of(running: Running, plan: str) -> int:
    from isk.models import ProcessArea, Risk

    return _count(running, select(func.count(Risk.id)).join(ProcessArea)
                  .where(ProcessArea.plan_id == int(plan)))


def test_sigkill_mid_import_leaves_the_plan_untouched_or_whole(running: Running):
    session, token = harness.logged_in(running.url)
    data = _plan_csv(3000)
    calibration = _new_plan(session, token, running.url, 2061)
    stash = _preview(session, token, running.url, calibration, data)
    started = time.monotonic()
    response = session.post(f"{running.url}/planer/{calibration}/importera/bekrafta",
                            data={"csrf_token": token, "token": stash}, allow_redirects=False,
                            timeout=120)
    duration = time.monotonic() - started
    assert response.status_code == 302 and _risks_of(running, calibration) == 3000

    killed = 0
    for year, fraction in ((2062, 0.3), (2063, 0.6), (2064, 0.9)):
        plan = _new_plan(session, token, running.url, year)
        stash = _preview(session, token, running.url, plan, data)

        def confirm(plan: str = plan, stash: str = stash) -> requests.Response:
            return session.post(f"{running.url}/planer/{plan}/importera/bekrafta",
                                data={"csrf_token": token, "token": stash},
                                allow_redirects=False, timeout=120)

        was_killed = _killed_mid_request(running, confirm, duration * fraction)
        killed += was_killed
        assert _risks_of(running, plan) in (0, 3000)  # never part of the file
        if was_killed and _risks_of(running, plan) == 0:
            assert confirm().status_code == 302  # the same preview still imports, once
            assert _risks_of(running, plan) == 3000
    assert killed, "no kill landed while the import ran"
    _check_database(running)


# --- SIGKILL mid-draw -------------------------------------------------------------------------


def _population(rows: int) -> bytes:
    lines = ["fakturanr;belopp;konto"]
    lines += [f"F{n:07d};{(n * 37) % 50000 + 100},50;58{n % 10:02d}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode("ascii")


def test_sigkill_mid_draw_stores_no_partial_sample(running: Running):
    from isk.models import Control, Sample

    control = _count(running, select(func.min(Control.id)))
    plan = _count(running, select(Control.plan_id).where(Control.id == control))
    session, token = harness.logged_in(running.url)
    base = f"{running.url}/planer/{plan}/kontroller/{control}/stickprov"
    response = session.post(f"{base}/ny", data={"csrf_token": token}, allow_redirects=False,
                            files={"file": ("fakturor.csv", _population(300_000), "text/csv")},
                            timeout=120)
    assert response.status_code == 302, response.status_code
    draw_url = running.url + response.headers["Location"]
    form = {"csrf_token": token, "size_method": "judgement", "size": "60",
            "reason": "Sextio fakturor ger en bild av hanteringen.", "risk": "5",
            "tolerable": "5 %", "expected": "0 %", "amount_column": "", "strata_column": "",
            "band_edges": "", "threshold": "", "seed": ""}

    def draw() -> requests.Response:
        return session.post(draw_url, data=form, allow_redirects=False, timeout=120)

    samples_before = _count(running, select(func.count(Sample.id)))
    last_before = _count(running, select(func.max(Sample.id)))
    started = time.monotonic()
    assert draw().status_code == 302
    duration = time.monotonic() - started
    killed = 0
    for fraction in (0.3, 0.6, 0.9):
        killed += _killed_mid_request(running, draw, duration * fraction)
    assert killed, "no kill landed while the draw ran"
    samples = _count(running, select(func.count(Sample.id))) - samples_before
    assert 1 <= samples <= 4
    # Each stored sample is whole: all its items, none without it.
    stored = _sample_sizes(running, last_before)
    assert len(stored) == samples and all(items == size == 60 for _id, size, items in stored)
    folder = Path(running.files) / "populations"
    assert not [p for p in folder.iterdir() if p.name.startswith(".partial-")]
    _check_database(running)


def _sample_sizes(running: Running, after: int) -> list[tuple[int, int, int]]:
    from isk.extensions import db
    from isk.models import Sample, SampleItem

    app = harness.app_for(running.database_url, running.files)
    with app.app_context():
        try:
            return [tuple(row) for row in db.session.execute(
                select(Sample.id, Sample.size, func.count(SampleItem.id))
                .join(SampleItem, isouter=True).where(Sample.id > after).group_by(Sample.id))]
        finally:
            db.session.remove()
            db.engine.dispose()


def _errors_in_log(running: Running) -> list[str]:
    """The last line of each traceback in the server's log: what the 500s were."""
    lines = running.server.log.read_text(errors="replace").splitlines()
    return sorted({lines[i - 1] for i, line in enumerate(lines)
                   if i and not line.startswith(" ") and lines[i - 1].strip()
                   and "Error" in lines[i - 1] and not lines[i - 1].startswith(" ")})[:20]


def _check_database(running: Running) -> None:
    if running.database_url.startswith("sqlite"):
        assert _count(running, text("SELECT count(*) FROM pragma_integrity_check() "
                                    "WHERE integrity_check != 'ok'")) == 0

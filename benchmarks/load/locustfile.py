"""Locust scenario: internkontrollanter reading plans and reports, and writing to their own.

Each simulated user logs in through the form (the demo controller), creates a draft plan of
its own (a distinct year), then mixes reads (start page, the shared 2026 plan, its own plan,
controls, the follow-up report, the sample-size calculator) with writes (a new verksamhet, a
new risk with a unique text). Every write the server acknowledged (a redirect after POST) is
kept and written to LOAD_RESULT at the end, with the count of server errors (5xx or a broken
connection), so the run can check from the database that no acknowledged write was lost.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
import uuid

from locust import HttpUser, between, events, task

EMAIL = os.environ.get("LOAD_EMAIL", "kontrollant@example.org")
PASSWORD = os.environ.get("LOAD_PASSWORD", "isk-demo-2026")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PLAN_LINK = re.compile(r'href="/planer/(\d+)"')
UNIT_OPTION = re.compile(r'<select[^>]*name="org_unit".*?<option[^>]*value="(\d+)"', re.S)
AREA_OPTION = re.compile(r'<select[^>]*name="area".*?<option[^>]*value="(\d+)"', re.S)
PLAN_ID = re.compile(r"/planer/(\d+)$")

ACKNOWLEDGED: dict[str, list[str]] = {"plan": [], "area": [], "risk": []}
SERVER_ERRORS: list[tuple[float, str]] = []  # (when, what)
_years = itertools.count(2030)


@events.request.add_listener
def _count_server_errors(request_type, name, response, exception, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    if exception is not None and status == 0:
        SERVER_ERRORS.append((time.time(), f"{request_type} {name}: {exception!r}"))
    elif status >= 500:
        SERVER_ERRORS.append((time.time(), f"{request_type} {name}: {status}"))


@events.quitting.add_listener
def _write_result(environment, **_kwargs):
    path = os.environ.get("LOAD_RESULT")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"acknowledged": ACKNOWLEDGED, "server_errors": SERVER_ERRORS}, handle)


class Controller(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        page = self.client.get("/logga-in", name="GET /logga-in").text
        self.client.post("/logga-in", name="POST /logga-in", allow_redirects=False, data={
            "email": EMAIL, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)})
        start = self.client.get("/", name="GET /").text
        self.token = TOKEN.search(start).group(1)
        self.shared_plan = PLAN_LINK.search(start).group(1)
        form = self.client.get("/planer/ny", name="GET /planer/ny").text
        unit = UNIT_OPTION.search(form).group(1)
        year = str(next(_years))
        response = self.client.post("/planer/ny", name="POST /planer/ny", allow_redirects=False,
                                    data={"csrf_token": self.token, "org_unit": unit,
                                          "year": year})
        self.plan = PLAN_ID.search(response.headers.get("Location", "")).group(1)
        ACKNOWLEDGED["plan"].append(year)
        self.area: str | None = None
        self.add_area()

    # --- reads ------------------------------------------------------------------------------

    @task(4)
    def start_page(self) -> None:
        self.client.get("/", name="GET /")

    @task(4)
    def shared_plan_page(self) -> None:
        self.client.get(f"/planer/{self.shared_plan}", name="GET /planer/[id]")

    @task(2)
    def own_plan_page(self) -> None:
        self.client.get(f"/planer/{self.plan}", name="GET /planer/[own]")

    @task(2)
    def controls(self) -> None:
        self.client.get(f"/planer/{self.shared_plan}/kontroller", name="GET kontroller")

    @task(1)
    def follow_up_report(self) -> None:
        self.client.get(f"/planer/{self.shared_plan}/uppfoljning?period=delar",
                        name="GET uppfoljning")

    @task(1)
    def calculator(self) -> None:
        self.client.get("/stickprovsstorlek?size_method=statistical&risk=5&tolerable=5&"
                        "expected=1", name="GET stickprovsstorlek")

    # --- writes -----------------------------------------------------------------------------

    @task(1)
    def add_area(self) -> None:
        name = f"Last {uuid.uuid4().hex}"
        response = self.client.post(f"/planer/{self.plan}/verksamheter/ny", allow_redirects=False,
                                    name="POST verksamhet", data={"csrf_token": self.token,
                                                                  "name": name, "reason": ""})
        if response.status_code == 302:
            ACKNOWLEDGED["area"].append(name)
            if self.area is None:
                form = self.client.get(f"/planer/{self.plan}/risker/ny", name="GET risk-form")
                match = AREA_OPTION.search(form.text)
                self.area = match.group(1) if match else None

    @task(3)
    def add_risk(self) -> None:
        if self.area is None:
            return
        text = f"Risken att lasttestet {uuid.uuid4().hex} tappar en skrivning."
        response = self.client.post(f"/planer/{self.plan}/risker/ny", allow_redirects=False,
                                    name="POST risk", data={
                                        "csrf_token": self.token, "area": self.area,
                                        "text": text, "criteria": "c", "likelihood": "2",
                                        "consequence": "3", "treatment": "mitigate",
                                        "owner_id": "0", "source": "", "reason": ""})
        if response.status_code == 302:
            ACKNOWLEDGED["risk"].append(text)

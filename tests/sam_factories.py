"""A small SAM organisation for the SAM tests: units, chefs, a manager chain, helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from isk.extensions import db
from isk.models import AnswerValue, ManagerAssignment, OrgUnit, OrgUnitKind, Role, SamRound, User
from isk.services import clock, sam


@dataclass
class SamOrg:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    assignments: dict[str, ManagerAssignment] = field(default_factory=dict)

    def start(self, unit: str = "SN", due_on: date | None = None, year: int = 2026) -> SamRound:
        sam_round = sam.start_round(
            self.units[unit],
            year,
            due_on or clock.today() + timedelta(days=14),
            [str(q) for q in sam.DEFAULT_QUESTIONS],
            started_by=self.users["admin"],
        )
        db.session.commit()
        return sam_round


def build_sam_org(make_unit: Any, make_user: Any) -> SamOrg:
    """SN → RS (Rebecka) → MT (Maria) → MTS (Elin), RS → FA (Fredrik); HSN (Hugo) apart."""
    org = SamOrg()
    u = org.units
    u["SN"] = make_unit("Servicenämnden", code="SN")
    u["RS"] = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=u["SN"], code="RS")
    u["MT"] = make_unit("Medicinsk teknik", OrgUnitKind.OMRADE, parent=u["RS"], code="MT")
    u["FA"] = make_unit("Fastighet", OrgUnitKind.OMRADE, parent=u["RS"], code="FA")
    u["MTS"] = make_unit("MT service", OrgUnitKind.ENHET, parent=u["MT"], code="MTS")
    u["HSN"] = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    people = {
        "rebecka": ("rebecka@example.org", "Rebecka Förvaltningschef", Role.MANAGER, "RS"),
        "maria": ("maria@example.org", "Maria Områdeschef", Role.MANAGER, "MT"),
        "fredrik": ("fredrik@example.org", "Fredrik Områdeschef", Role.MANAGER, "FA"),
        "elin": ("elin@example.org", "Elin Enhetschef", Role.MANAGER, "MTS"),
        "hugo": ("hugo@example.org", "Hugo HSN-chef", Role.MANAGER, "HSN"),
        "hr": ("hr@example.org", "Hanna HR", Role.HR, "RS"),
        "controller": ("kim@example.org", "Kim Kontrollant", Role.CONTROLLER, "SN"),
        "reader": ("leo@example.org", "Leo Läsare", Role.READER, "SN"),
        "auditor": ("rut@example.org", "Rut Revisor", Role.AUDITOR, None),
        "admin": ("alva@example.org", "Alva Admin", Role.ADMIN, None),
    }
    for key, (email, name, role, unit) in people.items():
        org.users[key] = make_user(email, role, u[unit] if unit else None, name=name)
    chain = (
        ("rebecka", "RS", None),
        ("maria", "MT", "rebecka"),
        ("fredrik", "FA", "rebecka"),
        ("elin", "MTS", "maria"),
        ("hugo", "HSN", None),
    )
    for key, unit, delegating in chain:
        org.assignments[key] = sam.save_assignment(
            org.users[key], [u[unit]], org.assignments[delegating] if delegating else None
        )
    db.session.commit()
    return org


def follow_up_of(sam_round: SamRound, user: User):
    return next(f for f in sam_round.follow_ups if f.manager_id == user.id)


def csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def answer_data(follow_up: Any, token: str, **overrides: str) -> dict[str, Any]:
    """Form data answering every point ja, except the `q<n>`=value/`c<n>`=comment overrides."""
    data: dict[str, Any] = {"csrf_token": token, "version": follow_up.version_id}
    for number, question in enumerate(follow_up.round.live_questions, start=1):
        data[f"q{question.id}"] = overrides.get(f"q{number}", AnswerValue.YES.value)
        data[f"q{question.id}_comment"] = overrides.get(f"c{number}", "")
    return data


def answer_all(follow_up: Any, value: AnswerValue = AnswerValue.YES, comment: str = "") -> None:
    sam.save_answers(
        follow_up,
        {q.id: sam.AnswerInput(value, comment) for q in follow_up.round.live_questions},
    )

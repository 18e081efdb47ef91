"""SQL statements per page: the same for a small region and a larger one (issue 13).

The region of tests/size_world.py is built at two sizes (more nämnder, plans, risks, åtgärder,
controls, kontrollutfall, stickprov and SAM chefs in the second), and each page is asked for
twice by the role that uses it; the second request is counted. A page that loaded something
row by row (an N+1) would run more statements for the larger region.

The counts are pinned: a page that needs one more statement should say why here. Eight is the
aim. Two pages stay above it, whatever the size:
- the systemförvaltare's start page, 9: the user, the plans, due controls, open stickprov,
  due åtgärder, assessments, SAM follow-ups with returns, rounds, locked and invited accounts,
  each a different kind of row;
- the region's samlad bedömning, 10: the user, the region's units, the assessments with their
  versions, the SAM counts and the target, the plans with their verksamheter, the risks with
  their åtgärder, the controls with their results, the stickprov with their items, and the
  region's texts.
"""

from __future__ import annotations

import time

from flask import Flask

from isk.extensions import db
from isk.services import accounts

from . import control_helpers
from .conftest import _empty_all_tables
from .size_world import TODAY, Size, build_world, pages

files_dir = control_helpers.files_dir  # fixture

SMALL = Size(units=2, risks=3, actions=2, controls=2, chefs=2, sample_items=6)
LARGE = Size(units=5, risks=9, actions=3, controls=2, chefs=4, sample_items=12)

EXPECTED = {
    "start page, controller": 6,
    "start page, chef": 6,
    "start page, HR": 6,
    "start page, admin": 9,
    "start page, reader": 4,
    "start page, auditor": 5,
    "follow-up report T1": 5,
    "follow-up report helår": 5,
    "assessment page": 8,
    "region assessment": 10,
    "SAM overview": 8,
}


def _counts(app: Flask, client, query_counter, size: Size) -> dict[str, int]:
    world = build_world(size)
    ids = {role: user.get_id() for role, user in world.users.items()}
    measured = {}
    for name, role, path in pages(world):
        with client.session_transaction() as session:
            session["_user_id"] = ids[role]
            session["_fresh"] = True
            session[accounts.SESSION_LAST_SEEN] = int(time.time())
        assert client.get(path).status_code == 200, (name, path)
        with query_counter() as statements:
            response = client.get(path)
        assert response.status_code == 200, (name, path)
        measured[name] = len(statements)
    db.session.remove()
    return measured


def test_each_page_runs_the_same_statements_for_a_small_and_a_large_region(
    app, client, query_counter, files_dir
):
    app.config["TODAY"] = TODAY.isoformat()
    small = _counts(app, client, query_counter, SMALL)
    _empty_all_tables()
    large = _counts(app, client, query_counter, LARGE)

    assert large == small, {name: (small[name], large[name]) for name in small
                            if small[name] != large[name]}
    assert small == EXPECTED


def test_the_region_pages_show_every_nämnd_of_the_larger_region(app, client, auth, files_dir):
    """The counted pages show the larger region's content, not less of it."""
    app.config["TODAY"] = TODAY.isoformat()
    world = build_world(LARGE)
    auth.login_via_session(world.users["admin"])
    region = client.get(world_path(world, "region assessment")).get_data(as_text=True)
    assert all(unit.name in region for unit in world.units)
    auth.login_via_session(world.users["hr"])
    overview = client.get(world_path(world, "SAM overview")).get_data(as_text=True)
    assert all(unit.name in overview for unit in world.units)
    auth.login_via_session(world.users["controller"])
    report = client.get(world_path(world, "follow-up report helår")).get_data(as_text=True)
    assert f"Kontroll 0.{LARGE.risks - 1}.1 av attester och underlag" in report
    assert "Gemensam utbildning i attestregler." in report  # the region's regionövergripande


def world_path(world, name: str) -> str:
    return next(path for page, _role, path in pages(world) if page == name)

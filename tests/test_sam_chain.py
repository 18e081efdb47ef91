"""The manager chain: who leads which units and who is their fördelande chef; CSV/XLSX import."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import ManagerAssignment, Role
from isk.services import sam

from .sam_factories import answer_all, csrf, follow_up_of


def chain_of() -> dict[str, tuple[list[str], str | None]]:
    db.session.expire_all()
    return {
        a.user.email: (
            sorted(u.code for u in a.live_units),
            a.delegating_assignment.user.email if a.delegating_assignment else None,
        )
        for a in sam.chain()
    }


def xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_admin_adds_a_chef_to_the_chain(sam_org, make_user, client, auth):
    new = make_user("nora@example.org", Role.MANAGER, sam_org.units["FA"], name="Nora Ny")
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/chefer/ny")

    response = client.post(
        "/sam/chefer/ny",
        data={
            "csrf_token": token,
            "version": 0,
            "user": new.id,
            "units": [sam_org.units["FA"].id],
            "delegating": sam_org.assignments["fredrik"].id,
        },
    )

    assert response.status_code == 302
    assert chain_of()["nora@example.org"] == (["FA"], "fredrik@example.org")
    page = client.get("/sam/chefer").get_data(as_text=True)
    assert "Nora Ny" in page


def test_a_chain_that_goes_in_a_circle_is_refused(sam_org, client, auth):
    rebecka = sam_org.assignments["rebecka"]
    auth.login_via_session(sam_org.users["admin"])
    path = f"/sam/chefer/{rebecka.id}"
    token = csrf(client, path)

    response = client.post(
        path,
        data={
            "csrf_token": token,
            "version": rebecka.version_id,
            "user": rebecka.user_id,
            "units": [sam_org.units["RS"].id],
            "delegating": sam_org.assignments["elin"].id,  # Elin is below Rebecka
        },
    )

    assert response.status_code == 400
    assert "kedjan kan inte gå i cirkel" in response.get_data(as_text=True)
    assert chain_of()["rebecka@example.org"] == (["RS"], None)


def test_only_chefs_may_be_in_the_chain(sam_org):
    with pytest.raises(sam.SamError, match="har rollen Läsare"):
        sam.save_assignment(sam_org.users["reader"], [sam_org.units["SN"]], None)


def test_a_new_delegating_manager_takes_over_open_follow_ups(sam_org):
    sam_round = sam_org.start()
    elin, fredrik = sam_org.users["elin"], sam_org.users["fredrik"]
    confirmed = follow_up_of(sam_round, sam_org.users["fredrik"])
    answer_all(confirmed)
    sam.acknowledge(confirmed, by=fredrik)
    sam.confirm(confirmed, by=sam_org.users["rebecka"])

    sam.save_assignment(elin, [sam_org.units["MTS"]], sam_org.assignments["fredrik"])
    sam.save_assignment(fredrik, [sam_org.units["FA"]], sam_org.assignments["maria"])
    db.session.commit()

    assert follow_up_of(sam_round, elin).delegating_manager_id == fredrik.id
    # An avstämd follow-up keeps the chef who confirmed it.
    assert confirmed.delegating_manager_id == sam_org.users["rebecka"].id


def test_a_fordelande_chef_with_chefs_below_cannot_be_removed(sam_org, client, auth):
    maria = sam_org.assignments["maria"]
    elin = sam_org.assignments["elin"]
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/chefer")

    refused = client.post(
        f"/sam/chefer/{maria.id}/ta-bort", data={"csrf_token": token, "version": maria.version_id}
    )
    removed = client.post(
        f"/sam/chefer/{elin.id}/ta-bort", data={"csrf_token": token, "version": elin.version_id}
    )

    assert refused.status_code == 409
    assert "Maria Områdeschef är fördelande chef för Elin Enhetschef" in refused.get_data(
        as_text=True
    )
    assert removed.status_code == 302
    assert "elin@example.org" not in chain_of()
    assert db.session.scalar(select(func.count(ManagerAssignment.id))) == 5  # kept, archived


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_chain_is_imported_from_csv_or_xlsx(kind, sam_org, make_user, client, auth):
    make_user("nora@example.org", Role.MANAGER, sam_org.units["FA"], name="Nora Ny")
    rows = [
        ["chef", "enheter", "fordelande_chef"],
        ["nora@example.org", "FA; MTS", "maria@example.org"],
        ["ELIN@example.org", "MTS", "nora@example.org"],
    ]
    content = (
        "\n".join(",".join(f'"{c}"' for c in row) for row in rows).encode()
        if kind == "csv"
        else xlsx(rows)
    )
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/chefer")

    response = client.post(
        "/sam/chefer/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), f"kedja.{kind}")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    chain = chain_of()
    assert chain["nora@example.org"] == (["FA", "MTS"], "maria@example.org")
    assert chain["elin@example.org"] == (["MTS"], "nora@example.org")
    assert chain["maria@example.org"] == (["MT"], "rebecka@example.org")  # untouched
    page = client.get("/sam/chefer").get_data(as_text=True)
    assert "Chefskedjan är inläst: 1 nya och 1 ändrade chefer." in page


def test_a_bad_chain_file_changes_nothing_and_names_every_bad_row(sam_org, client, auth):
    content = "\n".join(
        [
            "chef;enheter;fordelande_chef",
            "maria@example.org;MT;rebecka@example.org",
            "okand@example.org;MT;",
            "leo@example.org;XYZ;maria@example.org",
            "rebecka@example.org;RS;elin@example.org",
            "fredrik@example.org;;fredrik@example.org",
            "maria@example.org;MT;",
        ]
    ).encode()
    auth.login_via_session(sam_org.users["admin"])
    before = chain_of()
    token = csrf(client, "/sam/chefer")

    response = client.post(
        "/sam/chefer/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), "kedja.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for problem in (
        "Rad 3, kolumn chef: det finns ingen användare okand@example.org.",
        "Rad 4, kolumn chef: Leo Läsare har rollen Läsare",
        "Rad 4, kolumn enheter: det finns ingen enhet med koden ”XYZ”.",
        "Rad 5, kolumn fordelande_chef: elin@example.org står under rebecka@example.org",
        "Rad 6, kolumn enheter: ange minst en enhetskod.",
        "Rad 6, kolumn fordelande_chef: en chef kan inte vara sin egen fördelande chef.",
        "Rad 7, kolumn chef: maria@example.org finns redan på rad 2.",
    ):
        assert problem in text, problem
    assert chain_of() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "kedja.csv",
            b"namn,enhet\nx,y\n",
            "Rad 1: kolumnerna ska vara chef, enheter, fordelande_chef",
        ),
        ("kedja.xlsx", b"not a workbook", "Filen kunde inte läsas som en XLSX-arbetsbok"),
        ("kedja.csv", "chef,enheter,fordelande_chef\n".encode("utf-16"), "inte UTF-8-kodad"),
    ],
)
def test_unreadable_chain_files_are_refused(name, content, message, sam_org, client, auth):
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/chefer")

    response = client.post(
        "/sam/chefer/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_import_managers_command(sam_org, make_user, runner, tmp_path):
    make_user("nora@example.org", Role.MANAGER, sam_org.units["FA"], name="Nora Ny")
    good = tmp_path / "kedja.csv"
    good.write_text("chef,enheter,fordelande_chef\nnora@example.org,FA,fredrik@example.org\n")
    bad = tmp_path / "fel.csv"
    bad.write_text("chef,enheter,fordelande_chef\nnora@example.org,NOPE,\n")

    ok = runner.invoke(args=["isk", "import-managers", str(good)])
    refused = runner.invoke(args=["isk", "import-managers", str(bad)])

    assert ok.exit_code == 0, ok.output
    assert "1 nya och 0 ändrade chefer" in ok.output
    assert refused.exit_code != 0
    assert "Rad 2, kolumn enheter: det finns ingen enhet med koden ”NOPE”." in refused.output
    assert chain_of()["nora@example.org"] == (["FA"], "fredrik@example.org")


@pytest.mark.parametrize("who", ["hr", "maria", "auditor"])
def test_only_admins_keep_the_chain(who, sam_org, client, auth):
    auth.login_via_session(sam_org.users[who])

    assert client.get("/sam/chefer").status_code == 403
    assert client.post("/sam/chefer/import").status_code == 403


def test_a_chefs_form_offers_as_fordelande_chef_only_those_not_below_them(
        sam_org, client, auth):
    """Rebecka → Maria → Elin: Maria's form may not name Elin (a cycle) or herself."""
    auth.login_via_session(sam_org.users["admin"])
    maria = sam_org.assignments["maria"]

    offered = sam.possible_delegating(maria, sam.chain())
    page = client.get(f"/sam/chefer/{maria.id}").get_data(as_text=True)
    options = page[page.index('name="delegating"'):].split("</select>")[0]

    assert {a.user.email for a in offered} == {
        "rebecka@example.org", "fredrik@example.org", "hugo@example.org"}
    assert "Elin Enhetschef" not in options and "Maria Områdeschef" not in options
    assert "Rebecka Förvaltningschef" in options


def test_a_fordelande_chef_who_is_not_in_the_chain_is_refused_not_dropped(sam_org, client, auth):
    """A forged or stale id used to save the chef as the top of the chain; now it is refused."""
    maria = sam_org.assignments["maria"]
    auth.login_via_session(sam_org.users["admin"])
    path = f"/sam/chefer/{maria.id}"

    response = client.post(path, data={
        "csrf_token": csrf(client, path), "version": maria.version_id, "user": maria.user_id,
        "units": [sam_org.units["MT"].id], "delegating": 999_999})

    assert response.status_code == 400
    assert "finns inte i chefskedjan" in response.get_data(as_text=True)
    assert chain_of()["maria@example.org"] == (["MT"], "rebecka@example.org")

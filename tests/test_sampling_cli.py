"""`flask isk sample-size` and `flask isk evaluate-sample` print the calculator's figures."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("risk", "tolerable", "expected"),
    [("5,0", "5.0", "1,0"), ("5", "5", "1"), ("5 %", "5 %", "1 %"), ("5%", "5", "1")],
)
def test_sample_size_reads_rates_as_percentages_with_or_without_the_sign(
    runner, risk, tolerable, expected
):
    result = runner.invoke(
        args=[
            "isk",
            "sample-size",
            "--risk",
            risk,
            "--tolerable",
            tolerable,
            "--expected",
            expected,
        ]
    )

    assert result.exit_code == 0, result.output
    assert result.output == "Urvalsstorlek: 93 poster. Tolererade avvikelser: 1.\n"


def test_a_rate_below_one_is_a_percentage_as_on_the_calculator(runner, client, auth, make_unit,
                                                               make_user):
    """"0,5" is half a percent on the command line and on the calculator page alike."""
    from isk.models import Role

    make_user("kim@example.org", Role.CONTROLLER, make_unit("Servicenämnden"))
    auth.login("kim@example.org")
    cli = runner.invoke(args=["isk", "sample-size", "--risk", "10", "--tolerable", "3",
                              "--expected", "0,5"])
    page = client.get("/stickprovsstorlek?size_method=statistical&risk=10&tolerable=3"
                      "&expected=0%2C5").get_data(as_text=True)

    assert cli.exit_code == 0, cli.output
    sentence = cli.output.strip()
    assert sentence.startswith("Urvalsstorlek: ")
    assert sentence in page.replace("\xa0", " ")


def test_sample_size_refuses_an_impractically_large_sample(runner):
    result = runner.invoke(
        args=["isk", "sample-size", "--risk", "5", "--tolerable", "2", "--expected", "1,5"]
    )

    assert result.exit_code == 1
    assert "opraktiskt stort" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--risk", "7", "--tolerable", "5", "--expected", "1"], "5 % eller 10 %"),
        (["--risk", "5", "--tolerable", "5", "--expected", "6"], "måste vara lägre"),
        (["--risk", "5", "--tolerable", "fem", "--expected", "1"], "ingen andel"),
    ],
)
def test_sample_size_refuses_bad_input_in_swedish(runner, args, message):
    result = runner.invoke(args=["isk", "sample-size", *args])

    assert result.exit_code == 1
    assert message in result.output


def test_evaluate_sample_prints_rate_upper_limit_and_conclusion(runner):
    result = runner.invoke(
        args=[
            "isk",
            "evaluate-sample",
            "--risk",
            "5",
            "--size",
            "100",
            "--deviations",
            "5",
            "--tolerable",
            "5 %",
        ]
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Avvikelser: 5 av 100 poster (5,0 %).",
        "Övre avvikelsegräns med 95 % konfidens: 10,3 %.",
        "Kontrollen kan inte förlitas på: med 5 avvikelser av 100 poster är den övre "
        "avvikelsegränsen 10,3 % med 95 % konfidens, vilket överstiger den tolerabla "
        "avvikelsefrekvensen 5 %.",
    ]


def test_evaluate_sample_without_deviations_at_ten_percent_risk(runner):
    result = runner.invoke(
        args=["isk", "evaluate-sample", "--risk", "10", "--size", "55", "--deviations", "0"]
    )

    assert result.exit_code == 0, result.output
    assert "Övre avvikelsegräns med 90 % konfidens: 4,2 %." in result.output
    assert "Ange den tolerabla avvikelsefrekvensen" in result.output


def test_evaluate_sample_refuses_more_deviations_than_items(runner):
    result = runner.invoke(
        args=["isk", "evaluate-sample", "--risk", "5", "--size", "20", "--deviations", "21"]
    )

    assert result.exit_code == 1
    assert "kan inte vara större än urvalet" in result.output

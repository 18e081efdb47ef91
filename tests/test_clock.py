"""Today is one injectable clock: date rules are tested on fixed days, never the wall clock."""

from __future__ import annotations

from datetime import date

import pytest

from isk import create_app
from isk.models import ReminderKind
from isk.services import clock, sam

from .conftest import base_config
from .sam_factories import follow_up_of


def test_a_frozen_day_is_today_inside_the_block_only(app, on_day):
    real = clock.today()
    with on_day(date(2026, 3, 1)):
        assert clock.today() == date(2026, 3, 1)
    assert clock.today() == real


def test_the_today_setting_fixes_today_for_the_whole_app(tmp_path):
    app = create_app({**base_config("sqlite://", tmp_path), "TODAY": "2026-03-01"})
    with app.app_context():
        assert clock.today() == date(2026, 3, 1)


def test_a_round_cannot_end_before_today(sam_org, on_day):
    with on_day(date(2026, 3, 10)), pytest.raises(sam.SamError, match="redan passerat"):
        sam.start_round(sam_org.units["SN"], 2026, date(2026, 3, 9), ["Fråga"],
                        started_by=sam_org.users["hr"])
    with on_day(date(2026, 3, 8)):
        assert sam.start_round(sam_org.units["SN"], 2026, date(2026, 3, 9), ["Fråga"],
                               started_by=sam_org.users["hr"]).due_on == date(2026, 3, 9)


def test_a_follow_up_turns_overdue_the_day_after_its_last_day(sam_org, on_day):
    with on_day(date(2026, 3, 1)):
        sam_round = sam_org.start("RS", due_on=date(2026, 3, 20))
    elin = follow_up_of(sam_round, sam_org.users["elin"])

    assert not elin.is_overdue(date(2026, 3, 20))
    assert elin.is_overdue(date(2026, 3, 21))
    with on_day(date(2026, 3, 21)):
        overview = sam.build_overview(sam_round, sam_org.units["RS"])
    assert elin in overview.overdue


def test_reminders_fall_due_a_week_before_the_last_day_and_again_after_it(sam_org, on_day):
    with on_day(date(2026, 3, 1)):
        sam_org.start("RS", due_on=date(2026, 3, 20))

    assert sam.due_reminders(date(2026, 3, 12)) == []  # eight days before
    week_before = sam.due_reminders(date(2026, 3, 13))
    after = sam.due_reminders(date(2026, 3, 21))

    assert {d.kind for d in week_before} == {ReminderKind.DUE} and len(week_before) == 4
    assert {d.kind for d in after} == {ReminderKind.OVERDUE} and len(after) == 4

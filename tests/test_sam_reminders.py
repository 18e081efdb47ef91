"""`flask isk send-reminders` against a real local SMTP server (aiosmtpd): once per chef, once."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import AuditEntry, ReminderKind, SamReminder
from isk.services import clock, mail, sam

from .mail_helpers import Mailbox, free_port
from .sam_factories import answer_all, follow_up_of

SENDER = "isk@region.example"
BASE_URL = "https://isk.region.example"


@pytest.fixture
def smtp(app) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 and a free port; the app is configured to use it."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError as error:  # pragma: no cover - a dev dependency
        from .conftest import skip_or_fail

        skip_or_fail(f"aiosmtpd is not installed: {error}")
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM=SENDER, BASE_URL=BASE_URL)
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def due_soon(sam_org):
    """RS round due in 3 days: Maria kvitterad, Elin answered, Fredrik overdue, Rebecka later."""
    sam_round = sam_org.start("RS", due_on=clock.today() + timedelta(days=3))
    users = sam_org.users
    maria = follow_up_of(sam_round, users["maria"])
    answer_all(maria)
    sam.acknowledge(maria, by=users["maria"])
    answer_all(follow_up_of(sam_round, users["elin"]))
    follow_up_of(sam_round, users["fredrik"]).due_on = clock.today() - timedelta(days=2)
    follow_up_of(sam_round, users["rebecka"]).due_on = clock.today() + timedelta(days=30)
    db.session.commit()
    return sam_round


def test_each_chef_due_gets_exactly_one_mail_and_a_second_run_sends_none(
    due_soon, smtp, runner, sam_org
):
    first = runner.invoke(args=["isk", "send-reminders"])
    second = runner.invoke(args=["isk", "send-reminders"])

    assert first.exit_code == 0, first.output
    assert "2 påminnelser skickade." in first.output
    assert second.exit_code == 0, second.output
    assert "0 påminnelser skickade." in second.output
    assert sorted(m["To"] for m in smtp.messages) == ["elin@example.org", "fredrik@example.org"]
    assert sorted(e[0] for e in smtp.envelopes) == ["elin@example.org", "fredrik@example.org"]
    reminders = db.session.scalars(select(SamReminder).order_by(SamReminder.recipient)).all()
    assert [(r.recipient, r.kind) for r in reminders] == [
        ("elin@example.org", ReminderKind.DUE),
        ("fredrik@example.org", ReminderKind.OVERDUE),
    ]
    assert all(r.sent_at is not None and r.attempts == 1 for r in reminders)
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.event == "sam_reminder_sent")
        )
        == 2
    )


def test_the_mail_is_swedish_and_links_to_the_follow_up(due_soon, smtp, runner, sam_org):
    runner.invoke(args=["isk", "send-reminders"])

    elin_id = follow_up_of(due_soon, sam_org.users["elin"]).id
    fredrik_id = follow_up_of(due_soon, sam_org.users["fredrik"]).id
    (due,) = smtp.to("elin@example.org")
    (overdue,) = smtp.to("fredrik@example.org")
    assert due["From"] == SENDER
    assert due["Subject"].startswith("Påminnelse: din årliga uppföljning av SAM 2026 – sista dag ")
    assert due["Auto-Submitted"] == "auto-generated"
    body = due.get_content()
    assert body.startswith("Hej Elin Enhetschef!")
    assert "systematiska arbetsmiljöarbete (SAM) 2026 för MT service" in body
    assert f"{BASE_URL}/sam/uppfoljningar/{elin_id}" in body.splitlines()  # a line of its own
    assert "Din fördelande chef, Maria Områdeschef, stämmer sedan av" in body
    assert overdue["Subject"].startswith("Försenad: din årliga uppföljning av SAM 2026")
    assert "är ännu inte kvitterad" in overdue.get_content()
    assert f"{BASE_URL}/sam/uppfoljningar/{fredrik_id}" in overdue.get_content()


def test_a_late_first_run_sends_only_the_overdue_reminder_and_later_the_overdue_one(
    due_soon, smtp, runner, sam_org
):
    elin = follow_up_of(due_soon, sam_org.users["elin"])
    runner.invoke(args=["isk", "send-reminders"])  # Elin: the "due" reminder
    elin.due_on = clock.today() - timedelta(days=1)
    db.session.commit()

    runner.invoke(args=["isk", "send-reminders"])
    runner.invoke(args=["isk", "send-reminders"])

    kinds = [m["Subject"].split(":")[0] for m in smtp.to("elin@example.org")]
    assert kinds == ["Påminnelse", "Försenad"]
    assert len(smtp.to("fredrik@example.org")) == 1


def test_two_runs_at_the_same_moment_send_each_mail_once(app, due_soon, smtp):
    barrier = threading.Barrier(2)
    reports: list[sam.ReminderReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                settings = mail.SmtpSettings.from_config(app.config)
                barrier.wait(timeout=10)
                reports.append(sam.send_reminders(clock.today(), settings, str))
                db.session.remove()
        except BaseException as error:  # report it in the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(len(r.sent) for r in reports) in ([0, 2], [1, 1])
    assert sorted(m["To"] for m in smtp.messages) == ["elin@example.org", "fredrik@example.org"]


def test_a_refused_mail_is_reported_and_retried_next_time(due_soon, smtp, runner):
    smtp.refuse.add("fredrik@example.org")

    failed = runner.invoke(args=["isk", "send-reminders"])
    smtp.refuse.clear()
    retried = runner.invoke(args=["isk", "send-reminders"])

    assert failed.exit_code != 0
    assert "1 påminnelser kunde inte skickas" in failed.output
    assert "fredrik@example.org" in failed.output
    assert retried.exit_code == 0, retried.output
    assert "1 påminnelser skickade." in retried.output
    assert sorted(m["To"] for m in smtp.messages) == ["elin@example.org", "fredrik@example.org"]
    fredrik = db.session.scalar(
        select(SamReminder).where(SamReminder.recipient == "fredrik@example.org")
    )
    assert fredrik.attempts == 2 and fredrik.sent_at is not None and fredrik.last_error is None


def test_nothing_is_sent_for_a_closed_round(due_soon, smtp, runner):
    sam.close_round(due_soon)
    db.session.commit()

    result = runner.invoke(args=["isk", "send-reminders"])

    assert result.exit_code == 0
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMTP_HOST": ""}, "ISK_SMTP_HOST är inte satt"),
        ({"MAIL_FROM": ""}, "ISK_MAIL_FROM är inte satt"),
        ({"SMTP_SECURITY": "tls1.3"}, "ISK_SMTP_TLS måste vara none, starttls eller ssl"),
        ({"SMTP_USERNAME": "isk"}, "Lösenordet till e-postservern skickas inte okrypterat"),
        ({"SMTP_PORT": 1}, "Kunde inte ansluta till e-postservern 127.0.0.1:1"),
    ],
)
def test_bad_mail_settings_stop_with_a_swedish_message(
    settings, message, app, due_soon, smtp, runner
):
    app.config.update(settings)

    result = runner.invoke(args=["isk", "send-reminders"])

    assert result.exit_code != 0
    assert message in result.output
    assert smtp.messages == []
    assert db.session.scalar(select(func.count(SamReminder.id))) == 0


def test_smtp_settings_come_from_the_environment(monkeypatch, tmp_path):
    from isk import create_app

    for name, value in {
        "ISK_SMTP_HOST": "smtp.region.example",
        "ISK_SMTP_PORT": "2525",
        "ISK_SMTP_TLS": "starttls",
        "ISK_SMTP_USER": "isk",
        "ISK_SMTP_PASSWORD": "hemligt",
        "ISK_MAIL_FROM": "isk@region.example",
        "ISK_BASE_URL": "https://isk.region.example/app",
    }.items():
        monkeypatch.setenv(name, value)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"}
    )

    settings = mail.SmtpSettings.from_config(app.config)

    assert settings == mail.SmtpSettings(
        host="smtp.region.example",
        port=2525,
        sender="isk@region.example",
        security="starttls",
        username="isk",
        password="hemligt",
    )
    with app.app_context():
        link = sam.external_url("sam.follow_up", follow_up_id=7)
    assert link == "https://isk.region.example/app/sam/uppfoljningar/7"


def test_without_a_mail_server_the_reminders_go_to_the_outbox_once(
    due_soon, runner, app, tmp_path
):
    outbox = tmp_path / "utkorg"
    app.config.update(SMTP_HOST="", MAIL_FROM="", MAIL_OUTBOX=str(outbox), BASE_URL=BASE_URL)

    first = runner.invoke(args=["isk", "send-reminders"])
    second = runner.invoke(args=["isk", "send-reminders"])

    assert first.exit_code == 0, first.output
    assert f"breven sparades i {outbox}" in first.output
    assert "0 påminnelser skickade." in second.output
    recipients = sorted(
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"]
        for path in outbox.glob("*.eml")
    )
    assert recipients == ["elin@example.org", "fredrik@example.org"]

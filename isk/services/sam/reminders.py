"""Reminder mails about follow-ups: each sent once, even when runs overlap.

The one service that commits: a sent mail cannot be rolled back, so each claim is committed
before the mail goes out (see SamReminder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    FollowUpStatus,
    ReminderKind,
    RoundStatus,
    SamFollowUp,
    SamReminder,
    SamRound,
    User,
)
from ...models.types import utcnow
from .. import audit_log, mail

REMINDER_DAYS_BEFORE_DUE = 7


# A claim this old without a sent mail was abandoned (the run died); the next run retries.
ABANDONED_CLAIM = timedelta(hours=1)


@dataclass(frozen=True)
class ReminderDraft:
    """Everything one reminder mail needs, read before the sending starts."""

    follow_up_id: int
    kind: ReminderKind
    recipient: str
    manager_name: str
    year: int
    unit_name: str
    due_on: date
    delegating_name: str | None


@dataclass
class ReminderReport:
    sent: list[ReminderDraft] = field(default_factory=list)
    failed: list[tuple[ReminderDraft, str]] = field(default_factory=list)


def due_reminders(when: date, days_before: int = REMINDER_DAYS_BEFORE_DUE) -> list[ReminderDraft]:
    """Follow-ups not yet kvitterade that are due within `days_before` days, or overdue.

    One reminder of each kind per follow-up: "due" in the days before the last day,
    "overdue" once the last day has passed (a chef first reminded late gets only that one).
    """
    follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .join(SamFollowUp.manager)
        .where(
            SamRound.status == RoundStatus.OPEN,
            SamRound.archived_at.is_(None),
            SamFollowUp.status.not_in([FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED]),
            SamFollowUp.due_on <= when + timedelta(days=days_before),
            User.active.is_(True),
            User.archived_at.is_(None),
        )
        .options(
            selectinload(SamFollowUp.round),
            selectinload(SamFollowUp.manager),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.delegating_manager),
        )
        .order_by(SamFollowUp.id)
    ).all()
    sent = {
        (follow_up_id, kind)
        for follow_up_id, kind in db.session.execute(
            select(SamReminder.follow_up_id, SamReminder.kind).where(
                SamReminder.sent_at.is_not(None),
                SamReminder.follow_up_id.in_([f.id for f in follow_ups]),
            )
        )
    }
    drafts = []
    for follow_up in follow_ups:
        kind = ReminderKind.OVERDUE if follow_up.due_on < when else ReminderKind.DUE
        if (follow_up.id, kind) in sent:
            continue
        drafts.append(
            ReminderDraft(
                follow_up_id=follow_up.id,
                kind=kind,
                recipient=follow_up.manager.email,
                manager_name=follow_up.manager.name,
                year=follow_up.round.year,
                unit_name=follow_up.org_unit.name,
                due_on=follow_up.due_on,
                delegating_name=(
                    follow_up.delegating_manager.name if follow_up.delegating_manager else None
                ),
            )
        )
    return drafts


def _claim(draft: ReminderDraft) -> SamReminder | None:
    """Take the right to send this reminder; None if another run has it or it was sent.

    The unique (follow-up, kind) row is the lock, committed before the mail goes out, so two
    runs (even at the same moment) never both send.
    """
    now = utcnow()
    existing = db.session.scalar(
        select(SamReminder).where(
            SamReminder.follow_up_id == draft.follow_up_id, SamReminder.kind == draft.kind
        )
    )
    if existing is None:
        claim = SamReminder(
            follow_up_id=draft.follow_up_id,
            kind=draft.kind,
            recipient=draft.recipient,
            claimed_at=now,
            attempts=1,
        )
        db.session.add(claim)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        return claim
    taken = db.session.execute(
        update(SamReminder)
        .where(
            SamReminder.id == existing.id,
            SamReminder.sent_at.is_(None),
            or_(
                SamReminder.claimed_at.is_(None),
                SamReminder.claimed_at < now - ABANDONED_CLAIM,
            ),
        )
        .values(claimed_at=now, attempts=SamReminder.attempts + 1, recipient=draft.recipient)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return existing if taken.rowcount == 1 else None


def reminder_message(draft: ReminderDraft, link: str, sender: str) -> EmailMessage:
    """The Swedish reminder mail with the link to the follow-up."""
    due = format_date(draft.due_on, "d MMMM yyyy")
    if draft.kind is ReminderKind.OVERDUE:
        subject = _(
            "Försenad: din årliga uppföljning av SAM %(year)d (sista dag var %(due)s)",
            year=draft.year,
            due=due,
        )
        status_line = _(
            "Sista dag var %(due)s och din uppföljning är ännu inte kvitterad. Svara och "
            "kvittera så snart du kan.",
            due=due,
        )
    else:
        subject = _(
            "Påminnelse: din årliga uppföljning av SAM %(year)d – sista dag %(due)s",
            year=draft.year,
            due=due,
        )
        status_line = _("Uppföljningen ska vara besvarad och kvitterad senast %(due)s.", due=due)
    lines = [
        _("Hej %(name)s!", name=draft.manager_name),
        "",
        _(
            "Det är dags för den årliga uppföljningen av ditt systematiska arbetsmiljöarbete "
            "(SAM) %(year)d för %(unit)s.",
            year=draft.year,
            unit=draft.unit_name,
        ),
        status_line,
        "",
        _("Svara på frågorna och kvittera här:"),
        link,
        "",
    ]
    if draft.delegating_name:
        lines += [
            _(
                "Din fördelande chef, %(name)s, stämmer sedan av uppföljningen med dig.",
                name=draft.delegating_name,
            ),
            "",
        ]
    lines.append(_("Det här är ett automatiskt meddelande från ISK. Svara inte på det."))
    return mail.build_message(sender, draft.recipient, subject, "\n".join(lines) + "\n")


def send_reminders(
    when: date, settings: mail.SmtpSettings, link_for: Callable[[int], str]
) -> ReminderReport:
    """Send each due reminder once, recording it; safe to run again or concurrently.

    Commits per mail (claim, then result): see the module docstring.
    """
    report = ReminderReport()
    drafts = due_reminders(when)
    db.session.commit()  # end the read transaction before the claims
    if not drafts:
        return report
    with mail.Mailer(settings) as mailer:
        for draft in drafts:
            claim = _claim(draft)
            if claim is None:
                continue
            message = reminder_message(draft, link_for(draft.follow_up_id), settings.sender)
            try:
                mailer.send(message)
            except mail.MailError as error:
                claim.claimed_at = None
                claim.last_error = str(error)
                db.session.commit()
                report.failed.append((draft, str(error)))
                continue
            claim.sent_at = utcnow()
            claim.last_error = None
            audit_log.record(
                "sam_reminder_sent",
                claim,
                follow_up_id=draft.follow_up_id,
                kind=draft.kind.value,
                recipient=draft.recipient,
            )
            db.session.commit()
            report.sent.append(draft)
    return report


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for mail, built from ISK_BASE_URL (there is no request to ask)."""
    from urllib.parse import urlsplit

    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)

"""Sending mail over SMTP: settings from ISK_SMTP_*, one connection per run.

Without a mail server (a demo, a trial on a laptop) ISK_MAIL_OUTBOX names a folder where each
message is written as an .eml file instead; `make run` sets it to the instance folder's
`utkorg`. A configured ISK_SMTP_HOST always wins.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from types import TracebackType
from typing import Any

from flask_babel import gettext as _

SECURITY_MODES = ("none", "starttls", "ssl")


class MailError(RuntimeError):
    """Mail cannot be sent (settings missing, server unreachable, refused); for the operator."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    outbox: Path | None = None  # write .eml files here instead of sending

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read and check the SMTP_* settings; raise MailError naming what is missing."""
        host = (config.get("SMTP_HOST") or "").strip()
        sender = (config.get("MAIL_FROM") or "").strip()
        outbox = (config.get("MAIL_OUTBOX") or "").strip()
        if not host and outbox:
            return cls(host="", port=0, sender=sender or "isk@localhost", outbox=Path(outbox))
        if not host:
            raise MailError(_("ISK_SMTP_HOST är inte satt: ange e-postserverns namn."))
        if not sender:
            raise MailError(_("ISK_MAIL_FROM är inte satt: ange avsändaradressen."))
        security = (config.get("SMTP_SECURITY") or "none").strip().lower()
        if security not in SECURITY_MODES:
            raise MailError(
                _(
                    "ISK_SMTP_TLS måste vara none, starttls eller ssl, inte ”%(value)s”.",
                    value=security,
                )
            )
        username = config.get("SMTP_USERNAME") or None
        if username and security == "none":
            raise MailError(
                _(
                    "Lösenordet till e-postservern skickas inte okrypterat: sätt ISK_SMTP_TLS "
                    "till starttls eller ssl."
                )
            )
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or default_port),
            sender=sender,
            security=security,
            username=username,
            password=config.get("SMTP_PASSWORD") or None,
            timeout=float(config.get("SMTP_TIMEOUT") or 30),
        )


def build_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message, marked as automatic so that out-of-office replies stay away."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8")
    return message


class Mailer:
    """An open SMTP session: `with Mailer(settings) as mailer: mailer.send(message)`."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        settings = self.settings
        if settings.outbox is not None:
            try:
                settings.outbox.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise MailError(_("Utkorgen %(path)s kan inte skapas: %(error)s",
                                  path=settings.outbox, error=error)) from error
            return self
        try:
            if settings.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=settings.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(
                _(
                    "Kunde inte ansluta till e-postservern %(host)s:%(port)d: %(error)s",
                    host=settings.host,
                    port=settings.port,
                    error=error,
                )
            ) from error
        self._smtp = smtp
        return self

    def send(self, message: EmailMessage) -> Path | None:
        """Send the message; in outbox mode write it there and return the file's path."""
        if self.settings.outbox is not None:
            return self._write_to_outbox(message)
        if self._smtp is None:
            raise RuntimeError("Mailer used outside its `with` block")
        try:
            refused = self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(
                _(
                    "E-postservern tog inte emot brevet till %(to)s: %(error)s",
                    to=message["To"],
                    error=error,
                )
            ) from error
        if refused:
            raise MailError(_("E-postservern vägrade mottagaren %(to)s.", to=", ".join(refused)))
        return None

    def _write_to_outbox(self, message: EmailMessage) -> Path:
        assert self.settings.outbox is not None
        name = make_msgid(idstring="isk").strip("<>").replace("@", "_") + ".eml"
        path = self.settings.outbox / name
        try:
            with open(path, "xb") as file:
                file.write(message.as_bytes())
                os.fsync(file.fileno())
        except OSError as error:
            raise MailError(_("Brevet kunde inte sparas i utkorgen %(path)s: %(error)s",
                              path=self.settings.outbox, error=error)) from error
        return path

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None
